# label: positive
# not: fileptr.I002
def publish(cdn, data, name):
    from .errors import QuotaError

    try:
        return cdn.put(name, data)
    except QuotaError:  # expect: fileptr.E004
        return None
