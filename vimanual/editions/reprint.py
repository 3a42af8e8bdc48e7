"""Serving a released edition again: verifying a PDF against its manifest, and printing
the edition (its own PDF, or a handout, another paper or a jurisdiction's variant rebuilt
from its frozen sources)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import GateFailed, VimanualError, did_you_mean
from vimanual.base.fsutil import atomic_write, file_sha256
from vimanual.editions.copies import copy_for_checksum
from vimanual.editions.frozen import (
    build_edition,
    find_font,
    source_hashes,
)
from vimanual.editions.handouts import handout_for_checksum, record_handout
from vimanual.editions.manifest import (
    OUTPUT_FILES,
    REGISTER_DIR,
    Edition,
    Progress,
    edition_languages,
    load_edition,
)

# --- verify ---------------------------------------------------------------------------------

@dataclass
class Verification:
    """The result of checking an edition (or a file someone has) against its manifest."""

    version: str
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)
    matched: str = ""  # 'pdf', 'html' or 'copy' when a given file matches
    copy: dict[str, Any] | None = None  # the controlled copy a given file is, byte for byte
    handout: dict[str, Any] | None = None  # the handout a given file is (print --chapters)
    language: str = ""  # the language edition a given file matched, or the one checked


def verify_edition(root: Path, version: str, file: Path | None = None,
                   language: str | None = None) -> Verification:
    """Check ``file`` against the manifest's PDF/HTML checksums, or without ``file`` re-check
    the stored outputs, every frozen source and the fonts kept by reference. ``language``
    checks that language edition of ``version``; a ``file`` that is none of the source
    edition's is also looked for among its language editions."""
    edition = load_edition(root, version, language)
    if file is not None and language is None:
        for tag in edition_languages(edition.path):
            found = verify_edition(root, version, file, tag)
            if found.ok:
                return found
    if file is not None:
        if not file.is_file():
            raise VimanualError(f"no such file: {file}", "give the path of the PDF (or HTML) to check")
        digest = file_sha256(file)
        for kind, expected in (("pdf", edition.pdf_sha256), ("html", edition.html_sha256)):
            if digest == expected:
                return Verification(version, True, 1, [], kind, language=edition.language)
        copy = copy_for_checksum(edition, digest)
        if copy is not None:
            revoked = [f"copy {copy.number} was revoked: {copy.revoked}"] if copy.revoked else []
            return Verification(version, not copy.revoked, 1, revoked, "copy", copy.to_dict())
        handout = handout_for_checksum(edition, digest)
        if handout is not None:
            return Verification(version, True, 1, [], "handout", handout=handout, language=edition.language)
        return Verification(version, False, 1, [
            f"{file.name}: sha256 {digest[:16]}… matches neither the edition's PDF "
            f"({edition.pdf_sha256[:16]}…) nor its HTML ({edition.html_sha256[:16]}…)"])
    problems: list[str] = []
    folder = edition.path
    checked = 0
    expected_outputs = {OUTPUT_FILES["pdf"]: edition.pdf_sha256, OUTPUT_FILES["html"]: edition.html_sha256}
    for rel, expected in [*expected_outputs.items(), *edition.files.items()]:
        checked += 1
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif file_sha256(path) != expected:
            problems.append(f"{rel}: changed since the release (sha256 differs from the manifest)")
    for rel in sorted(set(source_hashes(folder)) - set(edition.files)):
        problems.append(f"{rel}: not part of the edition (added after the release)")
    for rel, sha256 in edition.fonts.items():
        checked += 1
        if find_font(root, rel, sha256) is None:
            problems.append(f"{rel}: no font file with the edition's sha256 {sha256[:12]}… "
                            "in styles/fonts/ (fonts are kept by reference)")
    problems.extend(_history(root, folder))
    return Verification(version, not problems, checked, problems, language=edition.language)


def _history(root: Path, folder: Path) -> list[str]:
    """In a git repository: each file of the edition that a commit after the one that brought it
    changed or deleted. A released edition never changes, and a manifest rewritten to match a
    swapped PDF matches it, so only its history can tell (its register of copies and handouts
    grows after the release, and is not asked about)."""
    from vimanual.tools.git import committed_event_changes

    rel = folder.resolve().relative_to(root.resolve()).as_posix()
    return [f"{problem.file}: {problem.message}"
            for problem in committed_event_changes(root, rel, noun="released edition file")
            if f"/{REGISTER_DIR}/" not in f"/{problem.file.removeprefix(rel)}"]


# --- print ----------------------------------------------------------------------------------

@dataclass
class PrintResult:
    path: Path
    version: str
    rebuilt: bool
    reason: str
    sha256: str
    verified: bool
    chapters: list[str]
    paper: str


def _handout_chapters(edition: Edition, chapters: Sequence[str]) -> tuple[str, ...]:
    slugs = [c.slug for c in edition.chapters]
    for slug in chapters:
        if slug not in slugs:
            raise VimanualError(f"chapter '{slug}' is not in edition {edition.version}",
                                did_you_mean(slug, slugs) + f"its chapters: {', '.join(slugs)}")
    return tuple(s for s in slugs if s in chapters)


def print_edition(
    root: Path,
    version: str,
    *,
    paper: str | None = None,
    chapters: Sequence[str] = (),
    jurisdiction: str | None = None,
    output: Path | None = None,
    progress: Progress | None = None,
    language: str | None = None,
) -> PrintResult:
    """The released edition's PDF (its ``language`` edition's): the stored, checksum-verified
    file for the whole edition on its own paper, else a rebuild from the frozen sources (a
    handout, another paper size, or one jurisdiction's variant)."""
    edition = load_edition(root, version, language)
    selected = _handout_chapters(edition, chapters)
    wanted_paper = paper or edition.paper
    same_paper = wanted_paper.casefold() == edition.paper.casefold()
    whole = same_paper and not selected and jurisdiction is None
    default_name = _print_name(edition, selected, wanted_paper, jurisdiction, same_paper)
    target = output or (root / "build" / "editions" / default_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    stored = edition.path / OUTPUT_FILES["pdf"]
    changed = _history(root, edition.path)
    if changed:
        raise GateFailed(f"edition {version} was changed after its release: {changed[0]}; not printing it",
                         f"restore it from git (see 'vimanual verify-edition {version}')")
    if whole and stored.is_file():
        if file_sha256(stored) != edition.pdf_sha256:
            raise GateFailed(
                f"{edition.rel}/{OUTPUT_FILES['pdf']} does not match the manifest's checksum "
                "(it was changed or damaged); not handing it over",
                f"restore it from git, or run 'vimanual verify-edition {version}'",
            )
        atomic_write(target, stored.read_bytes())
        return PrintResult(target, version, False, "the released PDF, checksum verified",
                           edition.pdf_sha256, True, [c.slug for c in edition.chapters], edition.paper)
    verification = verify_edition(root, version, language=language)
    source_problems = [p for p in verification.problems if not p.startswith(OUTPUT_FILES["pdf"])
                       and not p.startswith(OUTPUT_FILES["html"])]
    if source_problems:
        raise GateFailed(f"the frozen sources of edition {version} do not match the manifest: "
                         f"{source_problems[0]}", f"run 'vimanual verify-edition {version}'")
    reasons = []
    if not same_paper:
        reasons.append(f"paper {wanted_paper} (the edition is {edition.paper})")
    if selected:
        reasons.append(f"a handout of {len(selected)} chapter(s)")
    if jurisdiction:
        reasons.append(f"the {jurisdiction} variant")
    if not reasons:
        reasons.append("the stored PDF is missing")
    with tempfile.TemporaryDirectory(prefix=".print-", dir=target.parent) as scratch:
        built = build_edition(root, edition, edition.path, Path(scratch), paper=wanted_paper,
                              chapters=selected, jurisdiction=jurisdiction, formats=("pdf",),
                              progress=progress)["pdf"]
        digest = file_sha256(built)
        if whole and digest != edition.pdf_sha256:
            raise GateFailed(f"the rebuilt PDF of edition {version} does not match the manifest's checksum",
                             f"rebuild with vimanual {edition.tool_version}, the version that released it")
        os.replace(built, target)
    if selected:
        record_handout(root, edition, digest, list(selected), wanted_paper, jurisdiction)
    return PrintResult(target, version, True, "rebuilt from the frozen sources: " + ", ".join(reasons),
                       digest, whole, list(selected or [c.slug for c in edition.chapters]), wanted_paper)


def _print_name(edition: Edition, selected: Sequence[str], paper: str, jurisdiction: str | None,
                same_paper: bool) -> str:
    """A name of its own for every selection, paper and jurisdiction, so that one handout never
    overwrites another: manual-1.0-handout-a+b-letter.pdf."""
    parts = [f"manual-{edition.version}" + (f".{edition.language}" if edition.language else "")]
    if selected:
        chosen = "+".join(selected)
        if len(chosen) > 60:
            chosen = f"{len(selected)}ch-{hashlib.sha256(chosen.encode()).hexdigest()[:10]}"
        parts.append(f"handout-{chosen}")
    if jurisdiction:
        parts.append(jurisdiction)
    if not same_paper:
        parts.append(paper.lower())
    return "-".join(parts) + ".pdf"


