"""The optional glossary: ``glossary.yaml`` at the workspace root, rendered as a back-matter
section, with each defined term linked on its first use in every chapter."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from pathlib import Path

from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import safe_join
from vimanual.base.yamlio import load_yaml

GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    aliases: tuple[str, ...]

    @property
    def id(self) -> str:
        return "glossary--" + re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")

    def pattern(self) -> re.Pattern[str]:
        """Whole-word, case-insensitive match of the term or an alias in escaped HTML text."""
        words = sorted((self.term, *self.aliases), key=len, reverse=True)
        alternatives = "|".join(
            r"\s+".join(re.escape(htmllib.escape(part, quote=False)) for part in word.split())
            for word in words
        )
        return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


ENTRY_KEYS = ("term", "definition", "aliases")


def load_glossary(root: Path) -> tuple[list[Term], list[Problem]]:
    """The glossary's terms in alphabetical order, or none when the file does not exist."""
    path = root / GLOSSARY_FILE
    if not path.exists():
        return [], []
    try:
        doc = load_yaml(safe_join(root, GLOSSARY_FILE), GLOSSARY_FILE)
    except VimanualError as exc:
        return [], [Problem(GLOSSARY_FILE, None, exc.message, exc.hint)]
    raw = doc.data.get("terms")
    problems: list[Problem] = [
        Problem(GLOSSARY_FILE, doc.line(key), f"unknown key {str(key)[:40]!r} (known: terms)",
                "the glossary is one list under 'terms:'")
        for key in doc.data if key != "terms"
    ]
    if not isinstance(raw, list):
        return [], [Problem(GLOSSARY_FILE, doc.line("terms"), "'terms' must be a list",
                            "write '- term: ...' items with 'definition: ...'")]
    terms: list[Term] = []
    for index, item in enumerate(raw):
        line = doc.line("terms", index)
        if not isinstance(item, dict) or not isinstance(item.get("term"), str) \
                or not isinstance(item.get("definition"), str):
            problems.append(Problem(
                GLOSSARY_FILE, line, "a glossary entry needs 'term' and 'definition' text",
                "write '- term: CSAM' and 'definition: ...'",
            ))
            continue
        for key in item:
            if key not in ENTRY_KEYS:
                problems.append(Problem(GLOSSARY_FILE, doc.line("terms", index, key),
                                        f"unknown key {str(key)[:40]!r} in a glossary entry",
                                        f"known keys: {', '.join(ENTRY_KEYS)}"))
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(Problem(GLOSSARY_FILE, line, "'aliases' must be a list of text",
                                    "write 'aliases: [other wording]'"))
            aliases = []
        term = Term(item["term"].strip(), " ".join(item["definition"].split()), tuple(aliases))
        if any(t.id == term.id for t in terms):
            problems.append(Problem(GLOSSARY_FILE, line, f"term '{term.term}' is defined twice",
                                    "keep one definition"))
            continue
        terms.append(term)
    return sorted(terms, key=lambda t: t.term.lower()), problems
