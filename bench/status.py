"""Time `vimanual status --json` on a large synthetic workspace: wall time and peak memory.

Usage: python bench/status.py [--chapters 1000] [--jurisdictions 12] [--events 20000]
                              [--runs 5] [--dir DIR]

Each run is a fresh `python -m vimanual` process (start-up and imports included), as a
user or a script would pay. Peak memory is the child's maximum resident set size. A
second section times the phases in-process, to show where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402


def run_once(workspace: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one `status --json` process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "vimanual", "-C", str(workspace), "status", "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"status failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def phases(workspace: Path) -> dict[str, float]:
    from vimanual.review.state import derive_states
    from vimanual.review.store import load_events
    from vimanual.status import chapter_infos
    from vimanual.workspace.load import load_workspace

    result = {}
    start = time.perf_counter()
    ws = load_workspace(workspace)
    result["load workspace (manual + chapters)"] = time.perf_counter() - start
    start = time.perf_counter()
    loaded = load_events(workspace, ws.manual)
    result[f"load {len(loaded.events)} events"] = time.perf_counter() - start
    start = time.perf_counter()
    derive_states(chapter_infos(ws), ws.manual.codes, loaded.events)
    result["derive states"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=1000)
    parser.add_argument("--jurisdictions", type=int, default=12)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, help="reuse (or create) the workspace here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.dir or Path(tmp) / "bench"
        if not (workspace / "manual.yaml").exists():
            start = time.perf_counter()
            generate(workspace, args.chapters, args.jurisdictions, args.events)
            print(f"generated in {time.perf_counter() - start:.1f} s")
        print(f"status --json: {args.chapters} chapters × {args.jurisdictions} jurisdictions × "
              f"{args.events} events, {args.runs} runs, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")
        runs = [run_once(workspace) for _ in range(args.runs)]
        walls = [wall for wall, _ in runs]
        print(f"  wall time: median {statistics.median(walls):.3f} s, best {min(walls):.3f} s, "
              f"worst {max(walls):.3f} s")
        print(f"  peak memory: {max(rss for _, rss in runs):.0f} MiB")
        print("in-process phases (warm cache):")
        for name, seconds in phases(workspace).items():
            print(f"  {name}: {seconds:.3f} s")


if __name__ == "__main__":
    main()
