"""A draft lays out runs of short chapters together (pdf/pageplan.py, issue 17): fewer
documents for WeasyPrint, and a book that reads exactly like the one laid out in one call."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.pdfhtml import pdf_pages_text
from tests.test_layout import built_counts, read_book
from vimanual import api
from vimanual.pdf.pageplan import GROUP_CHARS, GROUP_SPREAD, SHORT_CHARS, group_units

SLUGS = [f"note-{n:02d}" for n in range(1, 13)]


def short_chapters(root: Path) -> Path:
    """Twelve short chapters (one or two pages each, so most are followed by a blank verso),
    linking to each other, one long chapter in the middle."""
    lorem = ("Procedural sample text for the grouping tests, about intake records, triage and "
             "referrals, repeated so that some chapters fill a second page. ") * 5
    chapters = {}
    for index, slug in enumerate(SLUGS):
        paragraphs = 9 if index % 3 == 0 else 1
        if slug == "note-06":
            paragraphs = 140  # long: laid out alone
        following = SLUGS[(index + 1) % len(SLUGS)]
        chapters[f"{slug}.md"] = chapter_md(
            f"Note {index + 1}",
            f"## Section {index + 1} {{#s{index + 1}}}\n\nWord: original-{index + 1}. "
            f"See [the next note]({following}.md#s{(index + 1) % len(SLUGS) + 1}).\n\n"
            + "".join(f"{lorem}\n\n" for _ in range(paragraphs)),
            lead="UK")
    return build_file_tree(root, {"manual.yaml": manual_yaml(chapters=SLUGS), "chapters": chapters})


def test_short_chapters_are_laid_out_together_and_read_as_the_one_call_book(tmp_path: Path) -> None:
    root = short_chapters(tmp_path / "ws")
    first = run("-C", root, "build", "--format", "pdf")
    assert first.exit_code == 0, first.output
    pages, laid, cached = built_counts(first.output)
    # 12 chapters, the contents and the margins: fewer documents than chapters
    assert cached == 0 and laid < len(SLUGS), first.output
    reference = api.build(root, formats=("pdf",), output=root / "one", use_cache=False, reference_layout=True)
    grouped, one = read_book(root / "build" / "manual.pdf"), read_book(root / "one" / "manual.pdf")
    assert grouped.texts == one.texts
    assert grouped.labels == one.labels and grouped.outline == one.outline and grouped.links == one.links
    assert reference.result.pages == pages
    # The blank versos, inside groups too, show the marking alone: no running head, no number.
    blanks = [n for n, text in enumerate(grouped.texts) if text.split() == ["TEST", "MARKING"]]
    assert len(blanks) >= 6, grouped.texts


def test_an_edit_lays_out_only_its_group_and_gives_the_fresh_bytes(tmp_path: Path) -> None:
    root = short_chapters(tmp_path / "ws")
    first = run("-C", root, "build", "--format", "pdf")
    pages, laid, _ = built_counts(first.output)
    note = root / "chapters" / "note-03.md"
    note.write_text(note.read_text().replace("original-3", "edited-3"))
    second = run("-C", root, "build", "--format", "pdf")
    assert second.exit_code == 0, second.output
    assert built_counts(second.output) == (pages, 1, laid - 1)
    text = " ".join(pdf_pages_text(root / "build" / "manual.pdf"))
    assert "edited-3" in text and "original-3" not in text and "original-4" in text
    fresh = run("-C", root, "build", "--format", "pdf", "--no-cache", "-o", root / "fresh")
    assert fresh.exit_code == 0, fresh.output
    assert (root / "fresh" / "manual.pdf").read_bytes() == (root / "build" / "manual.pdf").read_bytes()


def test_an_edition_released_before_keeps_one_document_a_chapter(tmp_path: Path) -> None:
    """Drafts (tagged or not) and new editions group; an edition whose manifest records one
    document a chapter (every edition released before the grouped layout) is rebuilt so, byte
    for byte as it was released (tests/test_reproducible.py rebuilds one)."""
    from vimanual.book.plan import BuildOptions, ReleaseInfo, plan_build
    from vimanual.pdf.layout import PARTS
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(short_chapters(tmp_path / "ws"))

    def request(**options: Any) -> bool:
        return plan_build(workspace, BuildOptions(formats=("pdf",), **options)).pdf_request(PARTS).group_parts

    release = ReleaseInfo("1.0", "2026-12-02")
    assert request() and request(tagged=True) and request(release=release, draft=False)
    assert request(release=release, draft=False, pdf_layout="grouped")
    assert not request(release=release, draft=False, pdf_layout="part-a-chapter")


@pytest.mark.parametrize("seed", range(5))
def test_groups_keep_the_order_their_limits_and_move_little_when_one_chapter_changes(seed: int) -> None:
    rng = random.Random(seed)
    count = 60
    idents = [f"chapter-{rng.randrange(10**6)}-{n}" for n in range(count)]
    sizes = [rng.choice([rng.randrange(8_000, 20_000), rng.randrange(20_000, 90_000)]) for _ in idents]
    chapters = [n != count - 1 for n in range(count)]  # the last unit is the glossary
    groups = group_units(idents, sizes, chapters)
    assert [i for group in groups for i in group] == list(range(count))
    assert any(len(group) > 1 for group in groups)
    for group in groups:
        if len(group) > 1:
            assert all(sizes[i] <= SHORT_CHARS and chapters[i] for i in group)
            assert sum(sizes[i] for i in group) <= GROUP_CHARS
    # One short chapter grows a little: the groups that end before its group starts, and those
    # that start after the next boundary the ids set (GROUP_SPREAD), stay exactly as they were.
    changed = rng.choice([i for i in range(count) if chapters[i] and sizes[i] <= SHORT_CHARS - 2_000])
    grown = list(sizes)
    grown[changed] += 2_000
    again = group_units(idents, grown, chapters)
    start = next(g[0] for g in groups if changed in g)

    def closes(i: int) -> bool:
        digest = int(hashlib.sha256(idents[i].encode()).hexdigest()[:8], 16)
        return not chapters[i] or max(sizes[i], grown[i]) > SHORT_CHARS or digest % GROUP_SPREAD == 0

    boundary = next((i for i in range(changed, count) if closes(i)), count)
    assert [g for g in again if g[-1] < start] == [g for g in groups if g[-1] < start]
    assert [g for g in again if g[0] > boundary] == [g for g in groups if g[0] > boundary]
