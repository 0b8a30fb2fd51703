# label: positive
# not: fileptr.W002, fileptr.W003
from django.core.files.storage import default_storage
from django.http import JsonResponse


def upload_avatar(request):
    upload = request.FILES["avatar"]
    name = f"avatars/{request.user.pk}.jpg"
    try:
        default_storage.save(name, upload)
    except Exception:  # expect: fileptr.W001
        pass
    return JsonResponse({"avatar": name})
