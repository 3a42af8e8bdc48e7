"""Documents made the way contributors make them: LibreOffice's own .docx and .odt (bookmarks,
REF fields, caption fields and references to them, tracked changes by two authors, a comment
with its reply, images with alt text, footnotes, a table with a header row) and a Markdown
chapter with an images/ folder, from tests/corpus/real/ (its README says how each was made).

Each goes through the real CLI as a contributor and an editor would use it: submit (refused
with what it holds, then with --track-changes), contributions, accept, check and build; the
assertions are what they would look at in the files, the HTML and the PDF.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from tests.helpers import REPO, run, small_workspace, snapshot, submit_json

REAL = REPO / "tests" / "corpus" / "real"
PERSON = "Sam Contributor (UK)"
TRACKED = {"docx": REAL / "procedures-tracked.docx", "odt": REAL / "procedures-tracked.odt"}
RECORDING = REAL / "markdown" / "recording" / "chapter.md"
MKDOCS = REAL / "markdown" / "mkdocs-site" / "docs" / "guide" / "intake.md"
COMMENTED = "Image the device before any triage."


def _submit(root: Path, path: Path, slug: str, *options: str) -> dict[str, object]:
    return submit_json(root, path, slug, PERSON, *options)


def _accept(root: Path, contribution: object) -> None:
    accepted = run("-C", root, "accept", str(contribution), "--as", "Ed Editor")
    assert accepted.exit_code == 0, accepted.output


def _revision(root: Path, data: dict[str, object]) -> str:
    return (root / "contributions" / str(data["id"]) / "r1.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_tracked_changes_and_comments_are_refused_with_what_the_document_holds(tmp_path: Path,
                                                                               fmt: str) -> None:
    root = small_workspace(tmp_path / "ws")
    before = snapshot(root)
    result = run("-C", root, "submit", TRACKED[fmt], "--chapter", "triage", "--jurisdiction", "UK",
                 "--as", PERSON)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"procedures-tracked.{fmt}: holds 2 tracked insertions, 1 tracked deletion, 2 comments" in text
    assert "--track-changes accept (or reject)" in text
    assert snapshot(root) == before


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_hidden_text_is_refused_not_published(tmp_path: Path, fmt: str) -> None:
    """Characters with LibreOffice's Hidden effect (Word's w:vanish once saved as .docx) and a
    hidden section: neither editor prints them, pandoc read them as text and the manual
    printed "Internal note: room key held by ..." (found by an independent intake test)."""
    root = small_workspace(tmp_path / "ws")
    before = snapshot(root)
    result = run("-C", root, "submit", REAL / f"hidden-text.{fmt}", "--chapter", "storage",
                 "--jurisdiction", "UK", "--as", PERSON)
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    passages = 2 if fmt == "odt" else 1  # a hidden section is written as plain text in a .docx
    assert (f"hidden-text.{fmt}: the document holds hidden text, which the manual would print: "
            f"{passages} passage(s), the first 'Internal note: room key held by the duty officer (sample).'"
            in text)
    assert "delete it or make it visible, and submit again" in text
    assert snapshot(root) == before


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_the_documents_own_table_of_contents_is_left_out(tmp_path: Path, fmt: str) -> None:
    """Word's table of contents came through as text: its 'Contents' heading took the chapter's
    title and its entries printed the document's page numbers as links (found by an
    independent intake test). LibreOffice writes it in the Table of Contents gallery too."""
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, REAL / f"with-contents.{fmt}", "devices")
    assert data["title"] == "Handling seized devices (sample)"
    text = _revision(root, data)
    assert "Contents" not in text and "|outline" not in text
    assert text.count("## Seizure") == 1 and text.count("## Transport") == 1
    if fmt == "docx":
        warned = " ".join(str(w) for w in data["warnings"])
        assert "the document's own table of contents (or list of figures or tables) left out" in warned


def test_an_old_word_file_is_refused_saying_how_to_save_it(tmp_path: Path) -> None:
    """A .doc got only 'unsupported file type', and the same file renamed .docx 'not a ZIP
    archive' (found by an independent intake test)."""
    root = small_workspace(tmp_path / "ws")
    before = snapshot(root)
    result = run("-C", root, "submit", REAL / "heading-only.doc", "--chapter", "scope",
                 "--jurisdiction", "UK", "--as", PERSON)
    assert result.exit_code == 2
    assert "unsupported file type '.doc'" in result.output
    assert "hint: save it as .docx (Word: File > Save As > Word Document)" in result.output
    renamed = tmp_path / "scope.docx"
    renamed.write_bytes((REAL / "heading-only.doc").read_bytes())
    result = run("-C", root, "submit", renamed, "--chapter", "scope", "--jurisdiction", "UK", "--as", PERSON)
    assert result.exit_code == 2
    assert "scope.docx: this is an old Word (.doc) or password-protected file, not a .docx" in result.output
    assert snapshot(root) == before


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_linked_picture_is_named_as_left_out(tmp_path: Path, fmt: str) -> None:
    """A picture inserted as a link to a file: the .odt said so, the .docx lost it without a
    word (pandoc's reader drops a linked blip; found by an independent intake test)."""
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, REAL / f"linked-picture.{fmt}", "photos")
    warnings = " ".join(" ".join(str(w) for w in data["warnings"]).split())  # type: ignore[union-attr]
    expected = {"docx": "1 picture(s) linked to a file instead of held in the document",
                "odt": "image '../pictures/exhibit-sample.png' is not embedded in the document"}[fmt]
    assert expected in warnings
    text = _revision(root, data)
    assert "Sample text: the photograph below is linked" in text and "exhibit-sample" not in text


def test_accept_and_reject_resolve_the_real_changes_and_keep_every_other_word(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    for fmt in ("docx", "odt"):
        data = _submit(root, TRACKED[fmt], f"accepted-{fmt}", "--track-changes", "accept")
        accepted = _revision(root, data)
        assert "logged on arrival with an inserted sample step before it is examined." in accepted, fmt
        assert "Record who imaged it." in accepted and "removed sample step" not in accepted, fmt
        # a Word "Subtitle" paragraph (pandoc reads it as metadata) and the footnotes stay text
        assert "Sample text: an invented procedure for the tests" in accepted, fmt
        assert "Sample footnote: returns are rare" in accepted, fmt
    rejected = _revision(root, _submit(root, TRACKED["docx"], "rejected-docx", "--track-changes", "reject"))
    assert "logged on arrival and a removed sample step before it is examined." in rejected
    assert "inserted sample step" not in rejected and "Record who imaged it." not in rejected
    odt = run("-C", root, "submit", TRACKED["odt"], "--chapter", "rejected-odt", "--jurisdiction", "UK",
              "--as", PERSON, "--track-changes", "reject")
    assert odt.exit_code == 2 and "can only be accepted here" in odt.output and "Reject All" in odt.output


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_comment_and_its_reply_are_kept_with_the_words_they_are_on(tmp_path: Path, fmt: str) -> None:
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, TRACKED[fmt], "triage", "--track-changes", "accept")
    shown = json.loads(run("-C", root, "contributions", str(data["id"]), "--json").stdout)
    comments = sorted(shown["comments"]["r1"], key=lambda c: c["date"])
    assert [(c["author"], c["text"], c["on"]) for c in comments] == [
        ("Blake Editor (sample)", "Please confirm this sample step.", COMMENTED),
        ("Alex Author (sample)", "Confirmed with the sample lab.", COMMENTED),
    ]
    assert "Please confirm" not in _revision(root, data)
    table = " ".join(run("-C", root, "contributions", str(data["id"])).output.split())
    assert "comment by Blake Editor (sample)" in table and "Confirmed with the sample lab." in table


@pytest.mark.parametrize("name", ["heading-only.docx", "heading-only.odt"])
def test_a_document_that_is_only_its_heading_is_titled_by_it_and_taken(tmp_path: Path, name: str) -> None:
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, REAL / name, "scope")
    assert data["title"] == "Scope of the sample manual"
    _accept(root, data["id"])
    chapter = (root / "chapters" / "scope.md").read_text(encoding="utf-8")
    assert "title: Scope of the sample manual" in chapter and "#" not in chapter.split("---", 2)[2]
    checked = json.loads(run("-C", root, "check", "--json").stdout)
    assert [p for p in checked["problems"] if p["file"].endswith("scope.md")] == []


def test_a_markdown_chapter_takes_its_images_folder_and_names_what_it_left(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    result = run("-C", root, "submit", RECORDING, "--chapter", "recording", "--jurisdiction", "UK",
                 "--as", PERSON, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    warnings = " ".join(" ".join(data["warnings"]).split())
    assert "image 'images/scans/log.png' was left out: no such file" in warnings
    assert "image '../outside.png' was left out: only pictures in the submitted file's folder" in warnings
    folder = root / "contributions" / str(data["id"])
    assert len(list((folder / "media").iterdir())) == 2
    text = _revision(root, data)
    assert re.search(r"!\[Sample flow: seize, photograph, record\]\(media/[0-9a-f]{16}\.png", text)
    assert re.search(r"!\[Sample chart of exhibits per week\]\(media/[0-9a-f]{16}\.png\)\{width=30%\}", text)
    assert "outside.png" not in text and "Sample picture from elsewhere" in text


def test_screenshot_names_with_spaces_and_parentheses_keep_their_pictures(tmp_path: Path) -> None:
    """A screenshot's own name has spaces ("Screenshot 2024-01-01 at 10.00.00.png") or a
    copy's parentheses ("fig (1).png"), written in <...> as CommonMark asks: submit copied the
    picture but left the link as written (pandoc gives the destination percent-encoded), so
    check failed with missing images after accept and the build dropped them, unsaid."""
    from PIL import Image

    folder = tmp_path / "submission"
    (folder / "img").mkdir(parents=True)
    names = ["Screenshot 2024-01-01 at 10.00.00.png", "fig (1).png", "chart copy.png"]
    for index, name in enumerate(names):
        Image.new("RGB", (40 + index, 20), "green").save(folder / "img" / name)
    chapter = folder / "chapter.md"
    chapter.write_text("# Screens (sample)\n\nSample text.\n\n"
                       f"![The sample screen](<img/{names[0]}>)\n\n![A sample copy](<img/{names[1]}>)\n\n"
                       f"![A sample chart][chart]\n\n[chart]: <img/{names[2]}>\n", encoding="utf-8")
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, chapter, "screens")
    assert not [w for w in data["warnings"] if "image" in str(w)], data["warnings"]
    text = _revision(root, data)
    assert len(re.findall(r"\(media/[0-9a-f]{16}\.png\)", text)) == 2
    assert re.search(r"(?m)^\[chart\]: media/[0-9a-f]{16}\.png$", text)
    assert "img/" not in text
    _accept(root, data["id"])
    result = run("-C", root, "check")
    assert result.exit_code == 0, result.output
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    for alt in ("The sample screen", "A sample copy", "A sample chart"):
        assert re.search(rf'<img src="data:image/png;base64,[^"]+"[^>]*alt="{alt}"', html), alt


def test_a_documentation_site_page_is_taken_and_told_what_check_will_report(tmp_path: Path) -> None:
    # An MkDocs page: its site's front matter, links to the site's other pages, <figure markdown>,
    # admonitions and <!-- more -->. It was refused for its 'date' key; taken, it then failed
    # check with errors its contributor never heard of.
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, MKDOCS, "intake")
    listed = data["warnings"]
    assert isinstance(listed, list)
    warnings = " ".join(" ".join(str(w) for w in listed).split())
    assert "front matter 'date', 'description', 'categories', 'tags' left out" in warnings
    assert ("4 links that 'check' will report as errors, which stop the build: '../storage.md', "
            "'../reference/glossary.md#exhibit', '../procedures/full.md' and 1 more") in warnings
    assert "8 pieces of HTML or MkDocs markup that will print as text: '<!-- more -->'" in warnings
    text = _revision(root, data)
    assert text.startswith("---\nauthors:\n- sam\n---\n\n# Logging incoming material (sample)")
    assert re.search(r"!\[Sample flow: receive, log, store\]\(media/[0-9a-f]{16}\.png\)", text)
    _accept(root, data["id"])
    problems = [p for p in json.loads(run("-C", root, "check", "--json").stdout)["problems"]
                if p["file"] == "chapters/intake.md"]
    assert [p["message"] for p in problems if p["severity"] == "error"] == [
        f"link to '{target}' is neither a URL nor a chapter" for target in (
            "../storage.md", "../reference/glossary.md#exhibit", "../procedures/full.md", "../index.md")]
    assert len([p for p in problems if p["rule"] == "raw-markup"]) == 8  # `<storage>`, code, is not one


@dataclass
class Built:
    root: Path
    html: str
    pdf: Path

    def chapter(self, slug: str) -> str:
        start = self.html.find(f'<article class="chapter" id="{slug}"')
        assert start >= 0, slug
        return self.html[start:self.html.find("</article>", start)]


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_captions_in_the_caption_style_keep_their_cross_references(tmp_path: Path, fmt: str) -> None:
    """A caption in the Caption style itself (Word's Insert Caption; LibreOffice's Figure style
    is based on it): pandoc reads it as the figure's or table's caption, and taking the typed
    "Figure 1:" out of it dropped the bookmark around it, so every "see Figure 1" became a
    broken-anchor error that stopped the build; and pandoc gave a table's caption written above
    it to an uncaptioned picture just before (found by an independent intake test)."""
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, REAL / f"captions.{fmt}", "photos")
    _accept(root, data["id"])
    problems = json.loads(run("-C", root, "check", "--json").stdout)["problems"]
    assert [p for p in problems if p["file"] == "chapters/photos.md" and p["severity"] == "error"] == []
    assert run("-C", root, "build", "--format", "html").exit_code == 0
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    chapter = html[html.find('<article class="chapter" id="photos"'):]
    chapter = chapter[:chapter.find("</article>")]
    number = re.search(r'<span class="num">(\d+)</span>', chapter).group(1)  # type: ignore[union-attr]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', chapter)
    assert [text for _, text in links] == [f"Figure {number}.1", f"Table {number}.1", f"Figure {number}.1"]
    figure, table, again = (target for target, _ in links)
    assert again == figure
    assert re.search(rf'<figure id="{figure}">', chapter) and re.search(rf'<table id="{table}">', chapter)
    assert re.search(rf'<figcaption><span class="caption-num">Figure {number}\.1\.</span> Sample camera '
                     "set-up</figcaption>", chapter)
    assert re.search(rf'<table id="{table}">\s*<caption><span class="caption-num">Table {number}\.1\.</span> '
                     "Sample camera settings</caption>", chapter)
    # the uncaptioned picture before the table's caption stays a picture with its own alt text
    assert not re.search(r"<figcaption>(?:(?!</figcaption>).)*Sample camera settings", chapter, re.S)
    assert 'alt="Sample chart of sessions per week"' in chapter
    assert "Figure 1:" not in chapter and "Table 1:" not in chapter


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = small_workspace(tmp_path_factory.mktemp("real") / "ws")
    for slug, path, options in (("word", TRACKED["docx"], ("--track-changes", "accept")),
                                ("odt", TRACKED["odt"], ("--track-changes", "accept")),
                                ("recording", RECORDING, ()), ("scope", REAL / "heading-only.docx", ())):
        _accept(root, _submit(root, path, slug, *options)["id"])
    checked = json.loads(run("-C", root, "check", "--json").stdout)
    assert [p for p in checked["problems"] if p["severity"] == "error" or p["rule"] in (
        "broken-anchor", "broken-link", "missing-image")] == []
    # tagged: a PDF carries alt text only in its structure tree (drafts are untagged by default)
    result = run("-C", root, "build", "--tagged", "--quiet")
    assert result.exit_code == 0, result.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    return Built(root, html, root / "build" / "manual.pdf")


def _pdf_links(path: Path) -> dict[str, int]:
    """Each internal link's destination name in the PDF, with the page index it lands on."""
    reader = PdfReader(str(path))
    named = reader.named_destinations
    links: dict[str, int] = {}
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                name = str(annot["/Dest"])
                page_index = reader.get_destination_page_number(named[name])
                assert page_index is not None, name
                links[name] = page_index
    return links


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["word", "odt"])
def test_cross_references_land_on_the_same_target_in_html_and_pdf(built: Built, slug: str) -> None:
    chapter = built.chapter(slug)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', chapter)
    shown = [(text, target) for target, text in links]
    number = re.search(r'<span class="num">(\d+)</span>', chapter).group(1)  # type: ignore[union-attr]
    # the contributor's "Figure 1"/"Table 1" reads as the manual numbers them, and lands on them
    assert [text for text, _ in shown] == ["Handling exhibits", f"Figure {number}.1", f"Table {number}.1",
                                           "Handling exhibits"]
    heading, figure, table = (target for _, target in shown[:3])
    assert re.search(rf'<section id="{heading}"[^>]*>\s*<h2><span class="num">{number}\.1</span> Handling',
                     chapter)
    assert re.search(rf'<figure id="{figure}">\s*(?:<div class="scroll-x"[^>]*>\s*)?'
                     r'<img [^>]*alt="Sample flow: seize, image, triage, report"',
                     chapter)
    assert re.search(rf'<figcaption><span class="caption-num">Figure {number}\.1\.</span> Sample flow of an '
                     "exhibit</figcaption>", chapter)
    assert re.search(rf'<table id="{table}">\s*<caption><span class="caption-num">Table {number}\.1\.</span> '
                     "Sample exhibits", chapter)
    assert "Figure 1:" not in chapter and "Table 1:" not in chapter  # the typed numbers are not printed
    pdf_links = _pdf_links(built.pdf)
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(str(built.pdf)).pages]
    for target, words in ((heading, f"{number}.1 Handling exhibits"),
                          (figure, f"Figure {number}.1. Sample flow of an exhibit"),
                          (table, f"Table {number}.1. Sample exhibits")):
        assert target in pdf_links, target  # the PDF link carries the HTML's id as its destination
        assert words in pages[pdf_links[target]], (target, words)


@pytest.mark.slow
def test_images_keep_their_alt_text_in_html_and_pdf_and_nothing_else_is_taken(built: Built) -> None:
    expected = {"word": ["Sample flow: seize, image, triage, report", "Sample chart of exhibits per week"],
                "odt": ["Sample flow: seize, image, triage, report", "Sample chart of exhibits per week"],
                "recording": ["Sample flow: seize, photograph, record", "Sample chart of exhibits per week"]}
    for slug, alts in expected.items():
        chapter = built.chapter(slug)
        assert re.findall(r'<img src="data:image/png;base64,[^"]+"[^>]* alt="([^"]+)"', chapter) == alts, slug
    with pikepdf.open(built.pdf) as pdf:
        found: list[str] = []
        stack: list[object] = [pdf.Root.StructTreeRoot]
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Dictionary):
                if "/Alt" in item:
                    found.append(str(item.Alt))
                if "/K" in item:
                    stack.append(item.K)
            elif isinstance(item, pikepdf.Array):
                stack.extend(reversed(list(item)))
    assert sorted(found) == sorted(alt for alts in expected.values() for alt in alts)
    assert "Sample footnote: the log is kept by the exhibits officer." in built.chapter("word")
    assert "<h1" in built.chapter("scope") and "Scope of the sample manual" in built.chapter("scope")


def test_reviewers_see_that_the_accepted_text_came_with_comments_and_how_to_read_them(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    data = _submit(root, TRACKED["docx"], "triage", "--track-changes", "accept")
    _accept(root, data["id"])
    plain = _submit(root, REAL / "heading-only.odt", "scope")
    _accept(root, plain["id"])
    line = (f"accepted text (r1 of {data['id']}) came with 2 document comment(s): "
            f"vimanual contributions {data['id']}")
    queue = run("-C", root, "status", "-j", "UK")
    assert queue.exit_code == 0, queue.output
    assert f"triage: its {line}" in " ".join(queue.output.split())
    assert "scope: its" not in queue.output  # the heading-only document held no comments
    queued = {q["slug"]: q["document_comments"] for q in json.loads(
        run("-C", root, "status", "-j", "UK", "--json").stdout)["queue"]}
    assert queued["triage"] == {"contribution": data["id"], "revision": 1, "count": 2}
    assert queued["scope"] is None
    chapter = run("-C", root, "status", "triage")
    assert f"The chapter's {line}" in " ".join(chapter.output.split())
    assert json.loads(run("-C", root, "status", "triage", "--json").stdout)["document_comments"]["count"] == 2
    reviewed = run("-C", root, "review", "triage", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert reviewed.exit_code == 0, reviewed.output
    assert f"The chapter's {line}" in " ".join(reviewed.output.split())
    shown = " ".join(run("-C", root, "contributions", str(data["id"])).output.split())
    assert "Please confirm this sample step." in shown  # where the line sends the reviewer


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_comments_placed_at_a_point_are_counted_and_kept_with_their_paragraph(tmp_path: Path,
                                                                              fmt: str) -> None:
    # A comment made with nothing selected is a bare reference in Word's XML, which pandoc does
    # not read: a .docx holding only such comments was taken with them silently dropped.
    root = small_workspace(tmp_path / "ws")
    points = REAL / f"point-comments.{fmt}"
    before = snapshot(root)
    refused = run("-C", root, "submit", points, "--chapter", "labels", "--jurisdiction", "UK", "--as", PERSON)
    assert refused.exit_code == 2
    told = " ".join(refused.output.split())
    assert f"point-comments.{fmt}: holds 3 comments; a reviewer's comments are not dropped silently" in told
    assert "pass --track-changes accept to submit it with the comments kept" in told
    assert snapshot(root) == before
    data = _submit(root, points, "labels", "--track-changes", "accept")
    shown = json.loads(run("-C", root, "contributions", str(data["id"]), "--json").stdout)
    assert [(c["author"], c["date"][:16], c["text"], c["on"]) for c in shown["comments"]["r1"]] == [
        ("Blake Editor (sample)", "2026-04-01T09:00", "Which label printer? (sample)",
         "Sample text: each exhibit gets a label on arrival. The label names the exhibit and the officer."),
        ("Alex Author (sample)", "2026-04-01T09:30", "Checked by whom? (sample)", "at the end of each shift"),
        ("Alex Author (sample)", "2026-04-01T10:00", "Move this section up. (sample)", "Damaged labels"),
    ]
    text = _revision(root, data)
    assert "The label names the exhibit and the officer." in text and "## Damaged labels" in text
    assert not any(words in text for words in ("label printer", "Checked by whom", "Move this section"))
    table = " ".join(run("-C", root, "contributions", str(data["id"])).output.split())
    assert "comment by Blake Editor (sample) 2026-04-01 on “Sample text: each exhibit" in table


def test_point_comments_are_found_when_the_main_part_is_at_the_archive_root(tmp_path: Path) -> None:
    # The same LibreOffice .docx repackaged with word/ at the archive's root (as some generators
    # write it): the comments part is found through the main part's relationships there too.
    import zipfile

    moved = tmp_path / "root-parts.docx"
    with zipfile.ZipFile(REAL / "point-comments.docx") as source, zipfile.ZipFile(moved, "w") as out:
        for info in source.infolist():
            data, name = source.read(info), info.filename
            if name == "_rels/.rels":
                data = data.replace(b'Target="word/document.xml"', b'Target="document.xml"')
            elif name == "[Content_Types].xml":
                data = data.replace(b'PartName="/word/', b'PartName="/')
            elif name == "word/_rels/document.xml.rels":
                name = "_rels/document.xml.rels"
            elif name.startswith("word/"):
                name = name[len("word/"):]
            out.writestr(name, data)
    root = small_workspace(tmp_path / "ws")
    refused = run("-C", root, "submit", moved, "--chapter", "labels", "--jurisdiction", "UK", "--as", PERSON)
    assert refused.exit_code == 2
    assert "root-parts.docx: holds 3 comments" in " ".join(refused.output.split())
