"""fileptr: file-pointer reuse and masked errors, found in the project's source with ast.

flow.py follows file positions through one function, project.py indexes the modules and
resolves calls between them, scan.py runs both across the project, masked.py holds the
masked-error rules and checks.py the Check classes.
"""
from .checks import FilePointerReuse, MaskedErrors
from .codes import CODES

__all__ = ["CODES", "FilePointerReuse", "MaskedErrors"]
