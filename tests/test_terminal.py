"""The terminal experience: shell completion, did-you-mean, 80 columns, NO_COLOR, pipes, -v."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from tests.helpers import chapter_md, run, run_subprocess
from vimanual.cli.app import app
from vimanual.cli.ui import complete_codes, complete_slug_list, complete_slugs

ANSI = re.compile(r"\x1b\[")
COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-9]|9[0-7]|38;)")


def _ctx(workspace: Path | None) -> typer.Context:
    ctx = typer.Context(typer.main.get_command(app))
    ctx.params["workspace"] = workspace
    return ctx


def test_completion_callbacks_read_the_workspace(workspace: Path) -> None:
    ctx = _ctx(workspace)
    assert complete_slugs(ctx, "") == ["alpha", "beta"]
    assert complete_slugs(ctx, "b") == ["beta"]
    assert complete_codes(ctx, "") == ["UK", "AU"]
    assert complete_codes(ctx, "a") == ["AU"]  # codes are upper-case; typing them need not be
    assert complete_slug_list(ctx, "alpha,") == ["alpha,beta"]  # the last item, minus those given
    assert complete_slug_list(ctx, "al") == ["alpha"]


def test_completion_outside_a_workspace_is_silent(tmp_path: Path) -> None:
    assert complete_slugs(_ctx(tmp_path / "nowhere"), "") == []
    assert complete_codes(_ctx(tmp_path / "nowhere"), "") == []


def _complete(words: str, cwd: Path) -> str:
    env = {"_VIMANUAL_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    proc = run_subprocess(cwd=cwd, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_bash_completion_of_chapters_and_commands(workspace: Path) -> None:
    assert _complete("vimanual build --chapters b", workspace).split() == ["beta"]
    assert _complete("vimanual build --chapters alpha,", workspace).split() == ["alpha,beta"]
    assert "serve" in _complete("vimanual se", workspace).split()
    assert "--install-completion" in _complete("vimanual --inst", workspace)


def test_mistyped_command_suggests_the_right_one() -> None:
    result = run("buld")
    assert result.exit_code == 2
    assert "No such command 'buld'. Did you mean 'build'?" in result.stderr


def test_mistyped_chapter_suggests_the_right_one(workspace: Path) -> None:
    result = run("-C", workspace, "build", "--chapters", "alpah")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: unknown chapter 'alpah'",
        "  hint: did you mean 'alpha'? known chapters: alpha, beta",
    ]


def test_mistyped_jurisdiction_code_suggests_the_right_one(workspace: Path) -> None:
    (workspace / "chapters" / "beta.md").write_text(chapter_md("Beta Chapter", "Text.\n", lead="Au"))
    result = run("-C", workspace, "check")
    assert result.exit_code == 1
    assert "chapters/beta.md:3: jurisdiction 'Au' is not defined (known: UK, AU)" in result.stdout
    assert "  hint: did you mean 'AU'? use one of the codes in manual.yaml" in result.stdout


def _command_names() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("args", [[], *([name] for name in _command_names())])
def test_help_fits_80_columns(args: list[str]) -> None:
    result = run(*args, "--help", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    too_wide = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert too_wide == []


def test_no_color_is_honoured(tmp_path: Path) -> None:
    args = ("-C", tmp_path, "check")
    assert COLOUR.search(run(*args, env={"FORCE_COLOR": "1"}).stderr)  # colour when forced…
    plain = run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stderr  # …unless NO_COLOR
    assert not COLOUR.search(plain)
    assert "Error: no manual.yaml in" in re.sub(r"\x1b\[[0-9;]*m", "", plain)


@pytest.mark.slow
def test_piped_build_output_is_plain_text(workspace: Path) -> None:
    # a terminal type that supports colour, yet stdout is a pipe: plain text all the same
    proc = run_subprocess("-C", workspace, "build", "--format", "html", env={"TERM": "xterm-256color"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar when not on a terminal
    assert not ANSI.search(proc.stdout)
    assert re.fullmatch(r"Built \S*manual\.html · 2 chapters \(2 converted, 0 from cache\)\n", proc.stdout)


def test_verbose_says_more_and_conflicts_with_quiet(workspace: Path) -> None:
    result = run("-C", workspace, "-v", "build", "--format", "html")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "Chapters: alpha, beta"
    assert re.fullmatch(r"Wrote \S*manual\.html \(\d+ KiB\)", lines[2])
    assert re.fullmatch(r"Took \d+\.\d s", lines[3])
    both = run("-C", workspace, "-q", "-v", "build")
    assert both.exit_code == 2
    assert "use --quiet or --verbose, not both" in both.stderr
