# label: positive
# not: fileptr.E002
import boto3
import magic
from django.http import HttpResponse

s3 = boto3.client("s3")


def upload_to_bucket(request):
    upload = request.FILES["file"]
    mime = magic.from_buffer(upload.read(), mime=True)
    s3.upload_fileobj(upload, "uploads", upload.name,  # expect: fileptr.E001
                      ExtraArgs={"ContentType": mime})
    return HttpResponse(status=204)
