"""Benchmark of a draft's margin pages: every page laid out (as a released edition's are)
against one page laid out per kind of page and reused with only the numbers changed
(vimanual/pdf/folios.py), side by side in one process, alternated.

The book is a generated page plan like bench/layout.py's: N chapters of 3 to 8 pages, each
opening on a right-hand page (a blank verso before it where needed). Both ways lay out with
the real WeasyPrint and the shipped styles, untagged, as the build lays out margins (the
build splits the page-by-page way into pieces of 100 pages on its workers; here each way
is one call, so the figures are CPU time on one core). The reused pages are checked to
draw the same text at the same places as the pages laid out one by one.

Usage: python bench/margins.py [--chapters N] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vimanual.book.plan import DEFAULT_STYLES  # noqa: E402
from vimanual.pdf.folios import expand, plan_folios  # noqa: E402
from vimanual.pdf.margins import BLANK, OPENER, PAGE, Margins, margin_document  # noqa: E402
from vimanual.pdf.weasy import render_pdf  # noqa: E402


def page_plan(chapters: int) -> list[tuple[str, str]]:
    rng = random.Random(1)
    pages: list[tuple[str, str]] = []
    for number in range(1, chapters + 1):
        if len(pages) % 2:
            pages.append(("", BLANK))
        head = f"{number} Generated Chapter {number}"
        pages += [(head, OPENER)] + [(head, PAGE)] * rng.randint(2, 7)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=110)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    styles = "\n".join((DEFAULT_STYLES / n).read_text(encoding="utf-8") for n in ("fonts.css", "print.css"))
    margins = Margins("A4", "SAMPLE", "", True)
    pages = page_plan(args.chapters)
    total = len(pages)
    every = margin_document(styles, margins, [(head, margins.folio.format(n=n, total=total), kind)
                                              for n, (head, kind) in enumerate(pages, start=1)])
    times: dict[str, list[float]] = {"every": [], "reused": [], "expand": []}
    with tempfile.TemporaryDirectory(prefix="vimanual-bench-margins-") as folder:
        work = Path(folder)
        render_pdf("<p>warm up</p>", DEFAULT_STYLES, [DEFAULT_STYLES], work / "warm.pdf", tagged=False)
        for _ in range(args.repeat):
            started = time.process_time()
            render_pdf(every, DEFAULT_STYLES, [DEFAULT_STYLES], work / "every.pdf", tagged=False)
            times["every"].append(time.process_time() - started)
            started = time.process_time()
            plan = plan_folios(pages, margins.folio, margins.marking + margins.draft_word)
            render_pdf(margin_document(styles, margins, plan.sheets), DEFAULT_STYLES, [DEFAULT_STYLES],
                       work / "sheets.pdf", tagged=False)
            laid = time.process_time()
            if not expand(work / "sheets.pdf", plan, work / "reused.pdf"):
                raise SystemExit("the patterns were not used: this measures the wrong thing")
            times["expand"].append(time.process_time() - laid)
            times["reused"].append(time.process_time() - started)
        same = _runs(work / "every.pdf") == _runs(work / "reused.pdf")
    every_s, reused_s = min(times["every"]), min(times["reused"])
    print(f"{args.chapters} chapters, {total} pages; {len(plan.sheets)} sheets laid out when reused; "
          f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'way':<44}{'CPU s (best)':>13}{'ms a page':>11}   runs")
    for label, key in (("every margin page laid out", "every"),
                       ("one per kind of page, reused (total)", "reused"),
                       ("  of which copying and patching (pikepdf)", "expand")):
        best = min(times[key])
        print(f"{label:<44}{best:>13.2f}{best / total * 1000:>11.2f}   "
              + ", ".join(f"{t:.2f}" for t in times[key]))
    print(f"reused / every: {reused_s / every_s:.2f}  (target: the margin pass no longer ~6-7 ms a page)")
    print(f"same text at the same places on every page: {'yes' if same else 'NO'}")


def _runs(path: Path) -> list[list[tuple[str, float, float]]]:
    import pypdf

    found = []
    for page in pypdf.PdfReader(path).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  runs: list[tuple[str, float, float]] = runs) -> None:
            if text.strip():
                runs.append((text, round(tm[4] * cm[0] + cm[4], 2), round(tm[5] * cm[3] + cm[5], 2)))

        page.extract_text(visitor_text=visit)
        found.append(runs)
    return found


if __name__ == "__main__":
    main()
