"""The benchmark's generator keeps producing a workspace that status and verify accept."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import REPO, run


def test_generated_workspace_is_valid_and_shows_every_state(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate(tmp_path / "big", chapters=20, jurisdictions=4, events=60)
    result = run("-C", tmp_path / "big", "status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["chapters"]) == 20 and data["problems"] == []
    seen = {state for chapter in data["chapters"] for state in chapter["states"].values()}
    assert seen == {"approved", "stale", "changes-requested", "pending", "n/a"}
    assert run("-C", tmp_path / "big", "verify").exit_code == 0
