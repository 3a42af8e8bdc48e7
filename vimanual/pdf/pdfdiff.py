"""Where two PDFs that should be identical differ: pages, embedded fonts, objects.

Used when a rebuilt edition does not match its manifest: "the checksum differs" tells an
agency nothing; "page 3's content differs" or "font DejaVuSans: embedded program differs"
tells it where to look. pikepdf is imported inside the function (only verify needs it).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stream_bytes(obj: Any) -> bytes:
    import pikepdf

    if isinstance(obj, pikepdf.Array):
        return b"".join(_stream_bytes(item) for item in obj)
    if isinstance(obj, pikepdf.Stream):
        return bytes(obj.read_bytes())
    return b""


def _fonts(document: Any) -> dict[str, list[tuple[str, int]]]:
    """{font name: [(sha256, size) of each embedded program]} (subset tags removed)."""
    import pikepdf

    fonts: dict[str, list[tuple[str, int]]] = {}
    for obj in document.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
            name = _SUBSET_TAG.sub("", str(obj.get("/FontName", "")).lstrip("/"))
            for key in _FONT_FILES:
                if key in obj:
                    program = bytes(obj[key].read_bytes())
                    fonts.setdefault(name, []).append((_sha(program), len(program)))
    return {name: sorted(programs) for name, programs in fonts.items()}


def _page_parts(page: Any) -> dict[str, str]:
    """{what: sha256} of a page's content and of the form XObjects it draws (margins, images)."""
    import pikepdf

    parts = {"content": _sha(_stream_bytes(page.obj.get("/Contents")))}
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if isinstance(xobjects, pikepdf.Dictionary):
        for name in sorted(xobjects.keys()):
            parts[f"XObject {name}"] = _sha(_stream_bytes(xobjects[name]))
    return parts


def _objects(document: Any) -> list[bytes]:
    import pikepdf

    out = []
    for obj in document.objects:
        if isinstance(obj, pikepdf.Stream):
            out.append(obj.read_raw_bytes() + obj.stream_dict.unparse())
        else:
            try:
                out.append(obj.unparse())
            except (TypeError, ValueError):  # e.g. a null or a bare number
                out.append(repr(obj).encode())
    return out


def describe_differences(expected: Path, actual: Path, limit: int = 12) -> list[str]:
    """What differs between ``expected`` and ``actual``, most telling first, at most ``limit``
    lines: page count, embedded fonts, pages (content and drawn objects), file metadata,
    and, when none of those does, the first differing objects."""
    import pikepdf

    found: list[str] = []
    with pikepdf.open(expected) as old, pikepdf.open(actual) as new:
        if len(old.pages) != len(new.pages):
            found.append(f"page count: {len(old.pages)} in the edition, {len(new.pages)} rebuilt")
        old_fonts, new_fonts = _fonts(old), _fonts(new)
        for name in sorted(set(old_fonts) | set(new_fonts)):
            before, after = old_fonts.get(name), new_fonts.get(name)
            if before is None:
                found.append(f"font {name}: embedded in the rebuild only")
            elif after is None:
                found.append(f"font {name}: embedded in the edition only")
            elif before != after:
                sizes = (f"{sum(s for _, s in before):,} bytes in the edition, "
                         f"{sum(s for _, s in after):,} rebuilt")
                found.append(f"font {name}: embedded program differs ({sizes})")
        for number, (page_old, page_new) in enumerate(zip(old.pages, new.pages, strict=False), start=1):
            parts_old, parts_new = _page_parts(page_old), _page_parts(page_new)
            changed = [what for what in sorted(set(parts_old) | set(parts_new))
                       if parts_old.get(what) != parts_new.get(what)]
            if changed:
                found.append(f"page {number}: {', '.join(changed)} differ(s)")
        if old.docinfo.unparse() != new.docinfo.unparse():
            found.append("document information (title, dates, producer) differs")
        if old.trailer.get("/ID") != new.trailer.get("/ID"):
            found.append("file identifier (/ID) differs")
        if not found:
            old_objects, new_objects = _objects(old), _objects(new)
            if len(old_objects) != len(new_objects):
                found.append(f"object count: {len(old_objects)} in the edition, {len(new_objects)} rebuilt")
            for number, (a, b) in enumerate(zip(old_objects, new_objects, strict=False), start=1):
                if a != b:
                    found.append(f"object {number}: differs")
    if not found:
        found.append("same objects, different file layout (object order, compression or cross-reference)")
    return found[:limit] + ([f"… and {len(found) - limit} more"] if len(found) > limit else [])
