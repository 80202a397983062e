"""DESIGN.md's worked example, number for number, on the fast engine."""

from __future__ import annotations

from datetime import date

import pytest

from capacity.engine import Engine
from capacity.model import (
    BomLine,
    Factory,
    HoursUse,
    Item,
    Lot,
    NotPromisable,
    Operation,
    Purchase,
    StockUse,
    WorkCenter,
)

AS_OF = date(2026, 11, 23)


def worked_factory() -> Factory:
    return Factory(
        work_centers=(WorkCenter("CNC", "CNC mill"), WorkCenter("PAINT", "Paint line")),
        items=(
            Item("BRKT", "Bracket", "make"),
            Item("SHEET", "Steel sheet", "buy", lead_time_days=10),
        ),
        bom=(BomLine("BRKT", "SHEET", 1),),
        routings=(
            Operation("BRKT", 10, "CNC", run_hours_per_unit=0.5, setup_hours=2),
            Operation("BRKT", 20, "PAINT", run_hours_per_unit=0.25),
        ),
        on_hand={"BRKT": 5, "SHEET": 20},
    )


@pytest.fixture
def engine() -> Engine:
    return Engine(worked_factory(), as_of=AS_OF)


def test_full_quantity_waits_for_new_sheets_and_ships_tuesday_8_december(engine: Engine) -> None:
    quote = engine.quote("BRKT", 40, date(2026, 11, 25))
    assert quote.earliest == date(2026, 12, 8)
    assert quote.constraint.kind == "lead_time"
    assert quote.constraint.code == "SHEET"
    assert quote.constraint.text == "SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec"


def test_most_on_the_wanted_day_is_what_stock_and_sheets_allow(engine: Engine) -> None:
    assert engine.quote("BRKT", 40, date(2026, 11, 25)).on_requested == 25


def test_split_offer_ships_25_on_the_wanted_day_and_15_on_4_december(engine: Engine) -> None:
    quote = engine.quote("BRKT", 40, date(2026, 11, 25))
    assert quote.split == (Lot(date(2026, 11, 25), 25), Lot(date(2026, 12, 4), 15))


def test_hold_of_25_is_placed_just_in_time_before_the_25th(engine: Engine) -> None:
    placement = engine.place("BRKT", 25, date(2026, 11, 25))
    assert placement.just_in_time
    assert placement.hours == (
        HoursUse("CNC", date(2026, 11, 24), 4.0),
        HoursUse("CNC", date(2026, 11, 25), 8.0),
        HoursUse("PAINT", date(2026, 11, 25), 5.0),
    )
    assert placement.stock == (
        StockUse("BRKT", date(2026, 11, 25), 5.0),
        StockUse("SHEET", date(2026, 11, 24), 20.0),
    )
    assert placement.purchases == ()


def test_hold_of_40_on_8_december_buys_15_sheets_for_the_3rd(engine: Engine) -> None:
    placement = engine.place("BRKT", 40, date(2026, 12, 8))
    assert placement.hours == (
        HoursUse("CNC", date(2026, 12, 3), 3.5),
        HoursUse("CNC", date(2026, 12, 4), 8.0),
        HoursUse("CNC", date(2026, 12, 7), 8.0),
        HoursUse("PAINT", date(2026, 12, 7), 0.75),
        HoursUse("PAINT", date(2026, 12, 8), 8.0),
    )
    assert placement.stock == (
        StockUse("BRKT", date(2026, 12, 8), 5.0),
        StockUse("SHEET", date(2026, 12, 3), 20.0),
    )
    assert placement.purchases == (Purchase("SHEET", date(2026, 12, 3), 15.0),)


def test_a_booked_hold_takes_its_capacity_away_from_the_next_quote(engine: Engine) -> None:
    engine.apply(engine.place("BRKT", 25, date(2026, 11, 25)))
    assert engine.quote("BRKT", 15, date(2026, 11, 25)).earliest == date(2026, 12, 4)
    assert engine.free_hours("CNC", date(2026, 11, 25)) == 0.0
    assert engine.atp("SHEET", date(2026, 11, 24)) == 0.0


def test_released_hold_gives_back_everything_it_held(engine: Engine) -> None:
    before = engine.quote("BRKT", 40, date(2026, 11, 25))
    placement = engine.place("BRKT", 25, date(2026, 11, 25))
    engine.apply(placement)
    engine.release(placement)
    assert engine.quote("BRKT", 40, date(2026, 11, 25)) == before


def test_hold_before_the_earliest_day_is_refused_with_the_current_quote(engine: Engine) -> None:
    with pytest.raises(NotPromisable) as refused:
        engine.place("BRKT", 40, date(2026, 11, 25))
    assert refused.value.quote.earliest == date(2026, 12, 8)
    assert "Tue 8 Dec" in str(refused.value)


def test_quantity_beyond_the_horizon_cannot_be_promised() -> None:
    engine = Engine(worked_factory(), as_of=AS_OF, horizon_days=5)
    quote = engine.quote("BRKT", 40, date(2026, 11, 25))
    assert quote.earliest is None
    assert quote.constraint.kind == "horizon"
    assert "cannot be promised within 5 days" in quote.constraint.text
