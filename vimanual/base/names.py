"""Names are never paths: the one validator for slugs, jurisdiction codes and similar names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from vimanual.base.errors import VimanualError, did_you_mean

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
CODE_RE = re.compile(r"[A-Z][A-Z0-9]{1,15}")
#: The jurisdiction a translation's review event records (the language decides, not a
#: jurisdiction): reserved, so that no jurisdiction of a manual can have it.
TRANSLATION_CODE = "TRANSLATION"
VERSION_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,31}")
CONTRIBUTION_ID_RE = re.compile(r"\d{8}-[a-z0-9]{2,16}-[a-z0-9][a-z0-9-]{0,63}-[0-9a-f]{6}")
# Characters a terminal may act on: C0 (but tab and newline), DEL and C1. ESC and CSI
# start escape sequences that can rewrite the screen or the window title.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Names that are devices on Windows (a workspace is shared through git, also to Windows).
RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                      *(f"lpt{i}" for i in range(10))})


def is_slug(value: object) -> bool:
    """True when ``value`` is a valid chapter slug: ``[a-z0-9][a-z0-9-]{0,63}``."""
    return isinstance(value, str) and SLUG_RE.fullmatch(value) is not None and value not in RESERVED


def is_code(value: object) -> bool:
    """True when ``value`` is a valid jurisdiction code: upper-case letters and digits."""
    return (isinstance(value, str) and CODE_RE.fullmatch(value) is not None
            and value.lower() not in RESERVED)


def is_contribution_id(value: object) -> bool:
    """True when ``value`` is a contribution id: ``<yyyymmdd>-<code>-<slug>-<6 hex>``."""
    return isinstance(value, str) and CONTRIBUTION_ID_RE.fullmatch(value) is not None


def check_slug(value: str, what: str = "chapter slug") -> str:
    """Return ``value`` if it is a valid slug, else raise a usage error naming the rule."""
    if not is_slug(value):
        raise VimanualError(
            f"invalid {what} {value!r}",
            "a slug is 1-64 characters of a-z, 0-9 and '-', starting with a letter or digit "
            "(not a device name such as 'con')",
        )
    return value


def is_version(value: object) -> bool:
    """True when ``value`` is a valid edition label such as ``1.0`` or ``2027.1-rc1``."""
    return (isinstance(value, str) and VERSION_RE.fullmatch(value) is not None
            and ".." not in value and value.casefold() not in {"working", *RESERVED})


def check_version(value: str) -> str:
    """Return ``value`` if it is a valid edition label, else raise a usage error naming the rule."""
    if not is_version(value):
        raise VimanualError(
            f"invalid edition version {value!r}",
            "a version is 1-32 characters of A-Z, a-z, 0-9, '.', '+' and '-', starting with a "
            "letter or digit, without '..' (not 'working' or a device name), e.g. 1.0 or 2027.1-rc1",
        )
    return value


def control_char(value: str) -> str | None:
    """The first control character in ``value`` as ``U+XXXX``, or None if there is none."""
    found = CONTROL_RE.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def check_plain(value: str, what: str) -> str:
    """Return ``value`` if it holds no control character (ESC, C0, C1), else a usage error.

    Names, titles and messages are printed on terminals; a control character there could
    rewrite the screen, so it is refused where the text enters the workspace.
    """
    code = control_char(value)
    if code is not None:
        raise VimanualError(f"{what} contains the control character {code}",
                            "remove control characters (escape sequences) from it")
    return value


# Control characters and the bidirectional embeddings, overrides and isolates: one of these
# left open in a title reorders the rest of the terminal line (a status row's marks, a name).
TERMINAL_UNSAFE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character but newline and tab shown as ``\\xNN``, and each
    bidirectional embedding, override or isolate as ``\\uNNNN``."""
    return TERMINAL_UNSAFE_RE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def normalise_code(value: str, known: Iterable[str]) -> str:
    """The one rule for jurisdiction codes typed by people: any case is accepted and
    normalised to the code in manual.yaml (``uk`` → ``UK``); an unknown code is refused
    with a did-you-mean and the known codes."""
    codes = list(known)
    wanted = value.strip().upper()
    if wanted in codes:
        return wanted
    listed = ", ".join(codes) or "none"
    raise VimanualError(
        f"unknown jurisdiction '{value.strip()[:40]}' (known: {listed})",
        did_you_mean(value, codes) + "use a code defined under 'jurisdictions' in manual.yaml",
    )
