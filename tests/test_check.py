"""vimanual check: one failing and one passing case per rule, exact file lines, markers,
the --json shape, --strict, SLUG arguments, and build's pre-flight."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers import REPO, build_file_tree, chapter_md, manual_yaml, run, small_workspace

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SAFE_SVG = (REPO / "chapters" / "media" / "referral-flow.svg").read_bytes()


def _image(fmt: str = "JPEG", gps: bool = False, serial: bool = False) -> bytes:
    """A tiny image, optionally with EXIF GPS coordinates or a camera serial number."""
    image = Image.new("RGB", (4, 4), "white")
    exif = Image.Exif()
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2] = "N", (51.0, 30.0, 0.0)
    if serial:
        exif.get_ifd(0x8769)[0xA431] = "SN-0001"
    buf = io.BytesIO()
    if fmt == "PNG":  # Pillow does not write eXIf for PNG: add the chunk by hand
        image.save(buf, "PNG")
        data, payload = buf.getvalue(), exif.tobytes()
        chunk = struct.pack(">I", len(payload)) + b"eXIf" + payload
        return data[:33] + chunk + struct.pack(">I", zlib.crc32(b"eXIf" + payload)) + data[33:]
    image.save(buf, fmt, exif=exif)
    return buf.getvalue()


def _ws(tmp_path: Path, body: str, media: dict[str, bytes] | None = None, **manual: Any) -> Path:
    """A workspace whose 'alpha' chapter has ``body``; beta is a plain chapter to link to."""
    root = small_workspace(tmp_path / "ws", **manual)
    build_file_tree(root / "chapters", {
        "alpha.md": chapter_md("Alpha Chapter", body, lead="UK"),
        "beta.md": chapter_md("Beta Chapter", "## Beta section\n\nBeta text.\n", lead="AU"),
        "media": dict(media or {}),
    })
    return root


def _findings(root: Path, *args: str) -> list[dict[str, Any]]:
    result = run("-C", root, "check", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    problems: list[dict[str, Any]] = json.loads(result.stdout)["problems"]
    return problems


def _line_of(root: Path, needle: str, slug: str = "alpha") -> int:
    lines = (root / "chapters" / f"{slug}.md").read_text().splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


# (rule, chapter body, text on the line the finding must point at, media files, manual.yaml overrides)
FAILING: list[tuple[str, str, str, dict[str, bytes], dict[str, Any]]] = [
    ("broken-anchor", "## One\n\nText, see [two](#two).\n", "[two]", {}, {}),
    ("broken-anchor", "## One\n\nSee\n[beta](beta.md#nope).\n", "beta.md#nope", {}, {}),
    ("broken-link", "## One\n\nSee [gamma](gamma.md).\n", "gamma.md", {}, {}),
    ("broken-link", "## One\n\nSee [file](notes/file.pdf).\n", "file.pdf", {}, {}),
    ("bad-url", "## One\n\nSee [site](https:///no-host).\n", "no-host", {}, {}),
    ("bad-url", "## One\n\nSee [site](https://bad_host.example.org/).\n", "bad_host", {}, {}),
    ("bad-url", "## One\n\nSee [site](www.example.org).\n", "www.", {}, {}),
    ("unsafe-url", "## One\n\nSee [x](javascript:alert(1)).\n", "javascript", {}, {}),
    ("missing-image", "## One\n\n![A chart.](media/none.png)\n", "none.png", {}, {}),
    ("bad-image", "## One\n\n![A chart.](media/fake.png)\n", "fake.png", {"fake.png": b"not an image"}, {}),
    ("unsafe-image", "## One\n\n![A chart.](../../outside.png)\n", "outside", {}, {}),
    ("unsafe-image", "## One\n\n![A chart.](https://www.example.org/a.png)\n", "a.png", {}, {}),
    ("image-too-large", "## One\n\n![A chart.](media/big.png)\n", "big.png",
     {"big.png": PNG + b"\x00" * 2000}, {"check": {"max_image_kb": 1}}),
    ("unsafe-svg", "## One\n\n![A chart.](media/s.svg)\n", "s.svg",
     {"s.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'}, {}),
    ("unsafe-svg", "## One\n\n![A chart.](media/s.svg)\n", "s.svg",
     {"s.svg": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
               b'<image xlink:href="https://www.example.org/x.png"/></svg>'}, {}),
    ("unsafe-svg", "## One\n\n![A chart.](media/s.svg)\n", "s.svg",
     {"s.svg": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>'
               b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'}, {}),
    ("unsafe-svg", "## One\n\n![A chart.](media/s.svg)\n", "s.svg",
     {"s.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>'}, {}),
    ("image-metadata", "## One\n\n![A photo.](media/p.jpg)\n", "p.jpg", {"p.jpg": _image(gps=True)}, {}),
    ("image-metadata", "## One\n\n![A photo.](media/p.jpg)\n", "p.jpg", {"p.jpg": _image(serial=True)}, {}),
    ("image-metadata", "## One\n\n![A photo.](media/p.png)\n", "p.png",
     {"p.png": _image("PNG", gps=True)}, {}),
    ("image-metadata", "## One\n\n![A photo.](media/p.webp)\n", "p.webp",
     {"p.webp": _image("WEBP", gps=True)}, {}),
    ("missing-alt", "## One\n\n![](media/ok.png)\n", "ok.png", {"ok.png": _image("PNG")}, {}),
    ("terminology/child-pornography", "## One\n\nText about child\npornography here.\n", "about child",
     {}, {}),
    ("terminology/child-prostitution", "## One\n\nNo CHILD PROSTITUTES.\n", "CHILD", {}, {}),
    ("terminology/child-sex-tourism", "## One\n\n- a\n- so-called child sex tourism\n", "tourism", {}, {}),
    ("sensitive-email", "## One\n\nWrite to jane.doe@agency.gov.uk today.\n", "jane", {}, {}),
    ("sensitive-email", "## One\n\n[Mail](mailto:jane.doe@agency.gov.uk)\n", "jane", {}, {}),
    ("sensitive-phone", "## One\n\nCall +61 2 9876 5432 now.\n", "+61", {}, {}),
    ("sensitive-phone", "## One\n\nCall (202) 867-5309 now.\n", "867", {}, {}),
    ("sensitive-ip", "## One\n\nFrom 10.1.2.3 at noon.\n", "10.1.2.3", {}, {}),
    ("sensitive-ip", "## One\n\nFrom 2a00:1450::200e at noon.\n", "2a00", {}, {}),
    ("sensitive-address", "## One\n\nShe lived at\n42 Harbour View Road until May.\n", "42 Harbour", {}, {}),
    ("todo", "## One\n\nText.\n\nTODO: finish this.\n", "TODO", {}, {}),
    ("todo", "## One\n\nText (FIXME).\n", "FIXME", {}, {}),
    ("h1-in-body", "# Alpha\n\n## One\n\nText.\n", "# Alpha", {}, {}),
    ("h1-in-body", "## One\n\nText.\n\nBig\n===\n\nText.\n", "Big", {}, {}),
    ("heading-skip", "## One\n\nText.\n\n#### Deep\n\nText.\n", "Deep", {}, {}),
    ("duplicate-heading", "## One\n\nText.\n\n## Two\n\nText.\n\n## one\n\nText.\n", "## one", {}, {}),
    ("empty-section", "## One\n\n## Two\n\nText.\n", "## One", {}, {}),
    ("empty-section", "## One\n\nText.\n\n## Last\n", "## Last", {}, {}),
    ("long-paragraph", "## One\n\nShort.\n\nOne two three four five\nsix seven eight nine ten eleven.\n",
     "One two", {}, {"check": {"max_paragraph_words": 10}}),
    ("table-header", "## One\n\n|   |   |\n|---|---|\n| a | b |\n", "|   |", {}, {}),
    ("table-header", "## One\n\n+---+---+\n| a | b |\n+---+---+\n", "+---+", {}, {}),
    ("link-text", "## One\n\nFor more, [click here](https://www.example.org/).\n", "click here", {}, {}),
    ("link-text", "## One\n\nSee [here](beta.md).\n", "[here]", {}, {}),
    ("unused-allow", '## One\n\nFine text.[]{.vimanual-allow rule="child-pornography"}\n', "Fine", {}, {}),
    ("raw-markup", "## One\n\nText.\n\n<!-- more -->\n\nMore text.\n", "<!--", {}, {}),
    ("raw-markup", "## One\n\nA line<br>\nand the next.\n", "<br>", {}, {}),
    ("raw-markup", "## One\n\nText.\n\n!!! note \"Sample\"\n    Indented text.\n", "!!!", {}, {}),
    ("raw-markup", "## One\n\nText.\n\n??? tip\n    Indented text.\n", "???", {}, {}),
]


@pytest.mark.parametrize(("rule", "body", "needle", "media", "manual"), FAILING,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILING)])
def test_rule_finds_the_problem_on_its_exact_line(
    tmp_path: Path, rule: str, body: str, needle: str, media: dict[str, bytes], manual: dict[str, Any]
) -> None:
    root = _ws(tmp_path, body, media, **manual)
    if "outside" in body:
        (tmp_path / "outside.png").write_bytes(PNG)
    found = [p for p in _findings(root) if p["rule"] == rule]
    assert len(found) == 1, _findings(root)
    assert found[0]["file"] == "chapters/alpha.md"
    assert found[0]["line"] == _line_of(root, needle)
    assert found[0]["message"]
    assert found[0]["hint"]


# (rule that must stay silent, chapter body, media files, manual.yaml overrides)
PASSING: list[tuple[str, str, dict[str, bytes], dict[str, Any]]] = [
    ("broken-anchor", "## One {#uno}\n\nSee [it](#uno) and [beta](beta.md#beta-section).\n", {}, {}),
    ("broken-anchor", "## 1. Café & *Co*\n\n## One\n\n## One\n\n[a](#café-co) [b](#one-1)\n", {}, {}),
    ("broken-anchor", "## One\n\n[Span]{#here} and [x](#here).\n\n![A fig.](media/ok.png){#fig}\n\n"
                      "See [fig](#fig).\n", {"ok.png": _image("PNG")}, {}),
    ("broken-link", "## One\n\nSee [beta](beta.md) and [ref][r].\n\n[r]: https://www.example.org/\n", {}, {}),
    ("bad-url", "## One\n\n[a](https://www.example.org:8443/a?b=c#d) <https://example.org>\n"
                "[m](mailto:poc@example.org) [ip](http://192.0.2.1/)\n", {}, {}),
    ("unsafe-url", "## One\n\n`[x](javascript:alert(1))`\n", {}, {}),
    ("missing-image", "## One\n\n![A chart.](media/ok.png)\n", {"ok.png": _image("PNG")}, {}),
    ("unsafe-svg", "## One\n\n![A chart.](media/flow.svg)\n", {"flow.svg": SAFE_SVG}, {}),
    ("image-metadata", "## One\n\n![A photo.](media/p.jpg)\n", {"p.jpg": _image()}, {}),
    ("missing-alt", "## One\n\n![A chart.](media/ok.gif)\n", {"ok.gif": _image("GIF")}, {}),
    ("terminology/child-pornography",
     "## One\n\n```\nchild pornography\n```\n\n    child pornography\n\nUse `child pornography` not.\n\n"
     'The "Child Pornography Act" is cited.\n\nQuoted “child\npornography” too.\n', {}, {}),
    ("terminology/child-pornography",
     '## One\n\nOld law: child pornography[]{.vimanual-allow rule="child-pornography"} text.\n', {}, {}),
    ("terminology/child-sex-tourism", "## One\n\nSexual exploitation of children in the context of travel "
                                      "and tourism.\n", {}, {}),
    ("sensitive-email", "## One\n\nWrite to poc@example.org or `jane@agency.gov.uk`.\n\n"
                        "```\nroot@host.gov.uk\n```\n\nOr staff@agency.test.\n", {}, {}),
    ("sensitive-email", "## One\n\nWrite to jane@agency.gov.uk.\n", {},
     {"allow": {"emails": ["*@agency.gov.uk"]}}),
    ("sensitive-ip", "## One\n\nFrom 192.0.2.1, 198.51.100.9, 203.0.113.7, 2001:db8::1, 127.0.0.1, "
                     "version 1.2.3.\n", {}, {}),
    ("sensitive-ip", "## One\n\nFrom 10.1.2.3.\n", {}, {"allow": {"ip_ranges": ["10.0.0.0/8"]}}),
    ("sensitive-phone", "## One\n\nIn 2016, 1,000 files; 020 7946 0958; (202) 555-0143; "
                        "on 2016-01-28; SHA-256; 10 000 items.\n", {}, {}),
    ("sensitive-address", "## One\n\nOn 42 Example Street; chapter 3 Main findings.\n", {}, {}),
    ("todo", "## One\n\nThe `TODO` marker and TODOS and todo lists.\n", {}, {}),
    ("heading-skip", "## One\n\nText.\n\n### Two\n\nText.\n\n## Three\n\nText.\n", {}, {}),
    ("empty-section", "## One\n\n### Sub\n\nText.\n", {}, {}),
    ("duplicate-heading", "## One\n\nText.\n\n## Two\n\nText.\n", {}, {}),
    ("h1-in-body", "## One\n\nText.\n\n```\n# comment\n```\n", {}, {}),
    ("long-paragraph", "## One\n\n" + "word " * 250 + "\n", {}, {}),
    ("table-header", "## One\n\n| A | B |\n|---|---|\n| a | b |\n", {}, {}),
    ("link-text", "## One\n\nSee [the beta chapter](beta.md).\n", {}, {}),
    ("raw-markup", "## One\n\nName it <slug> or <agency-code>, see <https://example.org/a> or "
                   "<poc@example.org>; `<br>` and\n\n```\n<div>kept</div>\n<!-- code -->\n```\n\n"
                   "If a < b and b > c. Really!!! Yes.\n", {}, {}),
]


@pytest.mark.parametrize(("rule", "body", "media", "manual"), PASSING,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(PASSING)])
def test_rule_stays_silent_on_good_text(
    tmp_path: Path, rule: str, body: str, media: dict[str, bytes], manual: dict[str, Any]
) -> None:
    root = _ws(tmp_path, body, media, **manual)
    found = [p for p in _findings(root) if p["rule"] == rule]
    assert found == []


def test_sample_manual_is_clean(sample_workspace: Path) -> None:
    # How fast check is belongs to bench/check.py, not to a timed test.
    result = run("-C", sample_workspace, "check", "--strict")
    assert result.exit_code == 0, result.output
    assert result.output == "No problems found.\n"


def test_json_schema_is_stable(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nTODO and [x](#nope).\n")
    result = run("-C", root, "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "summary", "problems"}
    assert report["summary"] == {"errors": 1, "warnings": 1, "chapters": 2}
    assert report["ok"] is False
    for problem in report["problems"]:
        assert list(problem) == ["file", "line", "rule", "severity", "message", "hint"]
    assert [p["rule"] for p in report["problems"]] == ["todo", "broken-anchor"]  # by position


def test_human_output_groups_by_file_with_rule_and_hint(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nTODO: text.\n")
    result = run("-C", root, "check")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    line = _line_of(root, "TODO")
    assert lines[0] == "chapters/alpha.md"
    assert lines[1] == f"warning: chapters/alpha.md:{line}: leftover 'TODO'"
    assert lines[2] == "  hint: finish the text or move the note to the issue tracker · rule: todo"
    assert lines[-1] == "0 error(s), 1 warning(s)"


@pytest.mark.parametrize(("body", "strict", "code"), [
    ("## One\n\nText.\n", False, 0),
    ("## One\n\nText.\n", True, 0),
    ("## One\n\nTODO.\n", False, 0),
    ("## One\n\nTODO.\n", True, 1),
    ("## One\n\n[x](#nope).\n", False, 1),
    ("## One\n\n[x](#nope).\n", True, 1),
])
def test_exit_codes_and_strict(tmp_path: Path, body: str, strict: bool, code: int) -> None:
    root = _ws(tmp_path, body)
    args = ["--strict"] if strict else []
    assert run("-C", root, "check", *args).exit_code == code


def test_slug_arguments_limit_the_check(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nTODO.\n")
    (root / "chapters" / "beta.md").write_text(chapter_md("Beta", "## Beta\n\nFIXME [x](alpha.md#one).\n"))
    only_beta = _findings(root, "beta")
    assert {p["file"] for p in only_beta} == {"chapters/beta.md"}
    assert [p["rule"] for p in only_beta] == ["todo"]  # the link into alpha resolves
    assert {p["file"] for p in _findings(root)} == {"chapters/alpha.md", "chapters/beta.md"}
    report = json.loads(run("-C", root, "check", "--json", "alpha").stdout)
    assert report["summary"]["chapters"] == 1


def test_unknown_slug_is_a_usage_error(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nText.\n")
    result = run("-C", root, "check", "gamma")
    assert result.exit_code == 2
    assert "Error: unknown chapter 'gamma'" in result.stderr
    assert "hint: known chapters: alpha, beta" in result.stderr


def test_marker_silences_exactly_one_occurrence(tmp_path: Path) -> None:
    body = ('## One\n\nFirst child pornography[]{.vimanual-allow rule="child-pornography"} and\n'
            "second child pornography.\n")
    root = _ws(tmp_path, body)
    found = [p for p in _findings(root) if p["rule"].startswith("terminology/")]
    assert [p["line"] for p in found] == [_line_of(root, "second")]


def test_marker_cannot_silence_a_safety_error(tmp_path: Path) -> None:
    body = '## One\n\n[x](javascript:x())[]{.vimanual-allow rule="unsafe-url"}\n'
    rules = [p["rule"] for p in _findings(_ws(tmp_path, body))]
    assert "unsafe-url" in rules and "unused-allow" in rules


def test_lines_are_exact_with_crlf_and_long_front_matter(tmp_path: Path) -> None:
    root = _ws(tmp_path, "")
    text = chapter_md("Alpha", "## One\n\nText.\n\nMore TODO.\n", lead="UK", authors=["A", "B"],
                      summary="S")
    (root / "chapters" / "alpha.md").write_bytes(text.replace("\n", "\r\n").encode())
    found = [p for p in _findings(root) if p["rule"] == "todo"]
    assert found[0]["line"] == _line_of(root, "More TODO")


def test_custom_terminology_file_and_its_errors(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nThe widget is here.\n")
    (root / "styles").mkdir()
    (root / "styles" / "terminology.yaml").write_text(
        "rules:\n  - id: widget\n    terms: [widget]\n    preferred: gadget\n    why: house style\n"
        "    severity: error\n  - id: bad\n    severity: fatal\n    terms: [x]\n"
    )
    found = _findings(root)
    assert [p["rule"] for p in found if p["file"] == "chapters/alpha.md"] == ["terminology/widget"]
    assert found[0]["severity"] == "error"
    bad = [p for p in found if p["file"] == "styles/terminology.yaml"]
    assert bad and bad[0]["line"] == 8 and "severity 'fatal'" in bad[0]["message"]


def test_default_terminology_has_the_luxembourg_rules() -> None:
    from vimanual.check.rules.terminology import load_terminology

    rules, problems = load_terminology(REPO)
    assert problems == []
    ids = {r.id for r in rules}
    assert {"child-pornography", "child-prostitution", "child-sex-tourism"} <= ids
    assert 8 <= len(rules) <= 12


@pytest.mark.parametrize(("manual", "message"), [
    ({"check": {"max_paragraph_words": 0}}, "'check.max_paragraph_words' must be a whole number"),
    ({"check": {"max_image_kb": 99_999}}, "'check.max_image_kb' must be a whole number"),
    ({"check": {"colour": 1}}, "unknown key 'colour' in 'check'"),
    ({"allow": {"ip_ranges": ["not-a-range"]}}, "'not-a-range' is not an IP address or range"),
])
def test_manual_check_settings_are_validated(tmp_path: Path, manual: dict[str, Any], message: str) -> None:
    root = _ws(tmp_path, "## One\n\nText.\n", **manual)
    found = [p for p in _findings(root) if p["file"] == "manual.yaml"]
    assert any(message in p["message"] for p in found), found


def test_build_refuses_on_check_errors_and_force_builds(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nSee [x](#nope).\n")
    refused = run("-C", root, "build", "--format", "html")
    assert refused.exit_code == 1
    assert f"error: chapters/alpha.md:{_line_of(root, '#nope')}: link to '#nope'" in refused.stderr
    assert "Error: 'vimanual check' found 1 error(s); not building" in refused.stderr
    assert not (root / "build" / "manual.html").exists()
    forced = run("-C", root, "build", "--format", "html", "--force")
    assert forced.exit_code == 0, forced.output
    assert (root / "build" / "manual.html").is_file()


def test_build_ignores_warnings(tmp_path: Path) -> None:
    root = _ws(tmp_path, "## One\n\nTODO: text.\n")
    assert run("-C", root, "build", "--format", "html").exit_code == 0


def test_check_never_needs_the_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("check tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    root = _ws(tmp_path, "## One\n\n[a](https://www.example.org/) [b](https://host.invalid/x)\n")
    assert run("-C", root, "check").exit_code == 0


def test_manual_yaml_keys_are_documented() -> None:
    readme = (REPO / "README.md").read_text()
    assert "`check`" in readme and "`allow`" in readme
    assert manual_yaml()  # the helper still writes a manual without the new keys


def test_build_preflight_finds_exactly_the_errors_of_a_full_check(tmp_path: Path) -> None:
    from vimanual.check.run import check_workspace, preflight_errors

    body = (
        "# A level-one heading\n\nTODO: finish. Mail someone@agency.invalid.example.net.\n\n"
        "[click here](https://www.example.org/) and [gone](#nowhere) and child pornography.\n\n"
        "![](media/missing.png)\n"
    )
    root = small_workspace(tmp_path / "ws")
    (root / "chapters" / "alpha.md").write_text(chapter_md("Alpha", body, lead="UK"))
    full = check_workspace(root)
    assert full.warnings, "the fixture must also trip warning-only rules"
    assert preflight_errors(root) == full.errors
    assert len(full.errors) >= 4


@pytest.mark.parametrize("svg", [
    # caught by the scan of the raw bytes (a processing instruction the element walk never sees)
    b'<?xml-stylesheet href="http://127.0.0.1:9/x.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
    # caught by the element walk (not well-formed, so nothing can be said about its references)
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
], ids=["stylesheet instruction", "malformed"])
@pytest.mark.slow
def test_check_and_build_give_one_verdict_on_an_svg(tmp_path: Path, svg: bytes) -> None:
    root = small_workspace(tmp_path / "ws")
    (root / "chapters" / "media").mkdir()
    (root / "chapters" / "media" / "d.svg").write_bytes(svg)
    (root / "chapters" / "beta.md").write_text(
        chapter_md("Beta Chapter", "## B\n\n![A diagram.](media/d.svg)\n", lead="AU"))
    checked = run("-C", root, "check", "--json")
    assert [p["rule"] for p in json.loads(checked.stdout)["problems"]] == ["unsafe-svg"]
    built = run("-C", root, "build", "--force", "--format", "html")
    assert built.exit_code == 0, built.output
    assert "chapters/beta.md: image 'media/d.svg' removed: the SVG" in built.stderr
