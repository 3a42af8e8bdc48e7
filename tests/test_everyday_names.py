"""Issue 15, point 3: one rule for jurisdiction codes everywhere (any case, normalised)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.docs_helpers import PERSON
from tests.helpers import run


def test_lower_case_code_is_accepted_and_normalised_by_every_command(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "steps.md"
    source.write_text("## Steps\n\nSample text: record the exhibit number first.\n", encoding="utf-8")
    result = run("-C", workspace, "submit", source, "--chapter", "gamma", "--jurisdiction", "uk",
                 "--as", PERSON)
    assert result.exit_code == 0, result.output
    (folder,) = (workspace / "contributions").iterdir()
    record = yaml.safe_load((folder / "contribution.yaml").read_text(encoding="utf-8"))
    assert record["jurisdiction"] == "UK"
    listed = run("-C", workspace, "contributions", "--jurisdiction", "uk", "--json")
    assert listed.exit_code == 0, listed.output
    assert [c["jurisdiction"] for c in json.loads(listed.stdout)] == ["UK"]

    reviewed = run("-C", workspace, "review", "alpha", "-j", "uk", "--approve", "--as", "Ruth Reviewer")
    assert reviewed.exit_code == 0, reviewed.output
    (event,) = (workspace / "reviews").rglob("*.yaml")
    assert 'jurisdiction: "UK"' in event.read_text(encoding="utf-8")
    queue = run("-C", workspace, "status", "-j", "au", "--json")
    assert queue.exit_code == 0 and json.loads(queue.stdout)["jurisdiction"] == "AU"


def test_near_miss_code_gets_the_same_did_you_mean_everywhere(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "steps.md"
    source.write_text("## Steps\n\nSample text.\n", encoding="utf-8")
    commands = [
        ["submit", str(source), "--chapter", "gamma", "--jurisdiction", "UKK", "--as", PERSON],
        ["review", "alpha", "-j", "UKK", "--approve", "--as", "Ruth Reviewer"],
        ["status", "-j", "UKK"],
        ["contributions", "--jurisdiction", "UKK"],
    ]
    for args in commands:
        result = run("-C", workspace, *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.splitlines()[:2] == [
            "Error: unknown jurisdiction 'UKK' (known: UK, AU)",
            "  hint: did you mean 'UK'? use a code defined under 'jurisdictions' in manual.yaml",
        ], args
    assert not (workspace / "contributions").exists() and not (workspace / "reviews").exists()
