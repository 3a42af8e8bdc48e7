"""Who may do what: the editors named in manual.yaml accept, decline and release; a
contribution is revised or withdrawn by its contributor or an editor."""

from __future__ import annotations

from collections.abc import Iterable

from vimanual.base.errors import VimanualError
from vimanual.workspace.schema import Manual


def same_person(one: str, other: str) -> bool:
    """Names compare without regard to case and spacing ('Erin  editor' is 'Erin Editor')."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def listed_name(person: str, names: Iterable[str]) -> str | None:
    """``person`` as spelt in ``names``, or None when not listed."""
    return next((name for name in names if same_person(name, person)), None)


def is_editor(manual: Manual, person: str) -> bool:
    """True when ``person`` is one of manual.yaml's ``editors``."""
    return listed_name(person, manual.editors) is not None


def authorise_editor(manual: Manual, person: str, action: str) -> str:
    """The editor's name as listed in manual.yaml, or an error saying who may ``action``.

    A workspace that names no editors yet (made before ``editors:`` existed) leaves the
    editor's actions open, as before; once one editor is named, only those named may act.
    """
    if not manual.editors:
        return person
    name = listed_name(person, manual.editors)
    if name is None:
        raise VimanualError(
            f"'{person}' is not an editor, so cannot {action}",
            f"editors: {', '.join(manual.editors)}; pass --as with your name as listed under "
            "'editors' in manual.yaml",
        )
    return name


def authorise_owner_or_editor(manual: Manual, person: str, owner: str, action: str, what: str) -> None:
    """Refuse unless ``person`` is ``owner`` (the contributor) or a named editor."""
    if same_person(person, owner) or is_editor(manual, person):
        return
    editors = f" or an editor ({', '.join(manual.editors)})" if manual.editors else ""
    raise VimanualError(
        f"'{person}' cannot {action} {what}: only the contributor ({owner}){editors} may",
        f"{not_you_hint(owner)}; otherwise submit your own text as a new contribution",
    )


def not_you_hint(owner: str) -> str:
    """How to say who you are when the tool took you for someone else (git's user.name on a
    shared machine, a colleague's VIMANUAL_USER)."""
    return f'if you are {owner}, say so with --as "{owner}" (or set VIMANUAL_USER)'
