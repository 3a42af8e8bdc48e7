"""Rebuild a released edition from its frozen sources in a scratch folder and compare bytes.

This is how an agency that doubts a PDF checks it on its own machine: the rebuild uses
nothing from the working chapters and no cache, and when it does not match the manifest
it says where (page, font, object) and which recorded tool version differs from the one
installed here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.fsutil import file_sha256
from vimanual.editions.environment import version_differences
from vimanual.editions.frozen import build_edition
from vimanual.editions.manifest import OUTPUT_FILES, load_edition
from vimanual.editions.reprint import verify_edition


@dataclass
class Reproduction:
    """The result of ``rebuild_edition``: did the rebuilt PDF and HTML match the manifest?"""

    version: str
    ok: bool
    font_subsetter: str
    pdf_sha256: str = ""
    html_sha256: str = ""
    differences: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # recorded versions that differ from installed
    sources: list[str] = field(default_factory=list)  # frozen sources that no longer match
    system_fonts: list[str] = field(default_factory=list)  # fonts the edition took from its machine


def _first_different_line(old: bytes, new: bytes) -> str:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for number, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if a != b:
            return f"manual.html: line {number} differs"
    return f"manual.html: {len(old_lines)} lines in the edition, {len(new_lines)} rebuilt"


def rebuild_edition(root: Path, version: str, language: str | None = None) -> Reproduction:
    """Rebuild edition ``version`` (its ``language`` edition) in a scratch folder and compare it
    with its manifest."""
    edition = load_edition(root, version, language)
    checked = verify_edition(root, version, language=language)
    outputs = set(OUTPUT_FILES.values())
    sources = [p for p in checked.problems if p.split(":", 1)[0] not in outputs]
    result = Reproduction(version, False, edition.font_subsetter, sources=sources,
                          system_fonts=[str(f) for f in edition.build.get("system_fonts") or []])
    if sources:
        return result  # a rebuild from altered sources would prove nothing
    with tempfile.TemporaryDirectory(prefix="vimanual-rebuild-") as scratch:
        built = build_edition(root, edition, edition.path, Path(scratch) / "out",
                              work=Path(scratch) / "src")
        result.pdf_sha256 = file_sha256(built["pdf"])
        result.html_sha256 = file_sha256(built["html"])
        stored_pdf = edition.path / OUTPUT_FILES["pdf"]
        stored_html = edition.path / OUTPUT_FILES["html"]
        if result.pdf_sha256 != edition.pdf_sha256:
            if stored_pdf.is_file() and file_sha256(stored_pdf) == edition.pdf_sha256:
                from vimanual.pdf.pdfdiff import describe_differences

                result.differences += [f"manual.pdf: {d}" for d in describe_differences(stored_pdf,
                                                                                          built["pdf"])]
            else:
                result.differences.append("manual.pdf: differs (the released PDF is missing or changed, "
                                          "so there is nothing to compare it with)")
        if result.html_sha256 != edition.html_sha256:
            if stored_html.is_file() and file_sha256(stored_html) == edition.html_sha256:
                result.differences.append(_first_different_line(stored_html.read_bytes(),
                                                                 built["html"].read_bytes()))
            else:
                result.differences.append("manual.html: differs")
    result.ok = not result.differences
    result.versions = version_differences(edition.build) if edition.build else [
        "the edition records no build environment (released before vimanual recorded it)"]
    return result
