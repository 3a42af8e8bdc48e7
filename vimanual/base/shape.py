"""The shape of a state record: known keys, the right types, real dates, before any use.

YAML that parses can still be the wrong shape (``revisions: 5``, ``at: 5``, an unknown
key); using it as if it were right gave tracebacks. ``from_mapping`` builds a dataclass
from a loaded mapping or raises one VimanualError naming the file, the line and the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from typing import Any, TypeVar

from vimanual.base.errors import VimanualError
from vimanual.base.yamlio import Document

T = TypeVar("T")

TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?)?")
_RESTORE = "restore the file from git"


def from_mapping(cls: type[T], doc: Document, where: str, path: tuple[Any, ...] = (),
                 dates: tuple[str, ...] = (), hint: str = _RESTORE) -> T:
    """Build ``cls`` (a dataclass of str/int/bool and optional fields) from the mapping at
    ``path`` in ``doc``, refusing unknown keys, missing keys, wrong types and invalid dates."""
    data: Any = doc.data
    for step in path:
        data = data[step]
    if not isinstance(data, dict):
        raise VimanualError(f"expected a mapping, found {_kind(data)}", hint, file=where,
                            line=doc.line(*path))
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in fields:
            raise VimanualError(f"unknown key {str(key)[:40]!r} (known: {', '.join(fields)})", hint,
                                file=where, line=doc.line(*path, key))
    values: dict[str, Any] = {}
    for name, field in fields.items():
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        if name not in data:
            if required:
                raise VimanualError(f"'{name}' is missing", hint, file=where, line=doc.line(*path))
            continue
        value = data[name]
        allowed = _allowed(hints[name])
        if not any(_is(value, kind) for kind in allowed):
            names = " or ".join("nothing" if k is type(None) else k.__name__ for k in allowed)
            raise VimanualError(f"'{name}' must be {names}, found {_kind(value)}", hint,
                                file=where, line=doc.line(*path, name))
        if name in dates and isinstance(value, str) and not is_timestamp(value):
            raise VimanualError(f"'{name}' is not a valid date and time ({value[:40]!r})", hint,
                                file=where, line=doc.line(*path, name))
        values[name] = value
    return cls(**values)


def is_timestamp(value: str) -> bool:
    """True for an ISO 8601 date or UTC date-time that exists on the calendar."""
    if not TIMESTAMP_RE.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _allowed(annotation: Any) -> tuple[type, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(typing.get_args(annotation))
    return (annotation,)


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is type(None):
        return value is None
    return isinstance(value, kind)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", bool: "true/false",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)
