"""The limits the project's own code sets, found with `ast`: the largest file size and the
largest dimensions its validators accept, where it reads a whole request body to decode a
base64 image and where it changes Pillow's MAX_IMAGE_PIXELS."""
from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass

SIZE, WIDTH, HEIGHT = "size", "width", "height"
# Keyword arguments of upload fields that cap the size (django-constrainedfilefield, ...).
SIZE_KEYWORDS = ("max_upload_size", "max_size", "max_file_size")
WORDS = re.compile(rb"\.size\b|\.width\b|\.height\b|max_upload_size|max_size|max_file_size|"
                   rb"b64decode|MAX_IMAGE_PIXELS")
ARITHMETIC = {ast.Mult: operator.mul, ast.Add: operator.add, ast.Sub: operator.sub,
              ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.FloorDiv: operator.floordiv}


@dataclass(frozen=True)
class SourceLimit:
    kind: str  # SIZE, WIDTH, HEIGHT, "base64 body", "MAX_IMAGE_PIXELS"
    value: int | None  # bytes, pixels; None: no limit (MAX_IMAGE_PIXELS = None)
    path: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def source_limits(ctx) -> list[SourceLimit]:
    """Every limit the project's code sets, in file and line order (parsed once a run)."""
    def find():
        found = []
        for path in ctx.python_files_matching(WORDS):
            tree = ctx.parsed(path)
            if tree is not None:
                found += Finder(ctx, tree, ctx.relpath(path)).limits()
        return found
    return ctx.cached("server.source_limits", find)


class Finder:
    def __init__(self, ctx, tree: ast.Module, rel: str):
        self.settings, self.tree, self.rel = ctx.settings, tree, rel
        self.constants: dict[str, int] = {}
        for node in tree.body:  # module constants: MAX_UPLOAD = 20 * 1024 * 1024
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                value = self.number(node.value)
                if value is not None:
                    self.constants[node.targets[0].id] = value

    def limits(self) -> list[SourceLimit]:
        found, decodes, bodies = [], False, []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Compare) and len(node.ops) == 1:
                found += self.compared(node)
            elif isinstance(node, ast.Call):
                found += [SourceLimit(SIZE, value, self.rel, node.lineno)
                          for k in node.keywords if k.arg in SIZE_KEYWORDS
                          for value in [self.number(k.value)] if value is not None]
                decodes |= called(node) == "b64decode"
            elif isinstance(node, ast.Attribute) and node.attr == "body" and \
                    called_on(node.value) == "request":
                bodies.append(node.lineno)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "MAX_IMAGE_PIXELS"
                    for t in node.targets):
                value = self.number(node.value)
                if value is not None or is_none(node.value):
                    found.append(SourceLimit("MAX_IMAGE_PIXELS", value, self.rel, node.lineno))
        if decodes and bodies:  # a whole body read to decode a base64 image
            found.append(SourceLimit("base64 body", None, self.rel, min(bodies)))
        return sorted(found, key=lambda x: x.line)

    def compared(self, node: ast.Compare) -> list[SourceLimit]:
        """`f.size > LIMIT` (or `LIMIT < f.size`): LIMIT is the largest accepted."""
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, (ast.Lt, ast.LtE)):
            left, right = right, left
        elif not isinstance(op, (ast.Gt, ast.GtE)):
            return []
        kind = left.attr if isinstance(left, ast.Attribute) and left.attr in (
            SIZE, WIDTH, HEIGHT) else None
        value = self.number(right) if kind else None
        return [SourceLimit(kind, value, self.rel, node.lineno)] if value else []

    def number(self, node) -> int | None:
        """An int the expression always has: literals, arithmetic, module constants,
        settings.NAME (from the settings in force)."""
        if isinstance(node, ast.Constant):
            return whole(node.value)
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "settings" and self.settings is not None:
            return whole(getattr(self.settings, node.attr, None))
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            a, b = self.number(node.left), self.number(node.right)
            if a is None or b is None or isinstance(node.op, ast.Pow) and b > 64:
                return None
            try:
                return int(ARITHMETIC[type(node.op)](a, b))
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
        return None


def whole(value) -> int | None:
    """`value` when it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def called_on(node) -> str:
    """The last name of `request` or `self.request`."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
