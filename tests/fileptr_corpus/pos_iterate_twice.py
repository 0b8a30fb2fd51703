# label: positive
# not: fileptr.E002


def count_and_collect(upload):
    rows = sum(1 for _ in upload.readlines())
    emails = []
    for line in upload:  # expect: fileptr.E001
        emails.append(line.decode().strip())
    return rows, emails
