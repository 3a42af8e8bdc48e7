"""A full build reads each chapter with pandoc once (issue 17): the read that gives the load a
chapter's media set (its content hash, approvals, ``check``) also gives the build its HTML
(``pandoc.chapters_with_media``, ``preflight.EarlyHTML``). What each gives must be what the two
reads gave apart: the media set of ``pandoc.parse_many``, the HTML of ``pandoc.chapters_to_html``.

pandoc is the real one; ``VIMANUAL_PANDOC`` points at a wrapper that logs each command line
(as in test_chapters_batch.py), so the tests can see which reads a build made.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import REPO, run_subprocess
from tests.test_chapters_batch import _logging_pandoc
from vimanual.tools import pandoc
from vimanual.workspace.media import body_of, normalised_text

# What a media set is made of, spelled the ways pandoc reads differently: links inside the
# text (which pandoc's --file-scope rewrites), an empty anchor, references defined later,
# footnotes holding images, ids on every kind of element, and a variant passage.
EDGES = [
    "# A {#a}\n\nSee [x](#a), [y](other.md#b), [z](#) and [w](#t0.md__c).\n\n![i](img/p.png){#pic}\n",
    "Text[^1] and [ref][r].\n\n[^1]: A note ![n](media/note.png)\n\n[r]: media/r%20x.pdf\n",
    "::: {#box .only jurisdiction=\"UK\"}\n`code`{#c1} [span]{#s1} ![](a b.png)\n:::\n",
    "| a | b |\n|---|---|\n| 1 | ![cell](t.png) |\n\n: Caption {#tbl}\n\n```{#code1}\nx\n```\n",
    "## Same\n\n## Same\n\n[back](#same-1) [&amp; entity](media/&#x61;.png)\n",
    "![figure](media/f.png \"title\")\n\n<div id=raw>not read as HTML</div>\n",
    "\tcode with a tab [l](x.png)\n\nText\twith a tab ![i](a\tb.png) [t](<c d.png>)\n\n"
    "- item\n\n\t![nested](n.png)\n",
]


def _texts() -> dict[str, str]:
    """Chapter bodies as users write them: the sample's chapters, the Markdown of the real
    corpus (a recording chapter, a MkDocs page), and the edge cases above."""
    files = [*sorted((REPO / "chapters").glob("*.md")),
             *sorted((REPO / "tests" / "corpus" / "real" / "markdown").rglob("*.md"))]
    texts = {f"t{n}": body_of(normalised_text(path.read_bytes())) for n, path in enumerate(files)}
    texts.update({f"e{n}": text for n, text in enumerate(EDGES)})
    return texts


def _same_as_apart(texts: dict[str, str], jurisdiction: str | None = None) -> None:
    bibliography, csl = REPO / "references.bib", None
    together = pandoc.chapters_with_media(texts, bibliography, csl, jurisdiction)
    html = pandoc.chapters_to_html(texts, bibliography, csl, jurisdiction)
    parsed = pandoc.parse_many(list(texts.values()))
    assert list(together) == list(texts)
    for (slug, text), apart in zip(texts.items(), parsed, strict=True):
        assert together[slug][0] == html[slug], slug
        assert together[slug][1] == apart, (slug, text[:80])


@pytest.mark.parametrize("jurisdiction", [None, "UK"], ids=["all passages", "one jurisdiction"])
def test_one_read_gives_each_chapter_the_media_set_and_html_of_two(jurisdiction: str | None) -> None:
    texts = _texts()
    assert len(texts) > 12 and any("![" in text for text in texts.values())
    _same_as_apart(texts, jurisdiction)


def test_a_text_parsed_alone_or_in_a_run_has_the_same_media_set() -> None:
    """--file-scope names each file's anchors after its place in the run ("#t3.md__a"): targets
    within a text, which name no file, are not part of its media set, so a cached media set
    does not depend on its neighbours."""
    texts = list(_texts().values())
    in_run = pandoc.parse_many(texts)
    for text, found in zip(texts[-len(EDGES):], in_run[-len(EDGES):], strict=True):
        assert pandoc.parse_many([text])[0] == found
    first = in_run[-len(EDGES)][0]
    assert first == [("other.md#b", False), ("img/p.png", True)], first


EXAMPLES = int(os.environ.get("VIMANUAL_FUZZ_EXAMPLES", "25"))
words = st.text(alphabet="abc xyz#[]()!{}.:*_`/%&;-\t", max_size=12)
pieces = st.one_of(
    words, words.map(lambda w: f"[{w}](#{w[:4]})"), words.map(lambda w: f"![{w}](m/{w[:6]}.png)"),
    words.map(lambda w: f"[{w}]{{#{w[:3]}x}}"), words.map(lambda w: f"# {w}"),
    words.map(lambda w: f"`{w}`{{#k}}"),
    st.just("[^n]\n\n[^n]: note [l](#q)"), st.just("::: {#d}\nin\n:::"), words.map(lambda w: f"[r]: {w}"),
)
documents = st.lists(pieces, min_size=1, max_size=8).map("\n\n".join)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(documents, min_size=1, max_size=4))
def test_any_texts_read_once_or_twice_give_the_same(texts: list[str]) -> None:
    _same_as_apart({f"s{n}": text for n, text in enumerate(texts)})


def _reads(log: Path) -> tuple[int, int, int]:
    """(reads for media and HTML at once, media-only parses, HTML-only joint runs) logged."""
    lines = log.read_text().splitlines() if log.is_file() else []
    both = sum("chapters.lua" in line and "vimanual-batch-media" in line for line in lines)
    return (both, sum("links.lua" in line for line in lines),
            sum("chapters.lua" in line and "vimanual-batch-media" not in line for line in lines))


def test_a_cold_build_reads_each_chapter_once_and_builds_what_two_reads_built(
        sample_workspace: Path, tmp_path: Path) -> None:
    wrapper, log = _logging_pandoc(tmp_path)
    env = {"VIMANUAL_PANDOC": str(wrapper), "VIMANUAL_STATE_DIR": str(tmp_path / "state-1")}
    cold = run_subprocess("-C", sample_workspace, "build", "--format", "html", "--jobs", "1", env=env)
    assert cold.returncode == 0, cold.stderr
    assert re.search(r"· (\d+) chapters \(\1 converted, 0 from cache\)", cold.stdout), cold.stdout
    # the load's parse and the build's conversion in one read (and one parse of the sample's
    # four translations, which a source build does not convert)
    assert _reads(log) == (1, 1, 0)
    once = (sample_workspace / "build" / "manual.html").read_bytes()
    status_once = run_subprocess("-C", sample_workspace, "status", env=env)

    # The same workspace with its media sets parsed on their own (a fresh parse cache, by
    # ``status``), then built with the parse cache warm: two reads, as before.
    log.unlink()
    env["VIMANUAL_STATE_DIR"] = str(tmp_path / "state-2")
    status_apart = run_subprocess("-C", sample_workspace, "status", env=env)
    assert status_apart.returncode == 0 and status_apart.stdout == status_once.stdout
    shutil.rmtree(sample_workspace / "build")
    warm = run_subprocess("-C", sample_workspace, "build", "--format", "html", "--jobs", "1", env=env)
    assert warm.returncode == 0, warm.stderr
    both, parses, html_only = _reads(log)
    assert both == 0 and parses >= 2 and html_only == 1  # status's parses, then the build's conversion
    assert (sample_workspace / "build" / "manual.html").read_bytes() == once


def test_a_build_of_some_chapters_reads_only_their_text_for_html(
        sample_workspace: Path, tmp_path: Path) -> None:
    """The early read converts every chapter; a build of one chapter would waste it."""
    wrapper, log = _logging_pandoc(tmp_path)
    chapter = sorted(p.stem for p in (sample_workspace / "chapters").glob("*.md"))[0]
    result = run_subprocess("-C", sample_workspace, "build", "--chapters", chapter, "--format", "html",
                            env={"VIMANUAL_PANDOC": str(wrapper)})
    assert result.returncode == 0, result.stderr
    both, parses, _ = _reads(log)
    assert both == 0 and parses >= 1


def test_a_release_reads_each_chapter_once(tmp_path: Path) -> None:
    """A release loads the working chapters (their approvals), then builds from the frozen copy,
    a workspace of its own with the same texts: one read gives the working chapters' media
    sets, the copy's and the copy's HTML."""
    from tests.helpers import small_workspace
    from tests.test_editions import approve_all

    root = small_workspace(tmp_path / "ws")
    approve_all(root)
    wrapper, log = _logging_pandoc(tmp_path)
    released = run_subprocess("-C", root, "release", "1.0", "--date", "2026-11-28",
                              env={"VIMANUAL_PANDOC": str(wrapper)})
    assert released.returncode == 0, released.stderr
    both, parses, html_only = _reads(log)
    assert (both, parses, html_only) == (1, 0, 0)
    verified = run_subprocess("-C", root, "verify-edition", "1.0")
    assert verified.returncode == 0, verified.stdout + verified.stderr
