# label: positive
# not: fileptr.E001, fileptr.W004
from django.http import JsonResponse


def preview(request):
    upload = request.FILES["document"]
    header = upload.read(512)
    upload.close()
    if header.startswith(b"%PDF"):
        body = upload.read()  # expect: fileptr.E005
        return JsonResponse({"pdf": True, "size": len(body)})
    return JsonResponse({"pdf": False})
