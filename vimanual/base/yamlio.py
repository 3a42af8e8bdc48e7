"""YAML is data: one strict loader for every state file and every front matter block.

It refuses anchors and aliases (billion-laughs), duplicate keys, non-safe tags and
oversize files, names the file and line of each refusal, treats an empty file as
``{}``, and remembers the line of every key so that validation can point at it.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vimanual.base.errors import VimanualError
from vimanual.base.names import control_char

MAX_STATE_BYTES = 1_000_000
MAX_DEPTH = 32  # state files are a few levels deep; 20,000 levels overflowed the stack
MAX_NODES = 20_000  # a 90,000-key manual.yaml took 20 s to validate
MAX_NUMBER_DIGITS = 30  # Python refuses ints over 4,300 digits with a ValueError

YamlPath = tuple[Any, ...]
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")

_NO_REFS = "write each value out in full; state files refuse YAML references"


@dataclass
class Document:
    """A loaded YAML mapping plus the line (1-based, in its file) of every key and item."""

    data: dict[str, Any]
    lines: dict[YamlPath, int] = field(default_factory=dict)
    first_line: int = 1

    def line(self, *path: Any) -> int:
        """The line of ``path`` or of its nearest known parent."""
        probe: YamlPath = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.first_line


class _Refused(Exception):
    def __init__(self, message: str, mark: Any, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.hint = hint


class _StrictComposer(yaml.composer.Composer):
    """A composer that refuses anchors and aliases before anything is constructed."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML aliases ('*name') are not allowed", event.start_mark, _NO_REFS)
        if getattr(event, "anchor", None):
            raise _Refused("YAML anchors ('&name') are not allowed", event.start_mark, _NO_REFS)
        depth = getattr(self, "_vm_depth", 0) + 1
        nodes = getattr(self, "_vm_nodes", 0) + 1
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark,
                           "state files are a few levels deep: flatten the structure")
        if nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES:,} values in one file", event.start_mark,
                           "a state file holds a few hundred values: remove the bulk of it")
        self._vm_depth, self._vm_nodes = depth, nodes
        try:
            return super().compose_node(parent, index)
        finally:
            self._vm_depth = depth - 1


class _StrictLoader(_StrictComposer, yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses anchors and aliases; pure Python, the reference for errors."""


_FastStrictLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CStrictLoader(_StrictComposer, CParser, yaml.constructor.SafeConstructor,  # type: ignore[misc]
                         yaml.resolver.Resolver):
        """libyaml scans and parses (about 5× faster); the Python composer above still sees
        every event, so the same refusals apply."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

    _FastStrictLoader = _CStrictLoader


def decode_utf8(raw: bytes, where: str) -> str:
    """Decode ``raw`` as UTF-8 (a BOM is dropped) or name the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise VimanualError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8", file=where, line=line,
        ) from None


def read_text(path: Path, where: str, max_bytes: int = MAX_STATE_BYTES) -> str:
    """Read a text file with a size cap, strict UTF-8 and a clear error for each failure."""
    try:
        info = path.stat()
        size = info.st_size
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):  # a pipe would block
            raise VimanualError("not a regular file (a pipe, socket or device)",
                                "replace it with the file itself", file=where)
        if size > max_bytes:
            raise VimanualError(
                f"file is too large ({size:,} bytes; the limit is {max_bytes:,})",
                "split it or remove the bulk of it", file=where,
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise VimanualError("file not found", "check the path", file=where) from None
    except IsADirectoryError:
        raise VimanualError("is a folder, not a file", "check the path", file=where) from None
    except PermissionError:
        raise VimanualError("permission denied", "check the file's permissions", file=where) from None
    if b"\x00" in raw:
        raise VimanualError("binary data (NUL bytes) in a text file", "use a text file", file=where)
    return decode_utf8(raw, where)


def parse_yaml(text: str, where: str, first_line: int = 1) -> Document:
    """Parse ``text`` (a YAML mapping) into a Document; ``first_line`` offsets reported lines."""
    if _FastStrictLoader is not None:
        fast = _FastStrictLoader(text)
        try:
            node = fast.get_single_node()
            lines: dict[YamlPath, int] = {}
            data = {} if node is None else _construct(fast, node, (), lines, first_line - 1)
            if isinstance(data, dict):
                return Document(data, lines, first_line)
        except _Refused as exc:  # a refusal is reported at once: no second, slower parse
            line = exc.mark.line + first_line if exc.mark else first_line
            raise VimanualError(exc.message, exc.hint, file=where, line=line) from None
        except yaml.YAMLError:
            pass  # the pure-Python loader below reports it, with its established wording
        finally:
            fast.dispose()
    return _parse_yaml_python(text, where, first_line)


def _parse_yaml_python(text: str, where: str, first_line: int) -> Document:
    offset = first_line - 1
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[YamlPath, int] = {}
        if node is None:
            return Document({}, lines, first_line)
        data = _construct(loader, node, (), lines, offset)
    except _Refused as exc:
        line = exc.mark.line + 1 + offset if exc.mark else first_line
        raise VimanualError(f"{exc.message}", exc.hint, file=where, line=line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        raise VimanualError(
            f"invalid YAML: {problem}",
            "check indentation, colons and quotes on that line", file=where, line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise VimanualError(f"invalid YAML: {exc}", "check the file's syntax", file=where) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise VimanualError(
            f"expected a mapping of keys to values, found {type(data).__name__}",
            "write 'key: value' lines", file=where, line=first_line,
        )
    return Document(data, lines, first_line)


def load_yaml(path: Path, where: str, max_bytes: int = MAX_STATE_BYTES) -> Document:
    """Load a YAML state file strictly (see module docstring)."""
    return parse_yaml(read_text(path, where, max_bytes), where)


def _construct(
    loader: Any, node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int], offset: int
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1 + offset)
    # Mappings and sequences are built here, not by the constructor: refuse any tag on them
    # ('!!python/object/apply:os.system [...]' would otherwise pass as a plain list).
    plain: dict[type, str] = {yaml.MappingNode: "tag:yaml.org,2002:map",
                              yaml.SequenceNode: "tag:yaml.org,2002:seq"}
    expected = plain.get(type(node))
    if expected is not None and node.tag != expected:
        raise _Refused(f"could not determine a constructor for the tag {node.tag!r}", node.start_mark,
                       "state files hold plain data: remove the '!!' tag")
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refused("YAML merge keys ('<<') are not allowed", key_node.start_mark, _NO_REFS)
            key = _scalar(loader, key_node) if isinstance(key_node, yaml.ScalarNode) else []
            if isinstance(key, (list, dict)):
                raise _Refused(
                    "a mapping key must be a plain value", key_node.start_mark, "use a plain word as key"
                )
            if key in result:
                raise _Refused(
                    f"duplicate key {key!r}", key_node.start_mark, "keep one of the two entries"
                )
            lines[(*path, key)] = key_node.start_mark.line + 1 + offset
            result[key] = _construct(loader, value_node, (*path, key), lines, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), lines, offset)
            for index, item in enumerate(node.value)
        ]
    return _scalar(loader, node)


def _scalar(loader: Any, node: yaml.Node) -> Any:
    """A plain value: dates stay text (as written), numbers are short, no control characters."""
    if node.tag == "tag:yaml.org,2002:timestamp":
        value: Any = node.value  # '2026-02-30' is text to validate, not a crash in datetime
    elif node.tag in _NUMBER_TAGS and len(node.value) > MAX_NUMBER_DIGITS:
        raise _Refused(f"number too long ({len(node.value):,} characters)", node.start_mark,
                       f"numbers in state files have at most {MAX_NUMBER_DIGITS} digits")
    else:
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise _Refused(
                exc.problem or "value not allowed",
                exc.problem_mark,
                "state files hold plain data: remove the '!!' tag",
            ) from None
        except (ValueError, OverflowError) as exc:
            raise _Refused(f"value not valid: {str(exc)[:80]}", node.start_mark,
                           "write a plain value") from None
    if isinstance(value, str):
        code = control_char(value)
        if code is not None:
            raise _Refused(f"control character {code} in a value", node.start_mark,
                           "remove control characters (escape sequences such as \\e or \\x1b)")
    return value


def dump_yaml(data: Any) -> str:
    """Serialise state as stable, readable YAML (insertion order, no aliases, unicode kept)."""

    class _NoAliasDumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(
        data, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
