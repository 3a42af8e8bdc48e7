"""Test helpers: workspaces built from dicts, the CLI invoked as a user would, git isolated from
the machine's configuration, and snapshots of a file tree.

One of each, used by every test module:

- ``run``: the CLI in-process (Typer's CliRunner) on a fixed 80-column terminal;
- ``run_subprocess`` / ``start_subprocess``: ``python -m vimanual`` in a child process with a clean
  environment (``cli_env``);
- ``git``: git under the configuration the ``isolated_git`` fixture (conftest.py) sets up;
- ``snapshot``: every file's bytes, every folder and link under a folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from vimanual.cli.app import app

REPO = Path(__file__).resolve().parent.parent

Tree = Mapping[str, "str | bytes | Tree"]


def build_file_tree(root: Path, tree: Tree) -> Path:
    """Create files (str → dedented text, bytes → raw) and folders (dict) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in tree.items():
        path = root / name
        if isinstance(content, Mapping):
            build_file_tree(path, content)
        elif isinstance(content, bytes):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def manual_yaml(**overrides: Any) -> str:
    """A valid manual.yaml for a two-jurisdiction test manual, with overrides."""
    data: dict[str, Any] = {
        "title": "Test Manual",
        "subtitle": "For the tests",
        "edition": "draft",
        "language": "en",
        "marking": "TEST MARKING",
        "paper": "A4",
        "jurisdictions": [
            {"code": "UK", "name": "United Kingdom", "required": True},
            {"code": "AU", "name": "Australia", "required": True},
        ],
        "reviewers": {"UK": ["Ruth Reviewer"], "AU": ["Alan Reviewer"]},
        "chapters": ["alpha", "beta"],
    }
    data.update(overrides)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def chapter_md(title: str, body: str = "", **front: Any) -> str:
    """A chapter file: front matter (title + extra keys) and a Markdown body."""
    meta = {"title": title, **front}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" + body


def small_workspace(root: Path, **overrides: Any) -> Path:
    """A valid two-chapter workspace in ``root``."""
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(**overrides),
        "chapters": {
            "alpha.md": chapter_md(
                "Alpha Chapter", "## First steps {#first}\n\nAlpha text.\n\n## Second\n\nMore.\n",
                lead="UK", authors=["A. Author"],
            ),
            "beta.md": chapter_md(
                "Beta Chapter", "## Beta section\n\nSee [alpha](alpha.md#first).\n", lead="AU",
            ),
        },
    })


def copy_sample(target: Path) -> Path:
    """A copy of the repository's sample manual (without build output)."""
    ignore = shutil.ignore_patterns(
        "build", ".git", "__pycache__", "*.egg-info", ".venv", "venv", "tests", "bench", ".ci",
        "vimanual", "pyproject.toml", "*.md", ".pytest_cache", ".ruff_cache", ".mypy_cache",
        "node_modules", "package.json", "package-lock.json",
    )
    shutil.copytree(REPO, target, ignore=ignore, symlinks=False, dirs_exist_ok=True)
    # "*.md" keeps README and the like out; the chapters themselves are copied here.
    shutil.copytree(REPO / "chapters", target / "chapters", dirs_exist_ok=True)
    # Contributions hold r1.md, r2.md …, which "*.md" above left out.
    shutil.copytree(REPO / "contributions", target / "contributions", dirs_exist_ok=True)
    # Released editions hold frozen chapters (*.md) too.
    if (REPO / "editions").is_dir():
        shutil.copytree(REPO / "editions", target / "editions", dirs_exist_ok=True)
    return target


CLI_WIDTH = 80
"""The terminal width every CLI run in the tests gets (COLUMNS), so tables wrap the same anywhere."""

# Variables of the machine that would change what the CLI prints, and are unset for every in-process
# run unless a test passes them: forced colour, and a terminal width other than CLI_WIDTH.
_IN_PROCESS_ENV: dict[str, str | None] = {
    "COLUMNS": str(CLI_WIDTH), "LINES": None, "FORCE_COLOR": None, "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
}


def run(*args: str | Path, env: Mapping[str, str | None] | None = None) -> Result:
    """Invoke the CLI in-process, the way a user types it, on a terminal CLI_WIDTH columns wide.

    ``env`` adds to (or, with None, removes from) the process environment for this run.
    """
    runner = CliRunner()
    return runner.invoke(app, [str(a) for a in args], env={**_IN_PROCESS_ENV, **(env or {})},
                         catch_exceptions=False)


def ok(*args: str | Path) -> Result:
    """``run`` that must succeed (exit code 0, the output shown when it does not)."""
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def submit_json(root: Path, path: Path, slug: str, person: str, *options: str) -> dict[str, object]:
    """``vimanual submit PATH --chapter SLUG --jurisdiction UK --as PERSON --json``, which must
    succeed: what it printed."""
    import json

    result = run("-C", root, "submit", path, "--chapter", slug, "--jurisdiction", "UK", "--as", person,
                 "--json", *options)
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def source_hash(ws: Path, slug: str) -> str:
    """A chapter's content hash as ``status --json`` gives it (what a translation translates)."""
    import json

    chapters = json.loads(ok("-C", ws, "status", "--json").stdout)["chapters"]
    return str(next(c["content_hash"] for c in chapters if c["slug"] == slug))


# What a child process inherits from the test process: where programs are, the home folder (fonts'
# caches, and the isolated git home when the isolated_git fixture is active), the temporary folder,
# and git's isolation. Nothing else: no VIMANUAL_*, no colour or width settings of the machine.
# VIMANUAL_STATE_DIR is the one VIMANUAL_* passed: the tests' state folder (clone keys, the cache
# secret; conftest's _state_dir), so that a child replays what the test process recorded.
_PASSED_TO_CHILD = ("PATH", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "GIT_CONFIG_GLOBAL",
                    "GIT_CONFIG_NOSYSTEM", "VIMANUAL_STATE_DIR")


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment for ``python -m vimanual``: this tree's package first on the path, UTF-8,
    CLI_WIDTH columns, and only the variables in _PASSED_TO_CHILD from the test process; plus ``extra``."""
    env = {key: os.environ[key] for key in _PASSED_TO_CHILD if key in os.environ}
    env.update({"PYTHONPATH": str(REPO), "LANG": "C.UTF-8", "COLUMNS": str(CLI_WIDTH)})
    env.update(extra or {})
    return env


def cli_command(*args: str | Path) -> list[str]:
    """The argument list of ``python -m vimanual ARGS`` with this interpreter."""
    return [sys.executable, "-m", "vimanual", *map(str, args)]


def run_subprocess(*args: str | Path, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m vimanual ARGS`` to the end in a clean environment (``cli_env(env)``)."""
    return subprocess.run(cli_command(*args), cwd=cwd, env=cli_env(env), capture_output=True, text=True,
                          timeout=timeout, check=False)


def start_subprocess(*args: str | Path, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                     **popen: Any) -> subprocess.Popen[str]:
    """Start ``python -m vimanual ARGS`` in a clean environment (``cli_env(env)``), its output piped
    as text unless ``popen`` says otherwise (e.g. stdout=subprocess.DEVNULL, start_new_session=True);
    the caller waits."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen(cli_command(*args), cwd=cwd, env=cli_env(env), **options)


GIT_USER = ("Test Person", "test@example.org")


def isolate_git(home: Path) -> dict[str, str | None]:
    """The environment that keeps git away from the machine's configuration: ``home`` as HOME with
    its own global config (fixed user, no signing, no hooks, no templates, branch ``main``) and no
    system config. Returns the variables to set (None: to unset); conftest's isolated_git applies them."""
    hooks = home / "no-hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    config = home / ".gitconfig"
    config.write_text(textwrap.dedent(f"""\
        [user]
        \tname = {GIT_USER[0]}
        \temail = {GIT_USER[1]}
        [commit]
        \tgpgsign = false
        [tag]
        \tgpgsign = false
        [core]
        \thooksPath = {hooks}
        [init]
        \tdefaultBranch = main
        \ttemplateDir = {hooks}
        """), encoding="utf-8")
    unset: dict[str, str | None] = {name: None for name in (
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_TEMPLATE_DIR", "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")}
    return {**unset, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its output; fail the test with git's stderr if git fails.

    Refuses to run unless the isolated_git fixture is active, so no test reads the machine's config.
    """
    assert os.environ.get("GIT_CONFIG_NOSYSTEM") == "1" and "GIT_CONFIG_GLOBAL" in os.environ, (
        "use the isolated_git fixture before running git")
    proc = subprocess.run([shutil.which("git") or "git", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


LOCK_FILE = ".vimanual.lock"


def snapshot(root: Path, skip: Iterable[Path] = ()) -> dict[str, bytes | str]:
    """Every file (its bytes), folder and symbolic link (its target, not followed) under ``root``,
    keyed by relative path: compare one taken before a command with one taken after.

    One rule for what it leaves out: an empty ``.vimanual.lock`` next to a ``manual.yaml``, the
    workspace lock that a locked command creates and leaves behind, empty (it holds no state). A lock
    file with content, or anywhere else, is captured like any file. ``skip`` names folders a test allows
    to change (such as build/); nothing under them is captured.
    """
    skipped = tuple(path.resolve() for path in skip)
    result: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        resolved = path.parent.resolve() / path.name  # a link itself is not followed
        if any(resolved == s or s in resolved.parents for s in skipped):
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            result[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            result[rel] = "dir"
        elif path.name == LOCK_FILE and (path.parent / "manual.yaml").is_file() and \
                path.stat().st_size == 0:
            continue
        elif path.is_file():
            result[rel] = path.read_bytes()
        else:
            result[rel] = "special"  # a fifo or socket: never read (it could block)
    return result
