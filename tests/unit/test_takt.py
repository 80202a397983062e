"""Takt time in the digest, hand-counted on DESIGN.md's worked example."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import bot
from bot.collaboration.takt import DemandLine, takt_times
from bot.factory.files import read_factory_dir
from capacity.engine import Engine

AS_OF = date(2026, 11, 23)


def engine(worked_dir: Path) -> Engine:
    return Engine(read_factory_dir(worked_dir).factory, as_of=AS_OF)


def test_takt_is_the_work_centers_weekly_hours_per_unit_wanted(worked_dir: Path) -> None:
    # 80 BRKT wanted across the 8 weeks around today: 10 a week. CNC and PAINT both give 40 h a
    # week and nothing is booked, so the work center is the one that needs the most per unit:
    # CNC, 0.5 h a unit plus the 2 h setup over the one order of 80.
    demand = [DemandLine("BRKT", 80, AS_OF + timedelta(days=10))]
    (takt,) = takt_times(engine(worked_dir), demand, AS_OF)
    assert takt.sku == "BRKT"
    assert takt.units_per_week == 10
    assert takt.work_center == "CNC"
    assert takt.hours_per_week == 40
    assert takt.takt_hours == 4
    assert takt.need_hours == pytest.approx(0.5 + 2 / 80)
    assert not takt.outruns
    assert takt.sentence() == (
        "BRKT: 10.0 a week wanted; takt 4.00 h per unit on CNC, it needs 32 min: "
        "the line keeps pace"
    )


def test_demand_faster_than_the_line_is_named_and_outside_the_window_is_not_counted(
    worked_dir: Path,
) -> None:
    demand = [
        DemandLine("BRKT", 400, AS_OF - timedelta(days=3)),
        DemandLine("BRKT", 400, AS_OF + timedelta(days=20)),
        DemandLine("BRKT", 5000, AS_OF + timedelta(weeks=5)),  # beyond the next 4 weeks
        DemandLine("SHEET", 99, AS_OF),  # a component, not a sold item
    ]
    (takt,) = takt_times(engine(worked_dir), demand, AS_OF)
    assert takt.units_per_week == 100
    assert takt.takt_hours == pytest.approx(0.4)
    assert takt.need_hours == pytest.approx(0.5 + 2 / 400)
    assert takt.outruns
    assert takt.sentence().endswith("demand outruns the line")


def test_a_family_sharing_a_line_can_outrun_it_when_none_of_its_items_does_alone() -> None:
    # The demo's two enclosures (ENCL-L, ENCL-S) are assembled on ASSY. 100 small and 50 large a
    # week each fit ASSY's week on their own; together they need more hours than it has.
    demo = Engine(read_factory_dir(Path(next(iter(bot.__path__))) / "demo").factory, as_of=AS_OF)
    demand = [
        DemandLine("ENCL-S", 800, AS_OF + timedelta(days=7)),
        DemandLine("ENCL-L", 400, AS_OF + timedelta(days=8)),
    ]
    found = {t.sku: t for t in takt_times(demo, demand, AS_OF)}
    family, small, large = found["ENCL-*"], found["ENCL-S"], found["ENCL-L"]
    assert family.members == ("ENCL-L", "ENCL-S")
    assert family.units_per_week == small.units_per_week + large.units_per_week == 150
    assert family.work_center == small.work_center == large.work_center == "ASSY"
    assert family.need_hours == pytest.approx(
        (100 * small.need_hours + 50 * large.need_hours) / 150
    )
    assert not small.outruns and not large.outruns
    assert family.outruns
    assert next(iter(found)) == "ENCL-*"  # what outruns the line is named first
    assert family.sentence().startswith("ENCL-* (ENCL-L, ENCL-S): 150.0 a week wanted; ")
    assert family.sentence().endswith("on average: demand outruns the line")


def test_an_item_alone_in_its_family_is_not_counted_twice(worked_dir: Path) -> None:
    demand = [DemandLine("BRKT", 80, AS_OF + timedelta(days=10))]
    assert [t.sku for t in takt_times(engine(worked_dir), demand, AS_OF)] == ["BRKT"]
