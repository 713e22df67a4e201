"""Property tests (hypothesis) of everything that parses or cleans untrusted text.

The lenient reader, the record builders, the store, the timestamp parser, the
priorities parser and the sanitiser must never raise, must always give a
record or an error, and the sanitiser's output must never hold a control
sequence. The default profile (``ci``) is modest so the suite stays fast; run
``COORDINATOR_FUZZ=deep pytest tests/test_fuzz.py`` for a long search.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordinator_tui.analysis import analyse
from coordinator_tui.files import reader
from coordinator_tui.files.builders import (
    build_claim,
    build_heartbeat,
    build_message,
    build_milestone,
    build_session,
    parse_priorities,
)
from coordinator_tui.files.records import RecordError
from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.render.sanitize import clip, display, one_line, strip_control
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store

settings.register_profile(
    "ci",
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile(os.environ.get("COORDINATOR_FUZZ", "ci"))

# Anything a terminal acts on: C0 but tab and newline, DEL, C1 (ESC is in C0).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
NOW = datetime(2025, 11, 15, 20, 0, 0, tzinfo=timezone.utc)

# --- strategies ---------------------------------------------------------------------------

_NASTY = [
    "\x1b",
    "\x1b[",
    "\x1b]",
    "\x1bP",
    "\x1b\\",
    "\x9b",
    "\x9c",
    "\x9d",
    "\x90",
    "\x07",
    "\x00",
    "\x7f",
    "\x85",
    "\r",
    "\n",
    "\t",
    "\u2028",
    "[",
    "]",
    "/",
    "\\",
    '"',
    "{",
    "}",
    ":",
    ",",
    ";",
    "2J",
    "52;c;",
    "m",
    "[@click=app.quit]",
    "[/",
    "[link=x]",
    "\\!",
    "\\$",
    "\\u00",
    "\ufeff",
    "\ud800",
]
nasty_text = st.lists(
    st.one_of(st.sampled_from(_NASTY), st.characters(), st.text(max_size=8)), max_size=60
).map("".join)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | nasty_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["session_id", "status", "x", "steps"]) | nasty_text,
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)

SESSION_FIELDS = [*reader.SESSION_KEYS, "specialization", "name", "role"]


@st.composite
def session_like(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(
        st.lists(st.sampled_from(SESSION_FIELDS), unique=True, max_size=len(SESSION_FIELDS))
    )
    return {key: draw(json_values) for key in keys}


@st.composite
def mangled_json(draw: st.DrawFn) -> str:
    """JSON as the scripts write it, then broken the ways they break it."""
    value = draw(st.one_of(session_like(), json_values))
    text = json.dumps(value, indent=draw(st.sampled_from([None, 2])), ensure_ascii=False)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["cut", "insert", "unescape", "raw_newline"]))
        if not text:
            break
        at = draw(st.integers(0, len(text)))
        if action == "cut":
            text = text[:at]
        elif action == "insert":
            text = text[:at] + draw(nasty_text) + text[at:]
        elif action == "unescape":
            text = text.replace('\\"', '"').replace("\\n", "\n")
        else:
            text = text[:at] + "\n" + text[at:]
    return text


def deep_text(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    inner = '{"a": ' * depth + "1" + "}" * depth if opener == "{" else "[" * depth + "]" * depth
    return '{\n  "session_id": "s",\n  "current_work": ' + inner + ("\n}" if closer else "")


any_text = st.one_of(nasty_text, mangled_json(), st.text())


# --- the sanitiser ------------------------------------------------------------------------


@FUZZ
@given(nasty_text)
def test_strip_control_leaves_no_control_and_is_idempotent(text: str) -> None:
    clean = strip_control(text)
    assert not CONTROL.search(clean)
    assert strip_control(clean) == clean
    clean.encode("utf-8")  # no lone surrogate: printable on a strict UTF-8 stream


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_strip_control_keeps_text_without_controls(text: str) -> None:
    assert strip_control(text) == text


@FUZZ
@given(nasty_text, st.one_of(st.none(), st.integers(-5, 80)))
def test_display_is_one_safe_line_within_width(text: str, width: int | None) -> None:
    shown = display(text, width)
    assert not CONTROL.search(shown)
    assert "\n" not in shown and "\t" not in shown
    if width is not None:
        assert len(shown) <= max(width, 0)
    assert display(shown, width) == shown
    assert one_line(one_line(text)) == one_line(text)


@FUZZ
@given(st.text(), st.integers(1, 100))
def test_clip_marks_a_cut(text: str, width: int) -> None:
    clipped = clip(text, width)
    assert clipped == text if len(text) <= width else clipped.endswith("…")


# --- the lenient reader -------------------------------------------------------------------


def _check_parse(text: str, keys: tuple[str, ...] | None) -> None:
    value, recovered, error = reader.parse_json_text(text, keys)
    if error is not None:
        assert isinstance(error, str) and error
        assert value is None and not recovered


@FUZZ
@given(any_text, st.sampled_from([None, reader.SESSION_KEYS, reader.MESSAGE_KEYS]))
def test_parse_json_text_never_raises(text: str, keys: tuple[str, ...] | None) -> None:
    _check_parse(text, keys)


@FUZZ
@given(st.integers(1, 200_000), st.sampled_from(["[", "{"]))
def test_deep_nesting_is_an_error_not_a_crash(depth: int, opener: str) -> None:
    _check_parse(deep_text(depth, opener), reader.SESSION_KEYS)
    _check_parse("[" * depth, None)


@FUZZ
@given(st.binary(max_size=400) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_read_json_file_gives_data_or_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "session-f.json"
        path.write_bytes(data)
        result = reader.read_json_file(path, 4096, reader.SESSION_KEYS)
    assert (result.error is None) or (result.data is None and not result.recovered)
    # Whatever was read can be written out again as UTF-8 (no lone surrogates).
    json.dumps(result.data, ensure_ascii=False).encode("utf-8")
    assert result.size == len(data) or result.error is not None


BUILDERS = {
    "session": lambda value: build_session(value, "sessions/session-f.json", "session-f", False, 0),
    "milestone": lambda value: build_milestone(value, "sessions/MILESTONES/m.json", "m", False, 0),
    "message": lambda value: build_message(
        value, "messages/broadcast/m.json", "m", False, 0, "broadcast", None
    ),
    "claim": lambda value: build_claim(value, "claims/c.claim", "c", False, 0),
    "heartbeat": lambda value: build_heartbeat(value, "heartbeats/h.json", "h", False, 0),
}


@FUZZ
@given(st.sampled_from(sorted(BUILDERS)), st.one_of(session_like(), json_values))
def test_builders_give_a_record_or_a_record_error(kind: str, value: Any) -> None:
    try:
        record, problems = BUILDERS[kind](value)
    except RecordError as error:
        assert not isinstance(value, dict)
        assert str(error)
        return
    assert record is not None
    assert all(isinstance(problem, str) and problem for problem in problems)


@FUZZ
@given(
    st.lists(
        st.binary(max_size=300) | mangled_json().map(lambda t: t.encode("utf-8", "surrogatepass")),
        min_size=1,
        max_size=4,
    )
)
def test_store_gives_every_session_file_a_record_or_an_error(contents: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sessions").mkdir()
        paths = []
        for index, data in enumerate(contents):
            relative = f"sessions/session-{index}.json"
            (root / relative).write_bytes(data)
            os.utime(root / relative, (0, 0))  # old: no grace period hides a failure
            paths.append(relative)
        store = Store(root, Settings())
        store.scan()
        analysis = analyse(store.snapshot(), NOW, store.settings)
    shown = {view.key for view in analysis.sessions}
    failed = {error.path for error in analysis.errors if error.severity == "error"}
    for relative in paths:
        assert (relative in shown) != (relative in failed)


# --- timestamps ---------------------------------------------------------------------------

timestamp_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    nasty_text,
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.from_regex(
        r"\A\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?( ?(Z|UTC|[+-]\d\d:\d\d))?\Z"
    ),
    st.lists(st.integers(), max_size=2),
)


@FUZZ
@given(timestamp_values)
def test_parse_timestamp_is_utc_or_unknown(value: object) -> None:
    parsed = parse_timestamp(value)
    assert parsed is None or (parsed.utcoffset() is not None and not parsed.utcoffset())


@FUZZ
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 1, 1)))
def test_parse_timestamp_round_trips_iso_z(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=timezone.utc)
    assert parse_timestamp(moment.strftime("%Y-%m-%dT%H:%M:%SZ")) == moment
    assert parse_timestamp(moment.strftime("%Y-%m-%d %H:%M:%S UTC")) == moment


# --- priorities ---------------------------------------------------------------------------

priority_line = st.one_of(
    nasty_text,
    st.builds(
        lambda score, name, description: f"{score}:{name}:{description}",
        st.one_of(st.integers(-1000, 1000), st.floats(), nasty_text),
        nasty_text,
        nasty_text,
    ),
    st.just("# comment"),
    st.just(""),
)


@FUZZ
@given(st.lists(priority_line, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_priorities_every_line_is_an_item_a_problem_or_skipped(
    lines: list[str], newline: str
) -> None:
    text = newline.join(lines)
    items, problems = parse_priorities(text)
    meaningful = [
        line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    assert len(items) + len(problems) == len(meaningful)
    assert [item.score for item in items] == sorted((item.score for item in items), reverse=True)
    for item in items:
        assert item.name and ":" not in item.name


# --- claims against sessions: the indexed search equals the plain one -------------------------

_WORDS = ("alpha", "beta", "gamma", "delta")
small_work = st.lists(st.sampled_from(_WORDS), min_size=0, max_size=3).map("-".join)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 5), small_work), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 5), small_work, st.booleans()), max_size=6),
)
def test_conflicts_and_claim_holders_match_a_brute_force_search(
    sessions: list[tuple[int, str]], claims: list[tuple[int, str, bool]]
) -> None:
    # Core change: claims are looked up through a word index and a health-by-id map
    # instead of scanning every session for every claim; the results must not change.
    from coordinator_tui.files.worktext import names_match, work_words

    beat = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sessions").mkdir()
        (root / "claims").mkdir()
        for index, (owner, work) in enumerate(sessions):
            document = {"session_id": f"s{owner}", "current_work": work, "last_heartbeat": beat}
            (root / "sessions" / f"session-{index}.json").write_text(json.dumps(document))
        for index, (holder, name, expired) in enumerate(claims):
            document = {
                "claimed_by": f"s{holder}",
                "resource_name": name,
                "expires_at": "2000-01-01T00:00:00Z" if expired else "2999-01-01T00:00:00Z",
            }
            (root / "claims" / f"c{index}.claim").write_text(json.dumps(document))
        store = Store(root, Settings())
        store.scan()
        analysis = analyse(store.snapshot(), NOW, store.settings)
    views = sorted(analysis.sessions, key=lambda view: view.key)
    expected = set()
    for view in views:
        words = work_words(view.session.current_work)
        if not (view.health.live and not view.placeholder and words):
            continue
        for claim_view in analysis.claims:
            claim = claim_view.claim
            claim_words = work_words(claim.resource_name) or work_words(claim.name)
            if (
                claim_view.active
                and claim.claimed_by != view.id
                and names_match(claim_words, words)
            ):
                expected.add((view.id, view.session.current_work or "", claim.name))
    assert {(c.session, c.work, c.claim) for c in analysis.conflicts} == expected
    first_health = {}  # two files with one id: the one with the smallest key (path) speaks
    for view in sorted(analysis.sessions, key=lambda view: view.key):
        first_health.setdefault(view.id, view.health)
    for claim_view in analysis.claims:
        assert claim_view.holder_health == first_health.get(claim_view.claim.claimed_by or "")


@given(
    st.lists(
        st.frozensets(st.sampled_from("ab cd ef gh ij kl mn op qr st".split()), max_size=6),
        max_size=25,
    ),
    st.sampled_from([0.3, 0.5, 0.6, 2 / 3, 0.75, 0.9, 1.0]),
)
def test_similarity_join_equals_brute_force(
    word_sets: list[frozenset[str]], threshold: float
) -> None:
    from coordinator_tui.files.worktext import similar_pairs

    def dice(first: frozenset[str], second: frozenset[str]) -> float:
        if not first or not second:
            return 0.0
        return 2 * len(first & second) / (len(first) + len(second))

    expected = {
        (i, j)
        for i in range(len(word_sets))
        for j in range(i + 1, len(word_sets))
        if dice(word_sets[i], word_sets[j]) >= threshold - 1e-9
    }
    pairs = similar_pairs(word_sets, threshold)
    assert all(score == dice(word_sets[i], word_sets[j]) for i, j, score in pairs)
    assert {(i, j) for i, j, _ in pairs} == expected
