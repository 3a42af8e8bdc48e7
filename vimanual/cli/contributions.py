"""Commands of contributors and the editor's decisions: submit, accept, decline, withdraw,
contributions (rendering only; the work is in vimanual.contributions.workflow)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from vimanual.base.errors import VimanualError
from vimanual.cli.app import (
    _err,
    _out,
    _root,
    _state,
    app,
    handle_errors,
    warn_broken,
)

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
        str | None, typer.Option("--jurisdiction", "-j", help="Your jurisdiction's code, e.g. UK.")
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
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow as contributions

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
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow as contributions

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
    if result.new_chapter:
        out.print(f"Reviewers can now review it: 'vimanual status {escape(result.chapter)}'. "
                  "Run 'vimanual build' to see it in the draft.")
    else:
        out.print("The chapter's text changed, so each jurisdiction reviews it again (earlier approvals "
                  f"are now stale): 'vimanual status {escape(result.chapter)}'. "
                  "Run 'vimanual build' to see it in the draft.")


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
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow as contributions

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
    from vimanual.base.identity import resolve_person
    from vimanual.contributions import workflow as contributions

    result = contributions.withdraw(_root(ctx), contribution_id, resolve_person(person), reason)
    if not _state(ctx).quiet:
        _out().print(f"Withdrew {escape(result.id)}")


@app.command(name="contributions")
@handle_errors
def contributions_command(
    ctx: typer.Context,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only from this code.")
    ] = None,
    contributor: Annotated[str | None, typer.Option("--contributor", help="Only by this person.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="submitted, accepted, declined or withdrawn.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """List contributions and their state.

    Example: vimanual contributions --state submitted
    """
    from vimanual.contributions.workflow import list_contributions

    found = list_contributions(_root(ctx), jurisdiction, contributor, state)
    if as_json:
        typer.echo(json.dumps([_contribution_json(c) for c in found], indent=2))
        return
    if not found:
        _out().print("No contributions match.")
        return
    out = _out()
    if out.width < WIDE_TABLE:
        _print_contributions_stacked(found, out)
        return
    from rich import box
    from rich.table import Table

    table = Table("id", "title", "chapter", "from", "contributor", "rev", "state", "updated",
                  box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for column in table.columns:
        column.no_wrap = column.header not in ("title", "contributor")
    for c in found:
        table.add_row(escape(c.id), escape(c.title), escape(c.chapter), c.jurisdiction,
                      escape(c.contributor), f"r{c.latest.number}",
                      f"[{_STATE_COLOURS.get(c.state, 'white')}]{c.state}[/]", c.updated[:10])
    out.print(table, soft_wrap=False)


# Below this many columns (an 80-column terminal, a pipe) each contribution is three short
# lines: the id with its state, its title, then where it goes and from whom; the table's
# eight columns need about this much.
WIDE_TABLE = 130


def _print_contributions_stacked(found: list[Any], out: Any) -> None:
    for c in found:
        state = f"[{_STATE_COLOURS.get(c.state, 'white')}]{c.state}[/]"
        out.print(f"[bold]{escape(c.id)}[/]  {state}  r{c.latest.number}  {c.updated[:10]}")
        out.print(f"  {escape(c.title)}")
        out.print(f"  chapter '{escape(c.chapter)}' · from {c.jurisdiction} · {escape(c.contributor)}")


def _contribution_json(contribution: Any) -> dict[str, Any]:
    from vimanual.contributions.workflow import describe

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


def _say(out: Any, text: str, indent: str) -> None:
    """Plain text wrapped to the terminal, continuation lines indented."""
    for line in textwrap.wrap(text, max(40, out.width), subsequent_indent=indent,
                              break_on_hyphens=False) or [""]:
        out.print(escape(line), soft_wrap=False)


def _status_contributor(ctx: typer.Context, name: str, as_json: bool) -> None:
    """The contributor's view: each submission, its revisions, state and the chapter's review."""
    from vimanual.contributions.workflow import contributor_view
    from vimanual.review.store import contributor_review

    root_dir = _root(ctx)
    summary, comments, broken = contributor_review(root_dir)
    if not as_json:
        warn_broken(broken, _err())
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
        what = f"{entry.title}  (chapter '{entry.chapter}', {entry.jurisdiction})"
        if len(entry.id) + 2 + len(what) <= out.width:
            out.print(f"[bold]{escape(entry.id)}[/]  {escape(what)}", soft_wrap=False)
        else:  # a narrow terminal: the id, then what it is
            out.print(f"[bold]{escape(entry.id)}[/]", soft_wrap=False)
            out.print(f"  {escape(what)}", soft_wrap=False)
        colour = _STATE_COLOURS.get(entry.state, "white")
        wrapped = textwrap.wrap(f"{entry.state}: {entry.summary}", max(40, out.width - 2),
                                subsequent_indent="  ", break_on_hyphens=False)
        out.print(f"  [{colour}]{entry.state}[/]{escape(wrapped[0][len(entry.state):])}", soft_wrap=False)
        for line in wrapped[1:]:
            out.print(f"  {escape(line)}", soft_wrap=False)
        for rev in entry.revisions:
            line = f"  r{rev.number}  {rev.at[:16].replace('T', ' ')}  {rev.words:,} words  from {rev.source}"
            if rev.note and len(line) + 3 + len(rev.note) <= out.width:
                line += f" · {rev.note}"
            out.print(escape(line), soft_wrap=False)
            if rev.note and not line.endswith(f" · {rev.note}"):
                for part in textwrap.wrap(rev.note, max(30, out.width - 6)):
                    out.print(f"      {escape(part)}", soft_wrap=False)
        if entry.accepted_chapter:
            changed = " (edited since)" if entry.chapter_changed_since else ""
            out.print(f"  chapter '{escape(entry.accepted_chapter)}' hash "
                      f"{(entry.chapter_hash or '?')[:12]}{changed}")
            review = " · ".join(f"{code} {state}" for code, state in entry.review.items())
            _say(out, f"  review: {review or 'no reviewing jurisdictions'}", " " * 10)
            for comment in entry.comments:
                who = comment.get("reviewer") or comment.get("by") or "?"
                said = f"{comment.get('jurisdiction', '')} {who}: {comment.get('comment', '')}"
                _say(out, f"    {said}", " " * 6)
        out.print()
