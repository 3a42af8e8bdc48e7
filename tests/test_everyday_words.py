"""Issue 15, point 14: wording a user should not have to decode, and options that mean one thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from tests.helpers import run
from vimanual.cli.app import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_has_no_type_labels_on_flags_and_flows_as_prose(name: str) -> None:
    result = run(*([name] if name else []), "--help", env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "<list[str]>" not in result.output
    prose = [line.strip() for line in result.output.split("╭", 1)[0].splitlines()]
    for line, following in zip(prose, prose[1:], strict=False):
        if line and following and not line.startswith("Usage:"):
            assert len(line) >= 50, f"help breaks a sentence after {line!r}"


def test_j_means_jurisdiction_everywhere(workspace: Path) -> None:
    result = run("-C", workspace, "build", "-j", "GB", "--force")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: unknown jurisdiction 'GB' (known: UK, AU)"
    for name in ("build", "print", "submit", "contributions", "review", "status"):
        text = run(name, "--help", env={"COLUMNS": "200", "NO_COLOR": "1"}).output
        rows = [line for line in text.splitlines() if re.search(r"│.*\s-j\s", line)]
        assert len(rows) == 1 and "--jurisdiction" in rows[0], (name, rows)


def test_workspace_option_to_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = run("-C", tmp_path / "nowhere", "status")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: no such folder: {tmp_path / 'nowhere'}",
        "  hint: point --workspace (-C) at the folder that holds manual.yaml",
    ]


def test_check_with_a_typo_gets_did_you_mean(workspace: Path) -> None:
    result = run("-C", workspace, "check", "alpah")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["Error: unknown chapter 'alpah'",
                                          "  hint: did you mean 'alpha'? known chapters: alpha, beta"]


def test_accept_and_status_say_what_happens_next(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "steps.md"
    source.write_text("## Steps\n\nSample text: one.\n", encoding="utf-8")
    submitted = run("-C", workspace, "submit", source, "--chapter", "alpha", "-j", "UK", "--as", "Sam")
    assert submitted.exit_code == 0, submitted.output
    cid = re.search(r"Submitted (\S+) r1", submitted.output).group(1)  # type: ignore[union-attr]
    status = run("-C", workspace, "status", "--contributor", "Sam", env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "  submitted: awaiting the editor's decision\n" in status.output
    approved = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert approved.exit_code == 0, approved.output
    accepted = run("-C", workspace, "accept", cid, "--as", "Erin Editor", env={"COLUMNS": "200"})
    assert accepted.exit_code == 0, accepted.output
    assert "hash" not in accepted.output.splitlines()[-1]
    assert accepted.output.splitlines()[-1] == (
        "The chapter's text changed, so each jurisdiction reviews it again (the approvals of UK are now "
        "stale): 'vimanual status alpha'. Run 'vimanual build' to see it in the draft.")
    # with no approval to go stale, the message does not invent one
    source.write_text("## Steps\n\nSample text: two.\n", encoding="utf-8")
    again = run("-C", workspace, "submit", source, "--revises", cid, "--as", "Sam")
    assert again.exit_code == 0, again.output
    assert run("-C", workspace, "review", "alpha", "-j", "UK", "--request-changes", "-m", "more",
               "--as", "Ruth Reviewer").exit_code == 0
    second = run("-C", workspace, "accept", cid, "--as", "Erin Editor", env={"COLUMNS": "200"})
    assert second.output.splitlines()[-1] == (
        "The chapter's text changed, so each jurisdiction reviews it again: 'vimanual status alpha'. "
        "Run 'vimanual build' to see it in the draft.")


def test_editions_shows_release_notes(sample_workspace: Path) -> None:
    result = run("-C", sample_workspace, "editions", env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "Release notes of 1.0\n  # Edition 1.0 (sample)\n" in result.output
    assert "  The first released edition of the sample manual" in result.output
