"""A released edition's PDF, and a draft's built with --tagged, are tagged (PDF/UA-1): screen
readers get the language, the title, headings and figure text. A plain draft is not (it lays
out faster), and says nothing it cannot keep."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from tests.helpers import copy_sample, run

pytestmark = pytest.mark.slow  # every test here lays out whole PDFs


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("tags") / "sample")


@pytest.fixture(scope="module", params=["build --tagged", "print (a reprint of edition 1.0)"])
def sample_pdf(request: pytest.FixtureRequest, sample: Path) -> Path:
    """A tagged draft, and a released edition's reprint (rebuilt from its frozen sources)."""
    if request.param.startswith("build"):
        result = run("-C", sample, "build", "--format", "pdf", "--tagged", "-q")
        assert result.exit_code == 0, result.output
        return sample / "build" / "manual.pdf"
    out = sample / "reprint-letter.pdf"
    result = run("-C", sample, "print", "1.0", "--paper", "letter", "--output", out)
    assert result.exit_code == 0, result.output
    return out


def test_a_draft_is_untagged_unless_asked(sample: Path) -> None:
    result = run("-C", sample, "build", "--format", "pdf", "-o", sample / "plain", "-q")
    assert result.exit_code == 0, result.output
    with pikepdf.open(sample / "plain" / "manual.pdf") as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert "/StructParents" not in pdf.pages[0].obj
        assert str(pdf.Root.Lang) == "en"
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") is None  # it does not claim PDF/UA
        pages = len(pdf.pages)
    tagged = run("-C", sample, "build", "--format", "pdf", "--tagged", "-o", sample / "tagged", "-q")
    assert tagged.exit_code == 0, tagged.output
    with pikepdf.open(sample / "tagged" / "manual.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert len(pdf.pages) == pages  # the same book, tags aside


def _structure(pdf: pikepdf.Pdf) -> tuple[Counter[str], list[object]]:
    """Count structure element types; collect each Figure's /Alt."""
    kinds: Counter[str] = Counter()
    alts: list[object] = []
    stack: list[object] = [pdf.Root.StructTreeRoot]
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Array):
            stack.extend(item)
        elif isinstance(item, pikepdf.Dictionary):
            kind = item.get("/S")
            if kind is not None:
                kinds[str(kind)] += 1
                if str(kind) == "/Figure":
                    alts.append(item.get("/Alt"))
            if "/K" in item:
                stack.append(item.K)
    return kinds, alts


def test_pdf_declares_language_title_and_ua(sample_pdf: Path) -> None:
    with pikepdf.open(sample_pdf) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked is True
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        title = "Victim Identification: Good Practice Manual (sample)"
        assert str(pdf.docinfo.Title) == title
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == title
            assert xmp["pdfuaid:part"] == "1"


def test_pdf_structure_tree_has_headings_and_described_figures(sample_pdf: Path) -> None:
    with pikepdf.open(sample_pdf) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        kinds, alts = _structure(pdf)
    assert kinds["/H1"] >= 7, kinds  # one per chapter (and the cover title)
    assert kinds["/H2"] >= 7, kinds
    assert kinds["/Table"] >= 1 and kinds["/L"] >= 1, kinds
    assert kinds["/Figure"] >= 1, kinds
    assert alts and all(alt is not None and str(alt).strip() for alt in alts), alts
    assert "Referral flow from a national unit to the receiving country." in [str(a) for a in alts]
