"""Issue 21 point 3 (and issue 20 item 6): `vimanual doctor` lists what killed commands left,
explains it, and with --fix removes only what is safe."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.helpers import chapter_md, run, small_workspace
from vimanual.base.fsutil import file_lock
from vimanual.base.journal import INTENT, record_intent


def _age(path: Path, seconds: float = 600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old), follow_symlinks=False)


def _leftovers(ws: Path) -> dict[str, dict[str, object]]:
    result = run("-C", ws, "doctor", "--json")
    assert result.exit_code == 0, result.output
    return {item["path"]: item for item in json.loads(result.stdout)["leftovers"]}


def _plant(ws: Path) -> None:
    (ws / "chapters" / ".alpha.md.k3j2.tmp").write_text("half", encoding="utf-8")
    staging = ws / "contributions" / ".staging-x1y2"
    staging.mkdir(parents=True)
    (staging / "r1.md").write_text("half a submission", encoding="utf-8")
    (ws / "build" / "editions").mkdir(parents=True)
    (ws / "build" / "editions" / ".src-1.0.lock").write_text("", encoding="utf-8")
    lock = ws / "build" / "editions" / ".src-1.0.lock"
    for path in (ws / "chapters" / ".alpha.md.k3j2.tmp", staging, lock):
        _age(path)


def test_a_clean_workspace_has_no_leftovers(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    result = run("-C", ws, "doctor")
    assert result.exit_code == 0
    assert result.stdout == "No leftovers.\n"


def test_doctor_lists_and_explains_then_fix_removes_what_is_safe(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    _plant(ws)
    young = ws / "reviews" / "alpha" / ".x.yaml.abcd.tmp"
    young.parent.mkdir(parents=True)
    young.write_text("being written", encoding="utf-8")
    found = _leftovers(ws)
    assert found["chapters/.alpha.md.k3j2.tmp"]["kind"] == "temp-file"
    assert found["contributions/.staging-x1y2"]["kind"] == "staging-folder"
    assert "build/editions/.src-1.0.lock" not in found  # a lock nobody holds is its normal state
    assert found["reviews/alpha/.x.yaml.abcd.tmp"]["safe"] is False  # a command may be writing it
    result = run("-C", ws, "doctor")
    assert "half of an atomic write that was interrupted" in result.output
    assert "less than a minute old" in result.output
    result = run("-C", ws, "doctor", "--fix")
    assert result.exit_code == 0, result.output
    assert not (ws / "chapters" / ".alpha.md.k3j2.tmp").exists()
    assert not (ws / "contributions" / ".staging-x1y2").exists()
    assert (ws / "build" / "editions" / ".src-1.0.lock").exists()  # never removed: a waiter may hold it open
    assert young.exists()  # young: kept
    assert (ws / "chapters" / "alpha.md").exists() and (ws / "manual.yaml").exists()
    assert set(_leftovers(ws)) == {"reviews/alpha/.x.yaml.abcd.tmp"}


def test_a_lock_is_listed_only_while_a_command_holds_it(tmp_path: Path) -> None:
    """After every print or release, doctor listed the edition's lock file as a leftover to
    clear, which it is not: the file stays between commands by design."""
    ws = small_workspace(tmp_path / "ws")
    lock = ws / "build" / "editions" / ".src-1.0.lock"
    lock.parent.mkdir(parents=True)
    with file_lock(lock, "edition 1.0"):
        held = _leftovers(ws)["build/editions/.src-1.0.lock"]
        assert (held["kind"], held["safe"]) == ("lock", False)
        assert "held by a command that is running now" in str(held["explanation"])
    assert lock.exists()
    assert run("-C", ws, "doctor").stdout == "No leftovers.\n"


def test_fix_completes_an_interrupted_change_of_this_clone(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    manual = (ws / "manual.yaml").read_text(encoding="utf-8")
    record_intent(ws, "accept", {"chapters/gamma.md": chapter_md("Gamma", "Sample.\n", lead="AU"),
                                 "manual.yaml": manual.replace("- beta\n", "- beta\n- gamma\n")}, {})
    found = _leftovers(ws)
    assert "an interrupted accept of chapters/gamma.md, manual.yaml" in str(found[INTENT]["explanation"])
    result = run("-C", ws, "doctor", "--fix")
    assert result.exit_code == 0, result.output
    assert "completed" in result.output
    assert (ws / "chapters" / "gamma.md").is_file() and not (ws / INTENT).exists()


def test_an_intent_that_cannot_be_replayed_is_kept_unless_discarded(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    manual = (ws / "manual.yaml").read_text(encoding="utf-8")
    record_intent(ws, "accept", {"manual.yaml": manual.replace("- beta\n", "- beta\n- gamma\n")}, {})
    (ws / "manual.yaml").write_text(manual.replace("Test Manual", "Edited"), encoding="utf-8")
    found = _leftovers(ws)
    assert found[INTENT]["safe"] is False
    assert "manual.yaml was changed after the operation was interrupted" in str(found[INTENT]["explanation"])
    assert run("-C", ws, "doctor", "--fix").exit_code == 0
    assert (ws / INTENT).exists()  # never dropped by --fix alone
    assert run("-C", ws, "doctor", "--fix", "--discard-intent").exit_code == 0
    assert not (ws / INTENT).exists()
    assert "Edited" in (ws / "manual.yaml").read_text(encoding="utf-8")
    assert run("-C", ws, "status").exit_code == 0


def test_a_foreign_intent_is_explained_and_removed(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    (ws / INTENT).write_text(json.dumps({"version": 2, "operation": "accept", "seal": "0" * 64}),
                             encoding="utf-8")
    found = _leftovers(ws)
    assert "not made by a command in this clone" in str(found[INTENT]["explanation"])
    assert run("-C", ws, "status").exit_code == 2
    assert run("-C", ws, "doctor", "--fix").exit_code == 0
    assert not (ws / INTENT).exists() and run("-C", ws, "status").exit_code == 0


def test_clear_cache_empties_build_cache_only(tmp_path: Path) -> None:
    ws = small_workspace(tmp_path / "ws")
    assert run("-C", ws, "build", "--format", "html").exit_code == 0
    assert any((ws / "build" / "cache").rglob("*.html"))
    result = run("-C", ws, "doctor", "--clear-cache")
    assert result.exit_code == 0 and "Emptied build/cache/" in result.output
    assert not (ws / "build" / "cache").exists() and (ws / "build" / "manual.html").is_file()
    assert run("-C", ws, "build", "--format", "html").exit_code == 0
