"""Commands of the editor's book: init, check, build, serve (rendering only; the work is in
vimanual.api)."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import functools
import json
import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from vimanual import api
from vimanual.cli import ui


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")] = Path("."),
) -> None:
    """Create a new workspace: manual.yaml, chapters/, contributions/, reviews/, styles/.

    Existing files are never overwritten.

    Example: vimanual init my-manual
    """
    result = api.init(directory)
    if ui.state(ctx).quiet:
        return
    out = ui.out()
    out.print(f"Created workspace in {escape(str(result.root))} ({len(result.created)} files)")
    for rel in result.kept:
        out.print(f"  kept existing {escape(rel)}")
    out.print("Next: edit manual.yaml, add chapters/<slug>.md, then run 'vimanual build'.")


def check(
    ctx: typer.Context,
    slugs: Annotated[
        list[str] | None, typer.Argument(metavar="SLUG", help="Chapters to check (default: all).")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Pre-flight the manual: structure, links, media, terminology, sensitive data, editorial.

    Lists errors and warnings by chapter, each with file:line, a rule id and a hint.
    Exit code 1 on errors (and on warnings with --strict), 0 otherwise.

    Example: vimanual check image-triage --strict
    """
    report = api.check(ui.workspace(ctx), slugs or ())
    if as_json:
        typer.echo(json.dumps(_check_json(report), indent=2))
    else:
        _print_report(report, ui.out(), ui.state(ctx).quiet)
    if report.failed(strict):
        raise typer.Exit(1)


def build(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="pdf, html or all.")] = "all",
    chapters: Annotated[
        str,
        typer.Option("--chapters", help="Comma-separated slugs to build (default: all).",
                     autocompletion=ui.complete_slug_list),
    ] = "",
    paper: Annotated[str | None, typer.Option(help="A4 or Letter (default: manual.yaml).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output folder (default: build/).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1,
                     help="Parallel pandoc runs and PDF layout processes (default: the machine's cores)."),
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache",
                     help="Convert and lay out everything again, ignoring build/cache/."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only errors.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Build even if 'vimanual check' finds errors.")
    ] = False,
    jurisdiction: Annotated[
        str | None,
        typer.Option("--jurisdiction", "-j", help="Keep only this jurisdiction's '.only' passages.",
                     autocompletion=ui.complete_codes),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="Build this language's edition (build/manual.<tag>.pdf and .html); "
                     "'all' builds every language listed in manual.yaml, sharing the cache."),
    ] = None,
    untranslated: Annotated[
        str,
        typer.Option("--untranslated", help="With --language, a chapter not yet translated is shown in the "
                     "source language under a banner (source) or left out (omit)."),
    ] = "source",
    tagged: Annotated[
        bool,
        typer.Option("--tagged", help="Tag the draft's PDF for screen readers (PDF/UA-1), as released "
                     "editions always are; slower to lay out."),
    ] = False,
) -> None:
    """Build the draft manual: build/manual.pdf and build/manual.html.

    With --language fr, the French edition: build/manual.fr.pdf and .html, with each
    chapter's translation (a stale one with a warning) and the book's words in French.

    Refuses (exit 1) when 'vimanual check' finds errors, unless --force. With
    --jurisdiction UK, passages marked ::: {.only jurisdiction="UK,AU"} are kept for UK
    and the others dropped; without it all are shown, each labelled.

    The draft PDF is not tagged for screen readers unless --tagged (it lays out faster);
    a released edition's PDF always is.

    Example: vimanual build --format pdf --paper Letter
    """
    quiet = quiet or ui.state(ctx).quiet
    request = functools.partial(
        api.build,
        ui.workspace(ctx),
        formats=None if fmt == "all" else (fmt,),
        output=output,
        paper=paper,
        chapters=ui.slug_list(chapters),
        jobs=jobs,
        jurisdiction=ui.code(jurisdiction),
        use_cache=not no_cache,
        force=force,
        on_forced=functools.partial(_forced, quiet=quiet),
        on_broken=lambda broken: ui.warn_broken(broken, ui.err()),  # with -q too: a chapter is missing
        untranslated=untranslated,
        tagged=tagged,
    )
    languages: list[str | None] = [language.strip() if language else None]
    if language is not None and language.strip() == "all":
        languages = list(api.languages(ui.workspace(ctx)))
    for tag in languages:
        _build_one(ctx, functools.partial(request, language=tag), quiet)


def _build_one(ctx: typer.Context, request: Any, quiet: bool) -> None:
    """One build (the manual, or one language's edition), its progress and its summary."""
    err = ui.err()
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

            run = request(progress=progress)
    else:
        run = request()
    result = run.result
    ui.print_problems([p for p in result.problems if p.severity == "error" or not quiet], err)
    if run.omitted and not quiet:
        err.print(f"note: {len(run.omitted)} chapter(s) not yet translated into {run.language} were left "
                  f"out: {escape(ui.short_list(run.omitted))}")
    if quiet:
        return
    made = []
    for kind, path in result.outputs.items():
        shown = ui.display_path(path)
        if kind == "pdf":
            if result.pdf_reused:
                shown += f" ({result.pages} pages, unchanged)"
            elif result.laid_out or result.layout_cached:
                parts = "part" if result.laid_out == 1 else "parts"
                shown += (f" ({result.pages} pages; {result.laid_out} {parts} of the book typeset, "
                          f"{result.layout_cached} reused from the last build)")
            else:
                shown += f" ({result.pages} pages)"
        made.append(shown)
    ui.out().print(
        f"Built {' and '.join(made)} · {result.chapters} chapter{'' if result.chapters == 1 else 's'} "
        f"({result.converted} converted, {result.cached} from cache)"
    )
    if ui.state(ctx).verbose:
        _print_build_details(run.chapters, run.selected, result.outputs, started)


def export(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="The chapter to export.", autocompletion=ui.complete_slugs)],
    fmt: Annotated[str, typer.Option("--format", "-f", help="docx (Word).")] = "docx",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: build/export/SLUG.docx).")
    ] = None,
) -> None:
    """Export a chapter's current source text as a Word file, images embedded.

    For a translator (or a reviewer) who works in Word; submit the translation back with
    'vimanual submit FILE --translates SLUG --language TAG'.

    Example: vimanual export training-exercises --format docx
    """
    result = api.export(ui.workspace(ctx), slug, fmt, output)
    for target in result.dropped:
        ui.err().print(f"[yellow]warning:[/] image '{escape(target)}' left out: "
                       "not a safe image file inside the workspace")
    if not ui.state(ctx).quiet:
        ui.out().print(f"Exported '{escape(slug)}' to {escape(ui.display_path(result.path))} "
                       f"(source text {result.content_hash[:12]}, {result.images} image(s))")


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
    state = ui.state(ctx)
    server = api.preview(ui.workspace(ctx), port)
    out, err = ui.out(), ui.err()
    # Ctrl-C sets an event the watch loop checks, rather than raising KeyboardInterrupt
    # in the middle of a rebuild or of a half-printed line.
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()  # signals only work there
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.set()) if in_main else None
    try:
        failed = server.start()
        if failed is not None:
            _print_rebuild(failed, state, out, err,
                           "serving a page that shows this error until a build succeeds")
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
        ui.out().print("Stopped.")


def _print_rebuild(rebuild: Any, state: ui.State, out: Console, err: Console,
                   kept: str = "still serving the last good build") -> None:
    changed = ", ".join(rebuild.changed[:3]) + (" …" if len(rebuild.changed) > 3 else "")
    if rebuild.error:
        err.print(f"[bold red]Error:[/] {escape(rebuild.error)}")
        if rebuild.hint:
            err.print(f"  hint: {escape(rebuild.hint)}")
        err.print(f"  ({kept})")
        return
    if state.quiet:
        return
    line = f"Rebuilt after {escape(changed)} in {rebuild.seconds:.1f} s"
    if state.verbose:
        line += f" ({rebuild.converted} converted, {rebuild.cached} from cache)"
    out.print(line)


def _print_build_details(
    known: list[str], selected: tuple[str, ...], outputs: dict[str, Path], started: float
) -> None:
    out = ui.out()
    slugs = [slug for slug in known if not selected or slug in selected]
    out.print(f"Chapters: {', '.join(slugs)}")
    for path in outputs.values():
        out.print(f"Wrote {escape(ui.display_path(path))} ({path.stat().st_size / 1024:.0f} KiB)")
    out.print(f"Took {time.monotonic() - started:.1f} s")










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
            out.print(f"[bold]{escape(api.shown_name(current))}[/]")
        colour = "red" if problem.severity == "error" else "yellow"
        out.print(f"[{colour}]{problem.severity}:[/] {escape(str(problem))}")
        hint = f"hint: {problem.hint} · " if problem.hint else ""
        out.print(f"  [dim]{escape(hint)}rule: {escape(problem.rule)}[/]")
    if not report.problems:
        if not quiet:
            out.print("[green]No problems found.[/]")
    else:
        out.print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")


def _forced(errors: list[Any], quiet: bool = False) -> None:
    """check's errors that a --force build goes ahead despite, listed before it starts (with
    ``quiet``, the errors alone)."""
    err = ui.err()
    ui.print_problems(errors, err)
    if not quiet:
        err.print(f"[yellow]Building anyway (--force) despite {len(errors)} error(s).[/]")
