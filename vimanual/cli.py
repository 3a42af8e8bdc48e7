"""The command line: each command reads its options, calls one core function, renders
the result (Rich for people, --json for scripts) and maps errors to exit codes."""

from __future__ import annotations

import functools
import json
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
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
        str,
        typer.Option("--chapters", help="Comma-separated slugs to build (default: all).",
                     autocompletion=complete_slug_list),
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
        jurisdiction=jurisdiction.strip().upper() if jurisdiction else None,
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
            shown += f" ({result.pages} pages{', unchanged' if result.pdf_reused else ''})"
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
    from vimanual.serve import PreviewServer

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
    from vimanual.errors import VimanualError
    from vimanual.workspace import find_workspace, load_manual

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


# ---------------------------------------------------------------- contributions (issue 3)

_STATE_COLOURS = {"submitted": "cyan", "accepted": "green", "declined": "red", "withdrawn": "yellow"}
AsPerson = Annotated[str | None, typer.Option("--as", help="Your name (default: VIMANUAL_USER, git).")]


@app.command()
@handle_errors
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Markdown, plain text, .docx, .odt or .html file.")],
    chapter: Annotated[
        str | None, typer.Option("--chapter", help="Slug of the chapter it is for (new or existing).")
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Your jurisdiction's code, e.g. UK.")
    ] = None,
    revises: Annotated[
        str | None, typer.Option("--revises", help="Add the next revision to this contribution id.")
    ] = None,
    person: AsPerson = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: from the document).")] = None,
    note: Annotated[str, typer.Option("--note", help="A note for the editor about this revision.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Submit a chapter (or, with --revises, a new revision of a contribution) for the editor.

    Word, OpenDocument and HTML files are converted to Markdown; their images are kept.

    Example: vimanual submit triage.docx --chapter image-triage --jurisdiction UK
    """
    from vimanual import contributions
    from vimanual.identity import resolve_person

    root_dir = _root(ctx)
    who = resolve_person(person)
    if revises:
        result = contributions.revise(root_dir, revises, file, who, title, note, chapter, jurisdiction)
    else:
        if not chapter or not jurisdiction:
            raise VimanualError(
                "--chapter and --jurisdiction are required for a new contribution",
                "e.g. vimanual submit FILE --chapter image-triage --jurisdiction UK "
                "(or --revises ID for a new revision)",
            )
        result = contributions.submit(root_dir, file, chapter, jurisdiction, who, title, note)
    _submitted(ctx, result, as_json)


@app.command()
@handle_errors
def accept(
    ctx: typer.Context,
    contribution_id: Annotated[str, typer.Argument(metavar="ID", help="The contribution to accept.")],
    chapter: Annotated[
        str | None, typer.Option("--chapter", help="Chapter slug (default: the contribution's).")
    ] = None,
    after: Annotated[
        str | None, typer.Option("--after", help="Place a new chapter after this one (default: last).")
    ] = None,
    person: AsPerson = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Make a contribution's latest revision the chapter's text (the editor's decision).

    A new chapter is added to manual.yaml; an existing chapter's previous text is kept
    under chapters/.history/.

    Example: vimanual accept 20250301-uk-image-triage-3fa9c1 --after victim-centred-principles
    """
    from vimanual import contributions
    from vimanual.identity import resolve_person

    result = contributions.accept(_root(ctx), contribution_id, resolve_person(person), chapter, after)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2))
        return
    if _state(ctx).quiet:
        return
    out = _out()
    where = "new chapter" if result.new_chapter else "chapter"
    out.print(f"Accepted {escape(contribution_id)} r{result.contribution.latest.number} as {where} "
              f"'{escape(result.chapter)}' (content hash {result.content_hash[:12]})")
    if result.previous:
        out.print(f"  previous text kept in {escape(result.previous)}")
    if result.media:
        out.print(f"  {result.media} image(s) copied to chapters/media/{escape(contribution_id)}/")
    out.print("Reviewers now see the new hash; run 'vimanual build' to see the chapter in the draft.")


@app.command()
@handle_errors
def decline(
    ctx: typer.Context,
    contribution_id: Annotated[str, typer.Argument(metavar="ID", help="The contribution to decline.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the contributor.")],
    person: AsPerson = None,
) -> None:
    """Decline a contribution, saying why (the editor's decision).

    Example: vimanual decline 20250301-uk-image-triage-3fa9c1 --reason "Covered by chapter 3"
    """
    from vimanual import contributions
    from vimanual.identity import resolve_person

    result = contributions.decline(_root(ctx), contribution_id, resolve_person(person), reason)
    if not _state(ctx).quiet:
        _out().print(f"Declined {escape(result.id)}: {escape(reason)}")


@app.command()
@handle_errors
def withdraw(
    ctx: typer.Context,
    contribution_id: Annotated[str, typer.Argument(metavar="ID", help="Your contribution to withdraw.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (optional).")] = "",
    person: AsPerson = None,
) -> None:
    """Withdraw your own contribution before it is accepted.

    Example: vimanual withdraw 20250301-uk-image-triage-3fa9c1
    """
    from vimanual import contributions
    from vimanual.identity import resolve_person

    result = contributions.withdraw(_root(ctx), contribution_id, resolve_person(person), reason)
    if not _state(ctx).quiet:
        _out().print(f"Withdrew {escape(result.id)}")


@app.command(name="contributions")
@handle_errors
def contributions_command(
    ctx: typer.Context,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="Only from this code.")] = None,
    contributor: Annotated[str | None, typer.Option("--contributor", help="Only by this person.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="submitted, accepted, declined or withdrawn.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """List contributions and their state.

    Example: vimanual contributions --state submitted
    """
    from vimanual.contributions import list_contributions

    found = list_contributions(_root(ctx), jurisdiction, contributor, state)
    if as_json:
        typer.echo(json.dumps([_contribution_json(c) for c in found], indent=2))
        return
    if not found:
        _out().print("No contributions match.")
        return
    from rich.table import Table

    table = Table("ID", "Title", "Chapter", "From", "Contributor", "Rev", "State", "Updated")
    table.columns[0].no_wrap = True
    for c in found:
        table.add_row(escape(c.id), escape(c.title), escape(c.chapter), c.jurisdiction,
                      escape(c.contributor), f"r{c.latest.number}",
                      f"[{_STATE_COLOURS.get(c.state, 'white')}]{c.state}[/]", c.updated[:10])
    _out().print(table)


def _contribution_json(contribution: Any) -> dict[str, Any]:
    from vimanual.contributions import describe

    data = asdict(contribution)
    data["state"] = contribution.state
    data["summary"] = describe(contribution)
    return data


def _submitted(ctx: typer.Context, result: Any, as_json: bool) -> None:
    contribution, revision = result.contribution, result.revision
    if as_json:
        typer.echo(json.dumps({**_contribution_json(contribution), "warnings": result.warnings}, indent=2))
        return
    err = _err()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    if _state(ctx).quiet:
        return
    verb = "Submitted" if revision.number == 1 else "Revised"
    _out().print(
        f"{verb} {escape(contribution.id)} r{revision.number} ({revision.words:,} words) "
        f"for chapter '{escape(contribution.chapter)}'\n"
        f"Next: the editor runs 'vimanual accept {escape(contribution.id)}'; "
        f"follow it with 'vimanual status --contributor \"{escape(contribution.contributor)}\"'."
    )


def _status_contributor(ctx: typer.Context, name: str, as_json: bool) -> None:
    """The contributor's view: each submission, its revisions, state and the chapter's review."""
    from vimanual.contributions import contributor_view
    from vimanual.review import contributor_review

    root_dir = _root(ctx)
    summary, comments = contributor_review(root_dir)
    entries = contributor_view(root_dir, name, summary, comments)
    if as_json:
        typer.echo(json.dumps({"contributor": name, "contributions": [asdict(e) for e in entries]},
                              indent=2))
        return
    out = _out()
    if not entries:
        out.print(f"No contributions by {escape(name)}.")
        return
    for entry in entries:
        out.print(f"[bold]{escape(entry.id)}[/]  {escape(entry.title)}  "
                  f"(chapter '{escape(entry.chapter)}', {entry.jurisdiction})")
        out.print(f"  [{_STATE_COLOURS.get(entry.state, 'white')}]{entry.state}[/]: {escape(entry.summary)}")
        for rev in entry.revisions:
            note = f" · {escape(rev.note)}" if rev.note else ""
            out.print(f"  r{rev.number}  {rev.at[:16].replace('T', ' ')}  {rev.words:,} words  "
                      f"from {escape(rev.source)}{note}")
        if entry.accepted_chapter:
            changed = " (edited since)" if entry.chapter_changed_since else ""
            out.print(f"  chapter '{escape(entry.accepted_chapter)}' hash "
                      f"{(entry.chapter_hash or '?')[:12]}{changed}")
            review = " · ".join(f"{code} {escape(state)}" for code, state in entry.review.items())
            out.print(f"  review: {review or 'no reviewing jurisdictions'}")
            for comment in entry.comments:
                who = comment.get("reviewer") or comment.get("by") or "?"
                out.print(f"    {escape(comment.get('jurisdiction', ''))} {escape(who)}: "
                          f"{escape(comment.get('comment', ''))}")
        out.print()


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


# --- review (issue 4): review, status, verify ------------------------------------------------

# One symbol per state, each a different shape so that the matrix reads without colour.
_SYMBOLS = {
    "approved": ("✓", "green"),
    "stale": ("~", "yellow"),
    "changes-requested": ("✗", "red"),
    "pending": ("○", "cyan"),
    "n/a": ("-", "dim"),
}
_LEGEND = ("✓ approved  ~ stale  ✗ changes requested  ○ pending  - n/a\n"
           "(stale: approved, but the text changed since)")


def _symbol(state: str, with_name: bool = False, width: int = 0) -> str:
    mark, colour = _SYMBOLS[state]
    text = (f"{mark} {state}" if with_name else mark).ljust(width)
    return f"[{colour}]{escape(text)}[/]"


def _when(time: str) -> str:
    """'2025-01-31T12:00:00.000000Z' → '2025-01-31 12:00 UTC'."""
    return f"{time[:10]} {time[11:16]} UTC"


def _short_list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … (+{len(items) - limit} more)" if len(items) > limit else "")


@app.command()
@handle_errors
def review(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Chapter slug.")],
    jurisdiction: Annotated[
        str, typer.Option("--jurisdiction", "-j", help="Jurisdiction code you review for, e.g. UK.")
    ],
    approve: Annotated[bool, typer.Option("--approve", help="Approve the chapter's current text.")] = False,
    request_changes: Annotated[
        bool, typer.Option("--request-changes", help="Ask for changes (needs -m).")
    ] = False,
    comment: Annotated[bool, typer.Option("--comment", help="Comment without deciding.")] = False,
    message: Annotated[str | None, typer.Option("--message", "-m", help="Comment text.")] = None,
    as_name: Annotated[
        str | None, typer.Option("--as", help="Your name as listed in manual.yaml (default: VIMANUAL_USER, "
                                 "git user.name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the recorded event as JSON.")] = False,
) -> None:
    """Record a review decision for one jurisdiction: a new file under reviews/<slug>/.

    Only a reviewer listed for the jurisdiction in manual.yaml may approve or request
    changes; any listed reviewer may comment.

    Example: vimanual review image-triage -j UK --request-changes -m "Add a source for 2.1"
    """
    from vimanual.review import APPROVE, COMMENT, REQUEST_CHANGES, load_review_status, record_review

    flags = ((APPROVE, approve), (REQUEST_CHANGES, request_changes), (COMMENT, comment))
    chosen = [decision for decision, on in flags if on]
    if len(chosen) != 1:
        raise VimanualError("choose exactly one of --approve, --request-changes or --comment",
                            "e.g. vimanual review SLUG -j UK --approve")
    root_dir = _root(ctx)
    event = record_review(root_dir, slug, jurisdiction.strip().upper(), chosen[0], message, as_name)
    if as_json:
        typer.echo(json.dumps({**event.to_dict(), "file": event.rel}, indent=2, ensure_ascii=False))
        return
    if _state(ctx).quiet:
        return
    from vimanual.journal import locked

    with locked(root_dir):  # another command's accept may be halfway through its writes
        chapter = load_review_status(root_dir).review(slug)
    cell = chapter.cells[event.jurisdiction]
    out = _out()
    out.print(f"Recorded {escape(event.decision)} by {escape(event.reviewer)} for {event.jurisdiction} "
              f"on '{slug}' → {escape(event.rel)}")
    waiting = f" (waiting for {', '.join(chapter.blocking)})" if chapter.blocking else ""
    out.print(f"{event.jurisdiction}: {_symbol(cell.state, True)} · chapter ready: "
              f"{'yes' if chapter.ready else 'no'}{escape(waiting)}")


@app.command()
@handle_errors
def status(
    ctx: typer.Context,
    slug: Annotated[str | None, typer.Argument(help="Show this chapter's full review history.")] = None,
    jurisdiction: Annotated[
        str | None,
        typer.Option("--jurisdiction", "-j", help="Show the queue of chapters awaiting this jurisdiction."),
    ] = None,
    contributor: Annotated[
        str | None,
        typer.Option("--contributor", help="Show this contributor's submissions and their review."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Review state of every chapter for every jurisdiction, and which chapters are ready.

    With SLUG: that chapter's review history with comments. With --jurisdiction: the
    reviewer's queue, stale approvals first.

    With --contributor: a contributor's own submissions, their state and review.

    Example: vimanual status --jurisdiction UK
    """
    from vimanual.review import check_jurisdiction, load_review_status

    if contributor is not None:
        _status_contributor(ctx, contributor, as_json)
        return

    report = load_review_status(_root(ctx))
    code = jurisdiction.strip().upper() if jurisdiction is not None else None
    if code is not None:
        check_jurisdiction(report.workspace.manual, code)
    if report.loaded.problems and not as_json:
        _err().print(f"[yellow]warning:[/] {len(report.loaded.problems)} review event file(s) are not valid "
                     "and were ignored; run 'vimanual verify'")
    if slug is not None:
        _status_chapter(report, slug, code, as_json)
    elif code is not None:
        _status_queue(report, code, as_json)
    else:
        _status_matrix(report, as_json)


def _problems_json(report: Any) -> list[dict[str, Any]]:
    return [asdict(p) for p in report.loaded.problems]


def _status_matrix(report: Any, as_json: bool) -> None:
    from rich import box
    from rich.table import Table

    manual = report.workspace.manual
    reviews = report.reviews
    ready = [r for r in reviews if r.ready]
    blocking = [r.slug for r in reviews if not r.ready]
    if as_json:
        typer.echo(json.dumps({
            "jurisdictions": [asdict(j) for j in manual.jurisdictions],
            "chapters": [{"slug": r.slug, "title": r.title, "content_hash": r.content_hash, "ready": r.ready,
                          "blocking": list(r.blocking), "states": r.states()} for r in reviews],
            "summary": {"chapters": len(reviews), "ready": len(ready), "blocking": blocking},
            "problems": _problems_json(report),
        }, indent=2, ensure_ascii=False))
        return
    # Narrow state columns, so that a dozen jurisdictions still leave room for the slug at 80
    # columns; a slug too long for what is left ends in '…' rather than wrapping the row.
    out = _out()
    room = out.width - sum(len(code) + 1 for code in manual.codes) - len(" ready") - 1
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1), collapse_padding=True)
    table.add_column("chapter", no_wrap=True, overflow="ellipsis", min_width=12, max_width=max(12, room))
    for code in manual.codes:
        table.add_column(code, justify="center", overflow="fold", min_width=1)
    table.add_column("ready", justify="left", no_wrap=True, min_width=5)
    for r in reviews:
        table.add_row(escape(r.slug), *(_symbol(r.cells[code].state) for code in manual.codes),
                      "[green]yes[/]" if r.ready else "no")
    out.print(table, soft_wrap=False)
    out.print(_LEGEND, soft_wrap=False)
    summary = f"{len(ready)} of {len(reviews)} chapters ready"
    if blocking:
        summary += f" · {len(blocking)} blocking: {_short_list(blocking, 4)}"
    out.print(escape(summary), soft_wrap=False)


def _status_chapter(report: Any, slug: str, code: str | None, as_json: bool) -> None:
    import textwrap

    from vimanual.review import history

    chapter_review = report.review(slug)
    events = history(report.loaded.events, slug, code)
    codes = [code] if code else list(chapter_review.cells)
    if as_json:
        typer.echo(json.dumps({
            "slug": slug, "title": chapter_review.title, "content_hash": chapter_review.content_hash,
            "ready": chapter_review.ready, "blocking": list(chapter_review.blocking),
            "jurisdictions": {c: chapter_review.cells[c].to_dict() for c in codes},
            "history": [{**e.to_dict(), "file": e.rel,
                         "on_current_text": e.content_hash == chapter_review.content_hash} for e in events],
            "problems": _problems_json(report),
        }, indent=2, ensure_ascii=False))
        return
    out = _out()
    out.print(f"[bold]{escape(chapter_review.title)}[/] ({escape(slug)})", soft_wrap=False)
    waiting = f" · waiting for {', '.join(chapter_review.blocking)}" if chapter_review.blocking else ""
    out.print(f"text {chapter_review.content_hash[:12]} · ready: {'yes' if chapter_review.ready else 'no'}"
              f"{waiting}", soft_wrap=False)
    out.print()
    for c in codes:
        cell = chapter_review.cells[c]
        latest = cell.decision
        by = f"  {latest.reviewer}, {_when(latest.time)}" if latest else ""
        out.print(f"  {c:<9} {_symbol(cell.state, True, 20)}{escape(by)}", soft_wrap=False)
    out.print()
    if not events:
        out.print("No review events yet.")
        return
    out.print("History (oldest first, UTC):")
    for e in events:
        earlier = "" if e.content_hash == chapter_review.content_hash else "  [earlier text]"
        out.print(f"  {e.time[:10]} {e.time[11:16]}  {e.jurisdiction:<8} {escape(e.decision):<15} "
                  f"{escape(e.reviewer)}{escape(earlier)}", soft_wrap=False)
        for paragraph in e.comment.splitlines():
            for line in textwrap.wrap(paragraph, 72) or [""]:
                out.print(f"      {escape(line)}", soft_wrap=False)


def _status_queue(report: Any, code: str, as_json: bool) -> None:
    from rich import box
    from rich.table import Table

    from vimanual.review import reviewer_queue

    queue = reviewer_queue(report.reviews, code)
    name = next(j.name for j in report.workspace.manual.jurisdictions if j.code == code)
    if as_json:
        typer.echo(json.dumps({"jurisdiction": code, "name": name, "queue": [asdict(q) for q in queue],
                               "problems": _problems_json(report)}, indent=2, ensure_ascii=False))
        return
    out = _out()
    if not queue:
        out.print(f"Nothing awaits {code} ({escape(name)}).", soft_wrap=False)
        return
    out.print(f"{len(queue)} chapter(s) awaiting {code} ({escape(name)}), stale first:", soft_wrap=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("state", no_wrap=True)
    table.add_column("chapter", overflow="fold")
    table.add_column("why", overflow="fold", ratio=1)
    for item in queue:
        table.add_row(_symbol(item.state, True), escape(item.slug), escape(item.reason))
    out.print(table, soft_wrap=False)


@app.command()
@handle_errors
def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Check every review event: it parses, its digest matches, it names a known chapter and
    jurisdiction, and (in a git repository) no committed event was ever modified or deleted.

    Exit code 1 when a problem is found.

    Example: vimanual verify
    """
    from vimanual.errors import GateFailed
    from vimanual.review import verify_reviews
    from vimanual.workspace import load_workspace

    root_dir = _root(ctx)
    files, problems = verify_reviews(root_dir, load_workspace(root_dir))
    if as_json:
        typer.echo(json.dumps({"ok": not problems, "files": files, "problems": [asdict(p) for p in problems]},
                              indent=2, ensure_ascii=False))
        if problems:
            raise typer.Exit(1)
        return
    if problems:
        _print_problems(problems, _err())
        raise GateFailed(f"{len(problems)} problem(s) in review events ({files} file(s) checked)",
                         "restore the files named above (e.g. from git); "
                         "record new reviews instead of editing")
    if not _state(ctx).quiet:
        _out().print(f"[green]{files} review event(s) verified, no problems.[/]")

# --- editions (issue 7): release, editions, print, verify-edition, diff ----------------------


def _progress_callback(quiet: bool) -> Any:
    """A plain progress reporter on stderr for long edition builds (None when quiet or piped)."""
    err = _err()
    if quiet or not err.is_terminal:
        return None

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            err.print(f"[dim]{escape(stage)}: {done}/{total}[/]")

    return progress


def _edition_json(edition: Any) -> dict[str, Any]:
    data = edition.to_dict()
    data["path"] = _display_path(edition.path)
    return data


@app.command()
@handle_errors
def release(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="Edition label, e.g. 1.0 or 2027.1-rc1.")],
    notes: Annotated[
        Path | None,
        typer.Option("--notes", help="Release notes (Markdown), e.g. from 'vimanual diff --format md'."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Edition date YYYY-MM-DD (default: today, UTC).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave this chapter out of the edition (repeatable).",
                     autocompletion=complete_slugs),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the manifest (or the blockers) as JSON.")
    ] = False,
) -> None:
    """Release an edition: freeze the ready chapters under editions/VERSION/ and build it.

    Every chapter must be approved by all its reviewing jurisdictions at its current
    text, and 'vimanual check' must pass; otherwise nothing is written and each blocker
    is listed with who to ask (exit 1). Leave chapters out explicitly with --exclude.

    Example: vimanual release 1.0 --date 2026-11-28 --notes notes.md
    """
    from vimanual.editions import ReleaseBlocked, read_notes
    from vimanual.editions import release as run_release
    from vimanual.identity import resolve_person

    root_dir = _root(ctx)
    text = read_notes(notes)
    try:
        who = resolve_person(None)
    except VimanualError:
        who = ""
    try:
        edition = run_release(root_dir, version, notes=text, date=date, exclude=exclude or (),
                              released_by=who, progress=_progress_callback(_state(ctx).quiet or as_json))
    except ReleaseBlocked as exc:
        if as_json:
            typer.echo(json.dumps({"ok": False, "blockers": [asdict(b) for b in exc.blockers],
                                   "problems": [asdict(p) for p in exc.problems]},
                                  indent=2, ensure_ascii=False))
            raise typer.Exit(1) from None
        _print_blockers(exc)
        raise
    if as_json:
        typer.echo(json.dumps(_edition_json(edition), indent=2, ensure_ascii=False))
        return
    if not _state(ctx).quiet:
        _out().print(f"Released edition {escape(edition.version)} ({edition.date}) · "
                     f"{len(edition.chapters)} chapters → {escape(_display_path(edition.path))}/")
        _out().print(f"  manual.pdf  sha256 {edition.pdf_sha256}\n  manual.html sha256 {edition.html_sha256}")
        if edition.excluded:
            _out().print(f"  left out: {escape(', '.join(edition.excluded))}")


def _print_blockers(exc: Any) -> None:
    from rich import box
    from rich.table import Table

    err = _err()
    if exc.blockers:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, title="Chapters not ready",
                      title_justify="left")
        for column in ("chapter", "jurisdiction", "state"):
            table.add_column(column, no_wrap=True)
        table.add_column("ask", overflow="fold")
        for b in exc.blockers:
            table.add_row(escape(b.chapter), b.jurisdiction, _symbol(b.state, True) if b.state in _SYMBOLS
                          else escape(b.state), escape(", ".join(b.ask) or "nobody is listed"))
        err.print(table, soft_wrap=False)
    if exc.problems:
        err.print("[bold]'vimanual check' errors:[/]")
        _print_problems(exc.problems, err)


@app.command()
@handle_errors
def editions(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the released editions: version, date, chapters and checksums.

    Example: vimanual editions --json
    """
    from rich import box
    from rich.table import Table

    from vimanual.editions import list_editions

    found = list_editions(_root(ctx))
    if as_json:
        typer.echo(json.dumps({"editions": [_edition_json(e) for e in found]}, indent=2, ensure_ascii=False))
        return
    out = _out()
    if not found:
        out.print("No released editions yet; cut one with 'vimanual release VERSION'.")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in ("version", "date", "chapters", "paper", "PDF sha256", "HTML sha256"):
        table.add_column(column, no_wrap=column != "chapters", overflow="fold")
    for e in found:
        table.add_row(escape(e.version), e.date, str(len(e.chapters)), e.paper, e.pdf_sha256[:16] + "…",
                      e.html_sha256[:16] + "…")
    out.print(table, soft_wrap=False)
    out.print("Print one with 'vimanual print VERSION'; "
              "check a copy with 'vimanual verify-edition VERSION FILE'.")


@app.command("print")
@handle_errors
def print_command(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="A released edition, e.g. 1.0 (see 'vimanual editions').")],
    paper: Annotated[
        str | None, typer.Option("--paper", help="a4 or letter (default: the edition's).")
    ] = None,
    chapters: Annotated[
        str, typer.Option("--chapters", help="Comma-separated slugs: a handout of these chapters.")
    ] = "",
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", help="Keep only this jurisdiction's passages.",
                                 autocompletion=complete_codes)
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the PDF.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Get a released edition's PDF for training: whole, or a handout of some chapters.

    The whole edition on its own paper is the released file, verified against the
    manifest's checksum; a handout, another paper size or a jurisdiction's variant is
    rebuilt from the edition's frozen sources (never the working chapters).

    Example: vimanual print 1.0 --chapters image-triage,case-handover --paper letter
    """
    from vimanual.editions import print_edition

    slugs = [s.strip() for s in chapters.split(",") if s.strip()]
    result = print_edition(
        _root(ctx), version, paper=paper, chapters=slugs,
        jurisdiction=jurisdiction.strip().upper() if jurisdiction else None, output=output,
        progress=_progress_callback(_state(ctx).quiet or as_json),
    )
    if as_json:
        typer.echo(json.dumps({**asdict(result), "path": str(result.path)}, indent=2, ensure_ascii=False))
        return
    if not _state(ctx).quiet:
        _out().print(f"Wrote {escape(_display_path(result.path))} · edition {escape(version)} · "
                     f"{len(result.chapters)} chapter(s) · {result.paper}")
        _out().print(f"  {escape(result.reason)}; sha256 {result.sha256}")


@app.command("verify-edition")
@handle_errors
def verify_edition_command(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="A released edition, e.g. 1.0.")],
    file: Annotated[
        Path | None, typer.Argument(help="A PDF (or HTML) to check against the manifest.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Check a PDF someone has against a released edition, or re-check the stored edition.

    With FILE: does it match the edition's PDF or HTML checksum? Without: are the
    stored PDF and HTML, every frozen source and the referenced fonts unchanged?
    Exit code 1 on a mismatch.

    Example: vimanual verify-edition 1.0 ~/Downloads/manual.pdf
    """
    from vimanual.editions import verify_edition

    result = verify_edition(_root(ctx), version, file)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    elif result.ok and not _state(ctx).quiet:
        what = (f"{escape(str(file))} is edition {escape(version)}'s {result.matched.upper()}" if file
                else f"edition {escape(version)}: {result.checked} file(s) match the manifest")
        _out().print(f"[green]OK:[/] {what}")
    elif not result.ok and not as_json:
        err = _err()
        for problem in result.problems:
            err.print(f"[red]mismatch:[/] {escape(problem)}")
        err.print(f"[bold red]Error:[/] does not match edition {escape(version)}")
    if not result.ok:
        raise typer.Exit(1)


@app.command("diff")
@handle_errors
def diff_command(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The earlier edition, e.g. 1.0.")],
    new: Annotated[str, typer.Argument(help="A later edition, or 'working' (the default).")] = "working",
    full: Annotated[bool, typer.Option("--full", help="Show the text diff of each changed chapter.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or md (release notes in Markdown).")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """What changed between two editions, or since an edition: chapters added, removed,
    moved and changed, with words added and removed.

    --format md writes release notes that 'vimanual release --notes' takes.

    Example: vimanual diff 1.0 --format md > notes.md
    """
    from vimanual.editions import diff_editions, notes_markdown

    if fmt not in ("text", "md"):
        raise VimanualError(f"unknown format '{fmt}'", "use text or md")
    result = diff_editions(_root(ctx), old, new, full)
    if as_json:
        typer.echo(json.dumps({"old": result.old, "new": result.new,
                               "changes": [asdict(c) for c in result.changes]}, indent=2, ensure_ascii=False))
        return
    if fmt == "md":
        typer.echo(notes_markdown(result), nl=False)
        return
    out = _out()
    out.print(f"From edition {escape(result.old)} to "
              f"{'the working manual' if result.new == 'working' else 'edition ' + escape(result.new)}:")
    marks = {"added": "[green]+ added  [/]", "removed": "[red]- removed[/]",
             "changed": "[yellow]~ changed[/]", "moved": "[cyan]↕ moved  [/]"}
    shown = 0
    for c in result.changes:
        if c.kind == "unchanged":
            continue
        shown += 1
        detail = {"added": f"{c.words_added} words", "removed": f"{c.words_removed} words",
                  "moved": f"position {c.old_position} → {c.new_position}"}.get(
            c.kind, f"+{c.words_added} / -{c.words_removed} words")
        if c.kind == "changed" and c.moved:
            detail += f"; moved {c.old_position} → {c.new_position}"
        out.print(f"  {marks[c.kind]} {escape(c.slug)}  {escape(detail)}", soft_wrap=False)
        if c.diff:
            for line in c.diff.splitlines():
                colour = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
                out.print(f"      [{colour}]{escape(line)}[/]", soft_wrap=False)
    unchanged = sum(1 for c in result.changes if c.kind == "unchanged")
    out.print(f"{shown} chapter(s) differ, {unchanged} unchanged.")


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
