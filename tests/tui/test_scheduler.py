"""``scheduler.Scheduler`` alone: what to recompute when, with time moved by hand (no App)."""

from __future__ import annotations

from coordinator_tui.tui.scheduler import GAP, MAX_HOLD_S, Scheduler, Start, Wait


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scheduler() -> tuple[Scheduler, Monotonic]:
    clock = Monotonic()
    return Scheduler(clock), clock


def test_one_analysis_at_a_time_and_the_newest_snapshot_next() -> None:
    plan, _ = scheduler()
    plan.snapshot_arrived()
    assert plan.request() == Start(1)
    plan.snapshot_arrived()
    plan.snapshot_arrived()
    assert plan.request() is None  # busy: remembered, not queued twice
    assert plan.request() is None
    assert not plan.up_to_date
    assert plan.finished(None) is True  # ask again: generation 3 is waiting
    assert plan.request() == Start(3)


def test_the_next_analysis_waits_gap_times_the_last_cost() -> None:
    plan, clock = scheduler()
    plan.snapshot_arrived()
    assert plan.request() == Start(1)
    assert plan.finished(0.5) is False
    plan.applied_result(1, None)
    assert plan.up_to_date and plan.cost == 0.5
    plan.snapshot_arrived()
    clock.now += 0.25
    assert plan.request() == Wait(GAP * 0.5 - 0.25)
    assert plan.request() is None  # the timer is already set
    clock.now += 1.0
    assert plan.pending_due() is True
    assert plan.pending_due() is False  # consumed
    assert plan.request() == Start(2)


def test_a_timer_firing_while_busy_does_nothing() -> None:
    plan, _ = scheduler()
    plan.snapshot_arrived()
    assert plan.request() == Start(1)
    plan.request()
    assert plan.pending_due() is False
    assert plan.finished(0.0) is True


def test_up_to_date_only_when_the_newest_generation_is_applied() -> None:
    plan, _ = scheduler()
    plan.snapshot_arrived()
    assert isinstance(plan.request(), Start)
    plan.snapshot_arrived()  # arrives during the analysis of 1
    plan.finished(0.0)
    plan.applied_result(1, None)
    assert not plan.up_to_date
    assert plan.request() == Start(2)
    plan.finished(0.0)
    plan.applied_result(2, None)
    assert plan.up_to_date


def test_a_hold_delays_runs_while_keys_come_but_never_past_the_cap() -> None:
    plan, clock = scheduler()
    plan.snapshot_arrived()
    plan.hold(2.0)
    assert plan.request() == Wait(2.0)  # a key just now: the run waits for the next one
    clock.now += 1.5
    plan.hold(2.0)  # another key: the wait moves on
    assert plan.pending_due() is True
    assert plan.request() == Wait(2.0)
    clock.now += 2.0
    assert plan.pending_due() is True
    assert plan.request() == Start(1)  # the keys stopped
    plan.finished(0.0)
    plan.snapshot_arrived()
    for _ in range(int(MAX_HOLD_S) + 5):  # someone types without a pause
        plan.hold(2.0)
        decision = plan.request()
        if decision == Start(2):
            break
        plan.pending_due()
        clock.now += 1.0
    assert decision == Start(2)
    assert clock.now - 1000.0 <= 3.5 + MAX_HOLD_S + 1.0  # held at most the cap
