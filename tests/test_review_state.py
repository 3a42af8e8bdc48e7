"""Pure review-state derivation and the event file format, without a workspace."""

from __future__ import annotations

import hashlib
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vimanual.review.events import (
    APPROVE,
    APPROVED,
    CHANGES_REQUESTED,
    COMMENT,
    NOT_APPLICABLE,
    PENDING,
    REQUEST_CHANGES,
    STALE,
    ReviewEvent,
    _parse_fast,
    _parse_valid,
    dump_event,
    parse_event,
)
from vimanual.review.state import ChapterInfo, derive_cell, derive_states, reviewer_queue

CURRENT = hashlib.sha256(b"current text").hexdigest()
OLD = hashlib.sha256(b"old text").hexdigest()


def event(decision: str, text: str = CURRENT, second: int = 0, code: str = "UK", chapter: str = "alpha",
          comment: str = "") -> ReviewEvent:
    return ReviewEvent(
        chapter=chapter, jurisdiction=code, decision=decision, reviewer="Ruth Reviewer",
        time=f"2025-01-01T12:00:{second:02d}.000000Z", content_hash=text,
        comment=comment or ("why" if decision == REQUEST_CHANGES else ""),
    ).sealed()


# Each case: events in time order as (decision, text), then the expected state.
TRANSITIONS = [
    ([], PENDING),
    ([(COMMENT, CURRENT)], PENDING),
    ([(APPROVE, CURRENT)], APPROVED),
    ([(APPROVE, OLD)], STALE),
    ([(REQUEST_CHANGES, CURRENT)], CHANGES_REQUESTED),
    ([(REQUEST_CHANGES, OLD)], CHANGES_REQUESTED),
    ([(APPROVE, CURRENT), (REQUEST_CHANGES, CURRENT)], CHANGES_REQUESTED),
    ([(REQUEST_CHANGES, OLD), (APPROVE, CURRENT)], APPROVED),
    ([(REQUEST_CHANGES, CURRENT), (APPROVE, OLD)], STALE),
    ([(APPROVE, OLD), (APPROVE, CURRENT)], APPROVED),
    ([(APPROVE, CURRENT), (APPROVE, OLD)], STALE),
    ([(APPROVE, OLD), (REQUEST_CHANGES, CURRENT)], CHANGES_REQUESTED),
    ([(APPROVE, CURRENT), (COMMENT, CURRENT)], APPROVED),
    ([(APPROVE, OLD), (COMMENT, CURRENT)], STALE),
    ([(REQUEST_CHANGES, CURRENT), (COMMENT, CURRENT)], CHANGES_REQUESTED),
]


@pytest.mark.parametrize(("steps", "expected"), TRANSITIONS,
                         ids=[" then ".join(f"{d}@{'cur' if t == CURRENT else 'old'}" for d, t in s) or "none"
                              for s, _ in TRANSITIONS])
def test_state_transitions(steps: list[tuple[str, str]], expected: str) -> None:
    events = [event(decision, text, second) for second, (decision, text) in enumerate(steps)]
    assert derive_cell(True, CURRENT, events).state == expected


def test_a_jurisdiction_that_does_not_review_is_na_whatever_its_events() -> None:
    assert derive_cell(False, CURRENT, [event(APPROVE)]).state == NOT_APPLICABLE


def test_revised_since_marks_changes_requested_on_an_older_text() -> None:
    assert derive_cell(True, CURRENT, [event(REQUEST_CHANGES, OLD)]).revised_since
    assert not derive_cell(True, CURRENT, [event(REQUEST_CHANGES, CURRENT)]).revised_since


def test_equal_times_are_broken_by_digest_the_same_way_in_any_order() -> None:
    a, b = event(APPROVE, second=5), event(REQUEST_CHANGES, second=5)
    winner = max((a, b), key=lambda e: e.digest)
    assert derive_cell(True, CURRENT, [a, b]).decision == winner
    assert derive_cell(True, CURRENT, [b, a]).decision == winner


def _info(slug: str = "alpha", reviewed_by: tuple[str, ...] = ("UK", "AU")) -> ChapterInfo:
    return ChapterInfo(slug, slug.title(), CURRENT, reviewed_by)


@pytest.mark.parametrize(("events", "reviewed_by", "ready", "blocking"), [
    ([event(APPROVE, code="UK"), event(APPROVE, code="AU")], ("UK", "AU"), True, ()),
    ([event(APPROVE, code="UK"), event(APPROVE, OLD, code="AU")], ("UK", "AU"), False, ("AU",)),
    ([event(APPROVE, code="UK")], ("UK", "AU"), False, ("AU",)),
    ([event(APPROVE, code="UK")], ("UK",), True, ()),
    ([event(APPROVE, code="UK"), event(REQUEST_CHANGES, code="AU")], ("UK", "AU"), False, ("AU",)),
    ([], (), False, ()),  # nobody reviews it: never ready by default
])
def test_readiness(events: list[ReviewEvent], reviewed_by: tuple[str, ...], ready: bool,
                   blocking: tuple[str, ...]) -> None:
    [review] = derive_states([_info(reviewed_by=reviewed_by)], ("UK", "AU"), events)
    assert review.ready is ready
    assert review.blocking == blocking


def test_events_of_unknown_chapters_or_jurisdictions_are_ignored() -> None:
    strays = [event(APPROVE, chapter="ghost"), event(APPROVE, code="US")]
    [review] = derive_states([_info()], ("UK", "AU"), strays)
    assert review.states() == {"UK": PENDING, "AU": PENDING}


def test_reviewer_queue_puts_stale_first_then_revised_then_pending() -> None:
    infos = [_info("one"), _info("two"), _info("three"), _info("four"), _info("five")]
    events = [
        event(APPROVE, chapter="one"),                  # approved: not in the queue
        event(APPROVE, OLD, chapter="three"),           # stale
        event(REQUEST_CHANGES, OLD, chapter="four"),    # revised since changes were asked
        event(REQUEST_CHANGES, CURRENT, chapter="five"),  # waiting for the author: not in the queue
    ]
    queue = reviewer_queue(derive_states(infos, ("UK", "AU"), events), "UK")
    assert [(q.slug, q.state) for q in queue] == [
        ("three", STALE), ("four", CHANGES_REQUESTED), ("two", PENDING)]


# --- the property: state depends only on the set of events -------------------------------------

event_strategy = st.builds(
    event,
    decision=st.sampled_from([APPROVE, REQUEST_CHANGES, COMMENT]),
    text=st.sampled_from([CURRENT, OLD]),
    second=st.integers(0, 5),  # few times, so that ties happen
    code=st.sampled_from(["UK", "AU", "US"]),
    chapter=st.sampled_from(["alpha", "beta"]),
)


@pytest.mark.slow
@settings(max_examples=200)
@given(events=st.lists(event_strategy, max_size=12), data=st.data())
def test_derived_state_depends_only_on_the_set_of_events(
    events: list[ReviewEvent], data: st.DataObject
) -> None:
    infos = [_info("alpha", ("UK", "AU")), _info("beta", ("UK", "US"))]
    codes = ("UK", "AU", "US")
    reordered = data.draw(st.permutations(events))
    extra = st.lists(st.sampled_from(events), max_size=4) if events else st.just([])
    duplicated = reordered + data.draw(extra)
    expected = derive_states(infos, codes, events)
    assert derive_states(infos, codes, reordered) == expected
    assert derive_states(infos, codes, duplicated) == expected


# --- the file format ---------------------------------------------------------------------------

def test_event_file_is_plain_yaml_and_round_trips() -> None:
    original = event(REQUEST_CHANGES, comment="Line one: \"quoted\"\nLine two # not a comment\tend")
    text = dump_event(original)
    data = yaml.safe_load(text)
    assert data["comment"] == original.comment
    assert data["digest"] == original.digest == original.compute_digest()
    parsed, problems = parse_event(text, "reviews/alpha/x.yaml")
    assert problems == []
    assert parsed == original


@pytest.mark.slow
@settings(max_examples=300)
@given(comment=st.text(), reviewer=st.text(min_size=1))
def test_fast_parser_reads_exactly_what_strict_yaml_reads(comment: str, reviewer: str) -> None:
    text = dump_event(ReviewEvent("alpha", "UK", COMMENT, reviewer, "2025-01-01T12:00:00.000000Z", CURRENT,
                                  comment, digest="0" * 64))
    fast = _parse_fast(text)
    assert fast is not None
    assert fast == yaml.safe_load(text)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('"Ruth Reviewer"', '"Mallory"'), "digest does not match"),
    (lambda t: re.sub(r'digest: "[0-9a-f]+"', 'digest: "' + "f" * 64 + '"', t), "digest does not match"),
    (lambda t: t.replace("format: 1", "format: 2"), "unsupported event format"),
    (lambda t: t + "extra: 1\n", "unknown key 'extra'"),
    (lambda t: "base: &a x\n" + t, "anchors"),
    (lambda t: t.replace('decision: "request-changes"', "decision: !!python/name:os.system ''"), "tag"),
])
def test_parse_event_refuses_tampering_and_unsafe_yaml(edit: object, message: str) -> None:
    text = edit(dump_event(event(REQUEST_CHANGES)))  # type: ignore[operator]
    parsed, problems = parse_event(text, "reviews/alpha/x.yaml")
    assert parsed is None
    assert any(message in p.message for p in problems), problems


@settings(max_examples=200)
@given(comment=st.text(), reviewer=st.text(min_size=1))
def test_canonical_form_is_sorted_compact_json(comment: str, reviewer: str) -> None:
    import json

    e = ReviewEvent("alpha", "UK", COMMENT, reviewer, "2025-01-01T12:00:00.000000Z", CURRENT, comment)
    assert e.canonical() == json.dumps(e.fields(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("edit", [
    lambda t: "\n".join(reversed(t.splitlines())) + "\n",    # other key order: line-based path
    lambda t: t.replace("format: 1\n", "format: 1\n# a note\n\n"),  # comment and blank line inside
    lambda t: t.replace("\n", "\r\n"),                        # CRLF: strict YAML path
    lambda t: t.replace('"UK"', "UK"),                        # plain scalar: strict YAML path
])
def test_every_layout_that_yaml_reads_the_same_parses_the_same(edit: object) -> None:
    original = event(REQUEST_CHANGES, comment="Two\nlines")
    parsed, problems = parse_event(edit(dump_event(original)), "x.yaml")  # type: ignore[operator]
    assert problems == []
    assert parsed == original


@pytest.mark.parametrize("comment_line", ["# note\rdigest: x", "# note\x85more", "# note\u2028more"])
def test_comment_lines_with_raw_line_breaks_leave_the_fast_path(comment_line: str) -> None:
    # YAML would read the text after the break as content, so the fast path must not skip it
    text = comment_line + "\n" + dump_event(event(APPROVE))
    assert _parse_fast(text) is None


@settings(max_examples=200)
@given(comment=st.text(), reviewer=st.text(min_size=1), decision=st.sampled_from([APPROVE, COMMENT]))
def test_the_hot_path_reads_what_the_general_path_reads(comment: str, reviewer: str, decision: str) -> None:
    original = ReviewEvent("alpha", "UK", decision, reviewer, "2025-01-01T12:00:00.000000Z", CURRENT,
                           comment).sealed()
    text = dump_event(original)
    assert _parse_valid(text) == original
    general = _parse_fast(text)
    assert general is not None and ReviewEvent(**general) == original
