"""Each stylesheet parsed once a layout worker, not once a document.

A layout worker lays out one document after another (the parts of a book, its margins,
its contents), and every one carries the same ``<style>`` elements (fonts.css, base.css,
print.css). WeasyPrint parses each again for each document, with tinycss2 and cssselect2,
and registers its ``@font-face`` rules with a new font configuration: 20-40 ms a document,
more than laying out a one-page chapter (60 real documentation parts: 15.3-16.7 s of layout,
14.0-14.2 s with this; the PDFs the same bytes).

``shared_font_config`` is the worker's one font configuration; a document laid out with it
gets, for a ``<style>`` whose text, base URL and media it has seen, the stylesheet parsed
then: its selectors (read-only when matching), and its ``@page`` rules and counter styles
added to the document's own, as parsing would add them. A stylesheet with cascade layers
(``@layer``, ordered across all of a document's sheets) is parsed for each document. URLs the parse was
refused (an ``@import`` or ``@font-face`` outside the workspace) are logged for every
document again. Any other use of WeasyPrint's ``CSS`` (a stylesheet given by URL, another
font configuration) is passed through unchanged.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

_Key = tuple[str, str | None, str]  # a <style>'s text, base URL and media
_CACHE: dict[_Key, tuple[Any, list[Any], dict[Any, Any], dict[Any, Any], list[str]]] = {}
_LAYERED: set[_Key] = set()


@functools.cache
def shared_font_config() -> Any:
    """This process's one FontConfiguration (the stylesheets cached with it registered their
    fonts in it), with WeasyPrint's CSS made to reuse what it parsed for it."""
    import weasyprint.css
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    real = weasyprint.css.CSS

    def css(*args: Any, string: str | None = None, base_url: str | None = None, url_fetcher: Any = None,
            media_type: str = "print", font_config: Any = None, counter_style: Any = None,
            page_rules: list[Any] | None = None, color_profiles: dict[Any, Any] | None = None,
            layers: list[Any] | None = None, **more: Any) -> Any:
        if (args or more or string is None or font_config is not config or page_rules is None
                or layers is None or counter_style is None or color_profiles is None):
            return real(*args, string=string, base_url=base_url, url_fetcher=url_fetcher,
                        media_type=media_type, font_config=font_config, counter_style=counter_style,
                        page_rules=page_rules, color_profiles=color_profiles, layers=layers, **more)
        log = getattr(url_fetcher, "vimanual_log", None)
        key = (string, base_url, media_type)
        if key in _LAYERED:  # cascade layers are ordered across a document's sheets: not cached
            return real(string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type,
                        font_config=font_config, counter_style=counter_style, page_rules=page_rules,
                        color_profiles=color_profiles, layers=layers)
        if key not in _CACHE:
            refused_before = len(log.refused) if log is not None else 0
            counters = copy.copy(counter_style)
            own_pages: list[Any] = []
            own_layers: list[Any] = []
            own_profiles: dict[Any, Any] = {}
            sheet = real(string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type,
                         font_config=font_config, counter_style=counters, page_rules=own_pages,
                         color_profiles=own_profiles, layers=own_layers)
            added = {name: style for name, style in counters.items()
                     if name not in counter_style or counter_style[name] is not style}
            refused = list(log.refused[refused_before:]) if log is not None else []
            if own_layers:
                _LAYERED.add(key)
                if log is not None:
                    del log.refused[refused_before:]  # logged again by the parse below
                return css(string=string, base_url=base_url, url_fetcher=url_fetcher, media_type=media_type,
                           font_config=font_config, counter_style=counter_style, page_rules=page_rules,
                           color_profiles=color_profiles, layers=layers)
            _CACHE[key] = (sheet, own_pages, added, own_profiles, refused)
            return _joined(key, page_rules, counter_style, color_profiles, None)
        return _joined(key, page_rules, counter_style, color_profiles, log)

    weasyprint.css.CSS = css
    return config


def _joined(key: _Key, page_rules: list[Any], counter_style: Any,
            color_profiles: dict[Any, Any], log: Any) -> Any:
    """The cached stylesheet, its rules added to the document's as parsing it would add them."""
    sheet, pages, counters, profiles, refused = _CACHE[key]
    page_rules.extend(pages)
    counter_style.update(counters)
    color_profiles.update(profiles)
    if log is not None:
        log.refused.extend(url for url in refused if url not in log.refused)
    return sheet
