# label: negative
# not: fileptr.E005, fileptr.W004
import boto3

s3 = boto3.client("s3")


def mirror(fileobj, key):
    s3.upload_fileobj(fileobj, "mirror", key)


def mirror_copy(fileobj, key):
    data = fileobj.read()
    fileobj.seek(0)
    s3.put_object(Bucket="mirror", Key=key, Body=data)
