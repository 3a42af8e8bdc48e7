"""Commands of contributors and the editor's decisions: submit, accept, decline, withdraw,
contributions (rendering only; the work is in vimanual.contributions.workflow)."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from vimanual import api
from vimanual.cli import ui

AsPerson = Annotated[str | None, typer.Option("--as", help="Your name (default: VIMANUAL_USER, git).")]


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
    translates: Annotated[
        str | None, typer.Option("--translates", help="A translation: the slug of the chapter it translates.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="A translation: its language tag, e.g. fr.")
    ] = None,
    person: AsPerson = None,
    title: Annotated[str | None, typer.Option("--title", help="Title (default: from the document).")] = None,
    note: Annotated[str, typer.Option("--note", help="A note for the editor about this revision.")] = "",
    track_changes: Annotated[
        str | None, typer.Option("--track-changes", metavar="accept|reject",
                                 help="Resolve a Word/ODT file's tracked changes (recorded on the revision).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Submit a chapter (or, with --revises, a new revision of a contribution) for the editor.

    What is taken: the text, headings, lists, tables, footnotes, links and cross-references
    (Word bookmarks and REF fields, LibreOffice bookmarks and reference marks), and images:
    those inside a .docx/.odt, data: images in HTML, and image files a .md or .html file
    links by a relative path inside its own folder. Images are checked (PNG, JPEG, GIF, WebP
    or safe SVG, no GPS/serial EXIF data); one that cannot be taken is named in a warning.

    Refused, with the reason: tracked changes or comments unless --track-changes accept|reject
    (comments are then kept with the revision for the editor), hidden text (Word's Hidden
    effect, LibreOffice's hidden characters and sections: the manual would print it),
    nesting deeper than 32 levels
    (lists, quotes, blocks; or emphasis, links and spans within a paragraph), files over
    the limits in manual.yaml, UTF-16 text (save as UTF-8). Raw HTML and scripts
    never reach the manual.

    Said as warnings, the text still taken: front matter keys another tool wrote (MkDocs'
    date, tags …), which are left out, and what 'vimanual check' will report once the text
    is a chapter: links to pages that are not chapters of the manual (errors that stop the
    build) and HTML or MkDocs markup (<figure>, !!! note) that would print as text.

    A translator submits a translation with --translates SLUG --language TAG; it records
    which text of the source chapter it translates.

    Example: vimanual submit triage.docx --chapter image-triage --jurisdiction UK
    """
    result = api.submit(ui.workspace(ctx), file, chapter=chapter, jurisdiction=jurisdiction, revises=revises,
                        person=person, title=title, note=note, track_changes=track_changes,
                        translates=translates, language=language)
    _submitted(ctx, result, as_json)


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
    under chapters/.history/, and a warning says so when that text had been edited since
    the last accepted revision wrote it (the edit is then replaced too).

    Example: vimanual accept 20250301-uk-image-triage-3fa9c1 --after victim-centred-principles
    """
    result = api.accept(ui.workspace(ctx), contribution_id, person=person, chapter=chapter, after=after)
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2))
        return
    if ui.state(ctx).quiet:
        return
    out = ui.out()
    where = "new chapter" if result.new_chapter else "chapter"
    if result.contribution.language:
        where = f"the {result.contribution.language} translation of"
    out.print(f"Accepted {escape(contribution_id)} r{result.contribution.latest.number} as {where} "
              f"'{escape(result.chapter)}' (content hash {result.content_hash[:12]})")
    if result.edited_since:
        ui.err().print(f"[yellow]warning:[/] chapter '{escape(result.chapter)}' had changed since "
                       f"{escape(result.edited_since)} was accepted (an edit made in chapters/); this "
                       "revision replaces those changes too")
        ui.err().print(f"  hint: the text before is kept in {escape(result.previous or '')}: compare it "
                       "with the chapter and carry over what should stay")
    if result.previous:
        out.print(f"  previous text kept in {escape(result.previous)}")
    if result.media:
        out.print(f"  {result.media} image(s) copied to chapters/media/{escape(contribution_id)}/")
    language = result.contribution.language
    if language:
        # The source chapter is unchanged, so its approvals stand; the translation has its own
        # reviewers, and is stale at once if the source changed after it was submitted.
        slug, tag = escape(result.chapter), escape(language)
        cell = api.status(ui.workspace(ctx)).translated(result.chapter).cells.get(language)
        if cell is not None and cell.state == "stale":
            out.print(f"The source changed after this translation was submitted, so it is stale: the "
                      f"translator sees what changed with 'vimanual diff {slug} --language {tag}' and "
                      f"submits an update with 'vimanual submit FILE --revises {escape(contribution_id)}'.")
        else:
            out.print(f"The {tag} reviewers can now review it: 'vimanual review {slug} --language {tag} "
                      f"--approve'. Run 'vimanual build --language {tag}' to see it in the draft.")
    elif result.new_chapter:
        out.print(f"Reviewers can now review it: 'vimanual status {escape(result.chapter)}'. "
                  "Run 'vimanual build' to see it in the draft.")
    else:
        review = api.status(ui.workspace(ctx)).review(result.chapter)
        stale = [code for code, cell in review.cells.items() if cell.state == "stale"]
        why = f" (the approvals of {', '.join(stale)} are now stale)" if stale else ""
        out.print(f"The chapter's text changed, so each jurisdiction reviews it again{escape(why)}: "
                  f"'vimanual status {escape(result.chapter)}'. Run 'vimanual build' to see it in the draft.")


def decline(
    ctx: typer.Context,
    contribution_id: Annotated[str, typer.Argument(metavar="ID", help="The contribution to decline.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the contributor.")],
    person: AsPerson = None,
) -> None:
    """Decline a contribution, saying why (the editor's decision).

    Example: vimanual decline 20250301-uk-image-triage-3fa9c1 --reason "Covered by chapter 3"
    """
    result = api.decline(ui.workspace(ctx), contribution_id, reason=reason, person=person)
    if not ui.state(ctx).quiet:
        ui.out().print(f"Declined {escape(result.id)}: {escape(reason)}")


def withdraw(
    ctx: typer.Context,
    contribution_id: Annotated[str, typer.Argument(metavar="ID", help="Your contribution to withdraw.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (optional).")] = "",
    person: AsPerson = None,
) -> None:
    """Withdraw your own contribution before it is accepted.

    Example: vimanual withdraw 20250301-uk-image-triage-3fa9c1
    """
    result = api.withdraw(ui.workspace(ctx), contribution_id, reason=reason, person=person)
    if not ui.state(ctx).quiet:
        ui.out().print(f"Withdrew {escape(result.id)}")


def contributions_command(
    ctx: typer.Context,
    contribution_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="Show this contribution in full, with its comments.")
    ] = None,
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Only from this code.")
    ] = None,
    contributor: Annotated[str | None, typer.Option("--contributor", help="Only by this person.")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="submitted, accepted, declined or withdrawn.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON.")] = False,
) -> None:
    """List contributions and their state, or show one (its revisions and document comments).

    Example: vimanual contributions --state submitted
    """
    if contribution_id:
        _show_contribution(ctx, contribution_id, as_json)
        return
    found = api.contributions(ui.workspace(ctx), jurisdiction, contributor, state)
    if as_json:
        typer.echo(json.dumps([_contribution_json(c) for c in found], indent=2))
        return
    if not found:
        ui.out().print("No contributions match.")
        return
    out = ui.out()
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
        table.add_row(escape(c.id), escape(c.title), escape(c.chapter), c.jurisdiction or escape(c.language),
                      escape(c.contributor), f"r{c.latest.number}",
                      f"[{ui.STATE_COLOURS.get(c.state, 'white')}]{c.state}[/]", c.updated[:10])
    out.print(table, soft_wrap=False)


# Below this many columns (an 80-column terminal, a pipe) each contribution is three short
# lines: the id with its state, its title, then where it goes and from whom; the table's
# eight columns need about this much.
WIDE_TABLE = 130


def _print_contributions_stacked(found: list[Any], out: Any) -> None:
    for c in found:
        state = f"[{ui.STATE_COLOURS.get(c.state, 'white')}]{c.state}[/]"
        out.print(f"[bold]{escape(c.id)}[/]  {state}  r{c.latest.number}  {c.updated[:10]}")
        out.print(f"  {escape(c.title)}")
        out.print(f"  chapter '{escape(c.chapter)}' · from {c.jurisdiction} · {escape(c.contributor)}")


def _show_contribution(ctx: typer.Context, contribution_id: str, as_json: bool) -> None:
    contribution, comments = api.contribution(ui.workspace(ctx), contribution_id)
    if as_json:
        data = _contribution_json(contribution)
        data["comments"] = {f"r{n}": [asdict(c) for c in found] for n, found in comments.items() if found}
        typer.echo(json.dumps(data, indent=2))
        return
    out = ui.out()
    out.print(f"[bold]{escape(contribution.id)}[/]  {escape(contribution.title)}")
    out.print(f"  chapter '{escape(contribution.chapter)}' · {contribution.jurisdiction} · by "
              f"{escape(contribution.contributor)} · [{ui.STATE_COLOURS.get(contribution.state, 'white')}]"
              f"{contribution.state}[/]")
    for rev in contribution.revisions:
        extra = f" · tracked changes: {rev.track_changes}ed" if rev.track_changes else ""
        extra += f" · {rev.comments} comment(s)" if rev.comments else ""
        note = f" · {escape(rev.note)}" if rev.note else ""
        out.print(f"  r{rev.number}  {rev.at[:16].replace('T', ' ')}  {rev.words:,} words  from "
                  f"{escape(rev.source)} ({rev.format}){extra}{note}")
        for comment in comments.get(rev.number, []):
            on = f" on “{escape(comment.on)}”" if comment.on else ""
            out.print(f"      comment by {escape(comment.author)} {escape(comment.date[:10])}{on}: "
                      f"{escape(comment.text)}")


def _contribution_json(contribution: Any) -> dict[str, Any]:
    data = asdict(contribution)
    del data["ignored"]  # decision files that do not count: 'vimanual verify' names them
    data["state"] = contribution.state
    data["summary"] = api.contribution_summary(contribution)
    return data


def _submitted(ctx: typer.Context, result: Any, as_json: bool) -> None:
    contribution, revision = result.contribution, result.revision
    if as_json:
        typer.echo(json.dumps({**_contribution_json(contribution), "warnings": result.warnings}, indent=2))
        return
    err = ui.err()
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    if ui.state(ctx).quiet:
        return
    verb = "Submitted" if revision.number == 1 else "Revised"
    ui.out().print(
        f"{verb} {escape(contribution.id)} r{revision.number} ({revision.words:,} words) "
        f"for {f'the {contribution.language} translation of ' if contribution.language else ''}"
        f"chapter '{escape(contribution.chapter)}'\n"
        f"Next: the editor runs 'vimanual accept {escape(contribution.id)}'; "
        f"follow it with 'vimanual status --contributor \"{escape(contribution.contributor)}\"'."
    )
