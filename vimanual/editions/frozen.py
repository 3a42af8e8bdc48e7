"""The frozen sources of an edition: copying what a release is built from under
editions/VERSION, and laying them out again (with the fonts they name) to rebuild it.

Fonts are frozen by reference: the manifest names each font file under styles/fonts/
with its SHA-256, and a rebuild takes the byte-identical file from the workspace's or
vimanual's styles. The same ~3 MB of fonts is then not committed again with every
edition, and a font that changed is refused rather than silently used.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vimanual import __version__
from vimanual.base.errors import VimanualError
from vimanual.base.fsutil import atomic_write, file_lock, file_sha256
from vimanual.base.yamlio import dump_yaml, parse_yaml, read_text
from vimanual.book.plan import DEFAULT_STYLES, BuildOptions, RecordEntry, ReleaseInfo
from vimanual.book.preflight import EarlyHTML
from vimanual.editions.manifest import (
    FONT_SUFFIXES,
    LANGUAGES_DIR,
    MANIFEST_FILE,
    OUTPUT_FILES,
    REGISTER_DIR,
    Edition,
    EditionChapter,
    Progress,
)
from vimanual.workspace.load import CHAPTERS_DIR, MANUAL_FILE, Workspace, load_workspace

# --- freezing -------------------------------------------------------------------------------

def _copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)  # follows symlinks: the frozen copy holds real files


def _style_files(workspace: Workspace) -> dict[str, Path]:
    """Every style file the build may use: vimanual's defaults overlaid by the workspace's own."""
    files: dict[str, Path] = {}
    for base in (DEFAULT_STYLES, workspace.root / "styles"):
        if base.is_dir():
            for path in sorted(base.resolve().rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    files["styles/" + path.relative_to(base.resolve()).as_posix()] = path
    return files


def _is_font(rel: str) -> bool:
    return rel.startswith("styles/fonts/") and rel.lower().endswith(FONT_SUFFIXES)


def _frozen_manual_yaml(root: Path, version: str, chapters: list[str]) -> str:
    doc = parse_yaml(read_text(root / MANUAL_FILE, MANUAL_FILE), MANUAL_FILE)
    data = dict(doc.data)
    data["edition"] = version
    data["chapters"] = chapters
    header = (f"# Frozen for edition {version} by vimanual {__version__}: the manual.yaml this edition "
              "was built from.\n# Never edit: 'vimanual verify-edition' checks every frozen file.\n")
    return header + dump_yaml(data)


def freeze_sources(workspace: Workspace, target: Path, version: str, chapters: list[str],
                   files: Mapping[str, Path] | None = None) -> dict[str, str]:
    """Copy the sources an edition is built from into ``target``; font files are only hashed.
    ``files`` maps a chapter's frozen path to where it comes from (a language edition takes
    the source chapters from its source edition and adds the translations); by default each
    chapter's working file.

    Returns the fonts referenced: {path: sha256}.
    """
    root = workspace.root
    atomic_write(target / MANUAL_FILE, _frozen_manual_yaml(root, version, chapters))
    if files is None:
        files = {f"{CHAPTERS_DIR}/{slug}.md": workspace.chapters[slug].path for slug in chapters}
    for rel, path in files.items():
        _copy_file(path, target / rel)
    media = root / CHAPTERS_DIR / "media"
    if media.is_dir():
        for path in sorted(media.rglob("*")):
            if path.is_file():
                _copy_file(path, target / path.relative_to(root))
    for rel in ("glossary.yaml", workspace.manual.bibliography, workspace.manual.csl):
        if rel and (root / rel).is_file():
            _copy_file(root / rel, target / rel)
    fonts: dict[str, str] = {}
    for rel, path in _style_files(workspace).items():
        if _is_font(rel):
            fonts[rel] = file_sha256(path)
        else:
            _copy_file(path, target / rel)
    return fonts


def source_hashes(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every frozen source file (not the manifest or the outputs)."""
    skip = {MANIFEST_FILE, *OUTPUT_FILES.values()}
    return {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() not in skip
        and path.relative_to(folder).parts[0] not in (REGISTER_DIR, LANGUAGES_DIR)
    }


def _font_candidates(root: Path, rel: str) -> list[Path]:
    name = rel.removeprefix("styles/")
    return [root / "styles" / name, DEFAULT_STYLES / name]


def find_font(root: Path, rel: str, sha256: str) -> Path | None:
    for candidate in _font_candidates(root, rel):
        if candidate.is_file() and file_sha256(candidate) == sha256:
            return candidate
    return None


def materialize(root: Path, edition: Edition, source: Path, work: Path) -> None:
    """Make ``work`` a buildable copy of the frozen sources in ``source`` (fonts restored).

    ``work/build`` (the conversion caches) is kept between prints; everything else is fresh.
    """
    work.mkdir(parents=True, exist_ok=True)
    for entry in work.iterdir():
        if entry.name == "build":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for rel in edition.files:
        _copy_file(source / rel, work / rel)
    for rel, sha256 in edition.fonts.items():
        found = find_font(root, rel, sha256)
        if found is None:
            raise VimanualError(
                f"edition {edition.version} needs {rel} (sha256 {sha256[:12]}…), which is not available",
                "restore that font file under styles/fonts/ (the edition's fonts are kept by reference)",
            )
        _copy_file(found, work / rel)


def _record(workspace: Workspace, chapters: list[EditionChapter]) -> tuple[RecordEntry, ...]:
    names = {j.code: j.name for j in workspace.manual.jurisdictions}
    names.update({lang.tag: lang.name for lang in workspace.manual.languages})
    return tuple(
        RecordEntry(c.slug, c.title, tuple(
            (names.get(a.jurisdiction, a.jurisdiction), a.reviewer, a.time[:10]) for a in c.approvals
        ))
        for c in chapters
    )


def build_edition(
    root: Path,
    edition: Edition,
    source: Path,
    out_dir: Path,
    *,
    paper: str | None = None,
    chapters: tuple[str, ...] = (),
    jurisdiction: str | None = None,
    formats: tuple[str, ...] = ("pdf", "html"),
    progress: Progress | None = None,
    work: Path | None = None,
    early: EarlyHTML | None = None,
) -> dict[str, Path]:
    """Build an edition from its frozen sources (never the working chapters) into ``out_dir``,
    with the font subsetter it was made with. ``work`` is where the sources are restored
    (default: build/editions/.src-VERSION, shared by prints of the edition with its caches).
    ``early``: what a release read of the working chapters as it loaded them (their media sets
    and HTML), the frozen chapters' texts."""
    from vimanual.book.pipeline import build
    from vimanual.workspace.media import reading_with

    if "pdf" in formats and edition.font_subsetter == "harfbuzz":
        from vimanual.pdf.weasy import HARFBUZZ_HINT, HARFBUZZ_MISSING, harfbuzz_subset_available

        if not harfbuzz_subset_available():
            raise VimanualError(f"cannot rebuild edition {edition.version}: {HARFBUZZ_MISSING}",
                                HARFBUZZ_HINT)
    suffix = f"-{edition.language}" if edition.language else ""
    work = work or root / "build" / "editions" / f".src-{edition.version}{suffix}"
    # Two prints of one edition share its rebuilt sources and their caches: one at a time.
    with file_lock(work.with_name(f"{work.name}.lock"), f"edition {edition.label}"):
        materialize(root, edition, source, work)
        # The whole edition: each frozen chapter read once for its media set and its HTML, as a
        # draft's (book/preflight.py: EarlyHTML); a handout's or a language's are other texts.
        if chapters or edition.language:
            early = None
        elif early is None or early.jurisdiction != jurisdiction:
            early = EarlyHTML(jurisdiction, None)
        with reading_with(early) if early else contextlib.nullcontext():
            frozen = load_workspace(work)
        record = _record(frozen, edition.chapters)
        shown: dict[str, Any] = {}
        word = "Edition"
        if edition.language:
            from vimanual.book.languages import labels_for, language_view

            # every chapter of a language edition is an approved translation (the release gate)
            approved = {c.slug: "approved" for c in edition.chapters}
            view = language_view(frozen, edition.language, approved, "omit")
            frozen, shown = view.workspace, view.build_options()
            word = labels_for(edition.language)["edition"]
        options = BuildOptions(
            formats=formats, output=out_dir, paper=paper or edition.paper, chapters=chapters,
            draft=False, date=edition.date, jurisdiction=jurisdiction,
            release=ReleaseInfo(edition.version, edition.date, record, handout=bool(chapters),
                                edition_word=word),
            font_subsetter=edition.font_subsetter, pdf_layout=edition.pdf_layout,
            content_policy=edition.content_policy, **shown,
        )
        return build(frozen, options, progress, early=early.html if early else None).outputs


