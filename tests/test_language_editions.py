"""Language editions released: `release V --language fr` gated on every chapter's translation
being an approved translation of the text the edition holds; the manifest naming its source
edition and each translation's hash; print, verify-edition, diff and handouts per language; and a
language edition rebuilt byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ok, run, small_workspace, source_hash

FR = {"tag": "fr", "name": "Français", "translators": ["Tom Translator"], "reviewers": ["Fay Reviewer"],
      "marking": "MARQUAGE DE TEST"}
AR = {"tag": "ar", "name": "العربية", "translators": ["Tom Translator"], "reviewers": ["Amal Reviewer"]}
SOURCE_REVIEWERS = {"UK": "Ruth Reviewer", "AU": "Alan Reviewer"}

pytestmark = pytest.mark.slow  # every test here releases an edition (PDF and HTML)


def approve_source(ws: Path, *slugs: str) -> None:
    for slug in slugs:
        for code, person in SOURCE_REVIEWERS.items():
            ok("-C", ws, "review", slug, "-j", code, "--approve", "--as", person)


def translate(ws: Path, tmp_path: Path, slug: str, title: str, body: str, language: str = "fr") -> None:
    """A translator submits, the editor accepts: the translation translates today's source."""
    file = tmp_path / f"{slug}.{language}.md"
    file.write_text(f"---\ntitle: {title}\n---\n\n{body}", encoding="utf-8")
    submitted = ok("-C", ws, "submit", file, "--translates", slug, "--language", language,
                   "--as", "Tom Translator")
    ok("-C", ws, "accept", submitted.stdout.split()[1], "--as", "Ed Editor")


def approve_translation(ws: Path, slug: str, language: str = "fr", person: str = "Fay Reviewer") -> None:
    ok("-C", ws, "review", slug, "--language", language, "--approve", "--as", person)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = small_workspace(tmp_path / "ws", languages=[FR, AR], editors=["Ed Editor"])
    approve_source(root, "alpha", "beta")
    return root


ALPHA_FR = "## Premiers pas {#first}\n\nTexte alpha traduit.\n\n## Deuxième\n\nSuite.\n"
BETA_FR = "## Section bêta\n\nVoir [alpha](alpha.md#first).\n"


def test_a_translation_is_released_only_when_approved_at_the_editions_text(ws: Path, tmp_path: Path) -> None:
    """The whole life: missing → submitted and accepted → approved; the gate lists what is
    missing with whom to ask, and nothing is written while it is closed."""
    blocked = run("-C", ws, "release", "1.0", "--language", "fr", "--as", "Ed Editor", "--json")
    assert blocked.exit_code == 1
    blockers = json.loads(blocked.stdout)["blockers"]
    assert [(b["chapter"], b["jurisdiction"], b["state"], b["ask"]) for b in blockers] == [
        ("alpha", "fr", "missing", ["Tom Translator"]), ("beta", "fr", "missing", ["Tom Translator"])]
    assert not (ws / "editions").exists() or not any((ws / "editions").iterdir())

    translate(ws, tmp_path, "alpha", "Chapitre alpha", ALPHA_FR)
    translate(ws, tmp_path, "beta", "Chapitre bêta", BETA_FR)
    approve_translation(ws, "alpha")
    blocked = run("-C", ws, "release", "1.0", "--language", "fr", "--as", "Ed Editor")
    assert blocked.exit_code == 1
    assert "release blocked: 1 chapter(s) not ready" in blocked.stderr
    assert "beta" in blocked.stderr and "current" in blocked.stderr and "Fay Reviewer" in blocked.stderr
    assert not (ws / "editions").exists() or not any((ws / "editions").iterdir())

    approve_translation(ws, "beta")
    result = ok("-C", ws, "release", "1.0", "--language", "fr", "--date", "2026-12-01", "--as", "Ed Editor")
    assert "Released edition 1.0 (2026-12-01) · 2 chapters → " in result.stdout
    assert "Released edition 1.0 (fr) (2026-12-01) · 2 chapters → " in result.stdout
    assert result.stdout.count("manual.pdf  sha256") == 2

    folder = ws / "editions" / "1.0" / "languages" / "fr"
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    source_manifest = ws / "editions" / "1.0" / "manifest.yaml"
    import hashlib

    assert manifest["language"] == "fr"
    assert manifest["source_edition"] == {
        "version": "1.0", "manifest_sha256": hashlib.sha256(source_manifest.read_bytes()).hexdigest()}
    status = json.loads(ok("-C", ws, "status", "alpha", "--json").stdout)
    [alpha, beta] = manifest["chapters"]
    assert alpha["title"] == "Chapitre alpha"
    assert alpha["content_hash"] == source_hash(ws, "alpha")  # the source text it translates
    assert alpha["translation_hash"] == status["translations"]["fr"]["content_hash"]
    assert alpha["translators"] == ["Tom Translator"]
    assert [(a["jurisdiction"], a["reviewer"]) for a in alpha["approvals"]] == [("fr", "Fay Reviewer")]
    assert beta["slug"] == "beta"
    assert sorted(manifest["files"]) == sorted([
        "chapters/alpha.md", "chapters/beta.md", "chapters/fr/alpha.md", "chapters/fr/beta.md", "manual.yaml",
        *[f for f in manifest["files"] if f.startswith("styles/")]])
    # the source edition's own manifest and checks know nothing of it
    assert "language" not in yaml.safe_load(source_manifest.read_text(encoding="utf-8"))
    assert ok("-C", ws, "verify-edition", "1.0").stdout.startswith("OK: edition 1.0:")

    from tests.pdfhtml import pdf_pages_text

    pages = pdf_pages_text(folder / "manual.pdf")
    text = " ".join(pages)
    assert "Chapitre alpha" in text and "Texte alpha traduit." in text and "Table des matières" in text
    assert "Alpha text." not in text and "PROJET" not in text and "DRAFT" not in text
    assert all("MARQUAGE DE TEST" in page for page in pages)
    assert "Registre des relectures" in text and "Fay Reviewer" in text
    html = (folder / "manual.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Texte alpha traduit." in html
    assert "Traduit par Tom Translator" in html and "Édition 1.0" in text  # credits; the footer's word

    again = run("-C", ws, "release", "1.0", "--language", "fr", "--as", "Ed Editor")
    assert again.exit_code == 2
    assert "Error: the fr edition of 1.0 is already released (editions/1.0/languages/fr)" in again.stderr


def translated_and_released(ws: Path, tmp_path: Path) -> None:
    """Both chapters translated into French and approved, and edition 1.0 released."""
    translate(ws, tmp_path, "alpha", "Chapitre alpha", ALPHA_FR)
    translate(ws, tmp_path, "beta", "Chapitre bêta", BETA_FR)
    approve_translation(ws, "alpha")
    approve_translation(ws, "beta")
    ok("-C", ws, "release", "1.0", "--date", "2026-12-01", "--as", "Ed Editor")


def released(ws: Path, tmp_path: Path) -> Path:
    translated_and_released(ws, tmp_path)
    ok("-C", ws, "release", "1.0", "--language", "fr", "--date", "2026-12-02", "--as", "Ed Editor")
    return ws / "editions" / "1.0" / "languages" / "fr"


def test_a_language_edition_prints_verifies_and_rebuilds_byte_for_byte(ws: Path, tmp_path: Path) -> None:
    folder = released(ws, tmp_path)
    listed = ok("-C", ws, "editions").stdout
    assert "\nEdition 1.0 in other languages: fr (vimanual print 1.0 --language fr)\n" in listed
    assert json.loads(ok("-C", ws, "editions", "--json").stdout)["editions"][0]["languages"] == ["fr"]

    printed = ok("-C", ws, "print", "1.0", "--language", "fr")
    target = ws / "build" / "editions" / "manual-1.0.fr.pdf"
    assert f"Wrote {target} · edition 1.0 (fr) · 2 chapter(s) · A4" in printed.stdout.replace("\n", " ")
    assert target.read_bytes() == (folder / "manual.pdf").read_bytes()

    checked = ok("-C", ws, "verify-edition", "1.0", target)
    assert f"OK: {target} is edition 1.0 (fr)'s PDF" in checked.stdout.replace("\n", " ")
    assert ok("-C", ws, "verify-edition", "1.0", "--language", "fr").stdout.startswith(
        "OK: edition 1.0 (fr):")
    # a tag is not case-sensitive: 'FR' is the fr edition, as '-j uk' is UK
    upper_check = ok("-C", ws, "verify-edition", "1.0", "--language", "FR")
    assert upper_check.stdout.startswith("OK: edition 1.0 (fr):")
    upper = ok("-C", ws, "print", "1.0", "--language", "FR", "-o", tmp_path / "upper.pdf")
    assert "edition 1.0 (fr)" in upper.stdout and (tmp_path / "upper.pdf").read_bytes() == target.read_bytes()
    assert ok("-C", ws, "diff", "1.0", "--language", "FR").exit_code == 0

    # removed, the stored PDF is rebuilt from the frozen sources to the manifest's bytes
    stored = (folder / "manual.pdf").read_bytes()
    (folder / "manual.pdf").unlink()
    rebuilt = ok("-C", ws, "print", "1.0", "--language", "fr", "-o", tmp_path / "again.pdf")
    assert "rebuilt from the frozen sources: the stored PDF is missing" in rebuilt.stdout.replace("\n", " ")
    assert (tmp_path / "again.pdf").read_bytes() == stored
    (folder / "manual.pdf").write_bytes(stored)
    result = ok("-C", ws, "verify-edition", "1.0", "--language", "fr", "--rebuild")
    assert "OK: edition 1.0 (fr) rebuilt byte for byte" in result.stdout

    # a handout in French: its own name, recorded in the language edition's register
    handout = ok("-C", ws, "print", "1.0", "--language", "fr", "--chapters", "beta")
    out = ws / "build" / "editions" / "manual-1.0.fr-handout-beta.pdf"
    assert out.is_file() and "a handout of 1 chapter(s)" in handout.stdout
    assert len(list((folder / "register" / "handouts").iterdir())) == 1
    recognised = ok("-C", ws, "verify-edition", "1.0", out).stdout
    assert "is a handout of edition 1.0 (fr)" in recognised.replace("\n", " ")
    assert ok("-C", ws, "verify-edition", "1.0", "--language", "fr").exit_code == 0

    # a frozen translation altered after the release is caught
    frozen = folder / "chapters" / "fr" / "alpha.md"
    frozen.write_text(frozen.read_text(encoding="utf-8") + "\nAjout.\n", encoding="utf-8")
    broken = run("-C", ws, "verify-edition", "1.0", "--language", "fr")
    assert broken.exit_code == 1
    assert "chapters/fr/alpha.md: changed since the release" in broken.stderr


def test_a_language_edition_translates_its_source_edition_not_todays_text(ws: Path, tmp_path: Path) -> None:
    translated_and_released(ws, tmp_path)
    # the source moves on after 1.0: today the translation is stale, but it still translates 1.0
    source = ws / "chapters" / "alpha.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Alpha text.", "Alpha text, revised."),
                      encoding="utf-8")
    states = json.loads(ok("-C", ws, "status", "--languages", "--json").stdout)["chapters"]
    assert states[0]["states"]["fr"] == "stale"
    ok("-C", ws, "release", "1.0", "--language", "fr", "--as", "Ed Editor")

    # the next edition needs the translation brought up to date
    approve_source(ws, "alpha")
    blocked = run("-C", ws, "release", "1.1", "--language", "all", "--as", "Ed Editor", "--json")
    assert blocked.exit_code == 1
    found = {(b["chapter"], b["jurisdiction"], b["state"]) for b in json.loads(blocked.stdout)["blockers"]}
    assert found == {("alpha", "fr", "stale"), ("alpha", "ar", "missing"), ("beta", "ar", "missing")}
    assert not (ws / "editions" / "1.1").exists()

    translate(ws, tmp_path, "alpha", "Chapitre alpha", ALPHA_FR.replace("traduit.", "traduit, révisé."))
    approve_translation(ws, "alpha")
    ok("-C", ws, "release", "1.1", "--language", "fr", "--exclude", "beta", "--as", "Ed Editor")
    assert sorted(p.name for p in (ws / "editions" / "1.1" / "languages").iterdir()) == ["fr"]

    diff = ok("-C", ws, "diff", "1.0", "1.1", "--language", "fr")
    assert diff.stdout.splitlines()[0] == "From edition 1.0 (fr) to edition 1.1:"
    assert "~ changed alpha  +2 / -1 words" in diff.stdout and "- removed beta" in diff.stdout
    # with a chapter for OLD, --language is still the stale-translation diff
    assert "No change" in ok("-C", ws, "diff", "alpha", "--language", "fr").stdout


def test_language_edition_refusals(ws: Path, tmp_path: Path) -> None:
    unknown = run("-C", ws, "release", "1.0", "--language", "de", "--as", "Ed Editor")
    assert unknown.exit_code == 2
    assert "Error: unknown language 'de'" in unknown.stderr and "known: fr, ar" in unknown.stderr
    not_editor = run("-C", ws, "release", "1.0", "--language", "fr", "--as", "Tom Translator")
    assert not_editor.exit_code == 2
    assert not (ws / "editions").exists() or not any((ws / "editions").iterdir())
    ok("-C", ws, "release", "1.0", "--as", "Ed Editor")
    missing = run("-C", ws, "print", "1.0", "--language", "fr")
    assert missing.exit_code == 2
    assert "Error: edition 1.0 has no 'fr' edition" in missing.stderr
    assert "vimanual release 1.0 --language fr" in missing.stderr
    traversal = run("-C", ws, "verify-edition", "1.0", "--language", "../1.0")
    assert traversal.exit_code == 2 and "has no '../1.0' edition" in traversal.stderr


# --- Arabic, right to left ----------------------------------------------------------------------

def _runs(page: Any) -> list[tuple[str, float, float]]:
    """(text, x, y) of each text run on a PDF page."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            found.append((text.strip(), tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_the_sample_builds_its_arabic_edition_right_to_left(sample_workspace: Path) -> None:
    import pypdf

    from tests.pdfhtml import pdf_font_names

    ok("-C", sample_workspace, "build", "--language", "ar", "--quiet")
    html = (sample_workspace / "build" / "manual.ar.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert "تسليم القضية بين الوحدات" in html and "تمارين التدريب" in html
    assert '<article class="chapter" id="image-triage" lang="en"' in html  # untranslated: the source's
    pdf = sample_workspace / "build" / "manual.ar.pdf"
    assert any("Manual-Arabic" in name for name in pdf_font_names(pdf))  # Noto Naskh Arabic, bundled
    reader = pypdf.PdfReader(pdf)
    page = next(p for p in reader.pages if "كثيراً ما تنتقل" in (p.extract_text() or ""))  # not the contents
    width = float(page.mediabox.width)
    footer = [(t, x) for t, x, y in _runs(page) if y < 60]
    marking = [x for t, x in footer if "إنفاذ القانون" in t]
    folio = [x for t, x in footer if "صفحة" in t or "من" in t]
    # mirrored: the marking starts on the right, the page number sits on the left
    assert marking and folio and min(marking) > width / 2 > max(folio), footer
    head = [(t, x) for t, x, y in _runs(page) if "6.1" in t or "أهمية" in t]
    assert head and all(x > width / 3 for _, x in head)  # a heading starts at the right margin
