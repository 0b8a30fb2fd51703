"""Endpoint discovery: the views of the project's URLconf that accept an uploaded file.

Django's resolver lists the views; what each one accepts comes from the view itself:
- DRF views and viewsets: the serializer of their POST (or PUT) action, through DRF's own
  view construction (the schema generator's `create_view`);
- Django form views (FormView, CreateView, UpdateView): `get_form_class()`;
- the admin's add views: `ModelAdmin.get_form()` of each mounted ModelAdmin;
- any other view: its source (`ast`), for reads of `request.FILES` and the form or
  serializer classes it calls.
Nothing here touches the database: a transient user object stands in where a view asks
for one.
"""
from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

KINDS = ("drf", "form", "function", "admin", "configured")
UPLOAD_METHODS = ("post", "put", "patch")


@dataclass
class Endpoint:
    url: str  # the path to request; with its parameters when `parameters` is True
    view: str  # the view's dotted name
    kind: str  # one of KINDS
    method: str = "POST"
    file_fields: tuple[str, ...] = ()  # the first is the one the upload is sent as
    required: tuple[str, ...] = ()  # required fields besides the files
    auth: str = "none found"  # the authentication the view asks for, in words
    fields: dict[str, Any] = field(default_factory=dict)  # name -> form/serializer field
    admin: Any = None  # the ModelAdmin of an admin add view
    drf: bool = False  # requested with DRF's APIClient
    parameters: bool = False  # the URL needs parameters: it cannot be requested as is
    project: bool = True  # the view's code is the project's own
    nested: str = ""  # a file field only a nested serializer holds (multipart cannot)
    order: int = 0  # position in the URLconf

    @property
    def file_field(self) -> str:
        return self.file_fields[0] if self.file_fields else "file"

    def listing(self) -> dict:
        """What --list-endpoints shows."""
        return {"url": self.url, "view": self.view, "kind": self.kind, "method": self.method,
                "file_field": self.file_field, "required": list(self.required),
                "auth": self.auth}


def rank(endpoints: list[Endpoint]) -> list[Endpoint]:
    """The likeliest user-facing upload first: requestable as is, not the admin, the
    project's own code, a required file field; then in URLconf order."""
    def key(e: Endpoint):
        required_file = any(getattr(e.fields.get(f), "required", False) for f in e.file_fields)
        return (e.parameters, bool(e.nested), e.kind == "admin", not e.project,
                not required_file, e.order)
    return sorted(endpoints, key=key)


def select(urls, limit: int, is_project: Callable[[str], bool]):
    """(the endpoints to exercise, the others): the configured `urls` when there are any,
    else the discovered endpoints, ranked, the first `limit` requestable ones chosen."""
    if urls:
        return [configured(url, is_project) for url in urls], []
    ranked = rank(discover(is_project))
    chosen = [e for e in ranked if not (e.parameters or e.nested)][:limit]
    return chosen, [e for e in ranked if e not in chosen]


def configured(url: str, is_project: Callable[[str], bool]) -> Endpoint:
    """An endpoint given by its URL, described by its view when Django resolves it."""
    from django.urls import Resolver404, resolve

    try:
        callback = resolve(url.split("?")[0]).func
    except Resolver404:
        return Endpoint(url, "?", "configured")
    return describe(callback, url, is_project, kind="configured") or \
        Endpoint(url, _name(_target(callback)), "configured")


def discover(is_project: Callable[[str], bool]) -> list[Endpoint]:
    """Every view of the URLconf that accepts an uploaded file, in URLconf order (none
    without a ROOT_URLCONF)."""
    from django.conf import settings
    from django.urls import get_resolver

    if not getattr(settings, "ROOT_URLCONF", None):
        return []
    found = []
    for n, (route, callback) in enumerate(_walk(get_resolver().url_patterns)):
        if "format" in route[-1].regex.groupindex:  # DRF's .json twins of each route
            continue
        url, parameters = _path(route, callback)
        endpoint = describe(callback, url, is_project)
        if endpoint is not None:
            endpoint.order, endpoint.parameters = n, parameters
            found.append(endpoint)
    return found


def describe(callback, url: str, is_project: Callable[[str], bool],
             kind: str | None = None) -> Endpoint | None:
    """The endpoint a view callback makes, or None when it accepts no upload. `kind`
    overrides the discovered kind ("configured")."""
    try:
        if getattr(callback, "model_admin", None) is not None:
            endpoint = _admin(callback, url)
        elif _drf_class(callback) is not None:
            endpoint = _drf(callback, url)
        elif _form_view_class(callback) is not None:
            endpoint = _form_view(callback, url)
        else:
            endpoint = _from_source(callback, url)
    except Exception:  # a view that cannot be described without a real request: not listed
        endpoint = None
    if endpoint is None:
        return None
    endpoint.project = is_project(_source_file(callback))
    if kind:
        endpoint.kind = kind
    return endpoint


# -- the URLconf ------------------------------------------------------------------------------

def _walk(patterns, prefix=()):
    """(route pieces, callback) of every URLPattern, depth first, in order."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            try:
                children = p.url_patterns
            except ImportError:  # an include() whose module does not import
                continue
            yield from _walk(children, prefix + (p.pattern,))
        elif isinstance(p, URLPattern):
            yield prefix + (p.pattern,), p.callback


_REGEX_EDGES = re.compile(r"^\^|\$$|\\Z$")
_UNESCAPE = re.compile(r"\\([./\-_~])")


def _path(route: tuple, callback) -> tuple[str, bool]:
    """(the URL to request, whether it needs parameters): the route as written when it
    has parameters; the literal path, checked by Django's resolver, when it has none."""
    from django.contrib.admindocs.utils import replace_named_groups, replace_unnamed_groups
    from django.urls import Resolver404, resolve
    from django.urls.resolvers import RegexPattern

    shown = ""
    for piece in route:
        text = str(piece)
        if isinstance(piece, RegexPattern):  # "(?P<pk>[^/.]+)" shown as "<pk>"
            text = replace_unnamed_groups(replace_named_groups(_REGEX_EDGES.sub("", text)))
            text = _UNESCAPE.sub(r"\1", text)
        shown += text
    path = "/" + shown
    literal = not re.search(r"[<>()\[\]{}?*+|\\^$]", shown)
    if literal:
        try:
            literal = resolve(path).func == callback
        except Resolver404:
            literal = False
    return path, not literal


def _source_file(callback) -> str:
    target = _target(callback)
    try:
        return inspect.getsourcefile(target) or ""
    except TypeError:
        return ""


def _target(callback):
    """What the view's code is: its class, or the innermost undecorated function."""
    for attr in ("cls", "view_class"):
        if getattr(callback, attr, None) is not None:
            return getattr(callback, attr)
    admin = getattr(callback, "model_admin", None)
    if admin is not None:
        return type(admin)
    return inspect.unwrap(callback)


def _name(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


# -- a user object and a request for introspection ----------------------------------------

def transient_superuser():
    """An unsaved superuser instance (no database row), or None without contrib.auth."""
    try:
        from django.contrib.auth import get_user_model

        model = get_user_model()
    except Exception:  # contrib.auth not installed
        return None
    values = {"is_superuser": True, "is_staff": True, "is_active": True}
    names = {f.name for f in model._meta.get_fields()}
    return model(**{k: v for k, v in values.items() if k in names})


def _request(url: str, method: str = "post"):
    from django.test import RequestFactory

    request = getattr(RequestFactory(), method)(url)
    request.user = transient_superuser()
    return request


# -- the admin --------------------------------------------------------------------------------

def _admin(callback, url: str) -> Endpoint | None:
    model_admin = callback.model_admin
    if callback.__name__ != "add_view":
        return None
    form = model_admin.get_form(_request(url), None, change=False)
    files, required = _form_fields(form.base_fields)
    if not files:
        return None
    meta = model_admin.model._meta
    return Endpoint(url, f"{_name(type(model_admin))}.add_view ({meta.label})", "admin",
                    file_fields=files, required=required, fields=dict(form.base_fields),
                    auth=f"a staff user with {meta.app_label}.add_{meta.model_name} "
                         f"({model_admin.admin_site.name} site)", admin=model_admin)


# -- Django form views ------------------------------------------------------------------------

def _form_view_class(callback):
    from django.views.generic.edit import FormMixin

    view_class = getattr(callback, "view_class", None)
    return view_class if view_class and issubclass(view_class, FormMixin) else None


def _form_view(callback, url: str) -> Endpoint | None:
    view_class = _form_view_class(callback)
    view = view_class(**getattr(callback, "view_initkwargs", {}))
    view.setup(_request(url))
    view.object = None
    form = view.get_form_class()
    files, required = _form_fields(form.base_fields)
    if not files:
        return None
    return Endpoint(url, _name(view_class), "form", file_fields=files, required=required,
                    fields=dict(form.base_fields), auth=_mixin_auth(view_class))


def _form_fields(fields: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(file fields, the required ones first; the other required fields) of a form."""
    from django import forms

    files = [n for n, f in fields.items() if isinstance(f, forms.FileField)]
    files.sort(key=lambda n: not fields[n].required)
    required = tuple(n for n, f in fields.items()
                     if f.required and not isinstance(f, forms.FileField))
    return tuple(files), required


def _mixin_auth(view_class) -> str:
    from django.contrib.auth import mixins

    if issubclass(view_class, mixins.PermissionRequiredMixin):
        perms = view_class.permission_required
        perms = (perms,) if isinstance(perms, str) else perms or ()
        return "a user with " + ", ".join(perms) if perms else "a user with a permission"
    if issubclass(view_class, mixins.UserPassesTestMixin):
        return "a user that passes test_func()"
    if issubclass(view_class, mixins.LoginRequiredMixin):
        return "a logged-in user"
    return "none found"


# -- DRF ----------------------------------------------------------------------------------

def _drf_class(callback):
    # A DRF view's module imported rest_framework.views with the URLconf; when nothing did,
    # no view is DRF's (and importing DRF here would cost a tenth of a second).
    views = sys.modules.get("rest_framework.views")
    cls = getattr(callback, "cls", None)
    return cls if views and cls is not None and issubclass(cls, views.APIView) else None


def _drf(callback, url: str) -> Endpoint | None:
    from rest_framework.request import Request
    from rest_framework.schemas.generators import BaseSchemaGenerator

    cls = _drf_class(callback)
    actions = getattr(callback, "actions", None)
    methods = [m for m in UPLOAD_METHODS if (m in actions if actions is not None
                                             else hasattr(cls, m))]
    if not methods:
        return None
    method = methods[0]
    view = BaseSchemaGenerator().create_view(callback, method.upper())
    request = _request(url, method)
    view.request = Request(request)
    view.request.user = request.user
    name = _name(cls) + (f".{actions[method]}" if actions else "")
    serializer = None
    if hasattr(view, "get_serializer"):
        try:
            serializer = view.get_serializer()
        except Exception:  # no serializer_class (an APIView-like GenericAPIView)
            serializer = None
    if serializer is None:
        found = _scan(getattr(cls, method))
        if found.serializer is not None:
            serializer = found.serializer(context={"request": view.request, "view": view})
        elif found.form is not None or found.files:
            endpoint = _source_endpoint(found, url, name, "drf")
            endpoint.drf, endpoint.method, endpoint.auth = True, method.upper(), \
                _drf_auth(view)
            return endpoint
        else:
            return None
    files, required, nested = _serializer_fields(serializer.fields)
    if not files and not nested:
        return None
    return Endpoint(url, name, "drf", method.upper(), files, required, _drf_auth(view),
                    fields=dict(serializer.fields), drf=True, nested=nested)


def _serializer_fields(fields, prefix="") -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(file fields, required first; other required fields; the first file field that
    only a nested serializer holds) of a DRF serializer's writable fields."""
    from rest_framework import fields as drf
    from rest_framework.serializers import BaseSerializer, ListSerializer

    files, required, nested = [], [], ""
    for name, f in fields.items():
        if f.read_only:
            continue
        child = f.child if isinstance(f, (drf.ListField, ListSerializer)) else f
        if isinstance(child, drf.FileField):
            files.append(name)
        elif isinstance(child, BaseSerializer):
            inner, _req, deeper = _serializer_fields(child.fields, f"{prefix}{name}.")
            nested = nested or (f"{prefix}{name}.{inner[0]}" if inner else deeper)
            if f.required:
                required.append(name)
        elif f.required:
            required.append(name)
    files.sort(key=lambda n: not fields[n].required)
    return tuple(files), tuple(required), nested


def _drf_auth(view) -> str:
    from rest_framework.permissions import AllowAny

    perms = [type(p) for p in view.get_permissions()]
    if not perms or all(issubclass(p, AllowAny) for p in perms):
        return "none (AllowAny)"
    auth = ", ".join(type(a).__name__ for a in view.get_authenticators())
    return f"{', '.join(p.__name__ for p in perms)} ({auth or 'no authentication class'})"


# -- any other view: its source ---------------------------------------------------------------

@dataclass
class Found:
    """What a view's source shows about the request it expects."""

    files: list[str] = field(default_factory=list)  # keys read from request.FILES
    posted: list[str] = field(default_factory=list)  # keys request.POST[...] insists on
    reads_files: bool = False  # request.FILES is read at all
    form: Any = None  # a Django form class it builds
    serializer: Any = None  # a DRF serializer class it builds
    auth: list[str] = field(default_factory=list)  # decorators that restrict access


AUTH_DECORATORS = {"login_required": "a logged-in user", "staff_member_required": "a staff user",
                   "permission_required": "a user with a permission",
                   "user_passes_test": "a user that passes a test",
                   "superuser_required": "a superuser"}


def _from_source(callback, url: str) -> Endpoint | None:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        handlers = [getattr(view_class, m) for m in UPLOAD_METHODS if hasattr(view_class, m)]
        found = Found()
        for handler in handlers:
            _merge(found, _scan(handler))
        name, auth = _name(view_class), _mixin_auth(view_class)
    else:
        found = _scan(callback)
        name = _name(inspect.unwrap(callback))
        auth = ", ".join(found.auth) or "none found"
    if not (found.reads_files or _has_file_field(found.form)):
        return None
    endpoint = _source_endpoint(found, url, name, "function")
    endpoint.auth = auth
    return endpoint


def _source_endpoint(found: Found, url: str, name: str, kind: str) -> Endpoint:
    fields: dict = dict(found.form.base_fields) if found.form is not None else {}
    files, required = _form_fields(fields) if fields else ((), ())
    files = tuple(dict.fromkeys([*files, *found.files]))
    required = tuple(dict.fromkeys([*required, *(p for p in found.posted if p not in files)]))
    return Endpoint(url, name, kind, file_fields=files, required=required, fields=fields)


def _has_file_field(form) -> bool:
    return form is not None and bool(_form_fields(form.base_fields)[0])


def _merge(into: Found, other: Found) -> None:
    into.files += other.files
    into.posted += other.posted
    into.reads_files |= other.reads_files
    into.form = into.form or other.form
    into.serializer = into.serializer or other.serializer
    into.auth += other.auth


def _scan(func) -> Found:
    """Read a view function's (or handler method's) source."""
    found = Found()
    func = inspect.unwrap(func)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):  # no source (C, generated)
        return found
    names = getattr(func, "__globals__", {})
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.auth += [AUTH_DECORATORS[d] for d in map(_decorator_name, node.decorator_list)
                           if d in AUTH_DECORATORS]
        elif isinstance(node, ast.Attribute) and node.attr == "FILES" and _is_request(node.value):
            found.reads_files = True
        elif isinstance(node, (ast.Subscript, ast.Call)):
            _key_read(node, found)
        if isinstance(node, ast.Call):
            _class_built(node, names, found)
    return found


def _decorator_name(node) -> str:
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _is_request(node) -> bool:
    """`request` or `self.request`."""
    return (isinstance(node, ast.Name) and node.id == "request") or (
        isinstance(node, ast.Attribute) and node.attr == "request")


def _key_read(node, found: Found) -> None:
    """request.FILES["x"], request.FILES.get("x"), request.POST["x"] and the like."""
    if isinstance(node, ast.Subscript):
        owner, key, strict = node.value, node.slice, True
    elif isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist") \
            and node.args:
        owner, key, strict = node.func.value, node.args[0], False
    else:
        return
    if not (isinstance(owner, ast.Attribute) and _is_request(owner.value)
            and isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return
    if owner.attr == "FILES":
        found.files.append(key.value)
    elif owner.attr in ("POST", "data") and strict:
        found.posted.append(key.value)


def _class_built(node: ast.Call, names: dict, found: Found) -> None:
    """A call of a Django form or DRF serializer class, resolved in the view's module."""
    from django import forms

    obj = _resolve(node.func, names)
    if not isinstance(obj, type):
        return
    if issubclass(obj, forms.BaseForm) and (found.form is None or _has_file_field(obj)):
        found.form = obj
        return
    serializers = sys.modules.get("rest_framework.serializers")  # imported by any serializer
    if serializers and issubclass(obj, serializers.BaseSerializer) and found.serializer is None:
        found.serializer = obj


def _resolve(node, names: dict):
    """The object a Name or dotted Attribute chain refers to in a module's globals."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, names)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None

