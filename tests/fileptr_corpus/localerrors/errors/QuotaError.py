# label: negative
# not: fileptr.I001


class QuotaError(Exception):
    """The CDN refused the upload: the account's storage quota is used up."""
