# label: positive
# not: fileptr.E001, fileptr.W004
import boto3
from django.http import JsonResponse
from PIL import Image

bucket = boto3.resource("s3").Bucket("originals")


def upload_scan(request):
    upload = request.FILES["scan"]
    bucket.upload_fileobj(upload, f"scans/{upload.name}")
    with Image.open(upload) as image:  # expect: fileptr.E005
        width, height = image.size
    return JsonResponse({"width": width, "height": height})
