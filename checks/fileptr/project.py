"""The project's modules as the analyzer sees them: functions, classes, imports, and
a resolver from a call to the project function it names."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

SUPPRESS = re.compile(r"#\s*upload-diagnostics:\s*ignore(?:\[([^\]]*)\])?")


@dataclass(eq=False)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    cls: str | None  # the enclosing class's name, for self.method() calls
    storage: bool  # a method of a Storage subclass
    module: "Module"

    @cached_property
    def text(self) -> str:
        """Its source lines."""
        return self.module.text(self.node)


@dataclass(eq=False)
class Module:
    name: str  # dotted, as the project imports it
    path: Path
    relpath: Callable[[Path], str]  # the path as findings show it
    tree: ast.Module
    source: str
    functions: list[Function] = field(default_factory=list)
    defs: dict[str, Function] = field(default_factory=dict)  # module-level functions
    methods: dict[tuple[str, str], Function] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    handlers: list[tuple[Function | None, ast.ExceptHandler]] = field(default_factory=list)
    storages: set[str] = field(default_factory=set)  # Storage subclasses defined here
    suppressed: dict[int, set[str] | None] = field(default_factory=dict)

    @cached_property
    def rel(self) -> str:
        return self.relpath(self.path)

    @cached_property
    def lines(self) -> list[str]:
        return self.source.splitlines()

    def text(self, node) -> str:
        return "\n".join(self.lines[node.lineno - 1:node.end_lineno])

    def is_suppressed(self, line: int, code: str) -> bool:
        if line not in self.suppressed:
            return False
        codes = self.suppressed[line]
        return codes is None or code in codes


def module_name(root: Path, path: Path) -> str:
    try:
        parts = list(path.relative_to(root).with_suffix("").parts)
    except ValueError:  # an INCLUDE folder outside the project root
        return path.stem
    if parts and parts[-1] == "__init__":
        parts.pop()
    if (root / "__init__.py").exists():  # the root is itself a package (e.g. django/)
        parts.insert(0, root.name)
    return ".".join(parts)


def load(root: Path, path: Path, relpath, tree: ast.Module, source: str) -> Module:
    module = Module(module_name(root, path), path, relpath, tree, source)
    if "upload-diagnostics" in source:
        for number, line in enumerate(module.lines, 1):
            match = SUPPRESS.search(line)
            if match:
                codes = match.group(1)
                module.suppressed[number] = (
                    {c.strip() for c in codes.split(",") if c.strip()} if codes else None)
    package = module.name if path.name == "__init__.py" else module.name.rpartition(".")[0]
    _collect(module, tree.body, package, prefix="", cls=None, storage=False, owner=None)
    return module


TRIES = {ast.Try, getattr(ast, "TryStar", ast.Try)}
FUNCTIONS = {ast.FunctionDef, ast.AsyncFunctionDef}
COMPOUND = {ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
            getattr(ast, "TryStar", ast.Try)}


def _collect(module: Module, body, package: str, prefix: str, cls, storage: bool, owner):
    """One walk over the statements: functions, classes, imports and except handlers
    (with the function that owns them). Expressions are not visited."""
    for node in body:
        kind = type(node)  # exact types: this walk runs over every statement
        if kind in FUNCTIONS:
            func = Function(node, prefix + node.name, cls, storage, module)
            module.functions.append(func)
            if cls is None and not prefix:
                module.defs[node.name] = func
            elif cls is not None and prefix == cls + ".":
                module.methods[(cls, node.name)] = func
            _collect(module, node.body, package, prefix + node.name + ".", None, False, func)
        elif kind is ast.ClassDef:
            bases = [_dotted(b) for b in node.bases]
            is_storage = any(b.endswith("Storage") or b in module.storages for b in bases)
            if is_storage:
                module.storages.add(node.name)  # its subclasses in this module too
            _collect(module, node.body, package, prefix + node.name + ".", node.name,
                     is_storage, owner)
        elif kind is ast.ImportFrom:
            base = absolute(package, node.module, node.level)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (base, alias.name)
        elif kind is ast.Import:
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    module.imports[top] = (top, None)
        elif kind in COMPOUND:
            _collect(module, node.body, package, prefix, cls, storage, owner)
            orelse = getattr(node, "orelse", None)  # with blocks have none
            if orelse:
                _collect(module, orelse, package, prefix, cls, storage, owner)
            if kind in TRIES:
                for handler in node.handlers:
                    module.handlers.append((owner, handler))
                    _collect(module, handler.body, package, prefix, cls, storage, owner)
                if node.finalbody:
                    _collect(module, node.finalbody, package, prefix, cls, storage, owner)
        elif kind is ast.Match:
            for case in node.cases:
                _collect(module, case.body, package, prefix, cls, storage, owner)


def _dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


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
