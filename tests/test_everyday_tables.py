"""Issue 15, point 12: every table reads well at 80 columns (and when piped) and at 200."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run


def _lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.splitlines()]


def _show(root: Path, columns: int, *args: str) -> list[str]:
    result = run("-C", root, *args, env={"COLUMNS": str(columns), "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0, result.output
    return _lines(result.stdout)


CONTRIBUTIONS_80 = """\
20261128-uk-case-handover-a10cbe  accepted  r2  2026-12-02
  Case Handover Between Units
  chapter 'case-handover' · from UK · Sample Contributor (UK)
20261128-uk-decision-records-9fe48b  submitted  r2  2026-11-28
  Recording Identification Decisions
  chapter 'decision-records' · from UK · Sample Contributor (UK)
20261128-uk-social-media-checks-7fcd88  declined  r1  2026-11-28
  Open-Source Checks on Social Media
  chapter 'social-media-checks' · from UK · Sample Contributor (UK)
20261128-uk-image-triage-99e2ad  submitted  r1  2026-11-28
  Triage and De-duplication
  chapter 'image-triage' · from UK · Sample Contributor (UK)"""

CONTRIBUTIONS_200 = """\
id                                       title                                chapter               from   contributor               rev   state       updated
─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
20261128-uk-case-handover-a10cbe         Case Handover Between Units          case-handover         UK     Sample Contributor (UK)   r2    accepted    2026-12-02
20261128-uk-decision-records-9fe48b      Recording Identification Decisions   decision-records      UK     Sample Contributor (UK)   r2    submitted   2026-11-28
20261128-uk-social-media-checks-7fcd88   Open-Source Checks on Social Media   social-media-checks   UK     Sample Contributor (UK)   r1    declined    2026-11-28
20261128-uk-image-triage-99e2ad          Triage and De-duplication            image-triage          UK     Sample Contributor (UK)   r1    submitted   2026-11-28"""  # noqa: E501

EDITIONS_80 = """\
version   date         chapters   paper   PDF sha256          HTML sha256
───────────────────────────────────────────────────────────────────────────────
1.0       2026-11-28   8          A4      a9cd96182bbd31ce…   686f104f11140bef…

Release notes of 1.0
  # Edition 1.0 (sample)

  The first released edition of the sample manual: eight chapters, each approved
  by every jurisdiction that reviews it. Sample text throughout — invented to
  demonstrate vimanual; not operational guidance.

  - Case Handover Between Units carries a passage for the United Kingdom only
    (`vimanual print 1.0 --jurisdiction UK`).

Print one with 'vimanual print VERSION';
check a copy with 'vimanual verify-edition VERSION FILE'."""


@pytest.mark.parametrize(("columns", "expected"), [(80, CONTRIBUTIONS_80), (200, CONTRIBUTIONS_200)])
def test_contributions_whole_output(sample_workspace: Path, columns: int, expected: str) -> None:
    assert _show(sample_workspace, columns, "contributions") == expected.splitlines()


def test_editions_whole_output_at_80_columns(sample_workspace: Path) -> None:
    assert _show(sample_workspace, 80, "editions") == EDITIONS_80.splitlines()


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("args", [("status",), ("status", "-j", "UK"), ("status", "image-triage"),
                                  ("contributions",), ("editions",), ("status", "--contributor",
                                                                      "Sample Contributor (UK)")])
def test_no_line_is_cut_or_wider_than_the_terminal(sample_workspace: Path, columns: int,
                                                    args: tuple[str, ...]) -> None:
    lines = _show(sample_workspace, columns, *args)
    assert lines
    for line in lines:
        assert len(line) <= columns, line
        # a cell cut to one or two characters and an ellipsis (checksums are cut on purpose)
        for cell in line.split():
            assert not (cell.endswith("…") and len(cell) <= 3), line
