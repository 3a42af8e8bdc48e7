"""A draft's contents is laid out beside the chapters, with placeholder page numbers of the
right number of digits, and its true numbers written in once the pages are known
(pdf/tocpages.py). The contents must read and look as if laid out with its true numbers:
checked on a book past 100 pages (entries of one, two and three digits) built through the
CLI, entry by entry against the pages the sections start on, and glyph by glyph against the
contents laid out directly. What cannot be trusted is laid out again, as before.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pikepdf
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok
from tests.pdfhtml import drawn_glyphs
from vimanual.base.fsutil import file_sha256
from vimanual.book.plan import DEFAULT_STYLES
from vimanual.pdf import tocpages, tocpieces, workers
from vimanual.pdf.leaders import one_run_leaders
from vimanual.pdf.weasy import render_pdf

CHAPTERS = 12
SECTIONS = 9
ENTRY = re.compile(r"^(\d+(?:\.\d+)?)\s+(.+?)\s*\.{3,}\s*(\d+)\s*$")


def _workspace(root: Path) -> Path:
    """A book of about 130 pages: every section starts a page (the workspace's own print.css)."""
    slugs = [f"part-{n:02d}" for n in range(1, CHAPTERS + 1)]
    chapters = {
        f"{slug}.md": chapter_md(f"Chapter {slug[-2:]} procedures", "".join(
            f"## Step {n} of {slug} {{#{slug}-step-{n}}}\n\nSample text for step {n}.\n\n"
            for n in range(1, SECTIONS + 1)))
        for slug in slugs
    }
    css = (DEFAULT_STYLES / "print.css").read_text(encoding="utf-8")
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=slugs),
        "chapters": chapters,
        "styles": {"print.css": css + "\n.chapter section h2 { break-before: page; }\n"},
    })


@pytest.fixture(scope="module", params=[
    pytest.param(False, id="draft"),
    # a tagged PDF draws each inline box in a text object of its own, in marked content
    pytest.param(True, id="tagged", marks=pytest.mark.slow),
])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The book built once through the CLI (a draft, and a tagged draft), with what the
    contents' writer was given and did."""
    tagged: bool = request.param
    ws = _workspace(tmp_path_factory.mktemp("toc") / "ws")
    calls: list[dict[str, Any]] = []
    real = tocpages.EarlyContents.write

    def spied(self: tocpages.EarlyContents, pieces: Any, folios: Any, true_html: str, target: Path,
              joining: Path) -> bool:
        written = real(self, pieces, folios, true_html, target, joining)
        copy = target.with_name("contents-written.pdf")
        if written:
            copy.write_bytes(target.read_bytes())
        calls.append({"written": written, "copy": copy, "true_html": true_html, "pieces": len(pieces),
                      "placeholders": dict(self.pages or {}),
                      "true": {key: folios[key] for key in self.keys}})
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "write", spied)
        result = ok("-C", ws, "build", "--format", "pdf", *["--tagged"] * tagged)
    return {"ws": ws, "calls": calls, "pdf": ws / "build" / "manual.pdf", "tagged": tagged,
            "output": " ".join(result.output.split())}


def _entries(reader: pypdf.PdfReader) -> list[tuple[str, str, int]]:
    entries = []
    for page in reader.pages[:8]:
        for line in page.extract_text().splitlines():
            found = ENTRY.match(line.strip())
            if found:
                entries.append((found[1], found[2], int(found[3])))
    return entries


def test_contents_was_laid_out_beside_the_chapters(built: dict[str, Any]) -> None:
    assert [call["written"] for call in built["calls"]] == [True]
    assert built["calls"][0]["pieces"] == 1  # 120 entries: one piece (pdf/tocpieces.py)
    placeholders = built["calls"][0]["placeholders"]
    assert {len(value) for value in placeholders.values()} == {1, 2, 3}
    # the front matter's margins, laid out beside the chapters too, were taken when asked for,
    # and a cold build says it reused nothing from an earlier one
    found = re.search(r"(\d+) parts? of the book typeset, (\d+) reused from the last build", built["output"])
    assert found is not None and found[2] == "0", built["output"]


def test_every_entry_shows_the_page_its_section_starts_on(built: dict[str, Any]) -> None:
    reader = pypdf.PdfReader(built["pdf"])
    assert len(reader.pages) > 110
    labels = reader.page_labels
    entries = _entries(reader)
    assert len(entries) == CHAPTERS * (SECTIONS + 1)
    shown = {str(number) for *_, number in entries}
    assert {len(number) for number in shown} == {1, 2, 3}
    for number, title, page in entries:
        index = labels.index(str(page))  # the page labelled with the entry's number
        text = " ".join(reader.pages[index].extract_text().split())
        assert " ".join(title.split()) in text, (number, title, page)
    # and no placeholder is left: the numbers rise with the book
    pages = [page for *_, page in entries]
    assert pages == sorted(pages) and pages[0] == 1
    if built["tagged"]:  # the written contents keeps its place in the structure tree
        with pikepdf.open(built["pdf"]) as pdf:
            assert "/StructTreeRoot" in pdf.Root
            assert all("/StructParents" in pdf.pages[n].obj for n in range(3))


def test_contents_draws_what_laying_it_out_with_its_numbers_draws(
        built: dict[str, Any], tmp_path: Path) -> None:
    call = built["calls"][0]
    direct = tmp_path / "direct.pdf"
    one_run_leaders(True)  # as a draft's layout worker draws the leaders
    try:
        log = render_pdf(call["true_html"], DEFAULT_STYLES, [DEFAULT_STYLES], direct,
                         tagged=built["tagged"])
    finally:
        one_run_leaders(False)
    written = pypdf.PdfReader(call["copy"])
    assert len(written.pages) == log.pages >= 3
    for page in range(log.pages):
        assert drawn_glyphs(call["copy"], page)[0] == drawn_glyphs(direct, page)[0], page


def test_placeholders_shown_elsewhere_are_not_trusted() -> None:
    """A template that shows a page number anywhere but in an entry's data-page: laid out again."""
    made = '<a data-page="07">x</a> see page 07'
    assert not tocpages._only_numbers_differ(made, '<a data-page="12">x</a> see page 12',
                                             {"a": "07"}, ["a"], {"a": "12"})
    assert tocpages._only_numbers_differ('<a data-page="07">x</a>', '<a data-page="12">x</a>',
                                         {"a": "07"}, ["a"], {"a": "12"})


def test_numbers_not_drawn_as_their_placeholders_are_refused(
        built: dict[str, Any], tmp_path: Path) -> None:
    call = built["calls"][0]
    placeholders, true = call["placeholders"], call["true"]
    # the written contents draws the true numbers, not the placeholders: nothing there to trust
    assert not tocpages.write_numbers(call["copy"], placeholders, true, tmp_path / "again.pdf")
    assert not (tmp_path / "again.pdf").exists()
    # a page whose number has more digits than its placeholder is refused before anything is read
    early = tocpages.EarlyContents(lambda pages: "", [], False)
    early.pages, early.keys = placeholders, list(placeholders)
    three = next(key for key, value in placeholders.items() if len(value) == 3)
    assert not early.write([(tocpieces.Piece(0, 0, 0, 0), call["copy"])], {**true, three: "1000"},
                           call["true_html"], tmp_path / "again.pdf", tmp_path / "joined.pdf")
    assert not (tmp_path / "again.pdf").exists()


def test_a_rebuild_with_the_same_pages_reuses_the_written_contents(
        built: dict[str, Any], tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(built["ws"], ws)
    chapter = ws / "chapters" / "part-12.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Sample text for step 5.",
                                                                    "Sample text for step five."))
    written: list[bool] = []
    real, real_more = tocpages.EarlyContents.write, tocpages.EarlyContents.more
    real_send = workers.Worker.send
    sent: list[str] = []  # the documents sent to a worker, as ``more`` is first asked
    asked: list[list[str]] = []

    def spied(self: tocpages.EarlyContents, pieces: Any, folios: Any, true_html: str, target: Path,
              joining: Path) -> bool:
        written.append(real(self, pieces, folios, true_html, target, joining))
        return written[-1]

    def more(self: tocpages.EarlyContents, known: Any) -> Any:
        asked.append(list(sent))
        return real_more(self, known)

    def send(self: workers.Worker, request: dict[str, object]) -> None:
        sent.append(Path(str(request["html"])).read_text(encoding="utf-8"))
        real_send(self, request)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "write", spied)
        patch.setattr(tocpages.EarlyContents, "more", more)
        patch.setattr(workers.Worker, "send", send)
        result = ok("-C", ws, "build", "--format", "pdf", *["--tagged"] * built["tagged"])
    assert "1 part of the book typeset" in " ".join(result.output.split())
    assert written == []  # the contents came from the cache, numbers and all
    # the edited chapter went to a worker before the contents was asked for (from the cache)
    assert len(asked[0]) == 1 and "step five" in asked[0][0]
    rebuilt = pypdf.PdfReader(ws / "build" / "manual.pdf")
    assert _entries(rebuilt) == _entries(pypdf.PdfReader(built["pdf"]))
    assert any("step five" in page.extract_text() for page in rebuilt.pages)


def test_a_contents_whose_numbers_cannot_be_written_is_laid_out_whole_with_them(
        built: dict[str, Any], tmp_path: Path) -> None:
    """The contents is written in while the margins are laid out; when writing finds it cannot
    trust the placeholders after all, the front matter is laid out whole, with its numbers."""
    ws = tmp_path / "ws"
    shutil.copytree(built["ws"], ws)
    for written in (ws / "build" / "cache").rglob("contents-*.pdf"):
        written.unlink()  # else the cache has the written contents, and nothing is written
    calls: list[int] = []

    def refused(self: tocpages.EarlyContents, *args: Any) -> bool:
        calls.append(1)
        return False

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "write", refused)
        ok("-C", ws, "build", "--format", "pdf", *["--tagged"] * built["tagged"])
    assert calls == [1]
    rebuilt = pypdf.PdfReader(ws / "build" / "manual.pdf")
    assert len(rebuilt.pages) == len(pypdf.PdfReader(built["pdf"]).pages)
    assert _entries(rebuilt) and _entries(rebuilt) == _entries(pypdf.PdfReader(built["pdf"]))


def test_a_contents_sent_with_too_few_digits_is_laid_out_again_as_it_would_have_been(
        built: dict[str, Any], tmp_path: Path) -> None:
    """The number of digits can rest on the book's estimated length: when that was wrong, the
    contents is laid out again with placeholders of the true number of digits and written, so
    the book has the bytes it has when the estimate is right (a released edition's contents is
    made this way, and an edition rebuilds byte for byte)."""
    ws = tmp_path / "ws"
    shutil.copytree(built["ws"], ws, ignore=shutil.ignore_patterns("build"))
    real_digits, real_write = tocpages.EarlyContents._digits, tocpages.EarlyContents.write
    written: list[tuple[bool, int]] = []

    def short(self: tocpages.EarlyContents, known: Any) -> dict[str, int] | None:
        digits = real_digits(self, known)
        return None if digits is None else dict.fromkeys(digits, 1)  # an estimate far too short

    def spied(self: tocpages.EarlyContents, pieces: Any, *args: Any) -> bool:
        written.append((real_write(self, pieces, *args), max(len(p) for p in (self.pages or {}).values())))
        return written[-1][0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "_digits", short)
        patch.setattr(tocpages.EarlyContents, "write", spied)
        ok("-C", ws, "build", "--format", "pdf", *["--tagged"] * built["tagged"])
    assert written == [(True, 3)]  # written with placeholders of three digits, laid out again
    assert (ws / "build" / "manual.pdf").read_bytes() == built["pdf"].read_bytes()


def test_a_new_edition_lays_its_contents_out_early_and_one_released_before_does_not(tmp_path: Path) -> None:
    from vimanual.book.plan import BuildOptions, ReleaseInfo, plan_build
    from vimanual.pdf.layout import PARTS
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(_workspace(tmp_path / "ws"))

    def early(**options: Any) -> bool:
        plan = plan_build(workspace, BuildOptions(formats=("pdf",), **options))
        return plan.pdf_request(PARTS).early_contents

    release = ReleaseInfo("1.0", "2026-12-03")
    assert early() and early(tagged=True) and early(release=release, draft=False)
    assert early(release=release, draft=False, pdf_layout="grouped-early-contents")
    assert early(release=release, draft=False, pdf_layout="grouped-early-contents-font-files")
    assert early(release=release, draft=False, pdf_layout="grouped-early-contents-font-files-markers")
    assert not early(release=release, draft=False, pdf_layout="grouped")
    assert not early(release=release, draft=False, pdf_layout="part-a-chapter")


@pytest.mark.slow
def test_a_new_edition_s_contents_is_written_in_and_rebuilds_byte_for_byte(tmp_path: Path) -> None:
    import json

    from tests.test_editions import approve_all

    ws = _workspace(tmp_path / "ws")
    approve_all(ws)
    written: list[bool] = []
    real = tocpages.EarlyContents.write

    def spied(self: tocpages.EarlyContents, *args: Any) -> bool:
        written.append(real(self, *args))
        return written[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tocpages.EarlyContents, "write", spied)
        ok("-C", ws, "release", "1.0", "--date", "2026-12-03")
    assert written == [True]
    released = ws / "editions" / "1.0" / "manual.pdf"
    assert len(_entries(pypdf.PdfReader(released))) == CHAPTERS * (SECTIONS + 1)
    with pikepdf.open(released) as pdf:
        assert "/StructTreeRoot" in pdf.Root
    verified = json.loads(ok("-C", ws, "verify-edition", "1.0", "--rebuild", "--json").stdout)
    assert verified["differences"] == [] and verified["pdf_sha256"] == file_sha256(released)


def _slow_glyph_codes(array: Any) -> tuple[list[bytes], bool]:
    """What ``glyph_codes`` must give, read item by item as before it read qpdf's writing."""
    codes: list[bytes] = []
    kerned, strings = False, 0
    for item in array:
        if isinstance(item, pikepdf.String):
            data = bytes(item)
            codes += [data[at:at + 2] for at in range(0, len(data) - 1, 2)]
            strings += 1
        elif strings and float(item) != 0:
            kerned = True
    return codes, kerned


_ITEMS = st.one_of(
    st.binary(max_size=7).map(pikepdf.String),  # glyphs, odd lengths and printable bytes among them
    st.integers(-2000, 2000),
    st.decimals(-500, 500, places=3).map(lambda d: d.normalize()),
    st.sampled_from([0, 0, 0, -0.0]),
)


@given(st.lists(_ITEMS, max_size=30))
@settings(max_examples=300, deadline=None)
def test_glyph_codes_read_from_qpdfs_writing_are_those_read_item_by_item(items: list[Any]) -> None:
    array = pikepdf.Array(items)
    assert tocpages.glyph_codes(array) == _slow_glyph_codes(array)


def test_glyph_codes_of_a_drawn_leader_and_number() -> None:
    dot, one, two = b"\x00\x11", b"\x00\x14", b"\x00\x15"
    leader = pikepdf.Array([item for _ in range(100) for item in (pikepdf.String(dot), 0)])
    assert tocpages.glyph_codes(leader) == ([dot] * 100, False)
    number = pikepdf.Array([pikepdf.String(one), 0, pikepdf.String(two)])
    assert tocpages.glyph_codes(number) == ([one, two], False)
    kerned = pikepdf.Array([pikepdf.String(one), -40, pikepdf.String(two)])
    assert tocpages.glyph_codes(kerned) == ([one, two], True)
    moved_first = pikepdf.Array([25, pikepdf.String(one)])  # a number before the first glyph: no kerning
    assert tocpages.glyph_codes(moved_first) == ([one], False)


@given(st.dictionaries(st.binary(min_size=2, max_size=2), st.sampled_from(["", ".", "..", "1", "a", ". "]),
                       max_size=6),
       st.lists(st.binary(min_size=2, max_size=2), max_size=8))
@settings(max_examples=300, deadline=None)
def test_a_leader_is_codes_whose_text_is_dots_only(text: dict[bytes, str], codes: list[bytes]) -> None:
    font = tocpages._Font(text, {}, False)
    codes = codes + list(text)[: len(codes) % 3]  # codes the font has, too
    leader = "".join(text.get(code, "?") for code in codes)  # as the leader was read before
    assert font.draws_dots(codes) == (bool(leader) and set(leader) == {"."})
