"""The demo factory: a small metal-fabrication plant, as CSV files for `promisebot import`.

Eight work centers (laser, press brake, CNC mill and lathe, welding, powder coating, assembly,
QC/packing), 41 items in a three-level BOM, stock, open purchase orders, Christmas and New Year
closures, a laser maintenance day and a Saturday of welding overtime, and about a month of
existing orders (2026-11-24 … 2026-12-23) from seven customers that all fit when booked in file
order with as_of 2026-11-23 (`DEMO_AS_OF`), leaving the plant 30–66 % loaded. Acme Corp buys BRKT
brackets, so "/promise 40 BRKT for Acme by Friday" makes sense on the planning date.

The files are written for that one day and stay valid factory files for `promisebot import`.
`promisebot demo` plans as of today instead, with `demo_factory(today)`: the same factory with its
dates moved so that the same story plays on any day (see `demo_factory`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

from bot.factory.files import FactoryFiles, read_factory_dir
from capacity.model import CalendarException

DEMO_DIR: Path = Path(__file__).resolve().parent
"""The folder holding the demo factory's nine CSV files."""

DEMO_AS_OF = date(2026, 11, 23)
"""The planning date the demo factory's files are written for (a Monday): its orders start the
day after."""

HISTORY_DAYS = 6 * 7
"""How far before the planning date the demo's past reaches (the sandbox seeds three weeks of
shipped orders, booked up to ten days before they were due)."""


def demo_day(today: date) -> date:
    """The day the demo plans as of when it is `today`: today, or the next Monday on a weekend.

    The demo plant works Monday to Friday; on a Saturday or Sunday the demo opens on Monday, so
    that its first steps ("by Friday", this week's load) read as they do on a working day.
    """
    if today.weekday() >= 5:
        return today + timedelta(days=7 - today.weekday())
    return today


class _Workdays:
    """Monday to Friday, except the days the whole plant is closed."""

    def __init__(self, closed: set[date]) -> None:
        self.closed = closed

    def works(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def after(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.works(day):
            day += timedelta(days=1)
        return day

    def before(self, day: date) -> date:
        day -= timedelta(days=1)
        while not self.works(day):
            day -= timedelta(days=1)
        return day

    def between(self, start: date, end: date) -> int:
        """Workdays from `start` (a workday) to `end`: 1 for the next one, -1 for the one before."""
        count, day = 0, start
        while day < end:
            day, count = self.after(day), count + 1
        while day > end:
            day, count = self.before(day), count - 1
        return count

    def step(self, start: date, count: int) -> date:
        for _ in range(abs(count)):
            start = self.after(start) if count > 0 else self.before(start)
        return start


def _mover(as_of: date, closed_in_files: set[date], closed: set[date]) -> Callable[[date], date]:
    """Dates of the files → dates of the demo as of `as_of`, counted in the plant's workdays.

    `DEMO_AS_OF` becomes `as_of` (the next workday if the plant is closed that day), the files'
    next workday the plant's next workday, and so on, around each side's holidays. A day the
    plant does not work (the Saturday of overtime) goes to the first such weekday after the
    workday before it has moved.
    """
    files, demo = _Workdays(closed_in_files), _Workdays(closed)
    start = as_of if demo.works(as_of) else demo.after(as_of)

    def move(day: date) -> date:
        if not files.works(day):
            before = move(files.before(day))
            return before + timedelta(days=(day.weekday() - before.weekday() - 1) % 7 + 1)
        return demo.step(start, files.between(DEMO_AS_OF, day))

    return move


def demo_factory(as_of: date, *, horizon_days: int = 365) -> FactoryFiles:
    """The demo factory as it would be written for planning as of `as_of`.

    - Closures of every work center (`*`: Christmas, New Year) are holidays of the calendar, not
      of the story: each keeps its month and day, in every year where that date falls within the
      demo's past (`HISTORY_DAYS`) or its planning horizon. So the Christmas holidays are there
      whenever they are in range, on their own dates, and never in February.
    - Everything else dated (orders, shipments, receipts, the laser's maintenance day, the
      Saturday of welding overtime) moves by the plant's workdays: what the files have on the
      n-th workday after `DEMO_AS_OF` the demo has on the n-th workday after `as_of`. So the
      week ahead always holds the files' first week, a Friday planning date included, and
      nothing is dated before `as_of`. Counting around the holidays on both sides keeps each
      order's days of work, so every order fits again (the tests book them on many days, the
      Christmas weeks included).

    As of `DEMO_AS_OF` this is exactly what the files say.
    """
    files = read_factory_dir(DEMO_DIR)
    first, last = as_of - timedelta(days=HISTORY_DAYS), as_of + timedelta(days=horizon_days - 1)
    holidays: list[CalendarException] = []
    for day in files.factory.calendar:
        for year in range(first.year, last.year + 1) if day.work_center == "*" else ():
            on = _same_day_in(year, day.on)
            if on is not None and first <= on <= last:
                holidays.append(dataclasses.replace(day, on=on))
    move = _mover(as_of, _closed(files.factory.calendar), _closed(holidays))
    calendar = holidays + [
        dataclasses.replace(day, on=move(day.on))
        for day in files.factory.calendar
        if day.work_center != "*"
    ]
    factory = dataclasses.replace(
        files.factory,
        calendar=tuple(sorted(calendar, key=lambda d: (d.work_center, d.on))),
        receipts=tuple(dataclasses.replace(r, on=move(r.on)) for r in files.factory.receipts),
    )
    return FactoryFiles(
        factory,
        orders=tuple(dataclasses.replace(o, on=move(o.on)) for o in files.orders),
        shipments=tuple(dataclasses.replace(s, on=move(s.on)) for s in files.shipments),
    )


def workdays_after(as_of: date, calendar: Iterable[CalendarException], count: int) -> list[date]:
    """The first `count` days after `as_of` that the whole plant works (Monday to Friday, no
    closure in `calendar`), counted as `demo_factory` counts: from the next workday when the
    plant is closed on `as_of`."""
    workdays = _Workdays(_closed(calendar))
    day = as_of if workdays.works(as_of) else workdays.after(as_of)
    return [day := workdays.after(day) for _ in range(count)]


def _closed(calendar: Iterable[CalendarException]) -> set[date]:
    """The days the whole plant is closed."""
    return {day.on for day in calendar if day.work_center == "*" and day.hours == 0}


def _same_day_in(year: int, day: date) -> date | None:
    """`day`'s month and day in `year`; None for 29 February in a year that has none."""
    try:
        return day.replace(year=year)
    except ValueError:
        return None
