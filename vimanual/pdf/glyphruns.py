"""A line of text drawn from its glyphs read at once (the layout worker's).

WeasyPrint draws each line (its ``draw_first_line``) by reading Pango's glyphs one by one
through cffi (each glyph's id, width and offsets a Python object of its own) and writing each
glyph's id and width correction as it goes: 12 % of a chapter part's layout CPU (0.98 of
7.8 s for thirty parts of the generated book), more than any step of the layout proper.

``quick_glyph_runs`` puts in its place the same function, written to do less a glyph: each
run's glyphs are read as one block of memory, and what a glyph writes (its id and its width
correction, which depend only on the font, the size, the glyph and the width Pango gave it)
is kept for the rest of the document, so that a glyph met again is one table lookup (a run
with a glyph Pango moved sideways is written glyph by glyph, as WeasyPrint does). It writes the
same instructions, byte for byte (tests/test_glyph_runs.py), and leaves to WeasyPrint's own
function every line it was not written for: an ellipsis, a colour or bitmap font, a glyph the
font lacks or one Pango raised or lowered. It is put in place only over the WeasyPrint
function it was written from (``WRITTEN_FROM``: the digest of its source), so that a
WeasyPrint whose drawing changed is left as it is.
"""

from __future__ import annotations

from typing import Any

from vimanual.pdf.patches import source_digest

#: The SHA-256 of the source of each WeasyPrint ``draw_first_line`` this module writes
#: the same as (WeasyPrint 70.0's).
WRITTEN_FROM = frozenset({"1bb8eae6d88e71b17096a034656f3be17da8f1f513c78536c1c38d971927638b"})
#: Lines drawn here in this process (for the tests: that it happened).
DRAWN = [0]


def quick_glyph_runs(enabled: bool) -> None:
    """Make WeasyPrint draw lines of text as described above (or as it does)."""
    import weasyprint.draw.text

    from vimanual.pdf.patches import replace_in_weasyprint

    replace_in_weasyprint(weasyprint.draw.text, "draw_first_line", enabled, _quick)


def _quick(real: Any) -> Any:
    """WeasyPrint's ``draw_first_line`` (``real``) with the glyphs read at once, or None if
    ``real`` or Pango's glyph records are not what this was written for."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    if source_digest(real) not in WRITTEN_FROM:
        return None
    # PangoGlyphInfo as five 32-bit integers: glyph, width, x offset, y offset, attributes
    if ffi.sizeof("PangoGlyphInfo") != 20 or ffi.offsetof("PangoGlyphInfo", "geometry") != 4 \
            or ffi.sizeof("PangoGlyphGeometry") != 12:
        return None
    record = ffi.sizeof("PangoGlyphInfo")
    empty = int(pango.PANGO_GLYPH_EMPTY)  # the unknown-glyph flag is above it
    fixed_size = pango.pango_version() >= 14802  # WeasyPrint's work-around for older Pango

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: Any,
                        matrix: Any) -> list[Any]:
        if (text_overflow == "ellipsis" or block_ellipsis != "none" or not textbox.text.strip()
                or textbox.style["font_size"] < 1e-6 or not fixed_size):
            return real(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
        try:
            runs = _runs(stream, textbox, ffi, pango, record, empty)
        except (AttributeError, TypeError, KeyError, ValueError):
            runs = None  # not the WeasyPrint or Pango this was written for
        if runs is None:
            return real(stream, textbox, text_overflow, block_ellipsis, matrix)  # type: ignore[no-any-return]
        DRAWN[0] += 1
        stream.set_text_matrix(*matrix.values)
        string = ""
        font: Any = None
        font_size, known = 0.0, {}
        for run in runs:
            if run.font is not None:  # a font of its own: WeasyPrint starts a new text run
                font, font_size = run.font, run.font_size
                known = font.__dict__.setdefault("vimanual_glyph_runs", {}).setdefault(font_size, {})
                if string:
                    stream.show_text(string)
                string = ""
                stream.set_font_size(font.hash, font_size)
            if any(run.x_offsets) or font.missing:  # the rare case: each glyph as WeasyPrint does
                parts: list[str | None] = [_glyph(stream, run, at, font, font_size, pango, FROM_UNITS)
                                           for at in range(len(run.glyphs))]
            else:
                parts = [known.get(key) for key in zip(run.glyphs, run.widths, strict=True)]
                if None in parts:
                    for at, part in enumerate(parts):
                        if part is None:
                            parts[at] = known[run.glyphs[at], run.widths[at]] = _glyph(
                                stream, run, at, font, font_size, pango, FROM_UNITS)
            string += "<" + "".join(parts)  # type: ignore[arg-type]  # every part filled
            string = string[:-1] if string[-1] == "<" else string + ">"
        stream.show_text(string)
        return []  # no emoji: colour fonts are WeasyPrint's

    return draw_first_line


class _Run:
    """One of Pango's glyph runs of a line, read at once."""

    __slots__ = ("item", "clusters", "glyphs", "widths", "x_offsets", "layout", "font", "font_size")

    def __init__(self, item: Any, clusters: Any, values: list[int], layout: Any) -> None:
        self.item = item  # its PangoItem: offset, length, direction
        self.clusters = clusters
        self.glyphs, self.widths, self.x_offsets = values[0::5], values[1::5], values[2::5]
        self.layout = layout  # WeasyPrint's Layout of the line (its text)
        self.font: Any = None  # the font, if it is not the run before's
        self.font_size = 0.0


def _runs(stream: Any, textbox: Any, ffi: Any, pango: Any, record: int, empty: int) -> list[_Run] | None:
    """The first line's runs of ``textbox``, read, or None if one holds what WeasyPrint's own
    function must draw (a glyph the font lacks, an empty glyph, one raised or lowered, a
    colour or bitmap font). Nothing is written to ``stream`` but its fonts (WeasyPrint's would
    add the same, in the same order)."""
    layout = textbox.pango_layout
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _ = layout.get_first_line()
    runs: list[_Run] = []
    previous = None
    node = first_line.runs[0]
    while node != ffi.NULL:
        glyph_item = node.data
        node = node.next
        glyphs = glyph_item.glyphs
        count = int(glyphs.num_glyphs)
        values = memoryview(ffi.buffer(glyphs.glyphs, count * record)).cast("i").tolist()
        run = _Run(glyph_item.item, glyphs.log_clusters, values, layout)
        if count and (max(run.glyphs) >= empty or min(run.glyphs) < 0 or any(values[3::5])):
            return None
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous:
            previous = pango_font
            font, run.font_size = stream.add_font(pango_font)
            if font.svg or font.png or font.colr or font.bitmap:
                return None
            # what drawing the run uses, there before anything is drawn
            _ = (font.missing, font.to_unicode, font.widths, font.hash, vars(font), stream.ink_rect,
                 stream.logical_rect)
            run.font = font
        runs.append(run)
    return runs


def _glyph(stream: Any, run: _Run, at: int, font: Any, font_size: float, pango: Any,
           from_units: float) -> str:
    """What glyph ``at`` of ``run`` writes, as WeasyPrint writes it (its id, after a move if
    Pango moved it, then its width correction if any), noting its text and width in ``font``
    as WeasyPrint does."""
    glyph = run.glyphs[at]
    if glyph not in font.to_unicode:
        item = run.item
        start = run.clusters[at]
        if item.analysis.level % 2:  # right to left
            end = item.length if at == 0 else run.clusters[at - 1]
        else:
            end = item.length if at == len(run.glyphs) - 1 else run.clusters[at + 1]
        utf8 = run.layout.text.encode()
        font.to_unicode[glyph] = utf8[item.offset + start:item.offset + end].decode()
    part = ""
    offset = run.x_offsets[at] / font_size
    if offset:
        part += f">{-offset}<"
    part += f"{glyph:04x}"
    if glyph in font.widths:
        logical_width = font.widths[glyph]
    else:
        pango.pango_font_get_glyph_extents(run.item.analysis.font, glyph, stream.ink_rect,
                                           stream.logical_rect)
        logical_width = font.widths[glyph] = round(stream.logical_rect.width * 1000 * from_units / font_size)
    kerning = logical_width + offset - run.widths[at] * 1000 * from_units / font_size
    if kerning:
        part += f">{int(kerning)}<"
    return part
