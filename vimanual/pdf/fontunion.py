"""The union of subsets of one TrueType font, with the glyph ids the subsets had.

WeasyPrint embeds a subset of each font in each PDF it writes; a book stitched
from chapter PDFs can draw all its chapters with the union of their subsets
(``vimanual.pdf.fonts`` does the PDF side). fontTools is imported inside
functions: it is only needed when a PDF book is assembled.
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

# Tables that only serve hinting (dropped with the glyph programs), and device
# metrics per glyph, which glyphs added to a font would lack.
_HINTING_TABLES = ("fpgm", "prep", "cvt ", "cvar")
_DEVICE_METRICS_TABLES = ("hdmx", "LTSH", "VDMX")


#: Bump when ``union_subsets`` changes what it makes: cached unions then no longer count.
UNION_VERSION = 1


@functools.cache
def fonttools_version() -> str:
    """fontTools' version (part of the cache keys of unions and laid-out parts), read once a
    process: reading a package's metadata takes milliseconds, and a book asks once a face."""
    import importlib.metadata

    return importlib.metadata.version("fonttools")


class SubsetMismatch(Exception):
    """The subsets cannot be merged safely; the message says why."""


def union_subsets(programs: list[tuple[bytes, int]]) -> bytes:
    """One TrueType program holding every glyph of ``programs``, at the ids pages draw them with.

    ``programs`` are subsets of one font, each with the highest glyph id its pages
    draw. WeasyPrint subsets twice: first retaining glyph ids, so that a glyph a
    subset does not use is a blank slot (no outline, no advance); then keeping the
    ids up to the highest one drawn, which renumbers the components of composite
    glyphs (accents) that lie above it into the slots that follow. So glyphs up to
    that id are at their original ids, and those above are components private to
    the subset. The subset drawing the highest id is the base; the drawn glyphs of
    the others go into its blank slots, their private components after its last
    glyph (once for each distinct component). The base's other tables (names,
    OS/2, GDEF...) stay as they are: a PDF viewer draws by glyph id and never shapes.
    """
    from fontTools.ttLib import TTFont

    try:
        fonts = [TTFont(io.BytesIO(data), recalcTimestamp=False) for data, _ in programs]
        if any(font.sfntVersion == "OTTO" or "glyf" not in font for font in fonts):
            raise SubsetMismatch("not a TrueType (glyf) font")
        if len({_identity(font) for font in fonts}) > 1:
            raise SubsetMismatch("the programs come from different fonts")
        last_used = [min(last, font["maxp"].numGlyphs - 1)
                     for font, (_, last) in zip(fonts, programs, strict=True)]
        base_index = max(range(len(fonts)), key=lambda i: (
            last_used[i], fonts[i]["maxp"].numGlyphs, len(programs[i][0]), -i))
        if not all(_is_hinted(font) for font in fonts):
            # Hinted glyphs call functions (fpgm) an unhinted font lacks, so a mixed
            # union keeps no hinting; WeasyPrint's subsets have none by default.
            for font in fonts:
                if _is_hinted(font):
                    _remove_hinting(font)
        union = _GlyphUnion(fonts[base_index], last_used[base_index])
        for index, font in enumerate(fonts):
            if index != base_index:
                union.add(font, last_used[index])
        output = io.BytesIO()
        union.font.save(output)
        return output.getvalue()
    except SubsetMismatch:
        raise
    except Exception as exc:  # fontTools reports malformed fonts with assorted exception types
        raise SubsetMismatch(f"fontTools cannot merge the programs ({type(exc).__name__}: {exc})") from None


class FontFiles:
    """The font files a book's stylesheets can name, each known by what tells one font from
    another (``_identity``), so that a face's union can be subset from its own file.

    Subsetting the file to every glyph the parts draw (HarfBuzz, pdf/hbsubset.py: the same
    two steps WeasyPrint takes for one document) makes the font ``union_subsets`` makes
    glyph for glyph at the ids pages draw, in milliseconds rather than the ~0.1 s a face
    fontTools takes to merge some tens of subsets. The files are read when first needed.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self._known: dict[tuple[object, ...], Path] | None = None

    def _file(self, identity: tuple[object, ...]) -> Path | None:
        from fontTools.ttLib import TTFont, TTLibError

        if self._known is None:
            self._known = {}
            for path in self.paths:
                try:
                    with TTFont(path, lazy=True) as font:
                        if font.sfntVersion != "OTTO" and "glyf" in font:
                            self._known.setdefault(_identity(font), path)
                except (OSError, TTLibError, KeyError, ValueError, AssertionError):
                    continue  # not a font fontTools reads: not a source
        return self._known.get(identity)

    @functools.cached_property
    def version(self) -> str:
        """What a union made this way depends on besides its subsets: the HarfBuzz that subsets,
        and the files (a face may be taken from a file that was not there before)."""
        import hashlib
        import importlib.metadata

        digest = hashlib.sha256()
        for path in self.paths:
            digest.update(f"{path.name}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return f"uharfbuzz {importlib.metadata.version('uharfbuzz')} {digest.hexdigest()}"

    def union(self, programs: list[tuple[bytes, int]]) -> bytes | None:
        """``union_subsets(programs)`` subset from the font file the subsets came from; None
        when no file is theirs (a system font), or the subsets are not as WeasyPrint writes them."""
        from fontTools.ttLib import TTFont

        from vimanual.pdf.hbsubset import subset_program

        try:
            fonts = [TTFont(io.BytesIO(data), recalcTimestamp=False) for data, _ in programs]
            if any(font.sfntVersion == "OTTO" or "glyf" not in font for font in fonts):
                return None
            identities = {_identity(font) for font in fonts}
            path = self._file(identities.pop()) if len(identities) == 1 else None
            if path is None:
                return None
            drawn: set[int] = {0}
            notdef = False  # WeasyPrint keeps .notdef's outline in a subset drawing it: so does the union
            for font, (_, last) in zip(fonts, programs, strict=True):
                slots = _Slots.read(font)
                if slots is None:
                    return None
                drawn.update(slots.drawn(min(last, font["maxp"].numGlyphs - 1)))
                notdef = notdef or slots.locations[1] > slots.locations[0]
            hinted = all(_is_hinted(font) for font in fonts)
            return subset_program(path.read_bytes(), 0, sorted(drawn), hinted, notdef)
        except Exception:  # fontTools reports malformed fonts with assorted exception types
            return None  # union_subsets then says what is wrong, or merges them its way


def _identity(font: Any) -> tuple[object, ...]:
    """What tells one font from another, whatever the subset."""
    names = font["name"] if "name" in font else None
    head = font["head"]
    return (names and names.getDebugName(6), names and names.getDebugName(4),
            head.unitsPerEm, head.fontRevision, head.created)


def _is_hinted(font: Any) -> bool:
    return any(tag in font for tag in _HINTING_TABLES)


def _remove_hinting(font: Any) -> None:
    for tag in _HINTING_TABLES:
        if tag in font:
            del font[tag]
    font["glyf"].removeHinting()


class _GlyphUnion:
    """A font growing into the union of subsets of itself (see ``union_subsets``)."""

    def __init__(self, base: Any, last_used: int) -> None:
        self.font = base
        self.last_used = last_used
        self.glyf = base["glyf"]
        self.metrics = [base[tag].metrics for tag in ("hmtx", "vmtx") if tag in base]
        for tag in _DEVICE_METRICS_TABLES:
            if tag in base:
                del base[tag]
        self.order: list[str] = list(base.getGlyphOrder())
        base.setGlyphOrder(self.order)  # one list, which the glyf table shares
        self.names = set(self.order)
        # Components only (above the last drawn id), by content, so each is added once.
        self.components = {self._content(name): name for name in self.order[last_used + 1:]}

    def add(self, source: Any, last_used: int) -> None:
        """Add the glyphs ``source`` draws (ids up to ``last_used``), their components, its cmap."""
        tables = [tag for tag in ("hmtx", "vmtx") if tag in source]
        if len(tables) != len(self.metrics):
            raise SubsetMismatch("the programs have different metrics tables")
        source_order = source.getGlyphOrder()
        slots = _Slots.read(source) if tables == ["hmtx"] else None
        if slots is None:  # read through fontTools: every slot becomes an object
            source_glyf = source["glyf"]
            source_metrics = [source[tag].metrics for tag in tables]

            def glyph_of(gid: int) -> Any:
                return source_glyf.glyphs[source_order[gid]]

            def metrics_of(gid: int) -> list[Any]:
                return [table[source_order[gid]] for table in source_metrics]

            candidates: Iterable[int] = range(last_used + 1)
        else:
            glyph_of = slots.glyph

            def metrics_of(gid: int) -> list[Any]:
                return [slots.metrics(gid)]

            candidates = slots.drawn(last_used)
        placed: dict[int, str] = {}  # source id above last_used → name in the union

        def place(gid: int) -> str:
            """The name in the union of the source's glyph ``gid``."""
            if gid <= last_used:
                return self.order[gid]
            if gid not in placed:
                glyph, metrics = self._take(source, gid, place, glyph_of(gid), metrics_of(gid))
                placed[gid] = self._add_component(glyph, metrics)
            return placed[gid]

        for gid in candidates:
            glyph, metrics = glyph_of(gid), metrics_of(gid)
            if not _has_glyph(glyph, metrics[0][0]):
                continue
            target = self.order[gid]
            if _has_glyph(self.glyf.glyphs[target], self.metrics[0][target][0]):
                if any(ours != theirs[target] for ours, theirs in zip(metrics, self.metrics, strict=True)):
                    raise SubsetMismatch(f"glyph {gid} has different metrics in different subsets")
                # WeasyPrint keeps the outline of .notdef only in a subset that draws it
                # (for a character no font has): the union keeps it if any subset has it.
                if gid == 0 and _has_outline(glyph) != _has_outline(self.glyf.glyphs[target]):
                    if _has_outline(self.glyf.glyphs[target]):
                        continue
                elif _same_outline(glyph, source, source_order[gid], self.font, target,
                                   min(last_used, self.last_used)):
                    continue
                else:
                    raise SubsetMismatch(f"glyph {gid} differs between the subsets")
            glyph, metrics = self._take(source, gid, place, glyph, metrics)
            self.glyf.glyphs[target] = glyph
            for table, value in zip(self.metrics, metrics, strict=True):
                table[target] = value
        self._add_cmap(source, place)

    def _take(self, source: Any, gid: int, place: Any, glyph: Any,
              metrics: list[Any]) -> tuple[Any, list[Any]]:
        """Glyph ``gid`` of ``source`` (``glyph``, with its ``metrics``), with components named as
        in the union."""
        if _is_composite(glyph):
            name = source.getGlyphOrder()[gid]
            source_glyf = source["glyf"]
            glyph = copy.deepcopy(source_glyf[name])  # decompiled: components by name
            for component in glyph.components:
                component.glyphName = place(source.getGlyphID(component.glyphName))
        return glyph, metrics

    def _add_component(self, glyph: Any, metrics: list[Any]) -> str:
        glyph.expand(self.glyf)  # decompiled, so that padding does not count
        key = (glyph.compile(self.glyf, recalcBBoxes=False), tuple(map(tuple, metrics)))
        if key not in self.components:
            name = f"component{len(self.order)}"
            while name in self.names:
                name += "_"
            self.order.append(name)
            self.names.add(name)
            self.glyf.glyphs[name] = glyph
            for table, value in zip(self.metrics, metrics, strict=True):
                table[name] = value
            self.components[key] = name
        return self.components[key]

    def _content(self, name: str) -> tuple[bytes, tuple[tuple[int, ...], ...]]:
        glyph = self.glyf[name]  # decompiled, so that padding does not count
        return (glyph.compile(self.glyf, recalcBBoxes=False),
                tuple(tuple(table[name]) for table in self.metrics))

    def _add_cmap(self, source: Any, place: Any) -> None:
        """Add the character map entries of ``source`` (the first font's entry wins)."""
        from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

        if "cmap" not in source or "cmap" not in self.font:
            return
        tables = self.font["cmap"].tables
        for table in source["cmap"].tables:
            if table.format not in (4, 12):
                continue
            key = (table.platformID, table.platEncID, table.format)
            into = next((t for t in tables if (t.platformID, t.platEncID, t.format) == key), None)
            if into is None:
                into = CmapSubtable.newSubtable(table.format)
                into.platformID, into.platEncID, into.language = table.platformID, table.platEncID, 0
                into.cmap = {}
                tables.append(into)
            for code, name in sorted(table.cmap.items()):
                if code not in into.cmap:
                    into.cmap[code] = place(source.getGlyphID(name))


def _is_composite(glyph: Any) -> bool:
    if hasattr(glyph, "data"):  # not decompiled yet: numberOfContours is negative
        return len(glyph.data) >= 2 and glyph.data[0] & 0x80 != 0
    return bool(glyph.isComposite())


def _has_glyph(glyph: Any, advance: int) -> bool:
    """Whether a glyph has an outline or an advance: a blank slot has neither."""
    return bool(advance) or _has_outline(glyph)


def _has_outline(glyph: Any) -> bool:
    # A glyph not decompiled yet holds its raw bytes; reading those is much faster.
    return bool(glyph.data) if hasattr(glyph, "data") else glyph.numberOfContours != 0


def _same_outline(glyph: Any, font: Any, name: str, other: Any, other_name: str, original: int) -> bool:
    """Whether ``glyph`` (``name`` in ``font``) draws the same outline as ``other_name`` in
    ``other`` (components may sit at different ids: only those up to ``original`` are at
    the font's own ids in both)."""
    other_glyph = other["glyf"].glyphs[other_name]
    if not _has_outline(glyph):  # a blank (a space): no outline to compare
        return not _has_outline(other_glyph)
    if hasattr(glyph, "data") and getattr(other_glyph, "data", None) == glyph.data:
        if not _is_composite(glyph):
            return True
        components = _component_ids(glyph.data)
        if components is not None and max(components) <= original:
            return True

    def outline(font: Any, name: str) -> tuple[list[Any], list[int], list[int]]:
        coordinates, ends, flags = font["glyf"][name].getCoordinates(font["glyf"])
        return list(coordinates), list(ends), [flag & 1 for flag in flags]  # bit 1: on the curve

    return outline(font, name) == outline(other, other_name)


# Composite glyph flags (the 'glyf' table): the arguments are words, not bytes; a scale, x and
# y scales or a 2x2 matrix follows; another component follows.
_ARGS_ARE_WORDS, _SCALE, _MORE, _XY_SCALE, _TWO_BY_TWO = 0x0001, 0x0008, 0x0020, 0x0040, 0x0080


def _component_ids(data: bytes) -> list[int] | None:
    """The glyph ids a composite glyph's bytes name as its components; None if they are cut short."""
    import struct

    ids: list[int] = []
    offset = 10  # numberOfContours and the bounding box
    while offset + 4 <= len(data):
        flags, gid = struct.unpack_from(">HH", data, offset)
        ids.append(gid)
        offset += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        offset += 2 if flags & _SCALE else 4 if flags & _XY_SCALE else 8 if flags & _TWO_BY_TWO else 0
        if not flags & _MORE:
            return ids if offset <= len(data) else None
    return None


class _Slots:
    """The glyph slots of a subset, read from the bytes of its 'loca', 'glyf' and 'hmtx' tables.

    A subset that retains glyph ids has a slot for every glyph of the font, nearly all of
    them blank; fontTools makes an object (and a metrics entry by name) for each slot, which
    was most of the time a book's fonts took to merge. Here the slots a subset draws are
    found from the tables' bytes, and ``glyph`` makes the same fontTools ``Glyph`` that
    decompiling the 'glyf' table would, for those slots only.
    """

    def __init__(self, glyf: bytes, locations: Sequence[int], advances: list[int],
                 bearings: list[int]) -> None:
        self.glyf = glyf
        self.locations = locations
        self.advances = advances
        self.bearings = bearings

    @classmethod
    def read(cls, font: Any) -> _Slots | None:
        """The slots of ``font``; None when its tables are not as WeasyPrint writes them (or
        fontTools has loaded its 'glyf' table, which may then differ from the bytes), for
        fontTools to read."""
        import array
        import struct
        import sys

        reader = font.reader
        if (reader is None or font.isLoaded("glyf") or "hhea" not in font
                or not all(tag in reader for tag in ("loca", "glyf", "hmtx"))):
            return None
        count = font["maxp"].numGlyphs
        metrics = int(font["hhea"].numberOfHMetrics)
        long_format = font["head"].indexToLocFormat
        locations = array.array("I" if long_format else "H")
        locations.frombytes(reader["loca"])
        if sys.byteorder != "big":
            locations.byteswap()
        hmtx = reader["hmtx"]
        glyf = reader["glyf"]
        if (len(locations) != count + 1 or not 0 < metrics <= count
                or len(hmtx) < 4 * metrics + 2 * (count - metrics) or list(locations) != sorted(locations)):
            return None
        offsets = list(locations) if long_format else [2 * location for location in locations]
        if offsets[-1] > len(glyf):
            return None
        pairs = struct.unpack(f">{'Hh' * metrics}", hmtx[: 4 * metrics])
        rest = struct.unpack(f">{count - metrics}h", hmtx[4 * metrics : 4 * metrics + 2 * (count - metrics)])
        advances = list(pairs[0::2]) + [pairs[-2]] * (count - metrics)
        bearings = list(pairs[1::2]) + list(rest)
        return cls(glyf, offsets, advances, bearings)

    def drawn(self, last_used: int) -> list[int]:
        """The ids up to ``last_used`` whose slot holds an outline or an advance."""
        locations, advances = self.locations, self.advances
        return [gid for gid in range(last_used + 1) if advances[gid] or locations[gid + 1] > locations[gid]]

    def glyph(self, gid: int) -> Any:
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        return Glyph(self.glyf[self.locations[gid] : self.locations[gid + 1]])

    def metrics(self, gid: int) -> tuple[int, int]:
        return (self.advances[gid], self.bearings[gid])
