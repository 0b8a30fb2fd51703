"""Downloads the real-world corpus: the source distributions pinned in packages.toml,
from PyPI, each checked against its sha256, unpacked (Python sources and requirements
files only) under .cache/realworld/tree/<name>-<version>/. Already unpacked packages are
left alone, so a second run makes no request; folders of packages no longer pinned are
removed.

    python tests/realworld/fetch.py
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
CACHE = HERE.parents[1] / ".cache" / "realworld"
TREE = CACHE / "tree"
INDEX = "https://pypi.org/simple/{name}/"  # PEP 691 JSON: file names, URLs and hashes


def packages() -> list[dict]:
    return tomllib.loads((HERE / "packages.toml").read_text())["package"]


def folder(pkg: dict) -> Path:
    return TREE / f"{pkg['name']}-{pkg['version']}"


def url_of(pkg: dict) -> str:
    request = urllib.request.Request(INDEX.format(name=pkg["name"]), headers={
        "Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for entry in files:
        if entry["filename"] == pkg["file"]:
            return entry["url"]
    raise SystemExit(f"{pkg['file']} is not in PyPI's index of {pkg['name']}")


def download(pkg: dict) -> bytes:
    with urllib.request.urlopen(url_of(pkg), timeout=300) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != pkg["sha256"]:
        raise SystemExit(f"{pkg['file']}: sha256 {digest}, pinned {pkg['sha256']}")
    return data


def members(data: bytes, name: str):
    """(path inside the archive without its top folder, bytes) of the files to keep."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename.split("/", 1)[-1], archive.read(info)
        return
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for info in archive:
            if info.isfile():
                yield info.name.split("/", 1)[-1], archive.extractfile(info).read()


def unpack(pkg: dict, data: bytes) -> int:
    dest = folder(pkg)
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    count = 0
    for rel, content in members(data, pkg["file"]):
        path = (partial / rel).resolve()
        wanted = rel.endswith(".py") or Path(rel).name.startswith("requirements") \
            and rel.endswith(".txt")
        if not wanted or partial.resolve() not in path.parents:  # no ../ escapes
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        count += 1
    partial.rename(dest)
    return count


def main() -> int:
    TREE.mkdir(parents=True, exist_ok=True)
    pinned = {folder(pkg) for pkg in packages()}
    for stale in set(TREE.iterdir()) - pinned:  # a package no longer pinned
        shutil.rmtree(stale)
    for pkg in packages():
        if folder(pkg).is_dir():
            continue
        count = unpack(pkg, download(pkg))
        print(f"realworld: {pkg['name']} {pkg['version']}: {count} files", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
