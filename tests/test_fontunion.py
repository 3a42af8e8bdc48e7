"""The union of a face's subsets (pdf/fontunion.py) reads the subsets' glyph slots from the
bytes of their tables (``_Slots``), not through fontTools, which makes an object for every
slot of a subset that retains glyph ids. Both ways must give the same union, byte for byte
(an edition's rebuild compares its PDF with the released one): checked on subsets that
WeasyPrint writes of the bundled fonts, with accents (composite glyphs whose components a
subset renumbers), spaces and symbols spread differently over the documents.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from tests.pdfhtml import bundled_styles_document
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import fontunion
from vimanual.pdf.fonts import _font_resources, _truetype_fonts, cid_widths
from vimanual.pdf.fontunion import _component_ids, _Slots, union_subsets
from vimanual.pdf.weasy import render_pdf

FONTS = sorted((DEFAULT_STYLES / "fonts").glob("*.ttf"))

TEXTS = (
    "Plain words and numbers 0123456789, with a space or two.",
    "Accents: é è ê ë à â ç ñ ü ö ø ß Å Ž ł — and “quotes”, ‘single’ ones.",
    "Symbols: © ® ™ € £ ¥ § ¶ † ‡ • … ‰ ≤ ≥ ≠ ± × ÷ √ ∞; more accents: ž š č ő ű ą ę.",
    "A mix: naïve café, Zürich, São Paulo, Kraków, smörgåsbord, 12 × 3 ≤ 40.",
)


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_component_ids_are_those_fonttools_reads(path: Path) -> None:
    font = TTFont(path)
    glyf = font["glyf"]
    composites = 0
    for name in font.getGlyphOrder():
        raw = glyf.glyphs[name]
        if not hasattr(raw, "data") or not fontunion._is_composite(raw):
            continue
        data = raw.data
        composites += 1
        assert _component_ids(data) == [font.getGlyphID(c.glyphName) for c in glyf[name].components], name
        assert _component_ids(data[:14]) is None, name  # cut short in the first component: None
    if path.name.startswith("DejaVu"):
        assert composites > 100  # DejaVu draws its accented letters from components


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[bytes, int]]]:
    """Each face's distinct subsets, as the stitcher reads them: (program, highest id drawn)."""
    folder = tmp_path_factory.mktemp("subsets")
    faces: dict[str, dict[bytes, int]] = {}
    for subsetter in ("fonttools", "uharfbuzz"):
        for number, text in enumerate(TEXTS):
            body = (f"<h1>{text}</h1><p>{text}</p><p><em>{text}</em> <strong>{text}</strong></p>"
                    f"<pre><code>{text}</code></pre>")
            target = folder / f"{subsetter}-{number}.pdf"
            render_pdf(bundled_styles_document(f'<article class="chapter" id="c">{body}</article>'),
                       DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=False, font_subsetter=subsetter)
            with pikepdf.open(target) as pdf:
                for font in _truetype_fonts(_font_resources(pdf)):
                    known = faces.setdefault(f"{subsetter} {font.name}", {})
                    data = font.program.read_bytes()
                    known[data] = max(known.get(data, -1), max(cid_widths(font.cid_font), default=-1))
    return {face: list(found.items()) for face, found in faces.items() if len(found) > 1}


def test_slots_read_from_bytes_are_what_fonttools_decompiles(
        programs: dict[str, list[tuple[bytes, int]]]) -> None:
    checked = 0
    for face, found in programs.items():
        for data, _ in found:
            slots = _Slots.read(TTFont(io.BytesIO(data)))
            assert slots is not None, face
            font = TTFont(io.BytesIO(data))
            for gid, name in enumerate(font.getGlyphOrder()):
                theirs = font["glyf"].glyphs[name]
                ours = slots.glyph(gid)
                assert getattr(ours, "data", b"") == getattr(theirs, "data", b""), (face, gid)
                assert slots.metrics(gid) == font["hmtx"].metrics[name], (face, gid)
                checked += 1
    assert checked > 10_000


def test_union_from_bytes_is_the_union_through_fonttools(
        programs: dict[str, list[tuple[bytes, int]]], monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(programs) >= 6  # several faces, each with several subsets, from both subsetters
    read = _Slots.read
    fast: list[Any] = []

    def counted(font: Any) -> _Slots | None:
        slots = read(font)
        fast.append(slots)
        return slots

    monkeypatch.setattr(_Slots, "read", counted)
    by_bytes = {face: union_subsets(found) for face, found in programs.items()}
    assert fast and all(slots is not None for slots in fast)
    monkeypatch.setattr(_Slots, "read", lambda font: None)
    for face, found in programs.items():
        assert union_subsets(found) == by_bytes[face], face
    # and the union draws every subset's glyphs (one spot check per face: the subset's own outlines)
    for face, found in programs.items():
        union = TTFont(io.BytesIO(by_bytes[face]))
        for data, last in found:
            subset = TTFont(io.BytesIO(data))
            for gid in range(min(last, subset["maxp"].numGlyphs - 1) + 1):
                name = subset.getGlyphOrder()[gid]
                if subset["hmtx"][name][0]:
                    assert union["hmtx"][union.getGlyphOrder()[gid]] == subset["hmtx"][name], (face, gid)


def test_a_union_subset_from_the_font_file_draws_what_the_merged_union_draws(
        programs: dict[str, list[tuple[bytes, int]]]) -> None:
    # Drafts (and editions released since) subset each face's union from its font file with
    # HarfBuzz instead of merging the parts' subsets: every glyph a page draws must be the same
    # outline with the same metrics at the same id as in the merged union.
    files = fontunion.FontFiles(FONTS)
    checked = 0
    for face, found in programs.items():
        from_file = files.union(found)
        assert from_file is not None, face
        ours, theirs = TTFont(io.BytesIO(from_file)), TTFont(io.BytesIO(union_subsets(found)))
        drawn: set[int] = set()
        for data, last in found:
            subset = TTFont(io.BytesIO(data))
            slots = _Slots.read(subset)
            assert slots is not None
            drawn.update(slots.drawn(min(last, subset["maxp"].numGlyphs - 1)))
        assert len(drawn) > 20, face
        for gid in sorted(drawn):
            mine, other = ours.getGlyphOrder()[gid], theirs.getGlyphOrder()[gid]
            assert ours["hmtx"][mine] == theirs["hmtx"][other], (face, gid)
            outline = ours["glyf"][mine].getCoordinates(ours["glyf"])
            expected = theirs["glyf"][other].getCoordinates(theirs["glyf"])
            assert (list(outline[0]), list(outline[1])) == (list(expected[0]), list(expected[1])), (face, gid)
            checked += 1
        # a face none of the files holds (a system font) is merged as before
        elsewhere = fontunion.FontFiles([path for path in FONTS if "Arabic" in path.name])
        assert elsewhere.union(found) is None
    assert checked > 1_000


def test_a_subset_fonttools_has_loaded_is_read_through_fonttools(
        programs: dict[str, list[tuple[bytes, int]]]) -> None:
    data = next(iter(programs.values()))[0][0]
    font = TTFont(io.BytesIO(data))
    assert _Slots.read(font) is not None
    font["glyf"].removeHinting()  # loaded (and possibly changed): the bytes no longer count
    assert _Slots.read(font) is None


def _changed(data: bytes, change: Any) -> bytes:
    """``data`` (a subset) with ``change(font)`` made to it, saved as a program again; the
    glyphs left alone keep their bytes (bounding boxes are not recalculated)."""
    font = TTFont(io.BytesIO(data), recalcBBoxes=False)
    change(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _private_component(programs: dict[str, list[tuple[bytes, int]]]) -> tuple[bytes, int, int, int]:
    """A subset with a composite glyph drawn from a component above its highest drawn id (one the
    subset renumbered): (the subset, its highest drawn id, the composite's id, the component's)."""
    for found in programs.values():
        for data, last in found:
            font = TTFont(io.BytesIO(data))
            order = font.getGlyphOrder()
            for gid in range(last + 1):
                glyph = font["glyf"][order[gid]]
                if glyph.isComposite():
                    above = [font.getGlyphID(c.glyphName) for c in glyph.components
                             if font.getGlyphID(c.glyphName) > last]
                    if above:
                        return data, last, gid, above[0]
    raise AssertionError("no accent drawn from a renumbered component")


def test_same_composite_bytes_over_other_components_do_not_merge(
        programs: dict[str, list[tuple[bytes, int]]]) -> None:
    data, last, composite, component = _private_component(programs)

    def other_component(font: TTFont) -> None:  # the renumbered component drawn bigger
        glyph = font["glyf"][font.getGlyphOrder()[component]]
        glyph.coordinates.scale((2, 2))

    other = _changed(data, other_component)
    with pytest.raises(fontunion.SubsetMismatch, match=f"glyph {composite} differs"):
        union_subsets([(data, last), (other, last)])


def test_a_blank_where_another_subset_draws_an_outline_does_not_merge(
        programs: dict[str, list[tuple[bytes, int]]]) -> None:
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    data, last = next(iter(programs.values()))[0]
    font = TTFont(io.BytesIO(data))
    drawn = next(gid for gid in range(1, last + 1)
                 if font["glyf"][font.getGlyphOrder()[gid]].numberOfContours > 0)

    def blank(font: TTFont) -> None:  # the outline gone, the advance kept
        font["glyf"].glyphs[font.getGlyphOrder()[drawn]] = Glyph()

    with pytest.raises(fontunion.SubsetMismatch, match=f"glyph {drawn} differs"):
        union_subsets([(data, last), (_changed(data, blank), last)])
