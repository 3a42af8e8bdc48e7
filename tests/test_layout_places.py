"""Where each laid-out part's named destinations and blank versos are is kept beside it in the
layout cache (pdf/layouts.places): the page plan and the early contents read them there on every
build instead of opening every part. A cache written before (no places in it), or a damaged
record, is read from the part's PDF again and written back; the book is the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pypdf

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok

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
