"""Commands of review: review, status, verify (rendering only; the work is in vimanual.review.store)."""

# Annotations stay objects here (no `from __future__ import annotations`): typer reads every
# parameter's annotation when the CLI starts, and each string annotation costs it a compile.

import json
import textwrap
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape

from vimanual import api
from vimanual.cli import ui


def review(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Chapter slug.")],
    jurisdiction: Annotated[
        str | None, typer.Option("--jurisdiction", "-j", help="Jurisdiction code you review for, e.g. UK.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Review the chapter's translation into this "
                                 "language (e.g. fr) instead, as one of its reviewers.")
    ] = None,
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
    changes; any listed reviewer may comment. With --language, a reviewer listed for that
    language under 'languages' decides on the chapter's translation.

    Example: vimanual review image-triage -j UK --request-changes -m "Add a source for 2.1"
    """
    flags = (("approve", approve), ("request-changes", request_changes), ("comment", comment))
    chosen = [decision for decision, on in flags if on]
    if len(chosen) != 1:
        raise api.VimanualError("choose exactly one of --approve, --request-changes or --comment",
                            "e.g. vimanual review SLUG -j UK --approve")
    if (jurisdiction is None) == (language is None):
        raise api.VimanualError("choose one of --jurisdiction or --language",
                                "e.g. vimanual review SLUG -j UK --approve, or SLUG --language fr --approve")
    code = jurisdiction.strip().upper() if jurisdiction else ""
    outcome = api.review(ui.workspace(ctx), slug, code, chosen[0], message, as_name,
                         language.strip() if language else None)
    event, chapter = outcome.event, outcome.chapter
    if as_json:
        typer.echo(json.dumps({**event.to_dict(), "file": event.rel, "recorded": outcome.recorded},
                              indent=2, ensure_ascii=False))
        return
    if ui.state(ctx).quiet:
        return
    out = ui.out()
    if not outcome.recorded:
        where = f"the {event.language} translation of '{slug}'" if event.language \
            else f"'{slug}' for {event.jurisdiction}"
        out.print(f"{escape(event.reviewer)} approved {escape(where)} at this text already "
                  f"({escape(event.time)}, {escape(event.rel)}); nothing recorded")
        return
    if outcome.translation is not None:
        out.print(f"Recorded {escape(event.decision)} by {escape(event.reviewer)} on the {event.language} "
                  f"translation of '{slug}' → {escape(event.rel)}")
        out.print(f"{event.language}: {ui.symbol(outcome.translation.state, True)}")
        return
    cell = chapter.cells[event.jurisdiction]
    out.print(f"Recorded {escape(event.decision)} by {escape(event.reviewer)} for {event.jurisdiction} "
              f"on '{slug}' → {escape(event.rel)}")
    waiting = f" (waiting for {', '.join(chapter.blocking)})" if chapter.blocking else ""
    out.print(f"{event.jurisdiction}: {ui.symbol(cell.state, True)} · chapter ready: "
              f"{'yes' if chapter.ready else 'no'}{escape(waiting)}")
    if outcome.comments is not None:
        out.print(_comments_line(outcome.comments), soft_wrap=False)


def _comments_line(found: Any, slug: str = "") -> str:
    """Where a reviewer reads the document comments a chapter's accepted text came with."""
    whose = f"{escape(slug)}: its" if slug else "The chapter's"
    return (f"{whose} accepted text (r{found.revision} of {escape(found.contribution)}) came with "
            f"{found.count} document comment(s): vimanual contributions {escape(found.contribution)}")


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
    languages: Annotated[
        bool, typer.Option("--languages", help="Show each chapter's translation state in every language."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Review state of every chapter for every jurisdiction, and which chapters are ready.

    With SLUG: that chapter's review history with comments. With --jurisdiction: the
    reviewer's queue, stale approvals first.

    With --contributor: a contributor's own submissions (or a translator's), their state and review.

    With --languages: the translation matrix, each chapter × language missing, in progress,
    current, stale or approved.

    Example: vimanual status --jurisdiction UK
    """
    if contributor is not None:
        _status_contributor(ctx, contributor, as_json)
        return

    code = ui.code(jurisdiction)
    report = api.status(ui.workspace(ctx), code)
    if slug is not None:
        report.review(slug)  # a broken or unknown chapter is an error before any warning
    if not as_json:
        ui.warn_broken(report.workspace.set_aside(), ui.err())
    if report.loaded.problems and not as_json:
        ui.err().print(f"[yellow]warning:[/] {len(report.loaded.problems)} review event file(s) are not "
                       "valid or not by a listed reviewer, and were ignored; run 'vimanual verify'")
    if languages:
        _status_languages(report, as_json)
    elif slug is not None:
        _status_chapter(report, slug, code, as_json)
    elif code is not None:
        _status_queue(report, code, as_json)
    else:
        _status_matrix(report, as_json)


def _problems_json(report: Any) -> list[dict[str, Any]]:
    broken = [p for found in report.workspace.set_aside().values() for p in found]
    return [asdict(p) for p in [*broken, *report.loaded.problems]]


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
    out = ui.out()
    if not reviews:
        out.print("No chapters yet: add chapters/<slug>.md and list its slug under 'chapters:' in "
                  "manual.yaml, or accept a contribution ('vimanual contributions' lists them).")
        return
    room = out.width - sum(len(code) + 1 for code in manual.codes) - len(" ready") - 1
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1), collapse_padding=True)
    table.add_column("chapter", no_wrap=True, overflow="ellipsis", min_width=12, max_width=max(12, room))
    for code in manual.codes:
        table.add_column(code, justify="center", overflow="fold", min_width=1)
    table.add_column("ready", justify="left", no_wrap=True, min_width=5)
    for r in reviews:
        table.add_row(escape(r.slug), *(ui.symbol(r.cells[code].state) for code in manual.codes),
                      "[green]yes[/]" if r.ready else "no")
    out.print(table, soft_wrap=False)
    out.print(ui.LEGEND, soft_wrap=False)
    summary = f"{len(ready)} of {ui.count(len(reviews), 'chapter')} ready"
    if blocking:
        summary += f" · {len(blocking)} blocking: {ui.short_list(blocking, 4)}"
    unread = sorted(report.workspace.broken)
    if unread:  # listed in manual.yaml but unreadable: not ready either, whatever the table says
        summary += f" · {len(unread)} cannot be read: {ui.short_list(unread, 4)}"
    out.print(escape(summary), soft_wrap=False)


def _status_languages(report: Any, as_json: bool) -> None:
    from rich import box
    from rich.table import Table

    manual = report.workspace.manual
    tags = list(manual.language_tags)
    rows = report.translations
    if as_json:
        typer.echo(json.dumps({
            "source": manual.language,
            "languages": [asdict(lang) for lang in manual.languages],
            "chapters": [{"slug": t.slug, "title": t.title, "source_hash": t.source_hash,
                          "states": t.states(),
                          "translations": {tag: cell.to_dict() for tag, cell in t.cells.items()}}
                         for t in rows],
            "problems": _problems_json(report),
        }, indent=2, ensure_ascii=False))
        return
    out = ui.out()
    if not tags:
        out.print("The manual lists no languages to translate into.", soft_wrap=False)
        out.print("Add them under 'languages' in manual.yaml, e.g. "
                  "'- {tag: fr, name: Français, translators: [...], reviewers: [...]}'.", soft_wrap=False)
        return
    room = out.width - sum(max(len(tag), 2) + 1 for tag in tags) - 1
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1), collapse_padding=True)
    table.add_column(f"chapter (source: {manual.language})", no_wrap=True, overflow="ellipsis", min_width=12,
                     max_width=max(12, room))
    for tag in tags:
        table.add_column(tag, justify="center", no_wrap=True, min_width=2)
    for t in rows:
        table.add_row(escape(t.slug), *(ui.symbol(t.cells[tag].state) for tag in tags))
    out.print(table, soft_wrap=False)
    out.print(ui.LANGUAGE_LEGEND, soft_wrap=False)
    for tag in tags:
        cells = [t.cells[tag] for t in rows]
        done = sum(1 for c in cells if c.state == "approved")
        stale = sum(1 for c in cells if c.state == "stale")
        usable = sum(1 for c in cells if c.usable)
        out.print(f"{tag}: {usable} of {len(cells)} translated · {done} approved · {stale} stale",
                  soft_wrap=False)


def _translations_of(report: Any, slug: str) -> Any:
    return report.translated(slug) if report.workspace.manual.languages else None


def _status_chapter(report: Any, slug: str, code: str | None, as_json: bool) -> None:
    import textwrap

    chapter_review, events = api.chapter_status(report, slug, code)
    codes = [code] if code else list(chapter_review.cells)
    if as_json:
        typer.echo(json.dumps({
            "slug": slug, "title": chapter_review.title, "content_hash": chapter_review.content_hash,
            "ready": chapter_review.ready, "blocking": list(chapter_review.blocking),
            "jurisdictions": {c: chapter_review.cells[c].to_dict() for c in codes},
            "history": [{**e.to_dict(), "file": e.rel,
                         "on_current_text": e.content_hash == chapter_review.content_hash} for e in events],
            "document_comments": (found.to_dict() if (found := api.document_comments(report).get(slug))
                                  else None),
            **({"translations": {tag: cell.to_dict() for tag, cell in translated.cells.items()}}
               if (translated := _translations_of(report, slug)) is not None else {}),
            "problems": _problems_json(report),
        }, indent=2, ensure_ascii=False))
        return
    out = ui.out()
    out.print(f"[bold]{escape(chapter_review.title)}[/] ({escape(slug)})", soft_wrap=False)
    waiting = f" · waiting for {', '.join(chapter_review.blocking)}" if chapter_review.blocking else ""
    out.print(f"text {chapter_review.content_hash[:12]} · ready: {'yes' if chapter_review.ready else 'no'}"
              f"{waiting}", soft_wrap=False)
    out.print()
    for c in codes:
        cell = chapter_review.cells[c]
        latest = cell.decision
        by = f"  {latest.reviewer}, {ui.when(latest.time)}" if latest else ""
        out.print(f"  {c:<9} {ui.symbol(cell.state, True, 20)}{escape(by)}", soft_wrap=False)
    comments = api.document_comments(report).get(slug)
    if comments is not None:
        out.print()
        out.print(_comments_line(comments), soft_wrap=False)
    stale = [c for c in codes if chapter_review.cells[c].state == "stale"]
    if stale:
        out.print("\nWhat changed since an approval, word by word:")
        out.print(f"  vimanual diff {escape(slug)} --since-approval -j {stale[0]}", soft_wrap=False)
        if len(stale) > 1:
            out.print(f"  (the same with -j {', '.join(stale[1:])})", soft_wrap=False)
    out.print()
    _print_translations(out, _translations_of(report, slug))
    if not events:
        out.print("No review events yet.")
        return
    out.print("History (oldest first, UTC):")
    for e in events:
        earlier = "" if e.content_hash == chapter_review.content_hash else "[earlier text]"
        line = f"  {e.time[:10]} {e.time[11:16]}  {e.jurisdiction:<8} {e.decision:<15} {e.reviewer}"
        if earlier and len(line) + 2 + len(earlier) > out.width:
            out.print(escape(line), soft_wrap=False)
            out.print(f"      {escape(earlier)}", soft_wrap=False)
        else:
            out.print(escape(f"{line}  {earlier}" if earlier else line), soft_wrap=False)
        for paragraph in e.comment.splitlines():
            for line in textwrap.wrap(paragraph, 72) or [""]:
                out.print(f"      {escape(line)}", soft_wrap=False)


def _print_translations(out: Any, translated: Any) -> None:
    """A chapter's translations, one line per language: state, title and latest decision."""
    if translated is None:
        return
    out.print("Translations:")
    for tag, cell in translated.cells.items():
        detail = f"  {cell.title}" if cell.title else ""
        out.print(f"  {tag:<9} {ui.symbol(cell.state, True, 20 if detail else 0)}{escape(detail)}",
                  soft_wrap=False)
        notes = []  # on lines of their own, under the state: a long title never wraps them
        if cell.decision is not None:
            notes.append(f"{cell.decision.decision} by {cell.decision.reviewer}, {cell.decision.time[:10]}")
        if cell.submitted:
            notes.append(f"submitted: {', '.join(cell.submitted)}")
        for note in notes:
            out.print(f"  {'':<9} {escape(note)}", soft_wrap=False)
    stale = [tag for tag, cell in translated.cells.items() if cell.state == "stale"]
    if stale:
        out.print("What changed in the source since it was translated, word by word:", soft_wrap=False)
        for tag in stale:
            out.print(f"  vimanual diff {translated.slug} --language {tag}", soft_wrap=False)
    out.print()


def _status_queue(report: Any, code: str, as_json: bool) -> None:
    from rich import box
    from rich.table import Table

    queue = api.reviewer_queue(report, code)
    name = next(j.name for j in report.workspace.manual.jurisdictions if j.code == code)
    comments = api.document_comments(report) if queue else {}
    if as_json:
        typer.echo(json.dumps({"jurisdiction": code, "name": name, "queue": [
            {**asdict(q), "document_comments": c.to_dict() if (c := comments.get(q.slug)) else None}
            for q in queue], "problems": _problems_json(report)}, indent=2, ensure_ascii=False))
        return
    out = ui.out()
    if not queue:
        out.print(f"Nothing awaits {code} ({escape(name)}).", soft_wrap=False)
        return
    out.print(f"{len(queue)} chapter(s) awaiting {code} ({escape(name)}), stale first:", soft_wrap=False)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("state", no_wrap=True)
    table.add_column("chapter", overflow="fold")
    table.add_column("why", overflow="fold", ratio=1)
    for item in queue:
        table.add_row(ui.symbol(item.state, True), escape(item.slug), escape(item.reason))
    out.print(table, soft_wrap=False)
    for item in queue:
        if item.slug in comments:
            out.print(_comments_line(comments[item.slug], item.slug))


def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
) -> None:
    """Check every review event and contribution decision: it parses, its digest matches (events),
    it names a known chapter and jurisdiction, it is not dated in the future, and (in a git
    repository) no committed event or decision was ever modified, deleted or lost.

    Exit code 1 when a problem is found.

    Example: vimanual verify
    """
    files, decisions, problems, aside = api.verify(ui.workspace(ctx))
    if as_json:
        typer.echo(json.dumps({"ok": not problems, "files": files, "decisions": decisions,
                               "problems": [asdict(p) for p in problems],
                               "chapter_files_set_aside": [asdict(p) for p in aside]},
                              indent=2, ensure_ascii=False))
        if problems:
            raise typer.Exit(1)
        return
    if aside and not ui.state(ctx).quiet:  # the events are verified all the same
        ui.print_problems(aside, ui.err())
    if problems:
        ui.print_problems(problems, ui.err())
        raise api.GateFailed(f"{len(problems)} problem(s) in review events and decisions "
                             f"({files} event file(s), {decisions} decision(s) checked)",
                             "restore the files named above (e.g. from git); "
                             "record new reviews instead of editing")
    if not ui.state(ctx).quiet:
        ui.out().print(f"[green]{files} review event(s) and {decisions} contribution decision(s) verified, "
                       "no problems.[/]")


def _say(out: Any, text: str, indent: str) -> None:
    """Plain text wrapped to the terminal, continuation lines indented."""
    for line in textwrap.wrap(text, max(40, out.width), subsequent_indent=indent,
                              break_on_hyphens=False) or [""]:
        out.print(escape(line), soft_wrap=False)


def _status_contributor(ctx: typer.Context, name: str, as_json: bool) -> None:
    """The contributor's view: each submission, its revisions, state and the chapter's review."""
    entries, broken = api.contributor_status(ui.workspace(ctx), name)
    if not as_json:
        ui.warn_broken(broken, ui.err())
    if as_json:
        typer.echo(json.dumps({"contributor": name, "contributions": [asdict(e) for e in entries]},
                              indent=2))
        return
    out = ui.out()
    if not entries:
        out.print(f"No contributions by {escape(name)}.")
        return
    for entry in entries:
        source = f"{entry.language} translation" if entry.language else entry.jurisdiction
        what = f"{entry.title}  (chapter '{entry.chapter}', {source})"
        if len(entry.id) + 2 + len(what) <= out.width:
            out.print(f"[bold]{escape(entry.id)}[/]  {escape(what)}", soft_wrap=False)
        else:  # a narrow terminal: the id, then what it is
            out.print(f"[bold]{escape(entry.id)}[/]", soft_wrap=False)
            out.print(f"  {escape(what)}", soft_wrap=False)
        colour = ui.STATE_COLOURS.get(entry.state, "white")
        wrapped = textwrap.wrap(f"{entry.state}: {entry.summary}", max(40, out.width - 2),
                                subsequent_indent="  ", break_on_hyphens=False)
        out.print(f"  [{colour}]{entry.state}[/]{escape(wrapped[0][len(entry.state):])}", soft_wrap=False)
        for line in wrapped[1:]:
            out.print(f"  {escape(line)}", soft_wrap=False)
        for rev in entry.revisions:
            note = rev.note
            note += f" · tracked changes {rev.track_changes}ed" if rev.track_changes else ""
            note += (f" · {rev.comments} document comment(s): vimanual contributions {entry.id}"
                     if rev.comments else "")
            note = note.removeprefix(" · ")
            line = f"  r{rev.number}  {rev.at[:16].replace('T', ' ')}  {rev.words:,} words  from {rev.source}"
            if note and len(line) + 3 + len(note) <= out.width:
                line += f" · {note}"
            out.print(escape(line), soft_wrap=False)
            if note and not line.endswith(f" · {note}"):
                for part in textwrap.wrap(note, max(30, out.width - 6), break_on_hyphens=False):
                    out.print(f"      {escape(part)}", soft_wrap=False)
        if entry.accepted_chapter:
            changed = " (edited since)" if entry.chapter_changed_since else ""
            out.print(f"  chapter '{escape(entry.accepted_chapter)}' hash "
                      f"{(entry.chapter_hash or '?')[:12]}{changed}")
            review = " · ".join(f"{code} {state}" for code, state in entry.review.items())
            _say(out, f"  review: {review or 'no reviewing jurisdictions'}", " " * 10)
            for comment in entry.comments:
                who = comment.get("reviewer") or comment.get("by") or "?"
                where = comment.get("language") or comment.get("jurisdiction", "")
                said = f"{where} {who}: {comment.get('comment', '')}"
                _say(out, f"    {said}", " " * 6)
        out.print()
