"""Issue 15's walk of the README in a fresh `vimanual init` workspace: each place where a
command said something untrue or left the user without a next step, as a user meets it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import run

EDITOR, CONTRIBUTOR = "Erin Editor", "Chris Contributor"


def _fresh(tmp_path: Path) -> Path:
    root = tmp_path / "my-manual"
    assert run("init", root).exit_code == 0
    return root


def _edit_manual(root: Path, chapters: list[str]) -> None:
    path = root / "manual.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["reviewers"] = {"UK": ["Ruth Reviewer"], "AU": ["Alan Reviewer"]}
    data["editors"] = [EDITOR]
    data["chapters"] = chapters
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_status_of_a_new_workspace_says_how_to_add_the_first_chapter(tmp_path: Path) -> None:
    root = _fresh(tmp_path)
    result = run("-C", root, "status")
    assert result.exit_code == 0
    assert " ".join(result.stdout.split()) == (
        "No chapters yet: add chapters/<slug>.md and list its slug under 'chapters:' in manual.yaml, "
        "or accept a contribution ('vimanual contributions' lists them).")


def test_a_revision_from_a_machine_whose_git_name_is_someone_else_says_who_and_how(tmp_path: Path) -> None:
    """README step 3 on a shared machine: the tool takes git's user.name (here VIMANUAL_USER) for
    the contributor, refuses, and says whom it took you for and how to say who you are."""
    root = _fresh(tmp_path)
    _edit_manual(root, [])
    first = tmp_path / "triage.md"
    first.write_text("# Triage\n\n## Steps\n\nSample text: one.\n", encoding="utf-8")
    submitted = run("-C", root, "submit", first, "--chapter", "image-triage", "--jurisdiction", "UK",
                    "--as", CONTRIBUTOR)
    assert submitted.exit_code == 0, submitted.output
    cid = re.search(r"Submitted (\S+) r1", submitted.stdout).group(1)  # type: ignore[union-attr]
    second = tmp_path / "triage-v2.md"
    second.write_text("# Triage\n\n## Steps\n\nSample text: two.\n", encoding="utf-8")
    machine = {"VIMANUAL_USER": "Shared Laptop"}
    refused = run("-C", root, "submit", second, "--revises", cid, "--note", "what changed", env=machine)
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == [
        f"Error: 'Shared Laptop' cannot revise {cid}: only the contributor ({CONTRIBUTOR}) or an editor "
        f"({EDITOR}) may",
        f'  hint: if you are {CONTRIBUTOR}, say so with --as "{CONTRIBUTOR}" (or set VIMANUAL_USER); '
        "otherwise submit your own text as a new contribution",
    ]
    assert not (root / "contributions" / cid / "r2.md").exists()
    withdraw = run("-C", root, "withdraw", cid, env=machine)
    assert withdraw.exit_code == 2
    assert f'hint: if you are {CONTRIBUTOR}, say so with --as "{CONTRIBUTOR}"' in withdraw.stderr
    revised = run("-C", root, "submit", second, "--revises", cid, "--note", "what changed",
                  "--as", CONTRIBUTOR, env=machine)
    assert revised.exit_code == 0, revised.output


@pytest.mark.slow
def test_a_one_chapter_edition_counts_in_words_and_a_stranger_pdf_gets_a_next_step(tmp_path: Path) -> None:
    root = _fresh(tmp_path)
    _edit_manual(root, ["image-triage"])
    chapter = root / "chapters" / "image-triage.md"
    chapter.write_text("---\ntitle: Triage\n---\n\n## Steps\n\nSample text: match hash sets first.\n",
                       encoding="utf-8")
    for code, name in (("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")):
        assert run("-C", root, "review", "image-triage", "-j", code, "--approve", "--as", name).exit_code == 0
    status = run("-C", root, "status")
    assert status.stdout.splitlines()[-1] == "1 of 1 chapter ready"
    assert run("-C", root, "build", "-q").exit_code == 0
    released = run("-C", root, "release", "1.0", "--as", EDITOR)
    assert released.exit_code == 0, released.output
    assert released.stdout.splitlines()[0].endswith("· 1 chapter → " + str(root / "editions" / "1.0") + "/")

    chapter.write_text(chapter.read_text(encoding="utf-8").replace("hash sets", "known hash sets"),
                       encoding="utf-8")
    since = run("-C", root, "diff", "image-triage", "--since-approval", "-j", "UK")
    assert ": 1 word added, 0 removed" in since.stdout, since.output

    draft = run("-C", root, "verify-edition", "1.0", root / "build" / "manual.pdf")
    assert draft.exit_code == 1
    assert draft.stderr.splitlines()[-2:] == [
        "Error: does not match edition 1.0",
        "  hint: it may be a draft, another edition or an edited copy; 'vimanual print 1.0' writes the "
        "released PDF, and 'vimanual trace FILE' says whether it is a controlled copy",
    ]
