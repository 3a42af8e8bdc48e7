"""A real corpus for the benchmarks: openly licensed Markdown documentation as a workspace.

The chapters are the Markdown documentation that five Python projects ship in their
source distributions on PyPI (pinned below, each under its own licence, recorded in the
workspace's LICENSES.md and in bench/README.md): Black's, Hatch's, pip's and Starlette's
docs/ folders and pydantic's changelog. About 180,000 words in ~170 chapters: long
chapters (changelogs of 25,000+ words), many code blocks, tables, footnotes, admonitions
and tabs written in MkDocs / MyST syntax (which pandoc reads as the text and code it is),
links between the pages and the projects' own PNG, GIF and SVG images.

Fetching needs the network and is done once: `python bench/realcorpus.py --fetch` (or the
first `make_workspace` call) runs `pip download` for the pinned source distributions into
bench/.cache/realcorpus/ (git-ignored). Building a workspace from them reads only that
folder, so benchmarks run offline.

The text is turned into vimanual chapters faithfully and mechanically:
- the page's first heading becomes the chapter's title (front matter); the remaining
  headings keep their relative levels, the top one becoming `##`;
- a link to another page of the same project becomes a link between chapters
  (`slug.md#anchor`); a link that the build could not follow (a Sphinx label, a page
  not shipped) keeps its text and loses its target;
- an image inside the distribution is copied to chapters/media/<project>/; a remote one
  (badges, screenshots on GitHub) keeps its alt text as a link, since a build reads no
  network;
- a page's own YAML front matter (MkDocs metadata) is dropped.

The plain pipeline's input (`make_raw`) is the same chapters, each a Markdown file whose
first line is its title as `#`, for one `pandoc --file-scope -s` call and one WeasyPrint run.

Usage:
    python bench/realcorpus.py --fetch            # download once (network)
    python bench/realcorpus.py DIR                 # write the workspace to DIR (offline)
    python bench/realcorpus.py DIR --raw RAWDIR    # and the plain pipeline's input
    python bench/realcorpus.py DIR --measure [--rounds 3]
        # cold draft build against the plain pipeline, side by side, interleaved, each round
        # followed by a no-change rebuild and a one-sentence edit; targets on the median round
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CACHE = Path(__file__).resolve().parent / ".cache" / "realcorpus"


@dataclass(frozen=True)
class Source:
    """One pinned source distribution and which of its Markdown files are chapters."""

    project: str  # PyPI name
    version: str
    prefix: str  # slug prefix
    licence: str  # SPDX id, checked against the file below
    licence_file: str
    include: tuple[str, ...]  # path prefixes (inside the sdist's top folder) taken
    exclude: tuple[str, ...] = ()

    @property
    def archive(self) -> str:
        return f"{self.project.replace('-', '_')}-{self.version}.tar.gz"


SOURCES = (
    Source("black", "26.10.1", "black", "MIT", "LICENSE", ("docs/", "CHANGES.md")),
    Source("hatch", "1.18.2", "hatch", "MIT", "LICENSE.txt", ("docs/",)),
    Source("pip", "26.3", "pip", "MIT", "LICENSE.txt", ("docs/html/",)),
    Source("starlette", "1.10.0", "starlette", "BSD-3-Clause", "LICENSE.md", ("docs/",)),
    Source("pydantic", "2.14.4", "pydantic", "MIT", "LICENSE", ("HISTORY.md",)),
)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
IMAGE_RE = re.compile(r'!\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(\s+"[^"\n]*")?\s*\)')
LINK_RE = re.compile(r'(?<!!)\[((?:[^\]\n]|\n(?!\s*\n)){1,300})\]\(\s*<?([^)\s>]+)>?(\s+"[^"\n]*")?\s*\)')
DEFINITION_RE = re.compile(r"^( {0,3}\[[^\]\n]+\]:\s*)(\S+)(.*)$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
CHAPTER_ANCHOR_RE = re.compile(r"\(([a-z0-9][a-z0-9-]{0,63})\.md#([^)\s]+)\)")
LOCAL_ANCHOR_RE = re.compile(r"(?<!!)\[([^\]\n]{1,300})\]\(#([^)\s]+)\)")
ATTRS_RE = re.compile(r"\s*\{[^}]*\}\s*$")


def fetch(cache: Path = CACHE) -> Path:
    """Download the pinned source distributions into ``cache`` (once; needs the network)."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [s for s in SOURCES if not (cache / s.archive).is_file()]
    if missing:
        print(f"fetching {len(missing)} source distribution(s) from PyPI into {cache} (once)",
              file=sys.stderr)
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                   "--no-binary", ":all:", "--dest", str(cache),
                   *(f"{s.project}=={s.version}" for s in missing)]
        subprocess.run(command, check=True)
    for source in SOURCES:
        if not (cache / source.archive).is_file():
            raise SystemExit(f"{source.archive} is not in {cache} after pip download")
    return cache


def _slug(prefix: str, rel: str) -> str:
    stem = rel.removesuffix(".md")
    for lead in ("docs/html/", "docs/"):
        stem = stem.removeprefix(lead)
    if stem.endswith("/index"):
        stem = stem.removesuffix("/index")
    text = re.sub(r"[^a-z0-9]+", "-", f"{prefix}-{stem}".lower()).strip("-")
    return text[:64].rstrip("-")


@dataclass
class Page:
    """One Markdown file of a distribution, on its way to being a chapter."""

    source: Source
    rel: str  # path inside the sdist's top folder
    text: str
    slug: str = ""
    title: str = ""
    body: str = ""


def _read_pages(source: Source, cache: Path) -> tuple[list[Page], dict[str, bytes], str]:
    """The distribution's chapter pages, its image files (by path) and its licence text."""
    pages: list[Page] = []
    images: dict[str, bytes] = {}
    licence = ""
    with tarfile.open(cache / source.archive) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
            handle = archive.extractfile(member)
            if handle is None:
                continue
            if rel == source.licence_file:
                licence = handle.read().decode("utf-8")
            elif rel.lower().endswith(IMAGE_SUFFIXES) and member.size <= 5_000_000:
                images[rel] = handle.read()
            elif (rel.endswith(".md") and rel.startswith(source.include)
                  and not rel.startswith(source.exclude)):
                pages.append(Page(source, rel, handle.read().decode("utf-8")))
    if not licence:
        raise SystemExit(f"{source.archive}: no {source.licence_file}")
    return sorted(pages, key=lambda p: p.rel), images, licence


def _split_front(text: str) -> str:
    """The text without a leading YAML front matter block (MkDocs page metadata)."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5:]
    return text


def _title_and_body(page: Page) -> tuple[str, str]:
    """The first heading as the title; the other headings shifted so the top one is '##'."""
    lines = _split_front(page.text).replace("\r\n", "\n").split("\n")
    fence: str | None = None
    title = ""
    headings: list[int] = []  # line indexes of headings outside code
    for index, line in enumerate(lines):
        match = FENCE_RE.match(line)
        if match:
            mark = match.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark):]:
                fence = None
            continue
        if fence is None and HEADING_RE.match(line):
            headings.append(index)
    if headings:
        first = headings.pop(0)
        title = ATTRS_RE.sub("", HEADING_RE.match(lines[first]).group(2))  # type: ignore[union-attr]
        lines[first] = ""
    title = title.replace("`", "").replace("*", "").strip() or PurePosixPath(page.rel).stem
    if headings:
        top = min(len(HEADING_RE.match(lines[i]).group(1)) for i in headings)  # type: ignore[union-attr]
        shift = 2 - top
        for i in headings:
            hashes = len(HEADING_RE.match(lines[i]).group(1))  # type: ignore[union-attr]
            level = max(2, min(6, hashes + shift))
            lines[i] = "#" * level + lines[i][hashes:]
    return title, "\n".join(lines).strip() + "\n"


def _rewrite(page: Page, by_path: dict[str, str], media: dict[str, str]) -> str:
    """The page's body with links and images pointed at what the workspace holds."""
    folder = posixpath.dirname(page.rel)

    def target(url: str) -> str | None:
        """A chapter link for a relative link to a page, else None (None: drop the link)."""
        if url.startswith("#") or SCHEME_RE.match(url):
            return url
        path, _, anchor = url.partition("#")
        resolved = posixpath.normpath(posixpath.join(folder, path)) if path else page.rel
        for candidate in (resolved, resolved + ".md", posixpath.join(resolved, "index.md"),
                          resolved.removesuffix("/") + ".md"):
            if candidate in by_path:
                slug = by_path[candidate]
                if slug == page.slug:
                    return f"#{anchor}" if anchor else None
                return f"{slug}.md#{anchor}" if anchor else f"{slug}.md"
        return None

    def image(match: re.Match[str]) -> str:
        alt, url = match.group(1), match.group(2)
        if SCHEME_RE.match(url):
            return f"[{alt or 'image'}]({url})"
        resolved = posixpath.normpath(posixpath.join(folder, url.split("#")[0]))
        if resolved in media:
            return f"![{alt}]({media[resolved]})"
        return alt

    def link(match: re.Match[str]) -> str:
        text, url = match.group(1), match.group(2)
        new = target(url)
        return f"[{text}]({new})" if new else text

    def definition(match: re.Match[str]) -> str:
        new = target(match.group(2))
        return f"{match.group(1)}{new}{match.group(3)}" if new else ""

    # Links are rewritten in each run of lines outside fenced code (link text may wrap).
    out: list[str] = []
    prose: list[str] = []
    fence: str | None = None

    def flush() -> None:
        text = "\n".join(prose)
        text = IMAGE_RE.sub(image, text)
        text = LINK_RE.sub(link, text)
        out.extend(DEFINITION_RE.sub(definition, line) for line in text.split("\n"))
        prose.clear()

    for line in page.body.split("\n"):
        fence_match = FENCE_RE.match(line)
        if fence_match:
            mark = fence_match.group(1)
            if fence is None:
                flush()
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            out.append(line)
        elif fence is None:
            prose.append(line)
        else:
            out.append(line)
    flush()
    return "\n".join(out)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_workspace(root: Path, cache: Path = CACHE) -> list[str]:
    """Write the corpus as a vimanual workspace at ``root``; return the chapter slugs in order."""
    fetch(cache)
    chapters = root / "chapters"
    (chapters / "media").mkdir(parents=True, exist_ok=True)
    slugs: list[str] = []
    written: dict[str, tuple[str, str]] = {}
    licences: list[str] = []
    for source in SOURCES:
        pages, images, licence = _read_pages(source, cache)
        licences.append(f"## {source.project} {source.version} ({source.licence})\n\n"
                        f"Chapters {source.prefix}-*, from the files {', '.join(source.include)} "
                        f"of its source distribution on PyPI.\n\n```\n{licence.strip()}\n```\n")
        by_path: dict[str, str] = {}
        for page in pages:
            page.slug = _slug(source.prefix, page.rel)
            while page.slug in slugs or page.slug in by_path.values():
                page.slug = page.slug[:60] + "-x"
            by_path[page.rel] = page.slug
        media: dict[str, str] = {}
        for rel, data in images.items():
            name = re.sub(r"[^A-Za-z0-9._-]+", "-", rel)
            (chapters / "media" / source.prefix).mkdir(exist_ok=True)
            (chapters / "media" / source.prefix / name).write_bytes(data)
            media[rel] = f"media/{source.prefix}/{name}"
        for page in pages:
            page.title, page.body = _title_and_body(page)
            body = _rewrite(page, by_path, media)
            front = (f"---\ntitle: {_quote(page.title)}\nlead: UK\n"
                     f"authors: [{_quote(f'{source.project} contributors ({source.licence})')}]\n---\n\n")
            written[page.slug] = (front, body)
            slugs.append(page.slug)
    # A link to a section the other page does not have (a heading generated by a MkDocs
    # plugin, an anchor from an older version) keeps its chapter and loses the anchor.
    from vimanual.tools.pandoc import element_ids

    ids = element_ids({slug: body for slug, (_, body) in written.items()}, timeout=600)

    def anchor(match: re.Match[str]) -> str:
        slug, name = match.group(1), match.group(2)
        return match.group(0) if name in ids.get(slug, ()) else f"({slug}.md)"

    for slug, (front, body) in written.items():
        own = ids.get(slug, frozenset())
        body = CHAPTER_ANCHOR_RE.sub(anchor, body)
        body = LOCAL_ANCHOR_RE.sub(lambda m: m.group(0) if m.group(2) in own else m.group(1), body)  # noqa: B023
        (chapters / f"{slug}.md").write_text(front + body, encoding="utf-8")
    (root / "LICENSES.md").write_text(
        "# Licences of the benchmark corpus\n\nThe chapters of this workspace are the "
        "documentation of the projects below, converted mechanically by bench/realcorpus.py.\n\n"
        + "\n".join(licences), encoding="utf-8")
    (root / "manual.yaml").write_text(
        'title: "Benchmark Manual (real corpus)"\nmarking: "SAMPLE"\npaper: A4\n'
        "jurisdictions:\n  - {code: UK, name: United Kingdom, required: true}\n"
        "chapters:\n" + "".join(f"  - {s}\n" for s in slugs), encoding="utf-8")
    return slugs


def make_raw(ws: Path, slugs: list[str], raw: Path) -> list[str]:
    """The same chapters for the plain pipeline: raw/NNN.md, each with its title as '#',
    media beside them; returns the file names in order (for ``pandoc --file-scope``)."""
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    shutil.copytree(ws / "chapters" / "media", raw / "media")
    names = []
    for index, slug in enumerate(slugs):
        text = (ws / "chapters" / f"{slug}.md").read_text(encoding="utf-8")
        title = text.split("title: ", 1)[1].split("\n", 1)[0].strip('"').replace('\\"', '"')
        body = text.split("\n---\n", 1)[1]
        name = f"{index:03d}.md"
        (raw / name).write_text(f"# {title}\n\n{body}", encoding="utf-8")
        names.append(name)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from build import PLAIN_CSS

    (raw / "plain.css").write_text(PLAIN_CSS, encoding="utf-8")
    return names


def raw_pandoc_command(names: list[str]) -> list[str]:
    """One pandoc call over the raw files (each its own footnotes and ids), standalone HTML
    linking the plain pipeline's minimal print stylesheet (bench/build.py's PLAIN_CSS: A4,
    "page N of M" in the footer, every h1 on a new page), written by ``make_raw``."""
    from vimanual.tools.pandoc import MARKDOWN_READER, pandoc_path

    return [pandoc_path(), "--sandbox", "-s", "--file-scope", "-f", MARKDOWN_READER, "-t", "html5",
            "--metadata=title:Benchmark Manual", "--css", "plain.css", "-o", "all.html", *names]


#: The issue's targets: a cold draft build within this fraction of the plain pipeline's time,
#: a one-chapter edit within this fraction of the cold build, a no-change rebuild under 1 s.
COLD_TARGET = 0.6
EDIT_TARGET = 0.10
NOCHANGE_TARGET = 1.0
#: The chapter whose one sentence the edit changes: a middle-sized page of the corpus.
EDITED = "pip-topics-caching"


def edit_one_sentence(ws: Path, slug: str = EDITED) -> str:
    """Change one sentence of ``slug``'s chapter (a word added to its first paragraph of prose);
    returns the chapter's file name."""
    path = ws / "chapters" / f"{slug}.md"
    text = path.read_text(encoding="utf-8")
    body = text.index("\n---\n") + 5
    match = re.compile(r"^[A-Z][^\n]*?\. ", re.M).search(text, body)
    if match is None:
        raise SystemExit(f"no sentence to edit in {path}")
    path.write_text(text[: match.end() - 2] + " (edited for the benchmark)" + text[match.end() - 2:],
                    encoding="utf-8")
    return path.name


def measure_cold(folder: Path, rounds: int, jobs: int) -> None:
    """Cold draft builds against the plain pipeline, interleaved (plain, ours, plain, ours …)
    so that both see the same machine; each step a process tree of its own (bench/layout.py's
    ``measure``: wall, the largest process, CPU of the tree, other CPU on the machine). After
    each cold build, a no-change rebuild and one sentence of one chapter edited. With several
    rounds the targets are judged on the median of the rounds' ratios."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from build import make_cold, pages
    from layout import Launcher, measure, median_round

    ws, raw = folder / "ws", folder / "raw"
    if not (ws / "manual.yaml").is_file():
        slugs = make_workspace(ws)
    else:
        import yaml

        slugs = list(yaml.safe_load((ws / "manual.yaml").read_text(encoding="utf-8"))["chapters"])
    launcher = Launcher()

    def load() -> str:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    print(f"real corpus: {len(slugs)} chapters; vimanual {commit}; --jobs {jobs}; {rounds} round(s)")
    rows: list[tuple[str, float, float, float, int, str]] = []
    found: list[tuple[float, float, float, float]] = []  # per round: plain, cold, no change, edit
    build = [sys.executable, "-m", "vimanual", "-C", str(ws), "build", "--format", "pdf", "--jobs", str(jobs)]
    edited = ""
    for round_ in range(1, rounds + 1):
        names = make_raw(ws, slugs, raw)  # the chapters as they are now (the edits included)
        before = load()
        pandoc_run = measure(launcher, "plain pandoc", raw_pandoc_command(names), raw)
        weasy_run = measure(launcher, "plain weasyprint",
                            [sys.executable, "-m", "weasyprint", "all.html", "all.pdf"], raw)
        wall = pandoc_run.wall + weasy_run.wall
        rows.append((f"{round_}: plain (pandoc -s + weasyprint)", wall, max(pandoc_run.tree_max,
                     weasy_run.tree_max), pandoc_run.cpu + weasy_run.cpu, pages(raw / "all.pdf"),
                     f"{before} -> {load()}"))
        make_cold(ws)
        before = load()
        ours = measure(launcher, "vimanual cold", [*build, "-q"], ws)
        rows.append((f"{round_}: vimanual build --format pdf, cold", ours.wall, ours.tree_max, ours.cpu,
                     pages(ws / "build" / "manual.pdf"), f"{before} -> {load()}"))
        before = load()
        warm = measure(launcher, "vimanual no change", build, ws)
        rows.append((f"{round_}: no change", warm.wall, warm.tree_max, warm.cpu,
                     pages(ws / "build" / "manual.pdf"), f"{before} -> {load()}"))
        edited = edit_one_sentence(ws)
        before = load()
        edit = measure(launcher, "vimanual one sentence", build, ws)
        rows.append((f"{round_}: one sentence edited", edit.wall, edit.tree_max, edit.cpu,
                     pages(ws / "build" / "manual.pdf"), f"{before} -> {load()}"))
        found.append((wall, ours.wall, warm.wall, edit.wall))
        print(f"  round {round_}: plain {wall:.1f} s, vimanual {ours.wall:.1f} s ({ours.wall / wall:.2f}x), "
              f"no change {warm.wall:.2f} s, edit {edit.wall:.2f} s ({edit.wall / ours.wall:.2f}x), "
              f"load {load()}", flush=True)
    print(f"\none sentence edited each round in {edited}")
    print(f"{'step':<46}{'wall s':>8}{'max MiB':>9}{'CPU s':>8}{'pages':>7}  load (1, 5, 15 min)")
    for label, wall, mib, cpu, count, loads in rows:
        print(f"{label:<46}{wall:>8.1f}{mib:>9.0f}{cpu:>8.1f}{count:>7}  {loads}")

    cold_round = median_round(found, lambda f: f[1] / f[0])
    edit_round = median_round(found, lambda f: f[3] / f[1])
    warm_wall = statistics.median_low(f[2] for f in found)
    heading = "target" + (f" (median of {rounds} rounds)" if rounds > 1 else "")
    print(f"\n{heading:<40}{'ours s':>8}{'plain s':>9}{'ratio':>8}  {'goal':<16}met?")
    ratio = cold_round[1] / cold_round[0]
    print(f"{'cold draft (PDF) / plain':<40}{cold_round[1]:>8.1f}{cold_round[0]:>9.1f}{ratio:>7.2f}x  "
          f"{'<= ' + str(COLD_TARGET) + 'x plain':<16}{'yes' if ratio <= COLD_TARGET else 'no'}")
    ratio = edit_round[3] / edit_round[1]
    print(f"{'one-sentence edit / our cold':<40}{edit_round[3]:>8.1f}{edit_round[1]:>9.1f}{ratio:>7.2f}x  "
          f"{'<= ' + str(EDIT_TARGET) + 'x cold':<16}{'yes' if ratio <= EDIT_TARGET else 'no'}")
    print(f"{'no-change rebuild (PDF)':<40}{warm_wall:>8.2f}{'':>9}{'':>8}  "
          f"{'< ' + str(NOCHANGE_TARGET) + ' s':<16}{'yes' if warm_wall < NOCHANGE_TARGET else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", help="write the workspace here")
    parser.add_argument("--fetch", action="store_true", help="only download the distributions")
    parser.add_argument("--raw", type=Path, help="also write the plain pipeline's input here")
    parser.add_argument("--measure", action="store_true",
                        help="time a cold draft build against the plain pipeline (FOLDER/ws, FOLDER/raw)")
    parser.add_argument("--rounds", type=int, default=1, help="with --measure: interleaved rounds")
    parser.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 1))
    args = parser.parse_args()
    if args.fetch or not args.folder:
        fetch()
        if not args.folder:
            return
    if args.measure:
        measure_cold(args.folder, args.rounds, args.jobs)
        return
    if args.folder.exists() and any(args.folder.iterdir()):
        raise SystemExit(f"{args.folder} is not empty")
    slugs = make_workspace(args.folder)
    words = sum(len((args.folder / "chapters" / f"{s}.md").read_text().split()) for s in slugs)
    print(f"{len(slugs)} chapters, {words:,} words in {args.folder}")
    if args.raw:
        make_raw(args.folder, slugs, args.raw)


if __name__ == "__main__":
    main()
