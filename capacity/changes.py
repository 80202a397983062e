"""Changes to the factory that operations report: hours on a work center, a receipt that moves or
shrinks, a stock count. Each is a value; `check` says what is wrong with it in a planner's words,
`applied` gives the factory after it, `describe` says it in plain words.

A change never touches reservations: `capacity.replan` re-plans the promises it breaks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from capacity.calendar import daily_capacity
from capacity.engine import format_day
from capacity.model import CalendarException, Factory, PlanningError, Receipt


class BadChange(PlanningError):
    """A change that cannot be applied as given; the message says what to fix.

    `kind` and `facts` say the same as structured facts (`no_work_center` with `code` and
    `codes`, …), for a reader who words it in another language (handlers.changes_views); the
    message itself stays English, as the CLI prints it."""

    def __init__(self, message: str, kind: str = "", **facts: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.facts = facts


class Described(str):
    """A change in plain English words (what `describe` returns), carrying its `kind` and
    `facts` (dates, hours, codes) so that a reader can word it in another language."""

    kind: str
    facts: dict[str, Any]

    def __new__(cls, text: str, kind: str = "", **facts: Any) -> Described:
        made = super().__new__(cls, text)
        made.kind = kind
        made.facts = facts
        return made


@dataclass(frozen=True)
class CapacityChange:
    """Set the whole capacity of `work_center` on every calendar day `first` … `last`, weekends
    included: `hours` (0 = closed), or None for the normal calendar (the day's exception lifted).
    With `extra` the hours are overtime, added to what each day has. `restore` are exceptions
    put back afterwards (lifting a downtime gives back what it hid)."""

    work_center: str
    first: date
    last: date
    hours: float | None
    reason: str = ""
    restore: tuple[CalendarException, ...] = ()
    extra: bool = False
    lifts: int | None = None
    """The downtime this change lifts (its audit entry), for `/capacity WC back`; `reason` is
    then the downtime's own."""

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class ReceiptChange:
    """A scheduled receipt, named by sku and ref, arrives on another day (`on`) or brings another
    quantity (`qty`; 0 cancels it)."""

    sku: str
    ref: str
    on: date | None = None
    qty: float | None = None


@dataclass(frozen=True)
class CountChange:
    """A stock count: `on_hand` is what is really there now."""

    sku: str
    on_hand: float


Change = CapacityChange | ReceiptChange | CountChange


def check(factory: Factory, change: Change, *, as_of: date, horizon_days: int) -> None:
    """Raise BadChange when `change` names what the factory does not have, a day outside the
    horizon or an impossible quantity."""
    end = as_of + timedelta(horizon_days - 1)

    def in_horizon(day: date, what: str, which: str) -> None:
        if day < as_of:
            raise BadChange(
                f"{what} {day.isoformat()} is before the planning date {as_of.isoformat()}; "
                "only today and later can change",
                "before_planning_date",
                which=which,
                day=day,
                as_of=as_of,
            )
        if day > end:
            raise BadChange(
                f"{what} {day.isoformat()} is beyond the {horizon_days}-day planning horizon "
                f"(it ends {end.isoformat()})",
                "beyond_horizon",
                which=which,
                day=day,
                horizon_days=horizon_days,
                end=end,
            )

    if isinstance(change, CapacityChange):
        codes = [wc.code for wc in factory.work_centers]
        if change.work_center not in codes:
            raise BadChange(
                f"there is no work center {change.work_center!r}; "
                f"the work centers are {', '.join(codes) or 'none'}",
                "no_work_center",
                code=change.work_center,
                codes=tuple(codes),
            )
        in_horizon(change.first, "the first day", "first")
        in_horizon(change.last, "the last day", "last")
        if change.last < change.first:
            raise BadChange(
                f"the last day {change.last.isoformat()} is before the first day "
                f"{change.first.isoformat()}",
                "last_before_first",
                first=change.first,
                last=change.last,
            )
        if change.hours is not None and not change.hours >= 0:
            raise BadChange(
                f"hours must be 0 or more, not {change.hours:g}",
                "negative_hours",
                hours=change.hours,
            )
        return
    skus = {item.sku for item in factory.items}
    if change.sku not in skus:
        raise BadChange(f"there is no item {change.sku!r}", "no_item", sku=change.sku)
    if isinstance(change, CountChange):
        if not change.on_hand >= 0:
            raise BadChange(
                f"a count must be 0 or more, not {change.on_hand:g}",
                "negative_count",
                on_hand=change.on_hand,
            )
        return
    matching = [r for r in factory.receipts if r.sku == change.sku and r.ref == change.ref]
    if not matching:
        refs = sorted({r.ref for r in factory.receipts if r.sku == change.sku and r.ref})
        known = f"its receipts are {', '.join(refs)}" if refs else "it has no named receipts"
        raise BadChange(
            f"{change.sku} has no receipt {change.ref!r}; {known}",
            "no_receipt",
            sku=change.sku,
            ref=change.ref,
            refs=tuple(refs),
        )
    if len(matching) > 1:
        raise BadChange(
            f"{change.sku} has {len(matching)} receipts named {change.ref!r}; give each its own "
            "ref in receipts.csv",
            "duplicate_receipt",
            sku=change.sku,
            ref=change.ref,
            count=len(matching),
        )
    if (change.on is None) == (change.qty is None):
        raise BadChange("say either the receipt's new date or its new quantity", "date_or_qty")
    if change.on is not None:
        in_horizon(change.on, "the new date", "new")
    if change.qty is not None and not change.qty >= 0:
        raise BadChange(
            f"a receipt's quantity must be 0 (cancelled) or more, not {change.qty:g}",
            "negative_receipt_qty",
            qty=change.qty,
        )


def calendar_after(factory: Factory, change: CapacityChange) -> tuple[CalendarException, ...]:
    """The work center's calendar exceptions on the change's days once it is applied (a day
    with none has its normal hours)."""
    days = change.days
    out: dict[date, CalendarException] = {}
    if change.extra:
        wc = next(w for w in factory.work_centers if w.code == change.work_center)
        now = daily_capacity(wc, change.first, len(days), factory.calendar, factory.holidays)
        for day, hours in zip(days, now, strict=True):
            out[day] = CalendarException(
                change.work_center, day, hours + float(change.hours or 0.0), change.reason
            )
    elif change.hours is not None:
        for day in days:
            out[day] = CalendarException(
                change.work_center, day, float(change.hours), change.reason
            )
    for exception in change.restore:
        if change.first <= exception.on <= change.last:
            out[exception.on] = exception
    return tuple(out[day] for day in sorted(out))


def applied(factory: Factory, change: Change) -> Factory:
    """The factory after `change` (checked with `check` first)."""
    if isinstance(change, CapacityChange):
        days = set(change.days)
        calendar = [
            e
            for e in factory.calendar
            if not (e.work_center == change.work_center and e.on in days)
        ]
        calendar += calendar_after(factory, change)
        calendar.sort(key=lambda e: (e.work_center, e.on))
        return dataclasses.replace(factory, calendar=tuple(calendar))
    if isinstance(change, CountChange):
        on_hand = dict(factory.on_hand)
        on_hand[change.sku] = float(change.on_hand)
        return dataclasses.replace(factory, on_hand=on_hand)
    receipts: list[Receipt] = []
    for receipt in factory.receipts:
        if receipt.sku == change.sku and receipt.ref == change.ref:
            if change.qty is not None and change.qty <= 0:
                continue  # cancelled
            receipt = dataclasses.replace(
                receipt,
                on=change.on if change.on is not None else receipt.on,
                qty=float(change.qty) if change.qty is not None else receipt.qty,
            )
        receipts.append(receipt)
    return dataclasses.replace(factory, receipts=tuple(receipts))


def _span(first: date, last: date, as_of: date) -> str:
    if first == last:
        return format_day(first, as_of)
    if first.year == last.year and first.month == last.month:
        return f"{first:%a} {first.day} – {format_day(last, as_of)}"
    return f"{format_day(first, as_of)} – {format_day(last, as_of)}"


def _hours(value: float) -> str:
    return f"{value:g} h"


def _qty(value: float) -> str:
    return f"{value:g}"


def describe(before: Factory, change: Change, *, as_of: date) -> Described:
    """The change in plain words, as the owners of the promises it moves are told it:
    "CNC is down Thu 3 – Fri 4 Dec: spindle repair", with its kind and facts (`Described`)."""
    if isinstance(change, CapacityChange):
        code = change.work_center
        span = _span(change.first, change.last, as_of)
        why = f": {change.reason}" if change.reason else ""
        if change.lifts is not None:
            # Lifting a downtime: the reason is the downtime's, which is now over.
            why = f": {change.reason or 'downtime'} is over"
        days = {
            "code": code,
            "first": change.first,
            "last": change.last,
            "as_of": as_of,
            "reason": change.reason,
        }
        if change.extra:
            text = f"{code} works {_hours(change.hours or 0.0)} overtime {span}{why}"
            return Described(text, "overtime", hours=change.hours or 0.0, **days)
        if change.hours is None:
            text = f"{code} is back to its usual hours {span}{why}"
            return Described(text, "back", lifted=change.lifts is not None, **days)
        if change.hours == 0:
            return Described(f"{code} is down {span}{why}", "down", **days)
        wc = next(w for w in before.work_centers if w.code == code)
        normal = daily_capacity(
            wc, change.first, len(change.days), before.calendar, before.holidays
        )
        was = sorted(set(normal))
        if len(was) == 1 and was[0] < change.hours:
            extra = change.hours - was[0]
            whole = _hours(change.hours)
            text = f"{code} works {_hours(extra)} overtime {span} ({whole} a day){why}"
            return Described(text, "more_hours", extra=extra, hours=change.hours, **days)
        each = " a day" if change.first != change.last else ""
        old = f" (was {_hours(was[0])})" if len(was) == 1 else ""
        text = f"{code} has {_hours(change.hours)}{each} {span}{old}{why}"
        return Described(
            text, "hours", hours=change.hours, was=was[0] if len(was) == 1 else None, **days
        )
    if isinstance(change, CountChange):
        counted = before.on_hand.get(change.sku, 0.0)
        text = f"{change.sku} was counted: {_qty(change.on_hand)} on hand, not {_qty(counted)}"
        return Described(text, "count", sku=change.sku, on_hand=change.on_hand, counted=counted)
    receipt = next(r for r in before.receipts if r.sku == change.sku and r.ref == change.ref)
    name = f"{change.sku} receipt {change.ref}"
    facts = {"sku": change.sku, "ref": change.ref, "as_of": as_of}
    if change.on is not None:
        later = "is late" if change.on > receipt.on else "comes early"
        text = (
            f"{name} {later}: it arrives {format_day(change.on, as_of)} instead of "
            f"{format_day(receipt.on, as_of)}"
        )
        kind = "receipt_late" if change.on > receipt.on else "receipt_early"
        return Described(text, kind, on=change.on, was=receipt.on, **facts)
    assert change.qty is not None
    if change.qty <= 0:
        text = f"{name} ({_qty(receipt.qty)} due {format_day(receipt.on, as_of)}) is cancelled"
        return Described(text, "receipt_cancelled", qty=receipt.qty, on=receipt.on, **facts)
    text = f"{name} brings {_qty(change.qty)} instead of {_qty(receipt.qty)}"
    return Described(text, "receipt_qty", qty=change.qty, was=receipt.qty, **facts)
