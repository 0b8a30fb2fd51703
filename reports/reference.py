"""The finding-code reference: the Code objects of the engine and of every built-in check.

    python -m upload_diagnostics.reports.reference          # (re)write docs/codes/*.md
    python -m upload_diagnostics.reports.reference --check  # exit 1 when they drifted

Each code is declared once, as a `diagnostics.Code` beside the check that emits it, and
listed in that check's `codes`; this module collects them, renders the Markdown reference
and finds codes that no check lists or no code emits. Reports look codes up among those
declared so far in the process, so `reports` never imports `checks` to render.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from pathlib import Path

from upload_diagnostics.diagnostics import engine_codes
from upload_diagnostics.diagnostics.codes import REGISTRY, Code
from upload_diagnostics.diagnostics.model import docs_anchor

from .templating import render_template

ENGINE = "upload_diagnostics.diagnostics.engine_codes"


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
        return docs_anchor(self.doc.code).rpartition("#")[2]


def loaded_docs() -> dict[str, Code]:
    """code -> Code over the engine and every module loaded so far (built-in checks,
    plugins): what a report can explain without importing anything."""
    return dict(REGISTRY)


# -- the reference of the built-in checks (a developer tool: it imports `checks`) -------

def package_modules(package: str) -> list[str]:
    """`package` and every module below it, e.g. checks.pillow, checks.server.gunicorn."""
    pkg = importlib.import_module(package)
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


def collect() -> tuple[dict[str, Entry], list[str]]:
    """Every code of the engine and the built-in checks, and the problems met: codes no
    check lists, checks listing codes declared nowhere we looked, modules that fail to
    import."""
    from upload_diagnostics.checks import BUILTIN

    problems: list[str] = []
    where: dict[str, str] = {}
    for name in [ENGINE, *package_modules("upload_diagnostics.checks")]:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # reported, so one broken module does not hide the rest
            problems.append(f"{name} cannot be imported: {type(exc).__name__}: {exc}")
            continue
        where.update({code.code: name for code in declared(module).values()})
    listed: dict[str, set[str]] = {code.code: set() for code in declared(engine_codes).values()}
    for check in BUILTIN:
        for code in check.codes:
            listed.setdefault(code.code, set()).add(check.id)
    entries = {code: Entry(REGISTRY[code], where.get(code, "?"), tuple(sorted(ids)))
               for code, ids in listed.items()}
    problems += [f"{code} is declared in {module} but no check lists it in its codes"
                 for code, module in sorted(where.items()) if code not in listed]
    problems += [f"{code} is listed by {', '.join(entry.checks)} but not declared in a "
                 "built-in module" for code, entry in entries.items() if entry.module == "?"]
    return dict(sorted(entries.items(), key=lambda item: _sort_key(item[0]))), problems


def _sort_key(code: str):
    fam, _, rest = code.partition(".")
    return fam, "CEWID".find(rest[:1]), rest


def unused(entries: dict[str, Entry]) -> list[str]:
    """Codes declared but never used to emit a finding: their name appears in the source
    of their family only where it is declared or listed."""
    problems = []
    for code, entry in entries.items():
        module = sys.modules.get(entry.module)
        name = next((n for n, c in declared(module).items() if c.code == code), None) \
            if module else None
        if name and name not in used_names(family_files(module)):
            problems.append(f"{code} is declared in {entry.module} but nothing emits it "
                            "(remove it or the dead code)")
    return problems


def family_files(module) -> list[Path]:
    """The source of a code's family: its package's files, or the module alone."""
    path = Path(module.__file__)
    if module.__name__ == ENGINE:
        return sorted(path.parent.glob("*.py"))
    family = module.__name__.split(".")[:3]  # upload_diagnostics.checks.<family>
    package = sys.modules.get(".".join(family))
    if package is not None and hasattr(package, "__path__"):
        return sorted(Path(package.__file__).parent.rglob("*.py"))
    return [path]


def used_names(paths: list[Path]) -> set[str]:
    """Names read in `paths` except in lists of codes (`codes = (...)`, a tuple of names)."""
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {id(n) for node in ast.walk(tree) if _lists_codes(node)
                for n in ast.walk(node.value)}
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
    return found


def _lists_codes(node) -> bool:
    if not isinstance(node, ast.Assign):
        return False
    if any(isinstance(t, ast.Name) and t.id == "codes" for t in node.targets):
        return True
    return isinstance(node.value, ast.Tuple) and all(
        isinstance(e, ast.Name) for e in node.value.elts)


def generate(entries: dict[str, Entry]) -> dict[str, str]:
    """{path relative to docs/: Markdown} for the whole reference."""
    families: dict[str, list[Entry]] = {}
    for entry in entries.values():
        families.setdefault(entry.family, []).append(entry)
    files = {f"codes/{fam}.md": render_template("codes_family.md.j2", family=fam,
                                                entries=items)
             for fam, items in sorted(families.items())}
    files["codes/README.md"] = render_template("codes_index.md.j2",
                                               families=sorted(families.items()))
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
    parser = argparse.ArgumentParser(prog="python -m upload_diagnostics.reports.reference",
                                     description="Write or verify docs/codes/.")
    parser.add_argument("--docs", default="docs", help="the docs folder (default: ./docs)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the docs or the codes drifted")
    args = parser.parse_args(argv)
    docs_dir = Path(args.docs)
    entries, problems = collect()
    problems += unused(entries)
    files = generate(entries)
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
