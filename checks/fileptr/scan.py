"""One scan of the project's source: each file is parsed once and indexed (project.py),
the masked-error rules run on it, and only the functions the flow analysis needs keep
their syntax; then functions are summarised across modules until the summaries settle,
and file-pointer events are collected."""
from __future__ import annotations

import ast
import bisect
import gc
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import masked
from .flow import Flow
from .project import Function, Index, Module, Resolver, load, module_names
from .vocab import Summary, is_hook

# Words without which a function cannot move a file position (a cheap pre-filter).
MARKERS = (".read", "seek(", "Image.open", "chunks(", "copyfileobj", "file_digest", "save(",
           "create(", "upload", ".put", "post(", ".open(", "FILES", "request(", "update(")
MAX_PASSES = 6
CALL = re.compile(r"\b(\w+)\s*\(")


@dataclass
class Issue:
    """A raw finding: its code, where, in which function, and details."""

    code: str  # e.g. fileptr.E001
    module: Module
    line: int
    function: str
    detail: dict


@dataclass
class ScanResult:
    files: int = 0
    unparsable: list[tuple[Path, str]] = field(default_factory=list)
    reuse: list[Issue] = field(default_factory=list)
    masked: list[Issue] = field(default_factory=list)
    suppressed: int = 0


def scan(root: Path, paths: list[Path], relpath) -> ScanResult:
    """`relpath(path)` gives the path shown in findings."""
    # Parsing allocates millions of short-lived nodes; the cyclic collector would walk
    # the retained ones again on each collection, for nothing (ast trees hold no cycles).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Scanner(root, paths, relpath).run()
    finally:
        if enabled:
            gc.enable()


class Scanner:
    def __init__(self, root: Path, paths: list[Path], relpath):
        self.root, self.paths, self.relpath = Path(root), paths, relpath
        self.result = ScanResult(files=len(paths))
        self.index = Index()
        self.resolver = Resolver(self.index)
        self.candidates: list = []  # (module, masked.Masked) to resolve once all are known
        self.packages = {p.parent for p in paths if p.name == "__init__.py"}
        self.django_roots = sorted({p.parent for p in paths if p.name == "manage.py"})

    def run(self) -> ScanResult:
        for path in self.paths:
            self.load(path)
        self.flows()
        resolve_module = masked.ModuleResolver(self.index)
        for module, item in self.candidates:
            item = masked.resolved(item, resolve_module)
            if item is not None:
                self.masked(module, item)
        for module in self.index.modules:  # no syntax outlives the scan
            for func in module.functions:
                func.node = None
        return self.result

    def load(self, path: Path) -> None:
        try:
            data = path.read_bytes()
            tree = ast.parse(data, filename=str(path))
        except SyntaxError as exc:
            self.result.unparsable.append(
                (path, f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"))
            return
        except (ValueError, UnicodeDecodeError, OSError, RecursionError, MemoryError) as exc:
            self.result.unparsable.append((path, f"{type(exc).__name__}: {exc}"))
            return
        source = data.decode("utf-8", "replace")
        names = module_names(self.root, path, self.packages, self.django_roots)
        lines = _lines_at(source, _marker_offsets(source))
        module, tries = load(names, path, self.relpath, tree, source,
                             keep=lambda f: _spans(f, lines) or f.storage and f.name == "_save")
        self.index.add(module)
        for owner, node in tries:
            for item in masked.check(module, owner, node):
                if item.target:
                    self.candidates.append((module, item))
                else:
                    self.masked(module, item)

    def masked(self, module: Module, item) -> None:
        self._add(self.result.masked, Issue(item.code, module, item.line, item.function,
                                            {"detail": item.detail, "target": item.target}))

    def _add(self, bucket: list, issue: Issue) -> None:
        if issue.module.is_suppressed(issue.line, issue.code):
            self.result.suppressed += 1
        else:
            bucket.append(issue)

    # -- file positions across functions ----------------------------------------------

    def flows(self) -> None:
        """Run every relevant function, re-running callers while callee summaries
        change."""
        self.summaries: dict[int, Summary] = {}
        self.validators = set().union(*(m.validators for m in self.index.modules))
        results: dict[int, list] = {}
        work = [f for m in self.index.modules for f in m.functions if f.node is not None]
        for _ in range(MAX_PASSES):
            changed: dict[Module, set[str]] = {}
            for func in work:
                try:
                    flow = self.run_flow(func)
                except RecursionError:  # an absurdly deep expression: skip that function
                    continue
                results[id(func)] = [(func, e) for e in flow.events]
                summary = flow.summary(func.module)
                known = self.summaries.get(id(func))
                if (summary.params or summary.returns or known) and known != summary:
                    self.summaries[id(func)] = summary
                    changed.setdefault(func.module, set()).add(func.name)
            if not changed:
                break
            work = self.callers(changed)
        for items in results.values():
            for func, event in items:
                detail = {"name": event.name, "action": event.action,
                          "earlier": event.earlier, "earlier_how": event.earlier_how}
                self._add(self.result.reuse, Issue(event.code, func.module, event.line,
                                                   func.qualname, detail))

    def run_flow(self, func: Function) -> Flow:
        module, resolved = func.module, {}

        def resolve(call: ast.Call):
            if id(call) not in resolved:
                target = self.resolver.function(module, func, call)
                resolved[id(call)] = self.summaries.get(id(target)) if target else None
            return resolved[id(call)]
        hook = is_hook(func.name, func.cls is not None) or func.cls is None \
            and func.qualname in self.validators  # a module-level field validator
        return Flow(func.node, resolve, save_mode=func.storage and func.name == "_save",
                    hook=hook,
                    file_field=lambda name: self.resolver.file_field(module, func.cls, name),
                    form_field=lambda node, name: self.resolver.field_class(module, node, name),
                    ).run()

    def callers(self, changed: dict[Module, set[str]]) -> list[Function]:
        """Functions that may call one of `changed`: in the same module, or in a module
        that imports the callee's module or names from it. Each candidate module's text
        is matched once against one pattern of any call."""
        wanted: dict[Module, set[str]] = {}
        for module in self.index.modules:
            names = set(changed.get(module, ()))
            for other in self.imported(module):
                names |= changed.get(other, set())
            if names:
                wanted[module] = names
        work = []
        for module, names in wanted.items():
            try:
                source = module.path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            offsets = [m.start() for m in CALL.finditer(source) if m.group(1) in names]
            found = [f for f in module.functions if _spans(f, _lines_at(source, offsets))]
            if any(f.node is None for f in found):
                _restore(module, found, source)
            work += [f for f in found if f.node is not None]
        return work

    def imported(self, module: Module) -> list[Module]:
        if not hasattr(module, "_imported"):
            found = []
            for source, attr in module.imports.values():
                for name in (source, f"{source}.{attr}" if attr else None):
                    other = self.index.get(name, module) if name else None
                    if other is not None and other is not module:
                        found.append(other)
            module._imported = found
        return module._imported


def _marker_offsets(source: str) -> list[int]:
    """Where any marker occurs. str.find is far faster than one regex of alternatives."""
    offsets = []
    for word in MARKERS:
        at = source.find(word)
        while at >= 0:
            offsets.append(at)
            at = source.find(word, at + 1)
    return offsets


def _lines_at(source: str, offsets: list[int]) -> list[int]:
    """The sorted line numbers of character offsets."""
    lines, line, last = [], 1, 0
    for at in sorted(offsets):
        line += source.count("\n", last, at)
        last = at
        lines.append(line)
    return lines


def _spans(func: Function, lines: list[int]) -> bool:
    """Whether any of these (sorted) line numbers falls inside the function."""
    i = bisect.bisect_left(lines, func.lineno)
    return i < len(lines) and lines[i] <= func.end_lineno


def _restore(module: Module, wanted: list[Function], source: str) -> None:
    """Parse a module again to give back the syntax of functions whose summary is now
    needed (they held no marker, so it was not kept)."""
    try:
        tree = ast.parse(source, filename=str(module.path))
    except (SyntaxError, ValueError, RecursionError):
        return
    by_line = {f.lineno: f for f in wanted if f.node is None}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno in by_line:
            by_line.pop(node.lineno).node = node
