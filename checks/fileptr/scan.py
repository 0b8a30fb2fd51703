"""One scan of the project's source: each file is read once; one that names something the
analysis looks at is parsed and indexed (project.py), the masked-error rules run on it,
and only the functions the flow analysis needs keep their syntax (the others are parsed
when the analysis reaches into them); then functions are summarised across modules until
the summaries settle, and file-pointer events are collected."""
from __future__ import annotations

import ast
import bisect
import gc
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from upload_diagnostics.diagnostics import limits
from upload_diagnostics.diagnostics.environment import WANTED, SourceModules
from upload_diagnostics.diagnostics.files import Files

from . import masked
from .flow import Flow
from .project import Function, Index, Module, ModuleNames, Resolver, Unparsed, load
from .vocab import Summary, is_hook

# Words without which a function cannot move a file position (a cheap pre-filter). A
# function that only saves is run when a callee's summary says it moves its argument
# (Scanner.callers), so `save(` is no marker.
MARKERS = (b".read", b"seek(", b"Image.open", b"chunks(", b"copyfileobj", b"file_digest",
           b"upload", b".put", b"post(", b"open(", b"FILES", b"BytesIO", b"storage",
           b".close(", b"closing(")
# A module whose text has none of these, nor a marker, is parsed only when the analysis
# reaches into it (project.Unparsed): `except` for the masked-error rules, `save(` for a
# Storage's _save, `validators` for the field validators flows() collects up front, and
# the image, storage and server libraries (upload code, where a broken file is worth its
# finding; the environment's module list then needs no other file). A null byte, like
# text that is not UTF-8 (Scanner.load), may mean a file that is not Python text at
# all: parsed now, so that it is reported.
PARSE_NOW = (b"except", b"save(", b"validators", b"PIL", b"\0",
             *sorted(name.encode() for name in WANTED))
MAX_PASSES = 6
CALL = re.compile(rb"\b(\w+)\s*\(")
# Maps every byte that cannot be in an identifier to a space (UTF-8 bytes can), so that
# split() gives a text's words.
WORDS = bytes(b if chr(b).isalnum() or b == ord("_") or b > 127 else ord(" ")
              for b in range(256))


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
    modules: SourceModules = field(default_factory=SourceModules)  # for the report


def scan(root: Path, paths: list[Path], relpath, files: Files) -> ScanResult:
    """`relpath(path)` gives the path shown in findings; `files` reads them."""
    # Parsing allocates millions of short-lived nodes; the cyclic collector would walk
    # the retained ones again on each collection, for nothing (ast trees hold no cycles).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Scanner(root, paths, relpath, files).run()
    finally:
        if enabled:
            gc.enable()


class Scanner:
    """Streams the files once (load), then runs the flow analysis (flows) and settles
    the except clauses that need every module known."""

    def __init__(self, root: Path, paths: list[Path], relpath, files: Files):
        self.root, self.paths, self.relpath, self.files = Path(root), paths, relpath, files
        self.result = ScanResult(files=len(paths))
        self.index = Index(lambda u: self.parse(u.path, u.data, u.names, markers=[]))
        # dotted name -> the imports that name it, as (module, alias); set by flows()
        self.importers: dict[str, list[tuple[Module, str]]] | None = None
        self.resolver = Resolver(self.index)
        self.candidates: list = []  # (module, masked.Masked) to resolve once all are known
        packages = {os.path.dirname(p) for p in map(str, paths)
                    if p.endswith(os.sep + "__init__.py")}
        django_roots = sorted({os.path.dirname(p) for p in map(str, paths)
                               if p.endswith(os.sep + "manage.py")})
        self.module_names = ModuleNames(self.root, packages, django_roots,
                                        (self.root / "__init__.py").exists())

    def run(self) -> ScanResult:
        try:
            for path in self.paths:
                self.load(path)
            self.flows()
            resolve_module = masked.ModuleResolver(self.index)
            for module, item in self.candidates:
                item = masked.resolved(item, resolve_module)
                if item is not None:
                    self.masked(module, item)
        finally:  # nothing but what findings name outlives the scan, nor an abandoned one:
            # functions and their module refer to each other, so drop those references
            # now (freed without the cyclic gc, which would walk every survivor)
            for module in self.index.modules:
                for func in module.functions:
                    func.node = None
                module.functions, module.defs, module.methods = [], {}, {}
            self.index.parse = None  # (it refers to this scanner)
        return self.result

    def load(self, path: Path) -> None:
        data = self.files.bytes(path)
        if data is None:  # not a regular file, or too large: the reader says why
            return
        markers = _offsets(data, MARKERS)
        if not markers and not any(word in data for word in PARSE_NOW) and _is_utf8(data):
            self.index.add(Unparsed(path, self.module_names(path), data))
            return
        module = self.parse(path, data, self.module_names(path), markers)
        if module is not None:
            self.index.add(module)

    def parse(self, path: Path, data: bytes, names: list[str],
              markers: list[int]) -> Module | None:
        """The module's index (None when it does not parse, recorded with the reason),
        after the masked-error rules ran on it. `markers`: the offsets of MARKERS."""
        try:
            tree = ast.parse(data, filename=str(path))
        except SyntaxError as exc:  # (no line for an unknown coding or a null byte)
            line = f" (line {exc.lineno})" if exc.lineno else ""
            self.result.unparsable.append((path, f"{type(exc).__name__}: {exc.msg}{line}"))
            return None
        except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
            self.result.unparsable.append((path, f"{type(exc).__name__}: {exc}"))
            return None
        self.result.modules.add(data, path, tree)
        # A function whose text has neither a marker nor an except clause is indexed by
        # name and span only: its statements are not walked.
        marked = _lines_at(data, markers)
        walked = sorted(_lines_at(data, _offsets(data, (b"except",))) + marked)
        try:
            module, tries = load(
                names, path, self.relpath, tree, data,
                keep=lambda f: _spans(f, marked) or f.storage and f.name == "_save",
                walk=lambda node: _spans_node(node, walked))
            items = [item for owner, node in tries for item in masked.check(module, owner, node)]
        except RecursionError:  # ast.parse goes deeper than the recursive walkers
            self.result.unparsable.append((path, "RecursionError: nested deeper than the "
                                                 "analysis follows"))
            return None
        for item in items:
            if item.target:
                self.candidates.append((module, item))
            else:
                self.masked(module, item)
        if self.importers is not None:  # parsed while the flows run: callers() must see it
            self.add_importer(module)
        return module

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
        change: the functions that resolved a call to a changed one after running, and
        the callers that never ran (found in the text of the modules that can reach it)."""
        self.summaries: dict[int, Summary] = {}
        self.validators = set().union(*(m.validators for m in self.index.modules))
        self.deps: dict[int, set[int]] = {}  # function -> the project functions it called
        self.importers = {}
        for module in self.index.modules:
            self.add_importer(module)
        ran: dict[int, Function] = {}
        results: dict[int, list] = {}
        work = [f for m in self.index.modules for f in m.functions if f.node is not None]
        for _ in range(MAX_PASSES):
            changed: list[Function] = []
            for func in work:
                limits.checkpoint()  # an abandoned scan stops here, not at the end
                try:
                    flow = self.run_flow(func)
                except RecursionError:  # an absurdly deep expression: skip that function
                    continue
                ran[id(func)] = func
                results[id(func)] = [(func, e) for e in flow.events]
                summary = _useful(flow.summary(func.module))
                if summary != self.summaries.get(id(func)):
                    self.summaries[id(func)] = summary
                    changed.append(func)
            if not changed:
                break
            moved = {id(f) for f in changed}
            work = [f for key, f in ran.items() if self.deps.get(key, set()) & moved]
            work += [f for f in self.callers(changed) if id(f) not in ran]
        for items in results.values():
            for func, event in items:
                detail = {"name": event.name, "action": event.action,
                          "earlier": event.earlier, "earlier_how": event.earlier_how}
                self._add(self.result.reuse, Issue(event.code, func.module, event.line,
                                                   func.qualname, detail))

    def add_importer(self, module: Module) -> None:
        for alias, (source, attr) in module.imports.items():
            for name in {source, f"{source}.{attr}" if attr else source}:
                self.importers.setdefault(name, []).append((module, alias))

    def run_flow(self, func: Function) -> Flow:
        module, resolved = func.module, {}

        deps = self.deps.setdefault(id(func), set())

        def resolve(call: ast.Call):
            if id(call) not in resolved:
                target = self.resolver.function(module, func, call)
                if target is not None:
                    deps.add(id(target))
                resolved[id(call)] = self.summaries.get(id(target)) if target else None
            return resolved[id(call)]
        hook = is_hook(func.name, func.cls is not None) or func.cls is None \
            and func.qualname in self.validators  # a module-level field validator
        return Flow(func.node, resolve, save_mode=func.storage and func.name == "_save",
                    hook=hook,
                    file_field=lambda name: self.resolver.file_field(module, func.cls, name),
                    form_field=lambda node, name: self.resolver.field_class(module, node, name),
                    ).run()

    def callers(self, changed: list[Function]) -> list[Function]:
        """Functions that may call one of `changed`: by its name in its own module (also
        self.name()), through an import elsewhere (see _called_as). Each candidate
        module's text is matched once against one pattern of any call."""
        by_module: dict[Module, list[Function]] = {}
        for func in changed:
            by_module.setdefault(func.module, []).append(func)
        self.parse_callers(changed)
        aliases: dict[Module, set[str]] = {}  # the imports that reach one of them
        for other in by_module:
            for name in (other.name, *other.other_names):
                for module, alias in self.importers.get(name, ()):
                    aliases.setdefault(module, set()).add(alias)
        work = []
        for module in self.index.modules:
            names = {f.name for f in by_module.get(module, ())}
            for alias in aliases.get(module, ()):
                names |= self._called_as(module, alias, *module.imports[alias], by_module)
            if not names:
                continue
            data = self.files.bytes(module.path)
            if data is None:
                continue
            wanted = {n.encode() for n in names}
            lines = _lines_at(data, [m.start() for m in CALL.finditer(data)
                                     if m.group(1) in wanted])
            found = [f for f in module.functions if _spans(f, lines)]
            if any(f.node is None for f in found):
                _restore(module, found, data)
            work += [f for f in found if f.node is not None]
        return work

    def parse_callers(self, changed: list[Function]) -> None:
        """Parse the modules not parsed yet that may call one of `changed`: to call a
        function, a module names it (f(), alias.f(), self.f(), `import f as alias`) and
        its module (by its last name, or a relative import)."""
        modules: dict[bytes, set[bytes]] = {}  # function name -> its modules' last names
        for func in changed:
            names = (func.module.name, *func.module.other_names)
            modules.setdefault(func.name.encode(), set()).update(
                n.rpartition(".")[2].encode() for n in names)
        for unparsed in list(self.index.unparsed):
            words = set(unparsed.data.translate(WORDS).split())
            relative = b"from ." in unparsed.data
            if any(relative or not modules[name].isdisjoint(words)
                   for name in words.intersection(modules)):
                self.index.load(unparsed)

    def _called_as(self, module, alias, source, attr, by_module) -> set[str]:
        """The call names under which `module` reaches a changed function through one
        import: `from x import f as alias` (alias()), `import x as alias` (alias.f():
        f), or `from x import Cls` subclassed here (self.m(): m)."""
        names = set()
        other = self.index.get(f"{source}.{attr}" if attr else source, module)
        for func in by_module.get(other, ()):
            if func.cls is None:
                names.add(func.name)  # alias.f()
        if attr:
            other = self.index.get(source, module)
            subclassed = any(alias in info.bases for info in module.classes.values())
            for func in by_module.get(other, ()):
                if func.cls is None and func.qualname == attr:
                    names.add(alias)
                elif func.cls == attr and subclassed:
                    names.add(func.name)  # self.m() in a subclass
        return names


def _useful(summary: Summary) -> Summary | None:
    """A summary callers can act on: a parameter moved or closed, or a new file
    returned. (One that only hands a parameter back is dropped: identity functions are
    everywhere and would re-run half the project for nothing.)"""
    return summary if summary.params or summary.closes or summary.returns == "fresh" \
        else None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _offsets(data: bytes, words) -> list[int]:
    """Where any of the words occurs. bytes.find is far faster than one regex of
    alternatives."""
    offsets = []
    for word in words:
        at = data.find(word)
        while at >= 0:
            offsets.append(at)
            at = data.find(word, at + 1)
    return offsets


def _lines_at(data: bytes, offsets: list[int]) -> list[int]:
    """The sorted line numbers of byte offsets."""
    lines, line, last = [], 1, 0
    for at in sorted(offsets):
        line += data.count(b"\n", last, at)
        last = at
        lines.append(line)
    return lines


def _spans(func: Function, lines: list[int]) -> bool:
    """Whether any of these (sorted) line numbers falls inside the function."""
    return _within(lines, func.lineno, func.end_lineno)


def _spans_node(node, lines: list[int]) -> bool:
    return _within(lines, node.lineno, node.end_lineno or node.lineno)


def _within(lines: list[int], first: int, last: int) -> bool:
    i = bisect.bisect_left(lines, first)
    return i < len(lines) and lines[i] <= last


def _restore(module: Module, wanted: list[Function], source: bytes) -> None:
    """Give back the syntax of functions whose summary is now needed (they held no
    marker, so it was not kept): each function's own lines are parsed, or the whole
    module when they do not parse alone (e.g. under a declared encoding)."""
    lines = source.splitlines(keepends=True)
    for func in wanted:
        if func.node is None:
            func.node = _parse_function(lines, func.lineno, func.end_lineno, module.path)
    by_line = {f.lineno: f for f in wanted if f.node is None}
    if not by_line:
        return
    try:
        tree = ast.parse(source, filename=str(module.path))
    except (SyntaxError, ValueError, RecursionError):
        return
    todo = list(tree.body)
    while todo and by_line:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno in by_line:
            by_line.pop(node.lineno).node = node
        for name in ("body", "orelse", "finalbody", "handlers"):
            todo.extend(getattr(node, name, None) or ())


def _parse_function(lines: list[bytes], first: int, last: int, path):
    """The function defined on lines first..last (1-based), with the module's line
    numbers, without its decorators (the flow does not read them); None when those lines
    do not parse alone. An indented def is parsed under `if 1:`, which keeps columns."""
    text = b"".join(lines[first - 1:last])
    indented = text[:1] in (b" ", b"\t")
    try:
        tree = ast.parse(b"if 1:\n" + text if indented else text, filename=str(path))
    except (SyntaxError, ValueError, RecursionError):
        return None
    node = tree.body[0].body[0] if indented else tree.body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return ast.increment_lineno(node, first - 1 - indented)
