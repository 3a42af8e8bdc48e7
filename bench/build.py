"""Benchmark of `vimanual build` against the raw pipeline it wraps.

Generates a workspace of N chapters (default 60, about 300 A4 pages) with tables,
footnotes and figures, then measures in one run, each step in its own process:

  (a) `vimanual build --format pdf` cold (a draft: untagged)   (b) warm, nothing changed
  (c) after one chapter changed
  (d) the plain pipeline on the same Markdown: one `pandoc -s` to standalone HTML linking a
      minimal print stylesheet (page numbers in the footer, h1 starting a page), then one
      `weasyprint` on that HTML; alternated with (a), --repeat times each
  (e) weasyprint alone on the very document vimanual lays out
  (f) `vimanual release` of every chapter (tagged), cold, beside one more plain run
  plus HTML-only cold vs HTML-only after one chapter changed.

It prints wall time, peak memory (max RSS of the process), the page count, and issue 17's
targets each beside its figure and the plain pipeline's.
Usage: python bench/build.py [--chapters N] [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "identification victim referral exhibit review hash triage unit analyst record custody "
    "metadata location partner agency process standard evidence liaison specialist welfare "
    "procedure supervision framework jurisdiction material secure report database officer"
).split()

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 120" width="400" height="120">'
    '<rect x="10" y="10" width="120" height="60" rx="8" fill="#dde6f0" stroke="#1f4e79"/>'
    '<rect x="270" y="10" width="120" height="60" rx="8" fill="#dde6f0" stroke="#1f4e79"/>'
    '<line x1="130" y1="40" x2="270" y2="40" stroke="#1f4e79" stroke-width="2"/>'
    '<text x="70" y="45" font-size="12" text-anchor="middle">Sample A</text>'
    '<text x="330" y="45" font-size="12" text-anchor="middle">Sample B</text></svg>'
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(4, 7)))


def chapter_body(index: int, rng: random.Random) -> str:
    parts = ["> *Sample text generated for the benchmark.*\n"]
    for section in range(1, 6):
        parts.append(f"## Section {index}.{section} {{#s{section}}}\n")
        for _ in range(3):
            parts.append(_paragraph(rng) + "\n")
        if section == 2:
            parts.append(f"A point that needs a source.[^n{section}]\n")
            parts.append(f"[^n{section}]: {_sentence(rng)}\n")
        if section == 3:
            rows = "".join(f"| {rng.choice(WORDS)} | {rng.choice(WORDS)} | {i} |\n" for i in range(18))
            parts.append("| Step | Owner | Order |\n|------|-------|------:|\n" + rows)
            parts.append("Table: Generated steps.\n")
        if section == 4:
            parts.append("![A generated diagram of two boxes.](media/diagram.svg)\n")
    return "\n".join(parts)


def make_workspace(root: Path, chapters: int) -> list[str]:
    rng = random.Random(1)
    (root / "chapters" / "media").mkdir(parents=True)
    (root / "chapters" / "media" / "diagram.svg").write_text(SVG)
    slugs = [f"chapter-{i:03d}" for i in range(1, chapters + 1)]
    for i, slug in enumerate(slugs, start=1):
        front = f'---\ntitle: "Generated Chapter {i}"\nlead: UK\nauthors: ["Bench (UK)"]\n---\n\n'
        (root / "chapters" / f"{slug}.md").write_text(front + chapter_body(i, rng))
    (root / "manual.yaml").write_text(
        'title: "Benchmark Manual"\nmarking: "SAMPLE"\npaper: A4\n'
        "jurisdictions:\n  - {code: UK, name: United Kingdom, required: true}\n"
        f"reviewers:\n  UK: [{REVIEWER}]\n"
        "chapters:\n" + "".join(f"  - {s}\n" for s in slugs)
    )
    return slugs


def make_cold(ws: Path) -> None:
    """Leave ``ws`` as a fresh clone would be for a build: no build/ (its caches), and nothing
    in this clone's parse cache, which lives in the user's state folder (workspace/media.py).
    Until the eleventh session only build/ was removed, so "cold" builds found every chapter's
    media parse cached by the build before (2.9 s of the generated book's first build then).
    Until the twelfth session the parse cache of an edition's frozen copy (build/editions/.src-*,
    a workspace of its own) was kept too, so every release after a workspace's first found its
    frozen chapters parsed: the "first release is slower" of the eleventh session."""
    from vimanual.workspace.media import cache_dir

    frozen = sorted((ws / "build" / "editions").glob(".src-*"))
    shutil.rmtree(ws / "build", ignore_errors=True)
    for root in [ws, *frozen]:
        shutil.rmtree(cache_dir(root), ignore_errors=True)


#: The plain pipeline's print stylesheet (issue 17): the paper and margins of the manual, page
#: numbers in the footer, and each chapter (h1) starting a page; nothing else.
PLAIN_CSS = """@page { size: A4; margin: 22mm 20mm 24mm 20mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); } }
h1 { break-before: page; }
"""


def make_raw(ws: Path, slugs: list[str], raw: Path) -> None:
    """The same chapters as one plain Markdown file, raw/all.md, for the plain pipeline, and
    its minimal print stylesheet, raw/plain.css."""
    shutil.rmtree(raw, ignore_errors=True)
    (raw / "media").mkdir(parents=True)
    (raw / "media" / "diagram.svg").write_text(SVG)
    (raw / "plain.css").write_text(PLAIN_CSS)
    bodies = []
    for slug in slugs:
        text = (ws / "chapters" / f"{slug}.md").read_text()
        title = text.split('title: "', 1)[1].split('"', 1)[0]
        body = text.split("\n---\n", 1)[1]
        bodies.append(f"# {title}\n\n{body.replace('[^n', f'[^{slug}-n')}")
    (raw / "all.md").write_text("\n\n".join(bodies))


def raw_pandoc_command() -> list[str]:
    """One pandoc call: raw/all.md to standalone HTML (pandoc's default template) that links
    the minimal print stylesheet, all.html."""
    from vimanual.tools.pandoc import MARKDOWN_READER, pandoc_path

    return [pandoc_path(), "--sandbox", "-s", "-f", MARKDOWN_READER, "-t", "html5",
            "--metadata=title:Benchmark Manual", "--css", "plain.css", "-o", "all.html", "all.md"]


REVIEWER = "Bench Reviewer"


def approve_all(ws: Path, slugs: list[str]) -> None:
    """Every chapter approved by the workspace's one required jurisdiction (UK), so that an
    edition can be released (in-process: 110 CLI runs would cost more than the release)."""
    from vimanual import api

    for slug in slugs:
        api.review(ws, slug, "UK", "approve", person=REVIEWER)


def targets_table(rows: list[tuple[str, float, float | None, str, float, str]]) -> str:
    """Issue 17's targets, each beside its figure and the plain pipeline's, as one table.

    A row is (target, ours in s, plain pipeline in s or None, what the ratio is of, the
    goal, "ratio" or "seconds"); a seconds row compares ``ours`` with the goal directly.
    """
    lines = [f"{'target':<52}{'ours s':>9}{'plain s':>9}{'ratio':>8}  {'goal':<16}met?",
             "-" * 102]
    for name, ours, plain, of, goal, kind in rows:
        if kind == "seconds":
            lines.append(f"{name:<52}{ours:>9.2f}{'':>9}{'':>8}  {'< ' + f'{goal:g} s':<16}"
                         f"{'yes' if ours < goal else 'NO'}")
            continue
        base = plain if plain is not None else 0.0
        ratio = ours / base if base else float("nan")
        shown = f"{plain:9.2f}" if plain is not None else f"{'':>9}"
        lines.append(f"{name:<52}{ours:>9.2f}{shown}{ratio:>8.2f}  {'<= ' + f'{goal:g}x ' + of:<16}"
                     f"{'yes' if ratio <= goal else 'NO'}")
    return "\n".join(lines)


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2,
                        help="cold builds and plain pipelines, alternated, each this many times "
                             "(the best of each is compared; default 2)")
    parser.add_argument("--keep", type=Path, help="keep the generated workspace in this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="vimanual-bench-"))
    ws = base / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    slugs = make_workspace(ws, args.chapters)
    vm = [sys.executable, "-m", "vimanual", "-C", str(ws)]
    results: dict[str, tuple[float, float]] = {}
    raw = base / "raw"
    make_raw(ws, slugs, raw)

    def plain() -> tuple[float, float, float]:
        pandoc_step = measure(raw_pandoc_command(), raw)
        weasy_step = measure([sys.executable, "-m", "weasyprint", "all.html", "all.pdf"], raw)
        return pandoc_step[0] + weasy_step[0], weasy_step[1], pandoc_step[0]

    # Side by side: plain, ours, plain, ours … (the machine's load drifts; the best of each counts).
    plains, colds = [], []
    for _ in range(max(1, args.repeat)):
        plains.append(plain())
        make_cold(ws)
        colds.append(measure([*vm, "build", "-q", "--format", "pdf"], ws))
    best_plain = min(plains)
    results["d"] = best_plain[:2]
    results["a"] = min(colds)
    results["b"] = measure([*vm, "build", "-q", "--format", "pdf"], ws)
    changed = ws / "chapters" / f"{slugs[len(slugs) // 2]}.md"
    changed.write_text(changed.read_text() + "\nOne more sentence for the benchmark.\n")
    results["c"] = measure([*vm, "build", "-q", "--format", "pdf"], ws)
    built_pages = pages(ws / "build" / "manual.pdf")
    raw_pages = pages(raw / "all.pdf")
    results["tagged"] = measure([*vm, "build", "-q", "--format", "pdf", "--tagged", "--no-cache"], ws)

    make_cold(ws)
    results["html_cold"] = measure([*vm, "build", "-q", "--format", "html"], ws)
    changed.write_text(changed.read_text() + "\nAnd another one.\n")
    results["html_one"] = measure([*vm, "build", "-q", "--format", "html"], ws)

    # (e) WeasyPrint alone on the very document vimanual lays out: isolates vimanual's own
    # overhead from the cost of the book's extra pages (contents, blank versos, notes, fonts).
    from vimanual.book.chapters import ChapterCache, render_chapters
    from vimanual.book.document import assemble
    from vimanual.book.plan import BuildOptions, plan_build
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(ws)
    plan = plan_build(workspace, BuildOptions(paper="A4", date="2026-01-01"))
    rendered, _, _, _ = render_chapters(plan, ChapterCache(workspace, None))
    styles = base / "same"
    shutil.rmtree(styles, ignore_errors=True)
    shutil.copytree(Path(__file__).resolve().parent.parent / "vimanual" / "defaults" / "styles", styles)
    (styles / "same.html").write_text(assemble(plan, rendered, "pdf"))
    results["e"] = measure([sys.executable, "-m", "weasyprint", "same.html", str(raw / "same.pdf")], styles)

    # A released edition (tagged, margins page by page), cold, beside one more plain run.
    approve_all(ws, slugs)
    make_cold(ws)
    results["release"] = measure([*vm, "-q", "release", "1.0", "--date", "2026-01-01",
                                  "--as", REVIEWER], ws)
    plains.append(plain())
    release_plain = plains[-1][0]

    print(f"workspace: {args.chapters} chapters in {ws}; load average before/after: {_load()}")
    print(f"{'step':<52}{'wall s':>9}{'peak MiB':>10}")
    labels = {
        "a": f"(a) vimanual build --format pdf, cold (best of {len(colds)})",
        "b": "(b) the same, warm, nothing changed",
        "c": "(c) the same, one chapter changed",
        "tagged": "    the same, --tagged --no-cache (info)",
        "html_cold": "    HTML only, cold",
        "html_one": "    HTML only, one chapter changed",
        "d": f"(d) plain pandoc -s + weasyprint (best of {len(plains) - 1})",
        "e": "(e) weasyprint alone on vimanual's document",
        "release": "(f) vimanual release (tagged; PDF, HTML, check), cold",
    }
    for key, label in labels.items():
        wall, mem = results[key]
        print(f"{label:<52}{wall:>9.2f}{mem:>10.0f}")
    print("    plain runs: " + ", ".join(f"{w:.2f} s (pandoc {p:.2f})" for w, _, p in plains))
    print("    our cold runs: " + ", ".join(f"{w:.2f} s" for w, _ in colds))
    print(f"pages: vimanual {built_pages}, plain {raw_pages}")
    print(f"HTML one-changed / HTML cold = {results['html_one'][0] / results['html_cold'][0]:.1%}")
    print(f"peak memory, build / plain weasyprint = {results['a'][1] / best_plain[1]:.2f}")
    print(f"same document: (a)/(e) = {results['a'][0] / results['e'][0]:.2f} time, "
          f"{results['a'][1] / results['e'][1]:.2f} peak memory\n")
    cold = results["a"][0]
    print(targets_table([
        ("draft cold / plain pipeline", cold, best_plain[0], "plain", 0.8, "ratio"),
        ("release (tagged) cold / plain (the run beside)", results["release"][0], release_plain,
         "plain", 1.0, "ratio"),
        ("one-chapter edit / our cold", results["c"][0], cold, "cold", 0.10, "ratio"),
        ("no-change rebuild", results["b"][0], None, "", 1.0, "seconds"),
    ]))
    print("(the real-corpus target, draft cold <= 0.6x plain, is not measured on a generated book)")


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    main()
