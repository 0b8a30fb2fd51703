"""The s3 family's finding codes, each declared once. Numbers by check:

    001-039  s3.config   static: storages, credentials, botocore, ACL, overwrite, URLs
    040-059  s3.bucket   network, read-only: what the bucket and the provider answered
    060-079  s3.upload   the write tier's round trip
"""
from upload_diagnostics.diagnostics import Code  # noqa: F401

# -- s3.config ------------------------------------------------------------------------------------

# -- s3.bucket ------------------------------------------------------------------------------------

# -- s3.upload ------------------------------------------------------------------------------------
