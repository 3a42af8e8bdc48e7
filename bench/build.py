"""Benchmark of `vimanual build` against the raw pipeline it wraps.

Generates a workspace of N chapters (default 60, about 300 A4 pages) with tables,
footnotes and figures, then measures in one run, each step in its own process:

  (a) `vimanual build` cold (no cache)           (b) warm, nothing changed
  (c) after one chapter changed                  (d) the raw pipeline on the same content:
                                                     one pandoc call to standalone HTML,
                                                     then weasyprint on that HTML
  plus HTML-only cold vs HTML-only after one chapter changed.

It prints wall time, peak memory (max RSS of the process), the page count and the
ratios the targets are stated in. Usage: python bench/build.py [--chapters N] [--keep DIR]
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
        "chapters:\n" + "".join(f"  - {s}\n" for s in slugs)
    )
    return slugs


def make_raw(ws: Path, slugs: list[str], raw: Path) -> None:
    """The same chapters as one plain Markdown file, raw/all.md, for the raw pipeline."""
    shutil.rmtree(raw, ignore_errors=True)
    (raw / "media").mkdir(parents=True)
    (raw / "media" / "diagram.svg").write_text(SVG)
    bodies = []
    for slug in slugs:
        text = (ws / "chapters" / f"{slug}.md").read_text()
        title = text.split('title: "', 1)[1].split('"', 1)[0]
        body = text.split("\n---\n", 1)[1]
        bodies.append(f"# {title}\n\n{body.replace('[^n', f'[^{slug}-n')}")
    (raw / "all.md").write_text("\n\n".join(bodies))


def raw_pandoc_command() -> list[str]:
    """One pandoc call: raw/all.md to standalone HTML (pandoc's default template), all.html."""
    from vimanual.tools.pandoc import MARKDOWN_READER, pandoc_path

    return [pandoc_path(), "--sandbox", "-s", "-f", MARKDOWN_READER, "-t", "html5",
            "--metadata=title:Benchmark Manual", "-o", "all.html", "all.md"]


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
    parser.add_argument("--keep", type=Path, help="keep the generated workspace in this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="vimanual-bench-"))
    ws = base / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    slugs = make_workspace(ws, args.chapters)
    vm = [sys.executable, "-m", "vimanual", "-C", str(ws)]
    results: dict[str, tuple[float, float]] = {}

    results["a"] = measure([*vm, "build", "-q"], ws)
    results["b"] = measure([*vm, "build", "-q"], ws)
    changed = ws / "chapters" / f"{slugs[len(slugs) // 2]}.md"
    changed.write_text(changed.read_text() + "\nOne more sentence for the benchmark.\n")
    results["c"] = measure([*vm, "build", "-q"], ws)
    built_pages = pages(ws / "build" / "manual.pdf")

    shutil.rmtree(ws / "build")
    results["html_cold"] = measure([*vm, "build", "-q", "--format", "html"], ws)
    changed.write_text(changed.read_text() + "\nAnd another one.\n")
    results["html_one"] = measure([*vm, "build", "-q", "--format", "html"], ws)

    raw = base / "raw"
    make_raw(ws, slugs, raw)
    pandoc_step = measure(raw_pandoc_command(), raw)
    weasy_step = measure([sys.executable, "-m", "weasyprint", "all.html", "all.pdf"], raw)
    results["d"] = (pandoc_step[0] + weasy_step[0], weasy_step[1])
    raw_pages = pages(raw / "all.pdf")

    # (e) WeasyPrint alone on the very document vimanual lays out: isolates vimanual's own
    # overhead from the cost of the book's extra pages (contents, blank versos, notes, fonts).
    from vimanual.book.chapters import ChapterCache, render_chapters
    from vimanual.book.document import assemble
    from vimanual.book.plan import BuildOptions, plan_build
    from vimanual.workspace.load import load_workspace

    workspace = load_workspace(ws)
    plan = plan_build(workspace, BuildOptions(paper="A4", date="2026-01-01"))
    rendered, _, _ = render_chapters(plan, ChapterCache(workspace, None))
    shutil.copytree(Path(__file__).resolve().parent.parent / "vimanual" / "defaults" / "styles",
                    ws / "styles")
    document = assemble(plan, rendered, "pdf")
    (ws / "styles" / "same.html").write_text(document)
    results["e"] = measure([sys.executable, "-m", "weasyprint", "same.html", str(raw / "same.pdf")],
                           ws / "styles")

    print(f"workspace: {args.chapters} chapters in {ws}")
    print(f"{'step':<44}{'wall s':>9}{'peak MiB':>10}")
    labels = {
        "a": "(a) vimanual build, cold",
        "b": "(b) vimanual build, warm, nothing changed",
        "c": "(c) vimanual build, one chapter changed",
        "html_cold": "    HTML only, cold",
        "html_one": "    HTML only, one chapter changed",
        "d": "(d) raw pandoc + weasyprint",
        "e": "(e) weasyprint alone on vimanual's document",
    }
    for key, label in labels.items():
        wall, mem = results[key]
        print(f"{label:<44}{wall:>9.2f}{mem:>10.0f}")
    print(f"    of which raw pandoc {pandoc_step[0]:.2f} s, raw weasyprint {weasy_step[0]:.2f} s")
    print(f"pages: vimanual {built_pages}, raw {raw_pages}")
    ratio = results["a"][0] / results["d"][0]
    html_ratio = results["html_one"][0] / results["html_cold"][0]
    mem_ratio = results["a"][1] / weasy_step[1]
    print(f"(a)/(d) = {ratio:.2f}  (target <= 1.15)")
    print(f"(b) = {results['b'][0]:.2f} s  (target < 1 s)")
    print(f"HTML one-changed / HTML cold = {html_ratio:.1%}  (target < 10%)")
    print(f"peak memory, build / raw weasyprint = {mem_ratio:.2f}  (target <= 1.2)")
    print(f"same document: (a)/(e) = {results['a'][0] / results['e'][0]:.2f} time, "
          f"{results['a'][1] / results['e'][1]:.2f} peak memory")


if __name__ == "__main__":
    main()
