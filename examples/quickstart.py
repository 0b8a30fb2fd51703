"""The README's quick start: diagnose the bundled example project against a local ImageKit.

    .venv/bin/python examples/quickstart.py [--e2e]

Starts the ImageKit emulator on 127.0.0.1, gives the example project (examples/photoapp)
emulator keys, points the toolkit and the SDK at the emulator with
UPLOAD_DIAGNOSTICS_IMAGEKIT_URL, runs the real diagnosis and writes report.html and
report.md to the current directory. The example carries deliberate bugs, so the verdict
lists findings; the script exits 0 whenever the diagnosis ran, non-zero when it could not.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROJECT = HERE / "photoapp"
sys.path.insert(0, str(HERE))

from imagekit_emulator import ImageKitEmulator  # noqa: E402


def diagnose(emulator: ImageKitEmulator, extra: list[str]) -> int:
    env = {**os.environ, **emulator.environ(), "STORAGE_BACKEND": "imagekit",
           "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-m", "upload_diagnostics.manage_commands",
               "--settings", "photosite.settings", "--project-dir", str(PROJECT), "--format", "html", "--format", "md",
               "--output", ".", *extra]
    return subprocess.call(command, env=env)


def main(argv: list[str]) -> int:
    print(f"Diagnosing {PROJECT.relative_to(REPO)} against a local ImageKit emulator...",
          file=sys.stderr)
    started = time.time()
    with ImageKitEmulator() as emulator:
        print(f"ImageKit emulator on {emulator.url}", file=sys.stderr)
        status = diagnose(emulator, argv)
        calls = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in emulator.requests)
        print(f"The emulator answered: {calls or 'nothing'}", file=sys.stderr)
    written = [name for name in ("report.html", "report.md")
               if Path(name).is_file() and Path(name).stat().st_mtime >= started - 1]
    if status in (0, 1) and len(written) == 2:
        print(f"Open {Path('report.html').resolve()} (also report.md).")
        return 0
    print(f"The diagnosis did not run (exit status {status}).", file=sys.stderr)
    return status or 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
