# label: positive
# not: fileptr.E005, fileptr.E001
import boto3
from django.conf import settings
from django.http import HttpResponse

s3 = boto3.client("s3")


def publish(request):
    upload = request.FILES["image"]
    for bucket in settings.REGION_BUCKETS:
        s3.upload_fileobj(upload, bucket, upload.name)  # expect: fileptr.W004
    return HttpResponse(status=204)
