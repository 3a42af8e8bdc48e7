"""The manual as a book: numbering, captions, footnotes, citations, glossary, appendices,
cross-references, metadata and the PDF cache — on real pandoc and WeasyPrint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.pdfhtml import parse_html, pdf_outline_titles, pdf_pages_text

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001aa0d0ae20000000049454e44ae426082"
)

ALPHA = """\
## Purpose {#purpose}

We rely on hash sets[^hs] and CSAM reporting. CSAM appears again here.

[^hs]: A footnote about hash sets that must sit at the foot of its page.

![A one-pixel figure.](media/dot.png)

| Step | Record |
|------|--------|
| Seize | Exhibit log |

Table: Steps at intake.

As agreed by the working group [@lux2016].

### Detail

Text.
"""

BETA = """\
## Links

See [the purpose](#purpose) in the first chapter, and [alpha](alpha.md).

A long table follows.

| Row | Value |
|-----|-------|
""" + "".join(f"| row {i} | value {i} |\n" for i in range(1, 140)) + "\nTable: A long table.\n"

GAMMA = "## Forms\n\nAppendix text.\n"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_file_tree(tmp_path_factory.mktemp("book") / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta", "gamma"], bibliography="refs.bib"),
        "refs.bib": "@book{lux2016, title={Terminology Guidelines}, author={{Working Group}}, year={2016}}\n",
        "glossary.yaml": """\
            terms:
              - term: CSAM
                definition: Child sexual abuse material.
              - term: hash set
                definition: A list of hash values of known files.
                aliases: [hash sets]
            """,
        "chapters": {
            "alpha.md": chapter_md("Alpha Chapter", ALPHA, authors=["Ann Author"]),
            "beta.md": chapter_md("Beta Chapter", BETA, authors=["Bob Author"]),
            "gamma.md": chapter_md("Gamma Forms", GAMMA, appendix=True),
            "media": {"dot.png": PNG_1PX},
        },
    })
    result = run("-C", root, "build")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return root


@pytest.mark.slow
def test_numbers_run_through_the_manual(book: Path) -> None:
    html = parse_html(book / "build" / "manual.html")
    assert "1 Alpha Chapter" in html.text
    assert "1.1 Purpose" in html.text
    assert "1.1.1 Detail" in html.text
    assert "2.1 Links" in html.text
    assert "Appendix A Gamma Forms" in html.text
    assert "A.1 Forms" in html.text
    assert "Figure 1.1. A one-pixel figure." in html.text
    assert "Table 1.1. Steps at intake." in html.text
    assert "Table 2.1. A long table." in html.text


@pytest.mark.slow
def test_cross_references_land_on_the_right_place(book: Path) -> None:
    html = parse_html(book / "build" / "manual.html")
    assert "#alpha--purpose" in html.hrefs  # pandoc-style '#purpose' from another chapter
    assert "#alpha" in html.hrefs
    for href in html.hrefs:
        assert href[1:] in html.ids, href


@pytest.mark.slow
def test_citations_and_references(book: Path) -> None:
    html = parse_html(book / "build" / "manual.html")
    assert "Working Group 2016" in html.text
    assert "#alpha--ref-lux2016" in html.hrefs
    assert "References" in html.text
    assert "Terminology Guidelines" in html.text


@pytest.mark.slow
def test_glossary_chapter_and_first_use_links(book: Path) -> None:
    text = (book / "build" / "manual.html").read_text()
    html = parse_html(text)
    assert "glossary--csam" in html.ids and "glossary--hash-set" in html.ids
    alpha = text[text.index('id="alpha"'):text.index('id="beta"')]
    assert alpha.count('href="#glossary--csam"') == 1  # first use only
    assert '<a class="glossary-term" href="#glossary--hash-set">hash sets</a>' in alpha


@pytest.mark.slow
def test_pdf_footnote_sits_on_its_page_not_at_chapter_end(book: Path) -> None:
    pages = pdf_pages_text(book / "build" / "manual.pdf")
    page = next(p for p in pages if "1 Alpha Chapter Ann Author" in p)
    assert "A footnote about hash sets that must sit at the foot of its page." in page


@pytest.mark.slow
def test_pdf_chapters_start_on_right_hand_pages(book: Path) -> None:
    pages = pdf_pages_text(book / "build" / "manual.pdf")
    for title in ("1 Alpha Chapter Ann Author", "2 Beta Chapter Bob Author", "A.1 Forms Appendix text."):
        start = next(i for i, p in enumerate(pages, start=1) if title in p)
        assert start % 2 == 1, (title, start)


@pytest.mark.slow
def test_pdf_long_table_repeats_its_header(book: Path) -> None:
    pages = pdf_pages_text(book / "build" / "manual.pdf")
    with_rows = [p for p in pages if re.search(r"row \d+ value", p)]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert "Row Value" in page


@pytest.mark.slow
def test_pdf_outline_and_metadata(book: Path) -> None:
    pdf = book / "build" / "manual.pdf"
    outline = pdf_outline_titles(pdf)
    assert outline[:3] == ["1 Alpha Chapter", "1.1 Purpose", "1.1.1 Detail"]
    assert "Appendix A Gamma Forms" in outline
    assert "Glossary" in outline
    reader = PdfReader(str(pdf))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Test Manual"
    assert meta.author == "Ann Author, Bob Author"
    assert meta.subject == "For the tests"
    assert reader.trailer["/Root"].get("/Lang") == "en"


@pytest.mark.slow
def test_unchanged_rebuild_reuses_the_pdf_and_a_change_redoes_it(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "Text.\n")},
    })
    first = run("-C", root, "build")
    summary = r"\(\d+ pages; \d+ parts of the book typeset, 0 reused from the last build\)"
    assert re.search(summary, first.output), first.output
    pdf = root / "build" / "manual.pdf"
    before = pdf.stat().st_mtime_ns
    second = run("-C", root, "build")
    assert "pages, unchanged)" in second.output
    assert "0 converted, 1 from cache" in second.output
    assert pdf.stat().st_mtime_ns == before
    (root / "chapters" / "alpha.md").write_text(chapter_md("Alpha", "New text.\n"))
    third = run("-C", root, "build")
    assert "pages, unchanged)" not in third.output
    assert "New text." in " ".join(pdf_pages_text(pdf))


def test_missing_bibliography_is_a_validation_error(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"], bibliography="missing.bib"),
        "chapters": {"alpha.md": chapter_md("Alpha", "Text.\n")},
    })
    result = run("-C", root, "check")
    assert result.exit_code == 1
    assert "error: manual.yaml:21: bibliography file 'missing.bib' does not exist" in result.output
