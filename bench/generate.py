"""Generate a large synthetic workspace for benchmarks: chapters × jurisdictions × review events.

Usage: python bench/generate.py DIR [--chapters 1000] [--jurisdictions 12] [--events 20000]

The text is filler ("Sample benchmark text"); event files are written exactly as
'vimanual review' writes them (same format, real digests), with a spread of decisions
and some approvals of an older text, so every state appears.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from vimanual.review.events import APPROVE, COMMENT, REQUEST_CHANGES, ReviewEvent, dump_event
from vimanual.workspace.load import content_hash  # noqa: E402

PARAGRAPH = ("Sample benchmark text. Analysts record each step in the case log so that another "
             "unit can follow the work. This paragraph only gives the chapter a realistic size.\n\n")


def codes(count: int) -> list[str]:
    return [f"J{index:02d}" for index in range(count)]


def generate(root: Path, chapters: int, jurisdictions: int, events: int, seed: int = 4) -> None:
    rng = random.Random(seed)
    all_codes = codes(jurisdictions)
    slugs = [f"chapter-{index:04d}" for index in range(chapters)]
    manual = {
        "title": "Benchmark Manual (sample)",
        "marking": "SAMPLE",
        "jurisdictions": [{"code": c, "name": f"Jurisdiction {c}", "required": True} for c in all_codes],
        "reviewers": {c: [f"Reviewer {c}"] for c in all_codes},
        "chapters": slugs,
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "manual.yaml").write_text(yaml.safe_dump(manual, sort_keys=False), encoding="utf-8")
    (root / "chapters").mkdir(exist_ok=True)
    hashes = {}
    for index, slug in enumerate(slugs):
        reviewed = "" if index % 10 else f"reviewed_by: [{', '.join(all_codes[: jurisdictions // 2])}]\n"
        text = (f"---\ntitle: \"Chapter {index}\"\nlead: {all_codes[index % jurisdictions]}\n"
                f"authors: [\"Sample Author {index}\"]\nsummary: \"Sample summary.\"\n{reviewed}---\n\n"
                + f"## Section {index}\n\n" + PARAGRAPH * 12)
        path = root / "chapters" / f"{slug}.md"
        path.write_text(text, encoding="utf-8")
        hashes[slug] = content_hash(path.read_bytes())
    old = hashlib.sha256(b"an older text").hexdigest()
    for number in range(events):
        slug = slugs[number % chapters]
        code = rng.choice(all_codes)
        decision = rng.choices((APPROVE, REQUEST_CHANGES, COMMENT), (6, 2, 2))[0]
        seconds = number * 7 + rng.randrange(7)
        time = f"2025-{1 + seconds // 2_600_000 % 12:02d}-{1 + seconds // 86_400 % 28:02d}T" \
               f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{number % 10**6:06d}Z"
        event = ReviewEvent(
            chapter=slug, jurisdiction=code, decision=decision, reviewer=f"Reviewer {code}", time=time,
            content_hash=old if rng.random() < 0.2 else hashes[slug],
            comment="" if decision == APPROVE else f"Sample comment {number}: check section {number % 9}.",
        ).sealed()
        folder = root / "reviews" / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / event.file_name).write_text(dump_event(event), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--chapters", type=int, default=1000)
    parser.add_argument("--jurisdictions", type=int, default=12)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    generate(args.directory, args.chapters, args.jurisdictions, args.events)
    print(f"generated {args.chapters} chapters × {args.jurisdictions} jurisdictions × "
          f"{args.events} events in {args.directory}")


if __name__ == "__main__":
    main()
