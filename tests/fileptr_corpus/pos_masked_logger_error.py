# label: positive
# not: fileptr.W001
import logging

from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import PhotoSerializer

logger = logging.getLogger(__name__)


class PhotoUploadView(APIView):
    def post(self, request):
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            photo = serializer.save()
        except Exception as exc:
            logger.error("upload failed: %s", exc)  # expect: fileptr.W003
            return Response({"detail": "Upload failed."}, status=500)
        return Response({"id": photo.pk}, status=201)
