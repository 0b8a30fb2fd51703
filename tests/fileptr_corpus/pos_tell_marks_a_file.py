# label: positive
# not: fileptr.E002
def read_twice(stream):
    start = stream.tell()
    header = stream.read()
    return start, header, stream.read()  # expect: fileptr.E001


def count_lines_then_read(stream):
    start = stream.tell()
    lines = sum(1 for _ in stream)
    return start, lines, stream.read()  # expect: fileptr.E001
