"""Daily capacity of work centers: shifts, workdays, calendar exceptions and public holidays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from capacity.model import CalendarException, WorkCenter


def daily_capacity(
    work_center: WorkCenter,
    start: date,
    days: int,
    exceptions: Iterable[CalendarException] = (),
    holidays: Mapping[date, str] | None = None,
) -> list[float]:
    """Capacity hours of `work_center` on each of `days` days from `start`.

    Precedence, strongest first: an exception for this work center, an exception for `*`, a
    public holiday (closed), then the workday rule (standard hours on a workday, else 0).
    """
    weekdays = work_center.weekdays
    standard = work_center.standard_hours
    hours = [standard if (start + timedelta(i)).weekday() in weekdays else 0.0 for i in range(days)]
    end = start + timedelta(days)
    for holiday in holidays or {}:
        if start <= holiday < end:
            hours[(holiday - start).days] = 0.0
    mine: list[CalendarException] = []
    for exception in exceptions:
        if not start <= exception.on < end:
            continue
        if exception.work_center == "*":
            hours[(exception.on - start).days] = exception.hours
        elif exception.work_center == work_center.code:
            mine.append(exception)
    for exception in mine:  # applied last so that they beat `*` whatever the input order
        hours[(exception.on - start).days] = exception.hours
    return hours


def public_holidays(
    country: str, years: Iterable[int], subdivision: str | None = None
) -> dict[date, str]:
    """Public holidays of `country` (ISO code, e.g. `US`, `DE`) through the `holidays` package."""
    import holidays as holidays_package  # imported here: only deployments that configure it pay

    try:
        calendar = holidays_package.country_holidays(country, subdiv=subdivision, years=list(years))
    except NotImplementedError as error:
        raise ValueError(f"no public holiday calendar for country {country!r}") from error
    return {day: str(name) for day, name in calendar.items()}
