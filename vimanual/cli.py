"""The command line: each command reads its options, calls one core function, renders
the result (Rich for people, --json for scripts) and maps errors to exit codes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from vimanual import __version__
from vimanual.errors import InvalidWorkspace, Problem, VimanualError

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


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


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
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Assemble an international good-practice manual on victim identification.

    Example: vimanual -C path/to/manual build
    """
    state = State()
    state.workspace = workspace
    state.quiet = quiet
    ctx.obj = state


def _root(ctx: typer.Context) -> Path:
    from vimanual.workspace import find_workspace

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
    from vimanual.scaffold import init_workspace

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
    from vimanual.check import check_workspace

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
        str, typer.Option("--chapters", help="Comma-separated slugs to build (default: all).")
    ] = "",
    paper: Annotated[str | None, typer.Option(help="A4 or Letter (default: manual.yaml).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder (default: build/).")
    ] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel pandoc runs.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only errors.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Build even if 'vimanual check' finds errors.")
    ] = False,
) -> None:
    """Build the draft manual: build/manual.pdf and build/manual.html.

    Refuses (exit 1) when 'vimanual check' finds errors, unless --force.

    Example: vimanual build --format pdf --paper Letter
    """
    from vimanual.build import FORMATS, BuildOptions
    from vimanual.build import build as run_build
    from vimanual.workspace import load_workspace

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
    )
    err = _err()
    show_progress = not quiet and err.is_terminal
    if show_progress:
        from rich.progress import Progress

        with Progress(console=err, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                label = "Converting chapters" if stage == "chapters" else "Laying out the PDF"
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
        made.append(f"{shown} ({result.pages} pages)" if kind == "pdf" else shown)
    _out().print(
        f"Built {' and '.join(made)} · {result.chapters} chapters "
        f"({result.converted} converted, {result.cached} from cache)"
    )


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
    from vimanual.check import preflight_errors
    from vimanual.names import is_slug
    from vimanual.workspace import load_manual

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


if __name__ == "__main__":  # pragma: no cover
    main()
