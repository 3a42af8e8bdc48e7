"""Promise: nothing the tool starts outlives it, and every pandoc run is bounded.

Each command runs as a real ``python -m vimanual`` process on a workspace whose text makes
pandoc slow (hostile but small input); once its pandoc child is seen in /proc, the command
is killed with SIGKILL (no Python code runs after that) and every process it had started,
found by parent pid and process group before the kill, must be gone a second later.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, start_subprocess

# ~2.8 MB of flat emphasis and links that pandoc's Markdown reader takes over 256 MB and 9 CPU s
# over (issue 20, point 4; the nested "*a [b " that took it minutes is now refused before pandoc
# runs: issue 17).
HOSTILE_MARKDOWN = "*a* [b] " * 350_000 + "\n"
# ~4.5 MB (under the 5 MB text limit) of flat inline tags that pandoc's HTML reader takes ~9 s
# and over 1 GB over on an idle 2-core machine (1.4 MB took 4.3 s there: under the 5 s limit
# these tests need it past; nested tags, which cost it far more, are now refused before pandoc
# runs: issue 14, point 7).
HOSTILE_HTML = "<html><body><p>" + "<b>a</b> <i>b</i> " * 250_000 + "</p></body></html>\n"
GENEROUS = {"pandoc_timeout_seconds": 600, "pandoc_memory_mb": 4_000}
SMALL = {"pandoc_timeout_seconds": 5, "pandoc_memory_mb": 256}


@dataclass(frozen=True)
class Proc:
    """One line of the process table."""

    pid: int
    ppid: int
    pgid: int
    state: str
    name: str


def process_table() -> dict[int, Proc]:
    """Every process visible in /proc (read from /proc/PID/stat)."""
    table: dict[int, Proc] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = Proc(int(entry), int(fields[1]), int(fields[2]), fields[0], name)
    return table


def descendants(root: int, table: dict[int, Proc]) -> list[Proc]:
    """The processes started by ``root``, directly or not."""
    found: list[Proc] = []
    parents = {root}
    while True:
        more = [p for p in table.values() if p.ppid in parents and p.pid not in parents]
        if not more:
            return found
        found += more
        parents |= {p.pid for p in more}


def alive(started: list[Proc]) -> list[Proc]:
    """Which of ``started`` (or anything else in their process groups) still runs (zombies are dead)."""
    groups = {p.pgid for p in started}
    pids = {p.pid for p in started}
    return [p for p in process_table().values()
            if (p.pid in pids or p.pgid in groups) and p.state != "Z" and p.pid != os.getpid()]


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def hostile_workspace(root: Path, limits: dict[str, int]) -> Path:
    """A workspace whose beta chapter makes pandoc slow."""
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta"], limits=limits),
        "chapters": {
            "alpha.md": chapter_md("Alpha", "## A\n\nSample text. See [beta](beta.md#b).\n", lead="UK"),
            "beta.md": chapter_md("Beta", "## B {#b}\n\n" + HOSTILE_MARKDOWN, lead="AU"),
        },
    })


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(ws: Path, *args: str) -> subprocess.Popen[str]:
    env = {"VIMANUAL_USER": "Sam Sample", "PYTHONUNBUFFERED": "1"}
    return start_subprocess("-C", ws, *args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "check": lambda ws: ["check"],
    "build": lambda ws: ["build", "--format", "html"],
    "serve": lambda ws: ["serve", "--port", str(free_port())],
    "submit": lambda ws: ["submit", str(ws / "hostile.html"), "--chapter", "gamma", "--jurisdiction", "UK"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_sigkill_in_the_middle_of_a_pandoc_run_leaves_no_process_behind(tmp_path: Path, command: str) -> None:
    ws = hostile_workspace(tmp_path / "ws", GENEROUS)
    (ws / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    tool = cli(ws, *COMMANDS[command](ws))
    try:
        def pandoc_running() -> list[Proc]:
            started = descendants(tool.pid, process_table())
            return started if any(p.name == "pandoc" for p in started) else []

        started = wait_for(pandoc_running, 60, f"{command} to start pandoc")
        assert isinstance(started, list)
        time.sleep(0.5)  # well inside the run: pandoc needs minutes for this text
        started = descendants(tool.pid, process_table())
        assert any(p.name == "pandoc" for p in started), started
        os.kill(tool.pid, signal.SIGKILL)
        tool.wait(timeout=10)
        time.sleep(1.0)
        assert alive(started) == [], f"{command} left {alive(started)} behind"
    finally:
        if tool.poll() is None:
            tool.kill()
            tool.wait()


@pytest.mark.slow
def test_check_refuses_a_chapter_beyond_the_pandoc_limits_and_names_it(tmp_path: Path) -> None:
    ws = hostile_workspace(tmp_path / "ws", SMALL)
    started = time.monotonic()
    result = run("-C", ws, "check")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "chapters/beta.md" in result.output
    assert "pandoc" in result.output and ("5 s" in result.output or "256 MB" in result.output), result.output
    assert "limits.pandoc_" in result.output  # the hint names the limit to raise
    assert "Traceback" not in result.output
    # the joint run, then beta alone (the largest, so the first tried): within two bounds
    assert elapsed < 2 * SMALL["pandoc_timeout_seconds"] + 10, elapsed


@pytest.mark.slow
def test_submit_refuses_a_file_beyond_the_pandoc_limits_names_it_and_keeps_nothing(tmp_path: Path) -> None:
    ws = hostile_workspace(tmp_path / "ws", SMALL)
    (ws / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    before = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*"))
    started = time.monotonic()
    result = run("-C", ws, "submit", ws / "hostile.html", "--chapter", "gamma", "--jurisdiction", "UK",
                 "--as", "Sam Sample")
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "hostile.html" in result.output
    assert "pandoc" in result.output and ("5 s" in result.output or "256 MB" in result.output), result.output
    assert "limits.pandoc_" in result.output
    assert elapsed < SMALL["pandoc_timeout_seconds"] + 10, elapsed
    assert sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*")) == before


@pytest.mark.slow
def test_the_runner_kills_a_child_past_its_time_with_its_whole_process_group(tmp_path: Path) -> None:
    from vimanual.base.errors import LimitExceeded
    from vimanual.tools import proc

    marker = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {marker}; wait"
    with pytest.raises(LimitExceeded, match="did not finish within 1 s"):
        proc.run(["/bin/sh", "-c", script], what="sh", timeout=1)
    grandchild = int(marker.read_text())
    time.sleep(0.2)
    table = process_table()
    assert grandchild not in table or table[grandchild].state == "Z"
    assert proc.live_children() == []


def test_the_runner_caps_a_child_s_memory() -> None:
    from vimanual.tools import proc

    grab = "x = bytearray(400 * 1024 * 1024); print('grabbed')"
    capped = proc.run([sys.executable, "-c", grab], what="python", timeout=30, memory_mb=200)
    assert capped.returncode != 0 and "MemoryError" in capped.err
    free = proc.run([sys.executable, "-c", grab], what="python", timeout=30)
    assert free.returncode == 0 and free.out.strip() == "grabbed"
