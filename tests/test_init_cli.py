"""init, --version, --help, and the real `python -m vimanual` entry point."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from tests.helpers import REPO, run, run_subprocess, small_workspace
from vimanual.cli.app import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_init_makes_a_workspace_that_checks_and_builds(tmp_path: Path) -> None:
    target = tmp_path / "new-manual"
    result = run("init", target)
    assert result.exit_code == 0, result.output
    assert f"Created workspace in {target}" in result.output
    for rel in ("manual.yaml", ".gitignore", "styles/print.css", "styles/manual.html.j2",
                "styles/fonts/DejaVuSerif.ttf", "chapters", "contributions", "reviews"):
        assert (target / rel).exists(), rel
    assert "/build" in (target / ".gitignore").read_text().splitlines()  # a link named build too
    assert "# Every jurisdiction that contributes" in (target / "manual.yaml").read_text()
    assert run("-C", target, "check").exit_code == 0
    built = run("-C", target, "build", "--format", "html")
    assert built.exit_code == 0, built.output
    assert (target / "build" / "manual.html").is_file()


def test_quiet_prints_only_errors_for_init_and_build(tmp_path: Path) -> None:
    """'-q: Print only errors.' init printed its summary, and build its warnings, with -q."""
    target = tmp_path / "quiet-manual"
    made = run("-q", "init", target)
    assert made.exit_code == 0, made.output
    assert made.output == "" and (target / "manual.yaml").is_file()
    root = small_workspace(tmp_path / "ws")
    shutil.copytree(REPO / "vimanual" / "defaults" / "styles", root / "styles")
    css = root / "styles" / "print.css"
    css.write_text('@import url("https://example.invalid/remote.css");\n' + css.read_text(encoding="utf-8"),
                   encoding="utf-8")
    loud = run("-C", root, "build", "--format", "pdf")
    assert loud.exit_code == 0 and "warning: styles: refused to fetch" in loud.output, loud.output
    for quiet in (("-q", "-C", root, "build"), ("-C", root, "build", "-q")):
        built = run(*quiet, "--format", "pdf")
        assert built.exit_code == 0, built.output
        assert built.output == "", built.output
    (root / "chapters" / "beta.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    failed = run("-q", "-C", root, "build", "--format", "html")
    assert failed.exit_code == 2 and "Error:" in failed.output, failed.output
    # forced past a check error, beside a broken chapter: the error, and that the chapter is
    # missing from the book (as with --quiet, see test_everyday_isolation), not the notice
    with (root / "chapters" / "alpha.md").open("a", encoding="utf-8") as alpha:
        alpha.write("\nSee [the plan](missing.md).\n")
    forced = run("-q", "-C", root, "build", "--force", "--format", "html")
    assert forced.exit_code == 0, forced.output
    assert [line for line in forced.stderr.splitlines() if not line.startswith("  hint:")] == [
        "warning: chapters/beta.md:3: invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(chapter 'beta' is left out until this is fixed)",
        "error: chapters/alpha.md:16: link to unknown chapter 'missing.md'"], forced.stderr
    loud = run("-C", root, "build", "--force", "--format", "html")
    assert "Building anyway (--force) despite 1 error(s)." in loud.stderr


def test_init_refuses_an_existing_workspace_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    target.mkdir()
    (target / "manual.yaml").write_text("title: Mine\n")
    result = run("init", target)
    assert result.exit_code == 2
    assert f"Error: {target} is already a workspace (manual.yaml exists)" in result.stderr
    assert (target / "manual.yaml").read_text() == "title: Mine\n"
    assert sorted(p.name for p in target.iterdir()) == ["manual.yaml"]


def test_init_keeps_existing_files(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    (target / "styles").mkdir(parents=True)
    (target / "styles" / "print.css").write_text("/* mine */\n")
    (target / ".gitignore").write_text("secret/\n")
    result = run("init", target)
    assert result.exit_code == 0
    assert "kept existing styles/print.css" in result.output
    assert "kept existing .gitignore" in result.output
    assert (target / "styles" / "print.css").read_text() == "/* mine */\n"
    assert (target / ".gitignore").read_text() == "secret/\n"


def test_version() -> None:
    from vimanual import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"vimanual {__version__}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert re.search(rf"Example: vimanual .*{command}", result.output), result.output


@pytest.mark.slow
def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    proc = run_subprocess("-C", REPO, "check", env={"NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "No problems found.\n"


def test_help_is_answered_from_the_text_rendered_last_time_until_anything_it_depends_on_changes(
        tmp_path: Path) -> None:
    """`vimanual --help` (and COMMAND --help) is kept as rendered under the user's cache folder
    and printed from there next time (issue 17: Rich's help rendering cost more than the rest of
    --help); another width, another command, or anything else in its key renders it again."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    folder = tmp_path / "cache" / "vimanual" / "help"
    first = run_subprocess("--help", env=env)
    assert first.returncode == 0 and "Usage: vimanual [OPTIONS] COMMAND" in first.stdout, first.stderr
    assert first.stdout == run("--help").stdout  # what Typer renders, as the in-process CLI shows it
    [kept] = list(folder.iterdir())
    assert kept.read_text(encoding="utf-8") == first.stdout
    again = run_subprocess("--help", env=env)
    assert again.returncode == 0 and again.stdout == first.stdout and list(folder.iterdir()) == [kept]
    kept.write_text("help as kept\n", encoding="utf-8")  # it is read from the cache, not rendered
    assert run_subprocess("--help", env=env).stdout == "help as kept\n"
    kept.chmod(0o666)  # a file others may write (a shared cache folder) is not trusted
    assert run_subprocess("--help", env=env).stdout == first.stdout
    kept.write_text("help as kept\n", encoding="utf-8")
    kept.chmod(0o600)
    assert run_subprocess("--help", env=env).stdout == "help as kept\n"
    assert run_subprocess("-h", env=env).stdout != "help as kept\n"  # -h is its own entry
    wider = run_subprocess("--help", env={**env, "COLUMNS": "120"})
    assert "Usage: vimanual" in wider.stdout and max(map(len, wider.stdout.splitlines())) > 100
    status = run_subprocess("status", "--help", env=env)
    assert status.returncode == 0 and "Usage: vimanual status" in status.stdout
    assert len(list(folder.iterdir())) == 4
    # a mistake is never kept, and options before the command are not a help request it knows
    assert run_subprocess("stauts", "--help", env=env).returncode == 2
    assert run_subprocess("-q", "status", "--help", env=env).returncode == 0
    assert len(list(folder.iterdir())) == 4
    # a cache folder that cannot be written costs only the rendering
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder", encoding="utf-8")
    plain = run_subprocess("--help", env={"XDG_CACHE_HOME": str(blocked)})
    assert plain.returncode == 0 and plain.stdout == first.stdout


def test_help_does_not_import_weasyprint() -> None:
    code = "import sys; from vimanual.cli.app import app; print('weasyprint' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
