"""The only place that imports WeasyPrint: HTML to PDF with a fetcher that reads only allowed files.

WeasyPrint is imported inside functions: it takes about a second to import, and
commands such as ``status`` or ``--help`` must not pay for it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from vimanual.errors import VimanualError
from vimanual.fsutil import is_within


@dataclass
class FetchLog:
    """URLs the renderer asked for and was refused, for the build report."""

    refused: list[str] = field(default_factory=list)
    pages: int = 0


def _make_fetcher(allowed_roots: list[Path], log: FetchLog) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [root.resolve() for root in allowed_roots]

    class WorkspaceFetcher(URLFetcher):  # type: ignore[misc]
        """Serves inline data and regular files under the allowed roots; refuses all else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(urlsplit(url).path)).resolve()
                if any(is_within(path, root) for root in roots) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            log.refused.append(url)
            raise ValueError(f"vimanual refuses to fetch {url[:120]}")

    return WorkspaceFetcher(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)


def render_pdf(
    html: str, base_dir: Path, allowed_roots: list[Path], target: Path, *, tagged: bool = True
) -> FetchLog:
    """Lay out ``html`` and write the PDF to ``target`` (the caller makes that atomic).

    Relative URLs in the stylesheets resolve against ``base_dir``; only files under
    ``allowed_roots`` and inline ``data:`` URLs are ever read. ``tagged`` writes a
    PDF/UA-1 file: a structure tree (headings, lists, tables, figures with their alt
    text), the document language and title, so screen readers can read the manual.
    """
    try:
        import weasyprint
    except OSError as exc:  # missing system libraries (Pango) surface as OSError
        raise VimanualError(f"WeasyPrint cannot start: {exc}",
                            "install Pango (Debian: apt-get install libpango-1.0-0)") from None
    log = FetchLog()
    document = weasyprint.HTML(
        string=html,
        base_url=base_dir.resolve().as_uri() + "/",
        url_fetcher=_make_fetcher(allowed_roots, log),
    )
    rendered = document.render()
    log.pages = len(rendered.pages)
    # pdf_tags is passed too: the variant only fills options left at None, and
    # WeasyPrint's default for pdf_tags is False, not None.
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True} if tagged else {}
    rendered.write_pdf(target, **options)
    return log
