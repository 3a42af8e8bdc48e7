"""How our changes to WeasyPrint's own functions are put in place and taken back.

The layout workers change a few of WeasyPrint's functions (pdf/sheets.py, pdf/hbsubset.py,
pdf/leaders.py, pdf/markers.py, pdf/emptymargins.py, pdf/pagestyles.py, pdf/glyphruns.py,
pdf/fontfiles.py): each is put in place once a process, keeps the real one as ``unpatched``, and
is taken back when the build asks for WeasyPrint as it is (an edition released before the
change, rebuilt byte for byte; pdf/emptymargins.py, pdf/pagestyles.py, pdf/glyphruns.py and
pdf/fontfiles.py change no byte and stay).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def replace_in_weasyprint(module: Any, name: str, enabled: bool, make: Callable[[Any], Any]) -> None:
    """Put ``make(real)`` in place of WeasyPrint's ``module.name`` once (``make`` may give None:
    WeasyPrint is then left as it is), or the real one back if not ``enabled``."""
    current = getattr(module, name)
    real = getattr(current, "unpatched", current)
    if not enabled:
        setattr(module, name, real)
        return
    if current is not real:
        return
    replacement = make(real)
    if replacement is not None:
        replacement.unpatched = real
        setattr(module, name, replacement)


def source_digest(function: Any) -> str | None:
    """The SHA-256 of ``function``'s source, or None if it cannot be read: a change that copies
    what a WeasyPrint function does is put in place only over the source it was written from."""
    import hashlib
    import inspect

    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError):
        return None
