"""The files a simulation can be given: a demand history to replay and explicit disruptions.

    demand.csv       date,customer,sku,qty,requested[,latest]
    disruptions.csv  kind,code,date,days

A file is checked whole: every problem is reported as `file:row: column: what is wrong;
expected …` (row is the line in the file, the header being line 1) by raising
`FactoryFileError`, as a bad factory folder is, and nothing is simulated.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from bot.factory.files import FactoryFileError, Problem
from capacity.calendar import daily_capacity
from capacity.model import Factory
from capacity.simulation import Breakdown, DemandOrder, Disruptions
from capacity.simulation.demand import LATEST_AFTER

DEMAND_COLUMNS = ("date", "customer", "sku", "qty", "requested", "latest")
DEMAND_REQUIRED = ("date", "customer", "sku", "qty", "requested")
DISRUPTION_COLUMNS = ("kind", "code", "date", "days")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")
_DATE_EXPECT = "a date written YYYY-MM-DD, like 2026-12-03"


@dataclass
class _Line:
    file: str
    number: int
    cells: dict[str, str]
    problems: list[Problem]
    ok: bool = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.file, self.number, column, message))

    def text(self, column: str, expect: str) -> str | None:
        value = self.cells.get(column, "")
        if not value:
            self.problem(column, f"empty value; expected {expect}")
            return None
        return value

    def day(self, column: str, *, optional: bool = False) -> date | None:
        value = self.cells.get(column, "")
        if optional and not value:
            return None
        value = self.text(column, _DATE_EXPECT) or ""
        if not value:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a date; expected {_DATE_EXPECT}")
            return None

    def whole(self, column: str, expect: str) -> int | None:
        value = self.text(column, expect)
        if value is None:
            return None
        if not _WHOLE.fullmatch(value):
            self.problem(column, f"{value!r} is not a whole number; expected {expect}")
            return None
        number = int(float(value))
        if number < 1:
            self.problem(column, f"{number} is too small; expected {expect}")
            return None
        return number


def _read(
    path: Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> tuple[list[_Line], list[Problem]]:
    """The data lines of a CSV file with these columns, and the problems found so far."""
    name = str(path)
    problems: list[Problem] = []
    expected = f"expected columns {', '.join(columns)}"
    if not path.is_file():
        return [], [Problem(name, None, None, f"no such file; expected a CSV file with {expected}")]
    try:
        frame = pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        return [], [Problem(name, None, None, "not UTF-8 text; expected a CSV file saved as UTF-8")]
    except pd.errors.EmptyDataError:
        return [], [Problem(name, None, None, f"empty file; expected a header row with {expected}")]
    except pd.errors.ParserError as error:
        return [], [Problem(name, None, None, f"not a CSV file ({error}); {expected}")]
    records = [
        [cell if isinstance(cell, str) else "" for cell in record]
        for record in frame.itertuples(index=False, name=None)
    ]
    header, body = records[0], records[1:]
    position: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = cell.strip().lower()
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            problems.append(Problem(name, 1, column or None, f"unknown column{guess}; {expected}"))
        elif column in position:
            problems.append(
                Problem(name, 1, column, "column appears twice; expected each column once")
            )
        else:
            position[column] = index
    for column in required:
        if column not in position:
            problems.append(Problem(name, 1, column, f"missing required column; {expected}"))
    if problems:
        return [], problems
    lines: list[_Line] = []
    number = 1 + sum(cell.count("\n") for cell in header)
    for record in body:
        number += 1
        first = number
        number += sum(cell.count("\n") for cell in record)
        if all(not cell.strip() for cell in record):
            continue
        cells = {column: record[index].strip() for column, index in position.items()}
        lines.append(_Line(name, first, cells, problems))
    return lines, problems


def _period(start: date, days: int) -> str:
    last = start + timedelta(days - 1)
    return f"a date from {start.isoformat()} to {last.isoformat()} (the simulated days)"


def _unknown(kind: str, value: str, known: Iterable[str], source: str) -> str:
    names = sorted(known)
    same = [n for n in names if n.lower() == value.lower()]
    hint = same or difflib.get_close_matches(value, names, n=1)
    guess = f" (did you mean {hint[0]}?)" if hint else ""
    return f"unknown {kind} {value!r}{guess}; expected {source}"


def read_demand(
    path: Path | str, factory: Factory, *, start: date, days: int
) -> tuple[DemandOrder, ...]:
    """The orders of a demand file, in file order, each arriving on its `date`.

    `latest` defaults to `requested` + 14 days. Dates must lie within the simulated days, the
    requested date on or after the order's date, the latest on or after the requested one.
    Raises FactoryFileError listing every problem.
    """
    lines, problems = _read(Path(path), DEMAND_COLUMNS, DEMAND_REQUIRED)
    skus = {item.sku for item in factory.items}
    last = start + timedelta(days - 1)
    orders: list[DemandOrder] = []
    for line in lines:
        on = line.day("date")
        if on is not None and not start <= on <= last:
            where = "before the first" if on < start else "after the last"
            line.problem(
                "date",
                f"{on.isoformat()} is {where} simulated day; expected {_period(start, days)}",
            )
        customer = line.text("customer", "a customer name, like Acme")
        sku = line.text("sku", "a sku from the factory's items")
        if sku is not None and sku not in skus:
            line.problem("sku", _unknown("sku", sku, skus, "a sku from the factory's items"))
        qty = line.whole("qty", "a whole number of units, 1 or more")
        requested = line.day("requested")
        if requested is not None and on is not None and requested < on:
            line.problem(
                "requested",
                f"{requested.isoformat()} is before the order's date {on.isoformat()}; expected "
                f"that date or later",
            )
        latest = line.day("latest", optional=True)
        if latest is not None and requested is not None and latest < requested:
            line.problem(
                "latest",
                f"{latest.isoformat()} is before the requested date {requested.isoformat()}; "
                f"expected that date or later",
            )
        if line.ok:
            assert on is not None and customer is not None and sku is not None
            assert qty is not None and requested is not None
            orders.append(
                DemandOrder(
                    number=len(orders) + 1,
                    arrives_on=on,
                    customer=customer,
                    sku=sku,
                    qty=qty,
                    requested_on=requested,
                    latest_on=latest or requested + timedelta(LATEST_AFTER),
                )
            )
    if problems:
        raise FactoryFileError(problems)
    # Orders arrive in date order; within a day, in file order.
    ordered = sorted(orders, key=lambda o: (o.arrives_on, o.number))
    return tuple(
        DemandOrder(n, o.arrives_on, o.customer, o.sku, o.qty, o.requested_on, o.latest_on)
        for n, o in enumerate(ordered, start=1)
    )


def read_disruptions(path: Path | str, factory: Factory, *, start: date) -> Disruptions:
    """Explicit disruptions: `breakdown,WC,DATE,N` (the work center has no capacity on its N
    workdays from DATE) and `late,SKU,DATE,N` (every delivery of SKU due on DATE, receipts and
    planned purchases alike, arrives N days late). Dates are from the first simulated day on.
    Raises FactoryFileError listing every problem."""
    lines, problems = _read(Path(path), DISRUPTION_COLUMNS, DISRUPTION_COLUMNS)
    centers = {wc.code: wc for wc in factory.work_centers}
    skus = {item.sku for item in factory.items}
    breakdowns: list[Breakdown] = []
    late: dict[tuple[str, date], int] = {}
    for line in lines:
        kind = (line.text("kind", "breakdown or late") or "").lower()
        if kind and kind not in ("breakdown", "late"):
            line.problem("kind", f"{kind!r} is not breakdown or late; expected breakdown or late")
        on = line.day("date")
        if on is not None and on < start:
            line.problem(
                "date",
                f"{on.isoformat()} is before the first simulated day; expected "
                f"{start.isoformat()} or later",
            )
        if kind == "late":
            code = line.text("code", "a sku from the factory's items")
            if code is not None and code not in skus:
                line.problem("code", _unknown("sku", code, skus, "a sku from the factory's items"))
            n = line.whole("days", "the days the delivery is late, 1 or more")
        else:
            code = line.text("code", "a work center code")
            if code is not None and code not in centers:
                line.problem("code", _unknown("work center", code, centers, "a work center code"))
            n = line.whole("days", "the workdays the breakdown lasts, 1 or more")
        if not line.ok:
            continue
        assert code is not None and on is not None and n is not None
        if kind == "late":
            late[(code, on)] = n
            continue
        center = centers[code]
        hours = daily_capacity(center, on, 7 * n + 60, factory.calendar, factory.holidays)
        span = tuple(on + timedelta(i) for i, x in enumerate(hours) if x > 0)[:n]
        if not span or span[0] != on:
            line.problem(
                "date", f"{on.isoformat()} is not a workday of {code}; expected one of its workdays"
            )
            continue
        breakdowns.append(Breakdown(code, on, span))
    if problems:
        raise FactoryFileError(problems)
    return Disruptions(
        breakdowns=tuple(sorted(breakdowns, key=lambda b: (b.starts_on, b.work_center))),
        late_on=late,
    )
