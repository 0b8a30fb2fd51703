"""Who the end-to-end requests are made as.

By default a superuser, created inside the request's transaction (rolled back with it)
and logged in with the test client's `force_login`, or DRF's `force_authenticate` for DRF
views (which passes any authentication class: sessions, tokens, JWT). E2E["USER"] (or
--user) names the user instead: a username (found, else created as a plain user) or a dict
with "username", "is_staff", "is_superuser", "permissions" ("app_label.codename") and
"groups". E2E["HEADERS"] (or --header) adds headers to every request, e.g. Authorization
for a token the project issued; with headers and no USER, nobody is logged in: the
headers authenticate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .filling import Filler

DEFAULT_USERNAME = "upload-diagnostics"


class UserError(ValueError):
    """E2E["USER"] cannot be turned into a user."""


@dataclass
class Credentials:
    user: str | dict | None = None  # E2E["USER"] / --user
    headers: dict[str, str] = field(default_factory=dict)  # E2E["HEADERS"] / --header

    @property
    def default_user(self) -> bool:
        return self.user is None and not self.headers

    def describe(self) -> str:
        name = self.user.get("username") if isinstance(self.user, dict) else self.user
        who = ("a superuser made for the run" if self.default_user else
               "nobody logged in" if name is None else f"the user {name}")
        return who + (f", headers {', '.join(sorted(self.headers))}" if self.headers else "")


def make_user(credentials: Credentials):
    """(the user to log in as, created in the current transaction, or None; why the
    default superuser could not be made). A USER that cannot be made raises."""
    from django.apps import apps
    from django.db import transaction

    if credentials.user is not None:
        spec = credentials.user if isinstance(credentials.user, dict) else \
            {"username": credentials.user}
        return _user(spec), None
    if not credentials.default_user:
        return None, None
    if not apps.is_installed("django.contrib.auth"):
        return None, "django.contrib.auth is not installed"
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the transaction usable
            return _superuser(), None
    except Exception as exc:  # a custom user model's own rules
        return None, f"no superuser could be made: {type(exc).__name__}: {exc}"


def client_for(drf: bool):
    """A test client: DRF's APIClient for DRF views, else Django's."""
    if drf:
        from rest_framework.test import APIClient

        return APIClient()
    from django.test import Client

    return Client()


def log_in(client, user) -> str | None:
    """Log `user` in on `client`; returns why it failed (no session store), else None."""
    from django.db import transaction

    if hasattr(client, "force_authenticate"):  # DRF: passes every authentication class
        client.force_authenticate(user)
        return None
    try:
        with transaction.atomic():  # a savepoint: a failure leaves the transaction usable
            client.force_login(user)
    except Exception as exc:  # sessions not installed, or their table missing
        return f"logging in failed: {type(exc).__name__}: {exc}"
    return None


def _model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def _superuser():
    """A superuser, made through the user model's manager where it can."""
    model = _model()
    filler = Filler()
    values = {name: filler.value_for(model._meta.get_field(name))
              for name in (model.USERNAME_FIELD, *model.REQUIRED_FIELDS)}
    if model._meta.get_field(model.USERNAME_FIELD).get_internal_type() != "EmailField":
        values[model.USERNAME_FIELD] = DEFAULT_USERNAME
    create = getattr(model._default_manager, "create_superuser", None)
    if create is not None:
        return create(**values, password=None)
    user = filler.row(model)
    for flag in ("is_superuser", "is_staff", "is_active"):
        if hasattr(user, flag):
            setattr(user, flag, True)
    user.save()
    return user


def _user(spec: dict):
    from django.contrib.auth.models import Group, Permission

    model = _model()
    if not spec.get("username"):
        raise UserError('a USER dict needs "username"')
    user, _created = model._default_manager.get_or_create(
        **{model.USERNAME_FIELD: spec["username"]})
    for flag in ("is_staff", "is_superuser"):
        if flag in spec:
            setattr(user, flag, bool(spec[flag]))
    user.save()
    for name in spec.get("groups") or ():
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    for perm in spec.get("permissions") or ():
        app_label, _, codename = str(perm).partition(".")
        found = Permission.objects.filter(content_type__app_label=app_label,
                                          codename=codename).first()
        if found is None:
            raise UserError(f"the permission {perm!r} does not exist (app_label.codename)")
        user.user_permissions.add(found)
    return user
