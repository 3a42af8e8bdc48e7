"""Controlled copies (issue 18): numbered, marked per recipient, registered, verified, traced."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pikepdf
import pytest
import yaml
from pypdf import PdfReader

from tests.helpers import copy_sample, run

RECIPIENTS = (
    "name,agency,course,email\n"
    "Sam Sample,Sample Police Service,VID course 1 (sample),\n"
    "Alex Example,Example Agency,VID course 1 (sample),alex@example.org\n"
    "Kim Test,Test Unit,VID course 1 (sample),\n"
)
NAMES = ["Sam Sample", "Alex Example", "Kim Test"]


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with three controlled copies of its edition 1.0."""
    root = copy_sample(tmp_path_factory.mktemp("copies") / "ws")
    (root / "recipients.csv").write_text(RECIPIENTS)
    result = run("-C", root, "print", "1.0", "--recipients", root / "recipients.csv", "--as", "Sample Editor")
    assert result.exit_code == 0, result.output
    assert "Issued 3 controlled copies of edition 1.0" in result.stdout
    return root


def copy_path(root: Path, number: int) -> Path:
    return root / "build" / "editions" / "1.0" / "copies" / f"copy-{number:03d}.pdf"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_page_of_every_copy_carries_its_mark(issued: Path) -> None:
    released = PdfReader(issued / "editions" / "1.0" / "manual.pdf")
    for number, name in enumerate(NAMES, start=1):
        reader = PdfReader(copy_path(issued, number))
        assert len(reader.pages) == len(released.pages) > 20
        mark = re.compile(rf"Copy {number} of 3 — issued to {name}, [A-Za-z ]+ — VID course 1 \(sample\), "
                          r"\d{4}-\d{2}-\d{2}")
        for index, page in enumerate(reader.pages):
            text = " ".join(page.extract_text().split())  # the cover's box wraps the mark
            assert mark.search(text), f"copy {number}, page {index + 1}: {text[:200]}"
        assert "Controlled copy" in reader.pages[0].extract_text()
        # The body is the edition's own: the released page's text is all there.
        assert released.pages[5].extract_text().split("\n")[-3] in reader.pages[5].extract_text()


def test_the_register_records_each_copy_and_nothing_more(issued: Path) -> None:
    [batch] = sorted((issued / "editions" / "1.0" / "register").glob("*.yaml"))
    data = yaml.safe_load(batch.read_text())
    assert data["edition"] == "1.0" and data["issued_by"] == "Sample Editor"
    assert [c["name"] for c in data["copies"]] == NAMES
    assert [c["number"] for c in data["copies"]] == [1, 2, 3]
    for entry in data["copies"]:
        assert set(entry) == {"number", "of", "name", "agency", "course", "email", "token", "sha256"}
        assert entry["sha256"] == sha256(copy_path(issued, entry["number"]))
    assert data["copies"][1]["email"] == "alex@example.org"
    listed = run("-C", issued, "copies", "1.0", "--json")
    assert listed.exit_code == 0
    copies = json.loads(listed.stdout)["copies"]
    assert [c["recipient"]["name"] for c in copies] == NAMES
    assert copies[0]["mark"].startswith("Copy 1 of 3 — issued to Sam Sample, Sample Police Service")
    table = run("-C", issued, "copies", "1.0")
    assert "Copy 2 of 3 · Alex Example, Example Agency · issued" in table.stdout
    assert "3 copies issued, 0 revoked" in table.stdout


def test_verify_edition_names_the_copy_and_the_edition_stays_verified(issued: Path) -> None:
    for number, name in enumerate(NAMES, start=1):
        result = run("-C", issued, "verify-edition", "1.0", copy_path(issued, number))
        assert result.exit_code == 0, result.output
        assert f"is copy {number} of edition 1.0, issued to {name}," in result.stdout
    # The register is not one of the frozen sources: the edition itself still verifies.
    assert run("-C", issued, "verify-edition", "1.0").exit_code == 0


def remove_visible_mark(source: Path, target: Path) -> None:
    """What someone hiding a copy's origin would do: delete the drawn mark, the metadata and
    the page data, cut a page out, and save again."""
    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            contents = page.obj.Contents
            streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
            data = b"\n".join(s.read_bytes() for s in streams)
            assert b"/VmMark Do" in data or b"/VmCover Do" in data
            for name in ("/VmMark", "/VmCover"):
                data = data.replace(f"q /Artifact BMC {name} Do EMC Q".encode(), b"")
                if name in page.obj.Resources.XObject:
                    del page.obj.Resources.XObject[name]
            page.obj.Contents = pdf.make_stream(data)
            del page.obj["/PieceInfo"]
        del pdf.Root["/Metadata"]
        del pdf.pages[2]
        pdf.save(target)


def test_trace_identifies_a_copy_whose_visible_mark_was_removed(issued: Path, tmp_path: Path) -> None:
    leaked = tmp_path / "found.pdf"
    remove_visible_mark(copy_path(issued, 2), leaked)
    text = "\n".join(page.extract_text() for page in PdfReader(leaked).pages)
    assert "Alex Example" not in text  # the visible mark is gone
    result = run("-C", issued, "trace", leaked)
    assert result.exit_code == 0, result.output
    assert "is copy 2 of edition 1.0, issued to Alex Example, Example Agency on" in result.stdout
    assert "byte for byte" not in result.stdout
    # Text taken from the copy (e.g. pasted into a report) still says whose it was.
    extracted = tmp_path / "found.txt"
    extracted.write_text(PdfReader(copy_path(issued, 3)).pages[4].extract_text())
    assert "Kim Test" in run("-C", issued, "trace", extracted).stdout
    exact = run("-C", issued, "trace", copy_path(issued, 1), "--json")
    assert json.loads(exact.stdout)["exact"] is True


def test_trace_says_when_a_file_is_no_registered_copy(issued: Path) -> None:
    result = run("-C", issued, "trace", issued / "editions" / "1.0" / "manual.pdf")
    assert result.exit_code == 1
    assert "Not identified" in result.stderr


def test_revoking_a_copy_is_recorded_and_verify_says_so(issued: Path, tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "ws")
    (root / "r.yaml").write_text("recipients:\n  - {name: Pat Sample, agency: Sample Unit, course: C1}\n"
                                 "  - {name: Lee Sample, agency: Sample Unit, course: C1}\n")
    issued_two = run("-C", root, "print", "1.0", "--recipients", root / "r.yaml", "--as", "Sample Editor")
    assert issued_two.exit_code == 0, issued_two.output
    revoked = run("-C", root, "copies", "1.0", "--revoke", "2", "--reason", "reported lost",
                  "--as", "Sample Editor")
    assert revoked.exit_code == 0, revoked.output
    listed = run("-C", root, "copies", "1.0")
    assert "Copy 2 of 2 · Lee Sample, Sample Unit · revoked: reported lost" in listed.stdout
    check = run("-C", root, "verify-edition", "1.0", copy_path(root, 2))
    assert check.exit_code == 1
    assert check.stderr.splitlines() == [  # the copy is known, so no "does not match" and no hint
        "revoked: copy 2 was revoked: reported lost",
        "Error: a revoked copy of edition 1.0: do not use it",
    ]
    again = run("-C", root, "copies", "1.0", "--revoke", "2", "--reason", "twice", "--as", "Sample Editor")
    assert again.exit_code == 2 and "already revoked" in again.stderr
    unknown = run("-C", root, "copies", "1.0", "--revoke", "9", "--reason", "x", "--as", "Sample Editor")
    assert unknown.exit_code == 2 and "unknown copy '9'" in unknown.stderr


def test_a_handout_can_be_a_controlled_copy_and_numbers_continue(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "ws")
    first = run("-C", root, "print", "1.0", "--copies", "1", "--as", "Sample Editor")
    assert first.exit_code == 0, first.output
    handout = run("-C", root, "print", "1.0", "--chapters", "case-handover,image-triage", "--copies", "2",
                  "--as", "Sample Editor")
    assert handout.exit_code == 0, handout.output
    reader = PdfReader(copy_path(root, 3))
    assert len(reader.pages) < len(PdfReader(root / "editions" / "1.0" / "manual.pdf").pages)
    assert all("Copy 3 of 3 — not assigned to anyone yet — " in p.extract_text() for p in reader.pages)
    copies = json.loads(run("-C", root, "copies", "1.0", "--json").stdout)["copies"]
    assert [c["chapters"] for c in copies] == [[], ["case-handover", "image-triage"],
                                               ["case-handover", "image-triage"]]


@pytest.mark.parametrize(("setup", "args", "message"), [
    ({}, ["print", "working", "--copies", "2"], "'working' is not a released edition"),
    ({}, ["print", "1.0", "--copies", "0"], "--copies"),
    ({"r.csv": "name,agency\nSam\x1b[31m,Agency\n"}, ["print", "1.0", "--recipients", "r.csv"],
     "r.csv:2: name holds a control character"),
    ({"r.csv": "name,agency,phone\nSam,Agency,123\n"}, ["print", "1.0", "--recipients", "r.csv"],
     "unknown column 'phone'"),
    ({"r.csv": "agency\nAgency\n"}, ["print", "1.0", "--recipients", "r.csv"], "r.csv:1: the first line"),
    ({"r.txt": "Sam\n"}, ["print", "1.0", "--recipients", "r.txt"], "must be a .csv or .yaml file"),
    ({"r.csv": RECIPIENTS}, ["print", "1.0", "--recipients", "r.csv", "--copies", "2"],
     "--copies 2 but"),
])
def test_bad_copy_requests_are_refused_and_nothing_is_registered(
    tmp_path: Path, setup: dict[str, str], args: list[str], message: str
) -> None:
    root = copy_sample(tmp_path / "ws")
    for name, text in setup.items():
        (root / name).write_text(text)
    result = run("-C", root, *[str(root / a) if a in setup else a for a in args], "--as", "Sample Editor")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (root / "editions" / "1.0" / "register").exists()


def test_only_an_editor_issues_or_revokes_copies(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "ws")
    refused = run("-C", root, "print", "1.0", "--copies", "2", "--as", "Chris Contributor")
    assert refused.exit_code == 2
    assert "'Chris Contributor' is not an editor" in refused.stderr
    assert not (root / "editions" / "1.0" / "register").exists()
    assert not list((root / "build").rglob("copy-*.pdf"))
    assert run("-C", root, "print", "1.0", "--copies", "1", "--as", "Sample Editor").exit_code == 0
    revoke = run("-C", root, "copies", "1.0", "--revoke", "1", "--reason", "lost",
                 "--as", "Chris Contributor")
    assert revoke.exit_code == 2 and "not an editor" in revoke.stderr
    assert "1 copy issued, 0 revoked" in run("-C", root, "copies", "1.0").stdout
