# label: positive
# not: fileptr.E002, fileptr.W004
import zipfile
from contextlib import closing

from django.http import JsonResponse

from .models import PriceList


def upload_bundle(request):
    upload = request.FILES["bundle"]
    with closing(upload):
        names = zipfile.ZipFile(upload).namelist()
    PriceList.objects.create(source=upload, rows=len(names))  # expect: fileptr.E005
    return JsonResponse({"files": names})
