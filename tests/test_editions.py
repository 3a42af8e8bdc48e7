"""Editions: the release gate, the manifest, reproducible rebuilds, print, verify-edition, diff."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, small_workspace, start_subprocess
from tests.pdfhtml import parse_html, pdf_outline_titles, pdf_pages_text
from vimanual.base.errors import VimanualError
from vimanual.editions import diff as edition_diff
from vimanual.editions import frozen, manifest
from vimanual.editions import release as release_module

REVIEWERS = {"UK": "Ruth Reviewer", "AU": "Alan Reviewer"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def approve(root: Path, slug: str, *codes: str) -> None:
    for code in codes or tuple(REVIEWERS):
        result = run("-C", root, "review", slug, "-j", code, "--approve", "--as", REVIEWERS[code])
        assert result.exit_code == 0, result.output


def approve_all(root: Path) -> None:
    for slug in yaml.safe_load((root / "manual.yaml").read_text())["chapters"]:
        approve(root, slug)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-chapter workspace with edition 1.0 released on 2026-11-28."""
    root = small_workspace(tmp_path_factory.mktemp("released") / "ws")
    approve_all(root)
    notes = root.parent / "notes.md"
    notes.write_text("# Edition 1.0\n\nFirst edition.\n", encoding="utf-8")
    result = run("-C", root, "release", "1.0", "--date", "2026-11-28", "--notes", notes)
    assert result.exit_code == 0, result.output
    return root


def copy_of(released: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(released, target, ignore=shutil.ignore_patterns("build"))
    return target


# --- the gate -------------------------------------------------------------------------------

def _gate_case(root: Path, kind: str) -> None:
    if kind == "pending":
        approve(root, "alpha")
        approve(root, "beta", "UK")
    elif kind == "changes-requested":
        approve(root, "alpha")
        approve(root, "beta", "UK")
        result = run("-C", root, "review", "beta", "-j", "AU", "--request-changes", "-m", "Add a source",
                     "--as", "Alan Reviewer")
        assert result.exit_code == 0, result.output
    elif kind == "stale":
        approve_all(root)
        path = root / "chapters" / "beta.md"
        path.write_text(path.read_text() + "\nA later sentence.\n")
        approve(root, "beta", "UK")  # UK approved the new text; AU's approval is of the old one
    elif kind == "check-error":
        path = root / "chapters" / "beta.md"
        path.write_text(path.read_text() + '\n::: {.only jurisdiction="XX"}\nOnly somewhere.\n:::\n')
        approve_all(root)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pending", "changes-requested", "stale", "check-error"])
def test_release_gate_refuses_and_lists_blockers(tmp_path: Path, kind: str) -> None:
    root = small_workspace(tmp_path / "ws")
    _gate_case(root, kind)
    result = run("-C", root, "release", "1.0")
    assert result.exit_code == 1, result.output
    assert "Error: release blocked" in result.stderr
    if kind == "check-error":
        assert "'vimanual check' found 1 error(s)" in result.stderr
        assert "chapters/beta.md:" in result.stderr and "'XX'" in result.stderr
    else:
        line = next(line for line in result.stderr.splitlines() if line.startswith("beta "))
        assert line.split()[:2] == ["beta", "AU"]
        assert kind in line and "Alan Reviewer" in line
        assert not any(line.startswith("alpha ") for line in result.stderr.splitlines())
    assert not (root / "editions").exists() or not any((root / "editions").iterdir())

    as_json = run("-C", root, "release", "1.0", "--json")
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    if kind == "check-error":
        assert [p["rule"] for p in report["problems"]] == ["only-jurisdiction"]
    else:
        assert report["blockers"] == [{"chapter": "beta", "jurisdiction": "AU", "state": kind,
                                       "ask": ["Alan Reviewer"]}]


@pytest.mark.slow
def test_exclude_leaves_a_chapter_out_explicitly(tmp_path: Path) -> None:
    root = small_workspace(tmp_path / "ws")
    approve(root, "alpha")
    result = run("-C", root, "release", "0.1", "--exclude", "beta", "--date", "2026-01-02", "--json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert [c["slug"] for c in manifest["chapters"]] == ["alpha"]
    assert manifest["excluded"] == ["beta"]
    frozen = yaml.safe_load((root / "editions" / "0.1" / "manual.yaml").read_text())
    assert frozen["chapters"] == ["alpha"] and frozen["edition"] == "0.1"
    assert not (root / "editions" / "0.1" / "chapters" / "beta.md").exists()


# --- the release ----------------------------------------------------------------------------

@pytest.mark.slow
def test_manifest_records_what_was_released(released: Path) -> None:
    folder = released / "editions" / "1.0"
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text())
    assert manifest["version"] == "1.0" and manifest["date"] == "2026-11-28"
    assert manifest["notes"] == "# Edition 1.0\n\nFirst edition.\n"
    chapters = manifest["chapters"]
    assert [(c["slug"], c["title"]) for c in chapters] == [
        ("alpha", "Alpha Chapter"), ("beta", "Beta Chapter")]
    for chapter in chapters:
        assert chapter["content_hash"] == _sha(released / "chapters" / f"{chapter['slug']}.md")
        assert {(a["jurisdiction"], a["reviewer"]) for a in chapter["approvals"]} == {
            ("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")}
        for approval in chapter["approvals"]:
            events = released / "reviews" / chapter["slug"]
            event = next(events.glob(f"*-{approval['jurisdiction']}-*.yaml"))
            assert approval["digest"] in event.read_text() and approval["time"].endswith("Z")
    assert manifest["outputs"]["pdf"]["sha256"] == _sha(folder / "manual.pdf")
    assert manifest["outputs"]["html"]["sha256"] == _sha(folder / "manual.html")
    files = manifest["files"]
    for rel in ("manual.yaml", "chapters/alpha.md", "chapters/beta.md", "styles/manual.html.j2",
                "styles/print.css", "styles/fonts.css"):
        assert files[rel] == _sha(folder / rel)
    # fonts are frozen by reference: hashed in the manifest, not copied
    assert manifest["fonts"] and all(rel.startswith("styles/fonts/") for rel in manifest["fonts"])
    assert not any((folder / rel).exists() for rel in manifest["fonts"])
    assert not [p for p in (released / "editions").iterdir() if p.name.startswith(".")]


@pytest.mark.slow
def test_released_pdf_is_labelled_and_has_a_review_record(released: Path) -> None:
    pages = pdf_pages_text(released / "editions" / "1.0" / "manual.pdf")
    text = " ".join(pages)
    assert "Edition 1.0" in pages[0] and "2026-11-28" in pages[0]
    assert all("Edition 1.0 · 2026-11-28" in page for page in pages  # the footer, but on a
               if "Edition" in page or len(page.split()) > 6)        # blank verso (marking only)
    # the cover has no page number, so its footer is the label alone, not "... 2026-11-28 ·"
    assert "Edition 1.0 · 2026-11-28 ·" not in " ".join(pages[0].split())
    assert "Edition 1.0 · 2026-11-28 · page 1 of" in " ".join(" ".join(pages).split())
    assert "DRAFT" not in text and "Draft · review" not in text and "Working draft" not in text
    record = pages[-1]
    assert "Review record" in record
    assert "Alpha Chapter" in record and "Ruth Reviewer" in record and "Alan Reviewer" in record
    assert "Review record" in pdf_outline_titles(released / "editions" / "1.0" / "manual.pdf")
    html = parse_html(released / "editions" / "1.0" / "manual.html")
    assert "Review record" in html.text and "DRAFT" not in html.text


@pytest.mark.slow
def test_rebuild_at_another_time_is_byte_identical(released: Path, tmp_path: Path) -> None:
    edition = manifest.load_edition(released, "1.0")
    first = frozen.build_edition(released, edition, edition.path, tmp_path / "one")
    time.sleep(1.1)
    second = frozen.build_edition(released, edition, edition.path, tmp_path / "two")
    for kind in ("pdf", "html"):
        assert first[kind].read_bytes() == second[kind].read_bytes()
    assert _sha(second["pdf"]) == edition.pdf_sha256
    assert _sha(second["html"]) == edition.html_sha256
    # a new edition's HTML carries the page's Content-Security-Policy, and its manifest says so
    # (so that its rebuild keeps it, as the sample's 1.0, released before, is rebuilt without)
    assert edition.build["content_policy"] is True
    assert second["html"].read_text(encoding="utf-8").count('http-equiv="Content-Security-Policy"') == 1


@pytest.mark.slow
def test_releasing_an_existing_version_is_refused(released: Path) -> None:
    result = run("-C", released, "release", "1.0")
    assert result.exit_code == 2
    assert "edition 1.0 is already released" in result.stderr


@pytest.mark.parametrize("label", [
    "..", "1..2", "-1", ".1", "a/b", "1 0", "working", "x" * 33, "1.0/../x", "",
])
def test_invalid_version_labels_are_refused(tmp_path: Path, label: str) -> None:
    root = small_workspace(tmp_path / "ws")
    result = run("-C", root, "release", "--", label)
    assert result.exit_code == 2
    assert f"invalid edition version {label!r}" in result.stderr
    assert not (root / "editions").exists()


@pytest.mark.slow
def test_release_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = small_workspace(tmp_path / "ws")
    approve_all(root)
    seen: list[Path] = []

    def fail(root_dir: Path, edition: manifest.Edition, source: Path, *_: object) -> dict[str, Path]:
        seen.append(source)
        assert (source / "chapters" / "alpha.md").is_file()  # half-way: sources frozen in staging
        raise VimanualError("PDF layout failed (simulated)")

    monkeypatch.setattr(release_module, "_build_outputs", fail)
    result = run("-C", root, "release", "1.0")
    assert result.exit_code == 2 and "simulated" in result.stderr
    assert seen and seen[0].name.startswith(".staging-1.0-")
    assert list((root / "editions").iterdir()) == []


# --- print and verify -----------------------------------------------------------------------

@pytest.mark.slow
def test_print_hands_over_the_released_bytes_after_the_chapters_change(
    released: Path, tmp_path: Path,
) -> None:
    root = copy_of(released, tmp_path)
    alpha = root / "chapters" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("Alpha text.", "Rewritten after the release."))
    out = tmp_path / "whole.pdf"
    result = run("-C", root, "print", "1.0", "--output", out)
    assert result.exit_code == 0, result.output
    assert "checksum verified" in result.stdout
    assert out.read_bytes() == (released / "editions" / "1.0" / "manual.pdf").read_bytes()
    handout = tmp_path / "alpha.pdf"
    result = run("-C", root, "print", "1.0", "--chapters", "alpha", "--output", handout)
    assert result.exit_code == 0, result.output
    assert "rebuilt from the frozen sources" in result.stdout
    text = " ".join(pdf_pages_text(handout))
    assert "Alpha text." in text and "Rewritten after the release" not in text


@pytest.mark.slow
def test_handout_has_only_the_chosen_chapters_with_own_cover_and_toc(released: Path, tmp_path: Path) -> None:
    out = tmp_path / "beta.pdf"
    result = run("-C", released, "print", "1.0", "--chapters", "beta", "--output", out)
    assert result.exit_code == 0, result.output
    pages = pdf_pages_text(out)
    text = " ".join(pages)
    assert "Test Manual" in pages[0] and "Handout — chapter 2 of edition 1.0" in pages[0]
    assert "Edition 1.0" not in pages[0]  # this edition's own template says what the handout is
    assert all("Handout — chapter 2 of edition 1.0 · 2026-11-28" in page for page in pages[1:]
               if len(page.split()) > 6)  # not a blank verso, which carries only the marking
    assert "Contents" in pages[1] and "Beta Chapter" in pages[1]
    assert "Beta Chapter" in text and "Alpha Chapter" not in text and "First steps" not in text
    assert [t for t in pdf_outline_titles(out) if "Chapter" in t] == ["2 Beta Chapter"]  # its number in 1.0
    assert PdfReader(str(out)).pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4


@pytest.mark.slow
def test_letter_handout_is_rebuilt_on_letter_paper(released: Path, tmp_path: Path) -> None:
    out = tmp_path / "letter.pdf"
    result = run("-C", released, "print", "1.0", "--chapters", "alpha", "--paper", "letter", "--output", out)
    assert result.exit_code == 0, result.output
    assert "paper letter (the edition is A4)" in result.stdout
    box = PdfReader(str(out)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((612, 792), abs=1)


@pytest.mark.parametrize("version, message", [
    ("draft", "'draft' is not a released edition"),
    ("working", "'working' is not a released edition"),
    ("2.0", "no released edition '2.0'"),
    ("../x", "no released edition '../x'"),
])
@pytest.mark.slow
def test_print_refuses_drafts_and_unknown_versions(released: Path, version: str, message: str) -> None:
    result = run("-C", released, "print", version)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "released editions: 1.0" in result.stderr and "vimanual build" in result.stderr


@pytest.mark.slow
def test_tampered_pdf_is_refused_and_verify_edition_tells(released: Path, tmp_path: Path) -> None:
    good = released / "editions" / "1.0" / "manual.pdf"
    assert run("-C", released, "verify-edition", "1.0").exit_code == 0
    ok = run("-C", released, "verify-edition", "1.0", good)
    assert ok.exit_code == 0 and "is edition 1.0's PDF" in ok.stdout
    forged = tmp_path / "forged.pdf"
    data = good.read_bytes()
    forged.write_bytes(data[:2000] + bytes([data[2000] ^ 1]) + data[2001:])
    bad = run("-C", released, "verify-edition", "1.0", forged)
    assert bad.exit_code == 1 and "matches neither" in bad.stderr

    root = copy_of(released, tmp_path)
    (root / "editions" / "1.0" / "manual.pdf").write_bytes(forged.read_bytes())
    result = run("-C", root, "print", "1.0", "--output", tmp_path / "out.pdf")
    assert result.exit_code == 1
    assert "does not match the manifest's checksum" in result.stderr
    assert not (tmp_path / "out.pdf").exists()
    chapter = root / "editions" / "1.0" / "chapters" / "alpha.md"
    chapter.write_text(chapter.read_text() + "\nSlipped in.\n")
    verify = run("-C", root, "verify-edition", "1.0", "--json")
    assert verify.exit_code == 1
    problems = json.loads(verify.stdout)["problems"]
    assert any(p.startswith("manual.pdf: changed") for p in problems)
    assert any(p.startswith("chapters/alpha.md: changed") for p in problems)


@pytest.mark.slow
def test_editions_lists_released_editions(released: Path) -> None:
    result = run("-C", released, "editions", "--json")
    assert result.exit_code == 0
    (edition,) = json.loads(result.stdout)["editions"]
    assert edition["version"] == "1.0" and edition["date"] == "2026-11-28"
    assert [c["slug"] for c in edition["chapters"]] == ["alpha", "beta"]
    assert edition["outputs"]["pdf"]["sha256"] == _sha(released / "editions" / "1.0" / "manual.pdf")
    table = run("-C", released, "editions")
    assert "1.0" in table.stdout and "2026-11-28" in table.stdout


# --- diff -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_diff_reports_added_removed_moved_and_changed(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha", "beta", "gamma", "delta"]),
        "chapters": {
            "alpha.md": chapter_md("Alpha", "## A\n\none two three four five\n", lead="UK"),
            "beta.md": chapter_md("Beta", "## B\n\nBeta words stay.\n", lead="UK"),
            "gamma.md": chapter_md("Gamma", "## G\n\nGamma goes away soon.\n", lead="UK"),
            "delta.md": chapter_md("Delta", "## D\n\nDelta stays too.\n", lead="UK"),
        },
    })
    approve_all(root)
    assert run("-C", root, "release", "1.0", "--date", "2026-01-01").exit_code == 0
    (root / "chapters" / "gamma.md").unlink()
    (root / "chapters" / "epsilon.md").write_text(chapter_md("Epsilon", "## E\n\nBrand new text here.\n"))
    alpha = root / "chapters" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("one two three four five", "one 2 three four five six seven"))
    (root / "manual.yaml").write_text(manual_yaml(chapters=["delta", "alpha", "beta", "epsilon"]))

    result = run("-C", root, "diff", "1.0", "--json")
    assert result.exit_code == 0, result.output
    changes = {c["slug"]: c for c in json.loads(result.stdout)["changes"]}
    assert changes["epsilon"]["kind"] == "added" and changes["epsilon"]["words_added"] == 6
    assert changes["gamma"]["kind"] == "removed" and changes["gamma"]["words_removed"] == 6
    assert changes["delta"]["kind"] == "moved" and changes["delta"]["moved"]
    assert (changes["delta"]["old_position"], changes["delta"]["new_position"]) == (4, 1)
    assert changes["alpha"]["kind"] == "changed" and not changes["alpha"]["moved"]
    assert (changes["alpha"]["words_added"], changes["alpha"]["words_removed"]) == (3, 1)
    assert changes["beta"]["kind"] == "unchanged"

    full = run("-C", root, "diff", "1.0", "working", "--full")
    assert "~ changed alpha  +3 / -1 words" in full.stdout
    assert "+one 2 three four five six seven" in full.stdout

    notes = run("-C", root, "diff", "1.0", "--format", "md")
    assert notes.stdout.startswith("# Changes since edition 1.0\n")
    assert "## Added chapters\n\n- **Epsilon** (`epsilon`): new, 6 words" in notes.stdout
    assert "## Removed chapters" in notes.stdout and "## Moved chapters" in notes.stdout
    assert "- **Alpha** (`alpha`): 3 words added, 1 removed" in notes.stdout

    # the notes go into the next release, whose diff against 1.0 is the same
    notes_file = tmp_path / "notes.md"
    notes_file.write_text(notes.stdout)
    approve_all(root)
    assert run("-C", root, "release", "1.1", "--notes", notes_file).exit_code == 0
    assert manifest.load_edition(root, "1.1").notes == notes.stdout
    between = edition_diff.diff_editions(root, "1.0", "1.1")
    assert {c.slug: c.kind for c in between.changes} == {c["slug"]: c["kind"] for c in changes.values()}


@pytest.mark.parametrize("label", ["1", "1.0", "2027.1-rc1", "1.0+uk", "A", "v2", "x" * 32])
def test_valid_version_labels(label: str) -> None:
    from vimanual.base.names import check_version, is_version

    assert is_version(label) and check_version(label) == label


# --- the sample manual ----------------------------------------------------------------------

@pytest.mark.slow
def test_sample_manual_has_a_released_edition_and_changes_since(
    sample_workspace: Path, tmp_path: Path,
) -> None:
    listed = json.loads(run("-C", sample_workspace, "editions", "--json").stdout)["editions"]
    assert [e["version"] for e in listed] == ["1.0"]
    assert len(listed[0]["chapters"]) == 8
    assert run("-C", sample_workspace, "verify-edition", "1.0").exit_code == 0
    diff = json.loads(run("-C", sample_workspace, "diff", "1.0", "--json").stdout)["changes"]
    kinds = {c["slug"]: c["kind"] for c in diff}
    assert kinds["training-exercises"] == "added"
    assert kinds["writing-a-chapter"] == "added"
    assert sorted(s for s, k in kinds.items() if k == "changed") == [
        "background-clues", "case-handover", "image-triage"]  # case-handover: the quote bar (r2)
    status = json.loads(run("-C", sample_workspace, "status", "--json").stdout)
    assert status["summary"]["blocking"] == [
        "image-triage", "background-clues", "training-exercises", "writing-a-chapter",
    ]
    # the committed edition rebuilds to the committed bytes (the sample's 'another machine' check)
    edition = manifest.load_edition(sample_workspace, "1.0")
    rebuilt = frozen.build_edition(sample_workspace, edition, edition.path, tmp_path / "rebuilt")
    assert _sha(rebuilt["pdf"]) == edition.pdf_sha256
    assert _sha(rebuilt["html"]) == edition.html_sha256
    assert "content_policy" not in edition.build  # released before the policy: rebuilt without it
    assert "Content-Security-Policy" not in rebuilt["html"].read_text(encoding="utf-8")
    uk = tmp_path / "uk.pdf"
    result = run("-C", sample_workspace, "print", "1.0", "--chapters", "case-handover",
                 "--jurisdiction", "UK", "--output", uk)
    assert result.exit_code == 0, result.output
    assert "in this invented UK workflow" in " ".join(pdf_pages_text(uk))


@pytest.mark.slow
def test_two_prints_of_one_edition_at_once_both_succeed(sample_workspace: Path, tmp_path: Path) -> None:
    """Prints rebuild from the edition's frozen sources in one shared folder under a file lock:
    overlapping prints both succeed and give the same bytes."""
    env = {"NO_COLOR": "1"}
    outputs = [tmp_path / f"handout-{i}.pdf" for i in range(2)]
    procs = []
    for out in outputs:  # the second starts while the first lays out its PDF from the shared folder
        procs.append(start_subprocess(
            "-C", sample_workspace, "print", "1.0",
            "--chapters", "image-triage", "--paper", "letter", "--output", out, env=env,
        ))
        time.sleep(1.2)
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    assert len({_sha(out) for out in outputs}) == 1


@pytest.mark.slow
def test_handouts_say_what_they_are_keep_numbers_and_names_and_verify(sample_workspace: Path) -> None:
    """Issue 15 point 5: a handout of the sample's edition 1.0 (whose frozen template predates
    handouts) says so on its cover and in every footer, keeps the edition's chapter numbers,
    gets a name of its own per selection and paper, and verify-edition recognises it."""
    chosen = "image-triage,case-handover"  # chapters 3 and 6 of edition 1.0
    first = run("-C", sample_workspace, "print", "1.0", "--chapters", chosen)
    assert first.exit_code == 0, first.output
    letter = run("-C", sample_workspace, "print", "1.0", "--chapters", chosen, "--paper", "letter")
    assert letter.exit_code == 0, letter.output
    other = run("-C", sample_workspace, "print", "1.0", "--chapters", "investigator-welfare")
    assert other.exit_code == 0, other.output
    folder = sample_workspace / "build" / "editions"
    names = sorted(p.name for p in folder.glob("manual-1.0-*.pdf"))
    assert names == ["manual-1.0-handout-image-triage+case-handover-letter.pdf",
                     "manual-1.0-handout-image-triage+case-handover.pdf",
                     "manual-1.0-handout-investigator-welfare.pdf"]
    handout = folder / "manual-1.0-handout-image-triage+case-handover.pdf"
    pages = pdf_pages_text(handout)
    title = "Handout — chapters 3, 6 of edition 1.0"
    assert title in pages[0]
    body = pages[2:]
    assert body and all(title in page for page in body), [p[-120:] for p in body if title not in p]
    outline = [t for t in pdf_outline_titles(handout) if t[:1].isdigit() and "." not in t.split()[0]]
    assert outline == ["3 Triage and De-duplication", "6 Case Handover Between Units"]
    assert "3.1 The purpose of triage" in pdf_outline_titles(handout)
    assert "Handout — chapter 8 of edition 1.0" in pdf_pages_text(
        folder / "manual-1.0-handout-investigator-welfare.pdf")[0]
    for path in (handout, folder / "manual-1.0-handout-image-triage+case-handover-letter.pdf"):
        checked = run("-C", sample_workspace, "verify-edition", "1.0", path)
        assert checked.exit_code == 0, checked.output
        assert "is a handout of edition 1.0" in checked.stdout
    # the handout records sit in the register, outside the frozen sources: the edition still verifies
    assert run("-C", sample_workspace, "verify-edition", "1.0").exit_code == 0
    stranger = folder / "stranger.pdf"
    stranger.write_bytes(handout.read_bytes() + b"\n")
    assert run("-C", sample_workspace, "verify-edition", "1.0", stranger).exit_code == 1
