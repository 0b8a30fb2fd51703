"""The s3 family: Amazon S3 and S3-compatible services (R2, Spaces, MinIO, B2, Wasabi)
behind django-storages' S3Storage.

    config   static: each S3 storage's options, credentials, botocore and checksums,
             ACL, overwrite, signed-URL expiry, custom domain and prefixes
    bucket   network, read-only: HeadBucket, a 1-key listing, ownership controls and
             the public-access block, each provider error named
    upload   write tier (--e2e): the generated images saved through the project's real
             storage under the test prefix, read back through url(), deleted

Which storage is which comes from `checks.storages` (every alias resolved to its backend),
so that another backend (GCS, Azure Blob) is one more family beside this one.
"""
