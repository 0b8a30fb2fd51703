# label: negative
# not: fileptr.E001


def read_manifest(upload):
    header = upload.readline()
    entries = []
    while True:
        line = upload.readline()
        if not line:
            break
        entries.append(line.decode().strip())
    return header, entries
