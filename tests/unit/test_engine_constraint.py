"""The binding constraint, in the words a salesperson repeats to the customer."""

from __future__ import annotations

from datetime import date, timedelta

from capacity.engine import Engine
from capacity.model import BomLine, Factory, HoursUse, Item, Operation, Placement, WorkCenter

MONDAY = date(2026, 11, 23)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def lathe_shop(*, reserve: float = 0.0) -> Engine:
    factory = Factory(
        work_centers=(WorkCenter("LATHE", "Lathe", rush_reserve_pct=reserve),),
        items=(Item("PIN", "Pin", "make"),),
        routings=(Operation("PIN", 10, "LATHE", run_hours_per_unit=1.0),),
    )
    return Engine(factory, as_of=MONDAY)


def book(engine: Engine, *hours: tuple[int, float]) -> None:
    uses = tuple(HoursUse("LATHE", day(n), h) for n, h in hours)
    engine.apply(Placement("PIN", 1, MONDAY, hours=uses))


def test_a_work_center_booked_solid_says_until_when() -> None:
    engine = lathe_shop()
    book(engine, (0, 8.0), (1, 8.0))

    quote = engine.quote("PIN", 4, MONDAY)

    assert quote.earliest == day(2)
    assert quote.constraint.kind == "capacity"
    assert quote.constraint.code == "LATHE"
    assert quote.constraint.text == "LATHE is fully booked until Wed 25 Nov"


def test_work_squeezed_between_other_orders_says_when_it_is_done() -> None:
    engine = lathe_shop()
    book(engine, (0, 6.0), (1, 8.0), (2, 6.0))

    quote = engine.quote("PIN", 4, MONDAY)

    assert quote.earliest == day(2)
    assert quote.constraint.text == (
        "LATHE is heavily booked: the 4 h fit in between other orders only by Wed 25 Nov"
    )


def test_a_day_full_but_for_the_rush_reserve_says_so() -> None:
    engine = lathe_shop(reserve=25.0)  # 6 h a day for normal orders, 2 h kept for rush
    book(engine, (0, 6.0))

    quote = engine.quote("PIN", 2, MONDAY)

    assert quote.earliest == day(1)
    assert quote.rush_earliest == MONDAY  # the 2 h of reserve are enough
    assert quote.constraint.text == (
        "LATHE is fully booked (all but its rush reserve) until Tue 24 Nov"
    )


def test_with_nothing_in_the_way_the_longest_step_is_named_even_in_a_component() -> None:
    factory = Factory(
        work_centers=(WorkCenter("WELD", "Weld bay"), WorkCenter("ASSY", "Assembly")),
        items=(Item("CART", "Cart", "make"), Item("FRAME", "Welded frame", "make")),
        bom=(BomLine("CART", "FRAME", 1),),
        routings=(
            Operation("CART", 10, "ASSY", run_hours_per_unit=1.0),
            Operation("FRAME", 10, "WELD", run_hours_per_unit=20.0),
        ),
    )
    engine = Engine(factory, as_of=MONDAY)

    quote = engine.quote("CART", 1, MONDAY)

    assert quote.earliest == day(2)
    assert quote.constraint.code == "WELD"
    assert quote.constraint.text == (
        "the longest step is 20 h on WELD for 1 FRAME, done Wed 25 Nov; "
        "all 1 CART are ready Wed 25 Nov"
    )
