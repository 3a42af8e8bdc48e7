"""The build on real pandoc and real WeasyPrint: what a reader of the PDF and HTML sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import chapter_md, manual_yaml, run, small_workspace
from tests.pdfhtml import parse_html, pdf_font_names, pdf_outline_titles, pdf_pages_text


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = small_workspace(tmp_path_factory.mktemp("built") / "ws")
    result = run("-C", root, "build")
    assert result.exit_code == 0, result.output
    return root


@pytest.mark.slow
def test_build_reports_what_it_made(built: Path) -> None:
    pdf = built / "build" / "manual.pdf"
    html = built / "build" / "manual.html"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert html.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.slow
def test_pdf_has_cover_contents_and_chapters(built: Path) -> None:
    pages = pdf_pages_text(built / "build" / "manual.pdf")
    assert "Test Manual" in pages[0]
    assert "For the tests" in pages[0]
    contents = next(p for p in pages if p.startswith("Contents") or " Contents " in f" {p} ")
    assert "1 Alpha Chapter" in contents
    assert "1.1 First steps" in contents
    assert "2 Beta Chapter" in contents
    assert any("1 Alpha Chapter" in p and "Alpha text." in p for p in pages)
    assert any("2 Beta Chapter" in p and "2.1 Beta section" in p for p in pages)


@pytest.mark.slow
def test_pdf_marks_every_page(built: Path) -> None:
    pdf = built / "build" / "manual.pdf"
    pages = pdf_pages_text(pdf)
    labels = PdfReader(str(pdf)).page_labels
    main = sum(label.isdigit() for label in labels)
    for label, text in zip(labels, pages, strict=True):
        assert "TEST MARKING" in text, label
        if text.strip() == "TEST MARKING":
            continue  # a blank verso: only the marking (tests/test_print_pages.py)
        assert "DRAFT" in text, label
        if label.isdigit():  # the main matter: page 1 of N from the first chapter
            assert f"page {label} of {main}" in text
        elif label != "i":  # the front matter after the cover: page ii, iii …
            assert f"page {label}" in text


@pytest.mark.slow
def test_pdf_contents_page_numbers_are_where_chapters_start(built: Path) -> None:
    pdf = built / "build" / "manual.pdf"
    pages = pdf_pages_text(pdf)
    labels = PdfReader(str(pdf)).page_labels
    contents = next(p for p in pages if "Contents" in p)
    for title in ("Alpha Chapter", "Beta Chapter"):
        match = re.search(rf"{title}[\s.]*(\d+)", contents)
        assert match, contents
        start = pages[labels.index(match.group(1))]
        assert title in start
        assert "Contents" not in start


@pytest.mark.slow
def test_pdf_bookmarks_and_embedded_fonts(built: Path) -> None:
    pdf = built / "build" / "manual.pdf"
    outline = pdf_outline_titles(pdf)
    assert "1 Alpha Chapter" in outline
    assert "1.1 First steps" in outline
    assert "2 Beta Chapter" in outline
    fonts = pdf_font_names(pdf)
    # the shipped fonts (styles/fonts.css names them "Manual Serif"/"Manual Sans"), subset-embedded
    assert any(f.endswith("+Manual-Serif") for f in fonts), fonts
    assert any(f.endswith("+Manual-Sans-Bold") for f in fonts), fonts


@pytest.mark.slow
def test_html_is_self_contained_and_links_resolve(built: Path) -> None:
    html = parse_html(built / "build" / "manual.html")
    assert "alpha" in html.ids and "beta" in html.ids
    assert len(html.ids) == len(set(html.ids)), "ids must be unique"
    for href in html.hrefs:
        assert href.startswith("#"), href
        assert href[1:] in html.ids, href
    assert "#alpha--first" in html.hrefs  # the link from beta.md to alpha.md#first
    for tag, attrs in html.tags:
        assert tag not in {"script", "link", "iframe", "object", "embed"}, tag
        assert "src" not in attrs or str(attrs["src"]).startswith("data:")
    assert "Alpha text." in html.text


@pytest.mark.slow
def test_paper_option_and_format_option(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    result = run("-C", root, "build", "--format", "pdf", "--paper", "Letter", "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert not (root / "build" / "manual.html").exists()
    from pypdf import PdfReader

    box = PdfReader(str(root / "build" / "manual.pdf")).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_output_and_chapters_options(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    out = tmp_path / "elsewhere"
    result = run("-C", root, "build", "--format", "html", "--chapters", "beta", "--output", out)
    assert result.exit_code == 0, result.output
    html = parse_html(out / "manual.html")
    assert "beta" in html.ids and "alpha" not in html.ids
    unknown = run("-C", root, "build", "--chapters", "gamma")
    assert unknown.exit_code == 2
    assert "Error: unknown chapter 'gamma'" in unknown.stderr


def test_second_build_uses_the_cache(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    first = run("-C", root, "build", "--format", "html")
    assert "2 converted, 0 from cache" in first.output
    (root / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Changed.\n"))
    second = run("-C", root, "build", "--format", "html")
    assert "1 converted, 1 from cache" in second.output
    assert "Changed." in parse_html(root / "build" / "manual.html").text


HOSTILE = """\
## Hostile {#hostile}

<script>alert('x')</script>

<img src="x" onerror="alert(1)">

[js](javascript:alert(1)) and [data](data:text/html,<b>x</b>) and [ok](https://www.example.org/)

![passwd](file:///etc/passwd)

![escape](../../outside.png)

![remote](http://127.0.0.1:9/x.png)

```{=html}
<iframe src="https://www.example.org/"></iframe>
```

[styled]{style="background:url(http://127.0.0.1:9/)" onclick="x()"}
"""


@pytest.mark.slow
def test_hostile_chapter_is_neutralised_and_reported(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\nCANARY-OUTSIDE")
    (root / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", HOSTILE))
    result = run("-C", root, "build", "--force")  # without it, check's errors stop the build
    assert result.exit_code == 0, result.output
    text = (root / "build" / "manual.html").read_text()
    html = parse_html(text)
    content = parse_html(text[text.index("<main>"):])
    for tag, attrs in content.tags:
        assert tag not in {"script", "iframe", "object", "embed", "style", "link", "form"}, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs
    assert "javascript:" not in " ".join(html.hrefs)
    assert not any(h.startswith("data:") for h in html.hrefs)
    assert "https://www.example.org/" in html.hrefs
    assert "CANARY-OUTSIDE" not in text
    assert "root:" not in text
    warnings = result.stderr
    assert "chapters/beta.md: unsafe or unsupported link 'javascript:alert(1)' removed" in warnings
    assert "chapters/beta.md: image 'file:///etc/passwd' removed" in warnings
    assert "chapters/beta.md: image '../../outside.png' removed: it is outside the workspace" in warnings
    assert "chapters/beta.md: image 'http://127.0.0.1:9/x.png' removed" in warnings
    # the escaped script is shown as text, never run
    assert "<script>alert(" in content.text


@pytest.mark.slow
def test_a_failed_build_leaves_the_previous_manual_intact(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    assert run("-C", root, "build").exit_code == 0
    pdf, html = root / "build" / "manual.pdf", root / "build" / "manual.html"
    before = (pdf.read_bytes(), html.read_bytes())
    (root / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Changed text.\n"))
    (root / "styles").mkdir()
    (root / "styles" / "manual.html.j2").write_text("<html>\n{% for x in %}\n</html>\n")
    result = run("-C", root, "build")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: styles/manual.html.j2:2: template error:")
    assert (pdf.read_bytes(), html.read_bytes()) == before
    assert sorted(p.name for p in (root / "build").iterdir()) == ["cache", "manual.html", "manual.pdf"]


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        ({"pandoc_memory_mb": 4}, "Error: chapters/alpha.md: pandoc ran out of its 4 MB memory limit"),
        ({"pdf_memory_mb": 150}, "Error: WeasyPrint (PDF layout) exceeded the 150 MB memory cap"),
        ({"pdf_timeout_seconds": 1}, "Error: WeasyPrint (PDF layout) did not finish within 1 s"),
    ],
    ids=["pandoc heap cap", "pdf memory cap", "pdf timeout"],
)
@pytest.mark.slow
def test_conversions_are_bounded_and_a_failure_damages_nothing(
    tmp_path: Path, limits: dict[str, int], expected: str
) -> None:
    root = small_workspace(tmp_path / "ws")
    assert run("-C", root, "build").exit_code == 0
    pdf, html = root / "build" / "manual.pdf", root / "build" / "manual.html"
    before = (pdf.read_bytes(), html.read_bytes())
    long_body = "## First steps {#first}\n\n" + "".join(f"Paragraph {i} with words.\n\n" for i in range(6000))
    (root / "chapters" / "alpha.md").write_text(chapter_md("Alpha Chapter", long_body, lead="UK"))
    (root / "manual.yaml").write_text(manual_yaml(limits=limits))
    result = run("-C", root, "build")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(expected), result.stderr
    assert (pdf.read_bytes(), html.read_bytes()) == before
    assert sorted(p.name for p in (root / "build").iterdir()) == ["cache", "manual.html", "manual.pdf"]


def test_draft_banners_show_live_review_state(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    assert run("-C", root, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    text = parse_html(root / "build" / "manual.html").text
    assert "Draft · review: not ready · UK approved · AU pending" in text
    assert run("-C", root, "review", "alpha", "-j", "AU", "--approve", "--as", "Alan Reviewer").exit_code == 0
    (root / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Edited.\n", lead="AU"))
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    text = parse_html(root / "build" / "manual.html").text
    assert "Draft · review: ready · UK approved · AU approved" in text
    assert "Draft · review: not ready · UK pending · AU pending" in text
