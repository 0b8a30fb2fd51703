"""The finding-code reference, generated from the Code objects the checks declare.

    python -m upload_diagnostics.manage_commands.reference          # (re)write docs/codes/
    python -m upload_diagnostics.manage_commands.reference --check  # exit 1 when they drifted
    python -m upload_diagnostics.manage_commands.reference --module myproject.diagnostics

Each code is declared once, as a `diagnostics.Code` beside the check that emits it, and
listed in that check's `codes`. This collects the engine's codes and the built-in checks'
(or, with --module, the checks a plugin module defines), renders one Markdown page per
family and an index with the numbers each check uses, and finds codes that no check
lists or that nothing emits. Reports do not need it: they carry the entries of their
own codes.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import pkgutil
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from upload_diagnostics.diagnostics.check import Check
from upload_diagnostics.diagnostics.codes import Code
from upload_diagnostics.reports.templating import environment

ENGINE = "upload_diagnostics.diagnostics.engine_codes"
CHECKS = "upload_diagnostics.checks"


@dataclass(frozen=True)
class Entry:
    doc: Code
    module: str  # where the code is declared
    checks: tuple[str, ...]  # ids of the checks that list it

    @property
    def family(self) -> str:
        return self.doc.family

    @property
    def level(self) -> str:
        return self.doc.level.label

    @property
    def anchor(self) -> str:
        """GitHub's anchor of the `## family.CODE` heading: lower case, no dot."""
        return self.doc.code.lower().replace(".", "")


def package_modules(package: str) -> list[str]:
    """`package` and every module below it, e.g. checks.pillow, checks.server.gunicorn."""
    pkg = importlib.import_module(package)
    if not hasattr(pkg, "__path__"):
        return [package]
    names = [package] + [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".")]
    return sorted(names)


def declared(module) -> dict[str, Code]:
    """name -> Code for the codes `module`'s own source assigns (not the ones it imports)."""
    try:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    except (OSError, TypeError, SyntaxError, UnicodeDecodeError):
        return {}
    names = {t.id for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    return {name: value for name, value in vars(module).items()
            if name in names and isinstance(value, Code)}


def defined_checks(module) -> list[type[Check]]:
    """The Check classes `module` defines (not the ones it imports)."""
    return [obj for _, obj in inspect.getmembers(module, inspect.isclass)
            if issubclass(obj, Check) and obj is not Check and obj.id
            and obj.__module__ == module.__name__]


def collect(plugins: tuple[str, ...] = ()) -> tuple[dict[str, Entry], list[str]]:
    """Every code of the engine and the built-in checks (or of the checks the `plugins`
    modules define), and the problems met: codes no check lists, listed codes declared in
    none of the modules read, modules that fail to import."""
    names = [m for p in plugins for m in package_modules(p)] if plugins else \
        [ENGINE, *package_modules(CHECKS)]
    problems: list[str] = []
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except Exception as exc:  # reported, so one broken module does not hide the rest
            problems.append(f"{name} cannot be imported: {type(exc).__name__}: {exc}")
    where = {code.code: (code, m.__name__) for m in modules for code in declared(m).values()}
    if plugins:
        checks = [cls for m in modules for cls in defined_checks(m)]
        listed: dict[str, set[str]] = {}
    else:
        from upload_diagnostics.checks import builtin

        checks = builtin()
        listed = {code: set() for code, (_, module) in where.items() if module == ENGINE}
    codes = {code.code: code for check in checks for code in check.codes}
    for check in checks:
        for code in check.codes:
            listed.setdefault(code.code, set()).add(check.id)
    entries = {}
    for code, ids in listed.items():
        doc, module = where.get(code, (codes.get(code), "?"))
        entries[code] = Entry(doc, module, tuple(sorted(ids)))
    problems += [f"{code} is declared in {module} but no check lists it in its codes"
                 for code, (_, module) in sorted(where.items()) if code not in listed]
    problems += [f"{code} is listed by {', '.join(entry.checks)} but declared in none of "
                 f"{', '.join(names)}" for code, entry in entries.items() if entry.module == "?"]
    return dict(sorted(entries.items(), key=lambda item: _sort_key(item[0]))), problems


def _sort_key(code: str):
    fam, _, rest = code.partition(".")
    return fam, "CEWID".find(rest[:1]), rest


def unused(entries: dict[str, Entry]) -> list[str]:
    """Codes declared but never used to emit a finding: their name appears in the code
    that may emit them only where it is declared or listed."""
    problems = []
    for code, entry in entries.items():
        module = sys.modules.get(entry.module)
        name = next((n for n, c in declared(module).items() if c.code == code), None) \
            if module else None
        if name and name not in used_names(tuple(emitters(module))):
            problems.append(f"{code} is declared in {entry.module} but nothing emits it "
                            "(remove it or the dead code)")
    return problems


def emitters(module) -> list[Path]:
    """The files that may emit a code declared in `module`: a built-in family of one
    module is that module; otherwise the module's folder (its family's package)."""
    path = Path(module.__file__)
    if module.__name__.rpartition(".")[0] == CHECKS:
        return [path]
    return sorted(path.parent.rglob("*.py"))


@lru_cache(maxsize=None)
def used_names(paths: tuple[Path, ...]) -> frozenset[str]:
    """Names read in `paths` except in lists of codes (`codes = (...)`, a tuple of names)."""
    found: set[str] = set()
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue
        skip = {id(n) for node in ast.walk(tree) if _lists_codes(node)
                for n in ast.walk(node.value)}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
    return frozenset(found)


def _lists_codes(node) -> bool:
    if not isinstance(node, ast.Assign):
        return False
    if any(isinstance(t, ast.Name) and t.id == "codes" for t in node.targets):
        return True
    return isinstance(node.value, ast.Tuple) and all(
        isinstance(e, ast.Name) for e in node.value.elts)


def numbers(codes) -> str:
    """The numbers the codes use, whatever their letters, as runs: '001-005, 007'."""
    runs: list[list[int]] = []
    for n in sorted({int(code[-3:]) for code in codes}):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a:03d}" if a == b else f"{a:03d}-{b:03d}" for a, b in runs)


def blocks(entries: list[Entry]) -> list[tuple[str, str]]:
    """(check id, the numbers it uses) for one family; the engine's codes as 'the engine'."""
    by_check: dict[str, list[str]] = {}
    for entry in entries:
        for check in entry.checks or ("the engine",):
            by_check.setdefault(check, []).append(entry.doc.code)
    return [(check, numbers(codes)) for check, codes in sorted(
        by_check.items(), key=lambda item: numbers(item[1]))]


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    """The reports' Markdown filters, with this module's own templates."""
    return environment(False).overlay(
        loader=jinja2.PackageLoader("upload_diagnostics.manage_commands", "templates"))


def generate(entries: dict[str, Entry], builtin: bool = True) -> dict[str, str]:
    """{path relative to docs/: Markdown} for the whole reference (of the built-in codes,
    or of a plugin's)."""
    families: dict[str, list[Entry]] = {}
    for entry in entries.values():
        families.setdefault(entry.family, []).append(entry)
    env = _templates()
    files = {f"codes/{fam}.md": env.get_template("codes_family.md.j2").render(
        family=fam, entries=items) for fam, items in sorted(families.items())}
    files["codes/README.md"] = env.get_template("codes_index.md.j2").render(
        families=sorted(families.items()), blocks=blocks, builtin=builtin)
    return files


def stale(files: dict[str, str], docs_dir: Path) -> list[str]:
    """Generated files whose committed copy differs, and committed files no entry makes."""
    problems = []
    for rel, text in files.items():
        path = docs_dir / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} is out of date")
    for path in sorted((docs_dir / "codes").glob("*.md")):
        if f"codes/{path.name}" not in files:
            problems.append(f"{path} documents no current family")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m upload_diagnostics.manage_commands.reference",
        description="Write or verify the finding-code reference (DOCS/codes/*.md).")
    parser.add_argument("--docs", default="docs", help="the docs folder (default: ./docs)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the docs or the codes drifted")
    parser.add_argument("--module", action="append", default=[], metavar="MODULE",
                        help="document the checks this module (or package) defines instead "
                             "of the built-in ones, e.g. a plugin's; repeatable")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path.cwd()))  # a plugin module of the project in this folder
    docs_dir = Path(args.docs)
    entries, problems = collect(tuple(args.module))
    problems += unused(entries)
    files = generate(entries, builtin=not args.module)
    if args.check:
        problems += stale(files, docs_dir)
    else:
        for rel, text in files.items():
            (docs_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (docs_dir / rel).write_text(text, encoding="utf-8")
        for extra in stale(files, docs_dir):
            print(f"note: {extra}", file=sys.stderr)
        print(f"wrote {len(files)} files, {len(entries)} codes, to {docs_dir / 'codes'}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
