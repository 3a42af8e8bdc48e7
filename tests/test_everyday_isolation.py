"""Issue 15, point 1: one broken chapter file blocks no one working on the others."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pypdf
import pytest
import yaml

from tests.helpers import run, run_subprocess

UNCLOSED = "---\ntitle: Beta Chapter\nlead: AU\n\nSample text with no closing line.\n"
BETA_WARNING = [
    "warning: chapters/beta.md:1: front matter is not closed "
    "(chapter 'beta' is left out until this is fixed)",
    "  hint: end the front matter with a line holding only '---'",
]


def _break(workspace: Path, how: str) -> list[str]:
    """Break chapter 'beta' the way a contributor might; the warning each command must print."""
    if how == "unclosed front matter":
        (workspace / "chapters" / "beta.md").write_text(UNCLOSED, encoding="utf-8")
        return BETA_WARNING
    (workspace / "chapters" / "beta.md").unlink()
    return [
        "warning: manual.yaml:21: chapter 'beta' is listed but chapters/beta.md does not exist "
        "(chapter 'beta' is left out until this is fixed)",
        "  hint: create chapters/beta.md or remove 'beta' from 'chapters'",
    ]


HOW = ["unclosed front matter", "listed but missing"]


@pytest.mark.parametrize("how", HOW)
def test_status_and_review_carry_on_and_warn(workspace: Path, how: str) -> None:
    warning = _break(workspace, how)
    env = {"COLUMNS": "100", "NO_COLOR": "1"}
    for args in (["status"], ["status", "-j", "UK"], ["status", "alpha"], ["status", "--contributor", "Sam"]):
        result = run("-C", workspace, *args, env=env)
        assert result.exit_code == 0, (args, result.output)
        assert result.stderr.splitlines() == warning, args
    matrix = run("-C", workspace, "status", env=env).stdout
    assert "alpha" in matrix
    # the summary does not count only the readable chapters as the whole manual
    assert matrix.splitlines()[-1] == "0 of 1 chapter ready · 1 blocking: alpha · 1 cannot be read: beta"
    as_json = json.loads(run("-C", workspace, "status", "--json").stdout)
    assert [p["file"] for p in as_json["problems"]] == [warning[0].split(":")[1].strip()]
    reviewed = run("-C", workspace, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    assert reviewed.exit_code == 0, reviewed.output
    assert len(list((workspace / "reviews").rglob("*.yaml"))) == 1
    broken = run("-C", workspace, "review", "beta", "-j", "AU", "--approve", "--as", "Alan Reviewer")
    assert broken.exit_code == 2
    problem = warning[0].removeprefix("warning: ").split(" (chapter")[0]
    assert broken.stderr.splitlines()[0] == "Error: " + problem


def test_build_of_other_chapters_and_forced_build_carry_on(workspace: Path) -> None:
    _break(workspace, "unclosed front matter")
    some = run("-C", workspace, "build", "--chapters", "alpha", "--format", "html", "--quiet")
    assert some.exit_code == 0, some.output
    assert some.stderr.splitlines() == BETA_WARNING
    assert "Alpha text." in (workspace / "build" / "manual.html").read_text(encoding="utf-8")

    forced = run("-C", workspace, "build", "--force", "--format", "pdf", "--quiet")
    assert forced.exit_code == 0, forced.output
    pages = pypdf.PdfReader(workspace / "build" / "manual.pdf").pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "Alpha text." in text
    assert "2  Chapter 'beta' could not be read" in text  # its place (and number) in the book
    assert "chapters/beta.md:1: front matter is not closed" in text
    assert "Sample text with no closing line." not in text  # the broken file's own text is never used


def test_check_release_and_plain_build_still_refuse(workspace: Path) -> None:
    _break(workspace, "unclosed front matter")
    plain = run("-C", workspace, "build", "--quiet")
    assert plain.exit_code == 2
    assert plain.stderr.splitlines() == ["Error: chapters/beta.md:1: front matter is not closed",
                                         "  hint: end the front matter with a line holding only '---'"]
    assert not (workspace / "build" / "manual.pdf").exists()
    assert run("-C", workspace, "check").exit_code == 1
    released = run("-C", workspace, "release", "1.0", "--as", "Erin Editor")
    assert released.exit_code == 2 and "chapters/beta.md:1: front matter is not closed" in released.stderr
    assert not (workspace / "editions").exists()


def test_a_broken_manual_yaml_still_stops_everything(workspace: Path) -> None:
    manual = yaml.safe_load((workspace / "manual.yaml").read_text(encoding="utf-8"))
    manual["paper"] = "A5"
    (workspace / "manual.yaml").write_text(yaml.safe_dump(manual), encoding="utf-8")
    review = ["review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer"]
    for args in (["status"], ["build", "--force"], review):
        result = run("-C", workspace, *args)
        assert result.exit_code == 2, args
        assert result.stderr.splitlines()[0].startswith("Error: manual.yaml:"), args
        assert "paper 'A5' is not supported" in result.stderr


def test_a_chapter_that_is_a_pipe_is_set_aside_not_waited_on(workspace: Path) -> None:
    """A listed chapter that is a named pipe (left by a tool, or made by someone else on a shared
    machine) made verify and status wait for ever on reading it: it is now a broken chapter."""
    (workspace / "chapters" / "beta.md").unlink()
    os.mkfifo(workspace / "chapters" / "beta.md")
    for args in (["verify"], ["status"]):
        result = run_subprocess("-C", workspace, *args, timeout=60)
        assert result.returncode in (0, 1), (args, result.stdout, result.stderr)
        pipe = "warning: chapters/beta.md: not a regular file (a pipe, socket or device)"
        assert pipe in result.stderr, args
    checked = run("-C", workspace, "check")
    assert checked.exit_code == 1 and "chapters/beta.md: not a regular file" in checked.stdout
