# label: positive
# not: fileptr.E001
import hashlib

from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import PhotoSerializer


class PhotoUpload(APIView):
    def post(self, request):
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = request.FILES["image"]
        checksum = hashlib.sha256(upload.read()).hexdigest()
        serializer.save(owner=request.user, checksum=checksum)  # expect: fileptr.E002
        return Response(serializer.data, status=201)
