"""The engine of a plant that runs on: the planning date moves, capacity and receipts change,
orders are placed as early as possible or on their quote's date (DESIGN.md's worked example)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from capacity.engine import Engine
from capacity.model import HoursUse, NotPromisable, Receipt
from tests.unit.test_engine_worked_example import AS_OF, worked_factory


def _hours(placement, work_center: str) -> dict[date, float]:
    return {u.on: u.hours for u in placement.hours if u.work_center == work_center}


def test_forward_placement_is_what_readiness_computed_for_40_brackets() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF)
    placement = engine.place_forward("BRKT", 40)
    assert placement.on == date(2026, 12, 8) == engine.readiness("BRKT", 40)
    assert not placement.just_in_time
    assert _hours(placement, "CNC") == {
        date(2026, 12, 3): 8.0,
        date(2026, 12, 4): 8.0,
        date(2026, 12, 7): 3.5,
    }
    assert sum(_hours(placement, "PAINT").values()) == pytest.approx(8.75)
    assert min(_hours(placement, "PAINT")) == date(2026, 12, 7)


def test_a_hold_on_the_quotes_date_is_the_hold_of_40_on_8_december() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF)
    placement = engine.place_earliest("BRKT", 40, date(2026, 11, 25))
    assert placement == engine.place("BRKT", 40, date(2026, 12, 8))
    assert placement.on == date(2026, 12, 8)
    assert _hours(placement, "PAINT") == {date(2026, 12, 7): 0.75, date(2026, 12, 8): 8.0}


def test_a_hold_on_the_quotes_date_keeps_the_requested_date_when_it_fits() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF)
    assert engine.place_earliest("BRKT", 25, date(2026, 11, 25)).on == date(2026, 11, 25)


def test_nothing_is_placed_beyond_the_horizon() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF, horizon_days=10)
    with pytest.raises(NotPromisable):
        engine.place_forward("BRKT", 40)
    with pytest.raises(NotPromisable):
        engine.place_earliest("BRKT", 40, AS_OF)


def test_moving_the_planning_date_leaves_the_plan_a_fresh_engine_would_have() -> None:
    moved = Engine(worked_factory(), as_of=AS_OF)
    hold = moved.place("BRKT", 40, date(2026, 12, 8))
    moved.apply(hold)
    moved.advance(3)
    fresh = Engine(worked_factory(), as_of=AS_OF + timedelta(3))
    fresh.apply(hold)
    assert moved.as_of == fresh.as_of and moved.horizon_end == fresh.horizon_end
    for i in range(fresh.horizon_days):
        on = fresh.day(i)
        for code in ("CNC", "PAINT"):
            assert moved.free_hours(code, on) == fresh.free_hours(code, on), (code, on)
        for sku in ("BRKT", "SHEET"):
            assert moved.pab(sku, on) == pytest.approx(fresh.pab(sku, on)), (sku, on)
    assert moved.quote("BRKT", 10, date(2026, 12, 9)) == fresh.quote("BRKT", 10, date(2026, 12, 9))


def test_what_was_taken_before_the_planning_date_is_spent() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF)
    engine.apply(engine.place("BRKT", 25, date(2026, 11, 25)))  # 20 SHEET on 24 Nov, 5 BRKT
    engine.advance(3)
    assert engine.as_of == date(2026, 11, 26)
    assert engine.pab("SHEET", engine.as_of) == 0.0
    assert engine.pab("BRKT", engine.as_of) == 0.0
    assert engine.free_hours("CNC", engine.as_of) == 8.0
    # The horizon's new last days work as any other: a Mon-Fri day has its 8 hours.
    last_weekday = next(
        engine.horizon_end - timedelta(n)
        for n in range(7)
        if (engine.horizon_end - timedelta(n)).weekday() < 5
    )
    assert engine.capacity("CNC", last_weekday) == 8.0


def test_receipts_enter_the_plan_when_the_horizon_reaches_them() -> None:
    late_receipt = Receipt("SHEET", AS_OF + timedelta(40), 30.0)
    factory = dataclasses.replace(worked_factory(), receipts=(late_receipt,))
    engine = Engine(factory, as_of=AS_OF, horizon_days=30)
    assert engine.pab("SHEET", engine.horizon_end) == 20.0
    engine.advance(15)
    assert engine.pab("SHEET", late_receipt.on) == 50.0
    assert engine.pab("SHEET", late_receipt.on - timedelta(1)) == 20.0


def test_a_breakdown_overbooks_the_days_it_takes_away() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF)
    hold = engine.place("BRKT", 40, date(2026, 12, 8))
    engine.apply(hold)
    engine.set_capacity("CNC", date(2026, 12, 4), 0.0)
    assert engine.capacity("CNC", date(2026, 12, 4)) == 0.0
    assert engine.reserved("CNC", date(2026, 12, 4)) == 8.0
    assert HoursUse("CNC", date(2026, 12, 4), 8.0) in hold.hours


def test_a_receipt_moved_later_makes_the_quote_later() -> None:
    factory = dataclasses.replace(
        worked_factory(), receipts=(Receipt("SHEET", date(2026, 11, 30), 20.0),)
    )
    engine = Engine(factory, as_of=AS_OF)
    on_time = engine.quote("BRKT", 40, date(2026, 11, 25)).earliest
    engine.add_supply("SHEET", date(2026, 11, 30), -20.0)
    engine.add_supply("SHEET", date(2026, 12, 7), 20.0)
    late = engine.quote("BRKT", 40, date(2026, 11, 25)).earliest
    assert on_time is not None and late is not None and late > on_time
