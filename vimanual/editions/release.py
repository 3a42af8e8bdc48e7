"""Released editions: the release gate, freezing, reproducible rebuilds, print, verify, diff.

``release VERSION`` takes the ready chapters, freezes the sources they are built from
under ``editions/VERSION/`` (chapters, manual.yaml, styles, media, glossary,
bibliography), builds the PDF and HTML from that frozen copy, and writes a manifest
with every hash. A released edition is rebuilt from its frozen sources only, with the
date from its manifest, so a rebuild on another day or machine gives the same bytes.

Fonts are frozen by reference: the manifest names each font file under styles/fonts/
with its SHA-256, and a rebuild takes the byte-identical file from the workspace's or
vimanual's styles. The same ~3 MB of fonts is then not committed again with every
edition, and a font that changed is refused rather than silently used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual import __version__
from vimanual.base.errors import GateFailed, Problem, VimanualError
from vimanual.base.fsutil import atomic_write, file_lock, file_sha256, fsync_dir
from vimanual.base.journal import locked
from vimanual.base.names import check_slug, check_version, did_you_mean, is_version
from vimanual.base.yamlio import dump_yaml, parse_yaml, read_text
from vimanual.book.pipeline import DEFAULT_STYLES, BuildOptions, RecordEntry, ReleaseInfo
from vimanual.editions.environment import FONT_SUBSETTER, build_record
from vimanual.workspace.load import CHAPTERS_DIR, MANUAL_FILE, Workspace, load_workspace

EDITIONS_DIR = "editions"
MANIFEST_FILE = "manifest.yaml"
MANIFEST_FORMAT = 1
WORKING = "working"
OUTPUT_FILES = {"pdf": "manual.pdf", "html": "manual.html"}
LEGACY_FONT_SUBSETTER = "harfbuzz"
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_NOTES_BYTES = 200_000

Progress = Callable[[str, int, int], None]


# --- data -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Approval:
    """One approval that made a chapter ready for the edition."""

    jurisdiction: str
    reviewer: str
    time: str
    digest: str


@dataclass(frozen=True)
class EditionChapter:
    slug: str
    title: str
    content_hash: str
    approvals: tuple[Approval, ...] = ()


@dataclass
class Edition:
    """A released edition as its manifest describes it."""

    version: str
    date: str
    paper: str
    chapters: list[EditionChapter]
    notes: str
    pdf_sha256: str
    html_sha256: str
    files: dict[str, str]
    fonts: dict[str, str]
    excluded: list[str] = field(default_factory=list)
    tool_version: str = __version__
    released_by: str = ""
    path: Path = Path()
    # What the build depended on beyond the sources (font subsetter, tool versions, fonts in
    # the PDF); empty in manifests written before it was recorded (see editions/reproduce.py).
    build: dict[str, Any] = field(default_factory=dict)

    @property
    def font_subsetter(self) -> str:
        """The subsetter the edition's fonts were made with; an edition that does not say was
        made by vimanual 0.1, which used HarfBuzz's (the sample edition 1.0 was)."""
        return str(self.build.get("font_subsetter") or LEGACY_FONT_SUBSETTER)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "date": self.date, "paper": self.paper,
            "tool_version": self.tool_version, "released_by": self.released_by,
            "chapters": [{"slug": c.slug, "title": c.title, "content_hash": c.content_hash,
                          "approvals": [vars(a) for a in c.approvals]} for c in self.chapters],
            "excluded": self.excluded, "notes": self.notes,
            "outputs": {"pdf": {"file": OUTPUT_FILES["pdf"], "sha256": self.pdf_sha256},
                        "html": {"file": OUTPUT_FILES["html"], "sha256": self.html_sha256}},
            "files": self.files, "fonts": self.fonts,
            **({"build": self.build} if self.build else {}),
        }


@dataclass(frozen=True)
class Blocker:
    """Why a chapter cannot be released: a jurisdiction that has not approved its current text."""

    chapter: str
    jurisdiction: str
    state: str
    ask: tuple[str, ...]


class ReleaseBlocked(GateFailed):
    """The release gate failed: chapters not ready, or 'vimanual check' errors (exit 1)."""

    def __init__(self, blockers: list[Blocker], problems: list[Problem]) -> None:
        parts = []
        if blockers:
            parts.append(f"{len({b.chapter for b in blockers})} chapter(s) not ready")
        if problems:
            parts.append(f"'vimanual check' found {len(problems)} error(s)")
        super().__init__(
            "release blocked: " + " and ".join(parts),
            "get the approvals listed (vimanual review), fix the check errors, or leave a chapter "
            "out with --exclude SLUG",
        )
        self.blockers = blockers
        self.problems = problems


# --- paths and names ------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def editions_dir(root: Path) -> Path:
    return root / EDITIONS_DIR


def known_versions(root: Path) -> list[str]:
    """Versions with a manifest under editions/, oldest release first."""
    return [e.version for e in list_editions(root)]


def _unknown_version(root: Path, version: str) -> VimanualError:
    known = known_versions(root)
    listed = ", ".join(known) if known else "none yet"
    if version.casefold() in ("draft", WORKING, "latest"):
        return VimanualError(
            f"'{version}' is not a released edition: only released editions can be printed",
            f"build the working draft with 'vimanual build'; released editions: {listed}",
        )
    return VimanualError(
        f"no released edition '{version}'",
        did_you_mean(version, known) + f"released editions: {listed}; a draft is built with "
        "'vimanual build', an edition is cut with 'vimanual release VERSION'",
    )


def edition_path(root: Path, version: str) -> Path:
    """editions/VERSION of a released edition, or an error listing the known ones."""
    if not is_version(version):
        raise _unknown_version(root, version)
    path = editions_dir(root) / version
    if not (path / MANIFEST_FILE).is_file():
        raise _unknown_version(root, version)
    return path


# --- the gate (pure) ------------------------------------------------------------------------

def release_blockers(reviews: Sequence[Any], reviewers: dict[str, tuple[str, ...]]) -> list[Blocker]:
    """Every (chapter, jurisdiction) that keeps a chapter from being ready, with who to ask."""
    blockers = []
    for review in reviews:
        if not review.reviewing:
            blockers.append(Blocker(review.slug, "-", "no reviewing jurisdiction", ()))
        for code in review.blocking:
            blockers.append(Blocker(review.slug, code, review.cells[code].state, reviewers.get(code, ())))
    return blockers


def _approvals(review: Any) -> tuple[Approval, ...]:
    return tuple(
        Approval(code, cell.decision.reviewer, cell.decision.time, cell.decision.digest)
        for code, cell in review.cells.items() if cell.decision is not None and code in review.reviewing
    )


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


def freeze_sources(workspace: Workspace, target: Path, version: str, chapters: list[str]) -> dict[str, str]:
    """Copy the sources an edition is built from into ``target``; font files are only hashed.

    Returns the fonts referenced: {path: sha256}.
    """
    root = workspace.root
    atomic_write(target / MANUAL_FILE, _frozen_manual_yaml(root, version, chapters))
    for slug in chapters:
        _copy_file(workspace.chapters[slug].path, target / CHAPTERS_DIR / f"{slug}.md")
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


def _source_hashes(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every frozen source file (not the manifest or the outputs)."""
    skip = {MANIFEST_FILE, *OUTPUT_FILES.values()}
    return {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() not in skip
    }


def _font_candidates(root: Path, rel: str) -> list[Path]:
    name = rel.removeprefix("styles/")
    return [root / "styles" / name, DEFAULT_STYLES / name]


def _find_font(root: Path, rel: str, sha256: str) -> Path | None:
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
        found = _find_font(root, rel, sha256)
        if found is None:
            raise VimanualError(
                f"edition {edition.version} needs {rel} (sha256 {sha256[:12]}…), which is not available",
                "restore that font file under styles/fonts/ (the edition's fonts are kept by reference)",
            )
        _copy_file(found, work / rel)


def _record(workspace: Workspace, chapters: list[EditionChapter]) -> tuple[RecordEntry, ...]:
    names = {j.code: j.name for j in workspace.manual.jurisdictions}
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
) -> dict[str, Path]:
    """Build an edition from its frozen sources (never the working chapters) into ``out_dir``,
    with the font subsetter it was made with. ``work`` is where the sources are restored
    (default: build/editions/.src-VERSION, shared by prints of the edition with its caches)."""
    from vimanual.book.pipeline import build

    if "pdf" in formats and edition.font_subsetter != FONT_SUBSETTER:
        from vimanual.pdf.weasy import HARFBUZZ_HINT, HARFBUZZ_MISSING, harfbuzz_subset_available

        if not harfbuzz_subset_available():
            raise VimanualError(f"cannot rebuild edition {edition.version}: {HARFBUZZ_MISSING}",
                                HARFBUZZ_HINT)
    work = work or root / "build" / "editions" / f".src-{edition.version}"
    # Two prints of one edition share its rebuilt sources and their caches: one at a time.
    with file_lock(work.with_name(f"{work.name}.lock"), f"edition {edition.version}"):
        materialize(root, edition, source, work)
        frozen = load_workspace(work)
        options = BuildOptions(
            formats=formats, output=out_dir, paper=paper or edition.paper, chapters=chapters,
            draft=False, date=edition.date, jurisdiction=jurisdiction,
            release=ReleaseInfo(edition.version, edition.date, _record(frozen, edition.chapters)),
            font_subsetter=edition.font_subsetter,
        )
        return build(frozen, options, progress).outputs


# --- manifest -------------------------------------------------------------------------------

def _manifest_text(edition: Edition) -> str:
    head = ("# vimanual edition manifest: what this edition holds and the SHA-256 of every file.\n"
            "# Written once by 'vimanual release'; never edit ('vimanual verify-edition' checks it).\n")
    return head + dump_yaml({"format": MANIFEST_FORMAT, **edition.to_dict()})


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise VimanualError(f"{where}: '{key}' is missing or not text", "restore the manifest from git")
    return value


def load_manifest(path: Path) -> Edition:
    """Read editions/VERSION/manifest.yaml."""
    where = f"{EDITIONS_DIR}/{path.name}/{MANIFEST_FILE}"
    data = parse_yaml(read_text(path / MANIFEST_FILE, where), where).data
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise VimanualError(f"{where}: not a vimanual edition manifest (format {MANIFEST_FORMAT})",
                            "restore the manifest from git, or upgrade vimanual")
    try:
        outputs = data["outputs"]
        chapters = [
            EditionChapter(c["slug"], c["title"], c["content_hash"],
                           tuple(Approval(a["jurisdiction"], a["reviewer"], a["time"], a["digest"])
                                 for a in c.get("approvals") or []))
            for c in data["chapters"]
        ]
        return Edition(
            version=_str(data, "version", where), date=_str(data, "date", where),
            paper=_str(data, "paper", where), chapters=chapters, notes=str(data.get("notes") or ""),
            pdf_sha256=str(outputs["pdf"]["sha256"]), html_sha256=str(outputs["html"]["sha256"]),
            files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
            fonts={str(k): str(v) for k, v in (data.get("fonts") or {}).items()},
            excluded=[str(s) for s in data.get("excluded") or []],
            tool_version=str(data.get("tool_version") or ""), released_by=str(data.get("released_by") or ""),
            path=path, build=_build_record(data.get("build"), where),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise VimanualError(f"{where}: malformed manifest ({exc})", "restore the manifest from git") from None


def _build_record(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("font_subsetter", ""), str):
        raise VimanualError(f"{where}: 'build' must be a mapping with a 'font_subsetter' name",
                            "restore the manifest from git")
    return raw


def list_editions(root: Path) -> list[Edition]:
    """Every released edition under editions/, by date then version."""
    base = editions_dir(root)
    if not base.is_dir():
        return []
    found = [load_manifest(entry) for entry in sorted(base.iterdir())
             if entry.is_dir() and is_version(entry.name) and (entry / MANIFEST_FILE).is_file()]
    return sorted(found, key=lambda e: (e.date, e.version))


def load_edition(root: Path, version: str) -> Edition:
    return load_manifest(edition_path(root, version))


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
    from vimanual.review.store import chapter_infos, derive_states, load_events

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
        for slug in exclude:
            check_slug(slug)
            if slug not in workspace.chapters:
                raise VimanualError(f"unknown chapter '{slug}' (--exclude)",
                                    did_you_mean(slug, workspace.chapters)
                                    + f"known chapters: {', '.join(workspace.chapters)}")
        included = [s for s in workspace.chapters if s not in exclude]
        if not included:
            raise VimanualError("no chapters left to release", "exclude fewer chapters")
        events = load_events(root).events
        infos = [i for i in chapter_infos(workspace) if i.slug in included]
        reviews = derive_states(infos, workspace.manual.codes, events)
        blockers = release_blockers(reviews, workspace.manual.reviewers)
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
        pdf_sha256="", html_sha256="", files=_source_hashes(staging), fonts=fonts, excluded=excluded,
        released_by=released_by, path=staging, build={"font_subsetter": FONT_SUBSETTER},
    )
    outputs = _build_outputs(root, edition, staging, progress)
    edition.pdf_sha256 = file_sha256(outputs["pdf"])
    edition.html_sha256 = file_sha256(outputs["html"])
    edition.build = build_record(FONT_SUBSETTER, outputs["pdf"], staging / "styles" / "fonts.css")
    atomic_write(staging / MANIFEST_FILE, _manifest_text(edition))
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


# --- verify ---------------------------------------------------------------------------------

@dataclass
class Verification:
    """The result of checking an edition (or a file someone has) against its manifest."""

    version: str
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)
    matched: str = ""  # 'pdf' or 'html' when a given file matches


def verify_edition(root: Path, version: str, file: Path | None = None) -> Verification:
    """Check ``file`` against the manifest's PDF/HTML checksums, or without ``file`` re-check
    the stored outputs, every frozen source and the fonts kept by reference."""
    edition = load_edition(root, version)
    if file is not None:
        if not file.is_file():
            raise VimanualError(f"no such file: {file}", "give the path of the PDF (or HTML) to check")
        digest = file_sha256(file)
        for kind, expected in (("pdf", edition.pdf_sha256), ("html", edition.html_sha256)):
            if digest == expected:
                return Verification(version, True, 1, [], kind)
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
    for rel in sorted(set(_source_hashes(folder)) - set(edition.files)):
        problems.append(f"{rel}: not part of the edition (added after the release)")
    for rel, sha256 in edition.fonts.items():
        checked += 1
        if _find_font(root, rel, sha256) is None:
            problems.append(f"{rel}: no font file with the edition's sha256 {sha256[:12]}… "
                            "in styles/fonts/ (fonts are kept by reference)")
    return Verification(version, not problems, checked, problems)


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
) -> PrintResult:
    """The released edition's PDF: the stored, checksum-verified file for the whole edition on
    its own paper, else a rebuild from the frozen sources (a handout, another paper size, or
    one jurisdiction's variant)."""
    edition = load_edition(root, version)
    selected = _handout_chapters(edition, chapters)
    wanted_paper = paper or edition.paper
    same_paper = wanted_paper.casefold() == edition.paper.casefold()
    whole = same_paper and not selected and jurisdiction is None
    default_name = _print_name(edition, selected, wanted_paper, jurisdiction, same_paper)
    target = output or (root / "build" / "editions" / default_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    stored = edition.path / OUTPUT_FILES["pdf"]
    if whole and stored.is_file():
        if file_sha256(stored) != edition.pdf_sha256:
            raise GateFailed(
                f"{EDITIONS_DIR}/{version}/{OUTPUT_FILES['pdf']} does not match the manifest's checksum "
                "(it was changed or damaged); not handing it over",
                f"restore it from git, or run 'vimanual verify-edition {version}'",
            )
        atomic_write(target, stored.read_bytes())
        return PrintResult(target, version, False, "the released PDF, checksum verified",
                           edition.pdf_sha256, True, [c.slug for c in edition.chapters], edition.paper)
    verification = verify_edition(root, version)
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
    return PrintResult(target, version, True, "rebuilt from the frozen sources: " + ", ".join(reasons),
                       digest, whole, list(selected or [c.slug for c in edition.chapters]), wanted_paper)


def _print_name(edition: Edition, selected: Sequence[str], paper: str, jurisdiction: str | None,
                same_paper: bool) -> str:
    parts = [f"manual-{edition.version}"]
    if selected:
        parts.append("handout")
    if jurisdiction:
        parts.append(jurisdiction)
    if not same_paper:
        parts.append(paper.lower())
    return "-".join(parts) + ".pdf"


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
