"""Time `vimanual check` on a generated workspace of N chapters (default 1,000).

Each chapter has sections, lists, a table, code, an image, links to its own
sections and to the next chapter's, an e-mail and an IP from the documentation
ranges: every rule has work to do. Every chapter links to a bare '#id', so each one's links
depend on every chapter's ids (the case check's cache does the most work for).

It times, in-process, a cold check (empty build/cache/check/), a warm one (nothing changed)
and one after a one-word edit of one chapter, and prints the findings, which must be the
same each time. Run: python bench/check.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from vimanual.check.run import check_workspace

SVG = (Path(__file__).resolve().parent.parent / "chapters" / "media" / "referral-flow.svg").read_bytes()

BODY = """\
> *Sample text — generated for the benchmark.*

## Overview {{#overview}}

Chapter {n} text with a [link to its metadata section](#metadata) and one to the
[next chapter's overview]({next}.md#overview). Contact poc@example.org; address 192.0.2.{ip}.

### Details

- first point, with `inline code`;
- second point about child sexual abuse material.

| Step | Record |
|------|--------|
| one  | two    |

```
code block TODO child pornography 10.0.0.1
```

## Metadata

![A generated diagram.](media/flow.svg)

{para}

## Closing words

See the [sample resources page](https://www.example.org/vimanual/{n}).
"""


def make_workspace(root: Path, count: int) -> None:
    slugs = [f"chapter-{i:04d}" for i in range(count)]
    (root / "chapters" / "media").mkdir(parents=True)
    (root / "chapters" / "media" / "flow.svg").write_bytes(SVG)
    manual = {
        "title": "Benchmark manual",
        "jurisdictions": [{"code": "UK", "name": "United Kingdom", "required": True}],
        "chapters": slugs,
    }
    (root / "manual.yaml").write_text(yaml.safe_dump(manual), encoding="utf-8")
    para = " ".join(["Sentence of invented sample words for the benchmark."] * 20)
    for i, slug in enumerate(slugs):
        body = BODY.format(n=i, next=slugs[(i + 1) % count], ip=i % 250 + 1, para=para)
        text = f"---\ntitle: Chapter {i}\nlead: UK\n---\n\n{body}"
        (root / "chapters" / f"{slug}.md").write_text(text, encoding="utf-8")


def _timed(root: Path) -> tuple[float, list[str]]:
    started = time.perf_counter()
    report = check_workspace(root)
    return time.perf_counter() - started, [f"{p} [{p.rule}]" for p in report.problems]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_workspace(root, count)
        cold, found = _timed(root)
        warm, again = _timed(root)
        chapter = root / "chapters" / f"chapter-{count // 2:04d}.md"
        text = chapter.read_text(encoding="utf-8")
        chapter.write_text(text.replace("Sentence", "Phrase", 1), encoding="utf-8")
        edited, after = _timed(root)
    print(f"{count} chapters, load average {os.getloadavg()[0]:.1f}: cold {cold:.2f} s, "
          f"warm (nothing changed) {warm:.2f} s, one chapter edited {edited:.2f} s")
    print(f"{len(found)} findings; the same in every run: {found == again == after}")
    for problem in found[:5]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
