"""Loading the terminology rules: the workspace's styles/terminology.yaml, else the default
(based on the Luxembourg Guidelines, 2016)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vimanual.base.errors import Problem, VimanualError
from vimanual.base.fsutil import is_within
from vimanual.base.yamlio import parse_yaml, read_text
from vimanual.check.rules.prose import TermRule, term_pattern

DEFAULT_TERMINOLOGY = Path(__file__).resolve().parents[2] / "defaults" / "styles" / "terminology.yaml"
RULE_KEYS = ("id", "terms", "preferred", "why", "severity")
SEVERITIES = ("error", "warning")


def terminology_file(root: Path) -> tuple[Path, str]:
    """The rules file in use and how to name it in messages."""
    own = root / "styles" / "terminology.yaml"
    if own.is_file():
        return own, "styles/terminology.yaml"
    return DEFAULT_TERMINOLOGY, "vimanual/defaults/styles/terminology.yaml"


def load_terminology(root: Path, language: str | None = None) -> tuple[list[TermRule], list[Problem]]:
    """Validated terminology rules (the source language's under ``rules``, a translation's
    under ``languages: {TAG: [...]}``); every mistake in the file is a Problem with its line."""
    path, where = terminology_file(root)
    try:
        if path.is_symlink() and not is_within(path.resolve(), root.resolve()):
            raise VimanualError(f"{where} is a link to a file outside the workspace",
                                "replace the link with the file itself")
        doc = parse_yaml(read_text(path, where), where)
    except VimanualError as exc:
        return [], [Problem(where, None, exc.message, exc.hint, "terminology-file")]
    problems: list[Problem] = []

    for key in doc.data:
        if key not in ("rules", "languages"):
            problems.append(Problem(where, doc.line(key), f"unknown key {str(key)[:40]!r} (known: rules, "
                                    "languages)", "the source language's rules are one list under 'rules:', "
                                    "a translation's under 'languages: {fr: [...]}'", "terminology-file"))
    within: tuple[str, ...] = ("rules",)
    raw = doc.data.get("rules", [])
    if language is not None:
        by_language = doc.data.get("languages", {})
        if not isinstance(by_language, dict):
            return [], [*problems, Problem(where, doc.line("languages"), "'languages' must map language tags "
                                           "to lists of rules", "write 'languages: {fr: [- id: ...]}'",
                                           "terminology-file")]
        within, raw = ("languages", language), by_language.get(language, [])
    rules, found = _rules(doc, where, within, raw)
    return rules, problems + found


def _rules(doc: Any, where: str, path: tuple[str, ...], raw: Any) -> tuple[list[TermRule], list[Problem]]:
    """One list of rules (``path`` in the file: ('rules',) or ('languages', TAG))."""
    problems: list[Problem] = []

    def bad(index: int, key: str, message: str, hint: str) -> None:
        problems.append(Problem(where, doc.line(*path, index, key), message, hint, "terminology-file"))

    if not isinstance(raw, list):
        return [], [Problem(where, doc.line(*path), f"'{'.'.join(path)}' must be a list",
                            "write '- id: ...' items", "terminology-file")]
    rules: list[TermRule] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            bad(index, "", "a rule must be a mapping", f"keys: {', '.join(RULE_KEYS)}")
            continue
        for key in item:
            if key not in RULE_KEYS:
                bad(index, key, f"unknown key '{key}'", f"keys: {', '.join(RULE_KEYS)}")
        rule_id, terms = item.get("id"), item.get("terms")
        if isinstance(terms, str):
            terms = [terms]
        severity = item.get("severity", "warning")
        if not isinstance(rule_id, str) or not rule_id or rule_id in seen:
            bad(index, "id", f"rule id {rule_id!r} is missing or used twice", "give each rule a unique id")
            continue
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms or [""]):
            bad(index, "terms", f"rule '{rule_id}' needs 'terms': a list of wordings to avoid",
                "write 'terms: [child pornography]'")
            continue
        if severity not in SEVERITIES:
            bad(index, "severity", f"severity {severity!r} of '{rule_id}' is not valid",
                "use error or warning")
            continue
        seen.add(rule_id)
        rules.append(TermRule(rule_id, tuple(terms), str(item.get("preferred", "")), str(item.get("why", "")),
                              severity, term_pattern(terms)))
    return rules, problems
