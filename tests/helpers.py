"""Test helpers: workspaces built from dicts, the CLI invoked as a user would."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping
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


def run(*args: str | Path, env: Mapping[str, str] | None = None) -> Result:
    """Invoke the CLI in-process, the way a user types it."""
    runner = CliRunner()
    return runner.invoke(app, [str(a) for a in args], env=dict(env or {}), catch_exceptions=False)
