"""Language editions: manual.yaml's languages, translations tracked chapter by chapter against
the source text they translate, their reviews, and the matrix `status --languages` shows."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs_helpers import make_document, make_png, pandoc_path
from tests.helpers import ok, run, small_workspace, source_hash

FR = {"tag": "fr", "name": "Français", "translators": ["Tom Translator"], "reviewers": ["Fay Reviewer"]}
AR = {"tag": "ar", "name": "العربية", "translators": ["Tom Translator"], "reviewers": ["Amal Reviewer"]}
FAY = ("--as", "Fay Reviewer")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return small_workspace(tmp_path / "ws", languages=[FR, AR])


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


def test_the_translation_code_is_reserved_and_role_names_are_checked_alike(tmp_path: Path) -> None:
    jurisdictions = [{"code": "UK", "name": "United Kingdom", "required": True},
                     {"code": "TRANSLATION", "name": "Translators", "required": False}]
    root = small_workspace(tmp_path / "ws", jurisdictions=jurisdictions, languages=[
        {"tag": "fr", "translators": ["Tom  Translator", " "], "reviewers": ["Fay Reviewer"]}],
        reviewers={"UK": ["Ruth Reviewer", ""]})
    result = run("-C", root, "status")
    assert result.exit_code == 2
    assert ("jurisdiction code 'TRANSLATION' is reserved: translation reviews record it" in result.stderr
            and "translations are listed under 'languages'" in result.stderr)
    assert "'reviewers.UK' holds an empty name" in result.stderr
    assert "'translators' holds an empty name" in result.stderr


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
    assert ok("-C", ws, "verify").stdout.startswith("1 review event(s) and 0 contribution decision(s)")

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


def test_the_sample_manual_shows_its_french_and_arabic_translations(sample_workspace: Path) -> None:
    states = matrix(sample_workspace)
    assert states["training-exercises"] == {"fr": "approved", "ar": "current"}
    # case-handover's source moved after they were made (r2 gave its sample note a quote bar),
    # so both translations are stale: the sample shows that state too
    assert states["case-handover"] == {"fr": "stale", "ar": "stale"}
    stale = run("-C", sample_workspace, "diff", "case-handover", "--language", "fr")
    assert stale.exit_code == 0, stale.output
    assert "Sample text" in stale.output
    assert all(s == {"fr": "missing", "ar": "missing"} for slug, s in states.items()
               if slug not in ("training-exercises", "case-handover"))


# --- intake: a translator submits, the editor accepts or declines ------------------------------

TOM = ("--as", "Tom Translator")
FR_MD = "## Premiers pas\n\nTexte d'exemple traduit : noter d'abord le numéro de scellé.\n"


def submit_translation(ws: Path, file: Path, *args: str) -> str:
    result = ok("-C", ws, "submit", file, *args, *TOM)
    assert "for the fr translation of chapter 'alpha'" in result.stdout
    return str(result.stdout.split()[1])


def fr_file(tmp_path: Path, name: str = "alpha.fr.md", text: str = FR_MD) -> Path:
    path = tmp_path / name
    path.write_text("---\ntitle: Chapitre Alpha\n---\n\n" + text, encoding="utf-8")
    return path


def test_a_translation_is_submitted_accepted_and_goes_stale_with_its_source(ws: Path, tmp_path: Path) -> None:
    before = source_hash(ws, "alpha")
    cid = submit_translation(ws, fr_file(tmp_path), "--translates", "alpha", "--language", "fr")
    assert cid.startswith(tuple(f"2{d}" for d in range(10))) and "-fr-alpha-" in cid
    assert matrix(ws)["alpha"]["fr"] == "in-progress"
    record = yaml.safe_load((ws / "contributions" / cid / "contribution.yaml").read_text(encoding="utf-8"))
    assert (record["language"], record["revisions"][0]["translates"]) == ("fr", before)

    # the source changes while the translation waits: accepted, it is stale at once
    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    result = ok("-C", ws, "accept", cid, "--as", "Ed Editor")
    assert f"Accepted {cid} r1 as the fr translation of 'alpha'" in result.stdout
    # the source's approvals are not touched, and the editor is told the translation is stale
    assert "approvals" not in result.stdout and "reviews it again" not in result.stdout
    assert ("The source changed after this translation was submitted, so it is stale: the translator "
            "sees what changed with 'vimanual diff alpha --language fr'") in " ".join(result.stdout.split())
    text = (ws / "chapters" / "fr" / "alpha.md").read_text(encoding="utf-8")
    assert f"translates: {before}" in text and "title: Chapitre Alpha" in text
    assert "le numéro de scellé" in text and "Tom Translator" in text
    assert matrix(ws)["alpha"]["fr"] == "stale"

    # the translator revises against today's source: accepted, it is current
    submit_translation(ws, fr_file(tmp_path, "v2.md", FR_MD + "\nUn paragraphe nouveau.\n"), "--revises", cid)
    current = ok("-C", ws, "accept", cid, "--as", "Ed Editor")
    assert ("The fr reviewers can now review it: 'vimanual review alpha --language fr --approve'. Run "
            "'vimanual build --language fr' to see it in the draft.") in " ".join(current.stdout.split())
    assert f"translates: {source_hash(ws, 'alpha')}" in (ws / "chapters" / "fr" / "alpha.md").read_text(
        encoding="utf-8")
    assert matrix(ws)["alpha"]["fr"] == "current"
    ok("-C", ws, "review", "alpha", "--language", "fr", "--approve", "-m", "Terminologie vérifiée.", *FAY)
    assert matrix(ws)["alpha"]["fr"] == "approved"
    assert ok("-C", ws, "check").exit_code == 0

    mine = json.loads(ok("-C", ws, "status", "--contributor", "Tom Translator", "--json").stdout)
    [entry] = mine["contributions"]
    assert (entry["language"], entry["state"], entry["review"]) == ("fr", "accepted", {"fr": "approved"})
    shown = ok("-C", ws, "status", "--contributor", "Tom Translator").stdout
    assert "(chapter 'alpha', fr translation)" in shown and "review: fr approved" in shown
    # the reviewer's comment names the language it is on, not the internal TRANSLATION code
    assert "fr Fay" in shown and "Terminologie vérifiée." in shown and "TRANSLATION" not in shown, shown


def test_a_language_folder_that_is_a_link_is_said_not_silently_dropped(ws: Path, tmp_path: Path) -> None:
    """chapters/fr as a symbolic link: every French translation was left out without a word by
    status and by a forced French build (found by an independent test)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"))
    (ws / "chapters" / "fr" / "alpha.md").rename(elsewhere / "alpha.md")
    (ws / "chapters" / "fr").rmdir()
    (ws / "chapters" / "fr").symlink_to(elsewhere)
    said = ("warning: chapters/fr: language folder is a symbolic link "
            "(every fr translation is left out until this is fixed)")
    status = run("-C", ws, "status")
    assert status.exit_code in (0, 1) and said in status.stderr, status.output
    refused = run("-C", ws, "build", "--language", "fr", "--format", "html", "-q")
    assert refused.exit_code == 2 and "chapters/fr: language folder is a symbolic link" in refused.stderr
    forced = run("-C", ws, "build", "--language", "fr", "--format", "html", "-q", "--force")
    assert forced.exit_code == 0 and said in forced.stderr, forced.output
    assert "Texte traduit." not in (ws / "build" / "manual.fr.html").read_text(encoding="utf-8")
    assert run("-C", ws, "build", "--format", "html", "-q").stderr == ""  # the source edition: no word


def test_a_language_tag_is_taken_in_any_case_as_a_jurisdiction_code_is(ws: Path, tmp_path: Path) -> None:
    """'--language FR' was refused as an unknown language while '-j uk' was taken as UK: language
    tags are not case-sensitive (BCP 47). Each command now takes it as manual.yaml spells it."""
    cid = submit_translation(ws, fr_file(tmp_path), "--translates", "alpha", "--language", "FR")
    assert "-fr-alpha-" in cid
    record = yaml.safe_load((ws / "contributions" / cid / "contribution.yaml").read_text(encoding="utf-8"))
    assert record["language"] == "fr"
    ok("-C", ws, "accept", cid, "--as", "Ed Editor")
    ok("-C", ws, "review", "alpha", "--language", "Fr", "--approve", *FAY)
    assert matrix(ws)["alpha"]["fr"] == "approved"
    [event] = (ws / "reviews" / "alpha").glob("*.yaml")
    assert yaml.safe_load(event.read_text(encoding="utf-8"))["language"] == "fr"
    built = ok("-C", ws, "build", "--language", "FR", "--format", "html", "--quiet")
    assert built.stderr == ""
    html = (ws / "build" / "manual.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Chapitre Alpha" in html
    assert "Projet · traduction (Français) : approuvée" in html  # its state found under its own tag
    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert "A new paragraph." in ok("-C", ws, "diff", "alpha", "--language", "FR").stdout
    unknown = run("-C", ws, "build", "--language", "DE")
    assert unknown.exit_code == 2 and "Error: unknown language 'DE'" in unknown.stderr


def test_a_translation_can_be_declined(ws: Path, tmp_path: Path) -> None:
    cid = submit_translation(ws, fr_file(tmp_path), "--translates", "alpha", "--language", "fr")
    ok("-C", ws, "decline", cid, "--reason", "Terminologie à revoir.", "--as", "Ed Editor")
    assert matrix(ws)["alpha"]["fr"] == "missing"
    assert not (ws / "chapters" / "fr").exists()


SUBMIT_REFUSALS = [
    (["--translates", "alpha", "--language", "fr", "--as", "Someone Else"],
     "Error: 'Someone Else' is not a translator for fr, so cannot submit its translations",
     "translators for fr: Tom Translator"),
    (["--translates", "alpha", "--language", "de", *TOM], "Error: unknown language 'de'", "known: fr, ar"),
    (["--translates", "gamma", "--language", "fr", *TOM], "Error: unknown chapter 'gamma'", "known: alpha"),
    (["--translates", "alpha", *TOM], "Error: a translation takes --translates SLUG and --language TAG",
     "--language fr"),
]


@pytest.mark.parametrize(("args", "message", "hint"), SUBMIT_REFUSALS)
def test_translation_submissions_that_are_refused(ws: Path, tmp_path: Path, args: list[str], message: str,
                                                  hint: str) -> None:
    result = run("-C", ws, "submit", fr_file(tmp_path), *args)
    assert result.exit_code == 2
    assert message in result.stderr and hint in result.stderr
    assert not (ws / "contributions").exists()


def test_a_translation_may_not_set_what_it_translates(ws: Path, tmp_path: Path) -> None:
    path = tmp_path / "forged.md"
    path.write_text(f"---\ntitle: Chapitre\ntranslates: {'a' * 64}\n---\n\nTexte.\n", encoding="utf-8")
    result = run("-C", ws, "submit", path, "--translates", "alpha", "--language", "fr", *TOM)
    assert result.exit_code == 2
    assert "'translates' does not belong in a translation's front matter" in result.stderr
    assert not (ws / "contributions").exists()


@pytest.mark.slow
def test_a_word_translation_keeps_its_image_shared_with_the_source(ws: Path, tmp_path: Path) -> None:
    docx = make_document(tmp_path / "src", "alpha-fr.docx",
                         "# Chapitre Alpha\n\nTexte traduit.\n\n![Schéma traduit, exemple.](figure.png)\n")
    cid = submit_translation(ws, docx, "--translates", "alpha", "--language", "fr")
    ok("-C", ws, "accept", cid, "--as", "Ed Editor")
    text = (ws / "chapters" / "fr" / "alpha.md").read_text(encoding="utf-8")
    [image] = (ws / "chapters" / "media" / cid).iterdir()
    assert f"(../media/{cid}/{image.name})" in text and "Schéma traduit, exemple." in text
    assert "title: Chapitre Alpha" in text and "# Chapitre Alpha" not in text
    assert matrix(ws)["alpha"]["fr"] == "current"
    assert ok("-C", ws, "check").exit_code == 0


# --- build: a language edition ---------------------------------------------------------------------

def test_build_language_writes_the_french_manual_with_translated_words(ws: Path) -> None:
    from tests.pdfhtml import pdf_outline_titles, pdf_pages_text

    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"),
                      "## Premiers pas {#first}\n\nTexte traduit.\n")
    result = ok("-C", ws, "build", "--language", "fr", "--quiet")
    assert result.stderr == ""
    assert sorted(p.name for p in (ws / "build").glob("manual*")) == ["manual.fr.html", "manual.fr.pdf"]
    html = (ws / "build" / "manual.fr.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Table des matières" in html
    assert '<article class="chapter" id="beta" lang="en"' in html  # untranslated: keeps its language
    assert '<article class="chapter" id="alpha" aria-labelledby' in html
    assert "Pas encore traduit en Français : chapitre présenté dans la langue source (en)." in html
    # the translated chapter credits its translators (manual.yaml's, as its file names none) and
    # its draft banner gives the translation's state in French
    assert "A. Author · Juridiction pilote : United Kingdom · Traduit par Tom Translator" in html
    assert "Projet · traduction (Français) : à jour, en attente de relecture" in html
    text = " ".join(pdf_pages_text(ws / "build" / "manual.fr.pdf"))
    assert "Chapitre alpha" in text and "Premiers pas" in text and "Texte traduit." in text
    assert "Table des matières" in text and "PROJET" in text and "Alpha text." not in text
    pages = pdf_pages_text(ws / "build" / "manual.fr.pdf")
    assert sum(bool(re.search(r"page \d sur \d", page)) for page in pages) >= 2  # every main page
    assert all("DRAFT" not in page and " of " not in page for page in pages)
    assert "Beta section" in text  # shown in the source language, under its banner
    assert pdf_outline_titles(ws / "build" / "manual.fr.pdf")[:2] == ["1 Chapitre alpha", "1.1 Premiers pas"]


def test_build_language_can_leave_untranslated_chapters_out_and_warns_of_stale_ones(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", "ab" * 32)  # translates a text the source no longer has
    result = run("-C", ws, "build", "--language", "fr", "--untranslated", "omit", "--format", "html")
    assert result.exit_code == 0, result.output
    assert "chapters/fr/alpha.md: translates an earlier text of the source chapter (stale)" in result.stderr
    assert "note: 1 chapter(s) not yet translated into fr were left out: beta" in result.stderr
    html = (ws / "build" / "manual.fr.html").read_text(encoding="utf-8")
    assert 'id="beta"' not in html and "Chapitre alpha" in html
    assert "Traduction d'une version antérieure de ce chapitre" in html.replace("&#39;", "'")


def test_a_broken_or_stray_translation_file_holds_up_no_one_else(ws: Path, tmp_path: Path) -> None:
    """A translator's broken file (bad front matter, not UTF-8, a link) or a stray one in a
    language folder stopped status, verify and the source-language build with exit 2, as a
    broken chapter once did: each is now set aside with a warning naming what is left out; the
    language's own edition is refused until it is fixed, or built with the source text by --force."""
    ok("-C", ws, "review", "alpha", "-j", "UK", "--approve", "--as", "Ruth Reviewer")
    write_translation(ws, "fr", "beta", source_hash(ws, "beta"), "Texte bêta traduit.\n")
    (ws / "chapters" / "fr" / "alpha.md").write_text("---\ntitle: [unclosed\n---\nTexte.\n", encoding="utf-8")
    (ws / "chapters" / "fr" / "notes.md").write_text("Notes du traducteur.\n", encoding="utf-8")
    (ws / "chapters" / "ar").mkdir()
    (ws / "chapters" / "ar" / "alpha.md").write_bytes(b"---\ntitle: \xff\xfe\n---\n")
    outside = tmp_path / "elsewhere.md"
    outside.write_text(f"---\ntitle: Ailleurs\ntranslates: {source_hash(ws, 'beta')}\n---\n\nSecret.\n")
    (ws / "chapters" / "ar" / "beta.md").symlink_to(outside)
    warnings = [
        "warning: chapters/fr/alpha.md:3: invalid YAML: expected ',' or ']', but got '<stream end>' "
        "(the fr translation of 'alpha' is left out until this is fixed)",
        "warning: chapters/ar/alpha.md:2: not UTF-8 text (byte 0xff at offset 11) "
        "(the ar translation of 'alpha' is left out until this is fixed)",
        "warning: chapters/ar/beta.md: translation file is a symbolic link (or lies outside the workspace) "
        "(the ar translation of 'beta' is left out until this is fixed)",
        "warning: chapters/fr/notes.md: 'notes' is not a chapter of the manual "
        "(chapters/fr/notes.md is left out until this is fixed)",
    ]
    status = run("-C", ws, "status", env={"COLUMNS": "200"})
    assert status.exit_code in (0, 1), status.output  # 1: chapters not ready, as before
    assert [line for line in status.stderr.splitlines() if line.startswith("warning:")] == warnings
    assert matrix(ws)["alpha"]["fr"] == "missing" and matrix(ws)["beta"]["fr"] != "missing"

    # a reviewer of the broken translation is told what is wrong with the file, not "no translation"
    review = run("-C", ws, "review", "alpha", "--language", "fr", "--approve", *FAY)
    assert review.exit_code == 2
    assert review.stderr.startswith("Error: chapters/fr/alpha.md:3: invalid YAML"), review.stderr

    verified = run("-C", ws, "verify")
    assert verified.exit_code == 0, verified.output
    assert "1 review event(s) and 0 contribution decision(s) verified, no problems." in verified.stdout
    assert "warning: chapters/fr/notes.md: 'notes' is not a chapter of the manual" in verified.stderr
    assert "chapters/ar/beta.md: translation file is a symbolic link" in verified.stderr

    source = run("-C", ws, "build", "--format", "html", "--quiet")
    assert source.exit_code == 0, source.output
    assert source.stderr == ""  # the source edition uses no translation: nothing to say
    refused = run("-C", ws, "build", "--language", "fr", "--format", "html", "--quiet")
    assert refused.exit_code == 2
    assert "Error: chapters/fr/alpha.md:3: invalid YAML" in refused.stderr
    assert "chapters/ar/" not in refused.stderr and not (ws / "build" / "manual.fr.html").exists()
    forced = run("-C", ws, "build", "--language", "fr", "--format", "html", "--quiet", "--force")
    assert forced.exit_code == 0, forced.output
    assert warnings[0] in forced.stderr and warnings[3] in forced.stderr
    assert "chapters/ar/" not in forced.stderr
    html = (ws / "build" / "manual.fr.html").read_text(encoding="utf-8")
    assert "Alpha text." in html and "Texte bêta traduit." in html and "Texte." not in html
    assert "Secret." not in html
    checked = run("-C", ws, "check")
    assert checked.exit_code == 1
    for where in ("fr/alpha.md", "fr/notes.md", "ar/alpha.md", "ar/beta.md"):
        assert f"chapters/{where}" in checked.stdout, where


def test_build_for_an_unknown_language_is_refused(ws: Path) -> None:
    result = run("-C", ws, "build", "--language", "de")
    assert result.exit_code == 2
    assert "Error: unknown language 'de'" in result.stderr and "known: fr, ar" in result.stderr
    assert not (ws / "build").exists() or not list((ws / "build").glob("manual*"))


# --- export: the source as a Word file for translators ------------------------------------------

def docx_text(path: Path) -> str:
    done = subprocess.run([pandoc_path(), "--from", "docx", "--to", "plain", str(path)], capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout


def test_export_writes_the_source_as_word_with_its_image_and_it_comes_back_as_a_translation(
        sample_workspace: Path) -> None:
    result = ok("-C", sample_workspace, "export", "case-handover", "--format", "docx")
    target = sample_workspace / "build" / "export" / "case-handover.docx"
    assert f"Exported 'case-handover' to {target}" in result.stdout and "1 image(s)" in result.stdout
    with zipfile.ZipFile(target) as archive:
        [image] = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert archive.read(image).startswith(b"\x89PNG")
    text = docx_text(target)
    assert "Why handover matters" in text and "Preparing the handover" in text
    # a translator works on the Word file and submits it back as the French translation
    result = run("-C", sample_workspace, "submit", target, "--translates", "case-handover",
                 "--language", "fr", "--title", "Passation d'un dossier", "--as", "Sample Translator FR")
    assert result.exit_code == 0, result.output
    # the sample's French translation stays as it was (stale: the source moved since); the
    # update waits for the editor
    data = json.loads(ok("-C", sample_workspace, "status", "case-handover", "--json").stdout)
    assert data["translations"]["fr"]["state"] == "stale"
    assert data["translations"]["fr"]["submitted"] == [result.stdout.split()[1]]


def test_export_keeps_an_svg_figure_and_it_comes_back_with_the_translation(sample_workspace: Path) -> None:
    """The sample's SVG flow chart was left out 'not an image file in the workspace' (it is
    one), so a translator's Word file, and then the translation, silently had no figure."""
    result = ok("-C", sample_workspace, "export", "international-referral")
    assert "left out" not in result.stderr and "1 image(s)" in result.stdout
    target = sample_workspace / "build" / "export" / "international-referral.docx"
    with zipfile.ZipFile(target) as archive:
        [image] = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert b"<svg" in archive.read(image)
    data = json.loads(ok("-C", sample_workspace, "submit", target, "--translates", "international-referral",
                         "--language", "fr", "--as", "Sample Translator FR", "--json").stdout)
    revision = (sample_workspace / "contributions" / str(data["id"]) / "r1.md").read_text(encoding="utf-8")
    assert re.search(r"!\[Referral flow[^\]]*\]\(media/[0-9a-f]{16}\.svg\)", revision)


def test_the_word_round_trip_keeps_section_ids_that_other_chapters_link_to(sample_workspace: Path) -> None:
    """export writes a section id ({#hash-sets}) as a bookmark around the section, between
    paragraphs; pandoc read none of it back, so the French image-triage lost the id that two
    chapters link to, and check said nothing (found by a new-user walk of the journey)."""
    ok("-C", sample_workspace, "export", "image-triage")
    target = sample_workspace / "build" / "export" / "image-triage.docx"
    data = json.loads(ok("-C", sample_workspace, "submit", target, "--translates", "image-triage",
                         "--language", "fr", "--as", "Sample Translator FR", "--json").stdout)
    revision = (sample_workspace / "contributions" / str(data["id"]) / "r1.md").read_text(encoding="utf-8")
    assert "## Matching against hash sets {#hash-sets}" in revision
    ok("-C", sample_workspace, "accept", str(data["id"]), "--as", "Sample Editor")
    report = json.loads(run("-C", sample_workspace, "check", "--json").stdout)
    assert [p for p in report["problems"] if "in the fr edition" in p["message"]] == []
    # a translation that loses the id is now said by check, as its edition's build says it
    translation = sample_workspace / "chapters" / "fr" / "image-triage.md"
    without = translation.read_text(encoding="utf-8").replace(" {#hash-sets}", "")
    translation.write_text(without, encoding="utf-8")
    report = json.loads(run("-C", sample_workspace, "check", "--json").stdout)
    said = [(p["file"], p["severity"], p["message"]) for p in report["problems"]
            if "in the fr edition" in p["message"]]
    assert ("chapters/international-referral.md", "warning", "in the fr edition: link to "
            "'image-triage.md#hash-sets': chapter 'image-triage' has no section 'hash-sets'") in said


def test_export_never_embeds_a_file_from_outside_the_workspace(tmp_path: Path) -> None:
    canary = make_png()
    (tmp_path / "outside.png").write_bytes(canary)
    root = small_workspace(tmp_path / "ws", languages=[FR])
    alpha = root / "chapters" / "alpha.md"
    alpha.write_text(alpha.read_text(encoding="utf-8") + "\n![Secret](../../outside.png)\n", encoding="utf-8")
    result = ok("-C", root, "export", "alpha", "-o", tmp_path / "out" / "alpha.docx")
    assert "warning: image '../../outside.png' left out" in result.stderr

    with zipfile.ZipFile(tmp_path / "out" / "alpha.docx") as archive:
        assert not [n for n in archive.namelist() if n.startswith("word/media/")]
        assert all(canary not in archive.read(n) for n in archive.namelist())


def test_export_of_an_unknown_chapter_is_refused(ws: Path) -> None:
    result = run("-C", ws, "export", "gamma")
    assert result.exit_code == 2
    assert "Error: unknown chapter 'gamma'" in result.stderr
    assert not (ws / "build").exists()


def test_build_language_all_builds_every_language_sharing_the_cache(ws: Path) -> None:
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"), "## Premiers pas {#first}\n\nTexte.\n")
    result = ok("-C", ws, "build", "--language", "all", "--format", "html")
    # the second language converts only what the first did not: beta (untranslated) is cached
    assert result.stdout.replace(str(ws), "<ws>").splitlines() == [
        "Built <ws>/build/manual.fr.html · 2 chapters (2 converted, 0 from cache)",
        "Built <ws>/build/manual.ar.html · 2 chapters (1 converted, 1 from cache)",
    ]
    assert 'dir="rtl"' in (ws / "build" / "manual.ar.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in (ws / "build" / "manual.ar.html").read_text(encoding="utf-8")
    assert "المحتويات" in (ws / "build" / "manual.ar.html").read_text(encoding="utf-8")


def test_a_translation_whose_record_lost_its_source_hash_is_not_accepted(ws: Path, tmp_path: Path) -> None:
    cid = submit_translation(ws, fr_file(tmp_path), "--translates", "alpha", "--language", "fr")
    record = ws / "contributions" / cid / "contribution.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("translates:", "was_translating:"),
                      encoding="utf-8")
    record.write_text("\n".join(line for line in record.read_text(encoding="utf-8").splitlines()
                                if "was_translating" not in line) + "\n", encoding="utf-8")
    result = run("-C", ws, "accept", cid, "--as", "Ed Editor")
    assert result.exit_code == 2
    assert f"Error: cannot accept {cid}: r1 does not record which source text it translates" in result.stderr
    assert not (ws / "chapters" / "fr").exists()
    assert ok("-C", ws, "check").exit_code == 0


# --- a stale translation: what changed in the source since -------------------------------------

def test_diff_language_shows_the_source_changes_since_the_translated_text(ws: Path, tmp_path: Path) -> None:
    cid = submit_translation(ws, fr_file(tmp_path), "--translates", "alpha", "--language", "fr")
    ok("-C", ws, "accept", cid, "--as", "Ed Editor")
    assert ok("-C", ws, "diff", "alpha", "--language", "fr").stdout.endswith(
        "No change: the translation translates the source as it is now.\n")
    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Alpha text.", "Alpha text, revised."),
                      encoding="utf-8")
    shown = ok("-C", ws, "status", "alpha").stdout
    assert ("What changed in the source since it was translated, word by word:\n"
            "  vimanual diff alpha --language fr\n") in shown
    result = ok("-C", ws, "diff", "alpha", "--language", "fr")
    assert "2 words added, 1 removed" in result.stdout
    assert "[-text.-]" in result.stdout and "{+text, revised.+}" in result.stdout
    data = json.loads(ok("-C", ws, "diff", "alpha", "--language", "fr", "--json").stdout)
    assert data["source"].startswith("chapters/.history/alpha/translated-")  # no git here: the kept copy
    assert (data["words_added"], data["words_removed"], data["language"]) == (2, 1, "fr")


def test_diff_language_without_a_translation_is_refused(ws: Path) -> None:
    result = run("-C", ws, "diff", "alpha", "--language", "fr")
    assert result.exit_code == 2
    assert "Error: chapter 'alpha' has no fr translation: nothing to compare with" in result.stderr


# --- check: a translation's text, in its language -------------------------------------------------

def test_check_reads_each_translation_with_its_languages_rules(ws: Path) -> None:
    from tests.docs_helpers import make_png

    (ws / "chapters" / "media").mkdir(parents=True)
    (ws / "chapters" / "media" / "shared.png").write_bytes(make_png())
    body = ("## Premiers pas {#first}\n\n![Schéma partagé, traduit.](../media/shared.png)\n\n"
            "Voir [bêta](beta.md#nowhere) et ![Absent.](../media/missing.png).\n\n"
            "Écrire à jane.doe@agency.gov.uk ; ne jamais dire pédopornographie.\n\n"
            "Selon [l'annexe](alpha.md#first), rien d'autre.\n")
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"), body)
    # the English list does not apply to French text, nor the French list to English
    write_translation(ws, "ar", "alpha", source_hash(ws, "alpha"), "## تمهيد {#first}\n\nإباحية الأطفال.\n")
    result = run("-C", ws, "check")
    assert result.exit_code == 1, result.output
    out = result.stdout.replace("\n  ", " ")
    assert ("chapters/fr/alpha.md:10: link to 'beta.md#nowhere': chapter 'beta' has no section 'nowhere'"
            in out)
    assert "chapters/fr/alpha.md:10: image '../media/missing.png' not found" in out
    assert "chapters/fr/alpha.md:12:" in out and "jane.doe" in out  # sensitive data, as in English
    assert "« pédopornographie »" in out or "pédopornographie" in out
    assert "terminology/pedopornographie" in out
    assert "shared.png" not in out  # a shared image is found from the translation's folder
    assert "chapters/ar/alpha.md:8:" in out and "terminology/ibahiya-atfal" in out
    only_alpha = run("-C", ws, "check", "beta")
    assert "chapters/fr/alpha.md" not in only_alpha.stdout


def test_a_language_release_is_blocked_by_a_check_error_in_a_translation(ws: Path) -> None:
    for slug in ("alpha", "beta"):
        for code, person in (("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")):
            ok("-C", ws, "review", slug, "-j", code, "--approve", "--as", person)
        write_translation(ws, "fr", slug, source_hash(ws, slug),
                          "## Section {#first}\n\nTexte. [Lien](javascript:alert(1))\n")
        ok("-C", ws, "review", slug, "--language", "fr", "--approve", *FAY)
    result = run("-C", ws, "release", "1.0", "--language", "fr", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["blockers"] == []
    assert {p["file"] for p in data["problems"]} == {"chapters/fr/alpha.md", "chapters/fr/beta.md"}
    assert not (ws / "editions").exists()


def test_a_translation_is_checked_on_its_own_and_never_answered_from_its_sources_cache(ws: Path) -> None:
    """check caches findings per chapter (build/cache/check/); a translation is checked under
    its chapter's slug but from its own folder: the same text that is clean in chapters/ (its
    image is there) is an error in chapters/fr/ (no image there), cold and warm alike."""
    body = "## Section\n\nText.\n\n![A square.](media/sq.png)\n"
    media = ws / "chapters" / "media"
    media.mkdir(exist_ok=True)
    (media / "sq.png").write_bytes(make_png())
    alpha = ws / "chapters" / "alpha.md"
    front = alpha.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    alpha.write_text(front + "\n---\n\n" + body, encoding="utf-8")
    write_translation(ws, "fr", "alpha", source_hash(ws, "alpha"), body)

    def problems() -> list[tuple[str, str]]:
        result = run("-C", ws, "check", "--json")
        assert result.exit_code in (0, 1), result.output
        return sorted((p["file"], p["rule"]) for p in json.loads(result.stdout)["problems"]
                      if p["severity"] == "error")

    cold = problems()
    assert [f for f, _ in cold if f.startswith("chapters/fr/alpha.md")], cold
    assert not [f for f, _ in cold if f == "chapters/alpha.md"], cold
    assert problems() == cold  # warm: every entry from the cache, the same findings
