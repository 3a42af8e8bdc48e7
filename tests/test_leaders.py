"""A draft's leaders (the contents' dots) are drawn as one run of text each, at the same places.

WeasyPrint lays out and draws each repeat of ``leader(".")`` as a box of its own; the layout
worker of a draft merges each leader's touching copies into one run (vimanual/pdf/leaders.py).
Checked on what a reader sees: every glyph of the contents is drawn where it was drawn with
the copies (within 0.25 px, 0.07 mm: the run's glyphs advance by the font's widths
rounded to a thousandth of an em, as all text is drawn), and the dots
are far fewer text draws. A leader whose repeats would kern against each other keeps its
copies. A new edition is drawn as a draft is; one released before the grouped layout (its
manifest says) is drawn as it was (one dot a draw), so that it rebuilds byte for byte.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
import yaml

from tests.helpers import run, small_workspace
from tests.pdfhtml import DrawnGlyph, bundled_styles_document, drawn_glyphs
from tests.test_editions import approve_all
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.editions import frozen, manifest
from vimanual.pdf.leaders import one_run_leaders
from vimanual.pdf.weasy import render_pdf


def contents_document(leader: str = '"."') -> str:
    """A contents like the build's (the bundled styles): rows of titles short and long
    (wrapping onto a second line), page numbers of one to three digits."""
    rows = []
    for number in range(1, 41):
        title = f"Chapter {number} " + "handling of material " * (number % 7)
        rows.append(f'<li class="toc-chapter"><a data-page="{number ** 2}">'
                    f'<span class="toc-num">{number}</span> {title}</a></li>')
        rows.append(f'<li class="toc-section toc-level-2"><a data-page="{number * 13}">'
                    f'<span class="toc-num">{number}.1</span> Section</a></li>')
    return bundled_styles_document(
        '<nav class="toc"><h2>Contents</h2><ol>' + "".join(rows) + "</ol></nav>",
        f".toc li a[data-page]::after {{ content: leader({leader}) attr(data-page); }}", "contents")


def _render(tmp_path: Path, document: str, merged: bool) -> Path:
    target = tmp_path / f"contents-{merged}.pdf"
    one_run_leaders(merged)
    try:
        render_pdf(document, DEFAULT_STYLES, [DEFAULT_STYLES], target, tagged=False)
    finally:
        one_run_leaders(False)
    return target


def _same_places(copies: list[DrawnGlyph], runs: list[DrawnGlyph], tolerance: float) -> float:
    """The largest distance between a glyph drawn one way and the same glyph the other way."""
    assert len(copies) == len(runs)
    assert Counter((g.font, g.gid) for g in copies) == Counter((g.font, g.gid) for g in runs)
    order = [sorted(glyphs, key=lambda g: (round(g.y, 2), g.x)) for glyphs in (copies, runs)]
    worst = 0.0
    for one, other in zip(*order, strict=True):
        assert (one.font, one.gid) == (other.font, other.gid) and abs(one.y - other.y) < 1e-3, (one, other)
        worst = max(worst, abs(one.x - other.x))
    assert worst < tolerance, worst
    return worst


def test_one_run_leaders_draw_every_dot_where_the_copies_were(tmp_path: Path) -> None:
    document = contents_document()
    copies, runs = _render(tmp_path, document, False), _render(tmp_path, document, True)
    with pikepdf.open(copies) as copies_pdf, pikepdf.open(runs) as runs_pdf:
        assert len(copies_pdf.pages) == len(runs_pdf.pages) >= 2  # the contents runs onto a second page
        pages = len(copies_pdf.pages)
    for page in range(pages):
        (one, one_draws), (other, other_draws) = drawn_glyphs(copies, page), drawn_glyphs(runs, page)
        _same_places(one, other, tolerance=0.25)
        assert len(one) > 300  # dots, titles and numbers
        # one draw a dot before; now about three a row (title, dots, number)
        assert other_draws * 8 < one_draws, (other_draws, one_draws)


def test_a_leader_whose_repeats_kern_keeps_its_copies(tmp_path: Path) -> None:
    """'AV' kerns against the next repeat ('VA'): one run would move the letters, so the
    copies stay, drawn exactly as before."""
    document = contents_document('"AV"')
    copies, runs = _render(tmp_path, document, False), _render(tmp_path, document, True)
    (one, one_draws), (other, other_draws) = drawn_glyphs(copies, 0), drawn_glyphs(runs, 0)
    assert _same_places(one, other, tolerance=1e-6) == 0.0
    assert one_draws == other_draws


@pytest.mark.slow
def test_drafts_and_new_editions_merge_leaders_and_older_editions_do_not(tmp_path: Path) -> None:
    """A new edition records the grouped layout and is drawn as a draft is; an edition whose
    manifest records one document a chapter (every edition released before) is rebuilt
    with a box a dot, as it was released."""
    root = small_workspace(tmp_path / "ws")
    built = run("-C", root, "-q", "build", "--format", "pdf")
    assert built.exit_code == 0, built.output
    draft_glyphs, draft_draws = drawn_glyphs(root / "build" / "manual.pdf", 1)  # the contents
    released = tmp_path / "released"
    shutil.copytree(root, released, ignore=shutil.ignore_patterns("build"))
    approve_all(released)
    notes = tmp_path / "notes.md"
    notes.write_text("# Edition 1.0\n", encoding="utf-8")
    result = run("-C", released, "release", "1.0", "--date", "2026-11-28", "--notes", notes)
    assert result.exit_code == 0, result.output
    manifest_path = released / "editions" / "1.0" / "manifest.yaml"
    data = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    assert data["build"]["pdf_layout"] == "grouped-early-contents-font-files-markers-cover-label"
    edition_glyphs, edition_draws = drawn_glyphs(released / "editions" / "1.0" / "manual.pdf", 1)
    data["build"]["pdf_layout"] = "part-a-chapter"  # as editions released before say (or say nothing)
    manifest_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    edition = manifest.load_edition(released, "1.0")
    assert edition.pdf_layout == "part-a-chapter"
    before = frozen.build_edition(released, edition, edition.path, tmp_path / "before", formats=("pdf",))
    before_glyphs, before_draws = drawn_glyphs(before["pdf"], 1)
    # about 90 dots a row on all three; a draft and a new edition draw them in a run, the
    # edition laid out the earlier way one at a time
    assert min(len(draft_glyphs), len(edition_glyphs), len(before_glyphs)) > 200
    assert draft_draws < 30 and edition_draws < 30 < len(before_glyphs) / 2 < before_draws, (
        draft_draws, edition_draws, before_draws)
