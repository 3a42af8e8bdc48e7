"""The PDF laid out in parts (one per chapter, in parallel, cached) and stitched into one
book: it must read exactly like the book laid out in one WeasyPrint call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import build_file_tree, chapter_md, copy_sample, manual_yaml, run
from tests.pdfhtml import pdf_pages_text
from vimanual import api

pytestmark = pytest.mark.slow  # every test here lays out whole PDFs


@dataclass
class Book:
    """What a reader can check in a PDF: text, labels, outline and where links go."""

    texts: list[str]
    labels: list[str]
    outline: list[tuple[int, str, int]]  # (level, title, page index)
    links: list[tuple[int, str, int]]  # (page index, destination name, target page index)
    uris: list[str]
    size: int


def read_book(path: Path) -> Book:
    reader = PdfReader(str(path))
    outline: list[tuple[int, str, int]] = []

    def walk(items: list, level: int = 0) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                outline.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline)
    named = reader.named_destinations
    links: list[tuple[int, str, int]] = []
    uris: list[str] = []
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annot:
                name = str(annot["/Dest"])
                assert name in named, f"link on page {number + 1} to unknown destination {name}"
                links.append((number, name, reader.get_destination_page_number(named[name])))
            elif "/A" in annot and "/URI" in annot["/A"]:
                uris.append(str(annot["/A"]["/URI"]))
    return Book(pdf_pages_text(path), list(reader.page_labels), outline, links, uris,
                path.stat().st_size)


def built_counts(output: str) -> tuple[int, int, int]:
    """(pages, parts laid out, parts from the layout cache) from build's summary line."""
    match = re.search(r"\((\d+) pages; (\d+) parts? of the book typeset, (\d+) reused from the last build\)",
                      output)
    assert match, output
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


@pytest.fixture(scope="module")
def sample_both_ways(tmp_path_factory: pytest.TempPathFactory) -> tuple[Book, Book]:
    root = copy_sample(tmp_path_factory.mktemp("sample") / "ws")
    # The reference is a test hook of the API, not a user option: the main matter in one call.
    one = api.build(root, formats=("pdf",), output=root / "one", use_cache=False, reference_layout=True)
    assert one.result.laid_out == 4  # main matter in one call; contents; two margin passes
    jobs_one = run("-C", root, "build", "--format", "pdf", "--jobs", "1", "--no-cache", "-o", root / "j1")
    assert jobs_one.exit_code == 0, jobs_one.output
    assert built_counts(jobs_one.output)[1] > 4  # --jobs 1 lays out chapter by chapter, like the build
    parallel = run("-C", root, "build", "--format", "pdf", "--jobs", "2", "--no-cache", "-o", root / "par")
    assert parallel.exit_code == 0, parallel.output
    return read_book(root / "one" / "manual.pdf"), read_book(root / "par" / "manual.pdf")


def test_parallel_layout_reads_exactly_like_the_one_call_layout(sample_both_ways: tuple[Book, Book]) -> None:
    one, parallel = sample_both_ways
    assert len(parallel.texts) == len(one.texts) > 20
    for number, (a, b) in enumerate(zip(one.texts, parallel.texts, strict=True), start=1):
        assert a == b, f"page {number} differs"
    assert parallel.labels == one.labels
    assert parallel.outline == one.outline
    assert parallel.links == one.links
    # The comparison has something to compare: a full outline and links across chapters.
    assert len(one.outline) > 50
    across = [(page, target) for page, _, target in one.links if abs(target - page) > 3]
    assert len(across) > 10


def test_stitched_book_is_no_larger_than_needed(sample_both_ways: tuple[Book, Book]) -> None:
    one, parallel = sample_both_ways
    assert parallel.size <= 1.3 * one.size, (parallel.size, one.size)


def test_front_matter_is_numbered_apart_from_the_main_matter(sample_both_ways: tuple[Book, Book]) -> None:
    book = sample_both_ways[1]
    first_main = book.labels.index("1")
    assert book.labels[:first_main] == ["i", "ii", "iii", "iv"][:first_main]
    assert first_main % 2 == 0  # the main matter starts on a right-hand page
    assert book.labels[first_main:] == [str(n) for n in range(1, len(book.labels) - first_main + 1)]
    total = len(book.labels) - first_main
    blanks = 0
    for label, text in zip(book.labels, book.texts, strict=True):
        if text.strip() == "SAMPLE — LAW ENFORCEMENT SENSITIVE":
            blanks += 1  # a blank verso: only the marking (tests/test_print_pages.py)
            continue
        assert "SAMPLE — LAW ENFORCEMENT SENSITIVE" in text and "DRAFT" in text, label
        if label.isdigit():
            assert f"page {label} of {total}" in text
        elif label != "i":  # the cover carries no page number
            assert f"page {label}" in text and " of " not in text.split(f"page {label}")[1][:4]
    assert blanks >= 2


def test_contents_gives_the_main_matter_page_of_every_entry(sample_both_ways: tuple[Book, Book]) -> None:
    book = sample_both_ways[1]
    contents = " ".join(t for t, label in zip(book.texts, book.labels, strict=True) if not label.isdigit())
    # (the dots may follow the title with no space between in the extracted text: a leader is
    # one run of dots, placed where the layout put it, and pypdf infers no space there)
    entry = r"(\d+(?:\.\d+)*|[A-Z](?:\.\d+)*) ([A-Z][\w ,()'-]+?) ?(?:\. ?){3,} ?(\d+)"
    entries = re.findall(entry, contents)
    assert len(entries) > 40, contents[:500]
    by_label = dict(zip(book.labels, book.texts, strict=True))
    for number, title, page in entries:
        assert f"{number} {title}".split()[-1] in by_label[page], (number, title, page)


def long_workspace(root: Path, paragraphs: int = 3) -> Path:
    lorem = ("Procedural sample text for the layout tests, about triage, records and referrals, "
             "repeated so that a chapter fills pages. ") * 6
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta", "gamma"]),
        "chapters": {
            "alpha.md": chapter_md(
                "Alpha Chapter",
                "## First steps {#first}\n\nAlpha text with a note.[^a]\n\n"
                + "".join(f"{lorem}\n\n" for _ in range(paragraphs))
                + "[^a]: The note of alpha.\n",
                lead="UK",
            ),
            "beta.md": chapter_md(
                "Beta Chapter",
                "## Beta section {#bsec}\n\nSee [the first steps](alpha.md#first). A note.[^b]\n\n"
                + "".join(f"{lorem}\n\n" for _ in range(8))
                + "![A sample diagram.](media/box.svg)\n\n| Step | Owner |\n|---|---|\n| One | Unit |\n\n"
                "Table: Steps.\n\n[^b]: The note of beta.\n",
                lead="UK",
            ),
            "gamma.md": chapter_md("Gamma Chapter", "## Gamma section\n\nWord: original.\n", lead="UK"),
            "media": {"box.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
                                 '<rect width="80" height="40" fill="#ccd"/></svg>'},
        },
    })


def test_chapters_start_on_right_hand_pages_with_their_own_numbering(tmp_path: Path) -> None:
    root = long_workspace(tmp_path / "ws")
    result = run("-C", root, "build", "--format", "pdf")
    assert result.exit_code == 0, result.output
    book = read_book(root / "build" / "manual.pdf")
    main = [(int(label), text) for label, text in zip(book.labels, book.texts, strict=True)
            if label.isdigit()]
    # A chapter's opening page shows its heading and, as books do, no running head (so the
    # title once); the chapter's later pages show the running head.
    starts = {title: min(number for number, text in main if title in text)
              for title in ("1 Alpha Chapter", "2 Beta Chapter", "3 Gamma Chapter")}
    assert all(dict(main)[number].count(title) == 1 for title, number in starts.items())
    assert all(number % 2 == 1 for number in starts.values()), starts
    blanks = [number for number, text in main if not re.search(r"\b(Alpha|Beta|Gamma)\b", text)]
    for number in blanks:  # a blank verso: margins only, no running head
        assert number % 2 == 0 and number + 1 in starts.values()
    # Running heads name the chapter on its pages.
    beta, gamma = starts["2 Beta Chapter"], starts["3 Gamma Chapter"]
    beta_pages = [text for number, text in main if beta < number < gamma and number not in blanks]
    assert len(beta_pages) >= 1 and all("2 Beta Chapter" in text for text in beta_pages)
    # Notes restart in each chapter; figures and tables are numbered within the chapter.
    everything = " ".join(book.texts)
    assert "1. The note of alpha." in everything and "1. The note of beta." in everything
    assert "Figure 2.1." in everything and "Table 2.1." in everything
    # The link from Beta to Alpha's section lands on Alpha's page.
    alpha_page = book.labels.index(str(starts["1 Alpha Chapter"]))
    assert any(name == "alpha--first" and target == alpha_page for _, name, target in book.links), book.links


def test_a_one_word_edit_lays_out_only_that_chapter(tmp_path: Path) -> None:
    root = long_workspace(tmp_path / "ws")
    first = run("-C", root, "build", "--format", "pdf")
    pages, laid, cached = built_counts(first.output)
    # the chapters (a draft lays out short ones together: pdf/pageplan.py), the contents, margins
    assert laid >= 4 and cached == 0
    gamma = root / "chapters" / "gamma.md"
    gamma.write_text(gamma.read_text().replace("original", "edited"))
    second = run("-C", root, "build", "--format", "pdf")
    assert built_counts(second.output) == (pages, 1, laid - 1)
    text = " ".join(pdf_pages_text(root / "build" / "manual.pdf"))
    assert "Word: edited." in text and "original" not in text
    assert list((root / "build" / "cache" / "layout").glob("font-*.ttf"))  # unions were kept
    # What the caches gave is byte for byte what laying out everything afresh gives.
    fresh = run("-C", root, "build", "--format", "pdf", "--jobs", "2", "--no-cache", "-o", root / "fresh")
    assert fresh.exit_code == 0, fresh.output
    assert (root / "fresh" / "manual.pdf").read_bytes() == (root / "build" / "manual.pdf").read_bytes()


def test_a_chapter_that_grows_moves_the_others_without_laying_them_out(tmp_path: Path) -> None:
    # alpha is long (pdf/pageplan.py's SHORT_CHARS): laid out alone, not with beta and gamma
    root = long_workspace(tmp_path / "ws", paragraphs=40)
    first = run("-C", root, "build", "--format", "pdf")
    pages, laid, _ = built_counts(first.output)
    before = read_book(root / "build" / "manual.pdf")
    long_workspace(tmp_path / "ws", paragraphs=52)  # alpha grows by several pages
    second = run("-C", root, "build", "--format", "pdf")
    grown_pages, relaid, cached = built_counts(second.output)
    assert grown_pages > pages
    assert cached >= 1 and relaid < laid  # beta and gamma (laid out together) kept their layout
    after = read_book(root / "build" / "manual.pdf")
    beta_before = next(label for label, text in zip(before.labels, before.texts, strict=True)
                       if "2 Beta Chapter" in text and label.isdigit())
    beta_after = next(label for label, text in zip(after.labels, after.texts, strict=True)
                      if "2 Beta Chapter" in text and label.isdigit())
    assert int(beta_after) > int(beta_before)
    contents = " ".join(t for t, label in zip(after.texts, after.labels, strict=True) if not label.isdigit())
    assert re.search(rf"2 Beta Chapter [. ]+{beta_after}\b", contents), contents
    total = sum(label.isdigit() for label in after.labels)
    assert all(f"page {label} of {total}" in text  # every page but a blank verso (marking only)
               for label, text in zip(after.labels, after.texts, strict=True)
               if label.isdigit() and re.search(r"Alpha|Beta|Gamma", text))


def test_the_layout_cache_knows_the_styles_and_the_paper(tmp_path: Path) -> None:
    root = long_workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "pdf").exit_code == 0
    letter = run("-C", root, "build", "--format", "pdf", "--paper", "Letter")
    assert built_counts(letter.output)[2] == 0
    (root / "styles").mkdir()
    css = (Path(__file__).parent.parent / "vimanual" / "defaults" / "styles" / "print.css").read_text()
    (root / "styles" / "print.css").write_text(css + "\nh2 { letter-spacing: 0.05em; }\n")
    restyled = run("-C", root, "build", "--format", "pdf")
    assert built_counts(restyled.output)[2] == 0
    again = run("-C", root, "build", "--format", "pdf", "--paper", "Letter", "--no-cache")
    assert built_counts(again.output)[2] == 0


def test_a_contribution_cannot_forge_a_link_across_parts(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md(
            "Alpha", "[jump](vimanual-dest:cover) and <a href=\"vimanual-dest:contents\">raw</a> "
                     "and [ok](#alpha).\n")},
    })
    result = run("-C", root, "build", "--format", "pdf", "--force")
    assert result.exit_code == 0, result.output
    book = read_book(root / "build" / "manual.pdf")
    assert not any(uri.startswith("vimanual-dest:") for uri in book.uris)
    assert not any(name in {"cover", "contents"} for page, name, _ in book.links
                   if book.labels[page].isdigit())


def test_one_structure_tree_for_the_whole_book(tmp_path: Path) -> None:
    """PDF/UA: every tagged page is in the one tree, and the tree points at the book's pages."""
    import pikepdf

    root = long_workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "pdf", "--tagged").exit_code == 0
    with pikepdf.open(root / "build" / "manual.pdf") as pdf:
        pages = {page.objgen for page in pdf.pages}
        tree = pdf.Root.StructTreeRoot
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert int(tree.ParentTreeNextKey) > max(parents)
        tagged = 0
        for page in pdf.pages:
            if "/StructParents" not in page.obj:
                continue
            tagged += 1
            for element in parents[int(page.obj.StructParents)]:
                assert element.Pg.objgen == page.objgen
        assert tagged >= 6  # cover, contents and every chapter page; not the blank versos
        seen: list[str] = []

        def walk(element: pikepdf.Object) -> None:
            if isinstance(element, pikepdf.Array):
                for item in element:
                    walk(item)
                return
            if not isinstance(element, pikepdf.Dictionary):
                return
            if "/Pg" in element:
                assert element.Pg.objgen in pages
            if "/S" in element:
                seen.append(str(element.S))
            kids = element.get("/K")
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR"):
                    assert kid.get("/P") is not None
                    walk(kid)

        walk(tree.K)
        assert seen.count("/H1") >= 3 and "/Figure" in seen and "/Table" in seen


def test_links_across_parts_read_like_links_within_one(tmp_path: Path) -> None:
    """A link stitched across parts carries what WeasyPrint gives an internal link: a named
    destination, and that name (not the placeholder URI) as its text for screen readers."""
    import pikepdf

    root = long_workspace(tmp_path / "ws", paragraphs=40)  # alpha long: a part of its own
    assert run("-C", root, "build", "--format", "pdf").exit_code == 0
    with pikepdf.open(root / "build" / "manual.pdf") as pdf:
        annots = [annot for page in pdf.pages for annot in page.get("/Annots", [])]
        assert len(annots) > 5
        for annot in annots:
            assert not str(annot.get("/Contents", "")).startswith("vimanual-dest:")
            if "/Dest" in annot:
                assert str(annot.Contents) == str(annot.Dest)


def test_layouts_unused_for_two_weeks_leave_the_cache(tmp_path: Path) -> None:
    import os
    import time

    root = long_workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "pdf").exit_code == 0
    assert run("-C", root, "build", "--format", "pdf", "--paper", "Letter").exit_code == 0
    cache = root / "build" / "cache" / "layout"
    both = sorted(cache.glob("*.pdf"))
    old = time.time() - 15 * 86400
    for pdf in both:
        os.utime(pdf, (old, old))
    # An A4 build uses (and so keeps) the A4 layouts; the Letter ones, unused, go.
    gamma = root / "chapters" / "gamma.md"
    gamma.write_text(gamma.read_text().replace("original", "edited"))
    assert run("-C", root, "build", "--format", "pdf").exit_code == 0
    kept = sorted(cache.glob("*.pdf"))
    assert 0 < len(kept) < len(both)
    # each layout with its record; the margin pages expanded from their patterns (one set a paper)
    assert all(pdf.with_suffix(".json").is_file() for pdf in kept if not pdf.name.startswith("margins-"))
    assert len([pdf for pdf in both if pdf.name.startswith("margins-")]) == 2
    assert len([pdf for pdf in kept if pdf.name.startswith("margins-")]) == 1
    letter = run("-C", root, "build", "--format", "pdf", "--paper", "Letter")
    assert built_counts(letter.output)[2] == 0  # laid out again: its layouts were forgotten


def test_a_damaged_cached_layout_is_a_clear_error_and_no_cache_mends_it(tmp_path: Path) -> None:
    root = long_workspace(tmp_path / "ws")
    assert run("-C", root, "build", "--format", "pdf").exit_code == 0
    pdf = root / "build" / "manual.pdf"
    before = pdf.read_bytes()
    for part in (root / "build" / "cache" / "layout").glob("*.pdf"):
        part.write_bytes(b"%PDF-1.7\nnot a PDF any more\n")
    gamma = root / "chapters" / "gamma.md"
    gamma.write_text(gamma.read_text().replace("original", "edited"))
    broken = run("-C", root, "build", "--format", "pdf")
    assert broken.exit_code == 2
    assert "cannot stitch the PDF" in broken.output and "--no-cache" in broken.output
    assert pdf.read_bytes() == before  # the previous manual is intact
    mended = run("-C", root, "build", "--format", "pdf", "--no-cache")
    assert mended.exit_code == 0, mended.output
    assert "Word: edited." in " ".join(pdf_pages_text(pdf))
