"""Find and load a workspace: manual.yaml, chapters with their front matter, paths."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from vimanual.base.errors import (
    InvalidWorkspace,
    Problem,
    ToolError,
    VimanualError,
    WorkspaceNotFound,
    shown_name,
)
from vimanual.base.fsutil import check_workspace_links, is_within
from vimanual.base.journal import settle
from vimanual.base.names import is_slug
from vimanual.base.yamlio import Document, parse_yaml, read_text
from vimanual.workspace.media import body_of, media_files, normalised_text, prefetch, remembering
from vimanual.workspace.schema import (
    SLUG_HINT,
    FrontMatter,
    Limits,
    Manual,
    validate_front_matter,
    validate_manual,
)
from vimanual.workspace.translations import Translation, translation_rel, validate_translation_front

MANUAL_FILE = "manual.yaml"
CHAPTERS_DIR = "chapters"
MAX_CHAPTER_BYTES = 5_000_000
MAX_FRONT_MATTER_CHARS = 100_000


@dataclass(frozen=True)
class Chapter:
    """One chapter: its validated front matter, Markdown body and content hash."""

    slug: str
    path: Path
    front: FrontMatter
    body: str
    body_line: int
    content_hash: str

    @property
    def title(self) -> str:
        return self.front.title

    @property
    def rel(self) -> str:
        """chapters/<slug>.md, or chapters/<lang>/<slug>.md for a translation built in its place."""
        folder = self.path.parent.name
        if folder == CHAPTERS_DIR:
            return f"{CHAPTERS_DIR}/{self.path.name}"
        return f"{CHAPTERS_DIR}/{folder}/{self.path.name}"


def translated_chapter(chapter: Chapter, translation: Translation) -> Chapter:
    """``chapter`` as its ``translation`` (title, text and file; front matter otherwise the
    source's): what a language edition builds and what ``check`` reads in that language."""
    front = dataclasses.replace(chapter.front, title=translation.title, summary="")
    return Chapter(slug=chapter.slug, path=translation.path, front=front, body=translation.body,
                   body_line=translation.body_line, content_hash=translation.content_hash)


@dataclass
class Workspace:
    """A loaded workspace; ``chapters`` is in manual order."""

    root: Path
    manual: Manual
    chapters: dict[str, Chapter] = field(default_factory=dict)
    translations: dict[str, dict[str, Translation]] = field(default_factory=dict)  # language → slug → it
    # Chapters that could not be loaded (or are not valid), by slug in manual order, each with
    # its problems (file, line, hint). Filled only by load_workspace(isolate=True), which leaves
    # them out of ``chapters`` so that one broken file stops no one working on the others.
    broken: dict[str, list[Problem]] = field(default_factory=dict)
    # Files in chapters/ that are no chapter of the manual (not listed, or not a slug), and
    # files in chapters/<language>/ that translate none.
    strays: list[Problem] = field(default_factory=list)
    # Translation files that cannot be read or are not valid, by (language, slug), each with its
    # problems. load_workspace(isolate=True) leaves them out of ``translations``: the chapter is
    # then untranslated in that language, and no one else's work waits for the file.
    broken_translations: dict[tuple[str, str], list[Problem]] = field(default_factory=dict)

    def set_aside(self, languages: Iterable[str] | None = None) -> dict[str, list[Problem]]:
        """What is left out for a broken file, named for a message ("chapter 'x'", "the fr
        translation of 'x'"), with its problems: the chapters, and the translations into
        ``languages`` (every language when None)."""
        found = {f"chapter '{slug}'": problems for slug, problems in self.broken.items()}
        for (language, slug), problems in self.broken_translations.items():
            if languages is None or language in languages:
                found[f"the {language} translation of '{slug}'"] = problems
        for problem in self.strays:  # a language folder that is a link, a file translating nothing
            folder = self.stray_language(problem)
            if folder is not None and (languages is None or folder in languages):
                what = problem.file if problem.file.count("/") > 1 else f"every {folder} translation"
                found[what] = [problem]
        return found

    def stray_language(self, stray: Problem) -> str | None:
        """The language whose folder (chapters/<language>/) a stray file is in, or is."""
        folder = stray.file.split("/")[1:2]
        return folder[0] if folder and folder[0] in self.manual.language_tags else None

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def file(self, rel: str) -> Path | None:
        """A workspace file named in manual.yaml (validated to be inside), or None if unset."""
        return (self.root / rel).resolve() if rel else None


def find_workspace(start: Path | None = None, explicit: Path | None = None) -> Path:
    """The workspace root: ``explicit`` if given, else the nearest folder with manual.yaml upwards."""
    if explicit is not None:
        root = explicit.expanduser().resolve()
        if not root.is_dir():
            raise WorkspaceNotFound(
                f"no such folder: {explicit}" if not root.exists() else f"{explicit} is a file, not a folder",
                "point --workspace (-C) at the folder that holds manual.yaml",
            )
        if not (root / MANUAL_FILE).is_file():
            raise WorkspaceNotFound(
                f"no {MANUAL_FILE} in {root}",
                "point --workspace at a folder made by 'vimanual init'",
            )
        check_workspace_links(root)
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANUAL_FILE).is_file():
            check_workspace_links(folder)
            return folder
    raise WorkspaceNotFound(
        f"no {MANUAL_FILE} found in {here} or any folder above it",
        "run inside a workspace, pass --workspace PATH, or create one with 'vimanual init DIR'",
    )


def content_hash(raw: bytes, base: Path | None = None, root: Path | None = None,
                 limits: Limits | None = None) -> str:
    """SHA-256 of source bytes with line endings normalised, so CRLF vs LF is not a change.

    With ``base`` (the folder relative links resolve from, e.g. chapters/) and ``root`` (the
    workspace), the hash also covers every local file the text shows or links to, as
    pandoc's own parse finds them (``vimanual.workspace.media``): sha256(text + for each
    file in order: its path, NUL, the SHA-256 of its bytes). Changing one byte of a chapter
    or of an image it shows makes every approval of it stale. Text without local
    references hashes exactly as its bytes alone.
    """
    normalised = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    digest = hashlib.sha256(normalised)
    if base is not None:
        root = root or base
        text = normalised_text(raw)
        files = media_files(text, base, root, limits)
        if files:
            digest.update(b"\0")
        for path in files:
            with open(path, "rb") as handle:
                file_digest = hashlib.file_digest(handle, "sha256").hexdigest()
            rel = path.relative_to(root.resolve()).as_posix()
            digest.update(f"{rel}\0{file_digest}\n".encode())
    return digest.hexdigest()


def split_front_matter(text: str, where: str) -> tuple[str, int, str, int]:
    """Split a chapter into (front matter, its first line, body, the body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise VimanualError(
            "missing YAML front matter",
            "start the file with '---', a 'title: ...' line and a closing '---'", file=where, line=1,
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:index]), 2, "".join(lines[index + 1 :]), index + 2
    raise VimanualError(
        "front matter is not closed",
        "end the front matter with a line holding only '---'", file=where, line=1,
    )


def load_manual(root: Path) -> tuple[Manual, Document, list[Problem]]:
    """Parse and validate manual.yaml (a YAML syntax error raises at once)."""
    doc = parse_yaml(read_text(root / MANUAL_FILE, MANUAL_FILE), MANUAL_FILE)
    manual, problems = validate_manual(doc)
    return manual, doc, problems


def load_chapter(root: Path, slug: str, manual: Manual) -> tuple[Chapter | None, list[Problem]]:
    """Load one chapter file; problems instead of a Chapter when it cannot be read."""
    path = root / CHAPTERS_DIR / f"{slug}.md"
    where = f"{CHAPTERS_DIR}/{slug}.md"
    if path.is_symlink() or not is_within(path.resolve(), root.resolve()):
        return None, [Problem(where, None, "chapter file is a symbolic link (or lies outside the workspace)",
                              "replace the link with the file itself")]
    try:
        raw_text = read_text(path, where, MAX_CHAPTER_BYTES)
        front_text, front_line, body, body_line = split_front_matter(raw_text, where)
        if len(front_text) > MAX_FRONT_MATTER_CHARS:
            raise VimanualError(f"front matter is too large ({len(front_text):,} characters; the limit is "
                                f"{MAX_FRONT_MATTER_CHARS:,})",
                                "front matter holds a title and a few keys; move the text to the body",
                                file=where, line=front_line)
        doc = parse_yaml(front_text, where, front_line)
    except VimanualError as exc:
        return None, [exc.problem(where)]
    front, problems = validate_front_matter(doc, manual, where)
    try:
        digest = content_hash(path.read_bytes(), root / CHAPTERS_DIR, root, manual.limits)
    except ToolError as exc:  # pandoc could not read it within its bounds: stop, naming it
        raise VimanualError(exc.reason, exc.hint, file=where) from None
    except VimanualError as exc:  # nested too deep to hand to pandoc at all (base/nesting.py)
        if exc.file is not None:
            raise
        line = body_line + exc.line - 1 if exc.line else None
        raise VimanualError(exc.reason, exc.hint, file=where, line=line) from None
    chapter = Chapter(
        slug=slug,
        path=path,
        front=front,
        body=body,
        body_line=body_line,
        content_hash=digest,
    )
    return chapter, problems


def _prefetch_media(files: dict[str, Path], root: Path, manual: Manual | None) -> None:
    """Parse the media sets of ``files`` (name → chapter or translation file) in one pandoc
    run before they are loaded one by one; with the ``manual``, by a build's joint reader if
    one is set (media.reading_with: the names are then the chapters' slugs)."""
    texts: dict[str, str] = {}
    for name, path in files.items():
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_CHAPTER_BYTES:
                continue
            texts[name] = body_of(normalised_text(path.read_bytes()))
        except OSError:
            continue
    prefetch(texts, root, manual)


def inspect_workspace(root: Path) -> tuple[Workspace | None, list[Problem]]:
    """Load everything that can be loaded and report every structural problem."""
    check_workspace_links(root)
    settle(root)  # a change another command left half-done is completed first
    try:
        manual, doc, problems = load_manual(root)
    except VimanualError as exc:
        return None, [exc.problem(MANUAL_FILE)]
    workspace = Workspace(root=root, manual=manual)
    chapters_dir = root / CHAPTERS_DIR
    present = _chapter_files(chapters_dir)
    with remembering():  # each chapter's parse-cache entry read once, not twice
        _prefetch_media({s: chapters_dir / f"{s}.md" for s in manual.chapters if s in present}, root, manual)
        for index, slug in enumerate(manual.chapters):
            if slug not in present:
                missing = Problem(
                    MANUAL_FILE, doc.line("chapters", index),
                    f"chapter '{slug}' is listed but {CHAPTERS_DIR}/{slug}.md does not exist",
                    f"create {CHAPTERS_DIR}/{slug}.md or remove '{slug}' from 'chapters'",
                )
                problems.append(missing)
                workspace.broken[slug] = [missing]
                continue
            chapter, chapter_problems = load_chapter(root, slug, manual)
            problems.extend(chapter_problems)
            if chapter is not None:
                workspace.chapters[slug] = chapter
            errors = [p for p in chapter_problems if p.severity == "error"]
            if errors or chapter is None:
                workspace.broken[slug] = errors
    problems.extend(_referenced_files(root, manual, doc))
    problems.extend(styles_link_problems(root))
    workspace.translations, translation_problems = load_translations(root, manual)
    foreign = []  # files in a language folder that translate no chapter, and a linked folder
    for problem in translation_problems:
        language, _, name = problem.file.removeprefix(f"{CHAPTERS_DIR}/").partition("/")
        if problem.severity != "error":
            problems.append(problem)
        elif name.removesuffix(".md") in manual.chapters:
            workspace.broken_translations.setdefault((language, name.removesuffix(".md")), []).append(problem)
            problems.append(problem)
        else:
            foreign.append(problem)
    for stem in sorted(present):
        where = f"{CHAPTERS_DIR}/{stem}.md"
        if not is_slug(stem):
            workspace.strays.append(
                Problem(where, None, f"file name '{shown_name(stem)}' is not a valid slug", SLUG_HINT))
        elif stem not in manual.chapters:
            workspace.strays.append(Problem(
                where, None, f"chapter '{stem}' is not listed in {MANUAL_FILE}",
                f"add '- {stem}' under 'chapters' in {MANUAL_FILE}, or remove the file",
            ))
    workspace.strays.extend(foreign)
    problems.extend(workspace.strays)
    return workspace, problems


def styles_link_problems(root: Path) -> list[Problem]:
    """A ``styles`` link that leads nowhere (a workspace copied without the folder it points
    at): the build then uses the bundled styles, which it should say."""
    styles = root / "styles"
    if styles.is_symlink() and not styles.is_dir():
        return [Problem("styles", None, f"a link to {os.readlink(styles)}, which is not a "
                        "folder: the bundled styles are used instead",
                        "point the link at the workspace's styles folder, or replace it with the folder",
                        severity="warning")]
    return []


def load_translation(root: Path, language: str, slug: str) -> tuple[Translation | None, list[Problem]]:
    """Load and validate one translation file; problems instead of a Translation when unreadable."""
    where = translation_rel(language, slug)
    path = root / where
    if path.is_symlink() or not is_within(path.resolve(), root.resolve()):
        return None, [Problem(where, None,
                              "translation file is a symbolic link (or lies outside the workspace)",
                              "replace the link with the file itself")]
    try:
        raw = read_text(path, where, MAX_CHAPTER_BYTES)
        front_text, front_line, body, body_line = split_front_matter(raw, where)
        doc = parse_yaml(front_text, where, front_line)
    except VimanualError as exc:
        return None, [exc.problem(where)]
    front, problems = validate_translation_front(doc, where, slug)
    translation = Translation(
        language=language, slug=slug, path=path, title=front.title, translates=front.translates,
        translators=front.translators, body=body, body_line=body_line,
        content_hash=content_hash(path.read_bytes(), path.parent, root),
    )
    return translation, problems


def load_translations(root: Path, manual: Manual) -> tuple[dict[str, dict[str, Translation]], list[Problem]]:
    """Every translation of every listed language (language → slug → Translation), and the
    problems: files that are not a chapter of the manual, front matter that does not validate."""
    found: dict[str, dict[str, Translation]] = {}
    problems: list[Problem] = []
    listed: list[tuple[str, str]] = []
    for language in manual.language_tags:
        folder = root / CHAPTERS_DIR / language
        if folder.is_symlink():
            problems.append(Problem(f"{CHAPTERS_DIR}/{language}", None, "language folder is a symbolic link",
                                    "replace the link with the folder itself"))
            continue
        if not folder.is_dir():
            continue
        found[language] = {}
        for stem in sorted(_chapter_files(folder)):
            if not is_slug(stem) or stem not in manual.chapters:
                problems.append(Problem(translation_rel(language, stem), None,
                                        f"'{stem}' is not a chapter of the manual",
                                        "a translation is named after its source chapter's slug"))
            else:
                listed.append((language, stem))
    with remembering():  # (each translation's parse-cache entry read once, not twice)
        _prefetch_media({rel: root / rel for rel in (translation_rel(*pair) for pair in listed)}, root, None)
        for language, stem in listed:
            translation, file_problems = load_translation(root, language, stem)
            problems.extend(file_problems)
            if translation is not None:
                found[language][stem] = translation
    return found, problems


def _referenced_files(root: Path, manual: Manual, doc: Document) -> list[Problem]:
    """manual.yaml's bibliography and CSL style must be files inside the workspace."""
    problems = []
    for key in ("bibliography", "csl"):
        rel = getattr(manual, key)
        if not rel:
            continue
        path = (root / rel).resolve()
        if not is_within(path, root.resolve()):
            problems.append(Problem(MANUAL_FILE, doc.line(key), f"{key} '{rel}' is outside the workspace",
                                    "keep it inside the workspace folder"))
        elif not path.is_file():
            problems.append(Problem(MANUAL_FILE, doc.line(key), f"{key} file '{rel}' does not exist",
                                    "check the path (relative to the workspace)"))
    return problems


def _chapter_files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {entry.name[:-3] for entry in os.scandir(folder) if entry.name.endswith(".md")}


def refuse_broken(workspace: Workspace, slugs: Iterable[str]) -> None:
    """Raise the problems of any of ``slugs`` that is broken (the user asked for that chapter)."""
    found = [p for slug in slugs for p in workspace.broken.get(slug, ())]
    if found:
        raise InvalidWorkspace(found)


def load_workspace(root: Path, isolate: bool = False) -> Workspace:
    """Load a workspace, raising InvalidWorkspace with every problem if any is found.

    With ``isolate``, a chapter file that cannot be read or is not valid (or a listed chapter
    that is missing) does not stop the others: it is left out of ``chapters`` and described
    in ``broken``, and a stray file in chapters/ is not an error; problems with manual.yaml
    itself (or anything else the whole manual needs) still raise.
    """
    workspace, problems = inspect_workspace(root)
    if workspace is not None and isolate:
        problems = isolate_broken(workspace, problems)
    errors = [p for p in problems if p.severity == "error"]
    if errors or workspace is None:
        raise InvalidWorkspace(errors)
    return workspace


def isolate_broken(workspace: Workspace, problems: list[Problem]) -> list[Problem]:
    """Set the broken chapters aside (out of ``chapters``; still in ``broken``) and return the
    problems that remain: those of the manual as a whole."""
    return set_aside_translations(workspace, _without_broken_chapters(workspace, problems))


def _without_broken_chapters(workspace: Workspace, problems: list[Problem]) -> list[Problem]:
    per_chapter = [p for found in workspace.broken.values() for p in found]
    for slug in workspace.broken:
        workspace.chapters.pop(slug, None)
    return [p for p in problems if p not in per_chapter and p not in workspace.strays]


def set_aside_translations(workspace: Workspace, problems: list[Problem],
                           keep: str | None = None) -> list[Problem]:
    """Set the broken translation files aside (out of ``translations``; still in
    ``broken_translations``), except those in the language ``keep``, and return the problems
    that remain. A stray file in a language folder other than ``keep`` goes with them."""
    aside: list[Problem] = []
    keep = (keep or "").lower()  # as given: 'FR' keeps fr
    for (language, slug), found in workspace.broken_translations.items():
        if language.lower() != keep:
            workspace.translations.get(language, {}).pop(slug, None)
            aside.extend(found)
    for problem in workspace.strays:
        folder = workspace.stray_language(problem)
        if folder is not None and folder.lower() != keep:
            aside.append(problem)
    return [p for p in problems if p not in aside]
