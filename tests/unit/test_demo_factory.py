"""The demo factory in bot/demo/: well-formed, realistic, and its orders fit the plant."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.demo import DEMO_AS_OF, DEMO_DIR, demo_day, demo_factory, workdays_after
from bot.factory.files import FactoryFiles, read_factory_dir, write_factory_dir
from capacity.engine import Engine

AS_OF = DEMO_AS_OF  # a Monday: the planning date the demo's files are written for


@pytest.fixture(scope="module")
def demo() -> FactoryFiles:
    return read_factory_dir(DEMO_DIR)


@pytest.fixture(scope="module")
def booked(demo: FactoryFiles) -> Engine:
    """The engine after booking every existing order in file order, as an import does."""
    engine = Engine(demo.factory, as_of=AS_OF)
    for order in demo.orders:
        engine.apply(engine.place(order.sku, order.qty, order.on, rush=order.rush))
    return engine


def depth(demo: FactoryFiles, sku: str) -> int:
    """Levels below `sku` in the BOM (a purchased part has none)."""
    below = [line.component_sku for line in demo.factory.bom if line.parent_sku == sku]
    return 1 + max(depth(demo, component) for component in below) if below else 0


def test_the_demo_factory_is_written_in_canonical_form(demo: FactoryFiles, tmp_path: Path) -> None:
    write_factory_dir(demo, tmp_path)

    written = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    shipped = {path.name: path.read_bytes() for path in DEMO_DIR.glob("*.csv")}
    assert written == shipped


def test_the_demo_plant_has_eight_work_centers_with_a_rush_reserve_on_the_bottlenecks(
    demo: FactoryFiles,
) -> None:
    centers = {center.code: center for center in demo.factory.work_centers}

    assert sorted(centers) == ["ASSY", "BRAKE", "LASER", "LATHE", "MILL", "PAINT", "QC", "WELD"]
    assert {code for code, c in centers.items() if c.rush_reserve_pct > 0} == {
        "LASER",
        "PAINT",
        "WELD",
    }


def test_the_demo_has_about_forty_items_in_a_three_level_bom(demo: FactoryFiles) -> None:
    kinds = Counter(item.kind for item in demo.factory.items)
    buy = {item.sku: item for item in demo.factory.items if item.kind == "buy"}

    assert 35 <= len(demo.factory.items) <= 45
    assert kinds["make"] >= 15 and kinds["buy"] >= 15
    assert max(depth(demo, item.sku) for item in demo.factory.items) == 3
    assert all(3 <= item.lead_time_days <= 20 for item in buy.values())
    assert sum(item.safety_stock > 0 for item in buy.values()) >= 5
    assert depth(demo, "BRKT") >= 1 and "BRKT" not in buy


def test_the_demo_calendar_closes_for_christmas_and_new_year_and_has_one_maintenance_day(
    demo: FactoryFiles,
) -> None:
    days = demo.factory.calendar
    closed_everywhere = {day.on for day in days if day.work_center == "*" and day.hours == 0}
    one_center = [day for day in days if day.work_center != "*"]

    assert closed_everywhere == {
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 31),
        date(2027, 1, 1),
    }
    assert [(d.work_center, d.on, d.hours) for d in one_center if d.hours == 0] == [
        ("LASER", date(2026, 12, 10), 0.0)
    ]
    assert [d.on.strftime("%a") for d in one_center if d.hours > 0] == ["Sat"]


def test_the_demo_has_a_month_of_orders_from_several_customers(demo: FactoryFiles) -> None:
    orders = demo.orders
    customers = {order.customer for order in orders}

    assert min(o.on for o in orders) == date(2026, 11, 24)
    assert max(o.on for o in orders) == date(2026, 12, 23)
    assert 6 <= len(customers) <= 8 and "Acme Corp" in customers
    assert Counter(o.status for o in orders).keys() == {"held", "confirmed"}
    assert 2 <= sum(o.rush for o in orders) <= 3
    assert demo.shipments == ()


def test_every_demo_order_fits_when_booked_just_in_time(demo: FactoryFiles) -> None:
    engine = Engine(demo.factory, as_of=AS_OF)
    for order in demo.orders:
        placement = engine.place(order.sku, order.qty, order.on, rush=order.rush)
        engine.apply(placement)
        assert placement.just_in_time, order.ref


def test_the_booked_demo_leaves_the_plant_moderately_loaded(
    booked: Engine, demo: FactoryFiles
) -> None:
    days = [AS_OF + timedelta(days=n) for n in range((date(2026, 12, 23) - AS_OF).days + 1)]
    load = {
        center.code: sum(booked.reserved(center.code, d) for d in days)
        / sum(booked.capacity(center.code, d) for d in days)
        for center in demo.factory.work_centers
    }

    assert all(0.25 <= share <= 0.70 for share in load.values()), load
    assert 0.45 <= sum(load.values()) / len(load) <= 0.60, load


def test_forty_brackets_for_acme_by_friday_can_be_promised(booked: Engine) -> None:
    quote = booked.quote("BRKT", 40, date(2026, 11, 27))

    assert quote.earliest == date(2026, 11, 27)
    assert quote.on_requested == 40


# --- the demo factory moved to the day the demo plans as of ----------------------------------

SOME_DAYS = [
    date(2027, 3, 1),  # a Monday, the first of its month
    date(2027, 3, 5),  # a Friday
    date(2026, 12, 31),  # New Year's Eve, a closure
    date(2028, 2, 29),
    date(2027, 7, 14),
    date(2027, 12, 22),  # the Christmas holidays in the first week
]


def test_on_a_weekend_the_demo_opens_on_the_monday_after() -> None:
    week = [date(2027, 3, 1) + timedelta(days=n) for n in range(7)]

    assert [demo_day(day) for day in week] == week[:5] + [date(2027, 3, 8)] * 2


def test_as_of_its_own_day_the_demo_factory_is_what_the_files_say(tmp_path: Path) -> None:
    write_factory_dir(demo_factory(DEMO_AS_OF), tmp_path)

    written = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert written == {path.name: path.read_bytes() for path in DEMO_DIR.glob("*.csv")}


@pytest.mark.parametrize("as_of", SOME_DAYS, ids=str)
def test_the_files_first_week_is_the_week_ahead_of_any_day(
    as_of: date, demo: FactoryFiles, tmp_path: Path
) -> None:
    moved = demo_factory(as_of)
    write_factory_dir(moved, tmp_path)
    assert read_factory_dir(tmp_path) == moved  # still a factory folder `import` reads
    rest_of_week = workdays_after(as_of, moved.factory.calendar, 4)
    first_week = {o.ref for o in demo.orders if o.on <= DEMO_AS_OF + timedelta(days=4)}

    assert min(o.on for o in moved.orders) > as_of
    assert {o.ref for o in moved.orders if o.on <= rest_of_week[-1]} == first_week
    assert min(r.on for r in moved.factory.receipts) > as_of
    assert [o.ref for o in moved.orders] == [o.ref for o in demo.orders]


HOLIDAY_SEASON = [date(2026, 12, 7) + timedelta(days=n) for n in range(0, 42, 3)]
"""Every third day from early December to mid-January: the holidays at every distance."""


@pytest.mark.parametrize("as_of", SOME_DAYS + HOLIDAY_SEASON, ids=str)
def test_every_moved_order_fits_just_in_time(as_of: date) -> None:
    moved = demo_factory(as_of)
    engine = Engine(moved.factory, as_of=as_of)
    for order in moved.orders:
        placement = engine.place(order.sku, order.qty, order.on, rush=order.rush)
        engine.apply(placement)
        assert placement.just_in_time, order.ref


def test_the_christmas_holidays_keep_their_dates_and_the_plant_events_their_weekdays() -> None:
    in_july = demo_factory(date(2027, 7, 14)).factory.calendar
    closed = {day.on: day.reason for day in in_july if day.work_center == "*"}
    events = {day.work_center: day.on for day in in_july if day.work_center != "*"}

    assert closed == {
        date(2027, 12, 24): "Christmas Eve",
        date(2027, 12, 25): "Christmas Day",
        date(2027, 12, 31): "New Year's Eve",
        date(2028, 1, 1): "New Year's Day",
    }
    assert events["WELD"].strftime("%a") == "Sat"  # the Saturday of overtime stays one
    assert events["LASER"].weekday() < 5 and events["LASER"] > date(2027, 7, 14)


def test_after_new_year_the_past_holidays_stay_and_the_next_christmas_is_ahead() -> None:
    as_of = date(2027, 1, 4)
    closed = sorted(d.on for d in demo_factory(as_of).factory.calendar if d.work_center == "*")

    assert closed == [
        date(2026, 12, 24),  # last week's closures, where the demo's history lies
        date(2026, 12, 25),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 12, 24),  # this year's, within the planning horizon
        date(2027, 12, 25),
        date(2027, 12, 31),
        date(2028, 1, 1),
    ]
