"""What a released edition's bytes depend on beyond its frozen sources, recorded in its manifest.

The sources (chapters, styles, manual.yaml) and the fonts (by SHA-256) are frozen already.
What else can make a rebuild differ is how and by what software they were made into a PDF:
the font subsetter and the PDF's layout (recorded by name: ``RELEASE_FONT_SUBSETTER`` and
``RELEASE_PDF_LAYOUT`` for a new edition), vimanual, pandoc, WeasyPrint and pydyf (layout
and PDF writing), fontTools and uharfbuzz (subsetting and the merged fonts), pikepdf/qpdf
(stitching), zlib (compression), and Pango/HarfBuzz (text shaping). They are
recorded at release so that a rebuild that does not match can say which one differs; and
the fonts the PDF embeds are listed, so that a font that came from the system (not from
styles/fonts/) shows.
"""

from __future__ import annotations

import importlib.metadata
import re
import zlib
from pathlib import Path
from typing import Any

from vimanual import __version__
from vimanual.book.plan import COVER_LABEL_LAYOUT
from vimanual.pdf.weasy import FAST_FONT_SUBSETTER

#: What a new edition is made with: the manifest records it, and its rebuilds use it.
RELEASE_FONT_SUBSETTER = FAST_FONT_SUBSETTER
RELEASE_PDF_LAYOUT = COVER_LABEL_LAYOUT

__all__ = ["RELEASE_FONT_SUBSETTER", "RELEASE_PDF_LAYOUT", "build_record", "declared_families",
           "embedded_fonts", "installed_versions", "system_fonts", "version_differences"]

_PACKAGES = ("weasyprint", "pydyf", "fonttools", "uharfbuzz", "pikepdf")
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_FAMILY = re.compile(r"@font-face\s*\{[^}]*?font-family:\s*[\"']([^\"']+)[\"']")


def installed_versions() -> dict[str, str]:
    """The versions of everything a build's bytes depend on, as installed here."""
    from vimanual.tools.pandoc import pandoc_version

    versions = {"vimanual": __version__, "pandoc": pandoc_version()}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    import pikepdf

    versions["qpdf"] = str(pikepdf.__libqpdf_version__)
    versions["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    versions.update(_text_libraries())
    return versions


def _text_libraries() -> dict[str, str]:
    """Pango's and HarfBuzz's versions as WeasyPrint loads them: as this process's layout
    workers reported them, else (nothing laid out here) from WeasyPrint imported here."""
    from vimanual.pdf.worker import text_libraries
    from vimanual.pdf.workers import TEXT_LIBRARIES

    return dict(TEXT_LIBRARIES) or text_libraries()


def embedded_fonts(pdf: Path) -> dict[str, str]:
    """{font name (subset tag removed): SHA-256 of its embedded programs} of ``pdf``."""
    import hashlib

    import pikepdf

    programs: dict[str, list[str]] = {}
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                name = _SUBSET_TAG.sub("", str(obj.get("/FontName", "")).lstrip("/"))
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        digest = hashlib.sha256(bytes(obj[key].read_bytes())).hexdigest()
                        programs.setdefault(name, []).append(digest)
    return {name: hashlib.sha256("".join(sorted(d)).encode()).hexdigest() if len(d) > 1 else d[0]
            for name, d in sorted(programs.items())}


def declared_families(fonts_css: Path) -> list[str]:
    """The families the edition's styles/fonts.css declares with @font-face (its own fonts)."""
    text = fonts_css.read_text(encoding="utf-8") if fonts_css.is_file() else ""
    return sorted(set(_FAMILY.findall(text)))


def system_fonts(pdf_fonts: dict[str, str], families: list[str]) -> list[str]:
    """The embedded fonts that came from the machine (fontconfig), not from styles/fonts/:
    Pango takes them for characters the manual's fonts lack. Another machine may not
    have them, or have other versions, so they are named in the manifest."""
    own = tuple(family.replace(" ", "-") for family in families)
    return [name for name in pdf_fonts if not name.startswith(own)]


def build_record(font_subsetter: str, pdf_layout: str, pdf: Path, fonts_css: Path,
                 content_policy: bool) -> dict[str, Any]:
    """The manifest's ``build`` mapping for an edition whose PDF is ``pdf``."""
    fonts = embedded_fonts(pdf)
    return {"font_subsetter": font_subsetter, "pdf_layout": pdf_layout, "content_policy": content_policy,
            "versions": installed_versions(), "pdf_fonts": fonts,
            "system_fonts": system_fonts(fonts, declared_families(fonts_css))}


def version_differences(recorded: dict[str, Any]) -> list[str]:
    """One line per recorded version that differs from the installed one."""
    versions = recorded.get("versions")
    if not isinstance(versions, dict):
        return []
    installed = installed_versions()
    lines = []
    for name in sorted(versions):
        here = installed.get(name, "missing")
        if str(versions[name]) != here:
            lines.append(f"{name}: the edition was built with {versions[name]}, {here} is installed")
    return lines
