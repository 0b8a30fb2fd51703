"""The finding-code reference: the CodeDoc entries of the engine and of every check module.

    python -m upload_diagnostics.reports.reference          # (re)write docs/codes/*.md
    python -m upload_diagnostics.reports.reference --check  # exit 1 when they drifted

Entries live beside the code that emits them (a module-level `CODES` list); this module
collects them, renders the Markdown reference and finds codes emitted without an entry.
Reports look entries up among the modules already loaded, so `reports` never imports
`checks` to render.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from upload_diagnostics.diagnostics.codes import ENGINE_CODES, CodeDoc
from upload_diagnostics.diagnostics.model import docs_anchor, family

from .templating import render_template

CODE_PATTERN = r"[a-z][a-z0-9_]*\.[EWIC]\d{3}"
LEVELS = {"C": "critical", "E": "error", "W": "warning", "I": "info"}
ENTRY_LISTS = ("CODES", "ENGINE_CODES")  # module-level names that hold CodeDoc entries


@dataclass(frozen=True)
class Entry:
    doc: CodeDoc
    module: str  # where the entry is declared
    checks: tuple[str, ...]  # ids of the checks defined in that module

    @property
    def family(self) -> str:
        return family(self.doc.code)

    @property
    def level(self) -> str:
        return level(self.doc.code)

    @property
    def anchor(self) -> str:
        return docs_anchor(self.doc.code).rpartition("#")[2]


def level(code: str) -> str:
    return LEVELS.get(code.split(".", 1)[-1][:1], "info")


def module_docs(module) -> list[CodeDoc]:
    docs = []
    names = vars(module) if hasattr(module, "__dict__") else {}  # no module __getattr__
    for name in ENTRY_LISTS:
        value = names.get(name)
        if isinstance(value, (list, tuple)):
            docs += [d for d in value if isinstance(d, CodeDoc)]
    return docs


def _check_ids(module) -> tuple[str, ...]:
    """Ids of the Check classes defined in `module` (not imported into it)."""
    from upload_diagnostics.diagnostics.check import Check

    return tuple(sorted(
        obj.id for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Check) and obj is not Check and obj.__module__ == module.__name__
        and obj.id))


def loaded_docs() -> dict[str, CodeDoc]:
    """code -> CodeDoc over the engine and every module loaded so far (built-in checks,
    plugins): what a report can explain without importing anything."""
    found = {d.code: d for d in ENGINE_CODES}
    for module in list(sys.modules.values()):
        if module is not None:
            found.update({d.code: d for d in module_docs(module)})
    return found


# -- the reference of the built-in checks (a developer tool: it imports `checks`) -------

def package_modules(package: str) -> list[str]:
    """`package` and every module below it, e.g. checks.pillow, checks.server.gunicorn."""
    pkg = importlib.import_module(package)
    names = [package] + [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".")]
    return sorted(names)


def collect() -> tuple[dict[str, Entry], list[str]]:
    """Every entry of the engine and the built-in check modules, and the problems met:
    duplicate entries, modules that fail to import."""
    entries: dict[str, Entry] = {}
    problems: list[str] = []
    engine = "upload_diagnostics.diagnostics.codes"
    modules = [(engine, importlib.import_module(engine))]
    for name in package_modules("upload_diagnostics.checks"):
        try:
            modules.append((name, importlib.import_module(name)))
        except Exception as exc:  # reported, so one broken module does not hide the rest
            problems.append(f"{name} cannot be imported: {type(exc).__name__}: {exc}")
    for name, module in modules:
        ids, defines = _check_ids(module), _defines_entries(module)
        for doc in module_docs(module):
            seen = entries.get(doc.code)
            if seen is None:
                entries[doc.code] = Entry(doc, name, ids)
            elif seen.doc is doc:  # one list imported by several modules of a family
                entries[doc.code] = Entry(doc, name if defines else seen.module,
                                          tuple(sorted({*seen.checks, *ids})))
            else:
                problems.append(f"{doc.code} is documented twice: in {seen.module} "
                                f"and {name}")
    return dict(sorted(entries.items(), key=lambda item: _sort_key(item[0]))), problems


def _defines_entries(module) -> bool:
    """Whether the module's own source assigns an entry list (rather than importing one)."""
    try:
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    except (OSError, TypeError, SyntaxError, UnicodeDecodeError):
        return False
    return any(_is_entry_list(node) for node in tree.body)


def _sort_key(code: str):
    fam, _, rest = code.partition(".")
    return fam, "CEWI".find(rest[:1]), rest


def source_files() -> list[Path]:
    """The .py files of the engine and of the built-in checks."""
    roots = [Path(importlib.import_module(p).__file__).parent for p in (
        "upload_diagnostics.diagnostics", "upload_diagnostics.checks")]
    return sorted(p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def source_root() -> Path:
    """The folder holding the `diagnostics` and `checks` packages."""
    return Path(importlib.import_module("upload_diagnostics.diagnostics").__file__).parents[1]


def code_literals(paths: list[Path], root: Path | None = None) -> dict[str, list[str]]:
    """code -> ["path:line", ...] for every string literal that is exactly a finding code,
    outside the CodeDoc lists themselves; paths shown relative to `root`."""
    pattern = re.compile(CODE_PATTERN)
    found: dict[str, list[str]] = {}
    for path in paths:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        skip = {id(n) for node in ast.walk(tree) if _is_entry_list(node)
                for n in ast.walk(node.value)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in skip and pattern.fullmatch(node.value)):
                shown = path.relative_to(root).as_posix() if root else path.name
                found.setdefault(node.value, []).append(f"{shown}:{node.lineno}")
    return found


def _is_entry_list(node) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else \
        [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
    return any(isinstance(t, ast.Name) and t.id in ENTRY_LISTS for t in targets)


def drift(entries: dict[str, Entry], literals: dict[str, list[str]]) -> list[str]:
    """Codes emitted without an entry, and entries no code literal emits. Literals of a
    family no entry belongs to are other tools' ids (Django's "files.E001"), not ours."""
    ours = {family(code) for code in entries}
    problems = [f"{code} is emitted at {', '.join(places)} but has no CodeDoc entry "
                "(add one to the CODES list of the module that emits it)"
                for code, places in sorted(literals.items())
                if code not in entries and family(code) in ours]
    problems += [f"{code} has a CodeDoc entry in {entry.module} but no code emits it "
                 "(remove the entry or the dead code)"
                 for code, entry in entries.items() if code not in literals]
    return problems


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
                        help="write nothing; exit 1 when the docs or the entries drifted")
    args = parser.parse_args(argv)
    docs_dir = Path(args.docs)
    entries, problems = collect()
    problems += drift(entries, code_literals(source_files(), source_root()))
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
