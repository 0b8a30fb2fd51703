# label: positive
# not: fileptr.I002
from .errors import QuotaError


def publish(cdn, data, name):
    try:
        return cdn.put(name, data)
    except QuotaError:  # expect: fileptr.E004
        return None
