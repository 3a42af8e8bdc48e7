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


EDITORS = {"editors": ["Erin Editor"]}


def _editors_workspace(root: Path) -> Path:
    from tests.helpers import small_workspace

    return small_workspace(root, **EDITORS)


def test_only_the_contributor_or_an_editor_may_revise(tmp_path: Path) -> None:
    root = _editors_workspace(tmp_path / "ws")
    first = tmp_path / "first.md"
    first.write_text("## Steps\n\nSample text: one.\n", encoding="utf-8")
    second = tmp_path / "second.md"
    second.write_text("## Steps\n\nSample text: two.\n", encoding="utf-8")
    third = tmp_path / "third.md"
    third.write_text("## Steps\n\nSample text: three.\n", encoding="utf-8")
    cid = _submit(root, first, "--chapter", "gamma", "--jurisdiction", "UK", person="Sam Contributor")
    record = (root / "contributions" / cid / "contribution.yaml").read_bytes()

    refused = run("-C", root, "submit", second, "--revises", cid, "--as", "Someone Else")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"Error: 'Someone Else' cannot revise {cid}: only the contributor (Sam Contributor) or an "
        "editor (Erin Editor) may",
        '  hint: if you are Sam Contributor, say so with --as "Sam Contributor" (or set VIMANUAL_USER); '
        "otherwise submit your own text as a new contribution",
    ]
    assert (root / "contributions" / cid / "contribution.yaml").read_bytes() == record
    assert not (root / "contributions" / cid / "r2.md").exists()

    assert _submit(root, second, "--revises", cid, person="sam  contributor") == cid
    assert _submit(root, third, "--revises", cid, person="Erin Editor") == cid
    assert (root / "contributions" / cid / "r3.md").is_file()


def test_accept_decline_and_release_are_for_editors(tmp_path: Path) -> None:
    root = _editors_workspace(tmp_path / "ws")
    source = tmp_path / "steps.md"
    source.write_text("## Steps\n\nSample text: one.\n", encoding="utf-8")
    cid = _submit(root, source, "--chapter", "gamma", "--jurisdiction", "UK", person="Sam Contributor")
    for args, action in ((["accept", cid], "accept contributions"),
                         (["decline", cid, "--reason", "no"], "decline contributions"),
                         (["release", "1.0"], "release an edition")):
        result = run("-C", root, *args, "--as", "Sam Contributor")
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [
            f"Error: 'Sam Contributor' is not an editor, so cannot {action}",
            "  hint: editors: Erin Editor; pass --as with your name as listed under 'editors' in manual.yaml",
        ]
    assert not (root / "contributions" / cid / "decisions").exists()
    assert not (root / "editions").exists() and not (root / "chapters" / "gamma.md").exists()
    accepted = run("-C", root, "accept", cid, "--as", "erin editor")
    assert accepted.exit_code == 0, accepted.output
    decisions = list((root / "contributions" / cid / "decisions").iterdir())
    assert len(decisions) == 1 and "by: Erin Editor" in decisions[0].read_text(encoding="utf-8")


def test_release_records_the_editor_named_with_as(tmp_path: Path) -> None:
    root = _editors_workspace(tmp_path / "ws")
    for slug, code, name in (("alpha", "UK", "Ruth Reviewer"), ("alpha", "AU", "Alan Reviewer"),
                             ("beta", "UK", "Ruth Reviewer"), ("beta", "AU", "Alan Reviewer")):
        assert run("-C", root, "review", slug, "-j", code, "--approve", "--as", name).exit_code == 0
    result = run("-C", root, "release", "1.0", "--as", "Erin Editor", "--json")
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load((root / "editions" / "1.0" / "manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["released_by"] == "Erin Editor"


def test_init_and_sample_manual_name_their_editors(tmp_path: Path) -> None:
    from tests.helpers import REPO

    assert run("init", tmp_path / "new").exit_code == 0
    made = yaml.safe_load((tmp_path / "new" / "manual.yaml").read_text(encoding="utf-8"))
    assert made["editors"] == ["Editor Name"]
    assert "README" not in (tmp_path / "new" / "manual.yaml").read_text(encoding="utf-8")
    sample = yaml.safe_load((REPO / "manual.yaml").read_text(encoding="utf-8"))
    assert sample["editors"] == ["Sample Editor"]
