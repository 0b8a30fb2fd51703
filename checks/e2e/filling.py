"""Values for the required fields of a form or serializer, so that a discovered endpoint
can be requested without configuration.

Each value is checked with the field's own validation (`Field.clean()` for Django forms,
`run_validation()` for DRF) before it is used, and a foreign key gets a row: an existing
one, the logged-in user, or a minimal row created for the purpose (inside the request's
transaction, which is rolled back). A field no candidate satisfies raises `Unfillable`,
naming the field; the caller reports the endpoint as not exercised.
"""
from __future__ import annotations

import datetime as dt
import decimal
import uuid

TEXT = "Upload diagnostics"
EMAIL = "upload-diagnostics@example.com"
URL = "https://example.com/upload-diagnostics"
MAX_DEPTH = 3  # foreign keys followed to create a minimal row


class Unfillable(Exception):
    """A required field that no generated value satisfies."""

    def __init__(self, name: str, why: str):
        super().__init__(f"the required field '{name}' cannot be filled: {why}")
        self.name, self.why = name, why


class Filler:
    """Fills fields for one request; rows it creates are reused within that request."""

    def __init__(self, user=None):
        self.user = user
        self.rows: dict = {}  # model -> a row created or found for it

    def data(self, fields: dict, skip) -> dict:
        """Form data (as posted) for the required fields of a Django form or the required
        writable fields of a DRF serializer, except the names in `skip`."""
        from django import forms

        data = {}
        for name, f in fields.items():
            if name in skip or not f.required or getattr(f, "read_only", False):
                continue
            if not isinstance(f, forms.Field):  # a DRF field
                data[name] = self._first_valid(name, f.run_validation,
                                               lambda: self._drf_candidates(name, f))
                continue
            value = self._first_valid(name, f.clean, lambda: self._form_candidates(f))
            widget_names = getattr(f.widget, "widgets_names", None)
            if widget_names and isinstance(value, list):  # SplitDateTimeField and kin
                data.update({name + suffix: v for suffix, v in zip(widget_names, value)})
            else:
                data[name] = value
        return data

    def _form_candidates(self, f) -> list:
        from django import forms

        if isinstance(f, forms.ModelMultipleChoiceField):
            return [[self.related(f.queryset)]]
        if isinstance(f, forms.ModelChoiceField):
            return [self.related(f.queryset)]
        if isinstance(f, forms.MultipleChoiceField):
            return [[v] for v in _choices(f.choices)[:3]]
        if isinstance(f, forms.ChoiceField):
            return _choices(f.choices)[:3]
        if isinstance(f, forms.SplitDateTimeField):
            now = dt.datetime.now()
            return [[now.date().isoformat(), now.time().strftime("%H:%M:%S")]]
        return _scalars(f, forms)

    def _drf_candidates(self, name: str, f) -> list:
        from rest_framework import fields as drf
        from rest_framework import relations
        from rest_framework.serializers import BaseSerializer

        if isinstance(f, BaseSerializer):
            raise Unfillable(name, "it is a nested serializer, which form data cannot carry")
        if isinstance(f, relations.ManyRelatedField):
            return [[v] for v in self._drf_candidates(name, f.child_relation)]
        if isinstance(f, relations.HyperlinkedRelatedField):
            raise Unfillable(name, "it takes the URL of a related object")
        if isinstance(f, relations.SlugRelatedField):
            return [getattr(self.related(f.get_queryset()), f.slug_field)]
        if isinstance(f, relations.RelatedField):
            return [self.related(f.get_queryset())]
        if isinstance(f, drf.MultipleChoiceField):
            return [[v] for v in list(f.choices)[:3]]
        if isinstance(f, drf.ChoiceField):
            return [v for v in f.choices if v != ""][:3]
        if isinstance(f, drf.ListField):
            return [[v] for v in self._drf_candidates(name, f.child)]
        if isinstance(f, drf.DictField):
            raise Unfillable(name, "it takes a mapping, which form data cannot carry")
        if isinstance(f, drf.BooleanField):
            return ["true"]
        return _scalars(f, drf)

    def _first_valid(self, name: str, validate, candidates):
        """The first of `candidates()` that `validate` accepts."""
        from django.core.exceptions import ValidationError as DjangoError

        try:
            from rest_framework.exceptions import ValidationError as DrfError
        except ImportError:
            DrfError = DjangoError
        problem = "no value of its type is known"
        try:
            values = candidates()
        except Unfillable as exc:  # a related row that cannot be made
            why = exc.why if exc.name == name else f"{exc.name}: {exc.why}"
            raise Unfillable(name, why) from None
        for value in values:
            try:
                validate(value)
                return value
            except (DjangoError, DrfError) as exc:
                problem = f"{value!r} is refused: {_messages(exc)}"
        raise Unfillable(name, problem)

    def related(self, queryset):
        """The primary key of a row the queryset accepts."""
        model = queryset.model
        if self.user is not None and isinstance(self.user, model) \
                and queryset.filter(pk=self.user.pk).exists():
            return self.user.pk
        row = queryset.first()
        if row is None:
            row = self.row(model)
            if not queryset.filter(pk=row.pk).exists():
                raise Unfillable(model._meta.label,
                                 "no row of it matches the field's choices")
        return row.pk

    def row(self, model, depth: int = 0):
        """A row of `model`: the user, one made earlier in this request, or a new minimal
        one (in a savepoint, so that a refusal leaves the transaction usable)."""
        from django.db import transaction

        if self.user is not None and isinstance(self.user, model):
            return self.user
        if model in self.rows:
            return self.rows[model]
        if depth > MAX_DEPTH:
            raise Unfillable(model._meta.label, "its foreign keys go too deep")
        values = {f.name: self.value_for(f, depth) for f in model._meta.concrete_fields
                  if _needs_value(f)}
        try:
            with transaction.atomic(using=model._default_manager.db):
                self.rows[model] = model._default_manager.create(**values)
        except Exception as exc:  # constraints, save() overrides: the project's rules
            raise Unfillable(model._meta.label, f"a minimal row could not be created "
                                                f"({type(exc).__name__}: {exc})") from None
        return self.rows[model]

    def value_for(self, f, depth: int = 0):
        """A value for the model field `f` that its database column accepts."""
        if f.is_relation:
            return self.row(f.related_model, depth + 1)
        if f.choices:
            return f.flatchoices[0][0]
        kind = f.get_internal_type()
        if kind in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
            text = {"EmailField": f"{uuid.uuid4().hex[:8]}@example.com",
                    "URLField": f"{URL}/{uuid.uuid4().hex[:8]}"}.get(
                        kind, f"upload-diagnostics-{uuid.uuid4().hex[:8]}")
            return text[:f.max_length] if f.max_length else text
        values = {"BooleanField": False, "DecimalField": decimal.Decimal(1), "FloatField": 1.0,
                  "DateField": dt.date.today(), "TimeField": dt.time(12),
                  "DurationField": dt.timedelta(minutes=1), "UUIDField": uuid.uuid4(),
                  "JSONField": {}, "BinaryField": b"", "GenericIPAddressField": "127.0.0.1",
                  "FileField": "upload-diagnostics/placeholder.jpg",
                  "ImageField": "upload-diagnostics/placeholder.jpg"}
        if kind == "DateTimeField":
            from django.utils import timezone
            return timezone.now()
        if kind.endswith("IntegerField"):
            return 1
        if kind in values:
            return values[kind]
        raise Unfillable(f"{f.model._meta.label}.{f.name}", f"no value for a {kind} is known")


def _needs_value(f) -> bool:
    """Whether a model column must be given a value to create a row."""
    from django.db.models.fields import AutoFieldMixin

    if isinstance(f, AutoFieldMixin) or (f.primary_key and f.auto_created) or f.null \
            or f.has_default() or getattr(f, "auto_now", False) \
            or getattr(f, "auto_now_add", False):
        return False
    return f.is_relation or f.unique or f.get_default() in (None, "")


def _choices(choices) -> list:
    """The non-empty values of a Django choices list (optgroups flattened)."""
    flat = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            flat += [v for v, _l in label]
        else:
            flat.append(value)
    return [getattr(v, "value", v) for v in flat if v not in ("", None)]


def _scalars(f, module) -> list:
    """Candidates for a field holding one plain value, by the field's class in `module`
    (django.forms or rest_framework.fields, which name their classes alike)."""
    now = dt.datetime.now()
    by_class = [
        ("EmailField", [EMAIL]), ("URLField", [URL]),
        ("SlugField", [f"upload-diagnostics-{uuid.uuid4().hex[:8]}"]),
        ("UUIDField", [str(uuid.uuid4())]),
        ("GenericIPAddressField", ["127.0.0.1"]), ("IPAddressField", ["127.0.0.1"]),
        ("JSONField", ["{}"]), ("DateTimeField", [now.strftime("%Y-%m-%d %H:%M:%S")]),
        ("DateField", [now.date().isoformat()]), ("TimeField", ["12:00:00"]),
        ("DurationField", ["00:01:00"]), ("BooleanField", ["on"]),
        ("DecimalField", _numbers(f)), ("FloatField", _numbers(f)),
        ("IntegerField", _numbers(f)),
    ]
    for name, candidates in by_class:
        cls = getattr(module, name, None)
        if cls is not None and isinstance(f, cls):
            return candidates
    longest = getattr(f, "max_length", None) or len(TEXT)
    shortest = getattr(f, "min_length", None) or 0
    text = TEXT.ljust(shortest, "x")[:longest]
    return [text, "upload-diagnostics", "1", now.date().isoformat()]


def _numbers(f) -> list:
    low = getattr(f, "min_value", None)
    high = getattr(f, "max_value", None)
    candidates = [1, 0] + ([low] if low is not None else []) + ([high] if high is not None else [])
    return [str(c) for c in candidates]


def _messages(exc) -> str:
    messages = getattr(exc, "messages", None) or getattr(exc, "detail", None) or [str(exc)]
    return "; ".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
