# label: positive
# not: fileptr.E002
def read_twice(stream):
    start = stream.tell()
    header = stream.read()
    return start, header, stream.read()  # expect: fileptr.E001
