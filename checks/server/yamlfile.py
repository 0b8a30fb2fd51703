"""YAML deployment files (compose, Kubernetes, render.yaml, app.yaml, uWSGI), loaded with
PyYAML's safe loader (the [server] extra; LibYAML's parser when PyYAML has it), with two
additions:

- aliases are bounded: a document whose aliases, expanded, stand for more than
  ALIAS_NODES nodes beyond its own (a "billion laughs"), or refer to themselves, is
  refused before any Python object is built, so nothing that walks it can blow up;
- every mapping remembers the line of each key (`Located.lines`), so a finding can point
  at `command:` without searching the text again for each of thousands of services.
"""
from __future__ import annotations

from functools import lru_cache

ALIAS_NODES = 100_000


class Located(dict):
    """A YAML mapping that knows the (1-based) line of each of its scalar keys."""

    lines: dict

    def line(self, *keys: str) -> int:
        """The line of the first of `keys` present (0 when none is)."""
        return next((self.lines[k] for k in keys if k in self.lines), 0)


class AliasBomb(ValueError):
    """A document whose aliases expand past the limit, or into a cycle."""


def load(text: str, every: bool = False):
    """The document (every document, as a list, with `every`); raises PyYAML's errors and
    AliasBomb."""
    loader = _loader()(text)
    try:
        if not every:
            return loader.get_single_data()
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents
    finally:
        loader.dispose()


@lru_cache(maxsize=1)
def _loader():
    import yaml

    # LibYAML's parser when PyYAML was built with it (ten times faster), else PyYAML's.
    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        def construct_document(self, node):
            _check_aliases(node)
            return super().construct_document(node)

        def construct_located(self, node):
            data = Located()
            data.lines = {k.value: k.start_mark.line + 1 for k, _ in node.value
                          if isinstance(k, yaml.ScalarNode)}
            yield data
            data.update(self.construct_mapping(node))

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_located)
    return Loader


def _check_aliases(root) -> None:
    """Refuse a node graph whose expansion exceeds its own size by ALIAS_NODES, or that
    contains itself. Sizes are summed once per distinct node, so this is linear."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise AliasBomb("an alias refers to a node that contains it (a recursive YAML "
                            "document)")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack += [(child, False) for child in _children(node) if id(child) not in sizes]
    if sizes[id(root)] - len(sizes) > ALIAS_NODES:
        raise AliasBomb(f"its aliases expand to {sizes[id(root)]:,} nodes from {len(sizes):,} "
                        f"(more than {ALIAS_NODES:,} added: a 'billion laughs' document)")


def _children(node) -> list:
    value = node.value
    if isinstance(value, list):
        return [x for item in value for x in (item if isinstance(item, tuple) else (item,))]
    return []
