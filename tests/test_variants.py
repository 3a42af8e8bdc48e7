"""Per-jurisdiction passages: ::: {.only jurisdiction="UK,AU"} in builds, prints and check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.pdfhtml import parse_html, pdf_pages_text

BODY = """\
## Reporting

Everyone reads this.

::: {.only jurisdiction="UK"}
The UK passage names the UK hotline.
:::

::: {.only jurisdiction="AU"}
The AU passage names the AU hotline.
:::
"""


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_file_tree(tmp_path_factory.mktemp("variants") / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha Chapter", BODY, lead="UK")},
    })


def _build(root: Path, out: Path, *options: str) -> tuple[str, str]:
    result = run("-C", root, "build", "--output", out, *options)
    assert result.exit_code == 0, result.output
    return parse_html(out / "manual.html").text, " ".join(pdf_pages_text(out / "manual.pdf"))


@pytest.mark.slow
def test_default_build_shows_every_passage_labelled(variants: Path, tmp_path: Path) -> None:
    html, pdf = _build(variants, tmp_path / "all")
    for text in (html, pdf):
        assert "UK only The UK passage names the UK hotline." in text
        assert "AU only The AU passage names the AU hotline." in text
    tags = parse_html(tmp_path / "all" / "manual.html").tags
    assert sum(1 for tag, attrs in tags if tag == "div" and attrs.get("class") == "only") == 2


@pytest.mark.slow
def test_jurisdiction_build_keeps_only_its_passages(variants: Path, tmp_path: Path) -> None:
    # built after the default build in the same workspace: the cache key holds the jurisdiction
    _build(variants, tmp_path / "all")
    html, pdf = _build(variants, tmp_path / "uk", "--jurisdiction", "uk")
    for text in (html, pdf):
        assert "The UK passage names the UK hotline." in text
        assert "AU hotline" not in text and "UK only" not in text
        assert "Everyone reads this." in text
    html, pdf = _build(variants, tmp_path / "au", "--jurisdiction", "AU")
    assert "AU hotline" in html and "UK hotline" not in html and "UK hotline" not in pdf


def test_unknown_jurisdiction_for_build_is_refused(variants: Path, tmp_path: Path) -> None:
    result = run("-C", variants, "build", "--output", tmp_path, "--jurisdiction", "GB")
    assert result.exit_code == 2
    assert "unknown jurisdiction 'GB'" in result.stderr and "known: UK, AU" in result.stderr


def test_check_flags_unknown_codes_in_only_passages(tmp_path: Path) -> None:
    body = "## S\n\nText.\n\n::: {.only jurisdiction=\"UK,GB\"}\nFor some.\n:::\n\n::: only\nNo code.\n:::\n"
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", body)},
    })
    result = run("-C", root, "check", "--json")
    assert result.exit_code == 1
    found = [(p["file"], p["line"], p["message"]) for p in json.loads(result.stdout)["problems"]
             if p["rule"] == "only-jurisdiction"]
    assert found == [
        ("chapters/alpha.md", 9,
         "'.only' passage names jurisdiction 'GB', which is not defined (known: UK, AU)"),
        ("chapters/alpha.md", 13, "'.only' passage names no jurisdiction"),
    ]
    human = run("-C", root, "check")
    assert "chapters/alpha.md:9: '.only' passage names jurisdiction 'GB'" in human.stdout


def test_check_flags_an_only_passage_without_codes(tmp_path: Path) -> None:
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", "## S\n\nText.\n\n::: {.only}\nNo code.\n:::\n")},
    })
    result = run("-C", root, "check", "--json")
    problems = [p for p in json.loads(result.stdout)["problems"] if p["rule"] == "only-jurisdiction"]
    assert [p["message"] for p in problems] == ["'.only' passage names no jurisdiction"]


@pytest.mark.slow
def test_print_of_an_edition_for_one_jurisdiction(variants: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(variants, root, ignore=shutil.ignore_patterns("build"))
    for code, name in (("UK", "Ruth Reviewer"), ("AU", "Alan Reviewer")):
        assert run("-C", root, "review", "alpha", "-j", code, "--approve", "--as", name).exit_code == 0
    assert run("-C", root, "release", "1.0", "--date", "2026-11-28").exit_code == 0
    whole = " ".join(pdf_pages_text(root / "editions" / "1.0" / "manual.pdf"))
    assert "UK only" in whole and "AU only" in whole
    out = tmp_path / "uk.pdf"
    result = run("-C", root, "print", "1.0", "--jurisdiction", "UK", "--output", out)
    assert result.exit_code == 0, result.output
    assert "the UK variant" in result.stdout
    text = " ".join(pdf_pages_text(out))
    assert "UK hotline" in text and "AU hotline" not in text and "Edition 1.0" in text
