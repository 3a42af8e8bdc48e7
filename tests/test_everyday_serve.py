"""Issue 15, point 15: the live preview never misses an edit saved right after the first page."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import start_subprocess
from tests.test_serve import fetch, free_port, wait_for
from vimanual import api
from vimanual.book.serve import Rebuild


def _append(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nSample text: appended right after the first page.\n")


def _truncate_and_write(path: Path) -> None:
    # what most editors do on save: open for writing (truncating), then write the whole text
    text = path.read_text(encoding="utf-8").replace("Alpha text.", "Sample text: rewritten in place.")
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


EDITS: dict[str, tuple[Callable[[Path], None], str]] = {
    "append": (_append, "appended right after the first page."),
    "truncate-and-write": (_truncate_and_write, "Sample text: rewritten in place."),
}


@pytest.mark.parametrize("how", list(EDITS))
def test_edit_right_after_the_first_answer_is_shown(workspace: Path, how: str) -> None:
    edit, expected = EDITS[how]
    server = api.preview(workspace, free_port())
    server.start()
    rebuilds: list[Rebuild] = []
    stop = threading.Event()
    try:
        status, page = fetch(server.url)
        assert status == 200 and "Alpha text." in page
        edit(workspace / "chapters" / "alpha.md")  # saved before the watch loop runs at all
        thread = threading.Thread(target=server.watch, args=(rebuilds.append, stop))
        thread.start()
        wait_for(lambda: expected in fetch(server.url)[1])
        assert [r.changed for r in rebuilds] == [("chapters/alpha.md",)]
    finally:
        stop.set()
        server.close()


def test_the_command_shows_an_edit_saved_as_soon_as_the_page_appears(workspace: Path) -> None:
    port = free_port()
    env = {"COLUMNS": "120", "NO_COLOR": "1"}
    proc = start_subprocess("-C", workspace, "serve", "--port", str(port), env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        def first_answer() -> bool:
            try:
                return fetch(url)[0] == 200
            except OSError:
                return False

        wait_for(first_answer, timeout=60)
        _truncate_and_write(workspace / "chapters" / "alpha.md")
        wait_for(lambda: "Sample text: rewritten in place." in fetch(url)[1], timeout=30)
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
