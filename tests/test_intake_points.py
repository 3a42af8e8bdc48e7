"""Issue 14's points that the corpus alone does not show: check and build on what intake takes,
the PDF of a header-only table, the limits submit runs pandoc under, and what help says."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.corpus import office as o
from tests.helpers import build_file_tree, chapter_md, run, small_workspace, submit_json

PERSON = "Sam Contributor (UK)"


def _submit(root: Path, path: Path, slug: str, *options: str) -> dict[str, object]:
    data = submit_json(root, path, slug, PERSON, *options)
    accepted = run("-C", root, "accept", str(data["id"]), "--as", "Ed Editor")
    assert accepted.exit_code == 0, accepted.output
    return data


def test_check_refuses_deep_nesting_with_its_line_and_build_refuses_up_front(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    deep = "".join("  " * n + "- level\n" for n in range(40))
    build_file_tree(root / "chapters", {"alpha.md": chapter_md("Alpha", f"## Steps\n\nSample text.\n\n{deep}",
                                                                lead="UK")})
    checked = run("-C", root, "check")
    assert checked.exit_code == 1
    assert "chapters/alpha.md:" in checked.output and "levels deep (at most 32)" in checked.output
    found = re.search(r"chapters/alpha\.md:(\d+): lists, quotes or blocks nested", checked.output)
    assert found, checked.output
    line = int(found.group(1))
    text = (root / "chapters" / "alpha.md").read_text(encoding="utf-8").splitlines()
    assert text[line - 1].lstrip().startswith("- level")
    built = run("-C", root, "build", "--format", "html")
    assert built.exit_code == 1 and "not building" in built.output
    assert not (root / "build" / "manual.html").exists()


def test_display_math_is_refused_at_check_and_named_at_submit(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    body = "## Rate {#first}\n\nSample text.\n\n$$r = \\frac{m}{n}$$\n\nInline $x$ stays.\n"
    build_file_tree(root / "chapters", {"alpha.md": chapter_md("Alpha", body, lead="UK")})
    checked = run("-C", root, "check", "--json")
    problems = json.loads(checked.stdout)["problems"]
    assert [p["rule"] for p in problems if p["severity"] == "error"] == ["display-math"]
    lines = (root / "chapters" / "alpha.md").read_text(encoding="utf-8").splitlines()
    assert lines[problems[0]["line"] - 1].startswith("$$r = ")
    docx = o.write_docx(tmp_path / "src" / "maths.docx", o.heading(1, "Sample maths") + o.para("Sample text.")
                        + '<w:p><m:oMathPara xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'math"><m:oMath><m:r><m:t>r=m/n</m:t></m:r></m:oMath></m:oMathPara></w:p>')
    result = run("-C", root, "submit", docx, "--chapter", "maths", "--jurisdiction", "UK", "--as", PERSON)
    assert result.exit_code == 0, result.output
    assert "display math" in " ".join(result.output.split())


def test_inline_math_pandoc_cannot_print_is_refused_at_check_and_named_at_submit(tmp_path: Path) -> None:
    """Simple inline math prints as Unicode (x², αᵢ) and stays allowed; a fraction or a root has
    no text form and pandoc prints it as raw TeX between dollar signs, so check refuses it."""
    root = small_workspace(tmp_path / "ws")
    body = ("## Rate {#first}\n\nSample text: $x^2 + \\alpha_i$ stays, and so does a price of $5 or $6.\n\n"
            "The sample rate is $\\frac{m}{n}$ here.\n\nCode `$\\sqrt{x}$` is code.\n")
    build_file_tree(root / "chapters", {"alpha.md": chapter_md("Alpha", body, lead="UK")})
    checked = run("-C", root, "check", "--json")
    assert checked.exit_code == 1, checked.output
    errors = [p for p in json.loads(checked.stdout)["problems"] if p["severity"] == "error"]
    assert [p["rule"] for p in errors] == ["inline-math"], errors
    assert "$\\frac{m}{n}$ cannot be printed" in errors[0]["message"]
    assert "write it as text" in errors[0]["hint"]
    lines = (root / "chapters" / "alpha.md").read_text(encoding="utf-8").splitlines()
    assert lines[errors[0]["line"] - 1].startswith("The sample rate is")
    built = run("-C", root, "build", "--format", "html")
    assert built.exit_code == 1 and "not building" in built.output

    source = tmp_path / "src"
    build_file_tree(source, {"fine.md": "# Sample fine\n\nSample rate $x^2$ and $\\alpha_i$.\n",
                             "frac.md": "# Sample frac\n\nSample rate $\\frac{m}{n}$.\n"})
    fine = run("-C", root, "submit", source / "fine.md", "--chapter", "fine", "--jurisdiction", "UK",
               "--as", PERSON)
    assert fine.exit_code == 0, fine.output
    assert "cannot be printed" not in " ".join(fine.output.split())
    frac = run("-C", root, "submit", source / "frac.md", "--chapter", "frac", "--jurisdiction", "UK",
               "--as", PERSON)
    assert frac.exit_code == 0, frac.output
    assert "the formula $\\frac{m}{n}$ cannot be printed as text" in " ".join(frac.output.split())


def test_deep_inline_nesting_is_refused_at_check_submit_and_build(tmp_path: Path) -> None:
    """Emphasis nested 500 deep (the input that makes WeasyPrint raise a RecursionError) is
    refused up front, with its file and line, by check, submit and the build without --force."""
    root = small_workspace(tmp_path / "ws")
    depth = 500
    opening = "".join("_a " if level % 2 else "**a " for level in range(depth))
    closing = "".join("_" if level % 2 else "**" for level in reversed(range(depth)))
    body = f"## Steps {{#first}}\n\nSample *text* with **some _normal_ emphasis** and [a link](#first).\n\n" \
           f"{opening}x{closing}\n"
    build_file_tree(root / "chapters", {"alpha.md": chapter_md("Alpha", body, lead="UK")})
    checked = run("-C", root, "check")
    assert checked.exit_code == 1
    found = re.search(r"chapters/alpha\.md:(\d+): emphasis, links or spans nested 33 levels deep in one "
                      r"paragraph \(at most 32\)", " ".join(checked.output.split()))
    assert found, checked.output
    lines = (root / "chapters" / "alpha.md").read_text(encoding="utf-8").splitlines()
    assert lines[int(found.group(1)) - 1].startswith("**a _a ")
    built = run("-C", root, "build", "--format", "pdf")
    assert built.exit_code == 1 and "not building" in built.output
    assert not (root / "build" / "manual.pdf").exists()

    source = tmp_path / "src"
    build_file_tree(source, {"deep.md": f"# Sample deep\n\nSample text.\n\n{opening}x{closing}\n",
                             "deep.html": "<html><body><h1>Sample deep</h1>\n<p>Sample text.</p>\n<p>"
                             + "<em>a " * 100 + "x" + "</em>" * 100 + "</p></body></html>\n"})
    for name, line in (("deep.md", 5), ("deep.html", 3)):
        result = run("-C", root, "submit", source / name, "--chapter", "deep", "--jurisdiction", "UK",
                     "--as", PERSON)
        message = " ".join(result.output.split())
        assert result.exit_code == 2, result.output
        assert f"{name}: line {line}: emphasis, links or spans nested 33 levels deep in one paragraph " \
               "(at most 32 are taken)" in message, message
    kept = [f for f in (root / "contributions").rglob("*") if f.is_file()]
    assert not any("Sample deep" in f.read_text(encoding="utf-8", errors="replace") for f in kept)


@pytest.mark.slow
def test_header_only_table_is_a_table_in_the_pdf_and_images_keep_their_width(tmp_path: Path) -> None:
    from tests.docs_helpers import make_png

    root = small_workspace(tmp_path / "ws")
    docx = o.write_docx(tmp_path / "src" / "table.docx", o.heading(1, "Sample exhibits") + o.para(
        "Sample text before the table.") + o.table([["Exhibit", "Owner", "Status"]]) + o.para(
        o.drawing("rIdImg1", "Picture 1", cx=914400, cy=457200, alt="Sample diagram")),
        media={"image1.png": make_png(20, 10)})
    _submit(root, docx, "exhibits")
    body = (root / "chapters" / "exhibits.md").read_text(encoding="utf-8")
    assert "| Exhibit | Owner | Status |" in body and '{width="96"}' in body
    built = run("-C", root, "build", "--chapters", "exhibits")
    assert built.exit_code == 0, built.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    assert "<th>Exhibit</th>" in table.replace(' style="text-align: left;"', "") or "Exhibit</th>" in table
    assert re.search(r'<img [^>]*width="96"', html)
    text = "".join(page.extract_text() for page in PdfReader(root / "build" / "manual.pdf").pages)
    assert "Exhibit Owner Status" in " ".join(text.split())
    assert "---" not in text


def test_submit_runs_pandoc_under_the_workspace_limits(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    manual = root / "manual.yaml"
    limited = manual.read_text(encoding="utf-8") + "limits:\n  pandoc_memory_mb: 1\n"
    manual.write_text(limited, encoding="utf-8")
    docx = o.write_docx(tmp_path / "src" / "big.docx", o.heading(1, "Sample") + o.para("Sample text. " * 4000)
                        * 20)
    result = run("-C", root, "submit", docx, "--chapter", "big", "--jurisdiction", "UK", "--as", PERSON)
    assert result.exit_code == 2, result.output
    assert "big.docx: could not convert" in result.output and "pandoc_memory_mb" in result.output
    assert not list((root / "contributions").glob("*")) if (root / "contributions").exists() else True


def test_submit_help_says_what_is_taken_and_refused() -> None:
    result = run("submit", "--help")
    text = " ".join(result.output.split())
    for words in ("bookmarks and REF fields", "data: images in HTML", "--track-changes",
                  "nesting deeper than 32 levels", "UTF-16"):
        assert words in text, words


def test_contributions_json_carries_the_comments(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    docx = o.write_docx(tmp_path / "src" / "c.docx", o.heading(1, "Sample") + o.para(o.commented(
        0, o.run("Sample commented step."))), comments=[(0, "Reviewer B (sample)", "Sample question?")])
    refused = run("-C", root, "submit", docx, "--chapter", "c", "--jurisdiction", "UK", "--as", PERSON)
    assert refused.exit_code == 2 and "holds 1 comment" in refused.output
    data = _submit(root, docx, "c", "--track-changes", "accept")
    shown = json.loads(run("-C", root, "contributions", str(data["id"]), "--json").stdout)
    assert shown["comments"] == {"r1": [{"author": "Reviewer B (sample)", "date": "2026-03-02T10:15:00Z",
                                         "text": "Sample question?", "on": "Sample commented step."}]}
    assert shown["revisions"][0]["comments"] == 1 and shown["revisions"][0]["track_changes"] == ""


def test_a_failed_pdf_layout_names_the_chapters_it_was_laying_out(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    manual = root / "manual.yaml"
    limited = manual.read_text(encoding="utf-8") + "limits:\n  pdf_timeout_seconds: 1\n"
    manual.write_text(limited, encoding="utf-8")
    # alpha long enough that its own layout outlasts the 1 s limit on any machine, so the
    # limit is reached while the chapters are laid out (not later, in the margins' round)
    alpha = root / "chapters" / "alpha.md"
    alpha.write_text(alpha.read_text(encoding="utf-8") + "\n" + "Sample paragraph of alpha.\n\n" * 3000,
                     encoding="utf-8")
    built = run("-C", root, "build", "--format", "pdf")
    assert built.exit_code != 0
    message = " ".join(built.output.split())
    assert re.search(r"hint: it happened laying out chapters/(alpha|beta)\.md", message), message
    assert not (root / "build" / "manual.pdf").exists()


@pytest.mark.slow
def test_a_real_recursion_error_in_the_pdf_layout_names_its_chapter(tmp_path: Path) -> None:
    """Emphasis nested 500 deep is under the lists/quotes measure, so only --force is needed to
    reach WeasyPrint, which fails with a RecursionError within seconds. Its thousand-frame
    traceback used to fill the worker's stderr pipe and hang the build until the layout limit."""
    root = small_workspace(tmp_path / "ws")
    manual = root / "manual.yaml"
    manual.write_text(manual.read_text(encoding="utf-8") + "limits:\n  pdf_timeout_seconds: 120\n",
                      encoding="utf-8")
    depth = 500
    opening = "".join("_a " if level % 2 else "**a " for level in range(depth))
    closing = "".join("_" if level % 2 else "**" for level in reversed(range(depth)))
    build_file_tree(root / "chapters", {"alpha.md": chapter_md(
        "Alpha", f"## Steps {{#first}}\n\nSample text.\n\n{opening}x{closing}\n", lead="UK")})
    built = run("-C", root, "build", "--format", "pdf", "--force")
    assert built.exit_code != 0
    message = " ".join(built.output.split())
    assert "WeasyPrint (PDF layout) of text nested too deeply failed" in message, message
    assert "RecursionError: maximum recursion depth exceeded" in message
    assert "hint: it happened laying out chapters/alpha.md; something in the chapter is nested too deeply" \
        in message
    assert "did not finish within" not in message
    assert not (root / "build" / "manual.pdf").exists()


def test_the_contributor_sees_the_kept_comments_and_the_choice_on_the_revision(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    docx = o.write_docx(tmp_path / "src" / "t.docx", o.heading(1, "Sample") + o.para(
        "Sample text ", o.ins("added"), o.commented(0, o.run(" step."))),
        comments=[(0, "Reviewer B (sample)", "Sample question?")])
    data = _submit(root, docx, "t", "--track-changes", "reject")
    shown = run("-C", root, "status", "--contributor", PERSON)
    text = " ".join(shown.output.split())
    assert f"tracked changes rejected · 1 document comment(s): vimanual contributions {data['id']}" in text
    assert "added" not in (root / "chapters" / "t.md").read_text(encoding="utf-8")


def test_a_reference_style_image_is_checked_as_an_image_with_its_alt_text(tmp_path: Path) -> None:
    from tests.docs_helpers import make_png

    root = small_workspace(tmp_path / "ws")
    text = "Sample text.\n\n![Sample flow][flow]\n\n[flow]: img/f.png\n"
    source = build_file_tree(tmp_path / "src", {"ref.md": text, "img": {"f.png": make_png()}})
    _submit(root, source / "ref.md", "ref")
    body = (root / "chapters" / "ref.md").read_text(encoding="utf-8")
    assert "[flow]: media/" in body
    checked = json.loads(run("-C", root, "check", "--json").stdout)
    assert [p for p in checked["problems"] if p["file"].endswith("ref.md")] == []


def test_a_marker_given_content_by_the_styles_is_named_as_such(tmp_path: Path) -> None:
    """WeasyPrint 70 cannot lay out an outside list marker whose content the styles set
    (``li::marker { content: "→ " }``): it fails with a TypeError deep in its layout, which was
    shown as a traceback naming whichever chapter held the first list. The error now says
    what in the styles does it, and how to say it otherwise."""
    from vimanual.book.plan import DEFAULT_STYLES

    root = small_workspace(tmp_path / "ws")
    shutil.copytree(DEFAULT_STYLES, root / "styles")
    with (root / "styles" / "print.css").open("a", encoding="utf-8") as css:
        css.write('\nli::marker { content: "→ "; }\n')
    build_file_tree(root / "chapters", {"alpha.md": chapter_md(
        "Alpha", "## Steps {#first}\n\n- Seal the exhibit.\n- Record the hash.\n", lead="UK")})
    built = run("-C", root, "build", "--format", "pdf")
    assert built.exit_code == 2, built.output
    message = " ".join(built.output.split())
    assert "WeasyPrint (PDF layout) of a list marker given its own content failed" in message, message
    assert "'::marker { content: … }' in styles/" in message
    assert "list-style-type" in message
    assert not (root / "build" / "manual.pdf").exists()
