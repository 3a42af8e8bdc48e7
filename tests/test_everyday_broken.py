"""One contributor's broken chapter file does not hold up everyone else's work: --force builds
the rest, a release that leaves the chapter out is not stopped by its file, and the preview
serves and shows the error."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import chapter_md, run, small_workspace
from tests.test_editions import approve
from tests.test_serve import fetch, free_port, wait_for
from vimanual import api
from vimanual.book.serve import VERSION_PATH, Rebuild

BROKEN = '---\ntitle: "Gamma\nlead: UK\n---\n\nSample text of gamma.\n'  # an unclosed quote


def _with_broken_gamma(tmp_path: Path) -> Path:
    root = small_workspace(tmp_path / "ws", chapters=["alpha", "beta", "gamma"])
    (root / "chapters" / "gamma.md").write_text(BROKEN, encoding="utf-8")
    return root


def test_a_broken_chapter_refuses_the_build_and_force_builds_the_rest(tmp_path: Path) -> None:
    root = _with_broken_gamma(tmp_path)
    result = run("-C", root, "build", "--format", "html")
    assert result.exit_code == 2, result.output  # malformed YAML: bad input, one line and a hint
    assert result.stderr.startswith("Error: chapters/gamma.md:") and "invalid YAML" in result.stderr
    assert not (root / "build" / "manual.html").exists()
    result = run("-C", root, "build", "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    assert "Alpha text." in html and "Sample text of gamma." not in html


@pytest.mark.slow
def test_a_link_to_a_broken_chapter_says_it_is_broken_not_unknown(tmp_path: Path) -> None:
    """check said "link to unknown chapter 'gamma.md'", as if gamma had been renamed or dropped,
    while gamma's only trouble was its front matter; once mended, the link checks clean again."""
    root = _with_broken_gamma(tmp_path)
    beta = root / "chapters" / "beta.md"
    beta.write_text(beta.read_text(encoding="utf-8") + "\nSee [gamma](gamma.md).\n", encoding="utf-8")
    result = run("-C", root, "check")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "link to 'gamma.md': chapter 'gamma' cannot be read now, so the link has no target" in said
    assert "unknown chapter" not in said
    (root / "chapters" / "gamma.md").write_text(chapter_md("Gamma", "Sample text of gamma.\n", lead="UK"),
                                                encoding="utf-8")
    mended = run("-C", root, "check")  # beta's cached finding is checked again
    assert mended.exit_code == 0, mended.output


def test_a_release_that_leaves_the_broken_chapter_out_is_not_stopped_by_it(tmp_path: Path) -> None:
    root = _with_broken_gamma(tmp_path)
    for slug in ("alpha", "beta"):
        approve(root, slug)
    refused = run("-C", root, "release", "1.0")
    assert refused.exit_code == 2 and "chapters/gamma.md" in refused.output
    assert not (root / "editions" / "1.0").exists()
    result = run("-C", root, "release", "1.0", "--exclude", "gamma")
    assert result.exit_code == 0, result.output
    pages = PdfReader(root / "editions" / "1.0" / "manual.pdf").pages
    text = " ".join(page.extract_text() or "" for page in pages)
    assert "Alpha text." in text and "gamma" not in text.lower()


@pytest.mark.slow
def test_the_preview_serves_with_a_broken_chapter_and_shows_the_manual_once_fixed(tmp_path: Path) -> None:
    """serve refused to start (exit 2) while any chapter's file was broken."""
    root = _with_broken_gamma(tmp_path)
    server = api.preview(root, free_port())
    failed = server.start()
    rebuilds: list[Rebuild] = []
    stop = threading.Event()
    thread = threading.Thread(target=server.watch, args=(rebuilds.append, stop))
    thread.start()
    try:
        assert failed is not None and "chapters/gamma.md" in failed.error
        status, page = fetch(server.url)
        assert status == 200 and "once a build succeeds" in page and 'id="vimanual-reload"' in page
        assert "chapters/gamma.md" in fetch(server.url + VERSION_PATH)[1]
        time.sleep(0.3)  # the watcher settles
        fixed = chapter_md("Gamma", "Sample text of gamma.\n", lead="UK")
        (root / "chapters" / "gamma.md").write_text(fixed, encoding="utf-8")
        wait_for(lambda: bool(rebuilds) and not rebuilds[-1].error)
        page = fetch(server.url)[1]
        assert "Alpha text." in page and "Sample text of gamma." in page
        assert '"error": ""' in fetch(server.url + VERSION_PATH)[1]
    finally:
        stop.set()
        thread.join(timeout=10)
        server.close()
