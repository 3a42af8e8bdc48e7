"""Issue 15, points 2 and 13: who may revise, accept, decline and release; authors once."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import yaml

from tests.helpers import run


def _submit(root: Path, file: Path, *args: str, person: str) -> str:
    result = run("-C", root, "submit", file, "--as", person, *args)
    assert result.exit_code == 0, result.output
    match = re.search(r"(?:Submitted|Revised) (\S+) r\d", result.output)
    assert match, result.output
    return match.group(1)


def test_accept_names_each_author_once_in_chapter_and_pdf(workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "steps.md"
    source.write_text('---\ntitle: Steps\nauthors: ["Chris Contributor (UK)"]\n---\n\n'
                      "## Steps\n\nSample text: record the exhibit number first.\n", encoding="utf-8")
    cid = _submit(workspace, source, "--chapter", "steps", "--jurisdiction", "UK", person="Chris Contributor")
    accepted = run("-C", workspace, "accept", cid, "--as", "Chris Contributor")
    assert accepted.exit_code == 0, accepted.output
    text = (workspace / "chapters" / "steps.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["authors"] == ["Chris Contributor (UK)"]
    built = run("-C", workspace, "build", "--force", "--format", "pdf", "--quiet")
    assert built.exit_code == 0, built.output
    reader = pypdf.PdfReader(workspace / "build" / "manual.pdf")
    assert reader.metadata is not None
    assert reader.metadata.author == "A. Author, Chris Contributor (UK)"
    pages = "\n".join(page.extract_text() for page in reader.pages)
    assert "Chris Contributor (UK), Chris Contributor" not in pages
