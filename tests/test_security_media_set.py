"""Issue 20 item 2: approvals are tied to every image pandoc renders, however its link is
spelled, and ``check`` inspects the same set (both from pandoc's AST of the chapter)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import chapter_md, copy_sample, run, small_workspace
from vimanual.workspace.media import cache_dir

GOOD_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10"/></svg>')
BAD_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           b'<image xlink:href="file:///etc/passwd"/></svg>')

SPELLINGS = {
    "entity": "Sample text.\n\n![probe](media/probe&#46;svg)\n",
    "nested brackets": "Sample text.\n\n![a [b [c]]](media/probe.svg)\n",
    "reference on the next line": "Sample text.\n\n![probe]\n\n[probe]:\n    media/probe.svg\n",
    "percent-encoded": "Sample text.\n\n![probe](media/pro%62e.svg)\n",
}


def _workspace(tmp_path: Path, body: str, svg: bytes = GOOD_SVG) -> Path:
    ws = small_workspace(tmp_path / "ws")
    (ws / "chapters" / "media").mkdir()
    (ws / "chapters" / "media" / "probe.svg").write_bytes(svg)
    (ws / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", body, lead="AU"), encoding="utf-8")
    return ws


def _state(ws: Path) -> str:
    result = run("-C", ws, "status", "--json")
    assert result.exit_code == 0, result.output
    [beta] = [c for c in json.loads(result.stdout)["chapters"] if c["slug"] == "beta"]
    return str(beta["jurisdictions"]["AU"]["state"] if "jurisdictions" in beta else beta)


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_one_byte_of_an_image_however_linked_makes_the_approval_stale(tmp_path: Path, spelling: str) -> None:
    ws = _workspace(tmp_path, SPELLINGS[spelling])
    assert run("-C", ws, "review", "beta", "-j", "AU", "--approve", "--as", "Alan Reviewer").exit_code == 0
    assert "approved" in _state(ws)
    (ws / "chapters" / "media" / "probe.svg").write_bytes(GOOD_SVG.replace(b'width="10"', b'width="11"', 1))
    assert "stale" in _state(ws)
    # and the image really is in the build: the released text would show it
    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    assert "data:image/svg+xml" in (ws / "build" / "manual.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_check_inspects_every_image_pandoc_renders(tmp_path: Path, spelling: str) -> None:
    ws = _workspace(tmp_path, SPELLINGS[spelling], BAD_SVG)
    result = run("-C", ws, "check", "--json")
    assert result.exit_code == 1, result.output
    rules = {p["rule"] for p in json.loads(result.stdout)["problems"] if p["file"] == "chapters/beta.md"}
    assert "media/unsafe-svg" in rules or "unsafe-svg" in rules, result.output


def test_a_committed_media_cache_entry_is_not_trusted(tmp_path: Path) -> None:
    """The parse is cached outside the work tree; an entry written by someone else (saying
    'no images') is ignored, so the approval still binds the image."""
    ws = _workspace(tmp_path, SPELLINGS["entity"])
    assert run("-C", ws, "review", "beta", "-j", "AU", "--approve", "--as", "Alan Reviewer").exit_code == 0
    assert not (ws / "build").exists()  # a review writes nothing into build/
    cache = cache_dir(ws)
    entries = list(cache.glob("*.json"))
    assert entries
    for entry in entries:
        entry.write_text(json.dumps({"targets": [], "seal": "0" * 64}), encoding="utf-8")
    (ws / "chapters" / "media" / "probe.svg").write_bytes(GOOD_SVG + b"\n")
    assert "stale" in _state(ws)


def test_status_on_the_sample_reads_the_sealed_cache(tmp_path: Path) -> None:
    """The AST parse is paid once per chapter text; later runs read the sealed cache and
    rewrite none of it (how quick that is belongs to bench/status.py, not to a timed test)."""
    ws = copy_sample(tmp_path / "sample")
    first = run("-C", ws, "status")
    assert first.exit_code == 0  # fills the cache
    entries = {path: path.stat().st_mtime_ns for path in cache_dir(ws).glob("*.json")}
    assert entries
    for _ in range(2):
        again = run("-C", ws, "status")
        assert again.exit_code == 0 and again.output == first.output
    assert {path: path.stat().st_mtime_ns for path in cache_dir(ws).glob("*.json")} == entries


def test_chapters_parsed_in_several_pandoc_processes_each_get_their_own_media(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first load of many chapters parses them in a few pandoc processes at once, each a
    run of consecutive chapters (``media.prefetch``): every chapter's media set, and so its
    content hash, is the one it has when parsed alone."""
    from tests.helpers import build_file_tree, manual_yaml
    from vimanual.tools import pandoc
    from vimanual.workspace import media
    from vimanual.workspace.load import content_hash, inspect_workspace

    slugs = [f"part-{n}" for n in range(12)]
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=slugs),
        "chapters": {f"{slug}.md": chapter_md(
            f"Part {n}", "Sample text of the part.\n\n" * (1 + 30 * (n % 4))
            + f"![figure {n}](media/fig-{n}.svg)\n\n## Steps {{#steps-{n}}}\n")
            for n, slug in enumerate(slugs)},
    })
    (ws / "chapters" / "media").mkdir()
    for n in range(len(slugs)):
        figure = GOOD_SVG.replace(b"10", str(n + 1).encode(), 1)
        (ws / "chapters" / "media" / f"fig-{n}.svg").write_bytes(figure)
    runs: list[int] = []
    real_parse = pandoc.parse_many

    def counted(texts: list[str], *args: object) -> object:
        runs.append(len(texts))
        return real_parse(texts, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(media, "PREFETCH_PROCESSES", 3)
    monkeypatch.setattr(pandoc, "parse_many", counted)
    workspace, problems = inspect_workspace(ws)
    assert workspace is not None and problems == [], problems
    assert len(runs) == 3 and sum(runs) == len(slugs), runs
    for n, slug in enumerate(slugs):
        chapter = workspace.chapters[slug]
        assert media.media_files(chapter.path.read_text(encoding="utf-8"), ws / "chapters", ws) == [
            (ws / "chapters" / "media" / f"fig-{n}.svg").resolve()]
    monkeypatch.setenv("VIMANUAL_STATE_DIR", str(tmp_path / "alone"))  # nothing cached: each parsed alone
    for slug in slugs:
        chapter = workspace.chapters[slug]
        assert content_hash(chapter.path.read_bytes(), ws / "chapters", ws) == chapter.content_hash
    assert len(runs) == 3 + len(slugs)  # (one parse each, on its own)
