# label: positive
# not: fileptr.E002, fileptr.E003
# (ImageField validation reads the upload, fails on b'', and rewinds: no save follows)
from rest_framework.response import Response
from rest_framework.views import APIView

from .exif import read_exif
from .serializers import PhotoSerializer


class PhotoUpload(APIView):
    def post(self, request):
        upload = request.FILES["image"]
        exif = read_exif(upload.read())
        serializer = PhotoSerializer(data=request.data)  # expect: fileptr.E001
        serializer.is_valid(raise_exception=True)
        photo = serializer.save(image=upload, exif=exif)
        return Response({"id": photo.pk}, status=201)
