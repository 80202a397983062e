"""`Engine.book` (how an import books its order book) is `place` then `apply`, in one.

On random factories and random sequences of holds and releases (tests/factories.py), one engine
books with `book` and a twin with `place` and `apply`: each hold gets the same answer (refused by
both, or placed on the same days with the same hours, stock and purchases within 1e-9), and after
every step both engines hold the same hours and stock and give the same readiness.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from capacity.engine import Engine
from capacity.model import Factory, Item, NotPromisable, Operation, Placement, WorkCenter
from tests.factories import Scenario, concrete, scenarios

TOLERANCE = 1e-9
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def parts(placement: Placement) -> tuple[object, ...]:
    """Everything but the amounts, which may differ in their last bits."""
    return (
        placement.sku,
        placement.qty,
        placement.on,
        placement.rush,
        placement.just_in_time,
        [u[:2] for u in placement.hours],
        [u[:2] for u in placement.stock],
        [u[:2] for u in placement.purchases],
    )


def amounts(placement: Placement) -> list[float]:
    return [u[2] for u in (*placement.hours, *placement.stock, *placement.purchases)]


def same_state(booked: Engine, applied: Engine) -> None:
    for mine, theirs in zip(booked._reserved, applied._reserved, strict=True):
        assert mine == pytest.approx(theirs, abs=TOLERANCE)
    assert booked._base == pytest.approx(applied._base, abs=TOLERANCE)


def play(scenario: Scenario) -> None:
    engines = [
        Engine(scenario.factory, as_of=scenario.as_of, horizon_days=scenario.horizon_days)
        for _ in range(2)
    ]
    booked, applied = engines
    held: list[tuple[Placement, Placement]] = []
    for asked in scenario.actions:
        # "The earliest day" and "the most by that day" as plain holds, the same for both.
        action = concrete(asked, applied)
        if action is None or action.kind == "quote":
            continue
        if action.kind == "release":
            if held:
                mine, theirs = held.pop(action.which % len(held))
                booked.release(mine)
                applied.release(theirs)
        else:
            outcomes: list[Placement | None] = []
            try:
                outcomes.append(booked.book(action.sku, action.qty, action.on, rush=action.rush))
            except NotPromisable:
                outcomes.append(None)
            try:
                placement = applied.place(action.sku, action.qty, action.on, rush=action.rush)
                applied.apply(placement)
                outcomes.append(placement)
            except NotPromisable:
                outcomes.append(None)
            mine, theirs = outcomes
            assert (mine is None) == (theirs is None), action
            if mine is not None and theirs is not None:
                assert parts(mine) == parts(theirs), action
                assert amounts(mine) == pytest.approx(amounts(theirs), abs=TOLERANCE)
                held.append((mine, theirs))
        same_state(booked, applied)
        for item in scenario.factory.items:
            for rush in (False, True):
                assert booked.readiness(item.sku, 3, rush=rush) == applied.readiness(
                    item.sku, 3, rush=rush
                )


@SETTINGS
@given(scenarios(max_actions=12))
def test_booking_is_placing_then_applying(scenario: Scenario) -> None:
    play(scenario)


@SETTINGS
@given(scenarios(max_actions=12, tight=True))
def test_booking_is_placing_then_applying_when_capacity_is_tight(scenario: Scenario) -> None:
    play(scenario)


def test_a_refused_booking_books_nothing_and_booking_waits_for_tentative_work() -> None:
    factory = Factory(
        work_centers=(WorkCenter("LATHE", "Lathe", workdays="Mon"),),
        items=(Item("PIN", "Pin", "make"),),
        routings=(Operation("PIN", 10, "LATHE", run_hours_per_unit=1.0),),
    )
    monday = date(2026, 11, 23)
    engine = Engine(factory, as_of=monday, horizon_days=7)
    engine.book("PIN", 6, monday)
    assert engine.reserved("LATHE", monday) == 6.0

    with pytest.raises(NotPromisable):
        engine.book("PIN", 4, monday)  # 2 h left on the only workday of the horizon

    assert engine.reserved("LATHE", monday) == 6.0
    assert engine.readiness("PIN", 2) == monday
    engine._journal.append((0, 0, 0, 0.0, None))  # tentative work under way
    with pytest.raises(RuntimeError, match="tentative"):
        engine.book("PIN", 1, monday)
