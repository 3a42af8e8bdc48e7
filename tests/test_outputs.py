"""Whole-output tests (the sqlite-utils way): each report's entire text at 80 columns and its entire
``--json``, pinned in tests/outputs/, one file per command and format.

The reports run in-process (tests.helpers.run, 80 columns) on a copy of the repository's sample
manual, whose review events, contributions and edition carry fixed dates, and on a small fixed
workspace with known problems for ``check``. What varies between runs is normalised by ``normalise``
and nothing else. When an output changes on purpose, rewrite the pinned files with
``pytest tests/test_outputs.py --update-outputs`` and read the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import build_file_tree, chapter_md, copy_sample, manual_yaml, run

OUTPUTS = Path(__file__).parent / "outputs"
CONTRIBUTOR = "Sample Contributor (UK)"


def problems_workspace(root: Path) -> Path:
    """A fixed workspace whose chapters hold one problem of several kinds (sample text)."""
    return build_file_tree(root, {
        "manual.yaml": manual_yaml(),
        "chapters": {
            "alpha.md": chapter_md(
                "Alpha Chapter",
                "## First steps\n\nSample text: see [gamma](gamma.md) and [beta](beta.md#nowhere).\n\n"
                "![A chart.](media/none.png)\n\nTODO: finish the sample text.\n",
                lead="UK"),
            "beta.md": chapter_md(
                "Beta Chapter",
                "## Beta section\n\nSample text. Write to jane.doe@agency.example.org.\n\n"
                "#### Too deep\n\nMore sample text.\n",
                lead="AU"),
        },
    })


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The workspaces the reports read (none of these commands writes to them), made once."""
    root = tmp_path_factory.mktemp("outputs")
    return {
        "sample": copy_sample(root / "sample"),
        "problems": problems_workspace(root / "problems"),
    }


def normalise(text: str, workspace: Path) -> str:
    """Replace what varies between runs: the workspace's temporary path (as ``<workspace>``).

    Nothing else varies in these workspaces: every date and time printed comes from the files
    (review events, contributions, the edition's manifest), and every hash is of fixed content.
    """
    return text.replace(str(workspace), "<workspace>")


# (case id, workspace, arguments, exit code). Each runs once as text and once with --json.
CASES: list[tuple[str, str, tuple[str, ...], int]] = [
    ("status", "sample", ("status",), 0),
    ("status-slug", "sample", ("status", "image-triage"), 0),
    ("status-slug-pending", "sample", ("status", "writing-a-chapter"), 0),
    ("status-slug-translated", "sample", ("status", "training-exercises"), 0),
    ("status-languages", "sample", ("status", "--languages"), 0),
    ("status-jurisdiction", "sample", ("status", "-j", "UK"), 0),
    ("status-jurisdiction-interpol", "sample", ("status", "--jurisdiction", "INTERPOL"), 0),
    ("status-contributor", "sample", ("status", "--contributor", CONTRIBUTOR), 0),
    ("status-contributor-unknown", "sample", ("status", "--contributor", "Nobody Known"), 0),
    ("contributions", "sample", ("contributions",), 0),
    ("contributions-state", "sample", ("contributions", "--state", "submitted"), 0),
    ("contributions-jurisdiction", "sample", ("contributions", "--jurisdiction", "AU"), 0),
    ("contributions-contributor", "sample", ("contributions", "--contributor", CONTRIBUTOR), 0),
    ("editions", "sample", ("editions",), 0),
    ("editions-none", "problems", ("editions",), 0),
    ("check", "sample", ("check",), 0),
    ("check-problems", "problems", ("check",), 1),
    ("check-strict", "problems", ("check", "--strict"), 1),
    ("check-slug", "problems", ("check", "beta"), 0),
]


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("case", "ws", "args", "code"), CASES, ids=[c[0] for c in CASES])
def test_whole_output(
    workspaces: dict[str, Path], request: pytest.FixtureRequest,
    case: str, ws: str, args: tuple[str, ...], code: int, fmt: str,
) -> None:
    workspace = workspaces[ws]
    extra = ("--json",) if fmt == "json" else ()
    result = run("-C", workspace, *args, *extra)
    output = normalise(result.stdout, workspace)
    assert (result.exit_code, result.stderr) == (code, ""), result.output
    if fmt == "json":
        json.loads(output)  # whole, valid JSON and nothing else on stdout
    pinned = OUTPUTS / f"{case}.{'json' if fmt == 'json' else 'txt'}"
    if request.config.getoption("--update-outputs"):
        pinned.parent.mkdir(exist_ok=True)
        pinned.write_text(output, encoding="utf-8")
    assert pinned.is_file(), f"no pinned output {pinned.name}: run with --update-outputs"
    assert output == pinned.read_text(encoding="utf-8")


def test_every_pinned_output_belongs_to_a_case() -> None:
    """A pinned file whose case was removed would pin nothing: none is left behind."""
    expected = {f"{case}.{ext}" for case, *_ in CASES for ext in ("txt", "json")}
    assert {p.name for p in OUTPUTS.iterdir()} == expected
