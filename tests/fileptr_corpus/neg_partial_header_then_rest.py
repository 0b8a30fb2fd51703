# label: negative
# not: fileptr.E001
import struct


def parse_container(stream):
    magic = stream.read(4)
    if magic != b"PHOT":
        raise ValueError("bad magic")
    (length,) = struct.unpack(">I", stream.read(4))
    payload = stream.read()
    return payload[:length]
