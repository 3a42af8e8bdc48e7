"""Promise 3: only safe HTML reaches the output.

At least 50 XSS payloads go through a chapter and through an .html submission accepted into
a chapter; the built manual.html is parsed and nothing dangerous may be left inside <main>.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, manual_yaml, run
from tests.security_helpers import dangerous_in_main
from vimanual.base.sanitize import FragmentContext, clean_fragment

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script/xss src=http://xss.example/x.js></script>",
    "<<script>alert(1);//<</script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<img src=JaVaScRiPt:alert(1)>",
    "<img src=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<img src=&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)>",
    "<img src=\"jav\tascript:alert(1)\">",
    "<img src=\"jav&#x09;ascript:alert(1)\">",
    "<img src=\" &#14;  javascript:alert(1)\">",
    "<img dynsrc=\"javascript:alert(1)\"> <img lowsrc=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">x</a>",
    "<a href=\"  javascript:alert(1)\">x</a>",
    "<a href=\"java\nscript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"VbScRiPt:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"DATA:TEXT/HTML,<script>alert(1)</script>\">x</a>",
    "<a href=\"livescript:alert(1)\">x</a>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<IFRAME SRC=http://xss.example/></IFRAME>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<object type=\"text/x-scriptlet\" data=\"http://xss.example/x\"></object>",
    "<embed src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<form action=\"javascript:alert(1)\"><input type=submit></form>",
    "<form><button formaction=\"javascript:alert(1)\">x</button></form>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<STYLE>@import 'http://xss.example/x.css';</STYLE>",
    "<div style=\"background-image:url(javascript:alert(1))\">x</div>",
    "<p STYLE=\"width:expression(alert(1))\">x</p>",
    "<span style=\"behavior:url(x.htc)\">x</span>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<audio src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<link rel=stylesheet href=\"http://xss.example/x.css\">",
    "<link rel=attachment href=\"file:///etc/passwd\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<div onmouseover=\"alert(1)\">x</div>",
    "<a href=\"#\" onclick=\"alert(1)\">x</a>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<isindex action=javascript:alert(1) type=image>",
    "<x onclick=alert(1)>x</x>",
]
# The same attacks in pandoc's own Markdown syntax: links, images, attributes, raw blocks.
MARKDOWN = [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](<java script:alert(1)>)",
    "[x](&#106;avascript:alert(1))", "![x](javascript:alert(1))", "![x](data:text/html,<script>)",
    "[x]{onclick=\"alert(1)\"}", "[x]{style=\"color:red\"}", "::: {onmouseover=\"alert(1)\"}\nx\n:::",
    "```{=html}\n<script>alert(1)</script>\n```", "`<script>alert(1)</script>`{=html}",
    "```{=html5}\n<iframe src=x></iframe>\n```", "<div onclick=alert(1)>raw</div>",
    "[x](javascript:alert(1)){target=_blank}", "[ref]\n\n[ref]: javascript:alert(1)",
]


@pytest.mark.slow
def test_no_dangerous_html_survives_chapters_or_submissions(tmp_path: Path) -> None:
    assert len(PAYLOADS) >= 50
    body = "\n\n".join(f"Case {i}: {p}" for i, p in enumerate(PAYLOADS + MARKDOWN))
    ws = build_file_tree(tmp_path / "ws", {
        "manual.yaml": manual_yaml(chapters=["alpha"]),
        "chapters": {"alpha.md": chapter_md("Alpha", body + "\n", lead="UK")},
    })
    submission = tmp_path / "xss.html"
    submission.write_text("<html><body><h1>Beta</h1>\n" + "\n".join(f"<p>Case {i}: {p}</p>" for i, p in
                          enumerate(PAYLOADS)) + "\n</body></html>", encoding="utf-8")
    submitted = run("-C", ws, "submit", submission, "--chapter", "beta", "--jurisdiction", "AU",
                    "--as", "Bea", "--json")
    assert submitted.exit_code == 0, submitted.output
    contribution_id = re.search(r'"id": "([^"]+)"', submitted.output).group(1)  # type: ignore[union-attr]
    accepted = run("-C", ws, "accept", contribution_id, "--as", "Ed")
    assert accepted.exit_code == 0, accepted.output

    result = run("-C", ws, "build", "--format", "html", "--force")
    assert result.exit_code == 0, result.output
    page = (ws / "build" / "manual.html").read_text(encoding="utf-8")
    main = page.split("<main>", 1)[1]
    assert "Case 60" in main and 'id="beta"' in main  # both chapters were really built
    assert dangerous_in_main(page) == []
    # Belt and braces on the raw markup (escaped text such as "&lt;script" is harmless).
    tags = re.findall(r"<[a-zA-Z][^>]*>", main)
    for tag in tags:
        lowered = tag.lower()
        dangerous = r"<(script|iframe|object|embed|form|style|svg|math|link|meta|base)\b"
        assert not re.match(dangerous, lowered), tag
        assert not re.search(r"\s(on[a-z]+|style|srcdoc|formaction)\s*=", lowered), tag


class _Interrupted(FragmentContext):
    """A chapter whose first reported link arrives with a Ctrl-C (KeyboardInterrupt)."""

    def report(self, message: str, hint: str, rule: str) -> None:
        raise KeyboardInterrupt


def test_an_interrupt_inside_the_sanitizer_stops_the_build_not_the_attribute(tmp_path: Path) -> None:
    """nh3 reports an exception raised in its attribute filter as 'ignored' and drops the
    attribute: a Ctrl-C then left a section without its id and the build going on (exit 0,
    and the next build said 'unchanged'). It is raised again once nh3 has returned."""
    ctx = _Interrupted(tmp_path, "chapters/a.md", "a", frozenset({"a"}))
    html = '<section id="a--s0"><p><a href="javascript:alert(1)">x</a></p></section>'
    with pytest.raises(KeyboardInterrupt):
        clean_fragment(html, ctx)
    ctx = FragmentContext(tmp_path, "chapters/a.md", "a", frozenset({"a"}))
    assert 'id="a--s0"' in clean_fragment(html, ctx)  # and nothing is left caught for the next
