"""pillow.codecs: can this Pillow decode and encode the formats uploads need?"""
from __future__ import annotations

import ast
import io

from diagnostics import Check, Finding, Level, kv, table

# Format name in Pillow -> words that ask for it in source (format args, extensions).
FORMATS = {"JPEG": ("jpeg", "jpg"), "PNG": ("png",), "WEBP": ("webp",), "AVIF": ("avif",),
           "GIF": ("gif",)}
ESSENTIAL = ("JPEG", "PNG")  # what phones and browsers send


def probe(fmt: str) -> tuple[bool, bool]:
    """(can encode, can decode) `fmt`, proven by a round trip of a tiny image."""
    from PIL import Image

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


def requested_formats(ctx) -> dict[str, list[tuple[str, int]]]:
    """Formats named in the project's source: "WEBP" literals, ".webp" names, format=...

    Returns {format: [(relative path, line), ...]}.
    """
    wanted = {"WEBP": ("webp",), "AVIF": ("avif",)}
    found: dict[str, list[tuple[str, int]]] = {}
    for path in ctx.python_files():
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
    tags = ("pillow", "images")
    provides = ("pillow.formats",)

    def run(self, ctx):
        try:
            import PIL
            from PIL import Image
        except ImportError as exc:
            yield Finding("pillow.E003", Level.ERROR, f"Pillow cannot be imported: {exc}",
                          "Install Pillow in the environment that serves the site "
                          "(pip install Pillow); ImageField needs it.")
            return
        support = {fmt: probe(fmt) for fmt in FORMATS}
        ctx.publish("pillow.formats", {f: {"encode": e, "decode": d}
                                       for f, (e, d) in support.items()})
        codecs = table("Formats", ["format", "encode", "decode"],
                       [[f, "yes" if e else "NO", "yes" if d else "NO"]
                        for f, (e, d) in support.items()])
        limits = kv("Pillow", {"version": PIL.__version__,
                               "MAX_IMAGE_PIXELS": Image.MAX_IMAGE_PIXELS})
        yield Finding("pillow.I001", Level.INFO, f"Pillow {PIL.__version__}: "
                      + ", ".join(f for f, (e, d) in support.items() if e and d)
                      + " can be encoded and decoded", evidence=[limits, codecs])
        for fmt in ESSENTIAL:
            encode, decode = support[fmt]
            if not (encode and decode):
                yield Finding(
                    "pillow.E002", Level.ERROR,
                    f"This Pillow cannot {'decode' if not decode else 'encode'} {fmt}",
                    f"Reinstall Pillow from a wheel (pip install --force-reinstall Pillow) "
                    f"or install the {fmt} library headers before building it; phones send "
                    f"{fmt}, so ImageField rejects their uploads.", [codecs])
        for fmt, places in sorted(requested_formats(ctx).items()):
            if support[fmt][0]:
                continue
            path, line = places[0]
            rows = [[p, n] for p, n in places[:50]]
            yield Finding(
                "pillow.E001", Level.ERROR,
                f"The project asks for {fmt} but this Pillow cannot encode it",
                f"Install a Pillow wheel built with {fmt} support (pip install --upgrade "
                f"Pillow), or fall back to JPEG when {fmt} is unavailable "
                f"(PIL.features.check('{fmt.lower()}')); saving raises "
                f"KeyError/OSError and the upload fails with a 500.",
                [table(f"Where the source names {fmt}", ["path", "line"], rows), codecs],
                path=path, line=line)
        if Image.MAX_IMAGE_PIXELS is None:
            yield Finding(
                "pillow.W001", Level.WARNING,
                "Image.MAX_IMAGE_PIXELS is None: Pillow's decompression-bomb guard is off",
                "Remove the `Image.MAX_IMAGE_PIXELS = None` assignment or set a limit "
                "(e.g. 50_000_000): one crafted upload can then take gigabytes of memory "
                "and the worker is killed.", [limits])
