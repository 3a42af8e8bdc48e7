"""The command line: each command reads its options, calls one core function, renders
the result (Rich for people, --json for scripts) and maps errors to exit codes."""

from __future__ import annotations

import functools
import importlib
import json
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vimanual import __version__
from vimanual.base.errors import InvalidWorkspace, Problem, VimanualError
from vimanual.base.names import terminal_safe

app = typer.Typer(
    name="vimanual",
    help="Assemble an international good-practice manual on victim identification "
    "from agencies' Markdown contributions.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


class SafeConsole(Console):
    """A Rich console that shows control characters from files as ``\\xNN``, never raw.

    Text from the workspace (titles, names, comments) reaches the terminal through Rich;
    markup escaping does not touch ESC or C1 characters, which a terminal would act on.
    Every string printed (messages, table cells) passes through ``render_str``.
    """

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Any:
        return super().render_str(terminal_safe(text), *args, **kwargs)


def _out() -> Console:
    return SafeConsole(highlight=False, soft_wrap=True)


def _err() -> Console:
    return SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def handle_errors(func: F) -> F:
    """Turn VimanualError into 'Error: …' plus a hint on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidWorkspace as exc:
            err = _err()
            for problem in exc.problems:
                err.print(f"[bold red]Error:[/] {escape(str(problem))}")
                if problem.hint:
                    err.print(f"  hint: {escape(problem.hint)}")
            raise typer.Exit(exc.exit_code) from None
        except VimanualError as exc:
            err = _err()
            err.print(f"[bold red]Error:[/] {escape(exc.message)}")
            if exc.hint:
                err.print(f"  hint: {escape(exc.hint)}")
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


class State:
    """Options given before the command name."""

    workspace: Path | None = None
    quiet: bool = False
    verbose: bool = False


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vimanual {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", "-C", help="Workspace folder (default: found upwards from here)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Say more: chapters, files written, timings.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Assemble an international good-practice manual on victim identification.

    Example: vimanual -C path/to/manual build
    """
    if quiet and verbose:
        raise typer.BadParameter("use --quiet or --verbose, not both", param_hint="'--verbose'")
    state = State()
    state.workspace = workspace
    state.quiet = quiet
    state.verbose = verbose
    ctx.obj = state


def _root(ctx: typer.Context) -> Path:
    from vimanual.workspace.load import find_workspace

    return find_workspace(explicit=_state(ctx).workspace)


def _print_problems(problems: list[Problem], console: Console) -> None:
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{colour}]{problem.severity}:[/] {escape(str(problem))}")
        if problem.hint:
            console.print(f"  hint: {escape(problem.hint)}")


@app.command()
@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
) -> None:
    """Create a new workspace: manual.yaml, chapters/, contributions/, reviews/, styles/.

    Existing files are never overwritten.

    Example: vimanual init my-manual
    """
    from vimanual.workspace.scaffold import init_workspace

    result = init_workspace(directory)
    out = _out()
    out.print(f"Created workspace in {escape(str(result.root))} ({len(result.created)} files)")
    for rel in result.kept:
        out.print(f"  kept existing {escape(rel)}")
    out.print("Next: edit manual.yaml, add chapters/<slug>.md, then run 'vimanual build'.")


@app.command()
@handle_errors
def check(
    ctx: typer.Context,
    slugs: Annotated[
        list[str] | None, typer.Argument(metavar="[SLUG]...", help="Chapters to check (default: all).")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Pre-flight the manual: structure, links, media, terminology, sensitive data, editorial.

    Lists errors and warnings by chapter, each with file:line, a rule id and a hint.
    Exit code 1 on errors (and on warnings with --strict), 0 otherwise.

    Example: vimanual check image-triage --strict
    """
    from vimanual.check.run import check_workspace

    report = check_workspace(_root(ctx), slugs or ())
    if as_json:
        typer.echo(json.dumps(_check_json(report), indent=2))
    else:
        _print_report(report, _out(), _state(ctx).quiet)
    if report.failed(strict):
        raise typer.Exit(1)


@app.command()
@handle_errors
def build(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="pdf, html or all.")] = "all",
    chapters: Annotated[
        str,
        typer.Option("--chapters", help="Comma-separated slugs to build (default: all).",
                     autocompletion=complete_slug_list),
    ] = "",
    paper: Annotated[str | None, typer.Option(help="A4 or Letter (default: manual.yaml).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder (default: build/).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1,
                     help="Parallel pandoc runs and PDF layout processes (default: the machine's cores)."),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache",
                     help="Convert and lay out everything again. With --jobs 1 the main matter is "
                          "laid out in one WeasyPrint call (the reference for the parallel layout)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only errors.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Build even if 'vimanual check' finds errors.")
    ] = False,
    jurisdiction: Annotated[
        str | None,
        typer.Option("--jurisdiction", help="Keep only this jurisdiction's '.only' passages.",
                     autocompletion=complete_codes),
    ] = None,
) -> None:
    """Build the draft manual: build/manual.pdf and build/manual.html.

    Refuses (exit 1) when 'vimanual check' finds errors, unless --force. With
    --jurisdiction UK, passages marked ::: {.only jurisdiction="UK,AU"} are kept for UK
    and the others dropped; without it all are shown, each labelled.

    Example: vimanual build --format pdf --paper Letter
    """
    from vimanual.book.pipeline import FORMATS, BuildOptions
    from vimanual.book.pipeline import build as run_build
    from vimanual.workspace.load import load_workspace

    quiet = quiet or _state(ctx).quiet
    _preflight(ctx, chapters, force)
    formats = FORMATS if fmt == "all" else (fmt,)
    workspace = load_workspace(_root(ctx))
    options = BuildOptions(
        formats=formats,
        output=output,
        paper=paper,
        chapters=tuple(s.strip() for s in chapters.split(",") if s.strip()),
        jobs=jobs,
        jurisdiction=jurisdiction.strip().upper() if jurisdiction else None,
        use_cache=not no_cache,
    )
    err = _err()
    started = time.monotonic()
    show_progress = not quiet and err.is_terminal
    if show_progress:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                label = {"chapters": "Converting chapters", "layout": "Laying out the PDF",
                         "margins": "Laying out contents and margins",
                         "write": "Writing PDF pages"}.get(stage, stage)
                if stage not in tasks:
                    tasks[stage] = bar.add_task(label, total=total)
                bar.update(tasks[stage], completed=done)

            result = run_build(workspace, options, progress)
    else:
        result = run_build(workspace, options)
    _print_problems(result.problems, err)
    if quiet:
        return
    made = []
    for kind, path in result.outputs.items():
        shown = _display_path(path)
        if kind == "pdf":
            if result.pdf_reused:
                shown += f" ({result.pages} pages, unchanged)"
            elif result.laid_out or result.layout_cached:
                parts = "part" if result.laid_out == 1 else "parts"
                shown += (f" ({result.pages} pages; {result.laid_out} {parts} laid out, "
                          f"{result.layout_cached} from cache)")
            else:
                shown += f" ({result.pages} pages)"
        made.append(shown)
    _out().print(
        f"Built {' and '.join(made)} · {result.chapters} chapter{'' if result.chapters == 1 else 's'} "
        f"({result.converted} converted, {result.cached} from cache)"
    )
    if _state(ctx).verbose:
        _print_build_details(workspace.chapters, options.chapters, result.outputs, started)


@app.command()
@handle_errors
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1 (1-65535).")] = 8000,
) -> None:
    """Preview the HTML manual at http://127.0.0.1:PORT/ while you edit.

    Rebuilds the HTML when a file under chapters/, styles/ or reviews/ or manual.yaml
    changes (only changed chapters are converted again) and reloads the open page.
    Listens on the loopback interface only. Ctrl-C stops.

    Example: vimanual serve --port 8001
    """
    from vimanual.book.serve import PreviewServer

    state = _state(ctx)
    root_dir = _root(ctx)
    server = PreviewServer(root_dir, port)
    out, err = _out(), _err()
    # Ctrl-C sets an event the watch loop checks, rather than raising KeyboardInterrupt
    # in the middle of a rebuild or of a half-printed line.
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()  # signals only work there
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.set()) if in_main else None
    try:
        server.start()
        if not state.quiet:
            watched = ", ".join(f"{p.name}/" for p in server.watched_paths())
            out.print(f"Serving {server.url} · watching {watched} and manual.yaml · Ctrl-C to stop")
        server.watch(lambda rebuild: _print_rebuild(rebuild, state, out, err), stop)
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        server.close()
    if not state.quiet:
        _out().print("Stopped.")


def _print_rebuild(rebuild: Any, state: State, out: Console, err: Console) -> None:
    changed = ", ".join(rebuild.changed[:3]) + (" …" if len(rebuild.changed) > 3 else "")
    if rebuild.error:
        err.print(f"[bold red]Error:[/] {escape(rebuild.error)}")
        if rebuild.hint:
            err.print(f"  hint: {escape(rebuild.hint)}")
        err.print("  (still serving the last good build)")
        return
    if state.quiet:
        return
    line = f"Rebuilt after {escape(changed)} in {rebuild.seconds:.1f} s"
    if state.verbose:
        line += f" ({rebuild.converted} converted, {rebuild.cached} from cache)"
    out.print(line)


def _print_build_details(
    known: dict[str, Any], selected: tuple[str, ...], outputs: dict[str, Path], started: float
) -> None:
    out = _out()
    slugs = [slug for slug in known if not selected or slug in selected]
    out.print(f"Chapters: {', '.join(slugs)}")
    for path in outputs.values():
        out.print(f"Wrote {escape(_display_path(path))} ({path.stat().st_size / 1024:.0f} KiB)")
    out.print(f"Took {time.monotonic() - started:.1f} s")


def _completion_workspace(ctx: typer.Context) -> Any:
    """The workspace's manual for shell completion, or None: completion must never fail loudly."""
    from vimanual.base.errors import VimanualError
    from vimanual.workspace.load import find_workspace, load_manual

    explicit = ctx.find_root().params.get("workspace")
    try:
        manual, _, _ = load_manual(find_workspace(explicit=explicit))
    except (VimanualError, OSError):
        return None
    return manual


def complete_slugs(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for one chapter slug: the workspace's chapters starting with ``incomplete``.

    Attach to any argument or option taking a slug: ``autocompletion=complete_slugs``.
    """
    manual = _completion_workspace(ctx)
    return [s for s in manual.chapters if s.startswith(incomplete)] if manual else []


def complete_codes(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for one jurisdiction code (case-insensitive prefix, e.g. 'in' → INTERPOL)."""
    manual = _completion_workspace(ctx)
    wanted = incomplete.upper()
    return [c for c in manual.codes if c.startswith(wanted)] if manual else []


def complete_slug_list(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for a comma-separated slug list such as ``--chapters a,b``: completes
    the last item and leaves out the slugs already given."""
    done, _, last = incomplete.rpartition(",")
    given = set(done.split(",")) if done else set()
    prefix = f"{done}," if done else ""
    return [prefix + s for s in complete_slugs(ctx, last) if s not in given]


def _check_json(report: Any) -> dict[str, Any]:
    """The stable --json shape of 'vimanual check' (tests pin its keys)."""
    return {
        "ok": not report.errors,
        "summary": {
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "chapters": len(report.chapters),
        },
        "problems": [
            {key: getattr(p, key) for key in ("file", "line", "rule", "severity", "message", "hint")}
            for p in report.problems
        ],
    }


def _print_report(report: Any, out: Console, quiet: bool) -> None:
    """Findings grouped by file, one 'severity: file:line: message' line each, then a summary."""
    current = None
    for problem in report.problems:
        if problem.file != current:
            current = problem.file
            out.print(f"[bold]{escape(current)}[/]")
        colour = "red" if problem.severity == "error" else "yellow"
        out.print(f"[{colour}]{problem.severity}:[/] {escape(str(problem))}")
        hint = f"hint: {problem.hint} · " if problem.hint else ""
        out.print(f"  [dim]{escape(hint)}rule: {escape(problem.rule)}[/]")
    if not report.problems:
        if not quiet:
            out.print("[green]No problems found.[/]")
    else:
        out.print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")


def _preflight(ctx: typer.Context, chapters: str, force: bool) -> None:
    """Run check's errors-only subset before a build; refuse on errors unless ``force``."""
    from vimanual.base.names import is_slug
    from vimanual.check.run import preflight_errors
    from vimanual.workspace.load import load_manual

    root_dir = _root(ctx)
    slugs = [s.strip() for s in chapters.split(",") if s.strip()]
    try:
        known = load_manual(root_dir)[0].chapters
    except VimanualError:
        return  # load_workspace reports it with exit 2
    if any(not is_slug(s) or s not in known for s in slugs):
        return  # the build names the unknown chapter
    errors = preflight_errors(root_dir, slugs)
    structural = [p for p in errors if p.rule == "structure"]
    if not errors or structural:
        return  # structural errors: load_workspace refuses with exit 2, as before
    err = _err()
    _print_problems(errors, err)
    if force:
        err.print(f"[yellow]Building anyway (--force) despite {len(errors)} error(s).[/]")
        return
    err.print(f"[bold red]Error:[/] 'vimanual check' found {len(errors)} error(s); not building")
    err.print("  hint: fix them, or pass --force to build a draft anyway")
    raise typer.Exit(1)


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="vimanual")


# The commands of each job live in their own module; importing them registers them on ``app``
# (after everything above, which they use). The order here is the order of --help.
for _module in ("contributions", "review", "editions", "doctor"):
    importlib.import_module(f"vimanual.cli.{_module}")

if __name__ == "__main__":  # pragma: no cover
    main()
