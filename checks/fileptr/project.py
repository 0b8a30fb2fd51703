"""The project's modules as the analyzer sees them: functions, classes, imports, and
a resolver from a call to the project function it names.

A module keeps no syntax tree: one walk over its statements records what the analysis
needs later (names, line spans, classes and their fields, imports, except clauses), and
only the function nodes the flow analysis will run stay alive, so memory stays close to
one parse at a time however large the project is.
"""
from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

SUPPRESS = re.compile(r"#\s*upload-diagnostics:\s*ignore(?:\[([^\]]*)\])?")
# Field classes whose values are files (FileField, ImageField and their subclasses in
# DRF, django-stdimage, django-versatileimagefield, easy-thumbnails...).
FILE_FIELD_SUFFIXES = ("FileField", "ImageField")


@dataclass(eq=False, slots=True)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef | None  # None once no flow needs it
    qualname: str
    cls: str | None  # the enclosing class's name, for self.method() calls
    storage: bool  # a method of a Storage subclass
    module: "Module"
    lineno: int
    end_lineno: int
    static: bool = False  # a @staticmethod: no self/cls parameter

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def key(self) -> tuple[str, str]:
        return self.module.name, self.qualname


@dataclass(slots=True)
class ClassInfo:
    bases: list[str]  # dotted, as written
    fields: dict[str, str] = field(default_factory=dict)  # class-level x = Y.Field(...)
    model: str = ""  # Meta.model of a ModelForm/ModelSerializer, dotted as written
    attr_types: dict[str, str] = field(default_factory=dict)  # self.x = Cls(...) -> Cls
    attr_names: dict[str, str] = field(default_factory=dict)  # self.x = Name -> Name


@dataclass(eq=False)
class Module:
    name: str  # dotted, as the project imports it
    path: Path
    relpath: Callable[[Path], str]  # the path as findings show it
    functions: list[Function] = field(default_factory=list)
    defs: dict[str, Function] = field(default_factory=dict)  # module-level functions
    methods: dict[tuple[str, str], Function] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # Name = dotted.name at top level
    instances: dict[str, str] = field(default_factory=dict)  # name = Cls(...) at top level
    storages: set[str] = field(default_factory=set)  # Storage subclasses defined here
    suppressed: dict[int, set[str] | None] = field(default_factory=dict)
    bound: frozenset = frozenset()  # names a package __init__ binds (see bound_names)
    validators: set[str] = field(default_factory=set)  # names in a field's validators=[]
    other_names: tuple[str, ...] = ()  # the same module under other import roots

    @cached_property
    def rel(self) -> str:
        return self.relpath(self.path)

    def is_suppressed(self, line: int, code: str) -> bool:
        if line not in self.suppressed:
            return False
        codes = self.suppressed[line]
        return codes is None or code in codes

    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


class ModuleNames:
    """The dotted names a module is imported by: from its source root (the first folder
    up that is not a package, so `src/site/shop/views.py` is `shop.views`), then from
    the project root and each folder holding a manage.py. `packages` and `django_roots`
    are folders as strings (path arithmetic on strings, once per folder: this runs for
    every file)."""

    def __init__(self, root: Path, packages: set[str], django_roots: list[str],
                 root_is_package: bool = False):
        self.root, self.packages, self.django_roots = str(root), packages, django_roots
        self.root_package = Path(root).name if root_is_package else ""
        self._prefixes: dict[str, list[tuple[str, ...]]] = {}

    def __call__(self, path: Path) -> list[str]:
        folder, name = os.path.split(str(path))
        stem = name[:-3]
        if folder not in self._prefixes:
            self._prefixes[folder] = self.prefixes(folder)
        names = []
        for prefix in self._prefixes[folder]:
            name = ".".join(prefix if stem == "__init__" else (*prefix, stem))
            if name and name not in names:
                names.append(name)
        return names or [path.stem]

    def prefixes(self, folder: str) -> list[tuple[str, ...]]:
        """The package parts of `folder` under each base."""
        source_root = folder
        while source_root in self.packages and source_root != self.root \
                and os.path.dirname(source_root) != source_root:
            source_root = os.path.dirname(source_root)
        prefixes = []
        for base in [source_root, self.root, *self.django_roots]:
            if folder != base and not folder.startswith(base + os.sep):
                continue  # an INCLUDE folder outside the project root
            parts = tuple(folder[len(base) + 1:].split(os.sep)) if folder != base else ()
            if base == self.root and self.root_package:
                parts = (self.root_package, *parts)  # the root is a package (e.g. django/)
            prefixes.append(parts)
        return prefixes


def load(names: list[str], path: Path, relpath, tree: ast.Module, data: bytes,
         keep: Callable[[Function], bool], walk: Callable[[ast.AST], bool]) -> tuple[Module, list]:
    """The module's index, and its try statements with the function owning each
    ((owner, ast.Try) pairs, for the masked-error rules). `keep(function)` says whether
    the function's node stays alive for the flow analysis; `walk(node)` whether a
    function's body can hold anything the analysis looks at (the caller knows from the
    text: a marker word, an except clause), else only its name and span are recorded."""
    module = Module(names[0], path, relpath, other_names=tuple(names[1:]))
    if b"upload-diagnostics" in data:
        source = data.decode("utf-8", "replace")
        for number, line in enumerate(source.splitlines(), 1):
            match = SUPPRESS.search(line)
            if match:
                codes = match.group(1)
                module.suppressed[number] = (
                    {c.strip() for c in codes.split(",") if c.strip()} if codes else None)
    package = module.name if path.name == "__init__.py" else module.name.rpartition(".")[0]
    tries: list = []
    Collector(module, package, tries, walk).body(tree.body, prefix="", cls=None, owner=None)
    if module.is_package():
        module.bound = bound_names(tree)
    for func in module.functions:
        if not keep(func):
            func.node = None
    return module, tries


TRIES = {ast.Try, getattr(ast, "TryStar", ast.Try)}
FUNCTIONS = {ast.FunctionDef, ast.AsyncFunctionDef}
COMPOUND = {ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try,
            getattr(ast, "TryStar", ast.Try)}


class Collector:
    """One walk over the statements: functions, classes, imports, aliases, `self.x = `
    in methods, and try statements (with the function that owns them). Expressions are
    not visited."""

    def __init__(self, module: Module, package: str, tries: list, walk=lambda node: True):
        self.module, self.package, self.tries, self.walk = module, package, tries, walk

    def body(self, body, prefix: str, cls: str | None, owner: Function | None,
             method_of: str | None = None):
        """`cls`: the class whose body this is; `method_of`: the class of the method
        whose own statements these are (for self.x = ...)."""
        for node in body:
            kind = type(node)  # exact types: this walk runs over every statement
            if kind is ast.Assign:
                if method_of is not None:
                    self.instance_attr(node, method_of)
                elif owner is None and cls is None and not prefix:
                    self.alias(node)
            elif kind in COMPOUND:
                if kind in TRIES:
                    self.tries.append((owner, node))
                    for handler in node.handlers:
                        self.body(handler.body, prefix, cls, owner, method_of)
                    if node.finalbody:
                        self.body(node.finalbody, prefix, cls, owner, method_of)
                self.body(node.body, prefix, cls, owner, method_of)
                if kind is not ast.With and kind is not ast.AsyncWith and node.orelse:
                    self.body(node.orelse, prefix, cls, owner, method_of)
            elif kind in FUNCTIONS:
                self.function(node, prefix, cls)
            elif kind is ast.ClassDef:
                self.klass(node, prefix, owner)
            elif kind is ast.ImportFrom:
                base = absolute(self.package, node.module, node.level)
                for alias in node.names:
                    self.module.imports[alias.asname or alias.name] = (base, alias.name)
            elif kind is ast.Import:
                for alias in node.names:
                    if alias.asname:
                        self.module.imports[alias.asname] = (alias.name, None)
                    else:
                        top = alias.name.split(".")[0]
                        self.module.imports[top] = (top, None)
            elif kind is ast.Match:
                for case in node.cases:
                    self.body(case.body, prefix, cls, owner, method_of)

    def function(self, node, prefix: str, cls: str | None):
        module = self.module
        static = any(dotted(d) == "staticmethod" for d in node.decorator_list)
        storage = cls is not None and cls in module.storages
        func = Function(node, prefix + node.name, cls, storage, module, node.lineno,
                        node.end_lineno or node.lineno, static)
        module.functions.append(func)
        if cls is None and not prefix:
            module.defs[node.name] = func
        elif cls is not None:
            module.methods[(cls, node.name)] = func
        # Nested functions and classes keep the owner; `self.x = ...` in a method's own
        # statements describes the instance of its class.
        if node.name == "__init__" or self.walk(node):
            self.body(node.body, prefix + node.name + ".", None, func,
                      cls if cls in module.classes else None)

    def klass(self, node: ast.ClassDef, prefix: str, owner):
        module = self.module
        bases = [dotted(b) for b in node.bases]
        info = module.classes.setdefault(node.name, ClassInfo(bases))
        if any(b.endswith("Storage") or b in module.storages for b in bases):
            module.storages.add(node.name)  # its subclasses in this module too
        for stmt in node.body:
            kind = type(stmt)
            if kind is ast.ClassDef and stmt.name == "Meta":
                for item in stmt.body:
                    if isinstance(item, ast.Assign) and _target_names(item) == ["model"]:
                        info.model = dotted(item.value)
            elif (kind is ast.Assign or kind is ast.AnnAssign) and \
                    type(stmt.value) is ast.Call:
                self.field(stmt, info)
        self.body(node.body, prefix + node.name + ".", node.name, owner)

    def field(self, stmt, info: ClassInfo):
        """`image = models.ImageField(..., validators=[check])` in a class body."""
        for name in _target_names(stmt):
            info.fields[name] = dotted(stmt.value.func).rsplit(".", 1)[-1]
        for kw in stmt.value.keywords:
            if kw.arg == "validators" and isinstance(kw.value, (ast.List, ast.Tuple)):
                self.module.validators.update(dotted(v).rsplit(".", 1)[-1]
                                              for v in kw.value.elts)

    def alias(self, node: ast.Assign):
        """Top-level `Alias = pkg.Name` and `client = Cls(...)`."""
        value = node.value
        for name in _target_names(node):
            if isinstance(value, (ast.Name, ast.Attribute)):
                self.module.aliases[name] = dotted(value)
            elif isinstance(value, ast.Call):
                self.module.instances[name] = dotted(value.func)

    def instance_attr(self, node: ast.Assign, cls: str):
        """`self.x = Cls(...)` and `self.x = Name` in a method."""
        info = self.module.classes[cls]
        value = node.value
        for target in node.targets:
            if type(target) is ast.Attribute and type(target.value) is ast.Name \
                    and target.value.id == "self":
                if type(value) is ast.Call:
                    info.attr_types.setdefault(target.attr, dotted(value.func))
                elif isinstance(value, (ast.Name, ast.Attribute)):
                    info.attr_names.setdefault(target.attr, dotted(value))


def _own_statements(body):
    """Statements of a function, into compound blocks, not into nested definitions."""
    for node in body:
        yield node
        if type(node) in COMPOUND:
            for name in ("body", "orelse", "finalbody"):
                yield from _own_statements(getattr(node, name, None) or [])
            for handler in getattr(node, "handlers", ()):
                yield from _own_statements(handler.body)


def _target_names(node) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return node.id if isinstance(node, ast.Name) else ""


def absolute(package: str, name: str | None, level: int) -> str:
    """The absolute module of `from <level dots><name> import ...` inside `package`."""
    if not level:
        return name or ""
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[:len(parts) - (level - 1)]
    return ".".join(p for p in [*parts, name or ""] if p)


def bound_names(tree: ast.Module) -> frozenset:
    """Names a package's __init__ binds at its top level (any star import: all)."""
    names = set()
    for node in _own_statements(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return EVERYTHING
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)


class _Everything(frozenset):
    def __contains__(self, item):
        return True


EVERYTHING = _Everything()


@dataclass(eq=False, slots=True)
class Unparsed:
    """A module whose text names nothing the analysis looks at: it is parsed only when a
    call or an import is resolved into it, or its text names a function that moves a
    file (Scanner.callers)."""

    path: Path
    names: list[str]  # as ModuleNames gives them; the first is the module's name
    data: bytes


class Index:
    """Every module of the project by each of its names; a module imported under a name
    that several roots define (two packages of one folder) is the one nearest the
    importer. `parse(unparsed)` gives the Module of an Unparsed one, or None when it
    does not parse."""

    def __init__(self, parse: Callable[[Unparsed], "Module | None"] = lambda u: None):
        self.parse = parse
        self.by_name: dict[str, list] = {}  # name -> [Module or Unparsed]
        self.modules: list[Module] = []
        self.unparsed: list[Unparsed] = []
        self.tops: set[str] = set()

    def add(self, module: "Module | Unparsed") -> None:
        if isinstance(module, Unparsed):
            self.unparsed.append(module)
            names = module.names
        else:
            self.modules.append(module)
            names = [module.name, *module.other_names]
        for name in names:
            self.by_name.setdefault(name, []).append(module)
            self.tops.add(name.split(".")[0])

    def load(self, unparsed: Unparsed) -> "Module | None":
        """Parse an Unparsed module now: it takes its place under each of its names."""
        self.unparsed.remove(unparsed)
        module = self.parse(unparsed)
        if module is not None:
            self.modules.append(module)
        for name in unparsed.names:
            found = self.by_name[name]
            at = found.index(unparsed)
            if module is not None:
                found[at] = module
            else:
                del found[at]
                if not found:
                    del self.by_name[name]
        return module

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def get(self, name: str, near: Module | None = None) -> Module | None:
        found = self.by_name.get(name)
        if not found:
            return None
        chosen = found[0]
        if near is not None and len(found) > 1:
            chosen = max(found, key=lambda m: _shared(m.path, near.path))
        if isinstance(chosen, Unparsed):
            return self.load(chosen) or self.get(name, near)
        return chosen

    def known_top(self, top: str) -> bool:
        return top in self.tops


def _shared(a: Path, b: Path) -> int:
    count = 0
    for x, y in zip(a.parts, b.parts):
        if x != y:
            break
        count += 1
    return count


class Resolver:
    """Finds the project function a call names: a function of the same module, an
    imported one, a method of the same class or a project base class (self.x(),
    cls.x()), a method of an attribute's class (self.client.send() when __init__ set
    self.client = Client()), Cls.method(), or module.func()."""

    def __init__(self, index: Index):
        self.index = index

    def function(self, module: Module, func: Function, call: ast.Call) -> Function | None:
        target = call.func
        if isinstance(target, ast.Name):
            return self.named(module, target.id)
        if not isinstance(target, ast.Attribute):
            return None
        owner = target.value
        if isinstance(owner, ast.Name):
            if owner.id in ("self", "cls") and func.cls:
                return self.method(module, func.cls, target.attr)
            if owner.id in module.classes:
                return self.method(module, owner.id, target.attr)
            if owner.id in module.instances:
                cls = self.klass(module, module.instances[owner.id])
                return self.method(cls[0], cls[1], target.attr) if cls else None
            source = module.imports.get(owner.id)
            if source:
                return self.imported(module, source, target.attr)
        elif isinstance(owner, ast.Attribute) and dotted(owner.value) == "self" and func.cls:
            cls = self.attr_class(module, func.cls, owner.attr)
            return self.method(cls[0], cls[1], target.attr) if cls else None
        return None

    def named(self, module: Module, name: str) -> Function | None:
        if name in module.defs:
            return module.defs[name]
        source = module.imports.get(name)
        if source and source[1]:
            other = self.index.get(source[0], module)
            return other.defs.get(source[1]) if other else None
        return None

    def imported(self, module: Module, source, attr: str) -> Function | None:
        """module.func() or ImportedClass.method()."""
        dotted_name = f"{source[0]}.{source[1]}" if source[1] else source[0]
        other = self.index.get(dotted_name, module)
        if other is not None:
            return other.defs.get(attr)
        if source[1]:
            other = self.index.get(source[0], module)
            if other is not None and source[1] in other.classes:
                return self.method(other, source[1], attr)
        return None

    def klass(self, module: Module, name: str) -> tuple[Module, str] | None:
        """The project class a dotted name means in `module`: (its module, its name)."""
        if not name:
            return None
        head, _, rest = name.partition(".")
        if not rest and head in module.classes:
            return module, head
        source = module.imports.get(head)
        if source is None:
            return None
        if not rest and source[1]:
            other = self.index.get(source[0], module)
            if other is not None and source[1] in other.classes:
                return other, source[1]
            return None
        base = f"{source[0]}.{source[1]}" if source[1] else source[0]
        mod_name, _, cls = f"{base}.{rest}".rpartition(".")
        other = self.index.get(mod_name, module)
        return (other, cls) if other is not None and cls in other.classes else None

    def method(self, module: Module, cls: str, name: str, depth: int = 0) -> Function | None:
        """A method of a project class, or of its project base classes. A project
        Storage's save() is Django's, which hands its content to the class's _save()."""
        found = module.methods.get((cls, name))
        if found is None and name == "save" and cls in module.storages:
            found = self.method(module, cls, "_save", depth)
        if found is not None or depth > 5:
            return found
        for base in module.classes.get(cls, ClassInfo([])).bases:
            owner = self.klass(module, base)
            if owner is not None:
                found = self.method(owner[0], owner[1], name, depth + 1)
                if found is not None:
                    return found
        return None

    def attr_class(self, module: Module, cls: str, attr: str) -> tuple[Module, str] | None:
        info = module.classes.get(cls)
        if info is None or attr not in info.attr_types:
            return None
        return self.klass(module, info.attr_types[attr])

    def file_field(self, module: Module, cls: str | None, name: str) -> bool | None:
        """Whether field `name` of form/serializer `cls` holds files: True, False, or None
        when the project does not say (declared on the class, a base, or Meta.model)."""
        found = self.field(module, cls, name) if cls else None
        return found.endswith(FILE_FIELD_SUFFIXES) if found else None

    def field_class(self, module: Module, node, name: str) -> str | None:
        """The field class of `name` on the project class an expression names."""
        owner = self.klass(module, dotted(node))
        return self.field(owner[0], owner[1], name) if owner else None

    def field(self, module: Module, cls: str, name: str, depth: int = 0) -> str | None:
        """The class name of field `name` of a project class: declared on it, on its
        Meta.model, or on a project base class."""
        info = module.classes.get(cls)
        if info is None or depth > 5:
            return None
        if name in info.fields:
            return info.fields[name]
        for other in ([info.model] if info.model else []) + info.bases:
            owner = self.klass(module, other)
            found = self.field(owner[0], owner[1], name, depth + 1) if owner else None
            if found:
                return found
        return None
