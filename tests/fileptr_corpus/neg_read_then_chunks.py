# label: negative
# not: fileptr.E001
import magic


def copy_checked(upload, destination):
    mime = magic.from_buffer(upload.read(2048), mime=True)
    if not mime.startswith("image/"):
        raise ValueError(mime)
    with open(destination, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return mime
