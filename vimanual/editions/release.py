"""Releasing an edition: the gate, then freezing, building and the manifest, all or nothing.

``release VERSION`` takes the ready chapters, freezes the sources they are built from
under ``editions/VERSION/`` (chapters, manual.yaml, styles, media, glossary,
bibliography), builds the PDF and HTML from that frozen copy, and writes a manifest
with every hash. A released edition is rebuilt from its frozen sources only, with the
date from its manifest, so a rebuild on another day or machine gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vimanual.base.errors import VimanualError, did_you_mean
from vimanual.base.fsutil import atomic_write, file_sha256, fsync_dir
from vimanual.base.journal import locked
from vimanual.base.names import check_slug, check_version
from vimanual.book.preflight import EarlyHTML
from vimanual.editions.environment import RELEASE_FONT_SUBSETTER, RELEASE_PDF_LAYOUT, build_record
from vimanual.editions.frozen import (
    build_edition,
    freeze_sources,
    source_hashes,
)
from vimanual.editions.manifest import (
    DATE_RE,
    EDITIONS_DIR,
    LANGUAGES_DIR,
    MANIFEST_FILE,
    MAX_NOTES_BYTES,
    OUTPUT_FILES,
    Approval,
    Edition,
    EditionChapter,
    Progress,
    editions_dir,
    load_manifest,
    manifest_text,
)
from vimanual.status import ChapterTranslations, ReleaseBlocked
from vimanual.workspace.load import CHAPTERS_DIR, Workspace, load_workspace, refuse_broken
from vimanual.workspace.media import parsed_before, reading_with
from vimanual.workspace.roles import authorise_editor

#: How a new edition (and each language edition of it) is built: recorded in its manifest.
NEW_BUILD = {"font_subsetter": RELEASE_FONT_SUBSETTER, "pdf_layout": RELEASE_PDF_LAYOUT,
             "content_policy": True}


def _approvals(review: Any) -> tuple[Approval, ...]:
    return tuple(
        Approval(code, cell.decision.reviewer, cell.decision.time, cell.decision.digest)
        for code, cell in review.cells.items() if cell.decision is not None and code in review.reviewing
    )



# --- release --------------------------------------------------------------------------------

def _check_date(date: str | None) -> str:
    if date is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        if not DATE_RE.fullmatch(date):
            raise ValueError
        dt.date.fromisoformat(date)
    except ValueError:
        raise VimanualError(f"invalid date {date!r}", "use YYYY-MM-DD, e.g. 2026-11-28") from None
    return date


def read_notes(path: Path | None) -> str:
    """Release notes from a Markdown file (e.g. one written by 'vimanual diff --format md')."""
    if path is None:
        return ""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise VimanualError(f"cannot read release notes {path}: {exc.strerror}",
                            "give a Markdown file, e.g. from 'vimanual diff OLD --format md'") from None
    if len(raw) > MAX_NOTES_BYTES:
        raise VimanualError(f"release notes {path} are too large",
                            f"keep them under {MAX_NOTES_BYTES:,} bytes")
    try:
        return raw.decode("utf-8").replace("\r\n", "\n").strip() + "\n"
    except UnicodeDecodeError:
        raise VimanualError(f"release notes {path} are not UTF-8 text", "save them as UTF-8") from None


def _language_tags(workspace: Workspace, languages: Sequence[str]) -> list[str]:
    """The languages asked for ('all': every one manual.yaml lists), each a known one."""
    known = workspace.manual.language_tags
    if list(languages) == ["all"]:
        if not known:
            raise VimanualError("manual.yaml lists no languages to release",
                                "add them under 'languages', or release without --language")
        return list(known)
    return list(dict.fromkeys(workspace.manual.listed_language(tag) for tag in languages))


def release(
    root: Path,
    version: str,
    *,
    notes: str = "",
    date: str | None = None,
    exclude: Sequence[str] = (),
    released_by: str = "",
    progress: Progress | None = None,
    languages: Sequence[str] = (),
) -> Edition:
    """Release ``version``: gate, freeze, build, manifest; all or nothing under the workspace lock.

    With ``languages`` (tags, or 'all') each language edition is released too, under
    editions/VERSION/languages/TAG/: of the source edition already released, or of the one
    this call releases. Everything is made in hidden staging folders and appears in one rename
    each; a failure on the way leaves no trace.
    """
    from vimanual.pdf.workers import end_spare_workers, start_spare_worker

    check_version(version)
    day = _check_date(date)
    with locked(root), contextlib.ExitStack() as ending:
        # The fork server imports WeasyPrint while the gate and the freezing run (as a build's:
        # api.build); the edition's layout pool forks its workers from it. It waited 0.4 s for
        # the import at the layout's start. Where no chapter was read before, it starts once
        # pandoc has read them all (its import only slowed that down).
        first_read = not parsed_before(root)
        if not first_read:
            start_spare_worker()
        ending.callback(end_spare_workers)
        cleanup_staging(root)  # under the lock, any staging folder is a killed release's leftover
        target = editions_dir(root) / version
        # the working chapters read once for their media sets (the gate) and their HTML, which
        # the edition's build takes up: its frozen copy's chapters are the same texts
        early = EarlyHTML(None, None)
        with reading_with(early):  # a chapter left out is not read: its file may be broken
            workspace = load_workspace(root, isolate=bool(exclude))
        refuse_broken(workspace, [slug for slug in workspace.manual.chapters if slug not in exclude])
        if first_read:
            start_spare_worker()
        tags = _language_tags(workspace, languages)
        if target.exists() and not tags:
            raise VimanualError(f"edition {version} is already released ({EDITIONS_DIR}/{version})",
                                "a released edition never changes; release a new version, e.g. "
                                f"{version}.1")
        if workspace.manual.editors:
            released_by = authorise_editor(workspace.manual, released_by or "(nobody)", "release an edition")
        for slug in exclude:
            check_slug(slug)
            if slug not in workspace.manual.chapters:
                raise VimanualError(f"unknown chapter '{slug}' (--exclude)",
                                    did_you_mean(slug, workspace.manual.chapters)
                                    + f"known chapters: {', '.join(workspace.manual.chapters)}")
        gate = _gate(root, workspace, target, version, exclude, tags)
        if target.exists():
            edition = load_manifest(target)
            edition.released_before = True
            edition.released_languages = _release_languages(root, workspace, edition, gate, day, notes,
                                                            list(exclude), released_by, progress)
            return edition
        editions_dir(root).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=editions_dir(root)))
        try:
            edition = _stage(root, workspace, staging, version, day, gate.chapters, notes,
                             list(exclude), released_by, progress, early)
            edition.released_languages = [
                _stage_language(root, workspace, edition, gate, tag, staging / LANGUAGES_DIR / tag,
                                day, notes, list(exclude), released_by, progress) for tag in tags]
            os.chmod(staging, 0o755)
            os.rename(staging, target)
            fsync_dir(editions_dir(root))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    edition.path = target
    for translated in edition.released_languages:
        translated.path = target / LANGUAGES_DIR / translated.language
    return edition


@dataclass
class _Gate:
    """What passed the gate: the source chapters, and each language's translations of them."""

    chapters: list[EditionChapter]
    translated: dict[str, list[ChapterTranslations]]


def _gate(root: Path, workspace: Workspace, target: Path, version: str, exclude: Sequence[str],
          tags: list[str]) -> _Gate:
    """The release gate: every included chapter ready (for a new source edition), and its
    translation into each language approved at the text the edition holds; else ReleaseBlocked."""
    from vimanual.check.run import check_translations, preflight_errors
    from vimanual.status import edition_translations, release_blockers, translation_blockers, workspace_status

    status = workspace_status(workspace)
    blockers = []
    problems = []
    if target.exists():
        source = load_manifest(target)
        for tag in tags:
            if (target / LANGUAGES_DIR / tag).exists():
                raise VimanualError(f"the {tag} edition of {version} is already released "
                                    f"({EDITIONS_DIR}/{version}/{LANGUAGES_DIR}/{tag})",
                                    "a released edition never changes; release a new version")
        chapters = [c for c in source.chapters if c.slug not in exclude]
    else:
        included = [s for s in workspace.chapters if s not in exclude]
        if not included:
            raise VimanualError("no chapters left to release", "exclude fewer chapters")
        reviews = [r for r in status.reviews if r.slug in included]
        blockers = release_blockers(status, included)
        problems = preflight_errors(root, included)
        chapters = [EditionChapter(r.slug, r.title, r.content_hash, _approvals(r)) for r in reviews]
    if not chapters:
        raise VimanualError("no chapters left to release", "exclude fewer chapters")
    translated = {}
    for tag in tags:
        translated[tag] = edition_translations(status, tag, [(c.slug, c.title, c.content_hash)
                                                             for c in chapters])
        blockers += translation_blockers(status, translated[tag], tag)
    if tags:  # the translations pass 'vimanual check' as the chapters do (links, media, terms)
        found = check_translations(workspace, [c.slug for c in chapters], tags, errors_only=True)
        problems += [p for p in found if p.severity == "error"]
    if blockers or problems:
        raise ReleaseBlocked(blockers, problems)
    return _Gate(chapters, translated)


def _stage(
    root: Path, workspace: Workspace, staging: Path, version: str, day: str,
    chapters: list[EditionChapter], notes: str, excluded: list[str], released_by: str,
    progress: Progress | None, early: EarlyHTML | None = None,
) -> Edition:
    fonts = freeze_sources(workspace, staging, version, [c.slug for c in chapters])
    edition = Edition(
        version=version, date=day, paper=workspace.manual.paper, chapters=chapters, notes=notes,
        pdf_sha256="", html_sha256="", files=source_hashes(staging), fonts=fonts, excluded=excluded,
        released_by=released_by, path=staging, build=dict(NEW_BUILD),
    )
    return _finish(root, edition, staging, progress, early)


def _finish(root: Path, edition: Edition, staging: Path, progress: Progress | None,
            early: EarlyHTML | None = None) -> Edition:
    """Build the staged edition, record its outputs and environment, write its manifest."""
    outputs = _build_outputs(root, edition, staging, progress, early)
    edition.pdf_sha256 = file_sha256(outputs["pdf"])
    edition.html_sha256 = file_sha256(outputs["html"])
    edition.build = build_record(edition.font_subsetter, edition.pdf_layout, outputs["pdf"],
                                 staging / "styles" / "fonts.css", edition.content_policy)
    atomic_write(staging / MANIFEST_FILE, manifest_text(edition))
    return edition


# --- language editions ----------------------------------------------------------------------

def _release_languages(root: Path, workspace: Workspace, source: Edition, gate: _Gate, day: str, notes: str,
                       excluded: list[str], released_by: str, progress: Progress | None) -> list[Edition]:
    """Language editions of an edition already released: each staged beside the others, then
    all renamed into place (or none)."""
    folder = source.path / LANGUAGES_DIR
    folder.mkdir(exist_ok=True)
    staged: list[tuple[Path, Edition]] = []
    try:
        for tag in gate.translated:
            staging = Path(tempfile.mkdtemp(prefix=f".staging-{tag}-", dir=folder))
            staged.append((staging, _stage_language(root, workspace, source, gate, tag, staging, day, notes,
                                                    excluded, released_by, progress)))
        for staging, edition in staged:
            os.chmod(staging, 0o755)
            os.rename(staging, folder / edition.language)
            edition.path = folder / edition.language
        fsync_dir(folder)
    except BaseException:
        for staging, _ in staged:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return [edition for _, edition in staged]


def _stage_language(root: Path, workspace: Workspace, source: Edition, gate: _Gate, tag: str, staging: Path,
                    day: str, notes: str, excluded: list[str], released_by: str,
                    progress: Progress | None) -> Edition:
    """Freeze and build one language edition: the source edition's chapters as it froze them,
    their approved translations, today's styles (fonts for the script) and manual.yaml."""
    translations = workspace.translations[tag]
    chapters = []
    files = {}
    for chapter in gate.translated[tag]:
        cell = chapter.cells[tag]
        translation = translations[chapter.slug]
        decision = cell.decision
        assert decision is not None  # approved: the gate saw its decision
        chapters.append(EditionChapter(chapter.slug, translation.title, chapter.source_hash,
                                       (Approval(tag, decision.reviewer, decision.time, decision.digest),),
                                       translation.content_hash, translation.translators))
        files[f"{CHAPTERS_DIR}/{chapter.slug}.md"] = source.path / CHAPTERS_DIR / f"{chapter.slug}.md"
        files[translation.rel] = translation.path
    staging.mkdir(parents=True, exist_ok=True)
    fonts = freeze_sources(workspace, staging, source.version, [c.slug for c in chapters], files)
    edition = Edition(
        version=source.version, date=day, paper=source.paper, chapters=chapters, notes=notes,
        pdf_sha256="", html_sha256="", files=source_hashes(staging), fonts=fonts, excluded=excluded,
        released_by=released_by, path=staging, build=dict(NEW_BUILD), language=tag,
        source_manifest_sha256=file_sha256(source.path / MANIFEST_FILE),
    )
    return _finish(root, edition, staging, progress)


def _build_outputs(root: Path, edition: Edition, source: Path, progress: Progress | None,
                   early: EarlyHTML | None) -> dict[str, Path]:
    """Build the edition from its frozen copy and place manual.pdf and manual.html beside it."""
    outputs = build_edition(root, edition, source, source / ".out", progress=progress, early=early)
    placed = {}
    for kind, path in outputs.items():
        placed[kind] = source / OUTPUT_FILES[kind]
        os.replace(path, placed[kind])
    shutil.rmtree(source / ".out")
    return placed


def cleanup_staging(root: Path) -> list[str]:
    """Remove staging folders left by a release that was killed (never by one that failed),
    a language edition's included."""
    removed = []
    base = editions_dir(root)
    folders = [base, *sorted(base.glob(f"*/{LANGUAGES_DIR}"))] if base.is_dir() else []
    for folder in folders:
        for entry in folder.iterdir():
            if entry.name.startswith(".staging-") and entry.is_dir() and not entry.is_symlink():
                with contextlib.suppress(OSError):
                    shutil.rmtree(entry)
                    removed.append(entry.relative_to(base).as_posix())
    return removed
