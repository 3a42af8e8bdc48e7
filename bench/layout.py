"""Benchmark of the PDF laid out in parts, in parallel (issue 10, item 7).

On the synthetic workspace of bench/build.py, scaled to 600+ pages, it measures in one
run, each step as its own process tree:

  1. the plain pipeline: one pandoc call (standalone HTML of all chapters, linking a minimal
     print stylesheet: page numbers in the footer, h1 starting a page) + one WeasyPrint
     process on that HTML; also, for information, the same WeasyPrint run tagged (PDF/UA-1,
     as a released edition is written);
  2. `vimanual build --format pdf` cold (`rm -rf build` first) with --jobs 1, 2, ... up
     to the machine's cores, and all formats cold with --jobs = cores;
  3. the reference (the main matter in one WeasyPrint call, the API's test hook);
  4. rebuilds with --jobs = cores: nothing changed, and after a one-word edit in the
     middle chapter (PDF only, and all formats); for information, after an edit that adds
     pages to that chapter (every later page number changes);
  5. a tagged draft cold (`build --tagged`, for information), then every chapter approved
     and `vimanual release` cold (tagged), beside one more run of the plain pipeline;
  6. peak memory and CPU time of each step's process tree (see ``measure``).

It prints a table, and issue 17's targets each beside its figure and the plain pipeline's,
and exits non-zero if any command fails.

With ``--rounds N`` the steps that issue 17's targets compare are run N - 1 more times after
all of the above, interleaved in each round (plain pipeline, cold draft, no-change rebuild,
one-word edit, release, plain pipeline again), and the targets are judged on the median of
the rounds' ratios: on a machine whose speed drifts by a quarter between two runs of one
build, one round cannot tell a target met from one missed.
Usage: python bench/layout.py [--chapters N] [--max-jobs N] [--rounds N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import (  # noqa: E402
    REVIEWER,
    WORDS,
    approve_all,
    make_cold,
    make_raw,
    make_workspace,
    pages,
    raw_pandoc_command,
    targets_table,
)

MIB = 1024 * 1024
R = TypeVar("R")
#: The summed PSS of the tree is read every this many samples (see Sampler.sample).
PSS_EVERY = 5
#: 110 chapters of the generator give a little over 600 pages.
DEFAULT_CHAPTERS = 110


@dataclass
class Process:
    """One process seen in the measured tree: its command and its peaks (bytes)."""

    command: str
    parent: int
    hwm: int = 0  # the kernel's high-water mark of its resident set (VmHWM), last read


@dataclass
class Run:
    """One measured command."""

    label: str
    wall: float
    tree_max: float  # MiB: largest single process of the tree (wait4, exact)
    main: float  # MiB: the command's own process (VmHWM, sampled)
    worker: float  # MiB: largest layout worker (VmHWM, sampled); 0 if none
    sum_rss: float  # MiB: peak of the summed resident sets of the tree (sampled)
    sum_pss: float  # MiB: peak of the summed proportional sets (shared pages split)
    workers: int  # layout worker processes seen
    cpu: float  # CPU seconds of the whole tree (user + system, waited-for descendants included)
    other: float  # CPU seconds the rest of the machine used meanwhile (noise; sampling included)
    stdout: str = ""
    pdf: Path | None = None
    pdf_pages: int | None = None
    pdf_bytes: int | None = None
    pdf_sha: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _busy_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (/proc/stat, all but idle)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The children of ``pid``: each thread lists those it started (the kernel's
    /proc/PID/task/TID/children, so only the tree is read, not every process)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue  # the thread or the process ended meanwhile
    return found


def _status(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in bytes, or None if the process has gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            text = handle.read()
    except OSError:
        return None
    found = dict(re.findall(rb"^(VmHWM|VmRSS):\s+(\d+) kB", text, re.M))
    if b"VmHWM" not in found:
        return None  # a zombie: already counted
    return int(found[b"VmHWM"]) * 1024, int(found[b"VmRSS"]) * 1024


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            match = re.search(rb"^Pss:\s+(\d+) kB", handle.read(), re.M)
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


class Sampler:
    """Samples the process tree under ``root`` from /proc every ``interval`` seconds.

    Per process it keeps the kernel's own high-water mark (VmHWM), so a process's peak
    is exact up to the last sample before it ends (growth in its last ``interval`` is
    missed); the sums across the tree are sampled, so a peak shorter than the interval
    (PSS: ``PSS_EVERY`` intervals) can be missed. PSS splits shared pages (libraries,
    fonts, pages a fork shares with its parent until it execs) among the processes that
    map them; the RSS sum counts them once per process, so it overstates the total.
    """

    cpu = 0.0  # CPU seconds spent sampling, all runs (the cost of measuring)
    taken = 0  # samples, all runs

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, Process] = {}
        self.sum_rss = 0
        self.sum_pss = 0
        self.samples = 0

    def sample(self) -> None:
        started = time.process_time()
        tree, todo = [], [(self.root, 0)]
        while todo:
            pid, parent = todo.pop()
            tree.append((pid, parent))
            todo.extend((child, pid) for child in _children(pid))
        # PSS costs a walk of each process's page tables (~3 ms for 400 MiB): every
        # PSS_EVERY-th sample only, to keep the measuring off the measured cores.
        with_pss = self.samples % PSS_EVERY == 0
        total_rss = total_pss = 0
        for pid, parent in tree:
            status = _status(pid)
            if status is None:
                continue
            # Read every time: a child seen between fork and exec still shows its parent's.
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            process = self.seen.setdefault(pid, Process(command, parent))
            process.command = command
            process.hwm = max(process.hwm, status[0])
            total_rss += status[1]
            total_pss += _pss(pid) if with_pss else 0
        self.sum_rss = max(self.sum_rss, total_rss)
        if with_pss:
            self.sum_pss = max(self.sum_pss, total_pss)
        self.samples += 1
        Sampler.taken += 1
        Sampler.cpu += time.process_time() - started


#: Spawns the measured commands and reports each one's wait4 figures. Commands are not
#: spawned from this script because a child's ru_maxrss starts at the resident size of
#: the process it was forked from (Linux keeps that high-water mark across exec), and
#: this script grows (it reads the PDFs); the launcher stays at ~10 MiB.
LAUNCHER = r"""
import json, os, subprocess, sys
for line in sys.stdin:
    job = json.loads(line)
    with open(job["out"], "wb") as out, open(job["err"], "wb") as err:
        proc = subprocess.Popen(job["command"], cwd=job["cwd"], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        print(json.dumps({"pid": proc.pid}), flush=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": proc.returncode, "maxrss_kib": usage.ru_maxrss,
                      "cpu": usage.ru_utime + usage.ru_stime}), flush=True)
"""


class Launcher:
    """The small process that starts every measured command (see ``LAUNCHER``)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def start(self, command: list[str], cwd: Path, out: Path, err: Path) -> int:
        """Start ``command``; its pid."""
        assert self.proc.stdin is not None
        job = {"command": command, "cwd": str(cwd), "out": str(out), "err": str(err)}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return int(self._read()["pid"])

    def result(self, timeout: float) -> dict[str, float] | None:
        """The finished command's exit code, ru_maxrss and CPU seconds; None while it runs."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self._read() if ready else None

    def _read(self) -> dict[str, float]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the launcher ended (exit {self.proc.wait()})")
        return json.loads(line)  # type: ignore[no-any-return]


def measure(launcher: Launcher, label: str, command: list[str], cwd: Path,
            interval: float = 0.05) -> Run:
    """Run ``command`` to its end, sampling its process tree; exit on failure.

    Wall time runs from the request to the launcher until it reports the end. The largest
    single process and the CPU time come from wait4 (exact); the command's own peak, the
    layout workers' peaks and the sums across the tree from ``Sampler``.
    """
    with tempfile.TemporaryDirectory(prefix="vimanual-bench-io-") as io:
        out, err = Path(io) / "stdout", Path(io) / "stderr"
        busy = _busy_seconds()
        start = time.perf_counter()
        pid = launcher.start(command, cwd, out, err)
        sampler = Sampler(pid)
        while True:
            sampler.sample()
            result = launcher.result(interval)
            if result is not None:
                break
        wall = time.perf_counter() - start
        busy = _busy_seconds() - busy
        stdout = out.read_text(errors="replace")
        stderr = err.read_text(errors="replace")
    if result["code"] != 0:
        raise SystemExit(f"failed (exit {result['code']:.0f}): {' '.join(command)}\n{stderr[-3000:]}")
    main = sampler.seen.get(pid, Process("", 0))
    # Layout workers are the main process's children running vimanual.pdf.worker, or the
    # children of its fork server (pdf/workers.py; they show the server's command line), not
    # the server itself, which lays nothing out (a worker's own short-lived children, e.g. the
    # compiler ctypes runs to find a library, show its command line between fork and exec:
    # they are not workers).
    def laying_out(p: Process) -> bool:
        return "vimanual.pdf.worker" in p.command or "vimanual.pdf.weasy" in p.command

    servers = {key for key, p in sampler.seen.items()
               if p.parent == pid and laying_out(p) and "--fork-server" in p.command}
    workers = [p for key, p in sampler.seen.items() if laying_out(p) and key not in servers
               and (p.parent == pid or p.parent in servers)]
    # On Linux the ru_maxrss that wait4 reports is the largest of the process and of every
    # descendant it waited for (RUSAGE_BOTH): the largest single process of the tree.
    cpu = result["cpu"]
    return Run(label, wall, result["maxrss_kib"] / 1024, main.hwm / MIB,
               max((w.hwm for w in workers), default=0) / MIB, sampler.sum_rss / MIB,
               sampler.sum_pss / MIB, len(workers), cpu, max(0.0, busy - cpu), stdout)


def with_pdf(run: Run, pdf: Path, keep_as: Path | None = None) -> Run:
    """Record the PDF a run wrote: pages, size and digest (and keep a copy)."""
    if not pdf.is_file():
        raise SystemExit(f"{run.label}: no PDF at {pdf}")
    run.pdf = pdf
    if keep_as is not None:
        shutil.copyfile(pdf, keep_as)
        run.pdf = keep_as
    run.pdf_pages = pages(pdf)
    run.pdf_bytes = pdf.stat().st_size
    run.pdf_sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    return run


def edit_one_word(path: Path, replacement: str) -> str:
    """Replace one word of the third section's first paragraph; returns the word replaced."""
    text = path.read_text()
    start = text.index(".3 {#s3}")
    match = re.compile(r"\b(" + "|".join(WORDS) + r")\b").search(text, start + len(".3 {#s3}"))
    if match is None or match.group(0) == replacement:
        raise SystemExit(f"no word to edit in {path}")
    path.write_text(text[: match.start()] + replacement + text[match.end():])
    return match.group(0)


# The reference layout, printed as the CLI's summary line prints a PDF.
REFERENCE_BUILD = """
import sys
from pathlib import Path
from vimanual import api
run = api.build(Path(sys.argv[1]), formats=("pdf",), jobs=1, use_cache=False, reference_layout=True)
r = run.result
print(f"Built manual.pdf ({r.pages} pages; {r.laid_out} parts laid out, {r.layout_cached} from cache)")
"""


def _built(stdout: str) -> str:
    """The '(N pages; X parts laid out, Y from cache)' part of vimanual's summary line."""
    match = re.search(r"manual\.pdf \(([^)]*)\)", stdout)
    return match.group(1) if match else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=int, default=DEFAULT_CHAPTERS,
                        help=f"chapters to generate (default {DEFAULT_CHAPTERS}: 600+ pages)")
    parser.add_argument("--max-jobs", type=int, default=max(2, os.cpu_count() or 1),
                        help="measure cold builds with --jobs 1 .. this (default: cores, at least 2)")
    parser.add_argument("--keep", type=Path, help="keep the generated workspace in this folder")
    parser.add_argument("--rounds", type=int, default=1,
                        help="judge the targets on the median of this many interleaved rounds (default 1)")
    args = parser.parse_args()
    launcher = Launcher()
    cores = os.cpu_count() or 1
    base = args.keep or Path(tempfile.mkdtemp(prefix="vimanual-bench-layout-"))
    base.mkdir(parents=True, exist_ok=True)
    ws, raw, kept = base / "ws", base / "raw", base / "pdfs"
    for folder in (ws, kept):
        shutil.rmtree(folder, ignore_errors=True)
    kept.mkdir()
    slugs = make_workspace(ws, args.chapters)
    vm = [sys.executable, "-m", "vimanual", "-C", str(ws)]
    built = ws / "build" / "manual.pdf"
    runs: dict[str, Run] = {}

    def build(key: str, label: str, *options: str, cold: bool, command: list[str] | None = None) -> Run:
        if cold:
            make_cold(ws)
        run = measure(launcher, label, command or [*vm, "build", *options], ws)
        run.extra["built"] = _built(run.stdout)
        if "html" not in options:
            with_pdf(run, built, kept / f"{key}.pdf")
        runs[key] = run
        print(f"  {label}: {run.wall:.1f} s", file=sys.stderr, flush=True)
        return run

    print(f"workspace: {args.chapters} chapters in {ws}; {cores} cores; load average "
          + " ".join(f"{v:.1f}" for v in os.getloadavg()), file=sys.stderr)
    print(versions(), file=sys.stderr)
    # 1. The raw floor.
    make_raw(ws, slugs, raw)
    runs["pandoc"] = measure(launcher, "plain pandoc -s (one call)", raw_pandoc_command(), raw)
    runs["weasy"] = with_pdf(measure(launcher, "plain weasyprint (one process)",
                                     [sys.executable, "-m", "weasyprint", "all.html", "all.pdf"], raw),
                             raw / "all.pdf")
    runs["weasy_ua"] = with_pdf(measure(
        launcher, "plain weasyprint, tagged PDF/UA-1 (info)",
        [sys.executable, "-m", "weasyprint", "--pdf-variant", "pdf/ua-1", "--pdf-tags",
         "all.html", "all-ua.pdf"], raw), raw / "all-ua.pdf")
    print(f"  plain pipeline: {runs['pandoc'].wall + runs['weasy'].wall:.1f} s", file=sys.stderr)

    # 3. The reference: the main matter in one WeasyPrint call.
    # A test hook of the API (api.build(reference_layout=True)), not a user option.
    build("ref", "reference (main matter in one call)", "--format", "pdf", cold=True, command=[
        sys.executable, "-c", REFERENCE_BUILD, str(ws)])
    # 2. Cold builds, PDF only, --jobs 1 .. max, on the same text as the reference.
    jobs_list = list(range(1, args.max_jobs + 1))
    for jobs in jobs_list:
        build(f"cold{jobs}", f"cold, --jobs {jobs}", "--format", "pdf", "--jobs", str(jobs), cold=True)
    # 4. Rebuilds on top of a cold build with --jobs = cores.
    full = str(cores)
    base_key = f"cold{cores}"
    if jobs_list[-1] != cores:
        base_key = "base"
        build(base_key, f"cold, --jobs {cores}", "--format", "pdf", "--jobs", full, cold=True)
    build("warm", f"warm, nothing changed, --jobs {cores}", "--format", "pdf", "--jobs", full,
          cold=False)
    changed = ws / "chapters" / f"{slugs[len(slugs) // 2]}.md"
    word = edit_one_word(changed, "amended")
    build("edit", f"one word edited in {changed.stem}, --jobs {cores}", "--format", "pdf",
          "--jobs", full, cold=False)
    # All formats: cold, then one more one-word edit in the same chapter, then warm.
    build("cold_all", f"cold, all formats, --jobs {cores}", "--jobs", full, cold=True)
    edit_one_word(changed, "revised")
    build("edit_all", f"one word edited, all formats, --jobs {cores}", "--jobs", full, cold=False)
    build("warm_all", f"warm, all formats, --jobs {cores}", "--jobs", full, cold=False)
    # For information: an edit that makes the book longer, so every later page number
    # changes (the contents and the margin pages after it are laid out again). Chapters
    # start on right-hand pages: one more page may only fill a blank one, so add ~2,000 words.
    changed.write_text(changed.read_text() + "".join(f"\n{' '.join(WORDS).capitalize()}.\n"
                                                     for _ in range(60)))
    build("grow", f"pages added to {changed.stem}, --jobs {cores}", "--format", "pdf",
          "--jobs", full, cold=False)
    if (runs["grow"].pdf_pages or 0) <= (runs["edit_all"].pdf_pages or 0):
        raise SystemExit("the added text did not make the book longer: the step measures the wrong thing")
    # 5. A tagged draft, then a released edition (tagged), each cold; the plain pipeline again
    # beside the release (the machine's load drifts over the run).
    build("tagged", f"cold, --tagged, --jobs {cores} (info)", "--format", "pdf", "--tagged",
          "--jobs", full, cold=True)
    approve_all(ws, slugs)
    make_cold(ws)
    runs["release"] = measure(launcher, f"release 1.0 (tagged; PDF, HTML), cold, --jobs {cores}",
                              [*vm, "release", "1.0", "--date", "2026-01-01", "--as", REVIEWER], ws)
    with_pdf(runs["release"], ws / "editions" / "1.0" / "manual.pdf", kept / "release.pdf")
    print(f"  release: {runs['release'].wall:.1f} s", file=sys.stderr)
    runs["pandoc2"] = measure(launcher, "plain pandoc -s, again beside the release", raw_pandoc_command(),
                              raw)
    runs["weasy2"] = measure(launcher, "plain weasyprint, again beside the release",
                             [sys.executable, "-m", "weasyprint", "all.html", "all.pdf"], raw)

    rounds = [TargetRound(runs["pandoc"].wall + runs["weasy"].wall, runs[base_key].wall,
                          runs["warm"].wall, runs["edit"].wall, runs["release"].wall,
                          runs["pandoc2"].wall + runs["weasy2"].wall)]
    for number in range(2, args.rounds + 1):
        rounds.append(target_round(launcher, number, ws, raw, slugs, changed, cores))

    print(f"\n{versions()}")
    print("load average (1, 5, 15 min) at the end: " + " ".join(f"{v:.1f}" for v in os.getloadavg()))
    report(runs, jobs_list, base_key, args.chapters, word, changed.stem, rounds)


@dataclass
class TargetRound:
    """One round of the steps issue 17's targets compare: wall seconds of each."""

    plain: float  # the plain pipeline (pandoc -s + weasyprint), before the draft
    cold: float  # cold draft, PDF, --jobs = cores
    warm: float  # no-change rebuild
    edit: float  # one word edited
    release: float  # release, cold (tagged)
    plain2: float  # the plain pipeline again, beside the release


def target_round(launcher: Launcher, number: int, ws: Path, raw: Path, slugs: list[str], changed: Path,
                 cores: int) -> TargetRound:
    """One more round of the target steps, interleaved; the plain pipeline is made from the
    chapters as they are now (earlier steps edited one), so that both lay out the same text."""
    vm = [sys.executable, "-m", "vimanual", "-C", str(ws)]
    make_raw(ws, slugs, raw)

    def plain(label: str) -> float:
        made = measure(launcher, f"{label}: plain pandoc -s", raw_pandoc_command(), raw)
        laid = measure(launcher, f"{label}: plain weasyprint", [sys.executable, "-m", "weasyprint",
                                                                 "all.html", "all.pdf"], raw)
        return made.wall + laid.wall

    def ours(label: str, *command: str) -> float:
        return measure(launcher, f"{label}: {' '.join(command[:2])}", [*vm, *command], ws).wall

    before = plain(f"round {number}")
    make_cold(ws)
    pdf = ("--format", "pdf", "--jobs", str(cores))
    cold = ours(f"round {number}", "build", *pdf)
    warm = ours(f"round {number}", "build", *pdf)
    edit_one_word(changed, "amended")
    edit = ours(f"round {number}", "build", *pdf)
    approve_all(ws, slugs)  # the edited chapter again
    shutil.rmtree(ws / "editions", ignore_errors=True)
    make_cold(ws)
    release = ours(f"round {number}", "release", "1.0", "--date", "2026-01-01", "--as", REVIEWER)
    after = plain(f"round {number}, beside the release")
    found = TargetRound(before, cold, warm, edit, release, after)
    print(f"  round {number}: plain {before:.1f} s, cold {cold:.1f} s, no change {warm:.2f} s, edit "
          f"{edit:.2f} s, release {release:.1f} s, plain {after:.1f} s", file=sys.stderr, flush=True)
    return found


def versions() -> str:
    """What was measured: the vimanual commit (and whether its code differs from it)."""
    import importlib.metadata

    from vimanual.tools.pandoc import pandoc_path

    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True).stdout.strip()

    code, head = git("log", "-1", "--format=%h", "--", "vimanual"), git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "vimanual")
    pandoc = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True)
    return (f"vimanual code of commit {code or '?'} (checkout at {head or '?'})"
            f"{' with uncommitted changes in vimanual/' if dirty else ''}; "
            f"{pandoc.stdout.splitlines()[0]}; WeasyPrint {importlib.metadata.version('weasyprint')}; "
            f"pikepdf {importlib.metadata.version('pikepdf')}; Python {sys.version.split()[0]}")


def report(runs: dict[str, Run], jobs_list: list[int], base_key: str, chapters: int, word: str,
           changed: str, rounds: list[TargetRound]) -> None:
    cores = os.cpu_count() or 1
    floor = runs["pandoc"].wall + runs["weasy"].wall
    print(f"\nworkspace: {chapters} chapters; {cores} cores; "
          f"one-word edit: '{word}' -> 'amended' (PDF), then -> 'revised' (all formats) in {changed}")
    print("CPU s = CPU time of the step's process tree; other = CPU time the rest of the machine "
          "used meanwhile\n(this benchmark's /proc sampling included; large values mean a noisy run)")
    print("memory in MiB: tree max = largest single process (wait4, exact); main = the command's "
          "own process;\nworker = largest layout worker (VmHWM); sum = peak of the tree's summed "
          "RSS / PSS (sampled every 50 / 250 ms)")
    head = (f"{'step':<46}{'wall s':>8}{'pages':>7}{'PDF MiB':>9}{'tree max':>10}{'main':>7}"
            f"{'worker':>8}{'sum RSS':>9}{'sum PSS':>9}{'CPU s':>8}{'other':>7}")
    print(head)
    print("-" * len(head))
    order = ["pandoc", "weasy", "weasy_ua"] + [f"cold{j}" for j in jobs_list]
    order += [k for k in ("base", "ref", "warm", "edit", "cold_all", "edit_all", "warm_all", "grow",
                          "tagged", "release", "pandoc2", "weasy2") if k in runs]
    for key in order:
        run = runs[key]
        size = f"{run.pdf_bytes / MIB:.2f}" if run.pdf_bytes else "-"
        worker = f"{run.worker:.0f}" if run.workers else "-"
        print(f"{run.label:<46}{run.wall:>8.2f}{run.pdf_pages or '-':>7}{size:>9}{run.tree_max:>10.0f}"
              f"{run.main:>7.0f}{worker:>8}{run.sum_rss:>9.0f}{run.sum_pss:>9.0f}{run.cpu:>8.1f}"
              f"{run.other:>7.1f}")
        if run.extra.get("built"):
            print(f"{'':<6}({run.extra['built']}; {run.workers} layout workers)")
    print(f"{'plain pipeline: pandoc + weasyprint':<46}{floor:>8.2f}")
    floor2 = runs["pandoc2"].wall + runs["weasy2"].wall
    print(f"{'plain pipeline, again beside the release':<46}{floor2:>8.2f}")
    print(f"(sampling /proc cost {Sampler.cpu:.1f} s CPU for {Sampler.taken} samples, "
          f"{Sampler.cpu / max(1, Sampler.taken) * 1000:.1f} ms each)")

    cold = runs[base_key]
    ours_pages = cold.pdf_pages or 0
    print(f"\npages: ours {ours_pages}, reference {runs['ref'].pdf_pages}, plain {runs['weasy'].pdf_pages}"
          + ("" if ours_pages >= 600 else "  (fewer than 600: raise --chapters)"))
    same = {runs[f"cold{j}"].pdf_sha for j in jobs_list} | {cold.pdf_sha}
    print(f"cold PDFs identical across --jobs: {'yes' if len(same) == 1 else 'no'}")

    def line(name: str, value: float, target: float | None, unit: str = "") -> None:
        verdict = "" if target is None else ("  met" if value <= target else "  NOT met")
        goal = "" if target is None else f"  (target <= {target}{unit})"
        print(f"{name:<58}{value:>7.2f}{unit}{goal}{verdict}")

    print("\nissue 17's targets (the plain pipeline: one pandoc -s + one weasyprint, minimal print CSS)")
    if len(rounds) > 1:
        print(f"each the round whose ratio is the median of {len(rounds)} rounds; every round's ratio below")
    print(targets_table(target_rows(rounds, cores)))
    if len(rounds) > 1:
        print(f"\n{'round':<8}{'plain s':>9}{'cold s':>9}{'cold/plain':>12}{'release s':>11}{'plain s':>9}"
              f"{'release/plain':>15}{'edit s':>9}{'edit/cold':>11}{'no change s':>13}")
        for number, found in enumerate(rounds, start=1):
            print(f"{number:<8}{found.plain:>9.1f}{found.cold:>9.1f}{found.cold / found.plain:>12.2f}"
                  f"{found.release:>11.1f}{found.plain2:>9.1f}{found.release / found.plain2:>15.2f}"
                  f"{found.edit:>9.2f}{found.edit / found.cold:>11.2f}{found.warm:>13.2f}")
    print("(draft cold <= 0.6x plain on the real corpus: not this generated book)")
    print("\nfor information")
    line("one-word edit / cold (all formats)", runs["edit_all"].wall / runs["cold_all"].wall, None)
    line("edit adding pages / cold (PDF)", runs["grow"].wall / cold.wall, None)
    line("tagged draft cold / untagged draft cold", runs["tagged"].wall / cold.wall, None)
    line("our PDF size / reference one-call PDF size",
         (cold.pdf_bytes or 0) / (runs["ref"].pdf_bytes or 1), 1.3)
    line("reference (one call) / plain pipeline", runs["ref"].wall / floor, None)
    line(f"cold --jobs {cores} / reference", cold.wall / runs["ref"].wall, None)
    line("plain weasyprint tagged / untagged", runs["weasy_ua"].wall / runs["weasy"].wall, None)
    print("scaling of cold time with --jobs (speed-up against --jobs 1):")
    one = runs["cold1"].wall
    for jobs in jobs_list:
        wall = runs[f"cold{jobs}"].wall
        print(f"  --jobs {jobs}: {wall:7.2f} s  speed-up {one / wall:.2f}  "
              f"efficiency {one / wall / jobs:.0%}")
    print("peak memory against the plain weasyprint process "
          f"({runs['weasy'].tree_max:.0f} MiB):")
    for key in [f"cold{j}" for j in jobs_list] + ["ref"]:
        run = runs[key]
        print(f"  {run.label:<32} largest process {run.tree_max / runs['weasy'].tree_max:.2f}x, "
              f"tree sum (PSS) {run.sum_pss / runs['weasy'].sum_pss:.2f}x")


def median_round(rounds: Sequence[R], ratio: Callable[[R], float]) -> R:
    """The round whose ``ratio`` is the median (the lower middle one for an even number), so
    that the figures shown beside a target are one round's, taken side by side."""
    return sorted(rounds, key=ratio)[(len(rounds) - 1) // 2]


def target_rows(rounds: list[TargetRound],
                cores: int) -> list[tuple[str, float, float | None, str, float, str]]:
    """``targets_table``'s rows, each from the round whose ratio is the median (the lower
    middle one for an even number of rounds), so that the figures shown are one round's."""

    cold = median_round(rounds, lambda r: r.cold / r.plain)
    release = median_round(rounds, lambda r: r.release / r.plain2)
    edit = median_round(rounds, lambda r: r.edit / r.cold)
    warm = statistics.median_low([r.warm for r in rounds])
    return [
        (f"draft cold (--jobs {cores}, PDF) / plain", cold.cold, cold.plain, "plain", 0.8, "ratio"),
        ("release (tagged) cold / plain (run beside it)", release.release, release.plain2, "plain", 1.0,
         "ratio"),
        (f"one-word edit / our cold (--jobs {cores}, PDF)", edit.edit, edit.cold, "cold", 0.10, "ratio"),
        ("no-change rebuild (PDF)", warm, None, "", 1.0, "seconds"),
    ]


if __name__ == "__main__":
    main()
