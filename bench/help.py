"""How long `vimanual --help` takes, against importing what it is built on (issue 17).

Each run is a fresh process, as a user's shell starts one; the steps are interleaved (one run
of each in turn, `--runs` rounds) so that a machine whose load changes slows them alike:

  python -c pass                          the interpreter alone (for information)
  python -c "import typer, rich"          the baseline the target names
  python -c "import typer, rich.console"  the same with Rich's console, which any output needs
  vimanual --help                         the console script, its help kept from the run before
                                          (vimanual/cli/entry.py: the everyday case)
  vimanual status --help
  vimanual --help, rendered               the same with nothing kept (a first run, or after an
                                          upgrade): Typer renders the help
  a minimal Typer app --help              21 one-line commands and one option, nothing else:
                                          what typer's Rich help costs a plain app

It prints the median and the fastest wall time of each and the median CPU time, the targets
(`--help` under 0.3 s and under 1.6x importing typer and rich) beside the figures, the load
average, and what `--help` imports that it need not (WeasyPrint, pikepdf, pandoc's wrapper,
Jinja, markdown-it, Pygments, PyYAML). With `--before SRC` (a checkout of another commit, e.g.
`git archive main | tar -x -C /tmp/base`) the two vimanual steps also run from that source
(PYTHONPATH), interleaved with the others: before and after side by side in one run.
Usage: python bench/help.py [--runs N] [--before SRC]
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

HEAVY = ("weasyprint", "pikepdf", "pypandoc", "jinja2", "markdown_it", "pygments", "yaml")


def _vimanual() -> list[str]:
    script = Path(sys.executable).with_name("vimanual")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vimanual"]


def _time(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of ``command``, from a folder
    without a vimanual/ in it (so that ``env``'s PYTHONPATH decides which source runs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # microseconds, not os.times()'s 10 ms ticks
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "80", **(env or {})}, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, used


def _minimal_app(folder: Path) -> Path:
    """A Typer app as small as one can write with vimanual's shape (21 commands, each with a
    one-line docstring and one option, and a root option): what typer's help costs with none of
    vimanual's code. vimanual makes each command only when it is asked for, so it is quicker than this."""
    lines = ["import typer", "",
             "app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)", ""]
    for number in range(21):
        lines += ["@app.command()", f"def command{number}(name: str = 'x') -> None:",
                  f"    'Do job number {number} on the manual, a sentence of help that may wrap.'", ""]
    lines += ["@app.callback()",
              "def root(quiet: bool = typer.Option(False, '--quiet', '-q',",
              "                                    help='Print only errors.')) -> None:",
              "    'Assemble a manual.'", "", "app()", ""]
    script = folder / "minimal_app.py"
    script.write_text("\n".join(lines), encoding="utf-8")
    return script


def _loaded() -> list[str]:
    code = ("import sys, runpy\nsys.argv = ['vimanual', '--help']\n"
            "try:\n    runpy.run_module('vimanual', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"print('LOADED:', *sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return out.rsplit("LOADED:", 1)[-1].split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--before", type=Path, help="another source tree to run side by side")
    args = parser.parse_args()
    runs = args.runs
    minimal = _minimal_app(Path(tempfile.mkdtemp(prefix="vimanual-help-")))
    kept = {"XDG_CACHE_HOME": str(minimal.parent / "cache")}  # filled by the warm-up round below
    nothing_kept = {"XDG_CACHE_HOME": str(minimal)}  # a file: no cache folder can be made there
    steps: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "import typer, rich": ([sys.executable, "-c", "import typer, rich"], None),
        "import typer, rich.console": ([sys.executable, "-c", "import typer, rich.console"], None),
        "vimanual --help": ([*_vimanual(), "--help"], kept),
        "vimanual status --help": ([*_vimanual(), "status", "--help"], kept),
        "vimanual --help, rendered": ([*_vimanual(), "--help"], nothing_kept),
        "a minimal Typer app --help": ([sys.executable, str(minimal), "--help"], None),
    }
    if args.before:
        before_env = {"PYTHONPATH": str(args.before.resolve()), **kept}
        module = [sys.executable, "-m", "vimanual"]  # (the console script may not exist in that source)
        steps["before: vimanual --help"] = ([*module, "--help"], before_env)
        steps["before: vimanual status --help"] = ([*module, "status", "--help"], before_env)
    for command, env in steps.values():  # warm the page cache and the bytecode
        _time(command, env)
    times: dict[str, list[float]] = {name: [] for name in steps}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    load_before = os.getloadavg()
    for _ in range(runs):
        for name, (command, env) in steps.items():
            wall, used = _time(command, env)
            times[name].append(wall)
            cpu[name].append(used)
    load_after = os.getloadavg()
    print(f"{runs} runs each, interleaved; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after; {os.cpu_count()} CPUs; {shutil.which('vimanual') or _vimanual()[0]}")
    print(f"{'step':<32} {'median':>8} {'fastest':>8} {'CPU median':>11}")
    for name, found in times.items():
        print(f"{name:<32} {statistics.median(found):>7.3f}s {min(found):>7.3f}s "
              f"{statistics.median(cpu[name]):>10.3f}s")
    help_median = statistics.median(times["vimanual --help"])
    base = statistics.median(times["import typer, rich"])
    console = statistics.median(times["import typer, rich.console"])
    print()
    print(f"target  --help < 0.300 s                          {help_median:.3f} s  "
          f"{'met' if help_median < 0.3 else 'NOT met'}")
    print(f"target  --help < 1.6 x import typer, rich         {help_median / base:.2f} x  "
          f"{'met' if help_median < 1.6 * base else 'NOT met'}")
    rendered = statistics.median(times["vimanual --help, rendered"])
    print(f"(info)  --help rendered (nothing kept) / import typer, rich  {rendered / base:.2f} x, "
          f"{rendered:.3f} s")
    floor = statistics.median(times["a minimal Typer app --help"])
    print(f"(info)  a minimal Typer app's --help / import typer, rich  {floor / base:.2f} x "
          "(typer's Rich help in a plain app)")
    print(f"(info)  --help / import typer, rich.console       {help_median / console:.2f} x")
    help_cpu = statistics.median(cpu["vimanual --help"])
    base_cpu = statistics.median(cpu["import typer, rich"])
    print(f"(info)  the same in CPU time: {help_cpu:.3f} s / {base_cpu:.3f} s = {help_cpu / base_cpu:.2f} x "
          "(less sensitive to other work on the machine)")
    if args.before:
        old_cpu = statistics.median(cpu["before: vimanual --help"])
        print(f"(info)  before: {statistics.median(times['before: vimanual --help']) / base:.2f} x wall, "
              f"{old_cpu / base_cpu:.2f} x CPU")
    shutil.rmtree(minimal.parent, ignore_errors=True)
    loaded = _loaded()
    print(f"heavy modules --help imports: {', '.join(loaded) or 'none'}")


if __name__ == "__main__":
    main()
