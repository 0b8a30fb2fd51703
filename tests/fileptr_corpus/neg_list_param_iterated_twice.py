# label: negative
# not: fileptr.E001


def summarize(uploads):
    names = [u.name for u in uploads]
    total = 0
    for item in uploads:
        total += item.size
    for item in uploads:
        item.close()
    return names, total
