"""Changed chapters are converted in one pandoc process (issue 17), with the bytes each
chapter gets from a pandoc run of its own, and a chapter pandoc fails on is still named.

pandoc is the real one; ``VIMANUAL_PANDOC`` points at a two-line wrapper that logs each
command line and then runs it, so the tests can see which way a chapter was converted.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run, run_subprocess
from vimanual.tools.pandoc import pandoc_path


def _logging_pandoc(folder: Path) -> tuple[Path, Path]:
    """(wrapper, log): the wrapper appends its arguments to the log and runs the real pandoc."""
    log = folder / "pandoc.log"
    wrapper = folder / "pandoc"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{pandoc_path()}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper, log


def _runs(log: Path) -> tuple[int, int]:
    """(joint runs, single-chapter conversions) in the log."""
    lines = log.read_text().splitlines() if log.is_file() else []
    return sum("chapters.lua" in line for line in lines), sum("--id-prefix=" in line for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("jurisdiction", [None, "UK"], ids=["all passages", "one jurisdiction"])
def test_one_pandoc_run_gives_each_chapter_the_bytes_of_its_own_run(
    sample_workspace: Path, tmp_path: Path, jurisdiction: str | None
) -> None:
    # The sample has citations (citeproc), footnotes, per-jurisdiction passages and tables;
    # a chapter with tabs in code and a wide pipe table (pandoc's column widths depend on
    # the reader's options) is added.
    wide = "| " + " | ".join(["a long cell " * 12] * 2) + " |\n|---|---|\n| x | y |\n"
    extra = chapter_md("Tabs And Tables", f"## Code\n\n\tindented\twith tabs\n\n{wide}\nEnd.\n", lead="UK")
    (sample_workspace / "chapters" / "tabs-and-tables.md").write_text(extra)
    manual = (sample_workspace / "manual.yaml").read_text()
    (sample_workspace / "manual.yaml").write_text(
        manual.replace("chapters:\n", "chapters:\n  - tabs-and-tables\n", 1))
    wrapper, log = _logging_pandoc(tmp_path)
    options = ["--format", "html", "--jobs", "1", *(["--jurisdiction", jurisdiction] if jurisdiction else [])]
    result = run_subprocess("-C", sample_workspace, "build", *options, env={"VIMANUAL_PANDOC": str(wrapper)})
    assert result.returncode == 0, result.stderr
    assert _runs(log) == (1, 0)  # every chapter in the one joint run
    cache = sample_workspace / "build" / "cache" / "chapters"
    joint = {path.name: path.read_bytes() for path in cache.glob("*.html")}
    assert len(joint) == 11
    for name, html in joint.items():
        (cache / name).unlink()
        # the manual too: a build that finds nothing changed keeps it (book/stamp.py)
        (sample_workspace / "build" / "manual.html").unlink()
        again = run("-C", sample_workspace, "build", *options)  # one chapter: a run of its own
        assert again.exit_code == 0, again.output
        assert (cache / name).read_bytes() == html, name


@pytest.mark.slow
def test_a_chapter_pandoc_cannot_convert_is_named(tmp_path: Path) -> None:
    # The chapter is named whichever run meets it first: the load's joint read (its media
    # set and its HTML at once: test_chapters_read_once.py), or the build's joint conversion;
    # a failed joint run sends each chapter through a run of its own.
    long_body = "## First steps\n\n" + "".join(f"Paragraph {i} with words.\n\n" for i in range(6000))
    root = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(limits={"pandoc_memory_mb": 4}, chapters=["alpha", "beta", "gamma"]),
        "chapters": {
            "alpha.md": chapter_md("Alpha Chapter", "## Alpha\n\nShort.\n", lead="UK"),
            "beta.md": chapter_md("Beta Chapter", long_body, lead="AU"),
            "gamma.md": chapter_md("Gamma Chapter", "## Gamma\n\nShort too.\n", lead="UK"),
        },
    })
    wrapper, log = _logging_pandoc(tmp_path)
    result = run_subprocess("-C", root, "build", "--format", "html", "--jobs", "1",
                            env={"VIMANUAL_PANDOC": str(wrapper)})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Error: chapters/beta.md: pandoc ran out of its 4 MB memory limit"), \
        result.stderr
    joint, single = _runs(log)
    parses = sum("links.lua" in line for line in log.read_text().splitlines())
    assert joint <= 1 and (joint == 0 or single + parses >= 1)  # a failed joint run: then one by one
    assert not (root / "build" / "manual.html").exists()
