# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage
from rest_framework.response import Response
from rest_framework.views import APIView


class PhotoUpload(APIView):
    def post(self, request):
        upload = request.data["image"]
        digest = hashlib.sha256(upload.read()).hexdigest()
        name = default_storage.save(f"photos/{digest}.jpg", upload)  # expect: fileptr.E002
        return Response({"name": name}, status=201)
