# label: positive
# not: fileptr.E003
from django.http import JsonResponse

from .models import PriceListImport


def import_price_lists(request):
    imported = []
    for upload in request.FILES.getlist("price_lists"):
        rows = [line.decode("utf-8").split(";") for line in upload]
        batch = PriceListImport.objects.create(source=upload, rows=len(rows))  # expect: fileptr.E002
        imported.append(batch.pk)
    return JsonResponse({"imported": imported})


def preview_rows(request):
    upload = request.FILES["price_list"]
    total = sum(1 for _ in upload)
    text = upload.read().decode("utf-8")  # expect: fileptr.E001
    return total, text.splitlines()
