"""Where a file's read position is reused: a small interpreter over one function's ast.

It follows each value statement by statement and remembers what last moved its
position. A read from the current position after a value was consumed, or a hand-off to
a saver, without a rewind in between, is an event. Only values shown to be files count
(see `Flow.filelike`): a name that merely sounds like an upload is no evidence.
"""
from __future__ import annotations

import ast
import re

from .vocab import (
    CLOSERS, EXPECTED_FAILURE, Close, Closed, Effect, Event, FIELD_CONTAINERS, FRESH,
    FULL_READS, IMAGE_LOADS, PARTIAL_READS, Pos, SAVERS, SEEK_ERRORS, SENDERS, Summary,
    WRAPPERS, argument, call_name, is_file_annotation, is_pillow_open, is_sized, key_of,
    root_of, text_of,
)

ITEM = re.compile(r"^(.*)\[(['\"])(.+)\2\]$")  # validated_data['image'] -> base, field
# Position kinds that a later save stores from (not `header`: Image.open alone).
CONSUMED = ("read", "rewinding", "written", "partial")
CLOSED_USE = ("fileptr.E005", "fileptr.W004")  # a use after a close: certain, on some paths
# What every django.core.files.File has (hasattr() on a _save's content is true).
FILE_API = {"chunks", "seek", "read", "open", "tell", "name", "size", "file",
            "multiple_chunks"}


class Terminated(Exception):
    """Raised inside a block after return/raise/break/continue: the rest is dead."""


class Flow:
    """Interprets one function. `resolve(call) -> Summary | None` finds project callees;
    `file_field(name) -> bool | None` says whether the function's form or serializer
    field `name` holds files; `form_field(cls_node, name)` gives the class name of field
    `name` of the project form or serializer that `cls_node` names (or None). `hook`: a clean/validate method whose upload is saved
    after it returns; `save_mode`: a Storage._save, whose content stands wherever the
    caller left it."""

    def __init__(self, func, resolve, save_mode: bool = False, hook: bool = False,
                 file_field=lambda name: None, form_field=lambda cls, name: None):
        self.func = func
        self.resolve = resolve
        self.file_field = file_field
        self.form_field = form_field
        self.hook = hook
        self.env: dict[str, int] = {}  # key -> object id
        self.pos: dict[int, Pos] = {}  # object id -> what moved it
        self.closed: dict[int, Closed] = {}  # object id -> where it was closed
        self.reported: set[tuple[int, int]] = set()  # (object, close line) reported
        self.awaited = None  # the call of the last `await`
        self.filelike: set[int] = set()  # objects shown to be files
        self.outside: set[int] = set()  # parameters and their items: reading one is evidence
        self.buffers: set[int] = set()  # files made here (BytesIO, open...): not sockets
        self.images: dict[int, int] = {}  # Pillow image -> the file it was opened from
        self.forms: dict[int, str] = {}  # a form bound to request.FILES (or its unsaved
        # model, form.save(commit=False)) -> the FILES key
        self.pending: dict[int, dict[str, int]] = {}  # Model(image=f) -> {"image": f}
        self.attached: set[str] = set()  # x.image keys a file was assigned to here
        self.events: list[Event] = []
        self.first: dict[int, tuple] = {}  # object id -> first moving op (for summaries)
        self.exits: list[dict[int, Pos]] = []  # positions where the function returns
        self.exits_closed: list[dict[int, Closed]] = []  # what is closed there
        self.returns: list[tuple[str | None, str | None]] = []
        self._next = 0
        args = func.args
        self.param_ids = {}
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if a.arg in ("self", "cls"):
                continue
            obj = self._new(a.arg)
            self.param_ids[a.arg] = obj
            self.outside.add(obj)
            if is_file_annotation(a.annotation):
                self.filelike.add(obj)
        self.params = list(self.param_ids)
        self.content = None  # Storage._save's content
        if save_mode and len(self.params) >= 2:
            # Storage._save(name, content): the caller decides where content stands.
            content = self.content = self.param_ids[self.params[1]]
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
            for attr, value in self.pending.get(obj, {}).items():
                self.env[f"{key}.{attr}"] = value  # photo = Photo(image=f): photo.image
                self.attached.add(f"{key}.{attr}")

    def obj(self, node) -> int | None:
        """The tracked object an expression denotes, creating one for attributes and
        items of tracked values (request.FILES items are files by where they come from;
        validated_data/cleaned_data items when the project declares a file field)."""
        key = key_of(node)
        if key is None:
            return None
        if key in self.env:
            return self.env[key]
        if key.endswith(".file") and key[:-5] in self.env:
            return self.env[key[:-5]]  # UploadedFile.read() is its .file's read()
        root = root_of(key)
        if key == root or not (root in self.env or root == "self"):
            return None
        obj = self._new(key)
        item = ITEM.match(key)
        if item:
            container = item.group(1).rsplit(".", 1)[-1]
            if container == "FILES" or container in FIELD_CONTAINERS \
                    and self.file_field(item.group(3)):
                self.filelike.add(obj)
            if self.env.get(item.group(1)) in self.outside or container in FIELD_CONTAINERS:
                self.outside.add(obj)
        return obj

    def _alias(self, obj: int, default: str) -> str:
        """A plain name bound to the object (upload rather than validated_data['image'])."""
        return next((k for k, o in self.env.items() if o == obj and k.isidentifier()),
                    default)

    # -- operations -----------------------------------------------------------------

    def _note_first(self, obj, kind, line, how, leaf=None):
        """leaf: (line, how, module) of the operation a callee did, for summaries."""
        self.first.setdefault(obj, (kind, line, how, leaf))

    def _event(self, code, line, name, how, before: Pos, obj):
        earlier = None if code == "fileptr.E003" else before.line
        event = Event(code, line, name, how, earlier, before.how, obj)
        if not any((e.code, e.line, e.obj) == (code, line, obj) for e in self.events):
            self.events.append(event)

    def close(self, obj, line, how, certain=True, leaf=None):
        """leaf: (line, how, module) of the close a callee did, for summaries."""
        self.closed[obj] = Closed(line, how, certain, leaf)

    def used_closed(self, obj, line, how, name="") -> bool:
        """Whether the value is closed here: its use is then an event (once for each
        close), and no other finding is due for it."""
        closed = self.closed.get(obj)
        if closed is None:
            return False
        if (obj, closed.line) not in self.reported:
            self.reported.add((obj, closed.line))
            code = CLOSED_USE[0] if closed.certain else CLOSED_USE[1]
            self.events.append(Event(code, line, name or self._alias(obj, "the file"), how,
                                     closed.line, closed.how, obj))
        return True

    def read(self, obj, line, how, full=True, strict=False, name="", leaf=None):
        """A read from the current position. strict: a hand-off that needs the whole
        file, so an earlier partial read conflicts too."""
        if self.used_closed(obj, line, how, name):
            return
        self._note_first(obj, "read" if full else "partial", line, how, leaf)
        if obj in self.outside:
            self.filelike.add(obj)  # a parameter the code reads is a file
        before = self.pos.get(obj)
        if before and before.kind == "unknown":
            self._event("fileptr.E003", line, name, how, before, obj)
        elif before and (strict or before.kind != "partial"):
            self._event("fileptr.E001", line, name, how, before, obj)
        if full or before is None or before.kind == "unknown":
            self.pos[obj] = Pos("read" if full else "partial", line, how)

    def rewinding(self, obj, line, how, leaf=None, kind="rewinding"):
        """A reader that seeks to 0 first: chunks() (then at the end), or Pillow's
        Image.open (kind header: only the header is read until the image loads)."""
        self.filelike.add(obj)
        if self.used_closed(obj, line, how):
            return
        self._note_first(obj, kind, line, how, leaf)
        self.pos[obj] = Pos(kind, line, how)

    def wrote(self, obj, line, how):
        """Writing to a file made here leaves the position at the end of what was
        written (a socket's write and read are two directions: not tracked)."""
        if obj in self.buffers:
            self.pos[obj] = Pos("written", line, how)

    def rewind(self, obj, line, how):
        self.filelike.add(obj)
        if self.used_closed(obj, line, how):
            return
        self._note_first(obj, "rewind", line, how)
        self.pos.pop(obj, None)

    def save(self, obj, line, how, name="", leaf=None):
        """A hand-off to a saver. Saving is not consuming: storages read through
        chunks() or rewind first, so a second save is fine (E003 finds those that
        do not rewind)."""
        if self.used_closed(obj, line, how, name):
            return
        self._note_first(obj, "save", line, how, leaf)
        before = self.pos.get(obj)
        if before and before.kind == "unknown":
            self._event("fileptr.E003", line, name, how, before, obj)
        elif before and before.kind in CONSUMED:
            self._event("fileptr.E002", line, name, how, before, obj)
        self.pos.pop(obj, None)

    # -- statements -----------------------------------------------------------------

    def run(self) -> "Flow":
        try:
            self.block(self.func.body)
            if self.hook:  # falls off the end (a validator returning None)
                self._returned_for_saving(None, self.func.lineno)
            self._exit()
        except Terminated:
            pass
        self.events = [e for e in self.events if e.obj in self.filelike]
        return self

    def block(self, stmts):
        for stmt in stmts:
            self.stmt(stmt)

    def _exit(self):
        self.exits.append(dict(self.pos))
        self.exits_closed.append(dict(self.closed))

    def _state(self):
        return dict(self.env), dict(self.pos), dict(self.closed)

    def _branch(self, stmts):
        """Run a block on a copy of the state; None when it always terminates."""
        saved = self._state()
        try:
            self.block(stmts)
            result = self._state()
        except Terminated:
            result = None
        self.env, self.pos, self.closed = saved
        return result

    def _merge(self, outcomes):
        live = [o for o in outcomes if o is not None]
        if not live:
            raise Terminated
        env, pos = dict(live[0][0]), {}
        for other_env, _, _ in live[1:]:
            for k in list(env):
                if other_env.get(k) != env[k]:
                    del env[k]
        for _, p, _ in live:
            for obj, value in p.items():
                pos.setdefault(obj, value)  # moved on any path counts
        self.env, self.pos = env, pos
        self.closed = _closed_on_merge([c for _, _, c in live])

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
            if key.endswith(".file") and key[:-5] in self.env:
                # thumbnail.file = ContentFile(...): the wrapper now reads the new file
                wrapper = self.env[key[:-5]]
                moved = self.pos.get(obj) if obj is not None else None
                if moved:
                    self.pos[wrapper] = moved
                else:
                    self.pos.pop(wrapper, None)
            self._bind(key, obj)
            if isinstance(target, ast.Attribute) and obj in self.filelike:
                self.attached.add(key)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.assign(elt, None)

    def value(self, node) -> int | None:
        """Evaluate an assigned expression; the object it denotes, if tracked."""
        self.expr(node)
        if not isinstance(node, ast.Call):
            return self.obj(node)  # also request.FILES.get("f")
        name = call_name(node)
        if is_pillow_open(node):
            image = self._new(None)
            source = self.obj(node.args[0]) if node.args else None
            if source is not None:
                self.images[image] = source
            return image
        if name in WRAPPERS:
            # File(f), InMemoryUploadedFile(file=f, ...): shares f's position, or is a
            # file of its own when f is not followed
            inner = node.args[0] if node.args else next(
                (kw.value for kw in node.keywords if kw.arg == "file"), None)
            wrapped = self.obj(inner) if inner is not None else None
            if wrapped is None:
                return self._fresh(buffer=False)
            self.filelike.add(wrapped)
            return wrapped
        if name in FRESH:
            return self._fresh(buffer=True)
        summary = self.resolve(node)
        if summary and summary.returns == "fresh":
            obj = self._fresh(buffer=False)
            if summary.fresh_pos:
                self.pos[obj] = Pos(summary.fresh_pos, node.lineno,
                                    f"{text_of(node.func)}() returns it unrewound")
            return obj
        if summary and summary.returns:
            arg = argument(node, summary, summary.returns)
            return self.obj(arg) if arg is not None else None
        files = self._form_files(node)
        if files:
            obj = self._new(None)
            self.forms[obj] = files
            return obj
        kept = {kw.arg: self.obj(kw.value) for kw in node.keywords if kw.arg}
        kept = {k: v for k, v in kept.items() if v is not None and v in self.filelike}
        if kept and isinstance(node.func, (ast.Name, ast.Attribute)):
            obj = self._new(None)  # Photo(image=f): its save() stores f
            self.pending[obj] = kept
            return obj
        return self.obj(node)

    def _fresh(self, buffer: bool) -> int:
        obj = self._new(None)
        self.filelike.add(obj)
        if buffer:
            self.buffers.add(obj)
        return obj

    def _form_files(self, node: ast.Call) -> str | None:
        """The request.FILES a form/serializer call is bound to, or that an unsaved
        model from form.save(commit=False) still holds."""
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "save":
            form = self.obj(func.value)
            if form in self.forms and any(
                    kw.arg == "commit" and isinstance(kw.value, ast.Constant)
                    and kw.value.value is False for kw in node.keywords):
                return self.forms[form]
            return None
        for value in [*node.args, *(kw.value for kw in node.keywords)]:
            base = key_of(value)
            if base is not None and base.endswith(("FILES", "request.data")):
                return base[:-len("data")] + "FILES" if base.endswith(".data") else base
        return None

    def s_Return(self, node):
        if node.value is not None:
            self.expr(node.value)
            self.returns.append(self._return_kind(node.value))
            if self.hook:
                self._returned_for_saving(node.value, node.lineno)
        self._exit()
        raise Terminated

    def _returned_for_saving(self, value, line):
        """clean_<field>() and validate_<field>() hand the upload back to the form,
        serializer or model, which then stores it: a returned (or a parameter) upload left
        consumed is saved from where it stands."""
        how = (f"handed on by {self.func.name}(); Django forms, models and DRF "
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
            if obj in self.filelike and (obj in self.pos or obj in self.closed):
                self.save(obj, line, how, name=name)

    def _return_kind(self, node) -> tuple[str | None, str | None]:
        """("fresh", where it stands) for a new file, (parameter, None), or (None, None)."""
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in FRESH and not is_pillow_open(node):
                return "fresh", None
            summary = self.resolve(node)
            if summary and summary.returns == "fresh":
                return "fresh", summary.fresh_pos
            if name in WRAPPERS and node.args:
                node = node.args[0]
        key = key_of(node)
        obj = self.env.get(key) if key else None
        if obj is not None and obj in self.buffers:
            moved = self.pos.get(obj)
            return "fresh", moved.kind if moved else None
        if key in self.param_ids and obj == self.param_ids[key]:
            return key, None
        return None, None

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
        if self._has_file_attribute(node.test):
            self.block(node.body)  # hasattr(content, "chunks") in _save: always true
            return
        body, orelse = self._branch(node.body), self._branch(node.orelse)
        guarded = self._seek_guard(node.test)
        if guarded is not None and orelse is not None:
            # `if hasattr(f, "seek"): f.seek(0)`: where f cannot seek, its position is moot
            orelse[1].pop(guarded, None)
        self._merge([body, orelse])

    def _tests(self, test):
        """A test and, for `a and b`, each operand."""
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            return [test, *test.values]
        return [test]

    def _seek_guard(self, test) -> int | None:
        """The object a test like hasattr(f, "seek") (alone or in an `and`, as in
        `hasattr(f, "seek") and callable(f.seek)`) or f.seekable() is about."""
        for part in self._tests(test):
            if isinstance(part, ast.Call) and call_name(part) == "hasattr" \
                    and len(part.args) == 2 and isinstance(part.args[1], ast.Constant) \
                    and part.args[1].value in ("seek", "seekable"):
                return self.obj(part.args[0])
            if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) \
                    and part.func.attr == "seekable":
                return self.obj(part.func.value)
        return None

    def _has_file_attribute(self, test) -> bool:
        """hasattr(content, "chunks"|"seek"|"read"|...) on a Storage._save's content:
        Storage.save() wraps whatever it is given in a File, which has them all."""
        return self.content is not None and isinstance(test, ast.Call) \
            and call_name(test) == "hasattr" and len(test.args) == 2 \
            and self.obj(test.args[0]) == self.content \
            and isinstance(test.args[1], ast.Constant) and test.args[1].value in FILE_API

    def s_For(self, node):
        self.expr(node.iter)
        obj = self.obj(node.iter)
        if obj is not None and obj in self.filelike:
            self.read(obj, node.lineno, f"iterating over {text_of(node.iter)}",
                      name=text_of(node.iter))
        self._loop_target(node, obj)
        body = self._branch(node.body)
        self._next_pass(node.body, body, lambda: self._loop_target(node, obj))
        self._merge([body, self._state()])
        if node.orelse:
            self._merge([self._branch(node.orelse)])

    s_AsyncFor = s_For

    def _loop_target(self, node, iterated):
        if isinstance(node.target, ast.Name):
            # each item is a value of its own, an upload when it comes from request.FILES
            item = self._new(node.target.id)
            it = node.iter
            source = key_of(it.func if isinstance(it, ast.Call) else it) or ""
            if "FILES" in source:
                self.filelike.add(item)
            if iterated in self.outside or "FILES" in source:
                self.outside.add(item)
        else:
            self.assign(node.target, None)

    def s_While(self, node):
        self.expr(node.test)
        body = self._branch(node.body)
        self._next_pass(node.body, body)
        self._merge([body, self._state()])
        if node.orelse:
            self._merge([self._branch(node.orelse)])

    def _next_pass(self, stmts, outcome, rebind=lambda: None):
        """A loop body run again from where its first pass ended, for what only the next
        pass shows: a file the body closes and then uses again (upload_fileobj(f, ...) for
        each bucket). Only those events are kept; the pass changes nothing else."""
        if outcome is None:
            return
        closed = {obj: c for obj, c in outcome[2].items() if obj not in self.closed}
        if not closed:
            return
        saved, marks = self._state(), (len(self.events), len(self.exits), len(self.returns))
        self.env, self.pos, self.closed = map(dict, outcome)
        for obj, c in closed.items():  # reached only when the loop goes round again
            self.closed[obj] = Closed(c.line, f"{c.how}, in the loop's previous pass", False,
                                      c.leaf)
        rebind()
        try:
            self.block(stmts)
        except Terminated:
            pass
        events = [e for e in self.events[marks[0]:] if e.code in CLOSED_USE]
        del self.events[marks[0]:], self.exits[marks[1]:], self.exits_closed[marks[1]:], \
            self.returns[marks[2]:]
        self.events += events
        self.env, self.pos, self.closed = saved

    def s_With(self, node):
        expected = False
        closing = []  # what the block closes at its end
        for item in node.items:
            context = item.context_expr
            expected |= isinstance(context, ast.Call) and call_name(context) in EXPECTED_FAILURE
            obj = self.value(context)
            if isinstance(context, ast.Call) and call_name(context) == "closing" \
                    and context.args:  # contextlib.closing(f)
                closing.append((self.obj(context.args[0]), text_of(context)))
            elif obj is not None and obj not in self.images:  # with f: / with open() as f
                closing.append((obj, text_of(context)))
            if item.optional_vars is not None:
                self.assign(item.optional_vars, obj)
        before = len(self.events)
        self.block(node.body)
        if expected:  # with self.assertRaises(...): the misuse is the test
            del self.events[before:]
        end = node.end_lineno or node.lineno
        for obj, text in closing:
            if obj is not None:
                self.close(obj, end, f"the end of `with {text}` (line {node.lineno})")

    s_AsyncWith = s_With

    def s_Try(self, node):
        before = self._state()
        body = self._branch(node.body + node.orelse)
        outcomes = [body]
        seeked = self._seeked(node.body)
        for handler in node.handlers:
            self.env, self.pos, self.closed = map(dict, before)
            if handler.name:
                self._bind(handler.name, None)
            outcome = self._branch(handler.body)
            if outcome is not None and _catches_seek_error(handler):
                # try: f.seek(0) except (AttributeError, UnsupportedOperation): a file
                # that cannot seek has no position to get wrong
                for obj in seeked:
                    outcome[1].pop(obj, None)
            outcomes.append(outcome)
        self._merge(outcomes)
        self.block(node.finalbody)

    s_TryStar = s_Try

    def _seeked(self, body) -> set[int]:
        found = set()
        for stmt in body:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == "seek":
                    obj = self.obj(node.func.value)  # also x.file.seek(0): see obj()
                    if obj is not None:
                        found.add(obj)
        return found

    def s_Match(self, node):
        self.expr(node.subject)
        self._merge([self._branch(c.body) for c in node.cases] + [self._state()])

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
        elif kind is ast.Await:  # an asyncio SDK's upload_fileobj is not s3transfer's
            self.awaited = node.value
            self.expr(node.value)
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
                o, line, f"Image.open({n}) (Pillow seeks to 0, then reads the header)",
                kind="header"))
        elif name in ("copyfileobj", "file_digest") and node.args:
            self._each(node.args[:1], lambda o, n: self._evident_read(
                o, line, f"{name}({n}, ...)", n))
        elif name in SENDERS and isinstance(func, ast.Attribute):
            self._sent(node, line)
            if name in CLOSERS:
                self._closed_by(node, line)
        elif name == "exif_transpose" or isinstance(func, ast.Attribute) and \
                key_of(func.value) == "ImageOps":
            for arg in node.args[:1]:
                self._image_loaded(self.obj(arg), line, f"{text_of(func)}()")
        self._bound(node, line)
        if name in SAVERS and isinstance(func, ast.Attribute):
            self._saved(node, line)

    def _evident_read(self, obj, line, how, name):
        self.filelike.add(obj)
        self.read(obj, line, how, strict=True, name=name)

    def _each(self, args, action):
        for arg in args:
            obj = self.obj(arg)
            if obj is not None:
                action(obj, text_of(arg))

    def method(self, node, func, line):
        receiver = func.value
        if isinstance(receiver, ast.Call) and is_pillow_open(receiver) and \
                func.attr in IMAGE_LOADS and receiver.args:
            # Image.open(f).verify(): the whole file is read
            self._image_source_read(self.obj(receiver.args[0]), line,
                                    f"{text_of(node.func)}()")
            return
        obj = self.obj(receiver)  # x.file is x (see obj()): x.file.seek(0) rewinds x
        if obj is None:
            return
        if obj in self.images and func.attr in IMAGE_LOADS:
            self._image_loaded(obj, line, f"{text_of(node.func)}()")
            return
        name, attr = text_of(receiver), func.attr
        if attr in FULL_READS or attr in PARTIAL_READS:
            full = attr in FULL_READS and not is_sized(node)
            self.read(obj, line, f"{name}.{attr}()", full=full, name=name)
        elif attr in ("seek", "open"):
            if attr == "open":  # a Django File on a path reopens; an upload cannot
                self.closed.pop(obj, None)
            self.rewind(obj, line, f"{name}.{attr}()")
        elif attr == "tell":
            self.filelike.add(obj)
        elif attr == "chunks":
            self.rewinding(obj, line, f"{name}.chunks() (seeks to 0, reads to the end)")
        elif attr in ("write", "writelines") and obj in self.filelike:
            self.wrote(obj, line, f"{name}.{attr}()")
        elif attr == "close":
            self.pos.pop(obj, None)
            self.close(obj, line, f"{name}.close()")

    def _image_loaded(self, image, line, how):
        if image is not None and image in self.images:
            self._image_source_read(self.images[image], line, how)

    def _image_source_read(self, source, line, how):
        """Decoding an image reads its file to the end (Image.open rewound it first)."""
        if source is None:
            return
        self.filelike.add(source)
        self._note_first(source, "rewinding", line, how)
        self.pos[source] = Pos("rewinding", line, f"{how} (Pillow decodes the whole file)")

    def _bound(self, node, line):
        """Form(request.POST, request.FILES) or Serializer(data=request.data): validating
        reads each upload from its current position (ImageField reads data.read())."""
        for value in [*node.args, *(kw.value for kw in node.keywords)]:
            base = key_of(value)
            if base is None or not base.endswith(("FILES", "request.data")):
                continue
            files = base[:-len("data")] + "FILES" if base.endswith(".data") else base
            for key, obj in list(self.env.items()):
                item = ITEM.match(key)  # request.FILES[...], or DRF's request.data[...]
                if not (key.startswith((files + "[", base + "[")) and obj in self.filelike
                        and item):
                    continue
                field = self.form_field(node.func, item.group(3))
                if field and not field.endswith("ImageField"):
                    continue  # a FileField's validation does not read the file
                self.read(obj, line, f"{text_of(node.func)}(... {base} ...), whose "
                          "validation reads it from its current position",
                          name=self._alias(obj, key))
                self.pos.pop(obj, None)  # ImageField.to_python seeks back to 0

    def _sent(self, node, line):
        values = list(node.args) + [kw.value for kw in node.keywords]
        for kw in node.keywords:
            if kw.arg == "files":  # files={"f": f}, {"f": (name, f, type)}, [("f", f)]
                values += [n for n in ast.walk(kw.value) if key_of(n) is not None]
        for value in values:
            obj = self.obj(value)
            if obj is not None and (obj in self.filelike or obj in self.outside):
                # a parameter handed to a sender is read (and so is a file): a helper
                # that uploads its argument passes that on to its callers
                n = text_of(value)
                self.read(obj, line, f"{text_of(node.func)}(... {n} ...) sends it from its "
                          "current position", strict=True, name=n)

    def _closed_by(self, node, line):
        """upload_fileobj(f, ...) or upload_fileobj(Fileobj=f, ...) closes f (boto3's,
        not an awaited one: aioboto3 has its own transfer code)."""
        if node is self.awaited:
            return
        arg = node.args[0] if node.args else next(
            (kw.value for kw in node.keywords if kw.arg == "Fileobj"), None)
        obj = self.obj(arg) if arg is not None else None
        if obj is not None:
            self.close(obj, line, f"{text_of(node.func)}(...)")

    def _saved(self, node, line):
        """storage.save(name, f), field.save(name, f), X.objects.create(image=f),
        serializer.save(image=f), super().create(validated_data), form.save(),
        photo.save() after photo.image = f, Photo(image=f).save()."""
        func = node.func
        if func.attr == "update" and not _is_super(func.value):
            return
        values = []
        if func.attr == "save" and node.args:
            target = self.obj(node.args[0])  # Pillow's image.save(buffer, "WEBP")
            if target is not None and target in self.filelike:
                self.wrote(target, line, f"{text_of(func)}({text_of(node.args[0])}, ...)")
        if func.attr == "save" and len(node.args) >= 2:
            values.append(node.args[1])
        values += [kw.value for kw in node.keywords if kw.arg]
        containers = [kw.value for kw in node.keywords if kw.arg is None]
        if func.attr != "save":
            containers += list(node.args)
        how = f"{text_of(func)}(...)"
        storage = func.attr == "save" and "storage" in text_of(func.value).lower()
        for value in values:
            obj = self.obj(value)
            if obj is not None and (obj in self.filelike or storage and obj in self.outside):
                # storage.save(name, content) takes only files: a parameter saved there is one
                self.filelike.add(obj)
                self.save(obj, line, how, name=text_of(value))
        bases = [key_of(c) for c in containers]
        if func.attr == "save" and not node.args:
            bases += self._model_files(func.value)
        for base in filter(None, bases):
            for key, obj in list(self.env.items()):
                if (key == base or key.startswith(base + "[")) and obj in self.filelike:
                    self.save(obj, line, f"{how}, {key} among what it saves",
                              name=self._alias(obj, key))
        if isinstance(func.value, ast.Call) and func.attr == "save":
            for kw in func.value.keywords:  # Photo(image=f).save()
                obj = self.obj(kw.value)
                if kw.arg and obj is not None and obj in self.filelike:
                    self.save(obj, line, f"{text_of(func.value.func)}({kw.arg}=...).save()",
                              name=text_of(kw.value))

    def _model_files(self, receiver) -> list[str]:
        """What `x.save()` stores: files assigned to x's attributes here (x.image = f,
        x = Photo(image=f)), or the request.FILES its form (or the model from
        form.save(commit=False)) was bound to."""
        key = key_of(receiver)
        if key is None:
            return []
        found = [k for k in self.attached if k.startswith(key + ".")]
        obj = self.env.get(key)
        if obj in self.forms:
            found.append(self.forms[obj])
        return found

    def _callee(self, node, summary: Summary, line):
        for param, effect in summary.params.items():
            arg = argument(node, summary, param)
            if arg is None:
                continue
            obj = self.obj(arg)
            if obj is None:
                continue
            if effect.kind != "save":
                self.filelike.add(obj)  # the project's own code reads or seeks it
            n = text_of(arg)
            how = (f"{text_of(node.func)}({n}), which does {effect.how} at "
                   f"{effect.module.rel}:{effect.line}")
            if self.used_closed(obj, line, how, n):
                continue
            leaf = (effect.line, effect.how, effect.module)
            if effect.kind in ("read", "partial"):
                self.read(obj, line, how, full=effect.kind == "read", name=n, leaf=leaf)
            elif effect.kind == "save":
                self.save(obj, line, how, name=n, leaf=leaf)
            else:
                self._note_first(obj, effect.kind, line, how, leaf)
            if effect.end is None:
                self.pos.pop(obj, None)
            else:
                self.pos[obj] = Pos(effect.end, line, how)
        for param, close in summary.closes.items():
            arg = argument(node, summary, param)
            obj = self.obj(arg) if arg is not None else None
            if obj is not None:
                self.filelike.add(obj)
                self.close(obj, line, f"{text_of(node.func)}({text_of(arg)}), which closes "
                           f"it at {close.module.rel}:{close.line} ({close.how})",
                           close.certain, (close.line, close.how, close.module))

    # -- summary --------------------------------------------------------------------

    def summary(self, module) -> Summary:
        """What callers need to know; `module.rel` names the file (computed lazily)."""
        params = {}
        for name, obj in self.param_ids.items():
            first = self.first.get(obj)
            if not first:
                continue
            ends = [p[obj].kind for p in self.exits if obj in p]
            end = "read" if "read" in ends else (ends[0] if ends else None)
            line, how, where = first[3] or (first[1], first[2], module)
            params[name] = Effect(first[0], line, how, where, end)
        kinds = set(self.returns)
        returns, fresh_pos = kinds.pop() if len(kinds) == 1 else (None, None)
        return Summary(params, self.params, returns, fresh_pos, self._closes(module))

    def _closes(self, module) -> dict[str, Close]:
        """The file parameters closed where the function returns: certainly when closed
        (certainly) at every return."""
        closes = {}
        for name, obj in self.param_ids.items():
            found = [c.get(obj) for c in self.exits_closed]
            first = next((c for c in found if c is not None), None)
            if first is None or obj not in self.filelike:
                continue
            line, how, where = first.leaf or (first.line, first.how, module)
            closes[name] = Close(line, how, where,
                                 all(c is not None and c.certain for c in found))
        return closes


def _closed_on_merge(outcomes: list[dict[int, Closed]]) -> dict[int, Closed]:
    """Closed where the paths join: certainly when certainly closed on every path."""
    merged = {}
    for obj in set().union(*outcomes):
        found = [o.get(obj) for o in outcomes]
        first = next(c for c in found if c is not None)
        certain = all(c is not None and c.certain for c in found)
        merged[obj] = first if first.certain == certain else Closed(
            first.line, first.how, certain, first.leaf)
    return merged


def _is_super(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == "super"


def _catches_seek_error(handler) -> bool:
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")) in SEEK_ERRORS
               for n in names)
