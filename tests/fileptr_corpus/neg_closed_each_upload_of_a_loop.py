# label: negative
# not: fileptr.E005, fileptr.W004
import boto3
from django.http import JsonResponse

s3 = boto3.client("s3")


def upload_gallery(request):
    names = []
    for upload in request.FILES.getlist("images"):
        s3.upload_fileobj(upload, "gallery", upload.name)
        names.append(upload.name)
    for path in request.POST.getlist("paths"):
        with open(path, "rb") as source:
            s3.upload_fileobj(source, "gallery", path)
    return JsonResponse({"names": names})
