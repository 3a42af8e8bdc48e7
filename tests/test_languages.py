"""Language editions: manual.yaml's languages, translations tracked chapter by chapter against
the source text they translate, their reviews, and the matrix `status --languages` shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import run, small_workspace

FR = {"tag": "fr", "name": "Français", "translators": ["Tom Translator"], "reviewers": ["Fay Reviewer"]}
AR = {"tag": "ar", "name": "العربية", "translators": ["Tom Translator"], "reviewers": ["Amal Reviewer"]}
FAY = ("--as", "Fay Reviewer")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return small_workspace(tmp_path / "ws", languages=[FR, AR])


def ok(*args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def source_hash(ws: Path, slug: str) -> str:
    chapters = json.loads(ok("-C", ws, "status", "--json").stdout)["chapters"]
    return str(next(c["content_hash"] for c in chapters if c["slug"] == slug))


def write_translation(ws: Path, lang: str, slug: str, translates: str,
                      body: str = "Texte traduit.\n") -> Path:
    path = ws / "chapters" / lang / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"---\ntitle: \"Chapitre {slug}\"\ntranslates: {translates}\n---\n\n{body}"
    path.write_text(text, encoding="utf-8")
    return path


def matrix(ws: Path) -> dict[str, dict[str, str]]:
    data = json.loads(ok("-C", ws, "status", "--languages", "--json").stdout)
    return {c["slug"]: c["states"] for c in data["chapters"]}


# --- the model ---------------------------------------------------------------------------------

LANGUAGE_ERRORS = [
    ("fr", "manual.yaml:22: 'languages' must be a list"),
    ([{"tag": "en"}], "manual.yaml:23: language 'en' is the source language"),
    ([FR, {"tag": "fr"}], "manual.yaml:29: language 'fr' is listed twice"),
    ([{"tag": "fr", "voice": "x"}], "manual.yaml:24: unknown key 'voice' in language 'fr'"),
    ([{"tag": "French!"}], "manual.yaml:23: language tag 'French!' is not valid"),
    ([{"tag": "fr", "reviewers": {"a": 1}}], "manual.yaml:24: 'reviewers' must be a list of names"),
    (["fr"], "manual.yaml:23: a language must be a mapping with tag, name, translators and reviewers"),
]


@pytest.mark.parametrize(("languages", "message"), LANGUAGE_ERRORS)
def test_languages_in_manual_yaml_are_validated_with_their_line(tmp_path: Path, languages: Any,
                                                                 message: str) -> None:
    root = small_workspace(tmp_path / "ws", languages=languages)
    result = run("-C", root, "status")
    assert result.exit_code == 2
    assert f"Error: {message}\n" in result.stderr


def test_a_translation_must_name_a_chapter_and_the_hash_it_translates(ws: Path) -> None:
    write_translation(ws, "fr", "gamma", "0" * 64)
    (ws / "chapters" / "fr" / "alpha.md").write_text("---\ntitle: Alpha en français\n---\n\nTexte.\n",
                                                     encoding="utf-8")
    result = run("-C", ws, "check")
    assert result.exit_code == 1, result.output
    assert "chapters/fr/gamma.md: 'gamma' is not a chapter of the manual" in result.stdout
    assert ("chapters/fr/alpha.md:2: 'translates' is missing or not the source text's content hash"
            in result.stdout)


# --- state, derived ------------------------------------------------------------------------------

def test_the_matrix_shows_missing_current_and_stale(ws: Path) -> None:
    assert matrix(ws) == {"alpha": {"fr": "missing", "ar": "missing"},
                          "beta": {"fr": "missing", "ar": "missing"}}
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    assert matrix(ws)["alpha"] == {"fr": "current", "ar": "missing"}
    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert matrix(ws)["alpha"] == {"fr": "stale", "ar": "missing"}


def test_the_matrix_at_80_columns(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    result = ok("-C", ws, "status", "--languages")
    assert result.stdout.splitlines()[:4] == [
        "chapter (source: en)  fr  ar",
        "────────────────────────────",
        "alpha                 ●   · ",
        "beta                  ·   · ",
    ]
    assert "fr: 1 of 2 translated · 0 approved · 0 stale" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_a_language_reviewer_approves_and_a_source_edit_makes_it_stale(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    result = ok("-C", ws, "review", "alpha", "--language", "fr", "--approve", *FAY)
    assert "Recorded approve by Fay Reviewer on the fr translation of 'alpha'" in result.stdout
    assert "fr: ✓ approved" in result.stdout
    assert matrix(ws)["alpha"]["fr"] == "approved"
    # the translation's review is not a jurisdiction's review of the source
    chapters = json.loads(ok("-C", ws, "status", "--json").stdout)["chapters"]
    assert chapters[0]["states"] == {"UK": "pending", "AU": "pending"}
    [event] = (ws / "reviews" / "alpha").iterdir()
    data = yaml.safe_load(event.read_text(encoding="utf-8"))
    assert (data["language"], data["jurisdiction"]) == ("fr", "TRANSLATION")
    assert ok("-C", ws, "verify").stdout.startswith("1 review event(s) verified")

    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert matrix(ws)["alpha"]["fr"] == "stale"
    refused = run("-C", ws, "review", "alpha", "--language", "fr", "--approve", *FAY)
    assert refused.exit_code == 2
    assert ("Error: the fr translation of 'alpha' translates an earlier text of the chapter (stale)"
            in refused.stderr)


def test_editing_an_approved_translation_needs_a_new_approval(ws: Path) -> None:
    path = write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    ok("-C", ws, "review", "alpha", "--language", "fr", "--approve", *FAY)
    path.write_text(path.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    assert matrix(ws)["alpha"]["fr"] == "current"
    ok("-C", ws, "review", "alpha", "--language", "fr", "--request-changes", "-m", "Titre à revoir.", *FAY)
    assert matrix(ws)["alpha"]["fr"] == "changes-requested"


REVIEW_REFUSALS = [
    (["alpha", "--language", "fr", "--approve", "--as", "Ruth Reviewer"],
     "Error: 'Ruth Reviewer' is not a reviewer for the fr translation, so cannot approve it",
     "reviewers for fr: Fay Reviewer"),
    (["alpha", "--language", "de", "--approve", *FAY], "Error: unknown language 'de'", "known: fr, ar"),
    (["beta", "--language", "fr", "--approve", *FAY], "Error: chapter 'beta' has no fr translation yet",
     "vimanual submit FILE --translates beta --language fr"),
    (["alpha", "--approve", *FAY], "Error: choose one of --jurisdiction or --language", ""),
]


@pytest.mark.parametrize(("args", "message", "hint"), REVIEW_REFUSALS)
def test_translation_reviews_that_are_refused(ws: Path, args: list[str], message: str, hint: str) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    result = run("-C", ws, "review", *args)
    assert result.exit_code == 2
    assert message in result.stderr and hint in result.stderr
    assert not (ws / "reviews").exists()


def test_status_slug_shows_its_translations(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    result = ok("-C", ws, "status", "alpha")
    assert "Translations:\n  fr        ● current             Chapitre alpha\n" \
           "  ar        · missing\n" in result.stdout
    data = json.loads(ok("-C", ws, "status", "alpha", "--json").stdout)
    assert data["translations"]["fr"]["state"] == "current"
    assert data["translations"]["fr"]["file"] == "chapters/fr/alpha.md"


def test_a_forged_language_on_an_event_is_caught_by_verify(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    ok("-C", ws, "review", "alpha", "--language", "fr", "--approve", *FAY)
    [event] = (ws / "reviews" / "alpha").iterdir()
    event.write_text(event.read_text(encoding="utf-8").replace('language: "fr"', 'language: "ar"'),
                     encoding="utf-8")
    result = run("-C", ws, "verify")
    assert result.exit_code == 1
    assert "digest does not match the event's content" in result.stderr
    assert matrix(ws)["alpha"]["ar"] == "missing"


def test_the_sample_manual_shows_its_french_translation(sample_workspace: Path) -> None:
    states = matrix(sample_workspace)
    assert states["training-exercises"] == {"fr": "current"}
    assert sum(1 for s in states.values() if s["fr"] == "missing") == len(states) - 1
