"""The HTML manual in a real browser (headless Chromium via playwright): offline, no
console errors, working contents links, phone and desktop layouts, print to PDF, and
axe-core's accessibility rules. Also the preview server seen from the browser.

Chromium comes from the system (Debian's ``chromium``; .ci/run installs it); axe-core
from npm (``npm ci``). When either is missing these tests FAIL with the command that
fixes it: a skip would hide a broken CI.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.helpers import REPO, chapter_md, copy_sample, run
from tests.pdfhtml import pdf_pages_text
from tests.test_serve import free_port
from vimanual import api
from vimanual.book.serve import PreviewServer

pytestmark = pytest.mark.slow  # every test here drives Chromium on built manuals

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # without these Chromium phones home at start-up and logs failures
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    found = os.environ.get("VIMANUAL_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is needed for the browser tests and was not found: "
                    "apt-get install -y chromium (or set VIMANUAL_CHROMIUM=/path/to/chromium)",
                    pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("browser") / "sample")
    result = run("-C", root, "build", "--format", "html", "-q")
    assert result.exit_code == 0, result.output
    return root


class Watched:
    """A page that records every request and every console error or uncaught exception."""

    def __init__(self, browser: Any, width: int, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        self.context.close()

    def foreign_requests(self, allowed_origin: str = "") -> list[str]:
        def allowed(url: str) -> bool:
            return url.startswith(("file:", "data:", "about:")) or bool(
                allowed_origin and url.startswith(allowed_origin))
        return [url for url in self.requests if not allowed(url)]


@pytest.fixture
def phone(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, 375, 740)
    yield watched
    watched.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, 1280, 900)
    yield watched
    watched.close()


def _load_axe(page: Any) -> None:
    """axe-core into the page, evaluated as the test harness (the page's Content-Security-Policy
    allows no script, so a script tag would be refused, as it should be)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is needed and {AXE} is missing: run 'npm ci' in {REPO}", pytrace=False)
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    assert page.evaluate("typeof axe") == "object"


def _open(watched: Watched, url: str) -> None:
    watched.page.goto(url, wait_until="load")


def _horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_layout_without_horizontal_scrolling(
    which: str, request: pytest.FixtureRequest, sample: Path, tmp_path: Path
) -> None:
    watched: Watched = request.getfixturevalue(which)
    _open(watched, (sample / "build" / "manual.html").as_uri())
    assert _horizontal_overflow(watched.page) <= 0
    # the widest things: the table and the figure, scrolled into view for the screenshot
    watched.page.locator("table").first.scroll_into_view_if_needed()
    watched.page.screenshot(path=str(tmp_path / f"{which}-table.png"))
    watched.page.locator("figure").first.scroll_into_view_if_needed()
    watched.page.screenshot(path=str(tmp_path / f"{which}-figure.png"))
    watched.page.evaluate("window.scrollTo(0, 0)")
    watched.page.screenshot(path=str(tmp_path / f"{which}-top.png"))
    assert watched.errors == []
    assert watched.foreign_requests() == []


def test_contents_links_scroll_to_their_chapters(desktop: Watched, sample: Path) -> None:
    page = desktop.page
    _open(desktop, (sample / "build" / "manual.html").as_uri())
    links = page.locator("nav.toc li.toc-chapter > a")
    import yaml

    chapters = yaml.safe_load((sample / "manual.yaml").read_text())["chapters"]
    assert links.count() == len(chapters) + 1  # every chapter, then the glossary
    for index in (2, 6, 0):  # forwards, further, and back up
        link = links.nth(index)
        target = link.get_attribute("href")
        assert target and target.startswith("#")
        link.click()
        page.wait_for_function("h => location.hash === h", arg=target)
        top = page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", target[1:])
        assert abs(top) < 5, (target, top)
    section = page.locator("nav.toc li.toc-section > a").first
    section_id = str(section.get_attribute("href"))[1:]
    section.click()
    assert abs(page.evaluate("id => document.getElementById(id).getBoundingClientRect().top", section_id)) < 5
    assert desktop.errors == [] and desktop.foreign_requests() == []


def test_print_to_pdf_starts_each_chapter_on_a_new_page(
    desktop: Watched, sample: Path, tmp_path: Path
) -> None:
    _open(desktop, (sample / "build" / "manual.html").as_uri())
    target = tmp_path / "printed.pdf"
    desktop.page.pdf(path=str(target), format="A4", print_background=True)
    pages = pdf_pages_text(target)
    marking = "SAMPLE — LAW ENFORCEMENT SENSITIVE"
    # page furniture (page X of Y, the marking, the DRAFT watermark) comes first in the text
    furniture = re.compile(rf"^(?:(?:page \d+ of {len(pages)}|DRAFT|{re.escape(marking)})\s*)+")
    bodies = [furniture.sub("", text) for text in pages]
    for number, text in enumerate(pages, start=1):
        assert marking in text and f"page {number} of {len(pages)}" in text, number
    headings = _all_headings(sample)
    first = next(i for i, text in enumerate(bodies) if text.startswith(headings[0]))
    assert first >= 2  # after the cover and the contents
    for heading in headings:
        holding = [i for i, text in enumerate(bodies) if heading in text and i >= first]
        assert holding, heading
        assert bodies[holding[0]].startswith(heading), (heading, [bodies[i][:80] for i in holding])
    assert len(PdfReader(str(target)).pages) == len(pages)
    assert desktop.foreign_requests() == []


def _all_headings(sample: Path) -> list[str]:
    """Each chapter's heading as printed: '1 Title', …, 'Appendix A Title'."""
    from vimanual.book.chapters import chapter_numbers
    from vimanual.workspace.load import load_workspace

    chapters = list(load_workspace(sample).chapters.values())
    numbers = chapter_numbers(chapters)
    return [f"{'Appendix ' if c.front.appendix else ''}{numbers[c.slug]} {c.title}" for c in chapters]


def _axe(page: Any) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is needed for the accessibility test and {AXE} is missing: "
                    f"run 'npm ci' in {REPO}", pytrace=False)
    _load_axe(page)
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_a_committed_template_cannot_put_anything_before_the_pages_policy(desktop: Watched,
                                                                         tmp_path: Path) -> None:
    """The template is committed by whoever can commit: a script before its charset, or the
    charset line inside a comment, once came before the policy (or took it into the comment),
    and the script ran (found by an independent test). The policy now comes first."""
    from tests.helpers import small_workspace

    root = small_workspace(tmp_path / "ws")
    shutil.copytree(REPO / "vimanual" / "defaults" / "styles", root / "styles")
    template = root / "styles" / "manual.html.j2"
    text = template.read_text(encoding="utf-8")
    hostile = text.replace('<meta charset="utf-8">', "<script>document.title = 'ran';</script>\n"
                           '<!-- <meta charset="utf-8"> -->', 1)
    assert hostile != text
    template.write_text("<!-- a note -->" + hostile, encoding="utf-8")
    built = run("-C", root, "build", "--format", "html", "-q")
    assert built.exit_code == 0, built.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    policy = html.index('<meta http-equiv="Content-Security-Policy"')
    assert policy < html.index("<script>") and html.index("<!DOCTYPE html>") < policy
    assert html[:policy].count("<!--") == html[:policy].count("-->") == 1  # the closed note only
    _open(desktop, (root / "build" / "manual.html").as_uri())
    desktop.page.wait_for_timeout(200)
    assert desktop.page.title() != "ran"
    assert any("Content Security Policy" in error for error in desktop.errors), desktop.errors


def test_the_pages_policy_stops_a_script_and_a_web_picture_that_slipped_into_it(
        desktop: Watched, sample: Path, tmp_path: Path) -> None:
    """The build keeps raw HTML and script out of the manual (tests/test_security.py); should
    anything ever slip past it, the page's Content-Security-Policy is the browser's own guard:
    no script runs and nothing is fetched from the web when a trainer opens the file."""
    html = (sample / "build" / "manual.html").read_text(encoding="utf-8")
    assert html.count('<meta http-equiv="Content-Security-Policy"') == 1
    slipped = html.replace("</main>", '<img src="https://example.invalid/track.png" alt="x">'
                           "<script>document.title = 'ran';</script>"
                           '<div style="background:url(https://example.invalid/bg.png)">x</div></main>', 1)
    assert slipped != html
    page = tmp_path / "slipped.html"
    page.write_text(slipped, encoding="utf-8")
    refused: dict[str, str] = {}
    desktop.page.on("requestfailed", lambda r: refused.setdefault(r.url, r.failure or ""))
    _open(desktop, page.as_uri())
    desktop.page.wait_for_timeout(300)
    assert desktop.page.title() != "ran"
    web = sorted(url for url in desktop.requests if "example.invalid" in url)
    assert web == ["https://example.invalid/bg.png", "https://example.invalid/track.png"]
    assert {url: refused.get(url) for url in web} == {url: "csp" for url in web}  # refused before the network
    assert any("Content Security Policy" in error for error in desktop.errors), desktop.errors


@pytest.mark.parametrize("which", ["phone", "desktop"])
def test_axe_finds_no_serious_violations(which: str, request: pytest.FixtureRequest, sample: Path) -> None:
    watched: Watched = request.getfixturevalue(which)
    _open(watched, (sample / "build" / "manual.html").as_uri())
    violations = _axe(watched.page)
    report = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in violations]
    assert report == []


@pytest.fixture(scope="module")
def translated(sample: Path) -> Path:
    """The sample's French and Arabic HTML (build --language all), beside its English."""
    result = run("-C", sample, "build", "--language", "all", "--format", "html", "-q")
    assert result.exit_code == 0, result.output
    return sample


@pytest.mark.parametrize("which", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["fr", "ar"])
def test_each_language_edition_passes_the_browser_and_axe_checks(
    which: str, language: str, request: pytest.FixtureRequest, translated: Path
) -> None:
    watched: Watched = request.getfixturevalue(which)
    _open(watched, (translated / "build" / f"manual.{language}.html").as_uri())
    page = watched.page
    assert page.evaluate("document.documentElement.lang") == language
    assert _horizontal_overflow(page) <= 0
    violations = _axe(page)
    report = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in violations]
    assert report == []
    assert watched.errors == [] and watched.foreign_requests() == []
    heading = page.locator("#case-handover--title")
    if language == "ar":
        # right to left: the translated chapter's heading ends at the right of the page
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        edges = page.evaluate("""() => {
            const h = document.getElementById('case-handover--title'), r = document.createRange();
            r.selectNodeContents(h);
            const text = r.getBoundingClientRect(), box = h.getBoundingClientRect();
            return [box.right - text.right, text.left - box.left];
        }""")
        assert abs(edges[0]) < 2 and edges[1] > 0, edges  # flush right, the space on the left
        assert page.evaluate("getComputedStyle(document.getElementById('image-triage')).direction") == "rtl"
    else:
        assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert heading.count() == 1


@pytest.fixture
def served(sample: Path, tmp_path: Path) -> Iterator[PreviewServer]:
    root = shutil.copytree(sample, tmp_path / "served")
    server = api.preview(root, free_port())
    server.start()
    stop = threading.Event()
    watcher = threading.Thread(target=server.watch, args=(lambda rebuild: None, stop))
    watcher.start()
    time.sleep(0.3)
    yield server
    stop.set()
    watcher.join(timeout=10)
    server.close()


def test_preview_server_page_reloads_after_an_edit(desktop: Watched, served: PreviewServer) -> None:
    page = desktop.page
    _open(desktop, served.url)
    assert _horizontal_overflow(page) <= 0
    assert "Principles of Victim-Centred Work" in page.locator("main").inner_text()
    chapter = served.root / "chapters" / "investigator-welfare.md"
    text = chapter.read_text(encoding="utf-8")
    edited = text.replace("\n## ", "\nA sentence added while previewing.\n\n## ", 1)
    chapter.write_text(edited, encoding="utf-8")
    page.wait_for_function("() => document.body.innerText.includes('A sentence added while previewing.')",
                           timeout=20_000)
    assert desktop.errors == []
    origin = served.url.rstrip("/")
    assert desktop.foreign_requests(allowed_origin=origin + "/") == []
    assert any(url.endswith("/__vimanual/version") for url in desktop.requests)


def test_preview_shows_a_failed_rebuild_on_the_page(desktop: Watched, served: PreviewServer) -> None:
    page = desktop.page
    _open(desktop, served.url)
    chapter = served.root / "chapters" / "image-triage.md"
    chapter.write_text(chapter_md("Broken", "", lead="NOWHERE"), encoding="utf-8")
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=20_000)
    assert "Rebuild failed" in alert.inner_text() and "NOWHERE" in alert.inner_text()
    assert "Triage and De-duplication" in page.locator("main").inner_text()  # the last good page


def _scroller_of(page: Any, selector: str) -> dict[str, Any]:
    """What a user gets from the scroll box around ``selector``: its size, name and focus."""
    return dict(page.evaluate(
        """sel => { const el = document.querySelector(sel); const box = el.closest('.scroll-x');
           const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
           return {width: r.width, boxWidth: b.width, boxRight: b.right, scrollWidth: box.scrollWidth,
                   clientWidth: box.clientWidth, tabindex: box.getAttribute('tabindex'),
                   role: box.getAttribute('role'), name: box.getAttribute('aria-label'),
                   display: getComputedStyle(el).display}; }""",
        selector,
    ))


def _scrolls_with_the_keyboard(page: Any, selector: str) -> int:
    box = page.locator(selector).locator("xpath=ancestor::div[contains(@class,'scroll-x')][1]")
    box.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('scroll-x')")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    return int(box.evaluate("el => el.scrollLeft"))


def _all_violations(page: Any) -> list[tuple[str, str, list[Any]]]:
    if not AXE.is_file():
        pytest.fail(f"axe-core is needed and {AXE} is missing: run 'npm ci' in {REPO}", pytrace=False)
    _load_axe(page)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5]) for v in found]


def test_a_wide_figure_keeps_legible_labels_on_a_phone(phone: Watched, sample: Path, tmp_path: Path) -> None:
    """Figure 5.1 (a 640 px diagram) is drawn at least 36rem wide on a 375 px phone, in its own
    sideways scroll box (named, reachable by keyboard), and the page itself does not scroll sideways."""
    page = phone.page
    _open(phone, (sample / "build" / "manual.html").as_uri())
    figure = "#international-referral figure img"
    seen = _scroller_of(page, figure)
    assert seen["width"] >= 36 * 16 - 0.5, seen  # labels at 90 % of their size, not 55 %
    assert seen["boxRight"] <= 375 and seen["scrollWidth"] > seen["clientWidth"], seen
    assert seen["tabindex"] == "0" and seen["role"] == "region", seen
    assert seen["name"].startswith("Figure 5.1. Referral flow"), seen
    assert _horizontal_overflow(page) <= 0
    page.locator(figure).scroll_into_view_if_needed()
    assert _scrolls_with_the_keyboard(page, figure) > 0
    page.screenshot(path=str(tmp_path / "phone-figure-5.1.png"))
    assert _all_violations(page) == []
    assert phone.errors == [] and phone.foreign_requests() == []


def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(phone: Watched, sample: Path, tmp_path: Path) -> None:
    root = shutil.copytree(sample, tmp_path / "wide")
    chapter = root / "chapters" / "image-triage.md"
    header = "| " + " | ".join(f"Column heading {n}" for n in range(1, 11)) + " |"
    row = "| " + " | ".join(f"value-{n}-unbreakable" for n in range(1, 11)) + " |"
    table = f"\n\n{header}\n|{'---|' * 10}\n{row}\n\n: A wide sample table.\n"
    chapter.write_text(chapter.read_text(encoding="utf-8") + table, encoding="utf-8")
    result = run("-C", root, "build", "--format", "html", "-q")
    assert result.exit_code == 0, result.output
    page = phone.page
    _open(phone, (root / "build" / "manual.html").as_uri())
    wide = "#image-triage table:last-of-type"
    seen = _scroller_of(page, wide)
    assert seen["display"] == "table", seen  # still a table to a screen reader, not a block
    assert seen["name"].startswith("Table 3.") and "A wide sample table" in seen["name"], seen
    assert seen["boxRight"] <= 375 and seen["scrollWidth"] > seen["clientWidth"] >= 300, seen
    assert seen["tabindex"] == "0"
    assert _horizontal_overflow(page) <= 0
    page.locator(wide).scroll_into_view_if_needed()
    assert _scrolls_with_the_keyboard(page, wide) > 0
    assert _all_violations(page) == []
    assert phone.errors == []
