"""`vimanual serve`: the preview server on the loopback interface, rebuilt on edits."""

from __future__ import annotations

import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import chapter_md, run, start_subprocess
from vimanual import api
from vimanual.book.serve import VERSION_PATH, Rebuild


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"not true within {timeout} s")


class Running:
    """A PreviewServer whose watch loop runs in a thread, stopped at the end of the test."""

    def __init__(self, root: Path) -> None:
        self.server = api.preview(root, free_port())
        self.server.start()
        self.rebuilds: list[Rebuild] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.server.watch, args=(self.rebuilds.append, self.stop))
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.server.close()


@pytest.fixture
def preview(workspace: Path) -> Iterator[Running]:
    running = Running(workspace)
    time.sleep(0.3)  # let the watcher settle before the test edits files
    yield running
    running.close()


@pytest.mark.slow
def test_serves_the_manual_with_reload_script_only_in_the_served_copy(preview: Running) -> None:
    status, page = fetch(preview.server.url)
    assert status == 200
    assert "Alpha text." in page and 'id="vimanual-reload"' in page
    # the build's own banner, with the live review state (status.review_banners)
    assert "Draft · review: not ready · UK pending · AU pending" in page
    built = (preview.server.root / "build" / "manual.html").read_text(encoding="utf-8")
    assert "vimanual-reload" not in built and "<script" not in built
    assert fetch(preview.server.url + VERSION_PATH) == (200, '{"version": 1, "error": ""}')
    assert fetch(preview.server.url + "chapters/alpha.md")[0] == 404
    assert preview.server.url.startswith("http://127.0.0.1:")


@pytest.mark.slow
def test_foreign_host_header_is_refused(preview: Running) -> None:
    # A page elsewhere pointing its own DNS name at 127.0.0.1 must not read the manual.
    assert fetch(preview.server.url, host=f"attacker.example:{preview.server.port}")[0] == 403
    assert fetch(preview.server.url, host=f"localhost:{preview.server.port}")[0] == 200


@pytest.mark.slow
def test_edit_rebuilds_only_that_chapter_and_bumps_the_version(preview: Running) -> None:
    chapter = preview.server.root / "chapters" / "beta.md"
    chapter.write_text(chapter_md("Beta Chapter", "Freshly edited text.\n", lead="AU"), encoding="utf-8")
    wait_for(lambda: "Freshly edited text." in fetch(preview.server.url)[1])
    assert '"version": 2' in fetch(preview.server.url + VERSION_PATH)[1]
    assert preview.rebuilds[0].changed == ("chapters/beta.md",)
    assert (preview.rebuilds[0].converted, preview.rebuilds[0].cached) == (1, 1)


@pytest.mark.slow
def test_manual_yaml_change_is_seen(preview: Running) -> None:
    manual = preview.server.root / "manual.yaml"
    manual.write_text(manual.read_text(encoding="utf-8").replace("Test Manual", "Renamed Manual"))
    wait_for(lambda: "Renamed Manual" in fetch(preview.server.url)[1])
    assert "manual.yaml" in preview.rebuilds[-1].changed


@pytest.mark.slow
def test_failed_rebuild_keeps_the_last_good_page_and_reports(preview: Running) -> None:
    (preview.server.root / "manual.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    wait_for(lambda: bool(preview.rebuilds) and bool(preview.rebuilds[-1].error))
    assert "manual.yaml" in preview.rebuilds[-1].error
    assert "Alpha text." in fetch(preview.server.url)[1]
    status, state = fetch(preview.server.url + VERSION_PATH)
    assert '"version": 1' in state and "manual.yaml" in state


@pytest.mark.parametrize("port", ["0", "65536", "-5"])
def test_bad_port_is_a_usage_error(workspace: Path, port: str) -> None:
    result = run("-C", workspace, "serve", "--port", port)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: port {port} is not a TCP port number",
        "  hint: choose a port from 1 to 65535, e.g. 'vimanual serve --port 8000'",
    ]


def test_busy_port_is_a_clear_error(workspace: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("-C", workspace, "serve", "--port", str(port))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"Error: port {port} on 127.0.0.1 is already in use"
    assert "choose another port" in result.stderr.splitlines()[1]


@pytest.mark.slow
def test_ctrl_c_stops_cleanly(workspace: Path) -> None:
    port = free_port()
    proc = start_subprocess("-C", workspace, "serve", "--port", str(port), env={"PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"Serving http://127.0.0.1:{port}/"), first + proc.stderr.read()
        assert "Alpha text." in fetch(f"http://127.0.0.1:{port}/")[1]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        assert proc.stderr is not None
        out, err = proc.stdout.read(), proc.stderr.read()  # the same buffers readline used
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert out.strip() == "Stopped."
    assert "Traceback" not in err
    with socket.socket() as again:  # the port is free again (for a new server, as serve binds)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
        again.listen()
