"""The only place that runs pandoc: always sandboxed, never with raw HTML or TeX enabled."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vimanual.base.errors import LimitExceeded, ToolError, VimanualError
from vimanual.tools import proc

# Contributions are untrusted: every raw-passthrough extension is off, so `<script>`,
# `{=html}` blocks and TeX reach the output as escaped text, never as markup.
MARKDOWN_READER = "markdown-raw_html-raw_attribute-raw_tex-markdown_in_html_blocks"
DEFAULT_TIMEOUT = 120.0
HEAP_EXHAUSTED = 251  # the exit code of a Haskell program that hit its +RTS -M cap
DATA_HEADROOM_MB = 256
TIME_HINT = ("simplify or split the text; the editor can raise limits.pandoc_timeout_seconds "
             "in manual.yaml")
MEMORY_HINT = "simplify or split the text; the editor can raise limits.pandoc_memory_mb in manual.yaml"
MIN_VERSION = (3, 1, 6)
ATTR_ID_RE = re.compile(r'\["((?:[^"\\]|\\.)*?)\.md__((?:[^"\\]|\\.)*)",\[')


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary: ``VIMANUAL_PANDOC`` if set, else the one bundled by pypandoc-binary."""
    override = os.environ.get("VIMANUAL_PANDOC")
    if override:
        if not Path(override).is_file():
            raise VimanualError(
                f"VIMANUAL_PANDOC points at {override}, which does not exist",
                "unset VIMANUAL_PANDOC to use the bundled pandoc",
            )
        return override
    spec = importlib.util.find_spec("pypandoc")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "files" / "pandoc"
        if candidate.is_file():
            return str(candidate)
    raise VimanualError(
        "pandoc not found: the pypandoc-binary package is missing its binary",
        "reinstall with: pip install --force-reinstall pypandoc-binary",
    )


def run_pandoc(
    args: list[str],
    stdin: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = None,
    cwd: Path | None = None,
) -> str:
    """Run pandoc with ``--sandbox`` and ``args``; return stdout or raise ToolError.

    Every run goes through the bounded runner (tools/proc.py): killed after ``timeout``
    seconds or with the tool. ``memory_mb`` caps pandoc's heap (its runtime's ``-M``
    option, so past it pandoc stops with "heap exhausted" instead of growing without
    bound) and, as a backstop, its whole data segment. Raises LimitExceeded when a bound
    stops it; callers add the chapter or file it was working on.
    """
    if args != ["--version"]:
        pandoc_version()  # every path that runs pandoc refuses a version with known escapes
    heap = ["+RTS", f"-M{memory_mb}m", "-RTS"] if memory_mb else []
    command = [pandoc_path(), *heap, "--sandbox", *args]
    # The heap cap is what pandoc reports; the data cap leaves room for the runtime's own
    # memory above the heap and only catches what the heap cap does not.
    data_mb = 2 * memory_mb + DATA_HEADROOM_MB if memory_mb else None
    try:
        done = proc.run(command, what="pandoc", timeout=timeout, memory_mb=data_mb,
                        stdin=stdin.encode("utf-8"), cwd=cwd)
    except LimitExceeded as exc:
        raise LimitExceeded(exc.message, command, hint=TIME_HINT) from None
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        if memory_mb and (done.returncode == HEAP_EXHAUSTED or "Heap exhausted" in stderr
                          or "out of memory" in stderr):
            raise LimitExceeded(f"pandoc ran out of its {memory_mb} MB memory limit", command, stderr,
                                MEMORY_HINT)
        raise ToolError("pandoc", command, done.returncode, stderr)
    return done.stdout.decode("utf-8")


@functools.cache
def pandoc_version() -> str:
    """pandoc's version string, e.g. '3.9' (refusing versions with known sandbox escapes)."""
    first = run_pandoc(["--version"]).splitlines()[0]
    version = first.split()[-1]
    parts = tuple(int(p) for p in version.split(".")[:3] if p.isdigit())
    if parts < MIN_VERSION:
        raise VimanualError(
            f"pandoc {version} is too old (at least {'.'.join(map(str, MIN_VERSION))} is needed)",
            "older versions can write outside the workspace when extracting media; upgrade pandoc",
        )
    return version


ONLY_FILTER = Path(__file__).parent / "filters" / "only.lua"
LINKS_WRITER = Path(__file__).parent / "filters" / "links.lua"
CHAPTERS_BATCH = Path(__file__).parent / "filters" / "chapters.lua"
MEDIA_WALK = Path(__file__).parent / "filters" / "media.lua"
#: What a parse of a text finds (media.lua's lines, ``_media_of``): its link and image targets,
#: (target, is_image) in order, and its element ids.
MediaSet = tuple[list[tuple[str, bool]], frozenset[str]]


def chapter_args(
    slug: str, bibliography: Path | None = None, csl: Path | None = None, jurisdiction: str | None = None,
) -> list[str]:
    """The options a chapter is converted with (part of its cache key).

    The 'only' filter (shipped with vimanual, so trusted) keeps the ``::: {.only
    jurisdiction="UK"}`` passages for ``jurisdiction`` and drops the others; without a
    jurisdiction it keeps them all, each labelled. pandoc's --sandbox limits readers and
    writers, not this filter, which reads and writes nothing.
    """
    args = [
        "--from", MARKDOWN_READER,
        "--to", "html5",
        "--section-divs",
        f"--id-prefix={slug}--",
        "--wrap=none",
        "--syntax-highlighting=none",
        f"--lua-filter={ONLY_FILTER}",
    ]
    if jurisdiction:
        args.append(f"--metadata=vimanual-jurisdiction:{jurisdiction}")
    if bibliography is not None:
        args += [
            "--citeproc", f"--bibliography={bibliography}",
            "--metadata=reference-section-title:References", "--metadata=link-citations:true",
        ]
        if csl is not None:
            args.append(f"--csl={csl}")
    return args


def markdown_to_html(
    markdown: str, args: list[str], timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None
) -> str:
    """Convert one chapter body to an HTML fragment with the options from ``chapter_args``."""
    return run_pandoc(args, markdown, timeout, memory_mb)


def unprintable_math(
    formulas: Sequence[str], timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None
) -> frozenset[str]:
    """The inline formulas (TeX between single ``$``) that pandoc cannot print as text.

    Without a maths engine pandoc's writers turn simple TeX (``x^2``, ``\\alpha_i``) into
    Unicode text; what texmath cannot render as text (``\\frac``, ``\\sqrt``, ``\\sum`` with
    limits, unknown commands) is left as raw TeX between dollar signs, in HTML and PDF alike.
    One run for all the formulas: each is a paragraph of its own, in the order given.
    """
    unique = sorted({f.strip() for f in formulas if f.strip()})
    if not unique:
        return frozenset()
    source = "".join(f"${formula}$\n\n" for formula in unique)
    html = run_pandoc(["--from", MARKDOWN_READER, "--to", "html", "--wrap=none"], source, timeout, memory_mb)
    paragraphs = [line for line in html.splitlines() if line.startswith("<p>")]
    if len(paragraphs) != len(unique):  # a formula that did not stay one paragraph: judge each apart
        return frozenset(f for f in unique if len(unique) > 1 and unprintable_math([f], timeout, memory_mb))
    return frozenset(formula for formula, paragraph in zip(unique, paragraphs, strict=True)
                     if '<span class="math inline">$' in paragraph)


def chapters_to_html(
    bodies: Mapping[str, str], bibliography: Path | None = None, csl: Path | None = None,
    jurisdiction: str | None = None, timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None,
) -> dict[str, str]:
    """Several chapters' HTML from one pandoc process (slug → HTML), each the same bytes as
    ``markdown_to_html(body, chapter_args(slug, bibliography, csl, jurisdiction))`` gives.

    One process instead of one per chapter saves pandoc's start-up (~30 ms each). The
    'chapters' Lua reader and writer read each body on its own, with the same reader, the
    same metadata, the 'only' filter, citeproc and the chapter's id prefix (see its
    comments). A body that starts with a byte order mark is not sent (pandoc drops one
    only at the start of its input); the caller converts those alone. On any failure the
    caller converts each chapter alone, which names the chapter at fault.
    """
    return {slug: html for slug, (html, _) in
            _chapters_run(bodies, bibliography, csl, jurisdiction, timeout, memory_mb, False).items()}


def chapters_with_media(
    bodies: Mapping[str, str], bibliography: Path | None = None, csl: Path | None = None,
    jurisdiction: str | None = None, timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None,
) -> dict[str, tuple[str, MediaSet]]:
    """``chapters_to_html`` and, from the same read of each body, what ``parse_many`` gives
    for it (its targets and ids): slug → (HTML, (targets, ids)). A cold build read every
    chapter twice, once for its media set as the workspace loaded and once for its HTML;
    reading was most of each (3.5 and 3.3 CPU s for the real corpus's 177 chapters)."""
    return _chapters_run(bodies, bibliography, csl, jurisdiction, timeout, memory_mb, True)


def _chapters_run(
    bodies: Mapping[str, str], bibliography: Path | None, csl: Path | None, jurisdiction: str | None,
    timeout: float, memory_mb: int | None, media: bool,
) -> dict[str, tuple[str, MediaSet]]:
    nonce = "vimanualchapter" + secrets.token_hex(16)
    text = "".join(f"{nonce} {slug}\n{body}\n" for slug, body in bodies.items()) + f"{nonce} -\n"
    args = [
        "--from", str(CHAPTERS_BATCH), "--to", str(CHAPTERS_BATCH),
        "--section-divs", "--wrap=none", "--syntax-highlighting=none",
        f"--metadata=vimanual-batch-reader:{MARKDOWN_READER}",
        f"--metadata=vimanual-batch-filter:{ONLY_FILTER}",
    ]
    if media:
        args.append(f"--metadata=vimanual-batch-media:{MEDIA_WALK}")
    if jurisdiction:
        args.append(f"--metadata=vimanual-jurisdiction:{jurisdiction}")
    if bibliography is not None:
        args += [
            "--metadata=vimanual-batch-citeproc:true", f"--bibliography={bibliography}",
            "--metadata=reference-section-title:References", "--metadata=link-citations:true",
        ]
        if csl is not None:
            args.append(f"--csl={csl}")
    output = run_pandoc(args, text, timeout, memory_mb)
    # "NONCE SLUG\n" + HTML + "\n" per chapter, then "NONCE\n": the nonce is unforgeable. With
    # the media, "NONCE SLUG\n" + media lines + "\nNONCE:html\n" + HTML + "\n".
    end = output.rfind(f"{nonce}\n")
    if end == -1:
        raise ToolError("pandoc", args, 0, "the chapters' output ended early")
    found: dict[str, tuple[str, MediaSet]] = {}
    for part in output[:end].split(f"{nonce} ")[1:]:
        slug, _, html = part.partition("\n")
        lines = ""
        if media:
            lines, split, html = html.partition(f"{nonce}:html\n")
            if not split:
                raise ToolError("pandoc", args, 0, "the chapters' output does not match its input")
        found[slug] = (html, _media_of(lines.splitlines(), ""))
    if list(found) != list(bodies):
        raise ToolError("pandoc", args, 0, "the chapters' output does not match its input")
    return found


def _media_of(lines: Sequence[str], prefix: str) -> MediaSet:
    """The (targets, ids) of one text from media.lua's lines, each id without the ``prefix``
    pandoc's --file-scope gave it. A target within the text ("#..." or empty) is left out: it
    names no file, and --file-scope rewrote it after the text's place in its run ("#t3.md__a",
    "#t3.md" for both "" and "#"); so a text's parse is the same wherever it stood, and read
    with or without --file-scope."""
    targets: list[tuple[str, bool]] = []
    ids: set[str] = set()
    for line in lines:
        kind, _, value = line.partition("\t")
        if kind in ("M", "L") and value and not value.startswith("#"):
            targets.append((value, kind == "M"))
        elif kind == "I":
            ids.add(value.removeprefix(prefix) if prefix else value)
    return targets, frozenset(ids)


# Only these readers ever see a contribution: pandoc never guesses a format from content.
DOCUMENT_READERS = ("docx", "odt", "html", "markdown")
# The Markdown a converted contribution is stored as: no raw HTML/TeX can survive into r*.md,
# and typographic characters stay as written (no "---" for an em dash).
MARKDOWN_WRITER = "markdown-raw_html-raw_attribute-raw_tex-smart"


def document_to_ast(
    path: Path,
    fmt: str,
    media_dir: Path,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = None,
    track_changes: str | None = None,
) -> dict[str, Any]:
    """Read a contributed document into pandoc's JSON AST, extracting its images to ``media_dir``.

    ``track_changes`` is pandoc's --track-changes (accept, reject or all) for Word files.
    """
    if fmt not in DOCUMENT_READERS:
        raise VimanualError(f"no reader for format '{fmt}'", f"use one of: {', '.join(DOCUMENT_READERS)}")
    reader = MARKDOWN_READER if fmt == "markdown" else fmt
    args = ["--from", reader, "--to", "json", f"--extract-media={media_dir}", str(path.resolve())]
    if track_changes and fmt == "docx":
        args.insert(0, f"--track-changes={track_changes}")
    result = json.loads(run_pandoc(args, timeout=timeout, memory_mb=memory_mb))
    if not isinstance(result, dict) or "blocks" not in result:
        raise VimanualError(f"pandoc gave no document for {path.name}", "check the file opens in its editor")
    return result


def markdown_to_ast(markdown: str, timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None) -> Any:
    """pandoc's JSON AST of a Markdown text, read as chapters are read."""
    return json.loads(run_pandoc(["--from", MARKDOWN_READER, "--to", "json"], markdown, timeout, memory_mb))


def ast_to_markdown(
    ast: dict[str, Any], timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None,
    pipe_tables: bool = False,
) -> str:
    """Write pandoc's JSON AST as pandoc Markdown without raw HTML, wrapped for diffs.

    ``pipe_tables`` writes tables as pipe (or grid) tables: a table with only a header row
    written as a simple table reads back as a line of dashes.
    """
    writer = MARKDOWN_WRITER + ("-simple_tables-multiline_tables" if pipe_tables else "")
    args = ["--from", "json", "--to", writer, "--wrap=none"]
    return run_pandoc(args, json.dumps(ast), timeout, memory_mb)


def document_to_markdown(
    path: Path,
    fmt: str,
    media_dir: Path,
    rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int | None = None,
    track_changes: str | None = None,
) -> str:
    """Convert a .docx/.odt/.html contribution to Markdown; ``rewrite`` may edit the AST between."""
    ast = document_to_ast(path, fmt, media_dir, timeout, memory_mb, track_changes)
    return ast_to_markdown(rewrite(ast) if rewrite else ast, timeout, memory_mb)


def element_ids(
    bodies: Mapping[str, str], timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None
) -> dict[str, frozenset[str]]:
    """Every element id (explicit ``{#id}`` or pandoc's auto-identifier) of each chapter body.

    One pandoc run for all chapters: ``--file-scope`` parses each file on its own (so
    auto-identifiers are deduplicated per chapter, as in the build) and prefixes its ids
    with the file name, which tells the chapters apart in the one JSON AST.
    """
    if not bodies:
        return {}
    try:
        output = _ids_json(bodies, timeout, memory_mb)
    except ToolError as exc:
        raise _culprit(bodies, timeout, memory_mb, exc) from None
    found: dict[str, set[str]] = {slug: set() for slug in bodies}
    # An Attr is ["id", [classes], [[key, value]]]: find the ids in the JSON text directly,
    # which is several times faster than loading and walking the whole AST.
    # Files are named c0.md, c1.md … (see _ids_json): map the prefix back to the slug.
    slugs = {f"c{index}": slug for index, slug in enumerate(bodies)}
    for match in ATTR_ID_RE.finditer(output):
        slug = slugs.get(json.loads(f'"{match.group(1)}"'), "")
        if slug in found:
            found[slug].add(json.loads(f'"{match.group(2)}"'))
    return {slug: frozenset(ids) for slug, ids in found.items()}


def _ids_json(bodies: Mapping[str, str], timeout: float, memory_mb: int | None) -> str:
    """pandoc's JSON AST of ``bodies`` read as separate files (see ``element_ids``)."""
    with tempfile.TemporaryDirectory(prefix="vimanual-ids-") as tmp:
        # Files are named c0.md, c1.md …, not after the slug: pandoc derives the prefix from
        # the file name as an identifier, dropping leading digits ('01-intro' → 'intro').
        names = []
        for index, body in enumerate(bodies.values()):
            name = f"c{index}.md"
            (Path(tmp) / name).write_text(body, encoding="utf-8")
            names.append(name)
        # pandoc prefixes ids only when it reads two or more files: add an empty one
        # (its name is no chapter's, so it cannot clash).
        (Path(tmp) / "_.md").write_text("", encoding="utf-8")
        args = ["--file-scope", "--from", MARKDOWN_READER, "--to", "json", *names, "_.md"]
        return run_pandoc(args, timeout=timeout, memory_mb=memory_mb, cwd=Path(tmp))


def _culprit(
    bodies: Mapping[str, str], timeout: float, memory_mb: int | None, error: ToolError
) -> VimanualError:
    """The error of the chapter that made the joint run fail, named, found by running the
    chapters alone, largest first (the likely culprit), stopping at the first failure."""
    if len(bodies) > 1:
        for slug in sorted(bodies, key=lambda s: (-len(bodies[s]), s)):
            try:
                _ids_json({slug: bodies[slug]}, timeout, memory_mb)
            except ToolError as exc:
                return _named(f"chapters/{slug}.md", exc)
    return _named(", ".join(f"chapters/{slug}.md" for slug in sorted(bodies)), error)


def _named(where: str, error: ToolError) -> VimanualError:
    """``error`` with ``where`` (a chapter or file) in front of its message."""
    return VimanualError(f"{where}: {error.message}", error.hint)


def link_targets(
    markdown: str, timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None
) -> list[tuple[str, bool]]:
    """Every (target, is_image) of the Image and Link elements pandoc reads in ``markdown``.

    The same reader as the build, so an image shown in the output is never missed because
    of how its link is spelled (entities, nested brackets, references on the next line).
    Every passage is read (no 'only' filter): an image of any jurisdiction's variant counts.
    """
    return parse_many([markdown], timeout, memory_mb)[0][0]


def parse_many(
    texts: Sequence[str], timeout: float = DEFAULT_TIMEOUT, memory_mb: int | None = None
) -> list[MediaSet]:
    """For each text, its ``link_targets`` and its element ids (as ``element_ids``), from
    one pandoc run for all the texts (one start-up instead of many).

    ``--file-scope`` parses each text as its own file; a heading holding a random nonce,
    in a file of its own after each text, marks where the next text's blocks begin (no
    text can forge it: it is made afresh for each run and parsed apart from the texts).
    """
    if not texts:
        return []
    nonce = "vimanualsplit" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="vimanual-links-") as tmp:
        names = []
        for index, text in enumerate(texts):
            (Path(tmp) / f"t{index}.md").write_text(text, encoding="utf-8", errors="replace")
            (Path(tmp) / f"s{index}.md").write_text(f"# {nonce}{index}\n", encoding="utf-8")
            names += [f"t{index}.md", f"s{index}.md"]
        args = ["--file-scope", "--from", MARKDOWN_READER, "--to", str(LINKS_WRITER),
                f"--metadata=vimanual-nonce:{nonce}", f"--metadata=vimanual-media:{MEDIA_WALK}", *names]
        output = run_pandoc(args, timeout=timeout, memory_mb=memory_mb, cwd=Path(tmp))
    runs: list[list[str]] = [[] for _ in texts]
    current = 0
    for line in output.splitlines():
        if line.startswith("S\t"):
            value = line[2:]
            current = int(value) + 1 if value.isdigit() else len(texts)
        elif current < len(texts):
            runs[current].append(line)
    return [_media_of(lines, f"t{index}.md__") for index, lines in enumerate(runs)]


def markdown_to_docx(markdown: str, output: Path, title: str, timeout: float = DEFAULT_TIMEOUT,
                     memory_mb: int | None = None) -> None:
    """Write ``markdown`` as a Word file at ``output`` (sandboxed: images must already be
    inlined as data: URIs, pandoc reads no file). Raw HTML and TeX stay text, as in the build."""
    run_pandoc(["--from", MARKDOWN_READER, "--to", "docx", f"--metadata=title:{title}", "-o", str(output)],
               markdown, timeout, memory_mb)
