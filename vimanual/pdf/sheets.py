"""Each stylesheet parsed once a layout worker, not once a document.

A layout worker lays out one document after another (the parts of a book, its margins,
its contents), and every one carries the same ``<style>`` elements (fonts.css, base.css,
print.css). WeasyPrint parses each again for each document, with tinycss2 and cssselect2:
10-20 ms a document, about what laying out a one-page chapter takes.

``reuse_stylesheets`` makes WeasyPrint's ``CSS``, for a ``<style>`` whose text, base URL
and media it has seen in this process, give the stylesheet parsed then: its selectors
(read-only when matching), and its ``@page`` rules and counter styles added to the
document's own, as parsing would add them. Its ``@font-face`` rules are registered again
with the document's own font configuration (each document keeps its own: one shared by all
kept Pango's caches of every font and glyph the worker ever drew, 2-3 MiB a worker), and
URLs the parse was refused (an ``@import`` outside the workspace) are logged for every
document again. A stylesheet with cascade layers (``@layer``, ordered across all of a
document's sheets) is parsed for each document, and any other use of ``CSS`` (a stylesheet
given by URL, none for a document) is passed through unchanged.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

_Key = tuple[str, str | None, str]  # a <style>'s text, base URL and media
# the stylesheet, its @page rules, its counter styles, its colour profiles, its @font-face rules,
# the URLs its parse was refused
_CACHE: dict[_Key, tuple[Any, list[Any], dict[Any, Any], dict[Any, Any], list[Any], list[str]]] = {}
_LAYERED: set[_Key] = set()
#: At most this many stylesheets kept a process (a book's documents have six between them).
MAX_SHEETS = 16


class _Recording:
    """A font configuration that notes each @font-face rule it is given (then passes it on)."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.faces: list[Any] = []

    def add_font_face(self, descriptors: Any, url_fetcher: Any) -> Any:
        self.faces.append(descriptors)
        return self.config.add_font_face(descriptors, url_fetcher)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.config, name)


def reuse_stylesheets() -> None:
    """Make WeasyPrint's CSS reuse the <style> stylesheets it parsed in this process (once)."""
    import weasyprint.css

    from vimanual.pdf.patches import replace_in_weasyprint

    replace_in_weasyprint(weasyprint.css, "CSS", True, _reusing)


def _reusing(real: Any) -> Any:
    """WeasyPrint's ``CSS`` giving the <style> stylesheets it parsed in this process again."""

    def css(*args: Any, string: str | None = None, base_url: str | None = None, url_fetcher: Any = None,
            media_type: str = "print", font_config: Any = None, counter_style: Any = None,
            page_rules: list[Any] | None = None, color_profiles: dict[Any, Any] | None = None,
            layers: list[Any] | None = None, **more: Any) -> Any:
        key = (string or "", base_url, media_type)
        parse = functools.partial(real, string=string, base_url=base_url, url_fetcher=url_fetcher,
                                  media_type=media_type)
        if (args or more or string is None or font_config is None or page_rules is None
                or layers is None or counter_style is None or color_profiles is None or key in _LAYERED
                or (key not in _CACHE and len(_CACHE) >= MAX_SHEETS)):
            return parse(*args, font_config=font_config, counter_style=counter_style, page_rules=page_rules,
                         color_profiles=color_profiles, layers=layers, **more)
        log = getattr(url_fetcher, "vimanual_log", None)
        if key not in _CACHE:
            refused_before = len(log.refused) if log is not None else 0
            counters = copy.copy(counter_style)
            recording = _Recording(font_config)
            own_pages: list[Any] = []
            own_layers: list[Any] = []
            own_profiles: dict[Any, Any] = {}
            sheet = parse(font_config=recording, counter_style=counters, page_rules=own_pages,
                          color_profiles=own_profiles, layers=own_layers)
            refused = list(log.refused[refused_before:]) if log is not None else []
            if own_layers:
                _LAYERED.add(key)
                if log is not None:
                    del log.refused[refused_before:]  # logged again by the parse below
                return parse(font_config=font_config, counter_style=counter_style, page_rules=page_rules,
                             color_profiles=color_profiles, layers=layers)
            added = {name: style for name, style in counters.items()
                     if name not in counter_style or counter_style[name] is not style}
            _CACHE[key] = (sheet, own_pages, added, own_profiles, recording.faces, refused)
            page_rules.extend(own_pages)
            counter_style.update(added)
            color_profiles.update(own_profiles)
            return sheet
        sheet, pages, counters, profiles, faces, refused = _CACHE[key]
        page_rules.extend(pages)
        counter_style.update(counters)
        color_profiles.update(profiles)
        for descriptors in faces:
            font_config.add_font_face(descriptors, url_fetcher)
        if log is not None:
            log.refused.extend(url for url in refused if url not in log.refused)
        return sheet

    return css
