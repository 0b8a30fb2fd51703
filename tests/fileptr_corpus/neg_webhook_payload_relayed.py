# label: negative
# not: fileptr.E001
import json

import requests
from django.conf import settings
from django.http import HttpResponse


def imagekit_webhook(request):
    data = json.loads(request.body)
    requests.post(settings.SEARCH_INDEX_URL, json=data["data"], timeout=5)
    requests.post(settings.CDN_PURGE_URL, json=data["data"], timeout=5)
    return HttpResponse(status=204)
