"""Where each laid-out part's named destinations and blank versos are is kept beside it in the
layout cache (pdf/layouts.places): the page plan and the early contents read them there on every
build instead of opening every part. A cache written before (no places in it), or a damaged
record, is read from the part's PDF again and written back; the book is the same bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypdf

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok, run

SLUGS = [f"short-{n}" for n in range(1, 7)]


def _workspace(root: Path) -> Path:
    # Short chapters are laid out together, in groups: a group's chapters after the first
    # start on a right-hand page, with a blank verso the layout inserted before some of them.
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=SLUGS),
        "chapters": {f"{slug}.md": chapter_md(f"Chapter {slug} handling",
                                              f"## Steps {{#{slug}-steps}}\n\nSample text of {slug}.\n\n"
                                              + "Sample paragraph of procedure text.\n\n" * 4)
                     for slug in SLUGS},
    })


def _records(ws: Path) -> dict[Path, dict[str, object]]:
    """The layout cache's records of the parts that hold a chapter (those with destinations)."""
    found = {}
    for path in sorted((ws / "build" / "cache" / "layout").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if any(f"{slug}--{slug}-steps" in str(record.get("dests", "")) for slug in SLUGS):
            found[path] = record
    return found


def test_parts_places_are_kept_beside_them_and_an_older_cache_gives_the_same_book(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    ok("-C", ws, "build", "--format", "pdf", "--jobs", "1")
    pdf = ws / "build" / "manual.pdf"
    first = pdf.read_bytes()
    records = _records(ws)
    assert records, "no part's record names its destinations"
    every = {name for record in records.values() for name in record["dests"]}  # type: ignore[attr-defined]
    assert {f"{slug}--{slug}-steps" for slug in SLUGS} <= every
    # the group's chapters start on right-hand pages: blank versos before them, recorded
    versos = [(path, page) for path, record in records.items() for page in record["blank_before"]]  # type: ignore[attr-defined]
    assert versos
    for path, page in versos:
        assert not pypdf.PdfReader(path.with_suffix(".pdf")).pages[page].extract_text().strip()

    # As a cache from before (no places), one record damaged: read from the PDFs again.
    damaged = next(iter(records))
    for path, record in records.items():
        kept = {"pages": record["pages"], "refused": record["refused"]}
        if path == damaged:
            kept["dests"] = "not a mapping"
        path.write_text(json.dumps(kept), encoding="utf-8")
    pdf.unlink()
    ok("-C", ws, "build", "--format", "pdf", "--jobs", "1")
    assert pdf.read_bytes() == first
    again = _records(ws)
    assert set(again) == set(records)
    assert again == records  # written back as they were


def test_each_part_is_kept_as_it_is_laid_out_so_a_later_failure_loses_none(tmp_path: Path) -> None:
    """Each laid-out part goes into the layout cache, with its record, as its layout ends (the
    next parts are laid out meanwhile), not once all have: a part that then fails to lay out
    (emphasis nested 500 deep: WeasyPrint's RecursionError) leaves the others kept, and the
    build after the fix lays out only that one."""
    long_text = "Sample paragraph of procedure text, long enough to be laid out alone.\n\n" * 500
    depth = 500
    deep = ("".join("_a " if level % 2 else "**a " for level in range(depth)) + "x"
            + "".join("_" if level % 2 else "**" for level in reversed(range(depth))))
    slugs = ["long-1", "long-2", "deep"]
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=slugs) + "limits:\n  pdf_timeout_seconds: 120\n",
        "chapters": {
            "long-1.md": chapter_md("Long one", f"## Steps {{#long-1-steps}}\n\n{long_text}"),
            "long-2.md": chapter_md("Long two", f"## Steps {{#long-2-steps}}\n\n{long_text}"),
            "deep.md": chapter_md("Deep", f"## Steps {{#deep-steps}}\n\nSample text.\n\n{deep}\n"),
        },
    })
    # one worker, the largest part first: both long chapters are laid out before the deep one
    failed = run("-C", ws, "build", "--format", "pdf", "--jobs", "1", "--force")
    assert failed.exit_code != 0 and "chapters/deep.md" in " ".join(failed.output.split()), failed.output
    cache = ws / "build" / "cache" / "layout"
    kept = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in cache.glob("*.json")}
    held = [name for name, record in kept.items() if any("steps" in d for d in record.get("dests", {}))]
    assert len(held) == 2, kept  # the two long chapters, each with its destinations
    assert all((cache / name).with_suffix(".pdf").is_file() for name in held)
    assert not list(cache.glob(".*.tmp"))

    inodes = {name: (cache / name).with_suffix(".pdf").stat().st_ino for name in held}

    (ws / "chapters" / "deep.md").write_text(chapter_md("Deep", "## Steps {#deep-steps}\n\nSample text.\n"))
    again = run("-C", ws, "build", "--format", "pdf", "--jobs", "1")
    assert again.exit_code == 0, again.output
    reused = re.search(r"(\d+) reused from the last build", again.output)
    assert reused and int(reused[1]) >= 2, again.output
    # not laid out again
    assert {name: (cache / name).with_suffix(".pdf").stat().st_ino for name in held} == inodes
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(ws / "build" / "manual.pdf").pages)
    assert "Long one" in text and "Long two" in text and "Deep" in text


def test_a_page_is_blank_only_if_no_instruction_paints(tmp_path: Path) -> None:
    """stitch.is_blank reads a page's contents only up to the first instruction that paints; what
    it says is what reading every instruction says, strings, names and several streams included."""
    import pikepdf

    from vimanual.pdf.stitch import PAINT_OPERATORS, is_blank

    contents: dict[str, list[bytes]] = {
        "nothing": [],
        "state only": [b"q 1 0 0 1 0 0 cm 0.5 g Q"],
        "a font named like an operator, no text": [b"BT /TJ 12 Tf /Tj 1 Tf 10 10 Td ET"],
        "a string holding operators": [b"/Span <</ActualText (a Tj b f S)>> BDC EMC"],
        "after a long preamble, text": [b"q 1 0 0 1 0 0 cm Q\n" * 400 + b"BT /F1 12 Tf (x) Tj ET"],
        "a filled rectangle": [b"0 0 10 10 re f"],
        "an inline image": [b"q BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI Q"],
        "two streams, the second paints": [b"q Q", b"BT /F1 12 Tf [<0050>] TJ ET"],
    }
    pdf = pikepdf.new()
    for streams in contents.values():
        pdf.add_blank_page()
        page = pdf.pages[-1]
        if len(streams) == 1:
            page.Contents = pdf.make_stream(streams[0])
        elif streams:
            page.Contents = pikepdf.Array([pdf.make_stream(data) for data in streams])
    path = tmp_path / "pages.pdf"
    pdf.save(path)
    with pikepdf.open(path) as saved:
        said = {name: is_blank(page) for name, page in zip(contents, saved.pages, strict=True)}
        every = {name: not {str(i.operator) for i in pikepdf.parse_content_stream(page)} & PAINT_OPERATORS
                 for name, page in zip(contents, saved.pages, strict=True)}
    assert said == {"nothing": True, "state only": True, "a font named like an operator, no text": True,
                    "a string holding operators": True, "after a long preamble, text": False,
                    "a filled rectangle": False, "an inline image": False,
                    "two streams, the second paints": False}
    # reading every instruction agrees, but for the inline image, which it reads as one
    # instruction named 'INLINE IMAGE' and so took for nothing painted
    assert {name: value for name, value in every.items() if name != "an inline image"} == \
        {name: value for name, value in said.items() if name != "an inline image"}
    assert every["an inline image"] is True
