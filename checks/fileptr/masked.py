"""Masked errors: except clauses that catch a module, swallow every error of an upload,
replace it without its cause, or log it without the traceback.

Upload code, concretely: a try block that stores or sends a file - storage.save(name,
content) or field.save(name, content), serializer.save() or form.save(), a call given a
request.FILES value, an SDK upload (upload_file, upload_fileobj, put_object, upload_blob,
upload_from_file...), put/post/request with files= or data= - or any try block of a
Storage's _save(); for W002 and W003 also a try block of a saving method (create,
update, save, perform_create, perform_update, form_valid) that handles validated_data,
cleaned_data or request.FILES. Swallowing (W001) is judged only where the try block
stores or sends: a failed clean-up, a database row or a rejected image skipped on purpose
is a decision, not a hidden upload failure.
"""
from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .project import Function, Index, Module, bound_names, dotted

BROAD = {"Exception", "BaseException"}
# Calls that send a file to a storage or an SDK: what makes a try block upload code.
FILE_SENDERS = {"_save", "upload_file", "upload", "upload_fileobj", "put_object",
                "upload_blob", "upload_from_file", "create_blob_from_stream"}
# The values a saving method's upload comes in.
UPLOAD_VALUES = {"validated_data", "cleaned_data", "FILES"}
# Methods whose whole job is saving: a serializer's, form's, model's or view's.
SAVING_METHODS = {"create", "update", "save", "perform_create", "perform_update",
                  "form_valid"}
# Exceptions that are answers, not failures: a bad value, a missing key or row. Logging
# them without a traceback loses nothing (int("x") raising ValueError).
EXPECTED = {"ValueError", "TypeError", "KeyError", "IndexError", "LookupError",
            "AttributeError", "DoesNotExist", "ObjectDoesNotExist", "ValidationError",
            "UnicodeError", "UnicodeDecodeError", "ZeroDivisionError", "StopIteration",
            "MultiValueDictKeyError", "Http404", "PermissionDenied"}
# Calls in a log message that already carry the traceback.
TRACEBACK_TEXT = {"format_exc", "format_exception", "print_exc", "format_tb"}
# Modules of one-class-per-module exception packages: where a module gets caught.
EXCEPTION_MODULES = ("exceptions", "errors", "exc")


@dataclass
class Masked:
    code: str  # E004, W001, W002, W003, I002
    line: int
    function: str
    detail: str  # what was found, one line
    target: str = ""  # E004/I002: the dotted name the except clause names


def check(module: Module, owner: Function | None, node: ast.Try) -> list[Masked]:
    """The rules for one try statement. E004/I002 come back as candidates (a target, code
    E004) that `resolved` settles once every module is known."""
    name = owner.qualname if owner else "<module>"
    cls = owner.cls if owner else None
    found, shapes = [], []
    for handler in node.handlers:
        for caught in _names(handler.type):
            target = _dotted(module, cls, caught)
            if target:
                found.append(Masked("fileptr.E004", handler.lineno, name,
                                    f"except {ast.unparse(caught)}", target))
        shapes += _swallowed(name, handler)
    if shapes:  # only then is it worth asking whether this is upload code
        stores = owner is not None and owner.storage and owner.name == "_save" \
            or _stores(node.body)
        saving = stores or owner is not None and owner.cls is not None \
            and owner.name in SAVING_METHODS and _mentions_upload(node.body)
        found += [m for m in shapes if stores or saving and m.code != "fileptr.W001"]
    return found


def resolved(item: Masked, resolve_module) -> Masked | None:
    """E004 when the clause's name is a module, I002 when that cannot be told here."""
    parent, _, attr = item.target.rpartition(".")
    verdict = resolve_module(parent, attr)
    if verdict is True:
        return replace(item, detail=f"{item.detail} names the module {item.target}")
    if verdict is None and parent.rsplit(".", 1)[-1] in EXCEPTION_MODULES:
        return replace(item, code="fileptr.I002", detail=(
            f"{item.detail}: {parent} is not importable here, so whether it names a class "
            "is unresolved"))
    return None


def _stores(body) -> bool:
    """Whether a try block stores or sends a file (see the module docstring)."""
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and _stores_file(node):
                return True
    return False


def _stores_file(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    receiver = dotted(func.value).lower() if isinstance(func, ast.Attribute) else ""
    keywords = {kw.arg for kw in call.keywords}
    return (name in FILE_SENDERS
            or name == "save" and len(call.args) >= 2  # storage.save(name, content)
            or name in ("put", "post", "request") and keywords & {"files", "data"}
            or name in ("save", "create") and receiver.endswith(("serializer", "form"))
            or any(isinstance(n, ast.Attribute) and n.attr == "FILES"
                   for arg in [*call.args, *(kw.value for kw in call.keywords)]
                   for n in ast.walk(arg)))


def _mentions_upload(body) -> bool:
    """A try block of a saving method that handles the upload it saves."""
    return any(isinstance(node, ast.Name) and node.id in UPLOAD_VALUES
               or isinstance(node, ast.Attribute) and node.attr in UPLOAD_VALUES
               for stmt in body for node in ast.walk(stmt))


def _names(node) -> list[ast.expr]:
    if node is None:
        return []
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _broad(handler) -> bool:
    return handler.type is None or any(
        isinstance(n, ast.Name) and n.id in BROAD for n in _names(handler.type))


def _expected(handler) -> bool:
    """Only exceptions that are answers (ValueError, DoesNotExist...) are caught."""
    names = _names(handler.type)
    return bool(names) and all(
        (n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")) in EXPECTED
        for n in names)


def _dotted(module: Module, cls: str | None, node) -> str | None:
    """The absolute dotted name an except clause's class comes from: through the
    module's imports, a top-level alias (Alias = Name), or an attribute the class set
    in a method (self.X = X)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "self" and cls in module.classes:
        name = module.classes[cls].attr_names.get(node.attr)
        return _dotted_name(module, name) if name else None
    if isinstance(node, ast.Name):
        return _dotted_name(module, node.id)
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


def _dotted_name(module: Module, name: str, depth: int = 0) -> str | None:
    head, _, rest = name.partition(".")
    if head in module.imports:
        base, attr = module.imports[head]
        full = f"{base}.{attr}" if attr else base
        if rest:
            return f"{full}.{rest}"
        return full if attr else None
    if head in module.aliases and depth < 5:
        found = _dotted_name(module, module.aliases[head], depth + 1)
        return f"{found}.{rest}" if found and rest else found
    return None


def _swallowed(owner, handler) -> list[Masked]:
    """W001, W002 and W003 shapes, before asking whether the try block is upload code."""
    body = handler.body
    kind = _Kind(handler)
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
    if not reraises and not _expected(handler):
        for node in _statements(body):
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and _logs_error(call):
                found.append(Masked("fileptr.W003", node.lineno, owner,
                                    f"{ast.unparse(call.func)}(...) inside except {kind} "
                                    "without exc_info"))
    return found


class _Kind:
    """The caught type as written, unparsed only when a finding shows it."""

    def __init__(self, handler):
        self.type = handler.type

    def __str__(self):
        return ast.unparse(self.type) if self.type is not None else "(bare)"


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
    if any(kw.arg in ("exc_info", "stack_info") or kw.arg is None for kw in call.keywords):
        return False
    return not any(isinstance(n, ast.Attribute) and n.attr in TRACEBACK_TEXT
                   or isinstance(n, ast.Name) and n.id in TRACEBACK_TEXT
                   for arg in call.args for n in ast.walk(arg))


# -- what a dotted name resolves to, without importing anything ----------------------

class ModuleResolver:
    """Is `parent.attr` a module? True, False, or None (unresolved: `parent` cannot be
    found in the project nor among the installed packages)."""

    def __init__(self, index: Index, search_path=None):
        self.index = index
        self.search_path = tuple(search_path if search_path is not None else sys.path)

    def __call__(self, parent: str, attr: str) -> bool | None:
        if not parent:
            return False
        module = self.index.get(parent)
        if module is not None:
            if f"{parent}.{attr}" not in self.index or not module.is_package():
                return False
            return attr not in module.bound
        return self._installed(parent, attr)

    def _installed(self, parent: str, attr: str) -> bool | None:
        spec = _find(parent, self.search_path)
        if spec is None:
            # Unresolved only when the package itself is missing; a name re-exported by
            # an importable module (mod.errors.X) is not a submodule.
            top = parent.split(".")[0]
            return False if self.index.known_top(top) or _find(top, self.search_path) \
                else None
        if not spec.submodule_search_locations:
            return False  # a plain module: attr is whatever it defines
        child = _find(f"{parent}.{attr}", self.search_path)
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
        return bound_names(ast.parse(Path(path).read_bytes()))
    except (SyntaxError, ValueError, OSError):
        return frozenset()
