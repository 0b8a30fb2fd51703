"""Where a file's read position is reused: a small interpreter over one function's ast.

It follows each upload-like value (a parameter, a `request.FILES`/`validated_data`/
`cleaned_data` item, an attribute, a file a call returns) statement by statement and
remembers what last moved its position. A read from the current position after a value
was consumed, or a hand-off to a saver, without a rewind in between, is an event.
"""
from __future__ import annotations

import ast

from .vocab import (
    Event, FRESH, FULL_READS, PARTIAL_READS, Pos, SAVERS, SENDERS, Summary,
    UPLOAD_CONTAINERS, WRAPPERS, argument, call_name, is_cleaner, is_file_annotation,
    is_fileish, is_pillow_open, is_sized, key_of, root_of, text_of,
)


class Terminated(Exception):
    """Raised inside a block after return/raise/break/continue: the rest is dead."""


class Flow:
    """Interprets one function. `resolve(call) -> Summary | None` finds project callees."""

    def __init__(self, func, resolve, save_mode: bool = False):
        self.func = func
        self.resolve = resolve
        self.env: dict[str, int] = {}  # key -> object id
        self.pos: dict[int, Pos] = {}  # object id -> what moved it
        self.filelike: set[int] = set()
        self.buffers: set[int] = set()  # files made here (BytesIO, open...): not sockets
        self.events: list[Event] = []
        self.first: dict[int, tuple] = {}  # object id -> first moving op (for summaries)
        self.returns: list[str | None] = []
        self.cleaner = is_cleaner(func.name)
        self._next = 0
        args = func.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        self.params = [p for p in params if p not in ("self", "cls")]
        self.param_ids = {}
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if a.arg in ("self", "cls"):
                continue
            obj = self._new(a.arg)
            self.param_ids[a.arg] = obj
            if is_fileish(a.arg) or is_file_annotation(a.annotation):
                self.filelike.add(obj)
        if save_mode and len(self.params) >= 2:
            # Storage._save(name, content): the caller decides where content stands.
            content = self.param_ids[self.params[1]]
            self.filelike.add(content)
            self.pos[content] = Pos(
                "unknown", func.lineno, f"the position {self.params[1]} has when _save "
                "is called")

    # -- objects --------------------------------------------------------------------

    def _new(self, key: str | None) -> int:
        self._next += 1
        if key:
            self._bind(key, self._next)
        return self._next

    def _bind(self, key: str, obj: int | None) -> None:
        for other in [k for k in self.env if k.startswith((key + ".", key + "["))]:
            del self.env[other]
        if obj is None:
            self.env.pop(key, None)
        else:
            self.env[key] = obj

    def obj(self, node) -> int | None:
        """The tracked object an expression denotes, creating one for attributes and
        upload-container items (they are upload-like by where they come from)."""
        key = key_of(node)
        if key is None:
            return None
        if key in self.env:
            return self.env[key]
        if key.endswith(".file") and key[:-5] in self.env:
            return self.env[key[:-5]]  # UploadedFile.read() is its .file's read()
        root = root_of(key)
        if key != root and (root in self.env or root == "self"):
            obj = self._new(key)
            if is_fileish(key) or "[" in key and any(c in key for c in UPLOAD_CONTAINERS):
                self.filelike.add(obj)
            return obj
        return None

    def _alias(self, obj: int, default: str) -> str:
        """A plain name bound to the object (upload rather than validated_data['image'])."""
        return next((k for k, o in self.env.items() if o == obj and k.isidentifier()),
                    default)

    # -- operations -----------------------------------------------------------------

    def _note_first(self, obj, kind, line, how, leaf=None):
        """leaf: (line, how, module) of the operation a callee did, for summaries."""
        self.first.setdefault(obj, (kind, line, how, leaf))

    def read(self, obj, line, how, full=True, strict=False, name="", leaf=None):
        """A read from the current position. strict: a hand-off that needs the whole
        file, so an earlier partial read conflicts too."""
        self._note_first(obj, "read" if full else "partial", line, how, leaf)
        if self.cleaner and obj in self.param_ids.values():
            self.filelike.add(obj)  # what a field's clean/validate reads is its upload
        before = self.pos.get(obj)
        if before and before.kind == "unknown":
            self.events.append(Event("fileptr.E003", line, name, how, None, before.how, obj))
        elif before and (strict or before.kind != "partial"):
            self.events.append(Event("fileptr.E001", line, name, how, before.line, before.how,
                                     obj))
        if full or before is None or before.kind == "unknown":
            self.pos[obj] = Pos("read" if full else "partial", line, how)

    def rewinding(self, obj, line, how, leaf=None):
        self.filelike.add(obj)
        self._note_first(obj, "rewinding", line, how, leaf)
        self.pos[obj] = Pos("rewinding", line, how)

    def wrote(self, obj, line, how):
        """Writing to a file made here leaves the position at the end of what was
        written (a socket's write and read are two directions: not tracked)."""
        if obj in self.buffers:
            self.pos[obj] = Pos("written", line, how)

    def rewind(self, obj, line, how):
        self._note_first(obj, "rewind", line, how)
        self.pos.pop(obj, None)

    def save(self, obj, line, how, name="", leaf=None):
        self._note_first(obj, "save", line, how, leaf)
        before = self.pos.get(obj)
        if before and before.kind == "unknown":
            self.events.append(Event("fileptr.E003", line, name, how, None, before.how, obj))
        elif before:
            self.events.append(Event("fileptr.E002", line, name, how, before.line, before.how,
                                     obj))
        self.pos[obj] = Pos("saved", line, how)

    # -- statements -----------------------------------------------------------------

    def run(self) -> "Flow":
        try:
            self.block(self.func.body)
            if self.cleaner:  # falls off the end (a validator returning None)
                self._returned_for_saving(None, self.func.lineno)
        except Terminated:
            pass
        # Only values shown to be files count: a stream whose read() returns the next
        # chunk (a socket reader) is read again and again by design.
        self.events = [e for e in self.events if e.obj in self.filelike]
        return self

    def block(self, stmts):
        for stmt in stmts:
            self.stmt(stmt)

    def _branch(self, stmts):
        """Run a block on a copy of the state; None when it always terminates."""
        saved = dict(self.env), dict(self.pos)
        try:
            self.block(stmts)
            result = dict(self.env), dict(self.pos)
        except Terminated:
            result = None
        self.env, self.pos = saved
        return result

    def _merge(self, outcomes):
        live = [o for o in outcomes if o is not None]
        if not live:
            raise Terminated
        env, pos = dict(live[0][0]), {}
        for other_env, _ in live[1:]:
            for k in list(env):
                if other_env.get(k) != env[k]:
                    del env[k]
        for _, p in live:
            for obj, value in p.items():
                pos.setdefault(obj, value)  # moved on any path counts
        self.env, self.pos = env, pos

    def stmt(self, node):
        method = getattr(self, "s_" + type(node).__name__, None)
        if method:
            method(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def s_Expr(self, node):
        self.expr(node.value)

    def s_Assign(self, node):
        obj = self.value(node.value)
        for target in node.targets:
            self.assign(target, obj)

    def s_AnnAssign(self, node):
        if node.value is not None:
            self.assign(node.target, self.value(node.value))

    def s_AugAssign(self, node):
        self.expr(node.value)

    def assign(self, target, obj):
        key = key_of(target)
        if key is not None:
            if isinstance(target, ast.Subscript):
                self.expr(target.value)
            self._bind(key, obj)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.assign(elt, None)

    def value(self, node) -> int | None:
        """Evaluate an assigned expression; the object it denotes, if tracked."""
        self.expr(node)
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in WRAPPERS and node.args:
                return self.obj(node.args[0])
            if name in FRESH and not is_pillow_open(node):
                obj = self._new(None)
                self.filelike.add(obj)
                self.buffers.add(obj)
                return obj
            summary = self.resolve(node)
            if summary and summary.returns == "fresh":
                obj = self._new(None)
                self.filelike.add(obj)
                return obj
            if summary and summary.returns:
                arg = argument(node, summary, summary.returns)
                return self.obj(arg) if arg is not None else None
        return self.obj(node)  # also request.FILES.get("f")

    def s_Return(self, node):
        if node.value is not None:
            self.expr(node.value)
            self.returns.append(self._return_kind(node.value))
            if self.cleaner:
                self._returned_for_saving(node.value, node.lineno)
        raise Terminated

    def _returned_for_saving(self, value, line):
        """clean_<field>() and validate_<field>() hand the upload back to the form,
        serializer or model, which then stores it: a returned (or a parameter) upload left
        consumed is saved from where it stands."""
        how = (f"left consumed by {self.func.name}(); Django forms, models and DRF "
               "serializers save the upload after their clean/validate methods")
        objs = {}
        if value is not None:
            obj = self.obj(value)
            if obj is not None:
                objs[obj] = text_of(value)
            base = key_of(value)
            for key, member in list(self.env.items()) if base else ():
                if key.startswith(base + "["):
                    objs.setdefault(member, self._alias(member, key))
        for name, obj in self.param_ids.items():
            if self.env.get(name) == obj:
                objs.setdefault(obj, name)
        for obj, name in objs.items():
            if obj in self.filelike and obj in self.pos:
                self.save(obj, line, how, name=name)

    def _return_kind(self, node) -> str | None:
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in FRESH:
                return "fresh"
            summary = self.resolve(node)
            if summary and summary.returns == "fresh":
                return "fresh"
            if name in WRAPPERS and node.args:
                node = node.args[0]
        key = key_of(node)
        if key in self.param_ids and self.env.get(key) == self.param_ids[key]:
            return key
        return None

    def s_Raise(self, node):
        for child in (node.exc, node.cause):
            if child is not None:
                self.expr(child)
        raise Terminated

    def s_Continue(self, node):
        raise Terminated

    s_Break = s_Continue

    def s_Delete(self, node):
        for target in node.targets:
            key = key_of(target)
            if key:
                self._bind(key, None)

    def s_If(self, node):
        self.expr(node.test)
        body, orelse = self._branch(node.body), self._branch(node.orelse)
        guarded = self._seek_guard(node.test)
        if guarded is not None and orelse is not None:
            # `if hasattr(f, "seek"): f.seek(0)`: where f cannot seek, its position is moot
            orelse[1].pop(guarded, None)
        self._merge([body, orelse])

    def _seek_guard(self, test) -> int | None:
        """The object a test like hasattr(f, "seek") or f.seekable() is about."""
        if isinstance(test, ast.Call) and call_name(test) == "hasattr" \
                and len(test.args) == 2 and isinstance(test.args[1], ast.Constant) \
                and test.args[1].value in ("seek", "seekable"):
            return self.obj(test.args[0])
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) \
                and test.func.attr == "seekable":
            return self.obj(test.func.value)
        return None

    def s_For(self, node):
        self.expr(node.iter)
        obj = self.obj(node.iter)
        if obj is not None and obj in self.filelike:
            self.read(obj, node.lineno, f"iterating over {text_of(node.iter)}",
                      name=text_of(node.iter))
        if isinstance(node.target, ast.Name):
            # each item is a value of its own, an upload when it comes from request.FILES
            item = self._new(node.target.id)
            it = node.iter
            source = key_of(it.func if isinstance(it, ast.Call) else it) or ""
            if is_fileish(node.target.id) or "FILES" in source or "getlist" in source:
                self.filelike.add(item)
        else:
            self.assign(node.target, None)
        self._merge([self._branch(node.body), (dict(self.env), dict(self.pos))])
        if node.orelse:
            self._merge([self._branch(node.orelse)])

    s_AsyncFor = s_For

    def s_While(self, node):
        self.expr(node.test)
        self._merge([self._branch(node.body), (dict(self.env), dict(self.pos))])
        if node.orelse:
            self._merge([self._branch(node.orelse)])

    def s_With(self, node):
        for item in node.items:
            obj = self.value(item.context_expr)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, obj)
        self.block(node.body)

    s_AsyncWith = s_With

    def s_Try(self, node):
        before = dict(self.env), dict(self.pos)
        body = self._branch(node.body + node.orelse)
        outcomes = [body]
        for handler in node.handlers:
            self.env, self.pos = dict(before[0]), dict(before[1])
            if handler.name:
                self._bind(handler.name, None)
            outcomes.append(self._branch(handler.body))
        self._merge(outcomes)
        self.block(node.finalbody)

    s_TryStar = s_Try

    def s_Match(self, node):
        self.expr(node.subject)
        self._merge([self._branch(c.body) for c in node.cases]
                    + [(dict(self.env), dict(self.pos))])

    # -- expressions ----------------------------------------------------------------

    def expr(self, node):
        kind = type(node)
        if kind is ast.Name or kind is ast.Constant:
            return  # the common leaves, without a generic walk
        if kind is ast.Attribute:
            self.expr(node.value)
        elif kind is ast.Call:
            self.call(node)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # Only the outermost iterable is evaluated here; the rest has its own scope.
            outer = node.generators[0].iter
            self.expr(outer)
            obj = self.obj(outer)
            if obj is not None and obj in self.filelike:
                self.read(obj, outer.lineno, f"iterating over {text_of(outer)}",
                          name=text_of(outer))
        elif isinstance(node, ast.Lambda):
            return  # runs later
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)

    def call(self, node: ast.Call):
        func = node.func
        self.expr(func.value if isinstance(func, ast.Attribute) else func)
        for arg in node.args:
            self.expr(arg.value if isinstance(arg, ast.Starred) else arg)
        for kw in node.keywords:
            self.expr(kw.value)
        line = node.lineno
        if isinstance(func, ast.Attribute):
            self.method(node, func, line)
        summary = self.resolve(node)
        if summary:  # a project function: what it does, not what its name suggests
            self._callee(node, summary, line)
            return
        name = call_name(node)
        if is_pillow_open(node) and node.args:
            self._each(node.args[:1], lambda o, n: self.rewinding(
                o, line, f"Image.open({n}) (Pillow seeks to 0, then reads)"))
        elif name in ("copyfileobj", "file_digest") and node.args:
            self._each(node.args[:1], lambda o, n: self.read(
                o, line, f"{name}({n}, ...)", strict=True, name=n))
        elif name in SENDERS and isinstance(func, ast.Attribute):
            self._sent(node, line)
        self._bound(node, line)
        if name in SAVERS and isinstance(func, ast.Attribute):
            self._saved(node, line)

    def _each(self, args, action):
        for arg in args:
            obj = self.obj(arg)
            if obj is not None:
                action(obj, text_of(arg))

    def method(self, node, func, line):
        obj = self.obj(func.value)
        if obj is None:
            # x.file.seek(0) rewinds x too
            if func.attr == "seek" and isinstance(func.value, ast.Attribute):
                inner = self.obj(func.value.value)
                if inner is not None:
                    self.rewind(inner, line, f"{text_of(func.value)}.seek()")
            return
        name, attr = text_of(func.value), func.attr
        if attr in FULL_READS or attr in PARTIAL_READS:
            full = attr in FULL_READS and not is_sized(node)
            self.read(obj, line, f"{name}.{attr}()", full=full, name=name)
        elif attr in ("seek", "open"):
            self.rewind(obj, line, f"{name}.{attr}()")
            self.filelike.add(obj)
        elif attr == "tell":
            self.filelike.add(obj)
        elif attr == "chunks":
            self.rewinding(obj, line, f"{name}.chunks() (seeks to 0, reads to the end)")
        elif attr in ("write", "writelines") and obj in self.filelike:
            self.wrote(obj, line, f"{name}.{attr}()")
        elif attr == "close":
            self.pos.pop(obj, None)

    def _bound(self, node, line):
        """Form(request.POST, request.FILES) or Serializer(data=request.data): validating
        reads each upload from its current position (ImageField reads data.read())."""
        for value in [*node.args, *(kw.value for kw in node.keywords)]:
            base = key_of(value)
            if base is None or not base.endswith(("FILES", "request.data")):
                continue
            files = base[:-len("data")] + "FILES" if base.endswith(".data") else base
            for key, obj in list(self.env.items()):
                if key.startswith(files + "[") and obj in self.filelike:
                    self.read(obj, line, f"{text_of(node.func)}(... {base} ...), whose "
                              "validation reads it from its current position",
                              name=self._alias(obj, key))

    def _sent(self, node, line):
        values = list(node.args) + [kw.value for kw in node.keywords]
        for kw in node.keywords:
            if kw.arg == "files" and isinstance(kw.value, ast.Dict):
                values += [v for v in kw.value.values if v is not None]
        for value in values:
            obj = self.obj(value)
            if obj is not None and obj in self.filelike:
                n = text_of(value)
                self.read(obj, line, f"{text_of(node.func)}(... {n} ...) sends it from its "
                          "current position", strict=True, name=n)

    def _saved(self, node, line):
        """storage.save(name, f), field.save(name, f), X.objects.create(image=f),
        serializer.save(image=f), super().create(validated_data)."""
        values = []
        if node.func.attr == "save" and node.args:
            target = self.obj(node.args[0])  # Pillow's image.save(buffer, "WEBP")
            if target is not None and target in self.filelike:
                self.wrote(target, line, f"{text_of(node.func)}({text_of(node.args[0])}, ...)")
        if node.func.attr == "save" and len(node.args) >= 2:
            values.append(node.args[1])
        values += [kw.value for kw in node.keywords if kw.arg]
        containers = [kw.value for kw in node.keywords if kw.arg is None]
        if node.func.attr != "save":
            containers += list(node.args)
        how = f"{text_of(node.func)}(...)"
        for value in values:
            obj = self.obj(value)
            if obj is not None and obj in self.filelike:
                self.save(obj, line, how, name=text_of(value))
        for container in containers:
            base = key_of(container)
            if not base:
                continue
            for key, obj in list(self.env.items()):
                if key.startswith(base + "[") and obj in self.filelike:
                    self.save(obj, line, f"{how}, {key} among what it saves",
                              name=self._alias(obj, key))

    def _callee(self, node, summary: Summary, line):
        for param, (kind, cline, chow, cmodule) in summary.params.items():
            arg = argument(node, summary, param)
            if arg is None:
                continue
            obj = self.obj(arg)
            if obj is None:
                continue
            n = text_of(arg)
            how = f"{text_of(node.func)}({n}), which does {chow} at {cmodule.rel}:{cline}"
            leaf = (cline, chow, cmodule)
            if kind in ("read", "partial"):
                self.read(obj, line, how, full=kind == "read", name=n, leaf=leaf)
            elif kind == "save":
                self.save(obj, line, how, name=n, leaf=leaf)
            elif kind == "rewinding":
                self.rewinding(obj, line, how, leaf)

    # -- summary --------------------------------------------------------------------

    def summary(self, module) -> Summary:
        """What callers need to know; `module.rel` names the file (computed lazily)."""
        params = {}
        for name, obj in self.param_ids.items():
            first = self.first.get(obj)
            if not first or first[0] == "rewind" and obj not in self.pos:
                continue
            kind = "rewinding" if first[0] == "rewind" else first[0]
            line, how, where = first[3] or (first[1], first[2], module)
            params[name] = (kind, line, how, where)
        kinds = set(self.returns)
        returns = kinds.pop() if len(kinds) == 1 else None
        return Summary(params, self.params, returns)
