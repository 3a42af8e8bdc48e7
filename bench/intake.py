"""Intake of the corpus: built, refused (by reason), words lost, images kept, seconds per document.

```sh
python bench/intake.py
```

Every corpus document (tests/corpus/documents.py: Word and ODT written part by part as
Word and LibreOffice write them, HTML and Markdown with image folders) is submitted through
the real CLI into a fresh workspace and, when taken, accepted; words lost are counted
against ``pandoc -t plain`` of the source, images kept against the images it holds.
"""

from __future__ import annotations

import collections
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.corpus.documents import corpus  # noqa: E402
from tests.corpus.runner import Outcome, submit_all  # noqa: E402
from tests.helpers import small_workspace  # noqa: E402


def reason(outcome: Outcome) -> str:
    """The refusal's reason without the file name and numbers, to group refusals by."""
    line = next((ln for ln in outcome.output.splitlines() if ln.startswith("Error:")), outcome.output)
    text = line.removeprefix("Error:").strip().split(": ", 1)[-1]
    return re.sub(r"\d[\d,]*", "N", text)[:70]


def main() -> None:
    docs = corpus()
    with tempfile.TemporaryDirectory(prefix="vimanual-bench-intake-") as tmp:
        root = small_workspace(Path(tmp) / "ws")
        started = time.perf_counter()
        outcomes = submit_all(root, docs, Path(tmp) / "sources")
        total = time.perf_counter() - started
        built = [o for o in outcomes if o.built]
        refused = collections.Counter(reason(o) for o in outcomes if not o.built)
        kept = sum(o.images_kept for o in built)
        total_images = sum(o.images_total for o in built)
        seconds = sorted(o.seconds for o in outcomes)
    print(f"documents: {len(outcomes)}  built: {len(built)}  refused: {len(outcomes) - len(built)}")
    for text, count in refused.most_common():
        print(f"  refused {count:2d} × {text}")
    lost = [o for o in built if o.words_lost]
    print(f"words lost: {sum(o.words_lost for o in built)} of {sum(o.words_source for o in built)} "
          f"in {len(lost)} document(s): " + ", ".join(f"{o.doc.name} {o.lost}" for o in lost))
    print(f"warnings: {sum(len(o.warnings) for o in built)} in "
          f"{sum(1 for o in built if o.warnings)} document(s)")
    print(f"images kept: {kept}/{total_images} in the documents taken (each one left out is named in a "
          "warning at submit)")
    print(f"seconds per document (submit + accept): median {seconds[len(seconds) // 2]:.2f}, "
          f"max {seconds[-1]:.2f}; whole corpus with measuring {total:.1f} s")


if __name__ == "__main__":
    main()
