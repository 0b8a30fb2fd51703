"""The vocabulary of the file-pointer analysis: which calls read, rewind, wrap, send or
save a file, which annotations say "file", and the small values the
interpreter in flow.py passes around."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Reads from the current position; `full` ones leave it at the end.
FULL_READS = {"read", "readlines"}
PARTIAL_READS = {"readline", "readinto"}
# Calls that wrap a file without moving it: the result shares its position.
WRAPPERS = {"File", "ImageFile", "UploadedFile", "InMemoryUploadedFile", "BufferedReader",
            "TextIOWrapper"}
# Calls that return a new file object at position 0.
FRESH = {"ContentFile", "BytesIO", "StringIO", "SimpleUploadedFile", "open",
         "TemporaryFile", "NamedTemporaryFile", "SpooledTemporaryFile"}
# Containers of form, serializer and validator values, keyed by field name.
FIELD_CONTAINERS = ("validated_data", "cleaned_data", "attrs", "data")
# Methods of SDKs and HTTP clients that send a file object from its current position.
SENDERS = {"upload_file", "upload", "upload_fileobj", "put_object", "upload_blob",
           "put", "post", "create_blob_from_stream", "upload_from_file", "request"}
# Methods that close the file object they are given: boto3's upload_fileobj (client,
# Bucket and Object), whose s3transfer closes a seekable file uploaded in one request
# (below the multipart threshold; boto3 #929, s3transfer #80, every release to 0.19).
# put_object does not close its Body; django-storages' S3Storage works around the close.
CLOSERS = {"upload_fileobj"}
# Model and serializer methods that store the files they are given (update only as
# super().update(instance, validated_data): dict.update is not a save).
SAVERS = {"save", "create", "update", "get_or_create", "update_or_create", "bulk_create"}
# Pillow: methods of an opened image, and ImageOps functions, that decode the whole
# file (Image.open alone reads only the header).
IMAGE_LOADS = {"load", "verify", "convert", "thumbnail", "resize", "save", "copy", "crop",
               "rotate", "transpose", "getdata", "tobytes", "split", "filter", "quantize",
               "getpixel", "reduce", "paste", "histogram"}
# Context managers whose block is expected to fail: misuse there is on purpose.
EXPECTED_FAILURE = {"assertRaises", "assertRaisesMessage", "assertRaisesRegex", "raises"}
# Exceptions a failed seek raises: where one is caught, the file cannot seek.
SEEK_ERRORS = {"AttributeError", "UnsupportedOperation", "OSError", "IOError", "ValueError",
               "TypeError", "Exception", "BaseException"}
FILE_TYPES = {"IO", "BinaryIO", "BytesIO", "IOBase", "RawIOBase", "BufferedIOBase",
              "BufferedReader"}


@dataclass
class Pos:
    """What last moved a value's position: `kind` is read (at the end), partial,
    rewinding (a reader that seeks to 0 first, then moves it: Pillow, chunks()),
    saved, written, or unknown (a `_save` content whose position the caller decides)."""

    kind: str
    line: int
    how: str


@dataclass(frozen=True)
class Closed:
    """Where a value was closed, and whether on every path that reaches here."""

    line: int
    how: str
    certain: bool = True
    leaf: tuple | None = None  # (line, how, module) of the close a callee did


@dataclass
class Event:
    code: str  # E001 read after consumption, E002 consumed then saved, E003 _save w/o rewind,
    # E005/W004 used after it was closed (on every path, on some)
    line: int
    name: str  # the value, as written in the source
    action: str  # what reads or saves it here
    earlier: int | None  # line of the conflicting earlier read
    earlier_how: str
    obj: int = 0  # the value's object id within the function (not reported)


@dataclass
class Effect:
    """What a project function does to one parameter: the first operation that moves it
    (kind: read to the end, partial, header (Pillow's Image.open), rewinding (a reader
    that seeks to 0 first), rewind, save), where, and where it leaves the position
    (`end`: a Pos kind, or None when it is back at 0)."""

    kind: str
    line: int
    how: str
    module: object  # the callee's Module (its .rel names the file)
    end: str | None


@dataclass
class Close:
    """A project function closes one of its parameters: where (in `module`), how, and
    whether on every path to its return."""

    line: int
    how: str
    module: object
    certain: bool


@dataclass
class Summary:
    """What a project function does to its parameters and what it returns: "fresh" (a
    new file; `fresh_pos` says where it stands when not at 0) or a parameter's name;
    `closes`: the parameters it closes."""

    params: dict[str, Effect] = field(default_factory=dict)
    param_names: list[str] = field(default_factory=list)
    returns: str | None = None
    fresh_pos: str | None = None
    closes: dict[str, Close] = field(default_factory=dict)


def key_of(node) -> str | None:
    """A stable text for a name, a dotted attribute or a constant-key subscript."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = key_of(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, (str, int)):
        base = key_of(node.value)
        return f"{base}[{node.slice.value!r}]" if base else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr == "get" and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        base = key_of(node.func.value)
        if base and base.rsplit(".", 1)[-1] in (*FIELD_CONTAINERS, "FILES"):
            return f"{base}[{node.args[0].value!r}]"
    return None


def call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def root_of(key: str) -> str:
    return key.split(".", 1)[0].split("[", 1)[0]


def is_hook(name: str, method: bool) -> bool:
    """Form, serializer and validator methods whose upload is saved after they return
    (a module-level validate_x() is one only when a field lists it in validators=[])."""
    return method and (name in ("clean", "validate")
                       or name.startswith(("clean_", "validate_")))


def is_pillow_open(node: ast.Call) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr == "open" \
        and key_of(func.value) in ("Image", "PIL.Image")


def argument(node: ast.Call, summary: Summary, param: str):
    for kw in node.keywords:
        if kw.arg == param:
            return kw.value
    try:
        index = summary.param_names.index(param)
    except ValueError:
        return None
    args = node.args
    if any(isinstance(a, ast.Starred) for a in args[:index + 1]):
        return None
    return args[index] if index < len(args) else None


def is_sized(node: ast.Call) -> bool:
    """read(n) or read(size=n) with n other than -1/None reads only part of the file."""
    if not node.args and not node.keywords:
        return False
    arg = node.args[0] if node.args else node.keywords[0].value
    if isinstance(arg, ast.Constant) and arg.value in (None, -1):
        return False
    if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub):
        return False
    return True


def is_file_annotation(annotation) -> bool:
    """UploadedFile, File, IO[bytes], BinaryIO...: an annotation that names a file."""
    if annotation is None:
        return False
    names = [n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(annotation)
             if isinstance(n, (ast.Name, ast.Attribute))]
    return any(n.endswith("File") or n in FILE_TYPES for n in names)


def text_of(node) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - only a label
        return "?"
