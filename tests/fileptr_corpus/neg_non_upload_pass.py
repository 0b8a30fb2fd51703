# label: negative
# not: fileptr.W001
from django.core.cache import cache


def warm_cache(keys):
    for key in keys:
        try:
            cache.get(key)
        except Exception:
            pass
