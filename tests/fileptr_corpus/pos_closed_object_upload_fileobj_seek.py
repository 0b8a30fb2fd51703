# label: positive
# not: fileptr.E001, fileptr.W004
import hashlib

import boto3
from django.http import JsonResponse

s3 = boto3.resource("s3")


def archive(request):
    upload = request.FILES["document"]
    s3.Object("archive", upload.name).upload_fileobj(Fileobj=upload)
    upload.seek(0)  # expect: fileptr.E005
    digest = hashlib.sha256(upload.read()).hexdigest()
    return JsonResponse({"sha256": digest})
