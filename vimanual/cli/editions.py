"""Commands of editions: release, editions, print, verify-edition, diff (rendering only;
the work is in vimanual.editions.release)."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from vimanual import api
from vimanual.cli import controlled, ui


def _progress_callback(quiet: bool) -> Any:
    """A plain progress reporter on stderr for long edition builds (None when quiet or piped)."""
    err = ui.err()
    if quiet or not err.is_terminal:
        return None

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            err.print(f"[dim]{escape(stage)}: {done}/{total}[/]")

    return progress


def _edition_json(edition: Any) -> dict[str, Any]:
    data = edition.to_dict()
    data["path"] = ui.display_path(edition.path)
    if edition.language_editions:
        data["languages"] = edition.language_editions
    return data


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
        typer.Option("--exclude", metavar="SLUG", help="Leave this chapter out of the edition (repeatable).",
                     autocompletion=ui.complete_slugs),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the manifest (or the blockers) as JSON.")
    ] = False,
    person: Annotated[
        str | None, typer.Option("--as", help="Your name, as listed under 'editors' in manual.yaml "
                                              "(default: VIMANUAL_USER, git).")
    ] = None,
    languages: Annotated[
        list[str] | None,
        typer.Option("--language", metavar="TAG", help="Also release this language edition (repeatable; "
                     "'all' for every language), of VERSION as released or as this command releases it."),
    ] = None,
) -> None:
    """Release an edition: freeze the ready chapters under editions/VERSION/ and build it.

    Every chapter must be approved by all its reviewing jurisdictions at its current
    text, and 'vimanual check' must pass; otherwise nothing is written and each blocker
    is listed with who to ask (exit 1). Leave chapters out explicitly with --exclude.

    With --language fr the French edition is released under editions/VERSION/languages/fr/:
    every chapter's translation must translate the text the edition holds and be approved
    by the language's reviewers. If VERSION is not released yet, it is released with it.

    Example: vimanual release 1.0 --date 2026-11-28 --notes notes.md
    """
    try:
        edition = api.release(ui.workspace(ctx), version, notes=notes, date=date, exclude=exclude or (),
                              progress=_progress_callback(ui.state(ctx).quiet or as_json), person=person,
                              languages=[tag.strip() for tag in languages or ()])
    except api.ReleaseBlocked as exc:
        if as_json:
            typer.echo(json.dumps({"ok": False, "blockers": [asdict(b) for b in exc.blockers],
                                   "problems": [asdict(p) for p in exc.problems]},
                                  indent=2, ensure_ascii=False))
            raise typer.Exit(1) from None
        _print_blockers(exc)
        raise
    if as_json:
        data = _edition_json(edition)
        if languages:
            data["released_languages"] = [_edition_json(e) for e in edition.released_languages]
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if ui.state(ctx).quiet:
        return
    shown = [*([] if edition.released_before else [edition]), *edition.released_languages]
    for released in shown:
        held = ui.count(len(released.chapters), "chapter")
        ui.out().print(f"Released edition {escape(released.label)} ({released.date}) · "
                       f"{held} → {escape(ui.display_path(released.path))}/")
        ui.out().print(f"  manual.pdf  sha256 {released.pdf_sha256}\n"
                       f"  manual.html sha256 {released.html_sha256}")
        if released.excluded:
            ui.out().print(f"  left out: {escape(', '.join(released.excluded))}")


def _print_blockers(exc: Any) -> None:
    from rich import box
    from rich.table import Table

    err = ui.err()
    if exc.blockers:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, title="Chapters not ready",
                      title_justify="left")
        for column in ("chapter", "jurisdiction", "state"):
            table.add_column(column, no_wrap=True)
        table.add_column("ask", overflow="fold")
        for b in exc.blockers:
            table.add_row(escape(b.chapter), b.jurisdiction, ui.symbol(b.state, True) if b.state in ui.SYMBOLS
                          else escape(b.state), escape(", ".join(b.ask) or "nobody is listed"))
        err.print(table, soft_wrap=False)
    if exc.problems:
        err.print("[bold]'vimanual check' errors:[/]")
        ui.print_problems(exc.problems, err)


def editions(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the released editions: version, date, chapters and checksums.

    Example: vimanual editions --json
    """
    from rich import box
    from rich.table import Table

    found = api.editions(ui.workspace(ctx))
    if as_json:
        typer.echo(json.dumps({"editions": [_edition_json(e) for e in found]}, indent=2, ensure_ascii=False))
        return
    out = ui.out()
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
    for e in found:
        if e.language_editions:
            tags = escape(", ".join(e.language_editions))
            out.print(f"Edition {escape(e.version)} in other languages: {tags} "
                      f"(vimanual print {escape(e.version)} --language {escape(e.language_editions[0])})")
    for e in found:
        if e.notes.strip():
            out.print(f"\n[bold]Release notes of {escape(e.version)}[/]")
            lines = e.notes.strip().splitlines()
            for line in _reflow(lines[:12], max(40, out.width - 2)):
                out.print(f"  {escape(line)}".rstrip(), soft_wrap=False)
            if len(lines) > 12:
                out.print(f"  … ({len(lines) - 12} more lines in editions/{escape(e.version)}/manifest.yaml)")
    out.print("\nPrint one with 'vimanual print VERSION';\n"
              "check a copy with 'vimanual verify-edition VERSION FILE'.")


def _reflow(lines: list[str], width: int) -> list[str]:
    """Markdown notes re-wrapped to the terminal: paragraphs and list items flow, headings and
    blank lines stay."""
    import re
    import textwrap

    blocks: list[tuple[str, str]] = []  # (first-line prefix, text)
    for line in lines:
        item = re.match(r"(\s*(?:[-*+]|\d+[.)])\s+|#+\s+)(.*)", line)
        if not line.strip():
            blocks.append(("", ""))
        elif item or not blocks or not blocks[-1][1] or blocks[-1][0].startswith("#"):
            blocks.append((item.group(1), item.group(2)) if item else ("", line.strip()))
        else:
            blocks[-1] = (blocks[-1][0], f"{blocks[-1][1]} {line.strip()}")
    result: list[str] = []
    for prefix, text in blocks:
        if not text:
            result.append("")
            continue
        indent = " " * len(prefix) if not prefix.startswith("#") else ""
        result += textwrap.wrap(text, width, initial_indent=prefix, subsequent_indent=indent) or [prefix]
    return result


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
        str | None, typer.Option("--jurisdiction", "-j", help="Keep only this jurisdiction's passages.",
                                 autocompletion=ui.complete_codes)
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the PDF.")] = None,
    copies: Annotated[
        int | None, typer.Option("--copies", min=1, help="Controlled copies: N numbered copies, each marked.")
    ] = None,
    recipients: Annotated[
        Path | None, typer.Option("--recipients", help="Controlled copies, one per person in this CSV or "
                                  "YAML file (name, agency, course, email).")
    ] = None,
    person: Annotated[str | None, typer.Option("--as", help="Your name, as an editor in manual.yaml "
                                               "(controlled copies only).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    language: Annotated[
        str | None, typer.Option("--language", metavar="TAG", help="The edition's release in this language "
                                 "(see 'vimanual release VERSION --language TAG').")
    ] = None,
) -> None:
    """Get a released edition's PDF for training: whole, or a handout of some chapters.

    With --copies or --recipients: controlled copies under build/editions/VERSION/copies/,
    each marked on every page with its number and recipient, recorded in the edition's
    register (see 'vimanual copies') and traceable ('vimanual trace').

    The whole edition on its own paper is the released file, verified against the
    manifest's checksum; a handout, another paper size or a jurisdiction's variant is
    rebuilt from the edition's frozen sources (never the working chapters).

    Example: vimanual print 1.0 --chapters image-triage,case-handover --paper letter
    """
    language = ui.language(ctx, language)
    if copies is not None or recipients is not None:
        if language is not None:
            raise api.VimanualError("controlled copies are issued of the source edition only",
                                    f"print the {language} edition without --copies/--recipients")
        controlled.issue(ctx, version, copies=copies, recipients=recipients, person=person, paper=paper,
                         chapters=ui.slug_list(chapters), jurisdiction=ui.code(jurisdiction), output=output,
                         as_json=as_json)
        return
    result = api.print_edition(
        ui.workspace(ctx), version, paper=paper, chapters=ui.slug_list(chapters),
        jurisdiction=ui.code(jurisdiction), output=output,
        progress=_progress_callback(ui.state(ctx).quiet or as_json), language=language,
    )
    if as_json:
        typer.echo(json.dumps({**asdict(result), "path": str(result.path)}, indent=2, ensure_ascii=False))
        return
    if not ui.state(ctx).quiet:
        label = f"{version} ({language})" if language else version
        ui.out().print(f"Wrote {escape(ui.display_path(result.path))} · edition {escape(label)} · "
                     f"{len(result.chapters)} chapter(s) · {result.paper}")
        ui.out().print(f"  {escape(result.reason)}; sha256 {result.sha256}")


def verify_edition_command(
    ctx: typer.Context,
    version: Annotated[str, typer.Argument(help="A released edition, e.g. 1.0.")],
    file: Annotated[
        Path | None, typer.Argument(help="A PDF (or HTML) to check against the manifest.")
    ] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Rebuild the edition from its frozen sources in a scratch folder and "
        "compare bytes with the manifest.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    language: Annotated[
        str | None, typer.Option("--language", metavar="TAG", help="Check the edition's release in this "
                                 "language (a FILE is also matched against every language edition).")
    ] = None,
) -> None:
    """Check a PDF someone has against a released edition, or re-check the stored edition.

    With FILE: does it match the edition's PDF or HTML checksum? Without: are the
    stored PDF and HTML, every frozen source and the referenced fonts unchanged?
    With --rebuild: does this machine rebuild the edition byte for byte, and if not,
    where do the files differ and which tool version differs from the edition's?
    Exit code 1 on a mismatch.

    Example: vimanual verify-edition 1.0 ~/Downloads/manual.pdf
    """
    language = ui.language(ctx, language)
    if rebuild:
        if file is not None:
            raise api.VimanualError("give either FILE or --rebuild, not both",
                                    f"vimanual verify-edition {version} --rebuild")
        _verify_rebuild(ctx, version, as_json, language)
        return
    result = api.verify_edition(ui.workspace(ctx), version, file, language)
    if result.language:
        version = f"{version} ({result.language})"
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    elif result.ok and not ui.state(ctx).quiet:
        if result.copy is not None:
            what = f"{escape(str(file))} is {escape(controlled.describe(result.copy, version))}"
        elif result.handout is not None:
            held = ", ".join(str(c) for c in result.handout.get("chapters") or [])
            what = (f"{escape(str(file))} is a handout of edition {escape(version)} "
                    f"(chapters {escape(held)}; {escape(str(result.handout.get('paper')))})")
        else:
            what = (f"{escape(str(file))} is edition {escape(version)}'s {result.matched.upper()}" if file
                    else f"edition {escape(version)}: {result.checked} file(s) match the manifest")
        ui.out().print(f"[green]OK:[/] {what}")
    elif not result.ok and not as_json:
        err = ui.err()
        label = "mismatch" if result.copy is None else "revoked"
        for problem in result.problems:
            err.print(f"[red]{label}:[/] {escape(problem)}")
        if result.copy is not None:  # a controlled copy, byte for byte, but revoked
            err.print(f"[bold red]Error:[/] a revoked copy of edition {escape(version)}: do not use it")
        else:
            err.print(f"[bold red]Error:[/] does not match edition {escape(version)}")
        if file is not None and result.copy is None:
            err.print(f"  hint: it may be a draft, another edition or an edited copy; 'vimanual print "
                      f"{escape(version)}' writes the released PDF, and 'vimanual trace FILE' says whether "
                      "it is a controlled copy")
    if not result.ok:
        raise typer.Exit(1)


def _verify_rebuild(ctx: typer.Context, version: str, as_json: bool, language: str | None) -> None:
    """``verify-edition VERSION --rebuild``: rebuild, compare, say where it differs."""
    result = api.rebuild_edition(ui.workspace(ctx), version, language)
    version = f"{version} ({language})" if language else version
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
    elif result.ok:
        if not ui.state(ctx).quiet:
            ui.out().print(f"[green]OK:[/] edition {escape(version)} rebuilt byte for byte "
                           f"(PDF {result.pdf_sha256[:16]}…, HTML {result.html_sha256[:16]}…; "
                           f"fonts subset with {result.font_subsetter})")
            for line in result.versions:
                ui.out().print(f"  note: {escape(line)}")
            if result.system_fonts:
                ui.out().print("  note: fonts from the releasing machine's system, not styles/fonts/: "
                               f"{escape(', '.join(result.system_fonts))}")
    else:
        err = ui.err()
        for line in result.sources:
            err.print(f"[red]source:[/] {escape(line)}")
        for line in result.differences:
            err.print(f"[red]differs:[/] {escape(line)}")
        for line in result.versions:
            err.print(f"[yellow]version:[/] {escape(line)}")
        what = ("its frozen sources do not match the manifest" if result.sources
                else "the rebuild does not match the manifest")
        err.print(f"[bold red]Error:[/] edition {escape(version)}: {what}")
    if not result.ok:
        raise typer.Exit(1)


def diff_command(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(help="The earlier edition, e.g. 1.0.")],
    new: Annotated[str, typer.Argument(help="A later edition, or 'working' (the default).")] = "working",
    full: Annotated[bool, typer.Option("--full", help="Show the text diff of each changed chapter.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or md (release notes in Markdown).")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    since_approval: Annotated[
        bool, typer.Option("--since-approval",
                           help="OLD is a chapter: its word changes since --jurisdiction last approved it.")
    ] = False,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="With --since-approval: whose approval.",
                                 autocompletion=ui.complete_codes)
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Compare the editions' releases in this language; or, "
                                 "when OLD is a chapter, its source's word changes since the text its "
                                 "translation into this language translates (a stale translation).")
    ] = None,
) -> None:
    """What changed between two editions, or since an edition: chapters added, removed,
    moved and changed, with words added and removed.

    --format md writes release notes that 'vimanual release --notes' takes. With
    --since-approval, OLD names a chapter: the reviewer sees, word by word, what changed
    since their jurisdiction last approved it (a stale approval).

    Example: vimanual diff 1.0 --format md > notes.md

    With --language fr, OLD names a chapter: the translator sees what changed in the source
    since the text the French translation translates.

    Example: vimanual diff image-triage --since-approval -j UK
    """
    if fmt not in ("text", "md"):
        raise api.VimanualError(f"unknown format '{fmt}'", "use text or md")
    language = ui.language(ctx, language)
    if language is not None and old not in {e.version for e in api.editions(ui.workspace(ctx))}:
        _diff_since_translated(old, new, api.since_translated(ui.workspace(ctx), old, language.strip())
                               if new == "working" else None, as_json)
        return
    if since_approval or jurisdiction is not None:
        _diff_since_approval(ctx, old, new, jurisdiction, fmt, as_json)
        return
    result = api.diff(ui.workspace(ctx), old, new, full, language and language.strip())
    if as_json:
        typer.echo(json.dumps({"old": result.old, "new": result.new,
                               "changes": [asdict(c) for c in result.changes]}, indent=2, ensure_ascii=False))
        return
    if fmt == "md":
        typer.echo(api.terminal_safe(api.notes_markdown(result)), nl=False)
        return
    out = ui.out()
    target = ("the working " + ("translations" if result.language else "manual") if result.new == "working"
              else "edition " + escape(result.new))
    of = f" ({escape(result.language)})" if result.language else ""
    out.print(f"From edition {escape(result.old)}{of} to {target}:")
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


def _diff_since_approval(ctx: typer.Context, slug: str, new: str, code: str | None, fmt: str,
                         as_json: bool) -> None:
    if code is None:
        raise api.VimanualError("--since-approval needs --jurisdiction CODE (whose approval)",
                                f"e.g. vimanual diff {slug} --since-approval -j UK")
    if new != "working":
        raise api.VimanualError("--since-approval compares with the chapter as it is now; name only it",
                                f"e.g. vimanual diff {slug} --since-approval -j {code}")
    result = api.since_approval(ui.workspace(ctx), slug, code)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
        return
    if fmt == "md":
        typer.echo(api.terminal_safe(api.since_approval_markdown(result)), nl=False)
        return
    out = ui.out()
    a = result.approval
    out.print(f"[bold]{escape(slug)}[/]: changes since {a.jurisdiction} approved it "
              f"({escape(a.reviewer)}, {a.time[:10]})", soft_wrap=False)
    if result.unchanged:
        out.print("No change: the approval is for the text as it is now.")
        return
    _print_word_diff(out, result, a.content_hash, "approved")


def _diff_since_translated(slug: str, new: str, result: Any, as_json: bool) -> None:
    if result is None:
        raise api.VimanualError("--language compares with the chapter as it is now; name only it",
                                f"e.g. vimanual diff {slug} --language fr")
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2, ensure_ascii=False))
        return
    out = ui.out()
    out.print(f"[bold]{escape(slug)}[/]: source changes since the text its {result.language} translation "
              "translates", soft_wrap=False)
    if result.unchanged:
        out.print("No change: the translation translates the source as it is now.")
        return
    _print_word_diff(out, result, result.translates, "translated")


def _print_word_diff(out: Any, result: Any, old_hash: str, what: str) -> None:
    """A word diff's counts, where the earlier text came from, and its hunks marked."""
    out.print(f"text {old_hash[:12]} → {result.current_hash[:12]}: "
              f"{ui.count(result.words_added, 'word')} added, {result.words_removed} removed "
              "([red]\\[-removed-][/], [green]{+added+}[/])", soft_wrap=False)
    out.print(f"{what} text from {escape(result.source)}", soft_wrap=False)
    for hunk in result.hunks:
        out.print(f"\n[dim]line {hunk.line}:[/]")
        text = "".join(_marked(p.kind, p.text) for p in hunk.pieces)
        out.print("  " + text.strip().replace("\n", "\n  "))


def _marked(kind: str, text: str) -> str:
    """A word-diff piece for the terminal: [-removed-] and {+added+}, coloured where colours show."""
    if kind == "removed":
        return f"[red strike]\\[-{escape(text)}-][/]"
    if kind == "added":
        return f"[green]{{+{escape(text)}+}}[/]"
    return escape(text)
