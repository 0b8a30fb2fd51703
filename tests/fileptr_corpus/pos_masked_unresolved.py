# label: positive
# not: fileptr.E004
from acme_cdn_sdk.exceptions import QuotaExceeded


def publish(client, upload):
    try:
        client.publish(upload)
    except QuotaExceeded:  # expect: fileptr.I002
        return None
