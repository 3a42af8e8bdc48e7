"""`vimanual build` with nothing changed, on a workspace built once before (issue 17: < 1 s on
a corpus of ~800 pages, e.g. the one `bench/realcorpus.py` makes).

Each run is a fresh process, as a user's shell starts one: `vimanual -q -C WS build` (PDF and
HTML) and `vimanual -q -C WS build --format pdf`, interleaved (one run of each in turn, `--runs`
rounds) so that a machine whose load changes slows them alike. With `--before SRC` (a checkout
of another commit, e.g. `git archive main | tar -x -C /tmp/base`) the same commands run from
that source too (PYTHONPATH, from a neutral folder), interleaved with this one: before and
after side by side in one run. Both keep their own build records, so each run after the first
is a no-change build for both.

It prints the median and fastest wall time and the median CPU time (user + system of the
process and its children: pandoc, git) of each, the load average, and the target beside the
figure.
Usage: python bench/nochange.py WORKSPACE [--runs N] [--before SRC]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.0  # seconds, issue 17


def _vimanual() -> list[str]:
    script = Path(sys.executable).with_name("vimanual")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vimanual"]


def _time(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process tree) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # microseconds, not os.times()'s 10 ms ticks
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env, cwd=cwd)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another source tree to run side by side")
    args = parser.parse_args()
    ws = args.workspace.resolve()
    if not (ws / "build" / "manual.pdf").is_file():
        sys.exit(f"{ws} has no build/manual.pdf: build it once first (vimanual -C {ws} build)")
    neutral = tempfile.mkdtemp(prefix="nochange-")  # no vimanual/ in the current folder
    trees = {"after": {**os.environ}}
    if args.before:
        trees = {"before": {**os.environ, "PYTHONPATH": str(args.before.resolve())}, **trees}
    steps = {f"{which}: {label}": (command, env)
             for which, env in trees.items()
             for label, command in (("build", [*_vimanual(), "-q", "-C", str(ws), "build"]),
                                    ("build --format pdf",
                                     [*_vimanual(), "-q", "-C", str(ws), "build", "--format", "pdf"]))}
    for command, env in steps.values():  # each records its build once; the page cache warms
        _time(command, env, neutral)
    walls: dict[str, list[float]] = {name: [] for name in steps}
    cpus: dict[str, list[float]] = {name: [] for name in steps}
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, (command, env) in steps.items():
            wall, cpu = _time(command, env, neutral)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load_after = os.getloadavg()
    shutil.rmtree(neutral, ignore_errors=True)
    pdf = ws / "build" / "manual.pdf"
    print(f"{ws} ({pdf.stat().st_size / 1e6:.1f} MB PDF); {args.runs} runs each, interleaved; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} CPUs")
    print(f"{'step':<34} {'median':>8} {'fastest':>8} {'CPU median':>11}   target < {TARGET:.1f} s (wall)")
    for name in steps:
        median = statistics.median(walls[name])
        print(f"{name:<34} {median:>7.2f}s {min(walls[name]):>7.2f}s {statistics.median(cpus[name]):>10.2f}s"
              f"   {'met' if median < TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
