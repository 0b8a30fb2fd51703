"""The imagekitio version the project's requirements files pin.

`requirements*.txt` (and *.txt under a requirements/ folder) up to three folders deep,
in whatever encoding pip reads them: UTF-8, or UTF-16 with its byte-order mark (what
Windows PowerShell's `pip freeze > requirements.txt` writes).
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from upload_diagnostics.diagnostics.context import project_files
from upload_diagnostics.diagnostics.files import Files

LINE = re.compile(r"^\s*imagekitio\s*(?:\[[^\]]*\])?\s*(?P<spec>[=<>!~][^;#\s]*(?:\s*,\s*"
                  r"[=<>!~][^;#\s]*)*)?", re.IGNORECASE)


@dataclass
class Pin:
    path: Path
    line: int
    spec: str  # e.g. "==4.2.0", ">=4,<5", "" for a bare name

    @property
    def version(self) -> str | None:
        """The exact version of an == pin (None for a range)."""
        match = re.fullmatch(r"===?\s*([\w.]+)", self.spec)
        return match.group(1) if match else None


def decoded(data: bytes) -> str:
    """A requirements file's text: UTF-16 or UTF-32 by their byte-order mark, else UTF-8
    (with or without one)."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    return data.decode("utf-8-sig", "replace")


def requirement_files(root: Path, files: Files) -> list[Path]:
    return [p for p in project_files(root, depth=3, suffix=".txt", files=files)
            if p.name.startswith("requirements") or p.parent.name == "requirements"]


def pins(ctx) -> list[Pin]:
    """Every line of the project's requirements files that names imagekitio."""
    def find():
        found = []
        for path in requirement_files(ctx.project_root, ctx.files):
            data = ctx.files.bytes(path)
            if data is None:
                continue
            for number, line in enumerate(decoded(data).splitlines(), 1):
                match = LINE.match(line)
                if match:
                    found.append(Pin(path, number, (match.group("spec") or "").strip()))
        return found
    return ctx.cached("imagekit.pins", find)
