"""Reading a submitted text file (Markdown, plain text, HTML): its encoding.

Notepad and Word's "Save as web page" still write UTF-16 or Latin-1; such a file gets either
decoded (HTML that declares its charset) or a hint that says how to save it as UTF-8, never
"binary data". (How deep its lists and quotes may nest is vimanual.base.nesting's.)
"""

from __future__ import annotations

import codecs
import re

UTF16_HINT = ("save it as UTF-8 (Notepad: File > Save As > Encoding 'UTF-8'; Word: Save As > "
              "Plain Text > Unicode (UTF-8))")
# Encodings an HTML page may declare and be decoded from (Word's "web page" uses windows-1252).
DECLARABLE = {"utf-8", "iso8859-1", "cp1252", "iso8859-15", "cp1250", "iso8859-2", "ascii"}
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def utf16_problem(raw: bytes) -> bool:
    """Whether ``raw`` looks like UTF-16 text (a BOM, or a NUL in every other byte)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = raw[:512]
    return len(sample) >= 8 and (sample[1::2].count(0) > len(sample) // 3 or
                                 sample[0::2].count(0) > len(sample) // 3)


def declared_charset(raw: bytes) -> str | None:
    """The Python codec name an HTML page declares in its first 4 KB (``<meta charset>``), if known."""
    match = _META_CHARSET_RE.search(raw[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii", "replace")).name
    except LookupError:
        return None
    return name if name in DECLARABLE else None
