"""One scan of the project's source: parse, summarise functions across modules until the
summaries settle, then collect file-pointer events and masked errors per file."""
from __future__ import annotations

import ast
import bisect
import gc
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import masked
from .flow import Flow
from .project import Module, Resolver, load
from .vocab import Summary

# Words without which a function cannot move a file position (a cheap pre-filter).
MARKERS = (".read", "seek(", "Image.open", "chunks(", "copyfileobj", "file_digest", "save(",
           "create(", "upload", ".put", "post(", ".open(")
MAX_PASSES = 5


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


def why_unparsable(path: Path) -> str:
    try:
        ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except (ValueError, UnicodeDecodeError, OSError, RecursionError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return "it could not be read"


def scan(root: Path, paths: list[Path], parse, relpath) -> ScanResult:
    """`parse(path)` gives an ast or None; `relpath(path)` the path shown in findings."""
    # Every module's ast stays alive until the end; the cyclic collector would walk all
    # of them again on each collection, which costs more than the analysis itself.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(root, paths, parse, relpath)
    finally:
        if enabled:
            gc.enable()


def _scan(root: Path, paths: list[Path], parse, relpath) -> ScanResult:
    result = ScanResult(files=len(paths))
    modules: dict[str, Module] = {}
    for path in paths:
        tree = parse(path)
        try:
            source = path.read_bytes().decode("utf-8", "replace") if tree else ""
        except OSError:
            tree = None
        if tree is None:
            result.unparsable.append((path, why_unparsable(path)))
            continue
        module = load(root, path, relpath, tree, source)
        modules.setdefault(module.name, module)
    events = _flows(modules)
    for module, func, event in events:
        detail = {"name": event.name, "action": event.action, "earlier": event.earlier,
                  "earlier_how": event.earlier_how}
        _add(result, result.reuse, Issue(event.code, module, event.line, func.qualname,
                                          detail))
    resolve_module = masked.ModuleResolver(modules)
    for module in modules.values():
        for item in masked.check(module, resolve_module):
            _add(result, result.masked, Issue(item.code, module, item.line, item.function,
                                               {"detail": item.detail, "target": item.target}))
    return result


def _add(result: ScanResult, bucket: list, issue: Issue) -> None:
    if issue.module.is_suppressed(issue.line, issue.code):
        result.suppressed += 1
    else:
        bucket.append(issue)


def _flows(modules: dict[str, Module]):
    """Run every relevant function, re-running callers while callee summaries change."""
    resolver = Resolver(modules)
    summaries: dict[int, Summary] = {}
    work = [(m, f) for m in modules.values() for f in _marked(m)]
    results: dict[int, list] = {}
    for _ in range(MAX_PASSES):
        changed: dict[str, set[str]] = {}  # module name -> functions whose summary changed
        for module, func in work:
            try:
                flow = _run(module, func, resolver, summaries)
            except RecursionError:  # an absurdly deep expression: skip that function
                continue
            results[id(func.node)] = [(module, func, e) for e in flow.events]
            summary = flow.summary(module)
            key = id(func.node)
            if (summary.params or summary.returns) and summaries.get(key) != summary:
                summaries[key] = summary
                changed.setdefault(module.name, set()).add(func.node.name)
        if not changed:
            break
        work = _callers(modules, changed)
    return [item for items in results.values() for item in items]


def _marked(module: Module):
    """Functions holding a marker. str.find is far faster than one regex of alternatives."""
    source = module.source
    offsets = []
    for word in MARKERS:
        at = source.find(word)
        while at >= 0:
            offsets.append(at)
            at = source.find(word, at + 1)
    return _functions_at(module, offsets)


def _callers(modules: dict[str, Module], changed: dict[str, set[str]]):
    """Functions that may call one of `changed`: in the same module, or in a module that
    imports from the callee's module."""
    names = {n for group in changed.values() for n in group}
    calls = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, sorted(names))))
    work = []
    for module in modules.values():
        sources = {source for source, _ in module.imports.values()}
        sources |= {f"{s}.{a}" for s, a in module.imports.values() if a}
        if module.name in changed or sources & changed.keys():
            offsets = [m.start() for m in calls.finditer(module.source)]
            work += [(module, f) for f in _functions_at(module, offsets)]
    return work


def _functions_at(module: Module, offsets: list[int]):
    """The functions whose lines contain any of these character offsets."""
    if not offsets:
        return []
    source = module.source
    lines, line, last = [], 1, 0
    for at in sorted(offsets):
        line += source.count("\n", last, at)
        last = at
        lines.append(line)
    found = []
    for func in module.functions:
        i = bisect.bisect_left(lines, func.node.lineno)
        if i < len(lines) and lines[i] <= func.node.end_lineno:
            found.append(func)
    return found


def _run(module: Module, func, resolver: Resolver, summaries) -> Flow:
    def resolve(call: ast.Call):
        target = resolver.function(module, func, call)
        return summaries.get(id(target.node)) if target else None
    save_mode = func.storage and func.node.name == "_save"
    return Flow(func.node, resolve, save_mode).run()
