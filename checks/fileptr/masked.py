"""Masked errors: except clauses that catch a module, swallow everything, replace the
error without its cause, or log it without the traceback."""
from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .project import Module

BROAD = {"Exception", "BaseException"}
# Words that make a function upload or storage code (where swallowing hides the cause).
UPLOAD_CODE = ("FILES", "validated_data", "cleaned_data", "request.data", "serializer.save",
               ".is_valid(", "upload", "Upload", "default_storage", " storage.", ".storage",
               "mageKit", "magekit")
# Modules of one-class-per-module exception packages: where a module gets caught.
EXCEPTION_MODULES = ("exceptions", "errors", "exc")


@dataclass
class Masked:
    code: str  # E004, W001, W002, W003, I002
    line: int
    function: str
    detail: str  # what was found, one line
    target: str = ""  # E004/I002: the dotted name the except clause names


def check(module: Module, resolve_module) -> list[Masked]:
    found = []
    for func, handler in module.handlers:
        owner = func.qualname if func else "<module>"
        if handler.type is not None:
            found += _catches_module(module, owner, handler, resolve_module)
        if func is not None and _upload_code(func):
            found += _swallowed(owner, handler)
    return found


def _upload_code(func) -> bool:
    if func.storage:
        return True
    text = func.text
    return any(word in text for word in UPLOAD_CODE)


def _names(node) -> list[ast.expr]:
    if node is None:
        return []
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _broad(handler) -> bool:
    return handler.type is None or any(
        isinstance(n, ast.Name) and n.id in BROAD for n in _names(handler.type))


def _catches_module(module, owner, handler, resolve_module) -> list[Masked]:
    found = []
    for node in _names(handler.type):
        dotted = _dotted(module, node)
        if not dotted:
            continue
        parent, _, attr = dotted.rpartition(".")
        verdict = resolve_module(parent, attr)
        if verdict is True:
            found.append(Masked("fileptr.E004", handler.lineno, owner,
                                f"except {ast.unparse(node)} names the module {dotted}",
                                dotted))
        elif verdict is None and parent.rsplit(".", 1)[-1] in EXCEPTION_MODULES:
            found.append(Masked("fileptr.I002", handler.lineno, owner,
                                f"except {ast.unparse(node)}: {parent} is not importable "
                                "here, so whether it names a class is unresolved", dotted))
    return found


def _dotted(module: Module, node) -> str | None:
    """The absolute dotted name an except clause's class comes from, via the imports."""
    if isinstance(node, ast.Name):
        source = module.imports.get(node.id)
        if source and source[1]:
            return f"{source[0]}.{source[1]}"
        return None
    if isinstance(node, ast.Attribute):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.insert(0, node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in module.imports:
            base, attr = module.imports[node.id]
            head = f"{base}.{attr}" if attr else base
            return ".".join([head, *parts])
    return None


def _swallowed(owner, handler) -> list[Masked]:
    body = handler.body
    kind = ast.unparse(handler.type) if handler.type is not None else "(bare)"
    if _broad(handler) and all(isinstance(s, (ast.Pass, ast.Continue)) or (
            isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)) for s in body):
        return [Masked("fileptr.W001", handler.lineno, owner, f"except {kind}: pass")]
    found = []
    reraises = False
    for node in _statements(body):
        if isinstance(node, ast.Raise):
            if node.exc is None or node.cause is not None:
                reraises = True
            elif _broad(handler) and isinstance(node.exc, ast.Call) and not (
                    handler.name and _mentions(node.exc, handler.name)):
                found.append(Masked("fileptr.W002", node.lineno, owner,
                                    f"raise {ast.unparse(node.exc.func)}(...) inside "
                                    f"except {kind}, without `from`"))
    if not reraises:
        for node in _statements(body):
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and _logs_error(call):
                found.append(Masked("fileptr.W003", node.lineno, owner,
                                    f"{ast.unparse(call.func)}(...) inside except {kind} "
                                    "without exc_info"))
    return found


def _statements(body):
    """Statements of a handler, into if/with/try blocks, not into nested functions."""
    for node in body:
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, name, None) or [])
        for handler in getattr(node, "handlers", None) or []:
            yield from _statements(handler.body)


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _logs_error(call: ast.Call) -> bool:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("error", "critical")):
        return False
    receiver = ast.unparse(func.value).lower()
    if "log" not in receiver:
        return False
    return not any(kw.arg in ("exc_info", "stack_info") or kw.arg is None
                   for kw in call.keywords)


# -- what a dotted name resolves to, without importing anything ----------------------

class ModuleResolver:
    """Is `parent.attr` a module? True, False, or None (unresolved: `parent` cannot be
    found in the project nor among the installed packages)."""

    def __init__(self, modules: dict[str, Module], search_path=None):
        self.modules = modules
        self.search_path = list(search_path if search_path is not None else sys.path)

    def __call__(self, parent: str, attr: str) -> bool | None:
        if not parent:
            return False
        if parent in self.modules:
            module = self.modules[parent]
            child = f"{parent}.{attr}"
            if child not in self.modules or module.path.name != "__init__.py":
                return False
            return attr not in _bound_names(module.tree)
        return self._installed(parent, attr)

    def _installed(self, parent: str, attr: str) -> bool | None:
        spec = _find(parent, tuple(self.search_path))
        if spec is None:
            # Unresolved only when the package itself is missing; a name re-exported by
            # an importable module (mod.errors.X) is not a submodule.
            top = parent.split(".")[0]
            known = any(name.split(".")[0] == top for name in self.modules)
            return False if known or _find(top, tuple(self.search_path)) else None
        if not spec.submodule_search_locations:
            return False  # a plain module: attr is whatever it defines
        child = _find(f"{parent}.{attr}", tuple(self.search_path))
        if child is None:
            return False
        init = Path(spec.origin) if spec.origin else None
        if init and init.suffix == ".py":
            return attr not in _bound_names_file(str(init))
        return True


@lru_cache(maxsize=512)
def _find(dotted: str, search_path: tuple):
    """The spec of an installed module, found without executing any package code."""
    path = list(search_path)
    spec = None
    for part_index, part in enumerate(dotted.split(".")):
        name = ".".join(dotted.split(".")[:part_index + 1])
        try:
            if part_index == 0:  # top level: also editable installs' finders; no import
                spec = importlib.util.find_spec(name)
            else:
                spec = importlib.machinery.PathFinder.find_spec(name, path)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
        if not path and name != dotted:
            return None
    return spec


@lru_cache(maxsize=256)
def _bound_names_file(path: str) -> frozenset:
    try:
        return _bound_names(ast.parse(Path(path).read_bytes()))
    except (SyntaxError, ValueError, OSError):
        return frozenset()


def _bound_names(tree: ast.Module) -> frozenset:
    """Names a package's __init__ binds at its top level (any star import: all)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return _EVERYTHING
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


class _Everything(frozenset):
    def __contains__(self, item):
        return True


_EVERYTHING = _Everything()
