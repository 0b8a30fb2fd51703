# label: negative
# not: fileptr.E005, fileptr.W004
import boto3
from django.core.files import File
from django.core.files.storage import default_storage

s3 = boto3.client("s3")


def publish_report(path):
    with open(path, "rb") as report:
        s3.upload_fileobj(report, "reports", "latest.pdf")
    with open(path, "rb") as report:
        return default_storage.save("reports/latest.pdf", File(report))
