"""Conflict resolution: who keeps duplicate or overlapping work, and what the other gets."""

from __future__ import annotations

from pathlib import Path

from coordinator_tui.analysis.acting.resolve import message_for, resolve, to_send
from tests.acting import NOW, ago, analysed, claim, heartbeat_event, milestone, priorities
from tests.collective import session


def _duplicate(root: Path) -> None:
    """Two live sessions on one work; the later starter holds the claim."""
    session(
        root,
        "session-a",
        "feature-x build",
        ago(minutes=1),
        started=ago(hours=1),
        capabilities=["research"],
    )
    session(
        root,
        "session-b",
        "Feature X build",
        ago(minutes=2),
        started=ago(hours=3),
        capabilities=["general-purpose", "deploy"],
    )
    priorities(
        root,
        "90:docs_site:Write the docs site",
        "80:deploy_pipeline:Deploy pipeline to production",
        "70:cleanup:Clean up old branches",
    )


def test_the_claim_holder_keeps_the_work_and_the_other_gets_a_fitting_priority(
    tmp_path: Path,
) -> None:
    _duplicate(tmp_path)
    claim(tmp_path, "feature-x", "session-a", ago(minutes=20))
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.kind, resolution.keeper, resolution.yielder) == (
        "duplicate",
        "session-a",
        "session-b",
    )
    assert resolution.rule == "claim"
    assert resolution.reason == "holds the live claim task-feature-x"
    assert resolution.suggestion is not None
    # Not the top score (docs_site): the one matching its "deploy" capability.
    assert resolution.suggestion.priority == "deploy_pipeline"
    assert resolution.suggestion.reason == "matches deploy"


def test_an_expired_claim_does_not_keep_the_work(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    claim(tmp_path, "feature-x", "session-a", ago(hours=5), hours=1)
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.rule) == ("session-b", "started-first")


def test_without_a_claim_the_first_starter_keeps_it(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.yielder) == ("session-b", "session-a")
    assert resolution.reason == "started it first (started_at 2025-11-15T17:00:00Z)"
    # session-a has no matching capability: the highest-scoring free priority.
    assert resolution.suggestion is not None
    assert resolution.suggestion.priority == "docs_site"


def test_heartbeat_history_says_who_started_the_work_first(tmp_path: Path) -> None:
    _duplicate(tmp_path)  # session-b started the session first ...
    heartbeat_event(tmp_path, "session-b", ago(minutes=20), target="feature x build")
    heartbeat_event(tmp_path, "session-b", ago(minutes=90), target="something else")
    heartbeat_event(tmp_path, "session-a", ago(minutes=50), target="feature-x-build")
    # ... but session-a named this work in a heartbeat 30 minutes before session-b did.
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.rule) == ("session-a", "started-first")
    assert "heartbeat 2025-11-15T19:10:00Z" in resolution.reason


def test_same_start_the_one_further_along_keeps_it(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "api rewrite", ago(minutes=1), started=ago(hours=2), count=4)
    session(tmp_path, "session-b", "API rewrite", ago(minutes=1), started=ago(hours=2), count=40)
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.rule) == ("session-b", "further-along")
    assert resolution.reason == "is further along (40 heartbeats)"
    assert resolution.suggestion is None  # no priorities file: nothing to offer


def test_owned_milestone_progress_counts_before_heartbeats(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "api rewrite", ago(minutes=1), started=ago(hours=2), count=4)
    session(tmp_path, "session-b", "api rewrite", ago(minutes=1), started=ago(hours=2), count=40)
    milestone(tmp_path, "api-rewrite", owner="session-a", status="in_progress", progress=55)
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.reason) == (
        "session-a",
        "is further along (milestone at 55 %)",
    )


def test_a_true_tie_is_broken_by_id(tmp_path: Path) -> None:
    for name in ("session-b", "session-a"):
        session(tmp_path, name, "api rewrite", ago(minutes=1), started=ago(hours=2), count=4)
    (resolution,) = resolve(analysed(tmp_path))
    assert (resolution.keeper, resolution.yielder, resolution.rule) == (
        "session-a",
        "session-b",
        "tie",
    )


def test_two_yielders_are_not_sent_to_the_same_priority(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    session(tmp_path, "session-c", "feature x build", ago(minutes=1), started=ago(hours=2))
    results = resolve(analysed(tmp_path))
    assert [(r.keeper, r.yielder) for r in results] == [
        ("session-b", "session-a"),
        ("session-b", "session-c"),
    ]
    # session-a fits nothing and gets the top one; session-c (deploy) the deploy work.
    assert [r.suggestion.priority for r in results if r.suggestion] == [
        "docs_site",
        "deploy_pipeline",
    ]


def test_priorities_suggested_to_idle_sessions_are_not_offered_again(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    session(tmp_path, "session-idle", "session initialization", ago(minutes=1), capabilities=[])
    (resolution,) = resolve(analysed(tmp_path))
    # The idle session is offered docs_site by the analysis; the yielder gets the next.
    assert resolution.suggestion is not None
    assert resolution.suggestion.priority == "deploy_pipeline"


def test_an_overlap_is_resolved_too(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "multi-session orchestration", ago(minutes=1))
    session(tmp_path, "session-b", "multi-session monitoring orchestration", ago(minutes=1))
    claim(tmp_path, "multi-session-orchestration", "session-b", ago(minutes=5))
    (resolution,) = resolve(analysed(tmp_path))
    assert resolution.kind == "overlap"
    assert (resolution.keeper, resolution.yielder) == ("session-b", "session-a")
    assert resolution.work == "multi-session monitoring orchestration"
    assert resolution.yielder_work == "multi-session orchestration"


def test_the_message_names_the_work_the_keeper_and_the_suggestion(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    claim(tmp_path, "feature-x", "session-a", ago(minutes=20))
    (resolution,) = resolve(analysed(tmp_path))
    subject, body = message_for(resolution)
    assert subject == "Duplicate work: Feature X build"
    assert "session-a keeps 'feature-x build' (holds the live claim task-feature-x)" in body
    assert "Suggested next: deploy_pipeline (score 80)" in body


def test_one_message_per_situation_never_repeated_while_it_lasts(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    first = resolve(analysed(tmp_path))
    send, remembered = to_send(first, frozenset())
    assert [r.yielder for r in send] == ["session-a"]
    again, remembered = to_send(resolve(analysed(tmp_path, NOW)), remembered)
    assert again == ()
    # The keeper changes (session-a takes a claim): a new situation, told once.
    claim(tmp_path, "feature-x", "session-a", ago(minutes=1))
    changed, remembered = to_send(resolve(analysed(tmp_path)), remembered)
    assert [(r.keeper, r.yielder) for r in changed] == [("session-a", "session-b")]
    # It ends, then comes back: told again.
    _, remembered = to_send((), remembered)
    back, _ = to_send(resolve(analysed(tmp_path)), remembered)
    assert len(back) == 1


def test_the_situation_key_ignores_the_suggestion(tmp_path: Path) -> None:
    _duplicate(tmp_path)
    before = resolve(analysed(tmp_path))
    priorities(tmp_path, "10:other:Something else entirely")
    after = resolve(analysed(tmp_path))
    assert before[0].suggestion != after[0].suggestion
    assert before[0].situation_key == after[0].situation_key


def test_a_group_of_three_has_one_keeper_and_two_yielders(tmp_path: Path) -> None:
    """Two sessions on one work and a third on a similar one, as the demo makes them:
    one keeper for the three (the claim holder), the two others yield to it, once
    each, and no yielder is told it keeps (pairwise decisions told session-b, a
    yielder, that it kept the work from session-c)."""
    session(tmp_path, "session-a", "credential vault build", ago(minutes=1), started=ago(hours=1))
    session(tmp_path, "session-b", "credential-vault-build", ago(minutes=1), started=ago(hours=3))
    session(tmp_path, "session-c", "credential vault fix", ago(minutes=1), started=ago(hours=2))
    claim(tmp_path, "credential-vault", "session-a", ago(minutes=20))
    analysis = analysed(tmp_path)
    assert len(analysis.duplicates) == 1 and len(analysis.overlaps) == 2
    results = resolve(analysis)
    assert [(r.kind, r.keeper, r.yielder, r.rule) for r in results] == [
        ("duplicate", "session-a", "session-b", "claim"),
        ("overlap", "session-a", "session-c", "claim"),
    ]
    assert results[1].work == "credential vault build"
    assert results[1].yielder_work == "credential vault fix"


def test_a_chain_of_overlaps_yields_only_to_a_keeper_of_similar_work(tmp_path: Path) -> None:
    """a ~ b ~ c with a and c unlike: b yields to a; c's only overlap was with b, who
    leaves that work, so c is told nothing (never that it overlaps a's work)."""
    session(tmp_path, "session-a", "ledger sync audit", ago(minutes=1), started=ago(hours=3))
    session(tmp_path, "session-b", "ledger sync audit report", ago(minutes=1), started=ago(hours=2))
    c_work = "sync audit report quarterly summary"
    session(tmp_path, "session-c", c_work, ago(minutes=1), started=ago(hours=1))
    analysis = analysed(tmp_path)
    pairs = {(o.first, o.second) for o in analysis.overlaps}
    assert pairs == {("session-a", "session-b"), ("session-b", "session-c")}
    results = resolve(analysis)
    assert [(r.keeper, r.yielder, r.rule) for r in results] == [
        ("session-a", "session-b", "started-first")
    ]
