# label: positive
# not: fileptr.E002, fileptr.W004
import csv
import io

from django.core.files.storage import default_storage
from django.http import JsonResponse


def import_price_list(request):
    with request.FILES["prices"] as upload:
        rows = list(csv.reader(io.TextIOWrapper(upload, encoding="utf-8")))
    name = default_storage.save("price_lists/latest.csv", upload)  # expect: fileptr.E005
    return JsonResponse({"rows": len(rows), "name": name})
