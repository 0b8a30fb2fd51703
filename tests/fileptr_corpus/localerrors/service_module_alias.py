# label: positive
# not: fileptr.I002
from . import errors

Quota = errors.QuotaError


def publish(cdn, data, name):
    try:
        return cdn.put(name, data)
    except Quota:  # expect: fileptr.E004
        return None
