"""Layout workers are forked from one process that imported WeasyPrint once (pdf/workers.py,
pdf/worker.py's ``serve_forks``): the same book as spawned workers make, nothing left running
after the build, and nothing left when the build is killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, ok
from tests.test_security_processes import alive, cli, descendants, process_table, wait_for
from vimanual.pdf import workers

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="workers are forked on Linux only (and processes read from /proc)")


def _workspace(root: Path, chapters: int = 6) -> Path:
    slugs = [f"part-{n}" for n in range(1, chapters + 1)]
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=slugs),
        "chapters": {f"{slug}.md": chapter_md(f"Chapter {slug} procedures", "".join(
            f"## Step {k} {{#{slug}-step-{k}}}\n\nSample text {k} of {slug}.\n\n" for k in range(1, 9)))
                     for slug in slugs},
    })


def _parent(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))


def _running(pids: list[int]) -> list[int]:
    table = process_table()
    return [pid for pid in pids if pid in table and table[pid].state != "Z"]


def test_workers_are_forked_from_one_server_and_end_with_the_build(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    seen: dict[int, tuple[bool, int, int | None, int | None]] = {}  # pid: forked, parent, server, its parent
    real_send = workers.Worker.send

    def noted(self: workers.Worker, *args: Any) -> Any:
        server = workers.running_server()
        server_pid = server.proc.pid if server else None
        seen.setdefault(self.proc.pid, (self.forked, _parent(self.proc.pid), server_pid,
                                        _parent(server_pid) if server_pid else None))
        return real_send(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers.Worker, "send", noted)
        ok("-C", ws, "build", "--format", "pdf", "--jobs", "2", "-o", ws / "forked")
    servers = {server for _, _, server, _ in seen.values()}
    assert len(seen) >= 2 and len(servers) == 1, seen  # two workers (or more), one server
    for forked, parent, server, server_parent in seen.values():
        assert forked and parent == server and server_parent == os.getpid()
    # the build's end ends the server and, with it, every worker
    assert workers.running_server() is None
    assert _running([*servers, *seen]) == []  # type: ignore[list-item]


def test_where_workers_cannot_be_forked_they_are_spawned_and_make_the_same_book(tmp_path: Path) -> None:
    ws = _workspace(tmp_path / "ws")
    ok("-C", ws, "build", "--format", "pdf", "-o", ws / "forked")
    kinds: list[bool] = []
    real_send = workers.Worker.send

    def noted(self: workers.Worker, *args: Any) -> Any:
        kinds.append(self.forked)
        return real_send(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(workers, "start_server", lambda: None)
        patch.setattr(workers.Worker, "send", noted)
        ok("-C", ws, "build", "--format", "pdf", "--no-cache", "-o", ws / "spawned")
    assert kinds and not any(kinds)
    assert (ws / "spawned" / "manual.pdf").read_bytes() == (ws / "forked" / "manual.pdf").read_bytes()


@pytest.mark.slow
def test_a_build_killed_while_laying_out_leaves_no_worker_and_no_server(tmp_path: Path) -> None:
    """SIGKILL runs no code in the tool: the server dies with it, and each worker with the server."""
    ws = _workspace(tmp_path / "ws", chapters=40)
    tool = cli(ws, "build", "--format", "pdf", "--jobs", "2")
    try:
        def forked_workers() -> list[int]:
            table = process_table()
            servers = {p.pid for p in descendants(tool.pid, table) if p.ppid == tool.pid}
            return [p.pid for p in descendants(tool.pid, table) if p.ppid in servers and p.state != "Z"]

        found = wait_for(forked_workers, 120, "a forked layout worker")
        started = descendants(tool.pid, process_table())
        assert isinstance(found, list) and found
        os.kill(tool.pid, signal.SIGKILL)
        tool.wait(timeout=30)
        wait_for(lambda: not alive(started), 20, "the server and workers to end")
    finally:
        if tool.poll() is None:
            os.killpg(tool.pid, signal.SIGKILL)
            tool.wait()
    time.sleep(0.1)
    assert alive(started) == []


def test_the_server_answers_every_request_and_a_refused_fork_is_an_error() -> None:
    """A request it cannot serve gets "error" (the parent, waiting for an answer, then spawns
    its worker); a pid it never forked is reported as ended."""
    server = workers.ForkServer()
    try:
        assert server._ask("hello") == "error"
        assert server._ask("fork") == "error"  # no pipes with it
        assert server.status(os.getpid(), block=False) == (-9, 0)  # not its child
        forked = server.fork()
        assert _parent(forked.pid) == server.proc.pid
        assert forked.poll() is None
        forked.stdin.close()  # no header: the worker ends
        assert forked.wait(timeout=30) == 0
    finally:
        server.close()
    assert not server.alive()
