"""The README stays true: its quick start is what CI runs, and every command is in it."""

from __future__ import annotations

import re

import pytest
import typer.main

from tests.helpers import REPO
from vimanual.cli.app import app

README = (REPO / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_is_exactly_two_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert commands[0].endswith("vimanual build")
    assert commands[1] == "bash scripts/test.sh"
    script = (REPO / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert ".venv/bin/pip install -q -e '.[test]'" in script
    assert script.rstrip().endswith('.venv/bin/python -m pytest -n auto "$@"')  # every core


def test_readme_names_the_fast_lane_and_its_marker_is_registered() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert 'bash scripts/test.sh -m "not slow"' in section
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^markers = \[\n    "slow: ', pyproject, re.M)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1] in ci.splitlines()


def _command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", _command_names())
def test_every_command_is_in_the_reference(name: str) -> None:
    reference = README.split("## Command reference", 1)[1]
    assert f"`vimanual {name}" in reference


def test_command_reference_is_generated_from_the_cli_help() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("reference", REPO / "scripts" / "reference.py")
    assert spec and spec.loader
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    assert reference.updated_readme(README) == README, (
        "README.md's command reference differs from the CLI's help: run python scripts/reference.py"
    )
