# label: positive
# not: fileptr.E001, fileptr.W004
import boto3
from django.http import HttpResponse

s3 = boto3.client("s3")


def publish(request):
    upload = request.FILES["image"]
    s3.upload_fileobj(upload, "site-eu", upload.name)
    s3.upload_fileobj(upload, "site-us", upload.name)  # expect: fileptr.E005
    return HttpResponse(status=204)
