"""A released edition's manifest: what it holds (chapters, approvals, hashes, fonts, notes),
where it lives (editions/VERSION), and reading and writing manifest.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vimanual import __version__
from vimanual.base.errors import VimanualError, did_you_mean
from vimanual.base.names import is_version
from vimanual.base.yamlio import dump_yaml, parse_yaml, read_text
from vimanual.book.plan import PART_A_CHAPTER_LAYOUT, PDF_LAYOUTS

EDITIONS_DIR = "editions"
MANIFEST_FILE = "manifest.yaml"
REGISTER_DIR = "register"  # controlled copies issued (editions/copies.py): not a frozen source
LANGUAGES_DIR = "languages"  # editions/VERSION/languages/<tag>/: the edition's translations, each whole
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
    # a language edition's chapter: its translation's hash and translators (content_hash is then
    # the source text it translates, the source edition's)
    translation_hash: str = ""
    translators: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"slug": self.slug, "title": self.title, "content_hash": self.content_hash}
        if self.translation_hash:
            data.update(translation_hash=self.translation_hash, translators=list(self.translators))
        return {**data, "approvals": [vars(a) for a in self.approvals]}


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
    # the PDF); empty in manifests written before it was recorded (see editions/environment.py).
    build: dict[str, Any] = field(default_factory=dict)
    # A language edition (editions/VERSION/languages/<tag>/): its language, and the source
    # edition it translates with the SHA-256 of that edition's manifest.
    language: str = ""
    source_manifest_sha256: str = ""
    # What one 'release' call made (not in the manifest): the language editions it released,
    # and whether this (source) edition was released before it, so that only they are new.
    released_languages: list[Edition] = field(default_factory=list, compare=False)
    released_before: bool = field(default=False, compare=False)

    @property
    def label(self) -> str:
        """'1.1', or '1.1 (fr)' for a language edition: how messages name it."""
        return f"{self.version} ({self.language})" if self.language else self.version

    @property
    def rel(self) -> str:
        """editions/VERSION, or editions/VERSION/languages/TAG."""
        base = f"{EDITIONS_DIR}/{self.version}"
        return f"{base}/{LANGUAGES_DIR}/{self.language}" if self.language else base

    @property
    def language_editions(self) -> list[str]:
        """The tags of this edition's language editions released so far."""
        return [] if self.language else edition_languages(self.path)

    @property
    def font_subsetter(self) -> str:
        """The subsetter the edition's fonts were made with; an edition that does not say was
        made by vimanual 0.1, which used HarfBuzz's (the sample edition 1.0 was)."""
        return str(self.build.get("font_subsetter") or LEGACY_FONT_SUBSETTER)

    @property
    def content_policy(self) -> bool:
        """Whether the edition's HTML carries the Content-Security-Policy (editions released
        before vimanual added it do not, and are rebuilt without it)."""
        return self.build.get("content_policy") is True

    @property
    def pdf_layout(self) -> str:
        """How the edition's PDF was laid out (book/plan.PDF_LAYOUTS); an edition that does not
        say was laid out one document a chapter (vimanual before the grouped layout)."""
        return str(self.build.get("pdf_layout") or PART_A_CHAPTER_LAYOUT)

    def to_dict(self) -> dict[str, Any]:
        source = {"version": self.version, "manifest_sha256": self.source_manifest_sha256}
        translated = {"language": self.language, "source_edition": source} if self.language else {}
        return {
            "version": self.version, **translated, "date": self.date, "paper": self.paper,
            "tool_version": self.tool_version, "released_by": self.released_by,
            "chapters": [c.to_dict() for c in self.chapters],
            "excluded": self.excluded, "notes": self.notes,
            "outputs": {"pdf": {"file": OUTPUT_FILES["pdf"], "sha256": self.pdf_sha256},
                        "html": {"file": OUTPUT_FILES["html"], "sha256": self.html_sha256}},
            "files": self.files, "fonts": self.fonts,
            **({"build": self.build} if self.build else {}),
        }


# --- paths and names ------------------------------------------------------------------------


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


def edition_path(root: Path, version: str, language: str | None = None) -> Path:
    """editions/VERSION of a released edition (editions/VERSION/languages/TAG for its
    ``language`` edition), or an error listing the known ones."""
    if not is_version(version):
        raise _unknown_version(root, version)
    path = editions_dir(root) / version
    if not (path / MANIFEST_FILE).is_file():
        raise _unknown_version(root, version)
    if language is None:
        return path
    released = edition_languages(path)
    if language not in released:
        raise VimanualError(
            f"edition {version} has no '{language}' edition",
            did_you_mean(language, released) + (f"its languages: {', '.join(released)}" if released else
                                                f"release one with 'vimanual release {version} --language "
                                                f"{language}'"))
    return path / LANGUAGES_DIR / language


def edition_languages(path: Path) -> list[str]:
    """The language editions released of the edition in ``path`` (tags, sorted)."""
    folder = path / LANGUAGES_DIR
    if not folder.is_dir():
        return []
    return sorted(entry.name for entry in folder.iterdir()
                  if not entry.name.startswith(".") and (entry / MANIFEST_FILE).is_file())


# --- manifest -------------------------------------------------------------------------------

def manifest_text(edition: Edition) -> str:
    head = ("# vimanual edition manifest: what this edition holds and the SHA-256 of every file.\n"
            "# Written once by 'vimanual release'; never edit ('vimanual verify-edition' checks it).\n")
    return head + dump_yaml({"format": MANIFEST_FORMAT, **edition.to_dict()})


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise VimanualError(f"{where}: '{key}' is missing or not text", "restore the manifest from git")
    return value


def load_manifest(path: Path) -> Edition:
    """Read editions/VERSION/manifest.yaml (or a language edition's)."""
    language_edition = path.parent.name == LANGUAGES_DIR
    rel = f"{path.parent.parent.name}/{LANGUAGES_DIR}/{path.name}" if language_edition else path.name
    where = f"{EDITIONS_DIR}/{rel}/{MANIFEST_FILE}"
    data = parse_yaml(read_text(path / MANIFEST_FILE, where), where).data
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise VimanualError(f"{where}: not a vimanual edition manifest (format {MANIFEST_FORMAT})",
                            "restore the manifest from git, or upgrade vimanual")
    try:
        outputs = data["outputs"]
        chapters = [
            EditionChapter(c["slug"], c["title"], c["content_hash"],
                           tuple(Approval(a["jurisdiction"], a["reviewer"], a["time"], a["digest"])
                                 for a in c.get("approvals") or []),
                           str(c.get("translation_hash") or ""),
                           tuple(str(t) for t in c.get("translators") or []))
            for c in data["chapters"]
        ]
        source = data.get("source_edition") or {}
        return Edition(
            version=_str(data, "version", where), date=_str(data, "date", where),
            paper=_str(data, "paper", where), chapters=chapters, notes=str(data.get("notes") or ""),
            pdf_sha256=str(outputs["pdf"]["sha256"]), html_sha256=str(outputs["html"]["sha256"]),
            files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
            fonts={str(k): str(v) for k, v in (data.get("fonts") or {}).items()},
            excluded=[str(s) for s in data.get("excluded") or []],
            tool_version=str(data.get("tool_version") or ""), released_by=str(data.get("released_by") or ""),
            path=path, build=_build_record(data.get("build"), where),
            language=str(data.get("language") or ""),
            source_manifest_sha256=str(source.get("manifest_sha256") or ""),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise VimanualError(f"{where}: malformed manifest ({exc})", "restore the manifest from git") from None


def _build_record(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("font_subsetter", ""), str):
        raise VimanualError(f"{where}: 'build' must be a mapping with a 'font_subsetter' name",
                            "restore the manifest from git")
    if raw.get("pdf_layout", PART_A_CHAPTER_LAYOUT) not in PDF_LAYOUTS:
        raise VimanualError(f"{where}: unknown 'build.pdf_layout' {str(raw['pdf_layout'])[:40]!r} "
                            f"(known: {', '.join(PDF_LAYOUTS)})", "restore the manifest from git")
    return raw


def list_editions(root: Path) -> list[Edition]:
    """Every released edition under editions/, by date then version."""
    base = editions_dir(root)
    if not base.is_dir():
        return []
    found = [load_manifest(entry) for entry in sorted(base.iterdir())
             if entry.is_dir() and is_version(entry.name) and (entry / MANIFEST_FILE).is_file()]
    return sorted(found, key=lambda e: (e.date, e.version))


def load_edition(root: Path, version: str, language: str | None = None) -> Edition:
    return load_manifest(edition_path(root, version, language))


