"""Controlled copies of a released edition: numbered copies, each marked with whom it was
issued to, recorded in the edition's register, and traceable when one turns up elsewhere.

A copy is the edition's own PDF (or a handout of it) with a margin overlay laid on every
page: a visible mark ("Copy 7 of 30 — issued to NAME, AGENCY — COURSE, DATE", larger on
the cover) and, apart from it, the copy's identifier, a random token kept in four places
so that it survives re-saving, removed pages and a removed visible mark: invisible text
in its own overlay, each page's /PieceInfo, the XMP metadata and the document /ID. Only
the overlay differs between copies, so all of a batch's overlays are laid out in one
WeasyPrint call and N copies cost far less than N prints.

The register is ``editions/VERSION/register/``: one YAML file per batch of copies and one
per revocation, never edited, so clones merge without conflicts (like review events). It
holds what the editor entered about each recipient (name, agency, course, optional
e-mail), the copy's number, token and SHA-256, the date and who issued it: nothing more.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vimanual.base.errors import UnknownName, VimanualError
from vimanual.base.fsutil import atomic_write, file_sha256, safe_join
from vimanual.base.identity import utc_now
from vimanual.base.journal import locked
from vimanual.base.names import check_version
from vimanual.base.yamlio import dump_yaml, load_yaml, read_text
from vimanual.editions.manifest import EDITIONS_DIR, REGISTER_DIR, Edition, load_edition

COPIES_DIR = "copies"
REGISTER_FORMAT = 1
TOKEN_RE = re.compile(r"vmcopy-([0-9a-f]{24})")
MAX_COPIES = 500
MAX_FIELD = 200
RECIPIENT_KEYS = ("name", "agency", "course", "email")
PIECE_KEY = "/VimanualCopy"


@dataclass(frozen=True)
class Recipient:
    """Whom a copy is issued to, exactly as the editor entered it."""

    name: str
    agency: str = ""
    course: str = ""
    email: str = ""


@dataclass
class IssuedCopy:
    """One controlled copy: its number, recipient, token and checksum."""

    number: int
    of: int
    recipient: Recipient
    token: str
    sha256: str
    file: str  # under build/editions/VERSION/copies/
    batch: str = ""
    date: str = ""
    issued_by: str = ""
    chapters: list[str] = field(default_factory=list)
    revoked: str = ""  # the reason, once revoked

    @property
    def mark(self) -> str:
        """The visible mark, as printed on every page."""
        r = self.recipient
        to = ", ".join(part for part in (r.name, r.agency) if part)
        tail = ", ".join(part for part in (r.course, self.date) if part)
        whom = f"issued to {to}" if to else "not assigned to anyone yet"
        head = f"Copy {self.number} of {self.of} — {whom}"
        return head + (f" — {tail}" if tail else "")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mark"] = self.mark
        return data


# --- recipients -------------------------------------------------------------------------------

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _field(value: Any, key: str, where: str) -> str:
    text = "" if value is None else str(value).strip()
    if _CONTROL_RE.search(text):
        raise VimanualError(f"{key} holds a control character", "remove it (type the text again)", file=where)
    if len(text) > MAX_FIELD:
        raise VimanualError(f"{key} is too long ({len(text)} characters; the limit is {MAX_FIELD})",
                            "shorten it", file=where)
    if key == "email" and text and not _EMAIL_RE.fullmatch(text):
        raise VimanualError(f"email '{text}' is not an e-mail address", "fix it or leave it empty",
                            file=where)
    return text


def _recipient(row: dict[str, Any], where: str) -> Recipient:
    unknown = sorted(str(k) for k in row if k not in RECIPIENT_KEYS)
    if unknown:
        raise UnknownName("column", unknown[0], RECIPIENT_KEYS, fix=f" in {where}", listed="allowed")
    values = {key: _field(row.get(key), key, where) for key in RECIPIENT_KEYS}
    if not values["name"]:
        raise VimanualError("a recipient has no name", "every copy is issued to a named person", file=where)
    return Recipient(**values)


def load_recipients(path: Path) -> list[Recipient]:
    """Recipients from a CSV file (header: name, agency, course, email) or a YAML file
    (``recipients:`` a list of mappings with those keys), in the file's order."""
    where = path.name
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise VimanualError(f"{where}: recipients must be a .csv or .yaml file",
                            "columns: name, agency, course, email (optional)")
    text = read_text(path, where, max_bytes=1_000_000)
    found: list[Recipient] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
            raise VimanualError(f"{where}:1: the first line must name the columns, 'name' among them",
                                "e.g. name,agency,course,email")
        for row in reader:
            clean = {(k or "").strip(): v for k, v in row.items()}
            if not any((v or "").strip() for v in clean.values() if isinstance(v, str)):
                continue  # a blank line
            found.append(_recipient(clean, f"{where}:{reader.line_num}"))
    else:
        from vimanual.base.yamlio import parse_yaml

        doc = parse_yaml(text, where)
        rows = doc.data.get("recipients")
        unknown = sorted(k for k in doc.data if k != "recipients")
        if unknown or not isinstance(rows, list):
            raise VimanualError(f"{where}: expected 'recipients:' and a list of people",
                                "e.g. recipients: [{name: Sam Sample, agency: Sample Police}]")
        for index, row in enumerate(rows):
            line = doc.line("recipients", index)
            if not isinstance(row, dict):
                raise VimanualError(f"{where}:{line}: each recipient is a mapping (name, agency, course)",
                                    "e.g. - {name: Sam Sample, agency: Sample Police}")
            found.append(_recipient(row, f"{where}:{line}"))
    if not found:
        raise VimanualError(f"{where}: no recipients", "list at least one person")
    if len(found) > MAX_COPIES:
        raise VimanualError(f"{where}: {len(found)} recipients; at most {MAX_COPIES} copies at once",
                            "split the list")
    return found


# --- the overlay --------------------------------------------------------------------------------

def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def overlay_document(copies: list[IssuedCopy], width_pt: float, height_pt: float, fonts_css: str) -> str:
    """One HTML document laying out, for each copy, three overlay pages of the PDF's size: the
    cover's mark, every other page's mark, and the identifier alone (invisible text)."""
    pages = []
    for copy in copies:
        mark = _escape(copy.mark)
        pages.append(f'<div class="sheet"><div class="cover-mark"><strong>Controlled copy</strong><br>{mark}'
                     '<br><span class="small">Do not copy or pass on. Report a found copy to the '
                     'issuing editor.</span></div></div>')
        pages.append(f'<div class="sheet"><div class="mark">{mark}</div></div>')
        pages.append(f'<div class="sheet"><div class="token">vmcopy-{copy.token}</div></div>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Controlled copy marks</title>
<style>{fonts_css}</style>
<style>
@page {{ size: {width_pt:.2f}pt {height_pt:.2f}pt; margin: 0; }}
html, body {{ margin: 0; padding: 0; font-family: "Manual Sans", sans-serif; }}
.sheet {{ position: relative; width: {width_pt:.2f}pt; height: {height_pt:.2f}pt; page-break-after: always;
          overflow: hidden; }}
.mark {{ position: absolute; top: 4.5mm; left: 15mm; right: 15mm; text-align: center; font-size: 7pt;
         font-weight: bold; color: #333; white-space: nowrap; }}
.cover-mark {{ position: absolute; top: 60%; left: 25mm; right: 25mm; padding: 3mm 4mm;
               border: 0.8pt solid #333; text-align: center; font-size: 10pt; color: #222; }}
.cover-mark .small {{ font-size: 7.5pt; color: #444; }}
.token {{ position: absolute; bottom: 1mm; left: 1mm; font-size: 2pt; color: #fff; }}
</style></head><body>{"".join(pages)}</body></html>"""


def _render_overlay(root: Path, html: str, target: Path, timeout: float, memory_mb: int) -> None:
    from vimanual.book.plan import DEFAULT_STYLES
    from vimanual.pdf.weasy import LayoutJob, LayoutPool

    styles = DEFAULT_STYLES
    with LayoutPool(styles, [root, DEFAULT_STYLES], 1, timeout, memory_mb, target.parent) as pool:
        pool.run([LayoutJob(html, target, tagged=False)])


def _stamp(base: Path, overlay: Any, index: int, copy: IssuedCopy, target: Path) -> None:
    """Lay copy ``index``'s overlay pages on every page of ``base`` and write ``target``."""
    import pikepdf

    from vimanual.base.fsutil import atomic_output

    with pikepdf.open(base) as pdf:
        cover, mark, ident = (pdf.copy_foreign(overlay.pages[3 * index + k].as_form_xobject())
                              for k in range(3))
        ident[pikepdf.Name(PIECE_KEY)] = pikepdf.String(copy.token)
        for number, page in enumerate(pdf.pages):
            # Pages often share one resource dictionary: fixed names, one entry each.
            shown = page.add_resource(cover if number == 0 else mark, pikepdf.Name.XObject,
                                      pikepdf.Name("/VmCover" if number == 0 else "/VmMark"))
            hidden = page.add_resource(ident, pikepdf.Name.XObject, pikepdf.Name("/VmId"))
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, (
                f"Q\nq /Artifact BMC {shown} Do EMC Q\nq /Artifact BMC {hidden} Do EMC Q\n").encode()))
            private = pikepdf.Dictionary(Copy=pikepdf.String(copy.token))
            page.obj[pikepdf.Name("/PieceInfo")] = pikepdf.Dictionary(Vimanual=pikepdf.Dictionary(
                LastModified=pikepdf.String(copy.date), Private=private))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:identifier"] = f"vmcopy-{copy.token}"
        token = bytes.fromhex(copy.token)[:12].ljust(16, b"\0")
        pdf.trailer.ID = pikepdf.Array([pikepdf.String(token), pikepdf.String(token)])
        with atomic_output(target) as tmp:
            pdf.save(tmp, static_id=False)


# --- the register -------------------------------------------------------------------------------

def register_dir(edition: Edition) -> Path:
    return edition.path / REGISTER_DIR


def _batch_text(batch: str, edition: Edition, issued_by: str, date: str, base_sha256: str,
                chapters: list[str], copies: list[IssuedCopy]) -> str:
    header = ("# vimanual controlled copies: one batch, written by 'vimanual print --copies'. It names\n"
              "# people: keep it where the edition's distribution records are kept. Never edit it.\n")
    return header + dump_yaml({
        "format": REGISTER_FORMAT, "edition": edition.version, "batch": batch, "date": date,
        "issued_by": issued_by, "base_sha256": base_sha256, "chapters": chapters,
        "copies": [{"number": c.number, "of": c.of, **{k: getattr(c.recipient, k) for k in RECIPIENT_KEYS},
                    "token": c.token, "sha256": c.sha256} for c in copies],
    })


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise VimanualError(f"'{key}' is not text", "restore the file from git", file=where)
    return value


def load_register(edition: Edition) -> list[IssuedCopy]:
    """Every copy issued of ``edition``, by number, with its revocation if any."""
    folder = register_dir(edition)
    copies: dict[int, IssuedCopy] = {}
    revoked: dict[int, str] = {}
    if not folder.is_dir():
        return []
    for path in sorted(folder.glob("*.yaml")):
        where = f"{EDITIONS_DIR}/{edition.version}/{REGISTER_DIR}/{path.name}"
        data = load_yaml(path, where).data
        if data.get("format") != REGISTER_FORMAT or data.get("edition") != edition.version:
            raise VimanualError("not a register file of this edition", "restore the file from git",
                                file=where)
        if "revoke" in data:
            number = data.get("revoke")
            if not isinstance(number, int):
                raise VimanualError("'revoke' is not a copy number", "restore the file from git", file=where)
            revoked[number] = _text(data, "reason", where) or "revoked"
            continue
        rows = data.get("copies")
        if not isinstance(rows, list):
            raise VimanualError("'copies' is not a list", "restore the file from git", file=where)
        chapters = [str(c) for c in data.get("chapters") or []]
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("number"), int):
                raise VimanualError("a copy has no number", "restore the file from git", file=where)
            recipient = Recipient(**{k: _text(row, k, where) for k in RECIPIENT_KEYS})
            copies[row["number"]] = IssuedCopy(
                number=row["number"], of=int(row.get("of") or row["number"]), recipient=recipient,
                token=_text(row, "token", where), sha256=_text(row, "sha256", where),
                file=f"copy-{row['number']:03d}.pdf", batch=_text(data, "batch", where),
                date=_text(data, "date", where), issued_by=_text(data, "issued_by", where), chapters=chapters)
    for number, reason in revoked.items():
        if number in copies:
            copies[number].revoked = reason
    return [copies[n] for n in sorted(copies)]


@dataclass
class CopiesResult:
    """A batch of controlled copies just issued."""

    version: str
    batch: str
    folder: Path
    copies: list[IssuedCopy]
    register: str


def issue_copies(
    root: Path, version: str, *, recipients: list[Recipient], issued_by: str, base: Path,
    chapters: list[str], date: str, output: Path | None = None, timeout: float = 300,
    memory_mb: int = 2048,
) -> CopiesResult:
    """Issue one controlled copy per recipient of the PDF ``base`` (the edition's, or a
    handout of it): overlays laid out in one call, stamped, registered under the lock."""
    import pikepdf

    check_version(version)
    edition = load_edition(root, version)
    folder = output or (root / "build" / "editions" / version / COPIES_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    with pikepdf.open(base) as pdf:
        box = pdf.pages[0].mediabox
        width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    base_sha256 = file_sha256(base)
    with locked(root):
        issued = load_register(edition)
        first = (issued[-1].number if issued else 0) + 1
        last = first + len(recipients) - 1
        batch = f"{utc_now().replace(':', '').replace('-', '')[:15]}-{secrets.token_hex(4)}"
        copies = [IssuedCopy(number=first + i, of=last, recipient=r, token=secrets.token_hex(12), sha256="",
                             file=f"copy-{first + i:03d}.pdf", batch=batch, date=date, issued_by=issued_by,
                             chapters=chapters)
                  for i, r in enumerate(recipients)]
        make_copies(root, base, copies, folder, (width, height), timeout, memory_mb)
        rel = f"{EDITIONS_DIR}/{version}/{REGISTER_DIR}/{batch}.yaml"
        atomic_write(safe_join(root, rel), _batch_text(batch, edition, issued_by, date, base_sha256,
                                                       chapters, copies))
    return CopiesResult(version, batch, folder, copies, rel)


def make_copies(root: Path, base: Path, copies: list[IssuedCopy], folder: Path, size: tuple[float, float],
                timeout: float = 300, memory_mb: int = 2048) -> None:
    """Write each copy of ``base`` into ``folder`` (its overlays laid out in one call) and
    set each copy's SHA-256."""
    import pikepdf

    with tempfile.TemporaryDirectory(prefix=".copies-", dir=folder) as scratch:
        overlay_path = Path(scratch) / "overlay.pdf"
        _render_overlay(root, overlay_document(copies, *size, _fonts_css(root)), overlay_path,
                        timeout, memory_mb)
        with pikepdf.open(overlay_path) as overlay:
            for index, copy in enumerate(copies):
                target = folder / copy.file
                _stamp(base, overlay, index, copy, target)
                copy.sha256 = file_sha256(target)


def _fonts_css(root: Path) -> str:
    from vimanual.book.plan import DEFAULT_STYLES

    own = root / "styles" / "fonts.css"
    source = own if own.is_file() and not own.is_symlink() else DEFAULT_STYLES / "fonts.css"
    return source.read_text(encoding="utf-8").replace("</", "<\\/")


def revoke_copy(root: Path, version: str, number: int, reason: str, by: str) -> IssuedCopy:
    """Record that copy ``number`` is revoked (a new register file; nothing is edited)."""
    reason = _field(reason, "reason", "--reason")
    if not reason:
        raise VimanualError("a revocation needs a reason", "e.g. --reason 'reported lost'")
    with locked(root):
        edition = load_edition(root, version)
        copies = {c.number: c for c in load_register(edition)}
        if number not in copies:
            raise UnknownName("copy", str(number), [str(n) for n in copies],
                              fix=f" of edition {version}", listed="issued")
        copy = copies[number]
        if copy.revoked:
            raise VimanualError(f"copy {number} of edition {version} is already revoked ({copy.revoked})",
                                "nothing to do")
        stamp = utc_now().replace(":", "").replace("-", "")[:15]
        name = f"{stamp}-revoke-{number:03d}-{secrets.token_hex(3)}.yaml"
        rel = f"{EDITIONS_DIR}/{version}/{REGISTER_DIR}/{name}"
        record = dump_yaml({"format": REGISTER_FORMAT, "edition": version, "revoke": number,
                            "reason": reason, "by": by, "at": utc_now()})
        atomic_write(safe_join(root, rel), "# vimanual: a controlled copy revoked. Never edit.\n" + record)
        copy.revoked = reason
    return copy


# --- tracing ------------------------------------------------------------------------------------

@dataclass
class Trace:
    """Which controlled copy a file is, and what in it said so."""

    file: str
    found: bool
    version: str = ""
    copy: IssuedCopy | None = None
    evidence: list[str] = field(default_factory=list)
    exact: bool = False  # the file is byte for byte the copy as issued

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "found": self.found, "version": self.version, "exact": self.exact,
                "evidence": self.evidence, "copy": self.copy.to_dict() if self.copy else None}


def _identifiers(path: Path) -> dict[str, list[str]]:
    """{token: [where it was found]} in a PDF, or in text extracted from one."""
    import pikepdf

    found: dict[str, list[str]] = {}

    def note(token: str, where: str) -> None:
        if re.fullmatch(r"[0-9a-f]{24}", token) and where not in found.setdefault(token, []):
            found[token].append(where)

    raw = path.read_bytes()
    if not raw.lstrip()[:5] == b"%PDF-":
        for token in TOKEN_RE.findall(raw.decode("utf-8", errors="replace")):
            note(token, "text")
        return found
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PdfError as exc:
        raise VimanualError(f"{path.name}: not a readable PDF ({exc})", "give the PDF file itself") from None
    with pdf:
        with contextlib.suppress(Exception):
            meta = pdf.open_metadata()
            for token in TOKEN_RE.findall(str(meta.get("dc:identifier", ""))):
                note(token, "XMP metadata")
        for page in pdf.pages:
            with contextlib.suppress(Exception):
                note(str(page.obj.PieceInfo.Vimanual.Private.Copy), "page data")
        for obj in pdf.objects:
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)) and PIECE_KEY in obj:
                note(str(obj[PIECE_KEY]), "mark pattern")
        with contextlib.suppress(Exception):
            note(bytes(pdf.trailer.ID[0])[:12].hex(), "document ID")
    return found


def _all_copies(root: Path) -> list[tuple[str, IssuedCopy]]:
    from vimanual.editions.manifest import list_editions

    return [(edition.version, copy) for edition in list_editions(root) for copy in load_register(edition)]


def trace(root: Path, file: Path) -> Trace:
    """Identify the controlled copy ``file`` was made from: by its checksum when the bytes are
    the copy's, else by the identifiers it still carries."""
    if not file.is_file():
        raise VimanualError(f"no such file: {file}", "give the path of the PDF (or of text taken from it)")
    issued = _all_copies(root)
    digest = file_sha256(file)
    for version, copy in issued:
        if copy.sha256 == digest:
            return Trace(str(file), True, version, copy, ["SHA-256 of the whole file"], exact=True)
    found = _identifiers(file)
    by_token = {copy.token: (version, copy) for version, copy in issued}
    for token, where in found.items():
        if token in by_token:
            version, copy = by_token[token]
            return Trace(str(file), True, version, copy, where)
        for known, (version, copy) in by_token.items():  # the document ID keeps 12 bytes
            if "document ID" in where and known.startswith(token[:24]):
                return Trace(str(file), True, version, copy, where)
    return Trace(str(file), False, evidence=[f"{len(found)} identifier(s) found, none in a register"])


def copy_for_checksum(edition: Edition, digest: str) -> IssuedCopy | None:
    """The copy of ``edition`` whose bytes have ``digest``, if one was issued."""
    return next((c for c in load_register(edition) if c.sha256 == digest), None)
