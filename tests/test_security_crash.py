"""Promises 6 and 7: no submission or decision is lost or torn; concurrent use is serialised.

The real CLI (vimanual.cli.app's Typer app, exactly what ``python -m vimanual`` runs) is started
in forked child processes, so hundreds of runs stay cheap: the interpreter and imports are
already loaded, and SIGKILL hits a process in the middle of real work. ``release`` has its
own loop below: each attempt is slower (it lays out a PDF), so it is killed fewer times.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from vimanual.base.journal import INTENT, record_intent
from vimanual.contributions.store import list_contributions, load_contribution
from vimanual.review.store import load_events
from vimanual.workspace.load import content_hash, inspect_workspace, load_manual, load_workspace

KILLS = 210
PARALLEL = 4


def _workspace(tmp_path: Path) -> Path:
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "## A\n\nText.\n", lead="UK"),
                     "beta.md": chapter_md("Beta", "## B\n\nText.\n", lead="AU")},
    })
    (tmp_path / "sub.md").write_text("# Beta\n\nSubmitted text.\n", encoding="utf-8")
    return ws


def _child(args: list[str], env: dict[str, str], out: Path | None = None) -> int:
    """Fork and run the CLI with ``args`` in the child; return the child's pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 70
    try:
        os.environ.update(env)
        if out is not None:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
        from vimanual.cli.app import app

        try:
            app(args, prog_name="vimanual")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os._exit(code)


def _submit_one(ws: Path, tmp_path: Path) -> str:
    result = run("-C", ws, "submit", tmp_path / "sub.md", "--chapter", "beta", "--jurisdiction", "AU",
                 "--as", "Bea", "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)["id"])


def _state_is_consistent(ws: Path) -> None:
    workspace = load_workspace(ws)  # manual.yaml and every chapter parse
    loaded = load_events(ws, load_manual(ws)[0])
    assert loaded.problems == []
    for event in loaded.events:
        assert event.compute_digest() == event.digest
    for contribution in list_contributions(ws):  # every record and decision parses
        folder = ws / "contributions" / contribution.id
        for revision in contribution.revisions:
            assert content_hash((folder / revision.file).read_bytes()) == revision.sha256
    assert {"alpha", "beta"} <= set(workspace.chapters)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_tears_nothing(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    committed = [_submit_one(ws, tmp_path) for _ in range(3)]
    revisions = {p: p.read_bytes() for i in committed for p in (ws / "contributions" / i).glob("r*.md")}
    texts = {(ws / "chapters" / "beta.md").read_bytes()}
    env = {"VIMANUAL_LOCK_TIMEOUT": "5"}
    rng = random.Random(9)
    operations: list[Callable[[], list[str]]] = [
        lambda: ["-C", str(ws), "submit", str(tmp_path / "sub.md"), "--chapter", "beta",
                 "--jurisdiction", "AU", "--as", "Bea"],
        lambda: ["-C", str(ws), "accept", rng.choice(committed), "--as", "Ed"],
        lambda: ["-C", str(ws), "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer"],
        lambda: ["-C", str(ws), "review", "beta", "-j", "AU", "--comment", "-m", "ok", "--as",
                 "Alan Reviewer"],
    ]
    killed = 0
    started = time.monotonic()
    while killed < KILLS:
        pids = [_child(rng.choice(operations)(), env, tmp_path / "child.log") for _ in range(PARALLEL)]
        time.sleep(rng.uniform(0.0, 0.12))
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for pid in pids:
            _, status = os.waitpid(pid, 0)
            killed += os.WIFSIGNALED(status)
        if rng.random() < 0.1:  # the accepted text changes the chapter: remember every version
            texts.add((ws / "chapters" / "beta.md").read_bytes())
            _state_is_consistent(ws)
    assert time.monotonic() - started < 90
    _state_is_consistent(ws)
    for path, data in revisions.items():  # committed revisions never change
        assert path.read_bytes() == data
    accepted = {load_contribution(ws, i).latest.sha256 for i in committed}
    beta = (ws / "chapters" / "beta.md").read_bytes()
    assert beta in texts or "Submitted text." in beta.decode()  # wholly old or wholly new
    assert len(accepted) == 1
    # Leftover hidden temp files and staging folders break no command.
    for command in (["status"], ["contributions"], ["verify"], ["check"], ["build", "--format", "html"]):
        result = run("-C", ws, *command)
        assert result.exit_code in (0, 1), (command, result.output)
        assert "Traceback" not in result.output
    assert run("-C", ws, "verify").exit_code == 0


@pytest.mark.slow
def test_eight_processes_are_serialised_not_corrupted(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    env = {"VIMANUAL_LOCK_TIMEOUT": "20"}
    pids = []
    for worker in range(8):
        pid = os.fork()
        if pid:
            pids.append(pid)
            continue
        try:  # the child runs 25 operations one after another and logs each outcome
            log = []
            last_id = ""
            for step in range(25):
                kind = ("submit", "accept", "review", "comment")[step % 4]
                if kind == "submit":  # a new chapter each time: accepting it edits manual.yaml
                    args = ["submit", str(tmp_path / "sub.md"), "--chapter", f"new-{worker}-{step}",
                            "--jurisdiction", "AU", "--as", "Bea", "--json"]
                elif kind == "accept":
                    args = ["accept", last_id or "none", "--as", "Ed", "--json"]
                elif kind == "review":
                    args = ["review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer"]
                else:
                    args = ["review", "beta", "-j", "AU", "--comment", "-m", f"w{worker}s{step}",
                            "--as", "Alan Reviewer"]
                result = run("-C", ws, *args, env=env)
                if kind == "submit" and result.exit_code == 0:
                    last_id = json.loads(result.output)["id"]
                log.append({"kind": kind, "code": result.exit_code, "output": result.output,
                            "chapter": f"new-{worker}-{step - 1}"})
            (tmp_path / f"log{worker}.json").write_text(json.dumps(log), encoding="utf-8")
        finally:
            os._exit(0)
    for pid in pids:
        os.waitpid(pid, 0)
    logs = [e for w in range(8) for e in json.loads((tmp_path / f"log{w}.json").read_text(encoding="utf-8"))]
    assert len(logs) == 200
    for entry in logs:
        assert entry["code"] == 0 or "busy" in entry["output"], entry
    ok = {kind: sum(1 for e in logs if e["kind"] == kind and e["code"] == 0)
          for kind in ("submit", "accept", "review", "comment")}
    ids = [json.loads(e["output"])["id"] for e in logs if e["kind"] == "submit" and e["code"] == 0]
    assert len(set(ids)) == len(ids) == ok["submit"] == len(list_contributions(ws))
    events = load_events(ws, load_manual(ws)[0]).events
    # every approval of alpha's unchanged text by the same reviewer after the first is a repeat:
    # under the lock, 48 racing ones record exactly one event
    assert ok["review"] >= 1 and sum(1 for e in events if e.chapter == "alpha") == 1
    assert sum(1 for e in events if e.chapter == "beta") == ok["comment"]
    # Every accepted new chapter is in manual.yaml exactly once (a lost update would drop one).
    accepted = sorted(e["chapter"] for e in logs if e["kind"] == "accept" and e["code"] == 0)
    chapters = load_workspace(ws).manual.chapters
    assert ok["accept"] > 0 and sorted(c for c in chapters if c.startswith("new-")) == accepted
    for slug in accepted:
        assert (ws / "chapters" / f"{slug}.md").is_file()


def test_a_killed_lock_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    pid = os.fork()
    if not pid:
        try:
            from vimanual.base.fsutil import workspace_lock

            with workspace_lock(ws):
                (tmp_path / "holding").touch()
                time.sleep(60)
        finally:
            os._exit(0)
    while not (tmp_path / "holding").exists():
        time.sleep(0.01)
    busy = run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer",
               env={"VIMANUAL_LOCK_TIMEOUT": "0.3"})
    assert busy.exit_code == 2 and "workspace busy" in busy.output
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    after = run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer",
                env={"VIMANUAL_LOCK_TIMEOUT": "2"})
    assert after.exit_code == 0, after.output


@pytest.mark.slow
def test_sigkill_during_release_leaves_no_edition_or_a_whole_one(tmp_path: Path) -> None:
    """Promise 6 for ``release``: a killed release leaves either no editions/VERSION or a
    complete one that verifies, never a partial folder, and the next release cleans up."""
    ws = _workspace(tmp_path)
    for slug, code, person in (("alpha", "UK", "Ruth Reviewer"), ("alpha", "AU", "Alan Reviewer"),
                               ("beta", "UK", "Ruth Reviewer"), ("beta", "AU", "Alan Reviewer")):
        assert run("-C", ws, "review", slug, "-j", code, "--approve", "--as", person).exit_code == 0
    # Each kill lands within the time an uninterrupted release takes here and now (a fixed
    # window let most releases finish once they became quicker than it).
    took = []
    for version in ("0.8", "0.9"):
        started = time.monotonic()
        pid = _child(["-C", str(ws), "release", version, "--date", "2026-11-28"],
                     {"VIMANUAL_USER": "Ed"}, tmp_path / "release.log")
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (tmp_path / "release.log").read_text()
        took.append(time.monotonic() - started)
    rng = random.Random(7)
    outcomes = {"killed": 0, "finished": 0}
    for attempt in range(8):
        version = f"1.{attempt}"
        pid = _child(["-C", str(ws), "release", version, "--date", "2026-11-28"],
                     {"VIMANUAL_USER": "Ed"}, tmp_path / "release.log")
        time.sleep(rng.uniform(0.05, 0.9 * min(took)))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        outcomes["killed" if os.WIFSIGNALED(status) else "finished"] += 1
        released = ws / "editions" / version
        if released.exists():
            verified = run("-C", ws, "verify-edition", version)
            assert verified.exit_code == 0, verified.output
        assert sorted(p.name for p in (ws / "editions").iterdir() if not p.name.startswith(".")) == sorted(
            p.name for p in (ws / "editions").iterdir() if (p / "manifest.yaml").is_file()
        )
    assert outcomes["killed"] >= 4, outcomes  # most attempts were interrupted mid-release
    _state_is_consistent(ws)
    final = run("-C", ws, "release", "2.0", "--date", "2026-11-28", env={"VIMANUAL_USER": "Ed"})
    assert final.exit_code == 0, final.output
    assert not [p for p in (ws / "editions").iterdir() if p.name.startswith(".staging-")]
    assert run("-C", ws, "verify-edition", "2.0").exit_code == 0


@pytest.mark.slow
def test_a_killed_accept_of_a_new_chapter_is_completed_by_the_next_command(tmp_path: Path) -> None:
    """accept of a new chapter changes the chapter, manual.yaml and a decision as one step:
    wherever it is killed, the next command sees all three or none (vimanual.base.journal)."""
    ws = _workspace(tmp_path)
    ids: list[str] = []

    def submit_new() -> str:
        result = run("-C", ws, "submit", tmp_path / "sub.md", "--chapter", f"fresh-{len(ids)}",
                     "--jurisdiction", "AU", "--as", "Bea", "--json")
        assert result.exit_code == 0, result.output
        ids.append(json.loads(result.output)["id"])
        return ids[-1]

    for _ in range(12):
        submit_new()
    rng = random.Random(3)
    killed = 0
    queue = ids * 3
    while queue:
        contribution_id = queue.pop(0)
        pid = _child(["-C", str(ws), "accept", contribution_id, "--as", "Ed"], {}, tmp_path / "a.log")
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed += os.WIFSIGNALED(status)
        workspace, problems = inspect_workspace(ws)  # completes a half-done accept first
        assert workspace is not None and problems == [], problems
        listed = set(workspace.manual.chapters)
        on_disk = {p.stem for p in (ws / "chapters").glob("*.md")}
        assert listed == on_disk
        for slug in listed - {"alpha", "beta"}:  # a listed new chapter has its accept decision
            owner = next(i for i in ids if load_contribution(ws, i).chapter == slug)
            assert load_contribution(ws, owner).state == "accepted"
        if not queue and killed < 18 and len(ids) < 60:
            # A quick machine finishes some accepts before the kill comes: kill the accepts of
            # more new chapters, until 18 were killed mid-way (the kill points stay as random).
            queue.append(submit_new())
    assert killed >= 18, (killed, len(ids))
    assert not (ws / INTENT).exists()


def test_an_intent_left_by_a_killed_accept_is_applied_once(tmp_path: Path) -> None:
    """The intent file exactly as a process killed right after writing it leaves it."""
    ws = _workspace(tmp_path)
    manual = (ws / "manual.yaml").read_text(encoding="utf-8")
    decision = "contributions/20261128-au-gamma-abcdef/decisions/20261128000000-accept-00aa.yaml"
    record_intent(ws, "accept", {
        "chapters/gamma.md": chapter_md("Gamma", "## G\n\nText.\n", lead="AU"),
        "manual.yaml": manual.replace("- beta\n", "- beta\n- gamma\n"),
    }, {decision: "action: accept\nby: Ed\nat: '2026-11-28T00:00:00.000000Z'\n"})
    result = run("-C", ws, "status", "--json")
    assert result.exit_code == 0, result.output
    assert [c["slug"] for c in json.loads(result.stdout)["chapters"]] == ["alpha", "beta", "gamma"]
    assert (ws / decision).is_file() and not (ws / INTENT).exists()
    assert run("-C", ws, "check").exit_code == 0
