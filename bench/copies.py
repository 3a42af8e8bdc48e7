"""Controlled copies against a full print (issue 18): what each extra copy costs.

    python bench/copies.py [--chapters 55] [--copies 10]

1. The sample: a full print is `vimanual print 1.0 --paper letter` (the whole edition laid
   out again from its frozen sources, cold); copies are `print 1.0 --copies 1` and
   `--copies 1+N`, so each extra copy costs (t(1+N) - t(1)) / N.
2. A generated manual of about 300 pages (55 chapters of bench/build.py's generator): a
   full print is its cold `vimanual build --format pdf`; the copies are made in-process
   from that PDF (editions.copies.make_copies: the overlays in one layout, then a stamp
   each), 1 and 1+N of them.

Prints wall-clock seconds and the ratio extra copy / full print (target <= 0.1).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from build import make_workspace, pages  # noqa: E402

SAMPLE = ("manual.yaml", "glossary.yaml", "references.bib", "chapters", "reviews", "contributions",
          "editions")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def sample(base: Path, extra: int) -> tuple[float, float, float, int]:
    ws = base / "sample"
    ws.mkdir()
    for name in SAMPLE:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, ws / name)
    vm = [sys.executable, "-m", "vimanual", "-C", str(ws)]
    full = timed([*vm, "print", "1.0", "--paper", "letter", "-o", str(base / "full.pdf")], ws)
    one = timed([*vm, "print", "1.0", "--copies", "1", "--as", "Erin Editor"], ws)
    many = timed([*vm, "print", "1.0", "--copies", str(1 + extra), "--as", "Erin Editor"], ws)
    return full, one, many, pages(ws / "editions" / "1.0" / "manual.pdf")


def generated(base: Path, chapters: int, extra: int) -> tuple[float, float, float, int]:
    from vimanual.editions.copies import IssuedCopy, Recipient, make_copies

    ws = base / "generated"
    make_workspace(ws, chapters)
    full = timed([sys.executable, "-m", "vimanual", "-C", str(ws), "build", "-q", "--format", "pdf"], ws)
    book = ws / "build" / "manual.pdf"
    import pikepdf

    with pikepdf.open(book) as pdf:
        box = pdf.pages[0].mediabox
        size = (float(box[2]), float(box[3]))

    def batch(count: int) -> float:
        folder = base / f"copies-{count}"
        folder.mkdir()
        copies = [IssuedCopy(number=n, of=count, recipient=Recipient(f"Sample Person {n}", "Sample Agency",
                                                                     "Sample course"),
                             token=f"{n:024x}", sha256="", file=f"copy-{n:03d}.pdf", date="2026-12-02")
                  for n in range(1, count + 1)]
        started = time.perf_counter()
        make_copies(ws, book, copies, folder, size)
        return time.perf_counter() - started

    return full, batch(1), batch(1 + extra), pages(book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=55, help="chapters of the generated manual")
    parser.add_argument("--copies", type=int, default=10, help="extra copies to measure")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="vimanual-bench-copies-"))
    try:
        for label, (full, one, many, count) in (
            ("sample edition 1.0", sample(base, args.copies)),
            (f"generated, {args.chapters} chapters", generated(base, args.chapters, args.copies)),
        ):
            per_copy = (many - one) / args.copies
            print(f"{label}: {count} pages")
            print(f"  full print {full:.2f} s; 1 copy {one:.2f} s; {1 + args.copies} copies {many:.2f} s")
            print(f"  each extra copy {per_copy:.3f} s = {per_copy / full:.3f} x a full print "
                  "(target <= 0.1)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
