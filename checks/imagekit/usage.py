"""How the project's source uses imagekitio, read with ast (nothing is imported).

For each file that imports imagekitio: the imports, the names they bind, constructor
calls, the expressions that hold a client (`self.client`, `ik`), calls made on a client,
the names that hold upload results, what is read from them, and `except` clauses. A
client built at module level is followed into the files that import it
(`from .ik import client`), which need not import imagekitio themselves.
"""
from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

UPLOAD_METHODS = ("upload_file", "upload", "files.upload")


@dataclass
class Import:
    module: str  # "imagekitio.exceptions"
    name: str | None  # "UnauthorizedException" for `from module import name`, else None
    bound: str  # local name
    line: int


@dataclass
class Use:
    kind: str  # "constructor", "method", "read", "subscript", "except"
    line: int
    text: str  # the source expression
    chain: tuple[str, ...] = ()  # method path on the client, or attribute path on a result
    keywords: tuple[str, ...] = ()
    method: tuple[str, ...] = ()  # for reads: the method whose result is read
    name: str = ""  # for except: the caught name
    arguments: tuple[tuple[str, str], ...] = ()  # constructor: (keyword or position, text)


@dataclass
class FileUsage:
    path: Path
    imports: list[Import] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    bound: dict[str, Import] = field(default_factory=dict)  # local name -> its import
    exports: set[str] = field(default_factory=set)  # module-level names holding a client


def scan(path: Path, tree: ast.AST, imported_clients=frozenset()) -> FileUsage:
    """`imported_clients`: names this file imports from another project module that
    builds a client there."""
    usage = FileUsage(path)
    bound: dict[str, Import] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "imagekitio":
                    item = Import(alias.name, None, alias.asname or alias.name.split(".")[0],
                                  node.lineno)
                    usage.imports.append(item)
                    bound[item.bound] = item
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and \
                (node.module or "").split(".")[0] == "imagekitio":
            for alias in node.names:
                item = Import(node.module, alias.name, alias.asname or alias.name, node.lineno)
                usage.imports.append(item)
                bound[item.bound] = item
    if not usage.imports and not imported_clients:
        return usage
    constructors = {name for name, item in bound.items() if item.name == "ImageKit"}
    clients: set[str] = set(imported_clients)
    results: dict[str, tuple[str, ...]] = {}  # name -> method chain that produced it
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            func = ast.unparse(node.value.func)
            if func in constructors or func == "imagekitio.ImageKit":
                clients.update(ast.unparse(t) for t in targets)
    usage.exports = {t.id for node in tree.body if isinstance(node, ast.Assign)
                     for t in node.targets if isinstance(t, ast.Name) and t.id in clients}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            keywords = tuple(k.arg for k in node.keywords if k.arg)
            if func in constructors or func == "imagekitio.ImageKit":
                arguments = tuple((str(i), ast.unparse(a)) for i, a in enumerate(node.args)) \
                    + tuple((k.arg, ast.unparse(k.value)) for k in node.keywords if k.arg)
                usage.uses.append(Use("constructor", node.lineno, func, (), keywords,
                                      arguments=arguments))
                continue
            chain = _client_chain(func, clients)
            if chain:
                usage.uses.append(Use("method", node.lineno, func, chain, keywords))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            chain = _client_chain(ast.unparse(node.value.func), clients)
            if chain:
                for target in node.targets:
                    results[ast.unparse(target)] = chain
        elif isinstance(node, ast.ExceptHandler) and node.type is not None:
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for item in caught:
                usage.uses.append(Use("except", item.lineno, ast.unparse(item),
                                      name=ast.unparse(item)))
    usage.uses.extend(_reads(tree, results))
    usage.uses.sort(key=lambda u: (u.line, u.kind))
    usage.bound = bound
    return usage


def _client_chain(func: str, clients: set[str]) -> tuple[str, ...]:
    for client in sorted(clients, key=len, reverse=True):
        if func.startswith(client + "."):
            return tuple(func[len(client) + 1:].split("."))
    return ()


def _reads(tree: ast.AST, results: dict[str, tuple[str, ...]]) -> list[Use]:
    """Field reads rooted at a result name: `result.file_path`, `result["response"]`.
    Method calls (`.lstrip()`) and computed subscripts end a chain."""
    uses, inner = [], set()
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Attribute, ast.Subscript)) or id(node) in inner:
            continue
        nodes, base = [], node
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            inner.add(id(base.value))
            nodes.append(base)
            base = base.value
        if ast.unparse(base) not in results:
            continue
        nodes.reverse()  # innermost first
        kept = []
        for step in nodes:
            if isinstance(step, ast.Subscript) and not isinstance(step.slice, ast.Constant) \
                    or id(step) in called:
                break
            kept.append(step)
        if not kept:
            continue
        chain = tuple(s.attr if isinstance(s, ast.Attribute) else repr(s.slice.value)
                      for s in kept)
        kind = "subscript" if isinstance(kept[0], ast.Subscript) else "read"
        uses.append(Use(kind, node.lineno, ast.unparse(kept[-1]), chain,
                        method=results[ast.unparse(base)]))
    return uses


def project_usage(ctx) -> list[FileUsage]:
    """Every project file that uses imagekitio: importing it, or importing a client that
    another project module builds."""
    from .config import sdk_imports

    def build():
        usages = [scan(p, t) for p, t in sdk_imports(ctx)]
        exported = {_module(ctx, u.path): u.exports for u in usages if u.exports}
        if not exported:
            return usages
        names = sorted(set().union(*exported.values()))
        pattern = re.compile(rb"\b(?:%s)\b" % b"|".join(re.escape(n.encode()) for n in names))
        known = {u.path for u in usages}
        for path in ctx.python_files_matching(pattern):
            tree = ctx.parsed(path) if path not in known else None
            bound = _imported_clients(_module(ctx, path), tree, exported) if tree else set()
            if bound:
                usages.append(scan(path, tree, bound))
        return usages
    return ctx.cached("imagekit.usage", build)


def _module(ctx, path: Path) -> str:
    parts = list(Path(ctx.relpath(path)).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_clients(module: str, tree: ast.AST, exported: dict[str, set[str]]) -> set[str]:
    """Local names bound by `from <module exporting a client> import <client>`."""
    package = module.rpartition(".")[0]
    bound = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        try:
            source = importlib.util.resolve_name("." * node.level + (node.module or ""),
                                                 package) if node.level else node.module
        except ImportError:  # a relative import above the project root
            continue
        for name, clients in exported.items():
            if _same_module(name, source or ""):
                bound |= {a.asname or a.name for a in node.names if a.name in clients}
    return bound


def _same_module(a: str, b: str) -> bool:
    """Dotted names of one module seen from two roots (src.site.media.ik, media.ik)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)
