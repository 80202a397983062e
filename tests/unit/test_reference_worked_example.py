"""DESIGN.md's worked example, number for number, against the reference implementation.

The factory comes from the worked example's CSV files (tests/conftest.py keeps their text and
checks it against ../shared/factories/worked when that folder is there), read here with the csv
module so that this test depends on nothing but capacity.model, and from a copy of the same
numbers built by hand.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

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
from tests.conftest import WORKED_FILES
from tests.reference import ReferencePlanner

AS_OF = date(2026, 11, 23)  # a Monday


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(WORKED_FILES[name], newline="")))


def _num(text: str | None, default: float = 0.0) -> float:
    return default if text is None or text.strip() == "" else float(text)


def factory_from_csv() -> Factory:
    work_centers = tuple(
        WorkCenter(
            code=row["code"],
            name=row.get("name") or "",
            machines=int(_num(row.get("machines"), 1)),
            shifts_per_day=int(_num(row.get("shifts_per_day"), 1)),
            hours_per_shift=_num(row.get("hours_per_shift"), 8),
            efficiency=_num(row.get("efficiency"), 1),
            workdays=row.get("workdays") or "Mon-Fri",
            rush_reserve_pct=_num(row.get("rush_reserve_pct"), 0),
        )
        for row in _rows("work_centers.csv")
    )
    items = tuple(
        Item(
            sku=row["sku"],
            name=row.get("name") or "",
            kind=row["kind"],  # type: ignore[arg-type]
            lead_time_days=int(_num(row.get("lead_time_days"))),
            safety_stock=_num(row.get("safety_stock")),
        )
        for row in _rows("items.csv")
    )
    bom = tuple(
        BomLine(row["parent_sku"], row["component_sku"], float(row["qty_per"]))
        for row in _rows("bom.csv")
    )
    routings = tuple(
        Operation(
            sku=row["sku"],
            seq=int(row["seq"]),
            work_center=row["work_center"],
            setup_hours=_num(row.get("setup_hours")),
            run_hours_per_unit=float(row["run_hours_per_unit"]),
            lag_days=int(_num(row.get("lag_days"))),
        )
        for row in _rows("routings.csv")
    )
    on_hand = {row["sku"]: float(row["on_hand"]) for row in _rows("inventory.csv")}
    assert not _rows("calendar.csv") and not _rows("receipts.csv")
    return Factory(
        work_centers=work_centers, items=items, bom=bom, routings=routings, on_hand=on_hand
    )


def factory_by_hand() -> Factory:
    return Factory(
        work_centers=(WorkCenter("CNC"), WorkCenter("PAINT")),
        items=(Item("BRKT", kind="make"), Item("SHEET", kind="buy", lead_time_days=10)),
        bom=(BomLine("BRKT", "SHEET", 1),),
        routings=(
            Operation("BRKT", 10, "CNC", setup_hours=2, run_hours_per_unit=0.5),
            Operation("BRKT", 20, "PAINT", run_hours_per_unit=0.25),
        ),
        on_hand={"BRKT": 5, "SHEET": 20},
    )


@pytest.fixture(params=["csv", "by hand"])
def planner(request: pytest.FixtureRequest) -> ReferencePlanner:
    if request.param == "csv":
        factory = factory_from_csv()
        assert _same_numbers(factory, factory_by_hand())
    else:
        factory = factory_by_hand()
    return ReferencePlanner(factory, as_of=AS_OF, horizon_days=365)


def _same_numbers(a: Factory, b: Factory) -> bool:
    def strip(f: Factory) -> tuple:
        return (
            tuple((w.code, w.standard_hours, w.workdays, w.rush_reserve_pct)
                  for w in f.work_centers),
            tuple((i.sku, i.kind, i.lead_time_days, i.safety_stock) for i in f.items),
            f.bom,
            f.routings,
            dict(f.on_hand),
        )

    return strip(a) == strip(b)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def hours(placement) -> dict[tuple[str, date], float]:
    return {(use.work_center, use.on): use.hours for use in placement.hours}


def stock(placement) -> dict[tuple[str, date], float]:
    return {(use.sku, use.on): use.qty for use in placement.stock}


def purchases(placement) -> dict[tuple[str, date], float]:
    return {(use.sku, use.on): use.qty for use in placement.purchases}


def test_capacity_is_eight_hours_on_weekdays(planner: ReferencePlanner) -> None:
    assert planner.capacity("CNC", d(11, 23)) == 8
    assert planner.capacity("PAINT", d(11, 27)) == 8  # no holiday configured
    assert planner.capacity("CNC", d(11, 28)) == 0  # Saturday


def test_full_quantity_waits_for_the_sheet_purchase(planner: ReferencePlanner) -> None:
    # SHEET 35 > 20 → purchase on Thu 12-03; CNC 19.5 h on 12-03, 12-04, 12-07; PAINT 8.75 h on
    # 12-07, 12-08. P = Tue 2026-12-08.
    assert planner.readiness("SHEET", 35) == d(12, 3)
    assert planner.readiness("SHEET", 20) == AS_OF
    assert planner.readiness("BRKT", 40) == d(12, 8)
    assert planner.readiness("BRKT", 5) == AS_OF  # all from stock
    # The forward schedule readiness builds for the 35 to make, as its fallback placement would
    # book it.
    found = planner._ready(planner.state, "BRKT", 40, rush=False)
    assert found is not None
    ready_on, after = found
    assert ready_on == d(12, 8)
    assert after.reserved == pytest.approx(
        {
            ("CNC", d(12, 3)): 8, ("CNC", d(12, 4)): 8, ("CNC", d(12, 7)): 3.5,
            ("PAINT", d(12, 7)): 8, ("PAINT", d(12, 8)): 0.75,
        }
    )
    assert after.allocated == {("BRKT", d(12, 8)): 5, ("SHEET", d(12, 3)): 20}
    assert after.purchased == {("SHEET", d(12, 3)): 15}


def test_quote_40_wanted_on_the_25th(planner: ReferencePlanner) -> None:
    quote = planner.quote("BRKT", 40, d(11, 25))
    assert quote.earliest == d(12, 8)
    assert quote.on_requested == 25
    assert quote.split == (Lot(d(11, 25), 25), Lot(d(12, 4), 15))
    assert quote.rush_earliest == d(12, 8)  # no reserve: rush changes nothing
    assert quote.as_of == AS_OF and quote.requested == d(11, 25)


def test_most_on_the_25th_is_25(planner: ReferencePlanner) -> None:
    # 25: 5 from stock, 20 made from the 20 sheets: CNC 12 h on 11-23/24, PAINT 5 h on 11-24.
    assert planner.readiness("BRKT", 25) == d(11, 24)
    # A 21st sheet needs the purchase: 26 (5 + 21 made) are ready on 12-04 (CNC 12.5 h on 12-03/04,
    # PAINT 5.25 h on 12-04), so the bisection's 26 is not ready by 11-25.
    assert planner.readiness("BRKT", 26) == d(12, 4)
    found = planner._ready(planner.state, "BRKT", 25, rush=False)
    assert found is not None
    assert found[1].reserved == pytest.approx(
        {("CNC", d(11, 23)): 8, ("CNC", d(11, 24)): 4, ("PAINT", d(11, 24)): 5}
    )


def test_split_rest_after_the_first_hold(planner: ReferencePlanner) -> None:
    # The other 15 on 12-04: new sheets 12-03, CNC 9.5 h, PAINT 3.75 h.
    first = planner.place("BRKT", 25, d(11, 25))
    planner.apply(first)
    assert planner.readiness("BRKT", 15) == d(12, 4)
    found = planner._ready(planner.state, "BRKT", 15, rush=False)
    assert found is not None
    _, after = found
    new_hours = {
        key: value - planner.state.reserved.get(key, 0.0)
        for key, value in after.reserved.items()
        if value - planner.state.reserved.get(key, 0.0) > 1e-9
    }
    assert new_hours == pytest.approx(
        {("CNC", d(12, 3)): 8, ("CNC", d(12, 4)): 1.5, ("PAINT", d(12, 4)): 3.75}
    )
    assert sum(v for (wc, _), v in new_hours.items() if wc == "CNC") == pytest.approx(9.5)
    assert after.purchased == {("SHEET", d(12, 3)): 15}


def test_hold_25_on_the_25th_just_in_time(planner: ReferencePlanner) -> None:
    # 5 BRKT from stock on 11-25; PAINT 5 h on 11-25; CNC 8 h on 11-25 and 4 h on 11-24;
    # 20 SHEET allocated on 11-24 (the release day).
    placement = planner.place("BRKT", 25, d(11, 25))
    assert placement.just_in_time
    assert placement.qty == 25 and placement.on == d(11, 25)
    assert hours(placement) == pytest.approx(
        {("PAINT", d(11, 25)): 5, ("CNC", d(11, 25)): 8, ("CNC", d(11, 24)): 4}
    )
    assert stock(placement) == pytest.approx({("BRKT", d(11, 25)): 5, ("SHEET", d(11, 24)): 20})
    assert purchases(placement) == {}
    assert set(placement.hours) >= {HoursUse("CNC", d(11, 24), 4.0)}
    assert set(placement.stock) == {
        StockUse("BRKT", d(11, 25), 5), StockUse("SHEET", d(11, 24), 20)
    }


def test_hold_40_on_12_08_just_in_time(planner: ReferencePlanner) -> None:
    # PAINT 8 h on 12-08 and 0.75 h on 12-07; CNC 8 h on 12-07, 8 h on 12-04, 3.5 h on 12-03;
    # 20 SHEET from stock and a planned purchase of 15 SHEET, both on 12-03.
    placement = planner.place("BRKT", 40, d(12, 8))
    assert placement.just_in_time
    assert hours(placement) == pytest.approx(
        {
            ("PAINT", d(12, 8)): 8, ("PAINT", d(12, 7)): 0.75,
            ("CNC", d(12, 7)): 8, ("CNC", d(12, 4)): 8, ("CNC", d(12, 3)): 3.5,
        }
    )
    assert stock(placement) == pytest.approx({("BRKT", d(12, 8)): 5, ("SHEET", d(12, 3)): 20})
    assert set(placement.purchases) == {Purchase("SHEET", d(12, 3), 15)}


def test_hold_40_on_the_25th_is_refused_with_the_quote(planner: ReferencePlanner) -> None:
    with pytest.raises(NotPromisable) as refused:
        planner.place("BRKT", 40, d(11, 25))
    assert refused.value.quote.earliest == d(12, 8)
    assert refused.value.quote.on_requested == 25


def test_after_the_hold_of_40_nothing_is_counted_twice(planner: ReferencePlanner) -> None:
    planner.apply(planner.place("BRKT", 40, d(12, 8)))
    assert planner.violations() == []
    # The 20 sheets on hand are the hold's from 12-03; the 15 bought are the hold's too (R2).
    assert planner.atp("SHEET", AS_OF) == 0
    assert planner.readiness("SHEET", 1) == d(12, 3)
    assert planner.atp("BRKT", AS_OF) == 0
    assert planner.reserved("CNC", d(12, 3)) == pytest.approx(3.5)
    assert planner.free_hours("CNC", d(12, 3)) == pytest.approx(4.5)


def test_release_gives_everything_back(planner: ReferencePlanner) -> None:
    placement = planner.place("BRKT", 25, d(11, 25))
    planner.apply(placement)
    # No BRKT or SHEET left: buy on 12-03, CNC 4.5 h and PAINT 1.25 h that same day.
    assert planner.readiness("BRKT", 5) == d(12, 3)
    assert planner.reserved("CNC", d(11, 25)) == 8
    planner.release(placement)
    assert planner.readiness("BRKT", 5) == AS_OF
    assert planner.readiness("BRKT", 40) == d(12, 8)
    assert planner.reserved("CNC", d(11, 25)) == 0
    assert planner.atp("SHEET", AS_OF) == 20
    assert planner.quote("BRKT", 40, d(11, 25)).split == (Lot(d(11, 25), 25), Lot(d(12, 4), 15))
