"""A build's check runs beside the conversion of its chapters (book/preflight.py): its errors
still refuse the build before anything is laid out or written, and --force still builds."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ok, run, small_workspace
from tests.test_security_processes import descendants, process_table
from vimanual.book.chapters import ChapterCache
from vimanual.check import run as check_run


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.glob("manual.*"))}


def test_the_check_runs_while_the_chapters_are_converted(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    converting = threading.Event()
    seen: dict[str, Any] = {}
    real_check, real_convert = check_run.check_loaded, ChapterCache.convert

    def check_loaded(*args: Any, **kwargs: Any) -> Any:
        # Run one after the other, the conversion could not start before this returns.
        seen["thread"] = threading.current_thread().name
        seen["converting"] = converting.wait(timeout=30)
        return real_check(*args, **kwargs)

    def convert(self: ChapterCache, *args: Any) -> Any:
        converting.set()
        return real_convert(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(check_run, "check_loaded", check_loaded)
        patch.setattr(ChapterCache, "convert", convert)
        built = ok("-C", ws, "build", "--format", "html")
    assert seen.get("converting") is True, seen  # a conversion began while the check ran
    assert str(seen.get("thread", "")).startswith("vimanual-check"), seen
    assert "2 converted, 0 from cache" in built.output


def test_check_errors_refuse_the_build_after_converting_and_leave_outputs_and_no_process(
        tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    ok("-C", ws, "build")
    before = _digests(ws / "build")
    assert set(before) == {"manual.pdf", "manual.html"}
    chapter = ws / "chapters" / "alpha.md"
    chapter.write_text(chapter.read_text().replace("Alpha text.", "Alpha text, see [the steps](#nowhere)."))

    started = len(descendants(os.getpid(), process_table()))
    refused = run("-C", ws, "build")
    assert refused.exit_code == 1, refused.output
    assert "link to '#nowhere'" in refused.stderr
    assert "Error: 'vimanual check' found 1 error(s); not building" in refused.stderr
    assert _digests(ws / "build") == before  # neither output touched
    assert len(descendants(os.getpid(), process_table())) == started  # no layout server or worker left
    assert not list((ws / "build").glob(".vimanual-pdf-*")), "a layout scratch folder was left behind"

    forced = run("-C", ws, "build", "--force")
    assert forced.exit_code == 0, forced.output
    assert "link to '#nowhere'" in forced.stderr
    after = _digests(ws / "build")
    assert after["manual.pdf"] != before["manual.pdf"] and after["manual.html"] != before["manual.html"]
    assert "Alpha text, see <a>the steps</a>." in (ws / "build" / "manual.html").read_text()  # target removed


def test_a_build_that_stops_before_its_pipeline_leaves_no_layout_process(tmp_path: Path) -> None:
    """The fork server starts with the build, before the workspace is loaded: a build that stops
    before the pipeline (here an unknown language edition) ends it too."""
    ws = small_workspace(tmp_path / "ws")
    started = len(descendants(os.getpid(), process_table()))
    failed = run("-C", ws, "build", "--language", "zz")
    assert failed.exit_code == 2, failed.output
    assert "zz" in failed.stderr
    assert len(descendants(os.getpid(), process_table())) == started


def test_on_a_first_build_the_layout_server_starts_once_the_chapters_are_read(tmp_path: Path) -> None:
    """The fork server's import of WeasyPrint only slowed pandoc down while it read every
    chapter of a first build; a later build, with little to read, starts it at once."""
    from vimanual.pdf import workers

    ws = small_workspace(tmp_path / "ws")
    events: list[str] = []
    real_start, real_read = workers.start_spare_worker, ChapterCache.read_with_media

    def start_spare_worker(*args: Any) -> None:
        events.append("server")
        real_start(*args)

    def read_with_media(self: ChapterCache, bodies: dict[str, str], jobs: int) -> Any:
        events.append(f"read {len(bodies)}")
        return real_read(self, bodies, jobs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "start_spare_worker", start_spare_worker)
        patch.setattr(ChapterCache, "read_with_media", read_with_media)
        ok("-C", ws, "build", "--format", "pdf")
        assert events == ["read 2", "server"]  # the parse cache was empty: both chapters read first
        events.clear()
        chapter = ws / "chapters" / "alpha.md"
        chapter.write_text(chapter.read_text().replace("Alpha text.", "Alpha text, amended."))
        built = ok("-C", ws, "build", "--format", "pdf")
    assert events == ["server", "read 1"]  # the one changed chapter read with the server starting
    assert "1 converted, 1 from cache" in built.output
