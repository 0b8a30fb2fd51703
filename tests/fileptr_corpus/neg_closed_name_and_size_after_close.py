# label: negative
# not: fileptr.E005, fileptr.W004
import boto3
from django.http import JsonResponse

s3 = boto3.client("s3")


def upload_document(request):
    upload = request.FILES["document"]
    s3.upload_fileobj(upload, "documents", upload.name)
    upload.close()
    return JsonResponse({"name": upload.name, "size": upload.size,
                         "type": upload.content_type})
