"""One embedded font per face in a book stitched from chapter PDFs.

Each chapter PDF that WeasyPrint writes embeds its own subset of every face it
uses, so a book stitched from 60 chapters would carry 60 copies of each face.
WeasyPrint subsets with retained glyph ids: content streams draw with the glyph
ids of the original font, and a subset only blanks the glyphs it does not use.
The union of the subsets of one face is therefore a font every chapter can draw
with unchanged, and the merge never touches a content stream: it only points the
pages' font resources at one new font dictionary per face.

pikepdf and fontTools are imported inside functions: importing this module must
stay cheap for commands that never build a PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vimanual.pdf.fontunion import UNION_VERSION, FontFiles, SubsetMismatch, fonttools_version, union_subsets

if TYPE_CHECKING:
    import pikepdf

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# The CMap around the mappings, as WeasyPrint writes it.
_CMAP_HEAD = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
    b"<< /Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
    b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    b"1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
)
_CMAP_TAIL = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"

Number = int | Decimal


@dataclass(frozen=True)
class FontMergeReport:
    """What ``merge_fonts`` did, for the build log.

    ``faces`` counts the faces with an embedded TrueType program (by name without
    subset tag), ``faces_merged`` those whose several subsets became one program.
    Programs and bytes count the distinct embedded font programs of every kind that
    the pages use, and their stored (compressed) size. ``notes`` says which faces
    were left alone and why, and what else a reader of the log should know.
    """

    faces: int
    faces_merged: int
    programs_before: int
    programs_after: int
    bytes_before: int
    bytes_after: int
    notes: tuple[str, ...] = ()


class _CannotMerge(Exception):
    """A face whose subsets cannot be merged safely; the message says why."""


@dataclass
class _Font:
    """A Type0 font dictionary drawing with an embedded TrueType program."""

    font: pikepdf.Dictionary
    cid_font: pikepdf.Dictionary
    descriptor: pikepdf.Dictionary
    program: pikepdf.Stream
    name: str  # BaseFont without the subset tag


def merge_fonts(pdf: pikepdf.Pdf, cache: Path | None = None, sizes: bool = True,
                font_files: Sequence[Path] = ()) -> FontMergeReport:
    """Make the pages of ``pdf`` draw each face from one font program and font dictionary.

    For a book stitched from WeasyPrint chapter PDFs. The program of a face becomes
    the union of the chapters' subsets, its widths and ToUnicode map the union of
    theirs; every font resource of the pages (and of the form XObjects, patterns,
    soft masks and annotation appearances they use) then points at it. Content
    streams are not touched. A face whose programs cannot merge (another font
    under the same name, a glyph that differs, a program that is not TrueType or
    that fontTools cannot read) is left as it was, with a note in the report;
    byte-identical programs are shared in any case. Only the PDF is read: the same
    input gives the same output bytes. ``cache`` (a folder) keeps each union made, by
    the digests of its subsets: a rebuild whose chapters draw the same glyphs reuses it.
    ``sizes``: count the programs and their bytes before and after for the report (the
    stitcher, which does not report them, saves reading every program twice).
    ``font_files``: the files the stylesheets' fonts come from; a face subset from one of
    them has its union subset from that file (fontunion.FontFiles), not merged.
    """
    resources = _font_resources(pdf)
    programs_before, bytes_before = _program_sizes(resources) if sizes else (0, 0)
    faces: dict[str, list[_Font]] = {}
    for font in _truetype_fonts(resources):
        faces.setdefault(font.name, []).append(font)
    replacements: dict[tuple[int, int], pikepdf.Dictionary] = {}
    notes: list[str] = []
    merged = 0
    files = FontFiles(font_files) if font_files else None
    for name, fonts in faces.items():
        if len(fonts) < 2:
            continue
        face_notes: list[str] = []
        try:
            replacements.update(_merge_face(pdf, fonts, face_notes, cache, files))
        except _CannotMerge as exc:
            notes.append(f"{name}: left alone, {exc}")
            continue
        notes += face_notes
        merged += 1
    for font_dict in resources:
        for key in sorted(font_dict.keys()):
            value = font_dict[key]
            if value.is_indirect and value.objgen in replacements:
                font_dict[key] = replacements[value.objgen]
    # The same /Font dictionaries hold the merged fonts (a merged font has no resources of its own).
    _share_identical_programs(resources)
    programs_after, bytes_after = _program_sizes(resources) if sizes else (0, 0)
    return FontMergeReport(
        faces=len(faces), faces_merged=merged,
        programs_before=programs_before, programs_after=programs_after,
        bytes_before=bytes_before, bytes_after=bytes_after, notes=tuple(notes),
    )


# --- finding the fonts ---------------------------------------------------------------


def _font_resources(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The /Font resource dictionaries the pages draw with, each once, in page order.

    Besides the pages: their form XObjects, tiling patterns and soft masks (nested
    to any depth), Type3 glyph procedures, annotation appearances, and the
    AcroForm's default resources, which form fields name their font in.
    """
    import pikepdf

    owners: list[Any] = []  # objects that may carry /Resources, in visiting order
    for page in pdf.pages:
        node: Any = page.obj
        while "/Resources" not in node and isinstance(node.get("/Parent"), pikepdf.Dictionary):
            node = node.Parent  # inherited from the page tree
        owners.append(node)
        for annotation in page.obj.get("/Annots", []):
            appearances: Any = annotation.get("/AP") if isinstance(annotation, pikepdf.Dictionary) else None
            for kind in sorted(appearances.keys()) if isinstance(appearances, pikepdf.Dictionary) else []:
                appearance = appearances[kind]
                if isinstance(appearance, pikepdf.Stream):
                    owners.append(appearance)
                elif isinstance(appearance, pikepdf.Dictionary):  # one stream per state
                    owners.extend(appearance[state] for state in sorted(appearance.keys()))
    acroform = pdf.Root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and "/DR" in acroform:
        owners.append(pikepdf.Dictionary(Resources=acroform.DR))

    found: list[pikepdf.Dictionary] = []
    seen: set[tuple[int, int]] = set()
    # A part's pages share one /Font dictionary (the real corpus's 1,801 resources hold 94): each
    # is listed once, so what reads or retargets the fonts does so once (0.05 s of an edit's stitch).
    seen_fonts: set[tuple[int, int]] = set()
    index = 0
    while index < len(owners):
        owner = owners[index]
        index += 1
        if owner.is_indirect:
            if owner.objgen in seen:
                continue
            seen.add(owner.objgen)
        resources = owner.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary) and not (fonts.is_indirect and fonts.objgen in seen_fonts):
            if fonts.is_indirect:
                seen_fonts.add(fonts.objgen)
            found.append(fonts)
            owners.extend(_values(fonts))  # Type3 fonts have resources of their own
        for kind in ("/XObject", "/Pattern"):
            owners.extend(value for value in _values(resources.get(kind))
                          if isinstance(value, pikepdf.Stream))
        for state in _values(resources.get("/ExtGState")):
            mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
            if isinstance(mask, pikepdf.Dictionary) and isinstance(mask.get("/G"), pikepdf.Stream):
                owners.append(mask.G)
    return found


def _values(dictionary: Any) -> list[Any]:
    """Values of a PDF dictionary in key order; none if it is not one."""
    import pikepdf

    if not isinstance(dictionary, pikepdf.Dictionary):
        return []
    return [dictionary[key] for key in sorted(dictionary.keys())]


def _descriptors(resources: list[pikepdf.Dictionary]) -> list[pikepdf.Dictionary]:
    """Font descriptors (always indirect) of the fonts used, except Type3 (bitmap) fonts, in order."""
    import pikepdf

    found: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for fonts in resources:
        for font in _values(fonts):
            if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") == "/Type3":
                continue
            parts = [font, *(font.get("/DescendantFonts") or [])]
            for part in parts:
                descriptor = part.get("/FontDescriptor") if isinstance(part, pikepdf.Dictionary) else None
                if isinstance(descriptor, pikepdf.Dictionary) and descriptor.is_indirect:
                    found.setdefault(descriptor.objgen, descriptor)
    return list(found.values())


def _program(descriptor: pikepdf.Dictionary) -> tuple[str, pikepdf.Stream] | None:
    import pikepdf

    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        stream = descriptor.get(key)
        if isinstance(stream, pikepdf.Stream):
            return key, stream
    return None


def _program_sizes(resources: list[pikepdf.Dictionary]) -> tuple[int, int]:
    """How many distinct font programs the pages use, and their stored size."""
    sizes: dict[tuple[int, int], int] = {}
    for descriptor in _descriptors(resources):
        found = _program(descriptor)
        if found is not None:
            sizes[found[1].objgen] = len(found[1].read_raw_bytes())
    return len(sizes), sum(sizes.values())


def _truetype_fonts(resources: list[pikepdf.Dictionary]) -> list[_Font]:
    """The Type0 fonts with a TrueType (CIDFontType2) program, each once, in order."""
    import pikepdf

    found: dict[tuple[int, int], _Font] = {}
    for fonts in resources:
        for font in _values(fonts):
            if (not isinstance(font, pikepdf.Dictionary) or not font.is_indirect
                    or font.objgen in found or font.get("/Subtype") != "/Type0"):
                continue
            descendants = font.get("/DescendantFonts")
            if not isinstance(descendants, pikepdf.Array) or len(descendants) != 1:
                continue
            cid_font = descendants[0]
            if not isinstance(cid_font, pikepdf.Dictionary) or cid_font.get("/Subtype") != "/CIDFontType2":
                continue
            descriptor = cid_font.get("/FontDescriptor")
            if not isinstance(descriptor, pikepdf.Dictionary):
                continue
            program = descriptor.get("/FontFile2")
            if not isinstance(program, pikepdf.Stream):
                continue
            name = _SUBSET_TAG.sub("", str(font.get("/BaseFont", ""))[1:])
            found[font.objgen] = _Font(font, cid_font, descriptor, program, name)
    return list(found.values())


def _share_identical_programs(resources: list[pikepdf.Dictionary]) -> None:
    """Point descriptors whose programs have the same bytes at one of them."""
    first: dict[tuple[str, str, bytes], pikepdf.Stream] = {}
    for descriptor in _descriptors(resources):
        found = _program(descriptor)
        if found is None:
            continue
        key, stream = found
        digest = hashlib.sha256(stream.read_bytes()).digest()
        shared = first.setdefault((key, str(stream.get("/Subtype", "")), digest), stream)
        if shared.objgen != stream.objgen:
            descriptor[key] = shared


# --- merging one face ----------------------------------------------------------------


def _merge_face(
    pdf: pikepdf.Pdf, fonts: list[_Font], notes: list[str], cache: Path | None = None,
    files: FontFiles | None = None,
) -> dict[tuple[int, int], pikepdf.Dictionary]:
    """Give the font dictionaries of one face one program; merge the dictionaries that agree.

    Returns the replacement of each merged dictionary, by object id. Dictionaries
    merge when their widths agree glyph for glyph. Those that cannot merge keep a
    dictionary of their own (drawing with the merged program too): one with widths
    that disagree (WeasyPrint writes exact widths for a font used in a form field,
    rounded ones otherwise), or with an encoding of its own (which WeasyPrint writes
    when a character is missing from every font).
    """
    import pikepdf

    name = fonts[0].name
    if any(font.cid_font.get("/CIDToGIDMap", pikepdf.Name.Identity) != "/Identity" for font in fonts):
        raise _CannotMerge("a font maps its glyph ids (/CIDToGIDMap)")
    groups: list[tuple[list[_Font], dict[int, Number]]] = []  # mergeable fonts, their widths
    own: list[_Font] = []
    drawn: dict[int, int] = {}  # each font's highest glyph id drawn, by id(font)
    for font in fonts:
        widths = cid_widths(font.cid_font)
        drawn[id(font)] = max(widths, default=-1)
        if font.font.get("/Encoding") != "/Identity-H":
            own.append(font)
            continue
        for members, known in groups:
            if (members[0].cid_font.get("/DW", 1000) == font.cid_font.get("/DW", 1000)
                    and all(known.get(cid, width) == width for cid, width in widths.items())):
                members.append(font)
                known.update(widths)
                break
        else:
            groups.append(([font], widths))
    if len(groups) > 1:
        notes.append(f"{name}: {len(groups)} font dictionaries, as their glyph widths disagree")
    to_unicode = [_merged_to_unicode(members) for members, _ in groups]
    if any(conflicts for _, conflicts in to_unicode):
        notes.append(f"{name}: {sum(conflicts for _, conflicts in to_unicode)} glyph(s) map to different"
                     " text in different chapters; the first chapter's text is kept")
    programs: dict[bytes, int] = {}  # distinct programs, in order: the highest glyph id drawn
    for font in fonts:
        data = font.program.read_bytes()
        programs[data] = max(programs.get(data, -1), drawn[id(font)])
    try:
        program = _union(list(programs.items()), cache, files)
    except SubsetMismatch as exc:
        raise _CannotMerge(str(exc)) from None

    # Nothing in the PDF has changed up to here: a face that cannot merge is left as it was.
    tag = "".join(chr(ord("A") + byte % 26) for byte in hashlib.sha256(program).digest()[:6])
    base_font = pikepdf.Name(f"/{tag}+{name}")
    stream = _flate_stream(pdf, program, Length1=len(program))
    replacements: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for (members, widths), (mapping, _) in zip(groups, to_unicode, strict=True):
        first = members[0]
        descriptor = pdf.make_indirect(_copy(first.descriptor))
        cid_font = _copy(first.cid_font)
        cid_font.W = _widths_array(widths)
        cid_font.FontDescriptor = descriptor
        cid_font = pdf.make_indirect(cid_font)
        type0 = _copy(first.font)
        type0.DescendantFonts = pikepdf.Array([cid_font])
        type0.ToUnicode = _flate_stream(pdf, _to_unicode_cmap(mapping))
        merged = _Font(pdf.make_indirect(type0), cid_font, descriptor, stream, name)
        _retarget(pdf, merged, base_font, [font.descriptor for font in members], widths)
        replacements.update((font.font.objgen, merged.font) for font in members)
    for font in own:
        font.program = stream
        _retarget(pdf, font, base_font, [font.descriptor], cid_widths(font.cid_font))
    return replacements


def _union(programs: list[tuple[bytes, int]], cache: Path | None, files: FontFiles | None = None) -> bytes:
    """The union of ``programs``: subset from the font file they come from (``files``), else
    ``union_subsets``; kept in ``cache`` under the digest of its input and of the way it was made."""
    def made() -> bytes:
        return (files.union(programs) if files is not None else None) or union_subsets(programs)

    if cache is None:
        return made()
    import os

    from vimanual.base.fsutil import atomic_write

    key = hashlib.sha256(json.dumps([
        [(hashlib.sha256(data).hexdigest(), last) for data, last in programs],
        fonttools_version(), UNION_VERSION,
    ] + ([] if files is None else ["from the font file", files.version])).encode()).hexdigest()
    path = cache / f"font-{key}.ttf"
    with contextlib.suppress(FileNotFoundError):
        program = path.read_bytes()
        os.utime(path)  # recently used: kept when the cache is pruned
        return program
    program = made()
    atomic_write(path, program)
    return program


def _retarget(
    pdf: pikepdf.Pdf, font: _Font, base_font: pikepdf.Name,
    descriptors: list[pikepdf.Dictionary], widths: dict[int, Number],
) -> None:
    """Name ``font`` and point it at its program; bounding box, pitch and CIDSet to match
    ``widths``, the glyphs it now describes (``descriptors`` are those it replaces)."""
    import pikepdf

    font.font.BaseFont = font.cid_font.BaseFont = font.descriptor.FontName = base_font
    descriptor = font.descriptor
    descriptor.FontFile2 = font.program
    boxes = [[Decimal(str(value)) for value in d.FontBBox] for d in descriptors if "/FontBBox" in d]
    if boxes:
        box = [min(b[0] for b in boxes), min(b[1] for b in boxes),
               max(b[2] for b in boxes), max(b[3] for b in boxes)]
        descriptor.FontBBox = pikepdf.Array([int(v) if v == int(v) else v for v in box])
    # FixedPitch (bit 1) as WeasyPrint sets it: several glyphs, all of one width.
    fixed = len(widths) > 1 and len(set(widths.values())) == 1
    descriptor.Flags = int(descriptor.get("/Flags", 4)) & ~1 | int(fixed)
    if any("/CIDSet" in d for d in descriptors):
        bits = bytearray(max(widths, default=0) // 8 + 1)
        for cid in widths:
            bits[cid // 8] |= 0x80 >> (cid % 8)
        descriptor.CIDSet = _flate_stream(pdf, bytes(bits))


def _copy(dictionary: pikepdf.Dictionary) -> pikepdf.Dictionary:
    """A new direct dictionary with the same entries (values shared)."""
    import pikepdf

    return pikepdf.Dictionary({key: dictionary[key] for key in sorted(dictionary.keys())})


def _flate_stream(pdf: pikepdf.Pdf, data: bytes, **entries: int) -> pikepdf.Stream:
    """A new stream, compressed here so that the caller's save options do not matter."""
    import pikepdf

    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(data, 9), filter=pikepdf.Name.FlateDecode)
    for key, value in entries.items():
        stream[f"/{key}"] = value
    return pdf.make_indirect(stream)


# --- widths and ToUnicode ------------------------------------------------------------


def cid_widths(cid_font: pikepdf.Dictionary) -> dict[int, Number]:
    """The /W array of a CIDFont as {glyph id: width}."""
    import pikepdf

    items = list(cid_font.get("/W", []))
    widths: dict[int, Number] = {}
    index = 0
    try:
        while index < len(items):
            first = int(items[index])
            if isinstance(items[index + 1], pikepdf.Array):  # c [w1 w2 ...]
                for offset, width in enumerate(items[index + 1]):
                    widths[first + offset] = _number(width)
                index += 2
            else:  # c_first c_last w
                for cid in range(first, int(items[index + 1]) + 1):
                    widths[cid] = _number(items[index + 2])
                index += 3
    except (IndexError, TypeError, ValueError) as exc:
        raise _CannotMerge(f"unreadable /W array ({exc})") from None
    return widths


def _number(value: Any) -> Number:
    number = Decimal(str(value))
    return int(number) if number == int(number) else number


def _widths_array(widths: dict[int, Number]) -> pikepdf.Array:
    """``c [w1 w2 ...]`` runs of consecutive glyph ids, as WeasyPrint writes them."""
    import pikepdf

    array: list[Any] = []
    run: list[Number] = []
    for cid in sorted(widths):
        if cid - 1 not in widths:
            run = []
            array += [cid, run]
        run.append(widths[cid])
    return pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in array])


_HEX = rb"<([0-9A-Fa-f\s]*)>"


def read_to_unicode(data: bytes) -> dict[int, bytes]:
    """The bfchar and bfrange mappings of a ToUnicode CMap: {code: UTF-16BE text}."""
    mapping: dict[int, bytes] = {}

    def hex_bytes(token: bytes) -> bytes:
        return bytes.fromhex(token.decode("ascii"))  # (fromhex skips whitespace)

    for block in re.finditer(rb"beginbfchar(.*?)endbfchar", data, re.S):
        tokens = re.findall(_HEX, block.group(1))
        if len(tokens) % 2:
            raise ValueError("odd bfchar entry")
        for source, target in zip(tokens[::2], tokens[1::2], strict=True):
            mapping.setdefault(int.from_bytes(hex_bytes(source), "big"), hex_bytes(target))
    for block in re.finditer(rb"beginbfrange(.*?)endbfrange", data, re.S):
        tokens = re.findall(rb"<[0-9A-Fa-f\s]*>|\[|\]", block.group(1))
        index = 0
        while index < len(tokens):
            low = int.from_bytes(hex_bytes(tokens[index][1:-1]), "big")
            high = int.from_bytes(hex_bytes(tokens[index + 1][1:-1]), "big")
            if tokens[index + 2] == b"[":  # <low> <high> [<text> <text> ...]
                end = tokens.index(b"]", index + 3)
                for code, target in zip(range(low, high + 1), tokens[index + 3:end], strict=False):
                    mapping.setdefault(code, hex_bytes(target[1:-1]))
                index = end + 1
            else:  # <low> <high> <text>: the last byte counts up
                start = hex_bytes(tokens[index + 2][1:-1])
                for offset, code in enumerate(range(low, high + 1)):
                    text = (int.from_bytes(start, "big") + offset).to_bytes(len(start), "big")
                    mapping.setdefault(code, text)
                index += 3
    return mapping


def _merged_to_unicode(fonts: Iterable[_Font]) -> tuple[dict[int, bytes], int]:
    """The union of the fonts' ToUnicode maps, and how many glyphs had different texts.

    Where chapters disagree (one glyph drawn for two spellings of a character) the
    first chapter's text wins, as it would in one WeasyPrint render of the book.
    """
    import pikepdf

    merged: dict[int, bytes] = {}
    conflicts: set[int] = set()
    for font in fonts:
        stream = font.font.get("/ToUnicode")
        if not isinstance(stream, pikepdf.Stream):
            continue
        try:
            mapping = read_to_unicode(stream.read_bytes())
        except (ValueError, IndexError) as exc:
            raise _CannotMerge(f"unreadable ToUnicode map ({exc})") from None
        for code, text in mapping.items():
            if merged.setdefault(code, text) != text:
                conflicts.add(code)
    return dict(sorted(merged.items())), len(conflicts)


def _to_unicode_cmap(mapping: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap for {glyph id: UTF-16BE text}, 100 entries per bfchar block."""
    lines = [_CMAP_HEAD]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar\n".encode())
        lines += [f"<{code:04x}> <{text.hex()}>\n".encode() for code, text in batch]
        lines.append(b"endbfchar\n")
    lines.append(_CMAP_TAIL)
    return b"".join(lines)
