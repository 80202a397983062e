"""Daily capacity: workdays, calendar exceptions, public holidays, and which one wins."""

from __future__ import annotations

from datetime import date

from capacity.calendar import daily_capacity, public_holidays
from capacity.model import CalendarException, WorkCenter

MONDAY = date(2026, 11, 23)
CNC = WorkCenter("CNC", machines=2, shifts_per_day=2, hours_per_shift=8, efficiency=0.75)


def test_a_workday_has_machines_times_shifts_times_hours_times_efficiency() -> None:
    week = daily_capacity(CNC, MONDAY, 7)
    assert week == [24.0] * 5 + [0.0, 0.0]


def test_saturday_counts_when_the_work_center_works_saturdays() -> None:
    six_days = WorkCenter("WELD", workdays="Mon-Sat")
    assert daily_capacity(six_days, MONDAY, 7) == [8.0] * 6 + [0.0]


def test_a_work_center_exception_beats_one_for_every_work_center_whatever_the_order() -> None:
    thursday = date(2026, 11, 26)
    exceptions = [
        CalendarException("CNC", thursday, 4.0, "half day"),
        CalendarException("*", thursday, 0.0, "closed"),
    ]
    assert daily_capacity(CNC, MONDAY, 7, exceptions)[3] == 4.0


def test_a_public_holiday_closes_the_day_unless_an_exception_opens_it() -> None:
    thanksgiving = date(2026, 11, 26)
    holidays = public_holidays("US", [2026])
    assert thanksgiving in holidays
    assert daily_capacity(CNC, MONDAY, 7, holidays=holidays)[3] == 0.0
    opened = [CalendarException("*", thanksgiving, 8.0, "overtime on Thanksgiving")]
    assert daily_capacity(CNC, MONDAY, 7, opened, holidays)[3] == 8.0


def test_overtime_on_a_sunday_is_the_days_whole_capacity() -> None:
    sunday = date(2026, 11, 29)
    overtime = [CalendarException("CNC", sunday, 6.0, "overtime")]
    assert daily_capacity(CNC, MONDAY, 7, overtime)[6] == 6.0
