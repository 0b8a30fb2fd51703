# label: positive
# not: fileptr.I002
from .errors import QuotaError


class Publisher:
    def __init__(self, cdn):
        self.cdn = cdn
        self.QuotaError = QuotaError

    def publish(self, data, name):
        try:
            return self.cdn.put(name, data)
        except self.QuotaError:  # expect: fileptr.E004
            return None
