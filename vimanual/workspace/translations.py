"""Translations of chapters: ``chapters/<lang>/<slug>.md``, one per chapter and language.

A translation's front matter holds the translated title and ``translates:``, the content
hash of the source text it translates (written by ``vimanual accept``, not by hand), so a
translation goes stale exactly as an approval does when the source changes. Images are
shared with the source (``../media/...``); alt text and captions are translated in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vimanual.base.errors import Problem
from vimanual.base.yamlio import Document, dump_yaml

CHAPTERS_DIR = "chapters"
TRANSLATION_KEYS = ("title", "translates", "translators", "summary")
HASH_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Translation:
    """One chapter's translation into one language, and the source hash it translates."""

    language: str
    slug: str
    path: Path
    title: str
    translates: str
    translators: tuple[str, ...]
    body: str
    body_line: int
    content_hash: str

    @property
    def rel(self) -> str:
        return translation_rel(self.language, self.slug)


def translation_rel(language: str, slug: str) -> str:
    """The workspace-relative file of a chapter's translation."""
    return f"{CHAPTERS_DIR}/{language}/{slug}.md"


def translation_text(title: str, translates: str, translators: list[str], body: str) -> str:
    """A translation file's text: front matter written by the tool, then the translated body."""
    front: dict[str, object] = {"title": title, "translates": translates}
    if translators:
        front["translators"] = translators
    return "---\n" + dump_yaml(front) + "---\n\n" + body.lstrip("\n")


@dataclass(frozen=True)
class TranslationFront:
    """A translation's validated front matter."""

    title: str
    translates: str
    translators: tuple[str, ...]


def validate_translation_front(doc: Document, where: str,
                               slug: str) -> tuple[TranslationFront, list[Problem]]:
    """Check a translation's front matter: a translated title and the source hash it translates."""
    problems = []
    data = doc.data
    for key in data:
        if key not in TRANSLATION_KEYS:
            problems.append(Problem(where, doc.line(key), f"unknown key '{key}' in a translation",
                                    f"known keys: {', '.join(TRANSLATION_KEYS)}"))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(where, doc.line("title"), "missing the translated 'title'",
                                "add a line 'title: ...' in the translation's language"))
        title = slug
    translates = data.get("translates")
    if not isinstance(translates, str) or not HASH_RE.fullmatch(translates):
        problems.append(Problem(where, doc.line("translates"),
                                "'translates' is missing or not the source text's content hash",
                                "translations are written by 'vimanual accept'; restore the file from git"))
        translates = ""
    raw = data.get("translators")
    if raw is None:
        translators: tuple[str, ...] = ()
    elif isinstance(raw, str):
        translators = (raw,)
    elif isinstance(raw, list) and all(isinstance(t, str) for t in raw):
        translators = tuple(raw)
    else:
        problems.append(Problem(where, doc.line("translators"), "'translators' must be a list of names",
                                "write 'translators: [Name One]'"))
        translators = ()
    return TranslationFront(" ".join(title.split()), translates, translators), problems
