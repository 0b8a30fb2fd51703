# label: positive
# not: fileptr.E002
from django.http import JsonResponse


def import_contacts(request):
    upload = request.FILES["csv"]
    total = len(upload.readlines())
    imported = 0
    for line in upload:  # expect: fileptr.E001
        if line.strip():
            imported += 1
    return JsonResponse({"lines": total, "imported": imported})
