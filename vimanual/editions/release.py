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
from pathlib import Path
from typing import Any

from vimanual.base.errors import VimanualError, did_you_mean
from vimanual.base.fsutil import atomic_write, file_sha256, fsync_dir
from vimanual.base.journal import locked
from vimanual.base.names import check_slug, check_version
from vimanual.editions.environment import FONT_SUBSETTER, build_record
from vimanual.editions.frozen import (
    build_edition,
    freeze_sources,
    source_hashes,
)
from vimanual.editions.manifest import (
    DATE_RE,
    EDITIONS_DIR,
    MANIFEST_FILE,
    MAX_NOTES_BYTES,
    OUTPUT_FILES,
    Approval,
    Edition,
    EditionChapter,
    Progress,
    editions_dir,
    manifest_text,
)
from vimanual.status import ReleaseBlocked
from vimanual.workspace.load import Workspace, load_workspace
from vimanual.workspace.roles import authorise_editor


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


def release(
    root: Path,
    version: str,
    *,
    notes: str = "",
    date: str | None = None,
    exclude: Sequence[str] = (),
    released_by: str = "",
    progress: Progress | None = None,
) -> Edition:
    """Release ``version``: gate, freeze, build, manifest; all or nothing under the workspace lock.

    Everything is made in a hidden staging folder under editions/ and appears as
    editions/VERSION in one rename; a failure on the way leaves no trace.
    """
    from vimanual.check.run import preflight_errors
    from vimanual.status import release_blockers, workspace_status

    check_version(version)
    day = _check_date(date)
    with locked(root):
        cleanup_staging(root)  # under the lock, any staging folder is a killed release's leftover
        target = editions_dir(root) / version
        if target.exists():
            raise VimanualError(f"edition {version} is already released ({EDITIONS_DIR}/{version})",
                                "a released edition never changes; release a new version, e.g. "
                                f"{version}.1")
        workspace = load_workspace(root)
        if workspace.manual.editors:
            released_by = authorise_editor(workspace.manual, released_by or "(nobody)", "release an edition")
        for slug in exclude:
            check_slug(slug)
            if slug not in workspace.chapters:
                raise VimanualError(f"unknown chapter '{slug}' (--exclude)",
                                    did_you_mean(slug, workspace.chapters)
                                    + f"known chapters: {', '.join(workspace.chapters)}")
        included = [s for s in workspace.chapters if s not in exclude]
        if not included:
            raise VimanualError("no chapters left to release", "exclude fewer chapters")
        status = workspace_status(workspace)
        reviews = [r for r in status.reviews if r.slug in included]
        blockers = release_blockers(status, included)
        problems = preflight_errors(root, included)
        if blockers or problems:
            raise ReleaseBlocked(blockers, problems)
        chapters = [EditionChapter(r.slug, r.title, r.content_hash, _approvals(r)) for r in reviews]
        editions_dir(root).mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=editions_dir(root)))
        try:
            edition = _stage(root, workspace, staging, version, day, chapters, notes,
                             list(exclude), released_by, progress)
            os.chmod(staging, 0o755)
            os.rename(staging, target)
            fsync_dir(editions_dir(root))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    edition.path = target
    return edition


def _stage(
    root: Path, workspace: Workspace, staging: Path, version: str, day: str,
    chapters: list[EditionChapter], notes: str, excluded: list[str], released_by: str,
    progress: Progress | None,
) -> Edition:
    fonts = freeze_sources(workspace, staging, version, [c.slug for c in chapters])
    edition = Edition(
        version=version, date=day, paper=workspace.manual.paper, chapters=chapters, notes=notes,
        pdf_sha256="", html_sha256="", files=source_hashes(staging), fonts=fonts, excluded=excluded,
        released_by=released_by, path=staging, build={"font_subsetter": FONT_SUBSETTER},
    )
    outputs = _build_outputs(root, edition, staging, progress)
    edition.pdf_sha256 = file_sha256(outputs["pdf"])
    edition.html_sha256 = file_sha256(outputs["html"])
    edition.build = build_record(FONT_SUBSETTER, outputs["pdf"], staging / "styles" / "fonts.css")
    atomic_write(staging / MANIFEST_FILE, manifest_text(edition))
    return edition


def _build_outputs(root: Path, edition: Edition, source: Path, progress: Progress | None) -> dict[str, Path]:
    """Build the edition from its frozen copy and place manual.pdf and manual.html beside it."""
    outputs = build_edition(root, edition, source, source / ".out", progress=progress)
    placed = {}
    for kind, path in outputs.items():
        placed[kind] = source / OUTPUT_FILES[kind]
        os.replace(path, placed[kind])
    shutil.rmtree(source / ".out")
    return placed


def cleanup_staging(root: Path) -> list[str]:
    """Remove staging folders left by a release that was killed (never by one that failed)."""
    removed = []
    base = editions_dir(root)
    if base.is_dir():
        for entry in base.iterdir():
            if entry.name.startswith(".staging-") and entry.is_dir():
                with contextlib.suppress(OSError):
                    shutil.rmtree(entry)
                    removed.append(entry.name)
    return removed
