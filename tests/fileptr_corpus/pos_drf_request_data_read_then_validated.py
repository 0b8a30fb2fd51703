# label: positive
# not: fileptr.E002
import hashlib

from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import PhotoSerializer


class PhotoUpload(APIView):
    def post(self, request):
        upload = request.data["image"]
        digest = hashlib.sha256(upload.read()).hexdigest()
        serializer = PhotoSerializer(data=request.data)  # expect: fileptr.E001
        serializer.is_valid(raise_exception=True)
        serializer.save(checksum=digest)
        return Response(serializer.data, status=201)
