"""Time `vimanual build` on the sample manual (cold and warm) and `vimanual --help`, for one
or more installations side by side, alternating runs so that the machine's drift falls on
each alike.

    python bench/sample.py .venv/bin/vimanual /path/to/other/.venv/bin/vimanual --runs 5

Each installation builds its own copy of the repository's sample manual. Prints the
median and the spread (min–max) of the wall-clock seconds of each step.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = ("manual.yaml", "glossary.yaml", "references.bib", "chapters", "reviews", "contributions",
          "editions")


def copy_sample(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SAMPLE:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vimanual", nargs="+", help="vimanual executables to compare")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="vimanual-bench-sample-"))
    times: dict[tuple[str, str], list[float]] = {}
    try:
        spaces = {exe: copy_sample(base / f"ws{i}") for i, exe in enumerate(args.vimanual)}
        for _ in range(args.runs):
            for exe, ws in spaces.items():
                shutil.rmtree(ws / "build", ignore_errors=True)
                times.setdefault((exe, "build, cold"), []).append(timed([exe, "-q", "build"], ws))
                times.setdefault((exe, "build, warm"), []).append(timed([exe, "-q", "build"], ws))
                times.setdefault((exe, "--help"), []).append(timed([exe, "--help"], ws))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{'vimanual':<48}{'step':<14}{'median s':>10}{'min–max s':>16}")
    for (exe, step), values in times.items():
        spread = f"{min(values):.2f}–{max(values):.2f}"
        print(f"{exe[-47:]:<48}{step:<14}{statistics.median(values):>10.2f}{spread:>16}")


if __name__ == "__main__":
    main()
