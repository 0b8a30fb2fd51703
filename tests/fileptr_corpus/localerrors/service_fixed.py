# label: negative
# not: fileptr.E004, fileptr.I002
from .errors.QuotaError import QuotaError


def publish(cdn, data, name):
    try:
        return cdn.put(name, data)
    except QuotaError:
        return None
