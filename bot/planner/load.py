"""The load chart of one work center: reserved hours by order and day against its capacity.

The numbers are the plan's own: each day's bar is the active reservations' hours on that work
center, stacked by order, read from the same rows the engine books; the capacity line is the
engine's (calendar exceptions and holidays included), with the rush reserve shaded above the
normal capacity. `summary` says in one sentence what the picture shows, for a screen reader and a
phone's notification.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from bot.platform import charts, i18n
from bot.platform.db.tables import CustomerRow, OrderRow, ReservationRow, ReservedHoursRow
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.promising.orders import OrderService
from capacity.calendar import daily_capacity
from capacity.model import PlanningError

LABELLED_ORDERS = 6
"""How many of the largest orders the chart names in its legend; the rest are "other orders"."""
FULL = 0.999
"""A day whose normal capacity is booked to this fraction counts as full."""


class UnknownWorkCenter(PlanningError):
    """No work center has that code; the message names the closest ones."""

    def __init__(self, code: str, known: list[str]) -> None:
        close = difflib.get_close_matches(code.upper(), known, n=3, cutoff=0.3)
        every = ", ".join(sorted(known))
        if close:
            text = _(
                "There is no work center {code}. Did you mean {closest}? Work centers: {known}.",
                code=repr(code),
                closest=", ".join(close),
                known=every,
            )
        else:
            text = _(
                "There is no work center {code}. Work centers: {known}.",
                code=repr(code),
                known=every,
            )
        super().__init__(text)
        self.code = code
        self.closest = close


@dataclass(frozen=True)
class OrderHours:
    """One order's reserved hours on the work center on one day."""

    ref: str
    customer: str
    status: str
    rush: bool
    hours: float


@dataclass(frozen=True)
class DayLoad:
    on: date
    capacity: float
    """The day's whole capacity, rush reserve included."""
    normal: float
    """What normal orders may use: capacity less the rush reserve."""
    standard: float
    """The work center's hours by its shift pattern, before calendar exceptions."""
    orders: tuple[OrderHours, ...]
    note: str = ""
    """"closed: REASON" or "overtime: REASON" when a calendar exception changed the day."""

    @property
    def reserved(self) -> float:
        return sum(order.hours for order in self.orders)


@dataclass(frozen=True)
class LoadChart:
    work_center: str
    name: str
    as_of: date
    days: tuple[DayLoad, ...]

    @property
    def weeks(self) -> int:
        return len(self.days) // 7

    def booked_share(self) -> float:
        """Reserved hours over normal capacity, across the chart's days (0 when it has none)."""
        normal = sum(day.normal for day in self.days)
        return sum(day.reserved for day in self.days) / normal if normal else 0.0

    def full_spans(self) -> list[tuple[date, date]]:
        """Runs of workdays whose normal capacity is booked, closed days in between skipped."""
        spans: list[tuple[date, date]] = []
        start = end = None
        for day in self.days:
            if day.capacity <= 0:
                continue
            if day.reserved >= day.normal * FULL and day.normal > 0:
                start = start or day.on
                end = day.on
            elif start is not None and end is not None:
                spans.append((start, end))
                start = end = None
        if start is not None and end is not None:
            spans.append((start, end))
        return spans

    def summary(self) -> str:
        """`CNC: 87 % booked over 4 weeks; full Thu 3 – Tue 8 Dec`, for screen readers."""
        n = self.weeks
        share = i18n.percent(self.booked_share()).replace("%", " %")
        spans = self.full_spans()
        full = _listed([_span(start, end, self.as_of) for start, end in spans])
        closed_days = [day.on for day in self.days if day.note.startswith("closed")]
        closed = _listed([i18n.day(on, self.as_of) for on in closed_days], days=True)
        fields = {"code": self.work_center, "share": share, "n": n, "full": full, "closed": closed}
        # TRANSLATORS: share is like "87 %"; full lists days or spans of days like
        # "Thu 3 – Tue 8 Dec"; closed lists days. The sentence is a chart's title.
        if spans and closed_days:
            return ngettext(
                "{code}: {share} booked over {n} week; full {full}; closed {closed}.",
                "{code}: {share} booked over {n} weeks; full {full}; closed {closed}.",
                n,
                **fields,
            )
        if spans:
            return ngettext(
                "{code}: {share} booked over {n} week; full {full}.",
                "{code}: {share} booked over {n} weeks; full {full}.",
                n,
                **fields,
            )
        if closed_days:
            return ngettext(
                "{code}: {share} booked over {n} week; no day full; closed {closed}.",
                "{code}: {share} booked over {n} weeks; no day full; closed {closed}.",
                n,
                **fields,
            )
        return ngettext(
            "{code}: {share} booked over {n} week; no day full.",
            "{code}: {share} booked over {n} weeks; no day full.",
            n,
            **fields,
        )

    def to_json(self) -> dict[str, Any]:
        """The numbers the chart draws (`promisebot chart load --json`)."""
        return {
            "work_center": self.work_center,
            "as_of": self.as_of.isoformat(),
            "booked": round(self.booked_share(), 4),
            "summary": self.summary(),
            "days": [
                {
                    "date": day.on.isoformat(),
                    "capacity": round(day.capacity, 9),
                    "normal": round(day.normal, 9),
                    "reserved": round(day.reserved, 9),
                    "note": day.note or None,
                    "orders": [
                        {
                            "ref": o.ref,
                            "customer": o.customer,
                            "status": o.status,
                            "rush": o.rush,
                            "hours": round(o.hours, 9),
                        }
                        for o in day.orders
                    ],
                }
                for day in self.days
            ],
        }


def _listed(shown: list[str], *, days: bool = False) -> str:
    """The first three of a list of days, then how many more: `Mon 7, Tue 8 and 2 more days`."""
    text = ", ".join(shown[:3])
    left = len(shown) - 3
    if left <= 0:
        return text
    if days:
        return ngettext(
            "{days} and {n} more day", "{days} and {n} more days", left, days=text, n=left
        )
    return ngettext("{days} and {n} more", "{days} and {n} more", left, days=text, n=left)


def _span(start: date, end: date, as_of: date) -> str:
    if start == end:
        return i18n.day(start, as_of)
    if start.month == end.month and i18n.active() == "en":
        return f"{start:%a} {start.day} – {i18n.day(end, as_of)}"
    return f"{i18n.day(start, as_of)} – {i18n.day(end, as_of)}"


def load_chart(orders: OrderService, work_center: str, *, weeks: int = 4) -> LoadChart:
    """The next `weeks` weeks of `work_center` from the planning date, as the plan has them."""
    if not 1 <= weeks <= 26:
        raise PlanningError(_("show 1 to 26 weeks, not {weeks}", weeks=weeks))
    engine = orders.engine()
    codes = {wc.code.upper(): wc for wc in engine.factory.work_centers}
    wc = codes.get(work_center.strip().upper())
    if wc is None:
        raise UnknownWorkCenter(work_center, [c.code for c in engine.factory.work_centers])
    start = engine.as_of
    end = start + timedelta(days=7 * weeks)
    by_day: dict[date, list[OrderHours]] = defaultdict(list)
    with orders.sessions() as session:
        rows = session.execute(
            sa.select(
                ReservedHoursRow.on,
                OrderRow.ref,
                CustomerRow.name,
                OrderRow.status,
                OrderRow.rush,
                sa.func.sum(ReservedHoursRow.hours),
            )
            .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
            .join(OrderRow, OrderRow.id == ReservationRow.order_id)
            .join(CustomerRow, CustomerRow.id == OrderRow.customer_id)
            .where(
                ReservationRow.active.is_(True),
                ReservedHoursRow.work_center == wc.code,
                ReservedHoursRow.on >= start,
                ReservedHoursRow.on < end,
            )
            .group_by(
                ReservedHoursRow.on, OrderRow.ref, CustomerRow.name, OrderRow.status, OrderRow.rush
            )
            .order_by(ReservedHoursRow.on, OrderRow.ref)
        ).all()
    for on, ref, customer, status, rush, hours in rows:
        by_day[on].append(OrderHours(ref, customer, status, rush, float(hours)))
    standard = daily_capacity(wc, start, 7 * weeks)
    exceptions = {e.on: e for e in engine.factory.calendar if e.work_center in (wc.code, "*")}
    mine = {e.on: e for e in engine.factory.calendar if e.work_center == wc.code}
    exceptions.update(mine)
    days = []
    for i in range(7 * weeks):
        on = start + timedelta(i)
        capacity = engine.capacity(wc.code, on)
        note = ""
        exception = exceptions.get(on)
        if capacity <= 0 and standard[i] > 0:
            reason = exception.reason if exception else engine.factory.holidays.get(on, "")
            note = f"closed: {reason}" if reason else "closed"
        elif exception is not None and capacity > standard[i]:
            note = f"overtime: {exception.reason}" if exception.reason else "overtime"
        elif exception is not None and capacity < standard[i]:
            note = f"short: {exception.reason}" if exception.reason else "short"
        days.append(
            DayLoad(
                on,
                capacity,
                engine.capacity(wc.code, on, rush=False),
                standard[i],
                tuple(by_day.get(on, ())),
                note,
            )
        )
    return LoadChart(wc.code, wc.name, start, tuple(days))


SHADES = {
    "confirmed": ("#1a365d", "#2b6cb0", "#4299e1", "#2c5282"),
    "held": ("#63b3ed", "#90cdf4", "#bee3f8"),
    "rush": ("#9c4221", "#dd6b20", "#f6ad55"),
    "moved": ("#553c9a", "#805ad5", "#b794f4"),
}
"""A colour family per kind of order, a shade per order, so neighbouring orders stay apart."""
KINDS = {"confirmed": N_("confirmed"), "held": N_("held"), "rush": N_("rush"), "moved": N_("moved")}
"""What the legend calls each kind of order."""


def _kind(order: OrderHours) -> str:
    if order.rush:
        return "rush"
    return order.status if order.status in SHADES else "confirmed"


def render_load_png(chart: LoadChart) -> bytes:
    """The chart as a 1200×600 PNG: stacked bars by order, the capacity line, the reserve shaded,
    closures and overtime marked, the summary as the title."""
    with charts.labels():
        return _render_load_png(chart)


def _render_load_png(chart: LoadChart) -> bytes:
    import numpy as np

    figure = charts.figure()
    axes = figure.add_subplot()
    x = np.arange(len(chart.days))
    totals: dict[str, float] = defaultdict(float)
    for day in chart.days:
        for order in day.orders:
            totals[order.ref] += order.hours
    named = [ref for ref, _hours in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    named = named[:LABELLED_ORDERS]
    bottom = np.zeros(len(chart.days))
    used: dict[str, int] = defaultdict(int)
    for ref in sorted(totals, key=lambda r: (r not in named, r)):
        heights = np.array([sum(o.hours for o in d.orders if o.ref == ref) for d in chart.days])
        sample = next(o for day in chart.days for o in day.orders if o.ref == ref)
        kind = _kind(sample)
        colour = SHADES[kind][used[kind] % len(SHADES[kind])]
        used[kind] += 1
        label = (
            # TRANSLATORS: a legend entry: an order's ref, its customer, its kind (confirmed...).
            _(
                "{ref} {customer} ({kind})",
                ref=ref,
                customer=sample.customer[:24],
                kind=i18n.gettext(KINDS[kind]),
            )
            if ref in named
            else None
        )
        axes.bar(
            x, heights, bottom=bottom, color=colour, edgecolor="white", linewidth=0.5, label=label
        )
        bottom += heights
    capacity = np.array([day.capacity for day in chart.days])
    normal = np.array([day.normal for day in chart.days])
    axes.step(x, capacity, where="mid", color="#1a202c", linewidth=1.5, label=_("capacity"))
    axes.fill_between(
        x, normal, capacity, step="mid", color="#fbd38d", alpha=0.5, label=_("rush reserve")
    )
    top = max(float(capacity.max(initial=0)), float(bottom.max(initial=0)), 1.0)
    for i, day in enumerate(chart.days):
        if day.note.startswith("closed"):
            axes.axvspan(i - 0.5, i + 0.5, color="#e2e8f0", zorder=0)
            axes.text(i, top * 0.5, _("closed"), rotation=90, ha="center", va="center", fontsize=8)
        elif day.note.startswith("overtime"):
            # TRANSLATORS: a chart's mark on a day with overtime: keep it very short.
            axes.text(i, day.capacity, _("+OT"), ha="center", va="bottom", fontsize=8)
    axes.set_xticks(x)
    axes.set_xticklabels([_tick(i, day.on) for i, day in enumerate(chart.days)], fontsize=7)
    axes.set_ylabel(_("hours"))
    axes.set_ylim(0, top * 1.15)
    axes.set_title(chart.summary(), fontsize=11, loc="left")
    others = len(totals) - len(named)
    if others > 0:
        axes.bar(
            [],
            [],
            color="#ffffff",
            label=ngettext("and {n} more order", "and {n} more orders", others, n=others),
        )
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, ncols=4, frameon=False)
    return charts.png(figure)


def _tick(index: int, on: date) -> str:
    """`Mon\n7 Dec` at the start and on the first of a month, else `Tue\n8`."""
    if index == 0 or on.day == 1 or on.weekday() == 0:
        return f"{charts.weekday_abbr(on)}\n{charts.short_day(on)}"
    return f"{charts.weekday_abbr(on)}\n{on.day}"
