"""The intake corpus end to end: every document submitted through the real CLI ends built or refused.

One workspace takes the whole corpus (tests/corpus/documents.py): each document is submitted
as a contributor would, accepted when taken, then the workspace is checked and built to HTML
once. The assertions are what a contributor and an editor would look at: the exit code and
the reason of each refusal, the warnings, the words against ``pandoc -t plain`` of the
source, the images and cross-references in the built manual.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus.documents import Doc, corpus
from tests.corpus.runner import Outcome, submit_all
from tests.helpers import run, small_workspace

DOCS = corpus()
# The whole corpus goes through submit, accept, check and build once (about 40 s here).
pytestmark = pytest.mark.slow


class Corpus:
    """The corpus after submit, accept, check and build (built once per test session)."""

    def __init__(self, root: Path, outcomes: list[Outcome], check: dict[str, object], html: str) -> None:
        self.root = root
        self.outcomes = {o.doc.name: o for o in outcomes}
        self.check = check
        self.html = html

    def chapter_html(self, slug: str) -> str:
        start = self.html.find(f'<article class="chapter" id="{slug}"')
        assert start >= 0, f"chapter {slug} is not in the manual"
        end = self.html.find("</article>", start)
        return self.html[start:end]


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    base = tmp_path_factory.mktemp("corpus")
    root = small_workspace(base / "ws")
    outcomes = submit_all(root, DOCS, base / "sources")
    checked = run("-C", root, "check", "--json")
    assert checked.exit_code == 0, checked.output
    built = run("-C", root, "build", "--format", "html", "--quiet")
    assert built.exit_code == 0, built.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    return Corpus(root, outcomes, json.loads(checked.stdout), html)


def test_the_corpus_covers_every_point_with_60_documents() -> None:
    assert len(DOCS) >= 60
    assert len({d.slug for d in DOCS}) == len(DOCS)
    covered = Counter(d.point for d in DOCS)
    assert set(covered) == {"1", "2", "3", "4", "5", "6", "7", "8", "9", "11"}
    assert sum(1 for d in DOCS if d.name.endswith(".docx")) >= 15
    assert sum(1 for d in DOCS if d.name.endswith(".odt")) >= 10


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_each_document_is_built_or_refused_with_a_reason(done: Corpus, doc: Doc) -> None:
    outcome = done.outcomes[doc.name]
    if doc.refused:
        assert outcome.exit_code == 2, outcome.output
        assert doc.refused in outcome.output, outcome.output
        assert "hint:" in outcome.output  # what to do about it
        assert "Traceback" not in outcome.output
        return
    assert outcome.exit_code == 0, outcome.output
    if doc.warning:
        assert any(doc.warning in w for w in outcome.warnings), outcome.warnings
    else:
        assert outcome.warnings == []
        # nothing lost without a warning: every word of pandoc's plain text of the source arrives
        assert outcome.lost == list(doc.renumbered)
    assert outcome.words_source > 0


@pytest.mark.parametrize("doc", [d for d in DOCS if not d.refused], ids=lambda d: d.name)
def test_each_taken_document_keeps_its_images_and_cross_references(done: Corpus, doc: Doc) -> None:
    chapter = done.chapter_html(doc.slug)
    assert chapter.count('src="data:image/') == doc.images, chapter[:2000]
    internal = re.findall(r'href="#([^"]+)"', chapter)
    ids = set(re.findall(r'id="([^"]+)"', done.html))
    assert [t for t in internal if t not in ids] == []
    assert len([t for t in internal if not t.startswith(("fn", f"{doc.slug}--fn"))]) >= doc.links


def test_refused_documents_leave_nothing_behind(done: Corpus) -> None:
    taken = sum(1 for o in done.outcomes.values() if o.built)
    folders = [p for p in (done.root / "contributions").iterdir() if not p.name.startswith(".")]
    assert len(folders) == taken
    assert not list((done.root / "contributions").glob(".staging-*"))


def test_check_finds_no_errors_and_no_table_taken_for_a_paragraph(done: Corpus) -> None:
    problems = done.check["problems"]
    assert isinstance(problems, list)
    assert [p for p in problems if p["severity"] == "error"] == []
    assert [p for p in problems if p["rule"] in ("long-paragraph", "broken-anchor", "broken-link")] == []


def test_tables_arrive_as_tables_even_with_only_a_header_row(done: Corpus) -> None:
    for slug in ("word-header-only-table", "odt-header-only-table", "html-header-only-table"):
        chapter = done.chapter_html(slug)
        assert "<table" in chapter and "Exhibit" in chapter.split("<table", 1)[1], slug
        assert "——" not in chapter and "--------" not in chapter
    big = done.chapter_html("md-big-table")
    assert big.count("<tr") == 3001


def test_a_blank_row_keeps_the_rows_after_it_in_the_table(done: Corpus) -> None:
    """A table with a blank row in the middle lost the rows after it to a paragraph ("EX-2
    Officer"): pandoc wrote the blank row as a line of spaces, which ends a Markdown table."""
    chapter = done.chapter_html("word-table-blank-row")
    table = chapter.split("<table", 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<tr\b", table)) == 4 and "EX-2" in table, chapter[:3000]


def test_tracked_changes_resolved_as_chosen_and_comments_kept(done: Corpus) -> None:
    accepted = done.chapter_html("word-tracked-accept")
    assert "with an inserted step" in accepted and "removed step" not in accepted
    rejected = done.chapter_html("word-tracked-reject")
    assert "inserted step" not in rejected and "and a removed step" in rejected
    odt = done.chapter_html("odt-tracked-accept")
    assert "with an inserted step" in odt and "removed words" not in odt
    for name in ("word-comment-accept.docx", "odt-comment-accept.odt"):
        contribution = done.outcomes[name].contribution
        shown = run("-C", done.root, "contributions", contribution)
        assert shown.exit_code == 0, shown.output
        text = " ".join(shown.output.split())
        assert "comment by Reviewer B (sample)" in text and "Please confirm this sample step." in text
        assert "Please confirm" not in done.chapter_html(name.rsplit(".", 1)[0])
    record = (done.root / "contributions" / done.outcomes["word-tracked-accept.docx"].contribution
              / "contribution.yaml").read_text(encoding="utf-8")
    assert "track_changes: accept" in record


def test_rows_inserted_or_deleted_with_changes_tracked_go_as_chosen(done: Corpus) -> None:
    """A deleted row, accepted, printed as a blank row (and an inserted one, rejected): pandoc
    keeps the row with its cells emptied, and an inserted blank row or a whole inserted table
    when rejected (found by independent intake tests). Accepted, the blank row stays, as in Word."""
    for slug, kept, gone in (("word-tracked-rows-accept", ["", "EX-2", "EX-5"], "EX-3"),
                             ("word-tracked-rows-reject", ["EX-3", "EX-5"], "EX-2")):
        chapter = done.chapter_html(slug)
        table = chapter.split("<table", 1)[1].split("</table>", 1)[0]
        rows = re.findall(r"<tr\b.*?</tr>", table, re.S)
        cells = [re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S) for row in rows]
        assert [[re.sub(r"<[^>]+>|&nbsp;", "", c).strip() for c in row][0] for row in cells] == \
            ["Exhibit", "EX-1", *kept], table
        assert gone not in table
        assert chapter.count("<table") == (2 if slug.endswith("accept") else 1)
        assert ("Inserted table" in chapter) == slug.endswith("accept")


def test_headings_and_list_items_inserted_or_deleted_go_as_chosen(done: Corpus) -> None:
    """A heading deleted and accepted printed as an empty numbered section, renumbering every
    later one, and a deleted item as an empty bullet (found by an independent intake test)."""
    for slug, kept, gone in (("word-tracked-blocks-accept", ("New procedure", "Note the time."),
                              ("Old procedure", "Switch the phone off.")),
                             ("word-tracked-blocks-reject", ("Old procedure", "Switch the phone off."),
                              ("New procedure", "Note the time."))):
        chapter = done.chapter_html(slug)
        headings = [re.sub(r"<[^>]+>", "", h).split(None, 1) for h in re.findall(r"<h2\b.*?</h2>", chapter)]
        assert [words[1] for words in headings] == [kept[0], "Storage"], headings
        items = [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li\b.*?</li>", chapter, re.S)]
        assert items == ["Bag the phone.", kept[1], "Label the bag."], items
        assert all(word not in chapter for word in gone)


def test_rejecting_changes_undoes_tracked_formatting_too(done: Corpus) -> None:
    """--track-changes reject left a word made bold bold and a paragraph made a heading a
    heading (found by an independent intake test); accept keeps the new formatting."""
    rejected = done.chapter_html("word-tracked-format-reject")
    assert "<strong>" not in rejected and "<em>was italic</em>" in rejected, rejected[:3000]
    assert "<h2" not in rejected and "<p>Sample paragraph made a heading</p>" in rejected
    accepted = done.chapter_html("word-tracked-format-accept")
    assert "<strong>now bold</strong>" in accepted and "<em>" not in accepted
    assert re.search(r"<h2\b[^>]*>.*Sample paragraph made a heading</h2>", accepted), accepted[:3000]


def test_a_paragraph_mark_that_goes_joins_its_paragraph_with_the_next(done: Corpus) -> None:
    """A tracked split stayed two paragraphs after reject, a tracked join two after accept
    (found by an independent intake test)."""
    def paragraphs(slug: str) -> list[str]:
        found = re.findall(r"<p>([Ss]ample (?:split|joined).*?)</p>", done.chapter_html(slug))
        return [" ".join(re.sub(r"<[^>]+>", "", text).split()) for text in found]

    assert paragraphs("word-paragraph-marks-accept") == [
        "Sample split, first half.", "Sample split, second half.",
        "Sample joined, first half sample joined, second half."]
    assert paragraphs("word-paragraph-marks-reject") == [
        "Sample split, first half. Sample split, second half.", "Sample joined, first half",
        "sample joined, second half."]


def test_fields_written_as_simple_fields_keep_their_text_and_links(done: Corpus) -> None:
    """pandoc reads a w:fldSimple only as a hyperlink: a REF to a bookmark, a REF to a heading
    and a DATE left "As in  and , checked on ." (found by an independent intake test)."""
    chapter = done.chapter_html("word-ref-simple-field")
    text = " ".join(re.sub(r"<[^>]+>", "", chapter).split())
    assert "As in the target paragraph and Section 2, checked on 2 March 2026." in text, text
    found = re.findall(r'<a href="#([^"]+)"[^>]*>([^<]+)</a>', chapter)
    links = {shown: target for target, shown in found}
    assert set(links) >= {"the target paragraph", "Section 2"}, links
    heading = rf'id="{re.escape(links["Section 2"])}"[^>]*>\s*<h\d[^>]*>.*?Scope of the check'
    assert re.search(heading, chapter), chapter[:3000]
    assert f'id="{links["the target paragraph"]}"' in chapter


def test_a_field_in_a_field_leaves_only_what_word_shows(done: Corpus) -> None:
    """Word's IF { DOCPROPERTY Classification } = … read as "OFFICIALHandle as official.", and
    every later field's result moved to the start of its paragraph: "Sam ContributorPrepared
    by for the triage team." (found by an independent intake test)."""
    text = " ".join(re.sub(r"<[^>]+>", "", done.chapter_html("word-nested-field")).split())
    for said in ("Marking: Handle as official.", "Prepared by Sam Contributor for the triage team.",
                 "Reviewed by Sam Contributor as in Section 2."):
        assert said in text, text
    assert "OFFICIALHandle" not in text


def test_libreoffice_fields_keep_the_text_they_show(done: Corpus) -> None:
    """pandoc's .odt reader dropped a date, an author, a document property with their text
    (found by an independent intake test); a field set to show nothing still shows nothing."""
    text = " ".join(re.sub(r"<[^>]+>", "", done.chapter_html("odt-fields")).split())
    assert "Checked on 2 March 2026 by Sam Contributor, marked OFFICIAL." in text, text
    assert "unseen" not in text


def test_a_link_in_a_link_is_one_link_and_no_markdown_is_printed(done: Corpus) -> None:
    """A cross-reference inside a hyperlink, and a list of tables' entries, printed
    "[Scope of the check](#scope-of-the-check)" as words (found by an independent intake test)."""
    chapter = done.chapter_html("word-ref-in-hyperlink")
    text = " ".join(re.sub(r"<[^>]+>", "", chapter).split())
    assert "See Scope of the check and the scope." in text, text
    assert "](#" not in text
    listed = done.chapter_html("word-list-of-tables")
    assert "](#" not in listed and "Sample exhibits 2" not in listed
    assert re.search(r"<caption>.*Sample exhibits</caption>", listed), listed[:2000]


def test_an_empty_form_field_leaves_its_prompt_behind(done: Corpus) -> None:
    """"Click or tap here to enter text." became manual text, inline and as a paragraph (found
    by an independent intake test); a filled content control keeps its text."""
    text = " ".join(re.sub(r"<[^>]+>", "", done.chapter_html("word-form-fields")).split())
    assert "Click or tap" not in text
    assert "Officer: (sign)." in text and "Checked by: Sample Analyst." in text, text


def test_a_reference_to_a_whole_caption_shows_the_manuals_number(done: Corpus) -> None:
    """Word's "Entire caption" reference printed "Table 4: Sample exhibits" beside a table the
    manual numbers otherwise (found by an independent intake test)."""
    chapter = done.chapter_html("word-caption-refs")
    caption = re.search(r'<caption><span class="caption-num">(Table \d+\.1)\.</span> Sample', chapter)
    assert caption, chapter[:3000]
    link = rf'<a href="#[^"]+">{re.escape(caption.group(1))}: Sample exhibits</a>'
    assert re.search(link, chapter), chapter[:3000]
    assert not re.search(r"Table 4(?![0-9.])", chapter)  # the typed number (not the manual's 4N.1)


def test_text_boxes_keep_their_text_and_the_paragraph_they_are_in(done: Corpus) -> None:
    """pandoc dropped a .docx paragraph's own text when it held a text box, and an .odt text
    frame's text (found by an independent intake test): both now arrive, the box after its
    paragraph, a box in a box after the box's paragraph."""
    for slug, order in (("word-text-box", ["Sample anchor text", "Sample key point", "Sample outer box.",
                                           "Sample outer box anchor.", "Sample inner box.", "Sample text:"]),
                        ("odt-text-frame", ["Sample anchor text", "Sample key point", "Sample text:"])):
        text = " ".join(re.sub(r"<[^>]+>", " ", done.chapter_html(slug)).split())
        found = [text.find(words) for words in order]
        assert -1 not in found and found == sorted(found), (slug, found, text)
        assert text.count("Sample key point") == 1, text  # Word's fallback copy is not read twice


def test_boxes_in_boxes_keep_every_text_as_deep_as_intake_takes_them(done: Corpus) -> None:
    """Eight levels of boxes in boxes (Word and LibreOffice): each anchor paragraph, then its
    box, down to the innermost box's text, once each; a ninth level is refused (see the corpus)."""
    for slug, depth in (("word-boxes-8-deep", 8), ("odt-frames-8-deep", 8), ("word-boxes-comment", 3),
                        ("odt-frames-comment", 3)):
        text = " ".join(re.sub(r"<[^>]+>", " ", done.chapter_html(slug)).split())
        order = [f"Sample anchor {level}." for level in range(1, depth + 1)]
        order += ["Sample innermost box.", "Sample text:"]
        found = [text.find(words) for words in order]
        assert -1 not in found and found == sorted(found), (slug, found, text)
        assert text.count("Sample innermost box.") == 1, text


def test_grouped_text_boxes_each_keep_their_text_once(done: Corpus) -> None:
    """A group of shapes holding two text boxes kept only the first box's text."""
    text = " ".join(re.sub(r"<[^>]+>", " ", done.chapter_html("word-grouped-boxes")).split())
    order = ["Sample anchor of the group.", "Sample first box.", "Sample second box.", "Sample text:"]
    found = [text.find(words) for words in order]
    assert -1 not in found and found == sorted(found), (found, text)
    assert text.count("Sample first box.") == 1 and text.count("Sample second box.") == 1, text


def test_titles_are_taken_once_and_given_titles_keep_the_heading(done: Corpus) -> None:
    html_title = done.chapter_html("html-title-h1")
    assert html_title.count("Sample triage procedure") == 1
    given = done.chapter_html("word-title-option")
    assert "Triage (sample)" in given and "Triage of seized devices" in given
    caption = done.chapter_html("word-table-caption")
    assert "Table 1:" not in caption and "Sample exhibits" in caption


def test_encodings_are_decoded_or_explained(done: Corpus) -> None:
    assert "résumé of the étape" in done.chapter_html("html-latin1")
    assert "\u201cquoted\u201d" in done.chapter_html("html-windows-1252")
    utf16 = done.outcomes["md-utf16.md"].output
    assert "UTF-16" in utf16 and "save it as UTF-8" in " ".join(utf16.split())


def test_image_size_is_kept_and_bounded_by_the_page(done: Corpus) -> None:
    image = re.search(r"<img[^>]*>", done.chapter_html("html-image-size"))
    assert image and 'width="3000"' in image.group(0) and "height" not in image.group(0)
    css = (done.root / "styles" / "base.css").read_text(encoding="utf-8") if (done.root / "styles").exists() \
        else ""
    assert "img { max-width: 100%; height: auto; }" in css or "max-width: 100%" in done.html


def test_a_caption_numbered_by_a_simple_field_reads_as_the_manual_numbers_it(done: Corpus) -> None:
    """pandoc drops a w:fldSimple SEQ field and the label before it: the caption printed as
    'Table 1.1. : Sample exhibits' (found by an independent intake test)."""
    [doc] = [d for d in DOCS if d.name == "word-caption-simple-field.docx"]
    chapter = done.chapter_html(doc.slug)
    caption = r'<caption><span class="caption-num">Table \d+\.1\.</span> Sample exhibits</caption>'
    assert re.search(caption, chapter), chapter[:3000]
