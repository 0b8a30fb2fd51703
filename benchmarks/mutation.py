"""Mutation testing of the modules whose mistakes would mislead users, with mutmut 2.x.

    python benchmarks/mutation.py [MODULE ...] [--fresh] [--list]

Each module's mutants are run against the tests that cover it (MODULES), one mutant at a
time, in place: mutmut rewrites the source file, runs the tests, and restores it, so run
it in a checkout of its own (`git worktree add`), not where you run or edit the tests.
Results are cached per module under .cache/mutation/ (a mutant is re-tested when its line
changes, or when the tests changed and it had survived; --fresh starts over). Prints each
module's score (killed / all mutants) and every survivor as a diff; survivors listed in
docs/mutation.md as equivalent are marked so, and listed entries that no longer survive are
reported as stale. Not part of CI.
"""
from __future__ import annotations

import argparse
import ast
import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv-mutation"
CACHE = REPO / ".cache" / "mutation"
EQUIVALENTS = REPO / "docs" / "mutation.md"
PYTHON = REPO / ".venv" / "bin" / "python"

# module -> (the code mutated: file -> functions, or None for the whole file; its tests)
MODULES = {
    "redact": ({"diagnostics/redact.py": None}, ["tests/test_redact_rules.py"]),
    "server.config": ({"checks/server/config.py": None}, ["tests/test_server_config_rules.py"]),
    "server.nginx": ({"checks/server/nginx.py": None},
                     ["tests/test_server_nginx_rules.py", "tests/test_server_nginx.py"]),
    "fileptr.flow": ({"checks/fileptr/flow.py": None},
                     ["tests/test_fileptr_corpus.py"]),
    "e2e.recording": ({"checks/e2e/recording.py": None}, ["tests/test_e2e_rules.py"]),
    "e2e.tracker": ({"checks/e2e/tracker.py": None}, ["tests/test_e2e_rules.py"]),
    "verdict": ({
        "diagnostics/runner.py": ["misfit", "_silenced", "Runner.run_one", "Runner._gate",
                                  "Runner._result", "Runner._skip"],
        "diagnostics/report.py": ["summarize", "layer_summary", "worst_level"],
        "diagnostics/model.py": ["status_for"],
        "manage_commands/main.py": ["exit_status"],
    }, ["tests/test_verdict_rules.py"]),
    "escaping": ({
        "reports/templating.py": ["md_escape", "_prose", "md_prose", "html_prose", "nobreak",
                                  "md_fence", "script_json", "environment"],
        "reports/junit.py": ["_clean"],
        "reports/printable.py": None,
    }, ["tests/test_escaping_rules.py", "tests/test_escaping.py"]),
}
KILLED = ("ok_killed", "bad_timeout", "ok_suspicious")  # the tests failed or hung


def setup() -> Path:
    """.venv-mutation with the pinned mutmut; returns its mutmut."""
    if not (VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([VENV / "bin" / "pip", "install", "-q", "-r",
                    REPO / "benchmarks" / "requirements-mutation.txt"], check=True)
    return VENV / "bin" / "mutmut"


def lines_of(path: str, functions: list[str] | None) -> list[int]:
    """The line numbers of the named functions (Class.method for a method), or of the file."""
    source = (REPO / path).read_text()
    if functions is None:
        return list(range(1, source.count("\n") + 2))
    found: dict[str, range] = {}

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                found[name] = range(child.lineno, child.end_lineno + 1)
                visit(child, name + ".")

    visit(ast.parse(source))
    missing = [f for f in functions if f not in found]
    if missing:
        raise SystemExit(f"{path} has no {', '.join(missing)}: update MODULES")
    return sorted({n for f in functions for n in found[f]})


def patch(targets: dict) -> str:
    """A unified diff that adds the chosen lines: mutmut mutates only those."""
    out = []
    for path, functions in targets.items():
        text = (REPO / path).read_text().splitlines()
        out += [f"diff -u {path} {path}", f"--- {path}", f"+++ {path}"]
        chosen = [n for n in lines_of(path, functions) if n <= len(text)]
        for first, last in runs(chosen):
            out.append(f"@@ -0,0 +{first},{last - first + 1} @@")
            out += ["+" + line for line in text[first - 1:last]]
    return "\n".join(out) + "\n"


def runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted numbers as (first, last) ranges of consecutive ones."""
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def run(mutmut: Path, name: str, fresh: bool) -> None:
    targets, tests = MODULES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / f"{name}.sqlite"
    if fresh:
        cache.unlink(missing_ok=True)
    for folder in {Path(p).parent for p in targets}:
        shutil.rmtree(REPO / folder / "__pycache__", ignore_errors=True)
    with tempfile.NamedTemporaryFile("w", suffix=".diff", delete=False) as f:
        f.write(patch(targets))
    runner = f"{PYTHON} {Path(__file__).resolve()} --pytest {' '.join(tests)}"
    live = REPO / ".mutmut-cache"
    if cache.exists():
        shutil.copy(cache, live)
    try:
        subprocess.run([mutmut, "run", "--paths-to-mutate", ",".join(targets),
                        "--runner", runner, "--use-patch-file", f.name, "--tests-dir", "tests",
                        "--test-time-base", "30", "--simple-output", "--no-progress"],
                       cwd=REPO, env=test_env())
    finally:
        os.unlink(f.name)
        if live.exists():
            shutil.move(live, cache)
        for path in targets:  # an interrupted run leaves its mutant and the original
            backup = REPO / f"{path}.bak"
            if backup.exists():
                shutil.move(backup, REPO / path)


def test_env() -> dict:
    """What tests/run.sh exports."""
    env = dict(os.environ)
    for name, venv in (("IK5", ".venv-ik5"), ("IK2", ".venv-ik2"), ("IK3", ".venv-ik3"),
                       ("CORE", ".venv-core"), ("LOWEST", ".venv-lowest")):
        env[f"UPLOAD_DIAGNOSTICS_{name}_PYTHON"] = str(REPO / venv / "bin" / "python")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def results(mutmut: Path, name: str) -> tuple[int, int, list[tuple[int, str]], int]:
    """(killed, tested, [(mutant id, diff) of each survivor], untested) from the module's
    cache; untested mutants are those an interrupted run did not reach."""
    cache = CACHE / f"{name}.sqlite"
    if not cache.exists():
        return 0, 0, [], 0
    files = list(MODULES[name][0])
    with sqlite3.connect(cache) as db:
        rows = db.execute(
            "SELECT m.id, m.status FROM Mutant m JOIN Line l ON m.line = l.id JOIN SourceFile s "
            f"ON l.sourcefile = s.id WHERE s.filename IN ({','.join('?' * len(files))})",
            files).fetchall()
    killed = sum(status in KILLED for _, status in rows)
    survivors = []
    live = REPO / ".mutmut-cache"
    shutil.copy(cache, live)
    try:
        for pk, status in rows:
            if status not in KILLED and status != "untested":
                shown = subprocess.run([mutmut, "show", str(pk)], cwd=REPO, text=True,
                                       capture_output=True).stdout
                survivors.append((pk, f"[{status}] " + shown.strip()))
    finally:
        live.unlink()
    untested = sum(status == "untested" for _, status in rows)
    return killed, len(rows) - untested, survivors, untested


def equivalents() -> list[tuple[str, str]]:
    """(file, mutated line) of each survivor docs/mutation.md explains as equivalent."""
    if not EQUIVALENTS.exists():
        return []
    listed = EQUIVALENTS.read_text().partition("## Equivalent survivors")[2]
    return [(path, line.replace("\\|", "|")) for path, line in re.findall(
        r"^\| `([^`]+)` \| `(.+?)` \|", listed, re.M)]


def mutated_line(diff: str) -> tuple[str, str]:
    path = re.search(r"^(?:\[\w+\] )?--- (\S+)", diff, re.M)
    added = re.search(r"^\+(?!\+\+)(.*)$", diff, re.M)
    return (path.group(1) if path else "", added.group(1).strip() if added else "")


def pytest_for_mutmut(tests: list[str]) -> int:
    """The tests, in this process (when mutmut stops a hung run, nothing is left behind),
    with any failure as status 1: mutmut 2 counts only 1 as failed tests, and a mutant that
    breaks an import makes pytest exit with 2."""
    import pytest

    return 0 if pytest.main(["-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                             *tests]) == 0 else 1


def main() -> int:
    if sys.argv[1:2] == ["--pytest"]:
        return pytest_for_mutmut(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"default: all ({', '.join(MODULES)})")
    parser.add_argument("--fresh", action="store_true", help="forget cached results")
    parser.add_argument("--list", action="store_true", help="only print the cached scores")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    lock = open(CACHE / "lock", "w")
    try:  # mutmut keeps its state in ./.mutmut-cache: one run at a time
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        parser.error("another mutation run is in progress in this worktree")
    names = args.modules or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)} (known: {', '.join(MODULES)})")
    mutmut = setup()
    known = equivalents()
    seen = set()
    lines = []
    for name in names:
        if not args.list:
            run(mutmut, name, args.fresh)
        killed, total, survivors, untested = results(mutmut, name)
        print(f"\n== {name}: {len(survivors)} survivors")
        equivalent = 0
        for pk, diff in survivors:
            key = mutated_line(diff)
            mark = "equivalent (docs/mutation.md)" if key in known else "SURVIVED"
            equivalent += key in known
            seen.add(key)
            print(f"-- mutant {pk}: {mark}\n{diff}\n")
        score = killed / total if total else 0.0
        lines.append(f"{name:15} {killed:4}/{total:<4} killed = {score:6.1%}   "
                     f"({equivalent} equivalent survivors, "
                     f"{len(survivors) - equivalent} to kill"
                     + (f"; {untested} not tested yet)" if untested else ")"))
    stale = [k for k in known if k not in seen and any(
        k[0] in MODULES[n][0] for n in names)]
    print("\n== scores (killed = the covering tests failed or hung)")
    print("\n".join(lines))
    if stale:
        print("\nListed in docs/mutation.md but not surviving now (remove them):")
        print("\n".join(f"  {path}: {line}" for path, line in stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
