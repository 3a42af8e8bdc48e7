"""The PDF is tagged (PDF/UA-1): screen readers get the language, the title, headings and figure text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from tests.helpers import copy_sample, run

pytestmark = pytest.mark.slow  # every test here lays out whole PDFs


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("tags") / "sample")
    result = run("-C", root, "build", "--format", "pdf", "-q")
    assert result.exit_code == 0, result.output
    return root / "build" / "manual.pdf"


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
