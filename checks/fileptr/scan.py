"""One scan of the project's source: parse, summarise functions across modules until the
summaries settle, then collect file-pointer events and masked errors per file."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import masked
from .flow import Flow, Summary
from .project import Module, Resolver, load

# Words without which a function cannot move a file position (a cheap pre-filter).
MARKERS = re.compile(r"read|seek|Image\.open|chunks|copyfileobj|file_digest|save|create|"
                     r"upload|put|post|update|for ")
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
    result = ScanResult(files=len(paths))
    modules: dict[str, Module] = {}
    for path in paths:
        tree = parse(path)
        if tree is None:
            result.unparsable.append((path, why_unparsable(path)))
            continue
        source = path.read_bytes().decode("utf-8", "replace")
        module = load(root, path, relpath(path), tree, source)
        modules.setdefault(module.name, module)
    events = _flows(modules)
    for module, func, event in events:
        detail = {"name": event.name, "action": event.action, "earlier": event.earlier,
                  "earlier_how": event.earlier_how, "earlier_path": event.earlier_path}
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
    texts = {}
    work = []
    for module in modules.values():
        for func in module.functions:
            text = module.text(func.node)
            texts[id(func.node)] = text
            if MARKERS.search(text):
                work.append((module, func))
    everything = [(m, f) for m in modules.values() for f in m.functions]
    results: dict[int, list] = {}
    for _ in range(MAX_PASSES):
        changed = set()
        for module, func in work:
            flow = _run(module, func, resolver, summaries)
            results[id(func.node)] = [(module, func, e) for e in flow.events]
            summary = flow.summary(module.rel)
            key = id(func.node)
            if (summary.params or summary.returns) and summaries.get(key) != summary:
                summaries[key] = summary
                changed.add(func.node.name)
        if not changed:
            break
        callers = re.compile(r"\b(?:%s)\s*\(" % "|".join(map(re.escape, sorted(changed))))
        work = [(m, f) for m, f in everything if callers.search(texts[id(f.node)])]
    return [item for items in results.values() for item in items]


def _run(module: Module, func, resolver: Resolver, summaries) -> Flow:
    def resolve(call: ast.Call):
        target = resolver.function(module, func, call)
        return summaries.get(id(target.node)) if target else None
    save_mode = func.storage and func.node.name == "_save"
    return Flow(func.node, resolve, save_mode).run()
