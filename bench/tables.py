"""Long tables: what a table costs to lay out, per row and per cell, against the model that
refuses a chapter up front (vimanual/base/tables.py; issue 17).

For each shape (3 and 8 columns of short cells) and size (500 .. 8,000 rows by default), a
workspace holding one chapter with that one table is built cold (`vimanual build --format pdf
--jobs 1 --no-cache`, a draft, in a process of its own), and so is the same workspace with a
10-row table; the table's cost is the difference in CPU seconds (user + system of the process
tree), which the machine's load moves much less than wall time. A least-squares fit over all
runs gives ms per row and per cell, printed beside the model's constants; each run is printed
with the model's expected time and its floor (what the build refuses on), and the largest
process of the tree (the layout worker: memory grows with the table too).

    python bench/tables.py                        # 3 and 8 columns, 500 .. 8,000 rows
    python bench/tables.py --rows 500 2000 --columns 3
    python bench/tables.py --end-to-end 20000     # one `vimanual build` (all formats, default
                                                  # limits, --jobs = cores) of a 20,000-row table
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from vimanual.base.tables import MARGIN, MS_PER_CELL, MS_PER_ROW, TableSize, expected_seconds, least_seconds  # noqa: E402  # noqa: E402

BASE_ROWS = 10


def table_markdown(rows: int, columns: int) -> str:
    """A pipe table of short cells: a number, two words, then one word a column."""
    names = ["No.", "Item", "State", *(f"C{n}" for n in range(4, columns + 1))][:columns]
    head = "| " + " | ".join(names) + " |\n|" + "---|" * columns + "\n"
    def row(i: int) -> str:
        cells = [str(i), f"Sample item {i}", "Recorded", *("Yes" for _ in range(4, columns + 1))][:columns]
        return "| " + " | ".join(cells) + " |\n"
    return head + "".join(row(i) for i in range(1, rows + 1)) + "\n: Sample items.\n"


def make_workspace(root: Path, rows: int, columns: int, limit: int | None = None) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "manual.yaml").write_text(
        'title: "Tables Bench"\nmarking: "SAMPLE"\npaper: A4\n'
        "jurisdictions:\n  - {code: UK, name: United Kingdom, required: true}\n"
        "reviewers:\n  UK: [Ruth Reviewer]\nchapters: [intro, items]\n"
        + (f"limits:\n  pdf_timeout_seconds: {limit}\n" if limit else ""))
    front = '---\ntitle: "{}"\nlead: UK\n---\n\n'
    (root / "chapters" / "intro.md").write_text(front.format("Introduction") + "## About\n\nSample text.\n")
    (root / "chapters" / "items.md").write_text(front.format("Items") + "## The items\n\nSample text "
                                                "before the table.\n\n" + table_markdown(rows, columns))
    return root


def run(command: list[str]) -> tuple[float, float, int, float]:
    """(wall seconds, CPU seconds of the process tree, exit code, the tree's largest process in
    MiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    stderr = proc.stderr.read()  # the command's errors are short; read them before waiting
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr[-2000:]}")
    if code == 2:
        print(f"  exit 2: {' '.join(stderr.split())[:400]}")
    return wall, usage.ru_utime + usage.ru_stime, code, usage.ru_maxrss / 1024


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages) if pdf.is_file() else 0


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def vimanual(ws: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "vimanual", "-C", str(ws), "build", *args]


def fit(points: list[tuple[int, int, float]]) -> tuple[float, float]:
    """Least squares through the origin: seconds = a * rows + b * cells; (a, b) in ms."""
    srr = sum(r * r for r, _, _ in points)
    scc = sum(c * c for _, c, _ in points)
    src = sum(r * c for r, c, _ in points)
    sry = sum(r * y for r, _, y in points)
    scy = sum(c * y for _, c, y in points)
    det = srr * scc - src * src
    if not det:  # one shape only: rows and cells are proportional; all of it per row
        return 1000 * sry / srr, 0.0
    return 1000 * (sry * scc - scy * src) / det, 1000 * (scy * srr - sry * src) / det


def sweep(base: Path, sizes: list[int], shapes: list[int], repeat: int) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=REPO).stdout.strip()
    print(f"vimanual {commit}; model: {MS_PER_ROW} ms a row + {MS_PER_CELL} ms a cell, floor = "
          f"model / {MARGIN:g}; load average at start {load()}")
    print(f"{'columns':>7} {'rows':>6} {'pages':>5} {'wall s':>7} {'CPU s':>6} {'table CPU s':>11} "
          f"{'ms/row':>6} {'ms/cell':>7} {'model s':>7} {'floor s':>7} {'MiB':>5}  load")
    points: list[tuple[int, int, float]] = []
    for columns in shapes:
        empty = make_workspace(base / f"c{columns}-base", BASE_ROWS, columns)
        base_cpu = min(run(vimanual(empty, "--format", "pdf", "--jobs", "1", "--no-cache"))[1]
                       for _ in range(repeat))
        print(f"{columns:>7} {BASE_ROWS:>6} {pages(empty / 'build' / 'manual.pdf'):>5} {'':>7} "
              f"{base_cpu:>6.2f}   (the baseline: start-up, front matter, margins)")
        for rows in sizes:
            ws = make_workspace(base / f"c{columns}-r{rows}", rows, columns)
            best = min((run(vimanual(ws, "--format", "pdf", "--jobs", "1", "--no-cache"))
                        for _ in range(repeat)), key=lambda r: r[1])
            wall, cpu, _, peak = best
            # the table's own rows and cells, over the baseline's (header rows cancel out)
            size = TableSize(rows - BASE_ROWS, (rows - BASE_ROWS) * columns)
            table = cpu - base_cpu
            points.append((size.rows, size.cells, table))
            print(f"{columns:>7} {rows:>6} {pages(ws / 'build' / 'manual.pdf'):>5} {wall:>7.1f} {cpu:>6.2f} "
                  f"{table:>11.2f} {1000 * table / size.rows:>6.2f} {1000 * table / size.cells:>7.2f} "
                  f"{expected_seconds([size]):>7.1f} {least_seconds([size]):>7.1f} {peak:>5.0f}  {load()}")
            shutil.rmtree(ws)
    per_row, per_cell = fit(points)
    print(f"fit over {len(points)} runs: {per_row:.2f} ms a row + {per_cell:.2f} ms a cell "
          f"(model: {MS_PER_ROW} + {MS_PER_CELL}); load average at the end {load()}")
    worst = min(y / expected_seconds([TableSize(r, c)]) for r, c, y in points)
    print(f"measured / model, lowest: {worst:.2f} (the floor refuses below {1 / MARGIN:.2f})")


def end_to_end(base: Path, rows: int) -> None:
    """One default build (all formats, the workspace's default limits) of a ``rows``-row table."""
    ws = make_workspace(base / f"e2e-{rows}", rows, 3)
    size = TableSize(rows + 1, (rows + 1) * 3)
    print(f"{rows:,}-row table, 3 columns: model {expected_seconds([size]):.0f} s, floor "
          f"{least_seconds([size]):.0f} s; load average at start {load()}")
    wall, cpu, code, peak = run(vimanual(ws))
    print(f"vimanual build: exit {code}, {wall:.1f} s wall, {cpu:.1f} CPU s, largest process {peak:.0f} MiB, "
          f"{pages(ws / 'build' / 'manual.pdf')} pages; load average at the end {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[500, 1000, 2000, 4000, 8000])
    parser.add_argument("--columns", type=int, nargs="+", default=[3, 8])
    parser.add_argument("--repeat", type=int, default=1, help="builds of each size (the least CPU is kept)")
    parser.add_argument("--end-to-end", type=int, metavar="ROWS",
                        help="one default build of a ROWS-row table")
    parser.add_argument("--keep", type=Path, help="keep the generated workspaces in this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="vimanual-bench-tables-"))
    try:
        if args.end_to_end:
            end_to_end(base, args.end_to_end)
        else:
            sweep(base, args.rows, args.columns, args.repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
