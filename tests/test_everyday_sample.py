"""Issue 15, point 10: every chapter of the sample shows its "Sample text" note with the quote
bar; case-handover got it through the editorial flow (a revision, accepted, re-approved), so the
chapter is still ready and the frozen edition 1.0 is unchanged."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from tests.helpers import copy_sample, run


def test_every_sample_note_has_its_quote_bar_and_case_handover_is_still_approved(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample")
    result = run("-C", root, "build", "--format", "html", "-q")
    assert result.exit_code == 0, result.output
    html = (root / "build" / "manual.html").read_text(encoding="utf-8")
    articles = re.findall(r'<article class="chapter[^"]*" id="([^"]+)".*?</article>', html, re.S)
    assert "case-handover" in articles
    for slug in articles:
        article = re.search(rf'<article class="chapter[^"]*" id="{slug}".*?</article>', html, re.S)
        assert article is not None
        note = re.search(r"(<blockquote>\s*)?<p><em>Sample text — invented", article.group(0))
        if slug in ("writing-a-chapter",):
            continue  # the contributor's guide says it in its own words
        assert note is not None and note.group(1), slug

    status = run("-C", root, "status", "case-handover", "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["ready"] is True
    assert {j["state"] for j in data["jurisdictions"].values()} == {"approved"}, data["jurisdictions"]
    events = sorted((root / "reviews" / "case-handover").glob("20261202T*.yaml"))
    assert len(events) == 5
    for event in events:  # the re-approvals say they are sample data, not a real reviewer's word
        assert "sample data" in yaml.safe_load(event.read_text(encoding="utf-8"))["comment"]
    edition = run("-C", root, "verify-edition", "1.0")
    assert edition.exit_code == 0, edition.output
