"""Intake of contributed files: real pandoc on real .docx/.odt/.html, and the archive checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs_helpers import make_document, make_png, make_zip
from vimanual.base.errors import VimanualError
from vimanual.contributions.intake import (
    check_archive,
    convert_submission,
    count_words,
    media_links,
    text_title,
)
from vimanual.workspace.schema import Limits


def convert(path: Path, tmp_path: Path, limits: Limits | None = None):  # type: ignore[no-untyped-def]
    return convert_submission(path, limits or Limits(), tmp_path / "out" / "media", tmp_path / "out" / "work")


def test_docx_keeps_heading_list_table_footnote_and_image(tmp_path: Path) -> None:
    png = make_png()
    docx = make_document(tmp_path / "src", "triage.docx", png=png)
    result = convert(docx, tmp_path)
    md = result.markdown
    assert result.source_format == "docx"
    assert result.title == "Triage of Seized Media"
    assert "## First pass" in md  # Word's Heading 2 stays a section; the Title became the title
    assert "- Record the exhibit number." in md
    assert re.search(r"Hash\s+Analyst", md) and re.search(r"Log\s+Supervisor", md)
    assert "[^1]" in md and "[^1]: Sample footnote about the record." in md
    (name,) = result.media
    assert re.fullmatch(r"[0-9a-f]{16}\.png", name)
    assert f"![A flow diagram](media/{name})" in md
    assert (tmp_path / "out" / "media" / name).read_bytes() == png
    assert media_links(md) == {name}
    assert "Sample text — the analyst records “each” device." in md  # no "---" or ASCII quotes
    assert "<" not in md


def test_odt_keeps_heading_list_and_image(tmp_path: Path) -> None:
    odt = make_document(tmp_path / "src", "triage.odt")
    result = convert(odt, tmp_path)
    assert result.source_format == "odt"
    assert "## First pass" in result.markdown
    assert "- Record the hash value." in result.markdown
    assert "[^1]" in result.markdown
    (name,) = result.media
    assert f"(media/{name})" in result.markdown


def test_word_heading_1_sections_move_down_a_level(tmp_path: Path) -> None:
    docx = make_document(tmp_path / "src", "plain.docx", "# One\n\nText.\n\n# Two\n\nMore.\n")
    result = convert(docx, tmp_path)
    assert "## One" in result.markdown and "## Two" in result.markdown
    assert result.title is None


def test_html_loses_raw_markup_and_remote_images(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><h2>Steps</h2><p>Sample <b>text</b>.</p><script>alert(1)</script>"
        '<div onclick="x()"><p>Inside</p></div><img src="https://example.org/t.png" alt="tracker">'
        "<iframe src='https://example.org'></iframe></body></html>",
        encoding="utf-8",
    )
    result = convert(page, tmp_path)
    assert "## Steps" in result.markdown and "**text**" in result.markdown
    assert "<" not in result.markdown and "alert" not in result.markdown
    assert "example.org" not in result.markdown
    assert result.media == []
    assert any("not embedded" in w for w in result.warnings)


def test_unsupported_image_type_is_left_out_with_a_warning(tmp_path: Path) -> None:
    docx = make_document(tmp_path / "src", "img.docx", "Text.\n\n![Figure](figure.png)\n",
                         png=make_png())
    # Swap the embedded PNG for bytes that are no allowed image (as Word's EMF would be).
    import zipfile

    patched = tmp_path / "patched.docx"
    with zipfile.ZipFile(docx) as src, zipfile.ZipFile(patched, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("word/media/"):
                data = b"\x01\x00\x00\x00 not an image"
            dst.writestr(info, data)
    result = convert(patched, tmp_path)
    assert result.media == []
    assert "*(image omitted)*" in result.markdown
    assert any("left out" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("members", "limits", "message"),
    [
        ({"../evil.txt": b"x", "word/document.xml": b"<x/>"}, Limits(), "has an unsafe path"),
        ({"/etc/evil": b"x", "word/document.xml": b"<x/>"}, Limits(), "has an unsafe path"),
        ({"word/document.xml": b"0" * 5000}, Limits(max_archive_bytes=1000), "would expand to 5,000 bytes"),
        ({f"m{i}": b"" for i in range(5)} | {"word/document.xml": b"<x/>"},
         Limits(max_archive_members=3), "archive has 6 members"),
        ({"content.xml": b"<x/>"}, Limits(), "no main document part"),
    ],
)
def test_archive_refusals(tmp_path: Path, members: dict[str, bytes], limits: Limits, message: str) -> None:
    path = make_zip(tmp_path / "a.docx", members)
    with pytest.raises(VimanualError) as info:
        check_archive(path, "docx", limits)
    assert message in info.value.message


def test_archive_with_damaged_member_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.docx", {"word/document.xml": b"<w:document>" + b"a" * 2000})
    data = bytearray(path.read_bytes())
    offset = data.index(b"word/document.xml") + len("word/document.xml") + 10
    data[offset] ^= 0xFF  # corrupt the compressed stream
    path.write_bytes(bytes(data))
    with pytest.raises(VimanualError, match="damaged archive"):
        check_archive(path, "docx", Limits())


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.odt"
    path.write_bytes(b"this is text, not an archive")
    with pytest.raises(VimanualError, match=r"not a valid \.odt file"):
        check_archive(path, "odt", Limits())


def test_text_helpers() -> None:
    assert text_title("intro\n# The Title #\n## Section\n") == "The Title"
    assert text_title("## Only a section\n") is None
    assert count_words("Hello, world! ![An image](media/abc.png){width=2in} it's ok") == 6
