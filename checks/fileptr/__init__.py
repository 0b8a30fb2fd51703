"""fileptr: file-pointer reuse and masked errors, found in the project's source with ast.

flow.py follows file positions through one function (vocab.py says which calls read,
rewind, send or save), project.py indexes the modules without keeping their trees and
resolves calls between them, masked.py holds the masked-error rules, scan.py runs them
across the project once (common.py), and reuse.py and errors.py are the two checks.
"""
from .common import scan_tree
from .errors import MaskedErrors
from .reuse import FilePointerReuse

__all__ = ["FilePointerReuse", "MaskedErrors", "scan_tree"]
