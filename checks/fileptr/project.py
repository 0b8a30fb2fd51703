"""The project's modules as the analyzer sees them: functions, classes, imports, and
a resolver from a call to the project function it names."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

SUPPRESS = re.compile(r"#\s*upload-diagnostics:\s*ignore(?:\[([^\]]*)\])?")


@dataclass
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    cls: str | None  # the enclosing class's name, for self.method() calls
    storage: bool  # a method of a Storage subclass


@dataclass
class Module:
    name: str  # dotted, as the project imports it
    path: Path
    rel: str  # relative to the project root
    tree: ast.Module
    lines: list[str]
    functions: list[Function] = field(default_factory=list)
    defs: dict[str, Function] = field(default_factory=dict)  # module-level functions
    methods: dict[tuple[str, str], Function] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    suppressed: dict[int, set[str] | None] = field(default_factory=dict)

    def text(self, node) -> str:
        return "\n".join(self.lines[node.lineno - 1:node.end_lineno])

    def is_suppressed(self, line: int, code: str) -> bool:
        if line not in self.suppressed:
            return False
        codes = self.suppressed[line]
        return codes is None or code in codes


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if (root / "__init__.py").exists():  # the root is itself a package (e.g. django/)
        parts.insert(0, root.name)
    return ".".join(parts)


def load(root: Path, path: Path, rel: str, tree: ast.Module, source: str) -> Module:
    module = Module(module_name(root, path), path, rel, tree, source.splitlines())
    if "upload-diagnostics" in source:
        for number, line in enumerate(module.lines, 1):
            match = SUPPRESS.search(line)
            if match:
                codes = match.group(1)
                module.suppressed[number] = (
                    {c.strip() for c in codes.split(",") if c.strip()} if codes else None)
    package = module.name if path.name == "__init__.py" else module.name.rpartition(".")[0]
    _collect(module, tree.body, package, prefix="", cls=None, storage=False)
    return module


def _collect(module: Module, body, package: str, prefix: str, cls, storage: bool):
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = Function(node, prefix + node.name, cls, storage)
            module.functions.append(func)
            if cls is None and not prefix:
                module.defs[node.name] = func
            elif cls is not None and prefix == cls + ".":
                module.methods[(cls, node.name)] = func
            _collect(module, node.body, package, prefix + node.name + ".", None, False)
        elif isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b) for b in node.bases]
            is_storage = any(b.rsplit(".", 1)[-1].endswith("Storage") for b in bases)
            _collect(module, node.body, package, prefix + node.name + ".", node.name,
                     is_storage)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(package, node.module, node.level)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    module.imports[top] = (top, None)
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody"):
                _collect(module, getattr(node, block, []), package, prefix, cls, storage)
            for handler in getattr(node, "handlers", []):
                _collect(module, handler.body, package, prefix, cls, storage)


def absolute(package: str, name: str | None, level: int) -> str:
    """The absolute module of `from <level dots><name> import ...` inside `package`."""
    if not level:
        return name or ""
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[:len(parts) - (level - 1)]
    return ".".join(p for p in [*parts, name or ""] if p)


class Resolver:
    """Finds the project function a call names: a function of the same module, an
    imported one, a method of the same class (self.x()), or module.func()."""

    def __init__(self, modules: dict[str, Module]):
        self.modules = modules

    def function(self, module: Module, func: Function, call: ast.Call) -> Function | None:
        target = call.func
        if isinstance(target, ast.Name):
            name = target.id
            if name in module.defs:
                return module.defs[name]
            source = module.imports.get(name)
            if source and source[1]:
                other = self.modules.get(source[0])
                return other.defs.get(source[1]) if other else None
            return None
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            owner = target.value.id
            if owner in ("self", "cls") and func.cls:
                return module.methods.get((func.cls, target.attr))
            source = module.imports.get(owner)
            if source:
                dotted = f"{source[0]}.{source[1]}" if source[1] else source[0]
                other = self.modules.get(dotted)
                return other.defs.get(target.attr) if other else None
        return None
