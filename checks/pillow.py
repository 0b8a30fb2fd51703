"""pillow.codecs: can this Pillow decode and encode the formats uploads need?"""
from __future__ import annotations

import ast
import importlib
import io
import re

from upload_diagnostics.diagnostics import Check, Code, kv, table

# The formats uploads use, and the Pillow plugin of each.
PLUGINS = {"JPEG": "JpegImagePlugin", "PNG": "PngImagePlugin", "WEBP": "WebPImagePlugin",
           "AVIF": "AvifImagePlugin", "GIF": "GifImagePlugin"}
ESSENTIAL = ("JPEG", "PNG")  # what phones and browsers send
# Formats whose codec is an optional compiled module: without it Pillow can neither encode
# nor decode them, though the plugin may still be registered.
MODULES = {"WEBP": "webp", "AVIF": "avif"}


I001 = Code(
    code="pillow.I001",
    title="Pillow's version and the formats it can encode and decode",
    detects="Always emitted: the Pillow version, Image.MAX_IMAGE_PIXELS and, for JPEG, "
            "PNG, WebP, AVIF and GIF, whether a tiny image survives a save and reopen.",
    why="Support needs to know which Pillow build serves the site: wheels and "
        "distribution packages differ in the codecs they carry.",
    bad="# nothing to fix: an informational summary",
    good="# nothing to fix: an informational summary",
    fix="Nothing; compare it with the Pillow of the environment where uploads fail.")

E001 = Code(
    code="pillow.E001",
    title="The project asks for a format this Pillow cannot encode",
    detects="A string in the project's source names WebP or AVIF (a format argument, an "
            "extension, a MIME type) and the installed Pillow cannot save that format.",
    why="image.save(buffer, \"WEBP\") raises KeyError or OSError at upload time, the "
        "view returns a 500 and the upload is lost. Tests pass on a developer machine "
        "whose Pillow wheel has the codec.",
    bad="def to_webp(image):\n    out = io.BytesIO()\n    image.save(out, \"WEBP\", "
        "quality=80)  # this Pillow has no WebP encoder\n    return out",
    good="from PIL import features\n\ndef to_webp(image):\n    out = io.BytesIO()\n"
         "    fmt = \"WEBP\" if features.check(\"webp\") else \"JPEG\"\n"
         "    image.save(out, fmt, quality=80)\n    return out",
    fix="Install a Pillow wheel built with the codec (pip install --upgrade Pillow), or "
        "install libwebp/libavif headers before building Pillow from source; where the "
        "codec may be missing, fall back to JPEG after PIL.features.check().")

E002 = Code(
    code="pillow.E002",
    title="Pillow cannot decode or encode JPEG or PNG",
    detects="A tiny JPEG or PNG image cannot be saved and reopened with the installed "
            "Pillow.",
    why="Phones and browsers send JPEG and PNG; ImageField validation opens every "
        "upload with Pillow, so uploads are rejected as \"not a valid image\".",
    bad="# Pillow built from source without libjpeg\npip install --no-binary :all: Pillow",
    good="pip install --force-reinstall Pillow   # the wheel bundles libjpeg and zlib",
    fix="Reinstall Pillow from a wheel, or install the libjpeg and zlib development "
        "headers before building it from source.",
    lang="sh")

E003 = Code(
    code="pillow.E003",
    title="Pillow cannot be imported",
    detects="import PIL fails in the environment the command runs in.",
    why="Django's ImageField and every resize or thumbnail step need Pillow; without it "
        "each image upload fails.",
    bad="# requirements.txt\nDjango==5.2\ndjangorestframework==3.15",
    good="# requirements.txt\nDjango==5.2\ndjangorestframework==3.15\nPillow>=10",
    fix="Add Pillow to the project's requirements and install it into the environment "
        "that serves the site.",
    lang="text")

W001 = Code(
    code="pillow.W001",
    title="Pillow's decompression-bomb guard is off",
    detects="PIL.Image.MAX_IMAGE_PIXELS is None in the running process (some project "
            "code set it so).",
    why="A small crafted upload can decode into gigabytes of pixels; the worker runs "
        "out of memory and is killed, taking other requests with it.",
    bad="from PIL import Image\n\nImage.MAX_IMAGE_PIXELS = None  # to allow huge scans",
    good="from PIL import Image\n\nImage.MAX_IMAGE_PIXELS = 100_000_000  # a stated limit",
    fix="Remove the assignment, or set an explicit limit that fits the largest image "
        "the site must accept.")


def probe(fmt: str) -> tuple[bool, bool]:
    """(can encode, can decode) `fmt`, proven by a round trip of a tiny image.

    Only the format's own plugin is loaded: Image.init() would import every plugin,
    which costs more than all the round trips together."""
    from PIL import Image

    if fmt in MODULES and not _module(MODULES[fmt]):
        return False, False
    Image.preinit()
    try:
        importlib.import_module(f"PIL.{PLUGINS[fmt]}")
    except ImportError:  # the plugin or the library behind it is missing
        pass
    if fmt not in Image.SAVE:
        return False, fmt in Image.OPEN
    buffer = io.BytesIO()
    try:
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, fmt)
    except (KeyError, OSError, ValueError):
        return False, fmt in Image.OPEN
    try:
        buffer.seek(0)
        with Image.open(buffer) as image:
            image.load()
        return True, True
    except (OSError, ValueError):
        return True, False


def _module(name: str) -> bool:
    from PIL import features

    try:
        return bool(features.check_module(name))
    except ValueError:  # a Pillow too old to know the module
        return False


FORMAT_WORDS = re.compile(rb"(?i)webp|avif")


def requested_formats(ctx) -> dict[str, list[tuple[str, int]]]:
    """Formats named in the project's source: "WEBP" literals, ".webp" names, format=...

    Returns {format: [(relative path, line), ...]}.
    """
    wanted = {"WEBP": ("webp",), "AVIF": ("avif",)}
    found: dict[str, list[tuple[str, int]]] = {}
    for path in ctx.python_files_matching(FORMAT_WORDS):
        tree = ctx.parsed(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            word = node.value.strip().lower().lstrip(".").rsplit("/", 1)[-1]
            for fmt, names in wanted.items():
                if word in names or word.endswith(tuple(f".{n}" for n in names)) or \
                        word in (f"image/{n}" for n in names):
                    found.setdefault(fmt, []).append((ctx.relpath(path), node.lineno))
    return found


class PillowCodecs(Check):
    """Pillow's version, which formats it can encode and decode, its decompression-bomb
    limit, and whether the formats named in the project's source can be encoded."""

    id = "pillow.codecs"
    title = "Pillow can decode and encode the formats uploads use"
    layer = "platform"
    tags = ("pillow", "images")
    codes = (I001, E001, E002, E003, W001)
    provides = ("pillow.formats",)

    def run(self, ctx):
        try:
            import PIL
            from PIL import Image
        except ImportError as exc:
            yield E003(f"Pillow cannot be imported: {exc}",
                       "Install Pillow in the environment that serves the site "
                       "(pip install Pillow); ImageField needs it.")
            return
        support = {fmt: probe(fmt) for fmt in PLUGINS}
        ctx.publish("pillow.formats", {f: {"encode": e, "decode": d}
                                       for f, (e, d) in support.items()})
        codecs = table("Formats", ["format", "encode", "decode"],
                       [[f, "yes" if e else "NO", "yes" if d else "NO"]
                        for f, (e, d) in support.items()])
        limits = kv("Pillow", {"version": PIL.__version__,
                               "MAX_IMAGE_PIXELS": Image.MAX_IMAGE_PIXELS})
        yield I001(f"Pillow {PIL.__version__}: "
                   + ", ".join(f for f, (e, d) in support.items() if e and d)
                   + " can be encoded and decoded", evidence=[limits, codecs])
        for fmt in ESSENTIAL:
            encode, decode = support[fmt]
            if not (encode and decode):
                yield E002(
                    f"This Pillow cannot {'decode' if not decode else 'encode'} {fmt}",
                    f"Reinstall Pillow from a wheel (pip install --force-reinstall Pillow) "
                    f"or install the {fmt} library headers before building it; phones send "
                    f"{fmt}, so ImageField rejects their uploads.", [codecs])
        for fmt, places in sorted(requested_formats(ctx).items()):
            if support[fmt][0]:
                continue
            path, line = places[0]
            rows = [[p, n] for p, n in places[:50]]
            yield E001(
                f"The project asks for {fmt} but this Pillow cannot encode it",
                f"Install a Pillow wheel built with {fmt} support (pip install --upgrade "
                f"Pillow), or fall back to JPEG when {fmt} is unavailable "
                f"(PIL.features.check('{fmt.lower()}')); saving raises "
                f"KeyError/OSError and the upload fails with a 500.",
                [table(f"Where the source names {fmt}", ["path", "line"], rows), codecs],
                path=path, line=line)
        if Image.MAX_IMAGE_PIXELS is None:
            yield W001(
                "Image.MAX_IMAGE_PIXELS is None: Pillow's decompression-bomb guard is off",
                "Remove the `Image.MAX_IMAGE_PIXELS = None` assignment or set a limit "
                "(e.g. 50_000_000): one crafted upload can then take gigabytes of memory "
                "and the worker is killed.", [limits])
