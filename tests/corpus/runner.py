"""Run the corpus through the real CLI: submit each document, accept what was taken, measure.

Used by tests/test_corpus.py (which asserts on every outcome) and bench/intake.py (which
prints the figures). Words lost are counted against ``pandoc -t plain`` of the source, read
with the same tracked-changes choice the contributor made.
"""

from __future__ import annotations

import collections
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus.documents import Doc
from tests.helpers import run
from vimanual.tools.pandoc import pandoc_path

PERSON = "Sam Contributor (UK)"
WORD_RE = re.compile(r"[^\W_]+")


@dataclass
class Outcome:
    """How one corpus document ended."""

    doc: Doc
    exit_code: int
    output: str
    seconds: float
    contribution: str = ""
    warnings: list[str] = field(default_factory=list)
    words_source: int = 0
    words_lost: int = 0
    lost: list[str] = field(default_factory=list)
    images_total: int = 0
    images_kept: int = 0

    @property
    def built(self) -> bool:
        return self.exit_code == 0


def _plain(args: list[str], stdin: bytes | None = None, to: str = "plain") -> str:
    proc = subprocess.run([pandoc_path(), "--sandbox", *args, "-t", to, "--wrap=none"], input=stdin,
                          capture_output=True, check=False, timeout=120)
    return proc.stdout.decode("utf-8", "replace")


def source_plain(doc: Doc, path: Path, to: str = "plain") -> str:
    """The words a reader sees in the source document (what must not be lost), or its JSON AST."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        mode = doc.options[doc.options.index("--track-changes") + 1] if "--track-changes" in doc.options \
            else "accept"
        return _plain(["-f", "docx", f"--track-changes={mode}", str(path)], to=to)
    if suffix == ".odt":
        return _plain(["-f", "odt", str(path)], to=to)
    if suffix in (".html", ".htm"):
        from vimanual.contributions.intake import read_submitted_text

        return _plain(["-f", "html"], read_submitted_text(path, html=True).encode("utf-8"), to)
    return _plain(["-f", "markdown"], path.read_bytes(), to)


def chapter_plain(root: Path, slug: str, title: str) -> str:
    """The words of an accepted chapter (its title and its text)."""
    return title + "\n" + _plain(["-f", "markdown", str(root / "chapters" / f"{slug}.md")])


def _words(text: str) -> collections.Counter[str]:
    return collections.Counter(w.casefold() for w in WORD_RE.findall(text))


def submit_all(root: Path, docs: list[Doc], sources: Path) -> list[Outcome]:
    """Write, submit and (when taken) accept every document; then measure words lost in parallel."""
    outcomes: list[Outcome] = []
    paths: dict[str, Path] = {}
    for doc in docs:
        folder = sources / doc.slug
        folder.mkdir(parents=True, exist_ok=True)
        path = doc.write(folder)
        paths[doc.name] = path
        started = time.perf_counter()
        result = run("-C", root, "submit", path, "--chapter", doc.slug, "--jurisdiction", "UK", "--as", PERSON,
                     "--json", *doc.options)
        seconds = time.perf_counter() - started
        outcome = Outcome(doc, result.exit_code, result.output, seconds)
        if result.exit_code == 0:
            import json

            data = json.loads(result.stdout)
            outcome.contribution, outcome.warnings = data["id"], data["warnings"]
            accepted = run("-C", root, "accept", outcome.contribution, "--as", "Ed Editor")
            assert accepted.exit_code == 0, accepted.output
        outcomes.append(outcome)

    def measure(outcome: Outcome) -> None:
        if not outcome.built:
            return
        source = _words(source_plain(outcome.doc, paths[outcome.doc.name]))
        outcome.words_source = sum(source.values())
        outcome.images_total = source_plain(outcome.doc, paths[outcome.doc.name], "json").count('"t":"Image"')
        chapter = (root / "chapters" / f"{outcome.doc.slug}.md").read_text(encoding="utf-8")
        outcome.images_kept = len(re.findall(r"!\[[^\]]*\]\(media/", chapter)) + len(
            re.findall(r"(?m)^ {0,3}\[[^\]]+\]: media/", chapter))
        title = _title(root, outcome.doc.slug)
        lost = source - _words(chapter_plain(root, outcome.doc.slug, title))
        outcome.words_lost, outcome.lost = sum(lost.values()), sorted(lost)[:20]

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(measure, outcomes))
    return outcomes


def _title(root: Path, slug: str) -> str:
    text = (root / "chapters" / f"{slug}.md").read_text(encoding="utf-8")
    match = re.search(r"^title: (.*)$", text, re.M)
    return match.group(1).strip("'\"") if match else ""
