import logging

from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import PhotoSerializer

logger = logging.getLogger(__name__)


class PhotoUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            photo = serializer.save()
        except Exception as exc:
            logger.error("upload failed: %s", exc)
            return Response({"detail": "Upload failed."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)
