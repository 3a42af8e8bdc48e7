"""Issue 20, items 1 and 6: an intent never travels between clones, writes only what its
operation writes, and is replayed only over the content it was made against."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import chapter_md, git, run, small_workspace
from vimanual.base.clonekey import key_path
from vimanual.base.journal import INTENT, record_intent

pytestmark = [pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
              pytest.mark.usefixtures("isolated_git")]

DECISION = "contributions/20261128-au-gamma-abcdef/decisions/20261128000000-accept-00aa.yaml"


def _accept_intent(ws: Path) -> dict[str, str]:
    manual = (ws / "manual.yaml").read_text(encoding="utf-8")
    return {"chapters/gamma.md": chapter_md("Gamma", "## G\n\nText.\n", lead="AU"),
            "manual.yaml": manual.replace("- beta\n", "- beta\n- gamma\n")}


def _reviewed_repo(root: Path) -> Path:
    ws = small_workspace(root)
    (ws / ".gitignore").write_text("build/\n.vimanual.lock\n.vimanual-intent.json\n", encoding="utf-8")
    git(ws, "init", "-q", "-b", "main")
    assert run("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer").exit_code == 0
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "approve alpha")
    return ws


def _forge(ws: Path, body: dict, key_of: Path | None = None) -> None:
    """An intent sealed with the key of the clone at ``key_of`` (default: none, a wrong seal)."""
    seal = "0" * 64
    if key_of is not None:
        record_intent(key_of, "accept", _accept_intent(key_of), {})  # makes the key
        (key_of / INTENT).unlink()
        key = bytes.fromhex(key_path(key_of).read_text().strip())
        payload = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        seal = hmac.new(key, payload, hashlib.sha256).hexdigest()
    (ws / INTENT).write_text(json.dumps({**body, "seal": seal}), encoding="utf-8")


def test_a_committed_intent_never_writes_git_config_or_a_review_event(tmp_path: Path) -> None:
    """The attack of issue 20 item 1: an intent force-added by a collaborator, pulled into
    another agency's clone, must not rewrite .git/config (core.fsmonitor) or an event."""
    origin = _reviewed_repo(tmp_path / "origin")
    [event] = (origin / "reviews" / "alpha").iterdir()
    event_rel = event.relative_to(origin).as_posix()
    body = {"version": 2, "operation": "accept", "workspace": str((tmp_path / "victim").resolve()),
            "writes": {".git/config": {"before": None, "text": "[core]\n\tfsmonitor = touch PWNED\n"},
                       event_rel: {"before": None, "text": "decision: approve\n"}},
            "creates": {}}
    _forge(origin, body)
    git(origin, "add", "-f", INTENT)
    git(origin, "commit", "-q", "-m", "innocent")
    git(tmp_path, "clone", "-q", str(origin), "victim")
    victim = tmp_path / "victim"
    config_before = (victim / ".git" / "config").read_bytes()
    event_before = (victim / event_rel).read_bytes()
    for command in (["status"], ["check"], ["review", "beta", "-j", "AU", "--comment", "-m", "x",
                                          "--as", "Alan Reviewer"]):
        result = run("-C", victim, *command)
        assert result.exit_code == 2, result.output
        assert f"Error: {INTENT} was not made by a vimanual command in this clone" in result.output
        assert "git rm --cached" in result.output
    assert (victim / ".git" / "config").read_bytes() == config_before
    assert (victim / event_rel).read_bytes() == event_before
    assert "fsmonitor" not in git(victim, "config", "--list")


def test_an_intent_made_in_one_clone_is_refused_in_another(tmp_path: Path) -> None:
    """A genuine intent (sealed by clone A) copied into clone B is not replayed there."""
    first = small_workspace(tmp_path / "a")
    second = small_workspace(tmp_path / "b")
    record_intent(first, "accept", _accept_intent(first), {})
    shutil.copy(first / INTENT, second / INTENT)
    manual_before = (second / "manual.yaml").read_bytes()
    result = run("-C", second, "status")
    assert result.exit_code == 2 and "was not made by a vimanual command in this clone" in result.output
    assert (second / "manual.yaml").read_bytes() == manual_before
    assert not (second / "chapters" / "gamma.md").exists()
    result = run("-C", first, "status", "--json")  # in its own clone it is completed
    assert result.exit_code == 0, result.output
    assert "gamma" in [c["slug"] for c in json.loads(result.stdout)["chapters"]]


@pytest.mark.parametrize("target", [".git/config", "reviews/alpha/20261128-approve-uk.yaml",
                                    "styles/print.css", "chapters/../.git/hooks/post-checkout"])
def test_a_sealed_intent_writes_only_what_its_operation_writes(tmp_path: Path, target: str) -> None:
    """Even with this clone's own seal, a replay refuses targets that accept never writes."""
    ws = small_workspace(tmp_path / "ws")
    (ws / ".git").mkdir()
    body = {"version": 2, "operation": "accept", "workspace": str(ws.resolve()),
            "writes": {target: {"before": None, "text": "owned\n"}}, "creates": {}}
    _forge(ws, body, key_of=ws)
    result = run("-C", ws, "status")
    assert result.exit_code == 2, result.output
    assert f"'{target}' is not a file that accept writes; nothing was written" in result.output
    assert not (ws / ".git" / "config").exists() and not (ws / "reviews").exists()
    with pytest.raises(Exception, match="is not a file that accept writes"):
        record_intent(ws, "accept", {target: "owned\n"}, {})


def test_replay_never_overwrites_a_later_edit(tmp_path: Path) -> None:
    """Item 6: an accept killed after its intent, then manual.yaml edited by hand: the next
    command stops and says what to do instead of restoring the intent's copy over the edit."""
    ws = small_workspace(tmp_path / "ws")
    record_intent(ws, "accept", _accept_intent(ws), {DECISION: "action: accept\n"})
    edited = (ws / "manual.yaml").read_text(encoding="utf-8").replace("Test Manual", "Edited Manual")
    (ws / "manual.yaml").write_text(edited, encoding="utf-8")
    result = run("-C", ws, "status")
    assert result.exit_code == 2, result.output
    assert ("cannot be completed: manual.yaml was changed after the operation was interrupted"
            in result.output)
    assert "vimanual doctor --fix --discard-intent" in result.output
    assert (ws / "manual.yaml").read_text(encoding="utf-8") == edited
    assert not (ws / "chapters" / "gamma.md").exists() and not (ws / DECISION).exists()
    assert (ws / INTENT).exists()


def test_an_accept_into_a_linked_decisions_folder_leaves_nothing_torn(tmp_path: Path) -> None:
    """Item 6: decisions/ linked to outside used to leave the chapter written, no decision,
    and the workspace stuck on the intent. Now the link is refused before anything is written."""
    ws = small_workspace(tmp_path / "ws")
    sub = tmp_path / "sub.md"
    sub.write_text("# Gamma\n\nSample text: a new chapter.\n", encoding="utf-8")
    result = run("-C", ws, "submit", sub, "--chapter", "gamma", "--jurisdiction", "AU", "--as", "Bea",
                 "--json")
    assert result.exit_code == 0, result.output
    contribution = json.loads(result.stdout)["id"]
    outside = tmp_path / "outside"
    outside.mkdir()
    decisions = ws / "contributions" / contribution / "decisions"
    if decisions.exists():
        shutil.rmtree(decisions)
    decisions.symlink_to(outside, target_is_directory=True)
    manual_before = (ws / "manual.yaml").read_bytes()
    result = run("-C", ws, "accept", contribution, "--as", "Ed")
    assert result.exit_code == 2, result.output
    assert f"'contributions/{contribution}/decisions' is a symbolic link" in result.output
    assert not (ws / "chapters" / "gamma.md").exists()
    assert (ws / "manual.yaml").read_bytes() == manual_before
    assert not (ws / INTENT).exists() and list(outside.iterdir()) == []
    decisions.unlink()  # as the hint says: then the contribution is there to accept
    assert run("-C", ws, "accept", contribution, "--as", "Ed").exit_code == 0
    assert (ws / "chapters" / "gamma.md").exists() and list(outside.iterdir()) == []


@pytest.mark.parametrize("maker", ["sample", "init"])
def test_the_intent_file_is_ignored_by_git(tmp_path: Path, maker: str) -> None:
    if maker == "init":
        assert run("init", tmp_path / "ws").exit_code == 0
        ws = tmp_path / "ws"
    else:
        ws = tmp_path / "ws"
        shutil.copytree(Path(__file__).resolve().parent.parent, ws, ignore=shutil.ignore_patterns(
            ".git", ".venv", "node_modules", "build", "*.egg-info", "tests", "vimanual", "bench"))
    git(ws, "init", "-q")
    (ws / INTENT).write_text("{}", encoding="utf-8")
    assert git(ws, "check-ignore", INTENT).strip() == INTENT
