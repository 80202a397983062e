"""The weekly digest for managers: were promises kept, how long are quotes, where is the load.

Computed with pandas from the database and the plan, for the week starting on a Monday:
- on-time rate of promised orders due that week and in the trailing 8 weeks, by customer and by
  cause. An order is kept when everything shipped on or before its promised date; it is missed
  when its promised date has passed (or it shipped after it) without that; until then it is
  pending and not counted;
- quoted lead time (promised date − the day the order was created) and its trend;
- rush orders; capacity requests with their response times and outcomes;
- utilisation by work center for the next 8 weeks, and the open leads converted into load
  ("if the open leads close, CNC runs at 130% in January");
- lead follow-ups done on time, and who has overdue ones.
Charts (a load heat map and the on-time trend) are PNGs of a fixed size, drawn with matplotlib's
Agg canvas (no pyplot, so no global state and safe in threads).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.collaboration.takt import COUNTED_STATUSES, DemandLine, Takt, takt_times
from bot.collaboration.takt import WINDOW_WEEKS as TAKT_WEEKS
from bot.platform import charts, i18n
from bot.platform.blockkit import (
    SECTION_TEXT,
    More,
    and_more,
    clip,
    context,
    escape,
    header,
    lines_within,
    mention,
    section,
)
from bot.platform.db.tables import (
    AuditLogRow,
    CalendarExceptionRow,
    CapacityRequestRow,
    CustomerRow,
    ItemRow,
    LeadFollowupRow,
    LeadRow,
    OrderRow,
    ReservationRow,
    ReservedHoursRow,
    RoutingOperationRow,
    ShipmentRow,
    WorkCenterRow,
)
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.platform.outbox import enqueue, file_upload
from bot.promising.moves import MoveRecord, moves_between

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.promising.orders import OrderService

PROMISED_STATUSES = ("confirmed", "at_risk", "shipped")
"""Orders that carry a promise to a customer (a hold is not one yet)."""
TRAILING_WEEKS = 8
LOAD_WEEKS = 8


# --- promises kept or missed ---------------------------------------------------------------------


def _where(frame: pd.DataFrame, flags: Iterable[bool]) -> pd.DataFrame:
    """The rows whose flag is true. (`frame[[...]]` would select columns when the list is empty.)"""
    return frame.loc[np.fromiter(flags, dtype=bool, count=len(frame))]


def classify_promise(
    qty: int,
    promised_on: date,
    shipments: Sequence[tuple[date, int]],
    today: date,
) -> tuple[str, str]:
    """(`kept` | `missed` | `pending`, how): kept when all `qty` shipped by `promised_on`.

    Pending while the promised day has not passed (today included) and not all has shipped.
    For a miss, how it went: `shipped late`, `shipped short` (part by the date) or `not
    shipped`; that is what missed means, so the digest names the cause the plan knew
    (`causes_of_misses`) and says this only when the plan knew none.
    """
    by_date = sum(q for on, q in shipments if on <= promised_on)
    total = sum(q for _, q in shipments)
    if by_date >= qty:
        return "kept", ""
    if promised_on >= today and total < qty:
        return "pending", ""
    if total == 0:
        return "missed", "not shipped"
    if by_date > 0:
        return "missed", "shipped short"
    return "missed", "shipped late"


def causes_of_misses(session: Session, missed: Mapping[int, str]) -> dict[int, str]:
    """Why each missed promise (order id → how it went, from classify_promise) was missed, in
    what the plan knew:

    - `taken without a quote`: the order never had a reservation (booked on a date the plan
      could not keep, e.g. imported at risk);
    - `late receipt of SHEET`: a re-check found stock the order counted on gone short (a
      receipt moved later or cut, stock counted lower);
    - `breakdown at WELD`: hours it counted on were taken away (a re-check found the day
      over-booked, or a calendar exception left the day fewer hours than it alone held there);
    - `the order moved`: it was taken off the plan and placed again, or put at risk;
    - else `ready in the plan, shipped late` (or short, or not shipped): the plan held what it
      needed; the delay came after it.
    """
    ids = list(missed)
    if not ids:
        return {}
    refs: dict[int, str] = {
        order_id: ref
        for order_id, ref in session.execute(
            sa.select(OrderRow.id, OrderRow.ref).where(OrderRow.id.in_(ids))
        )
    }
    reserved = set(
        session.scalars(
            sa.select(ReservationRow.order_id).where(ReservationRow.order_id.in_(ids)).distinct()
        )
    )
    replans: dict[str, list[dict[str, Any]]] = {}
    for ref, detail in session.execute(
        sa.select(AuditLogRow.entity_id, AuditLogRow.detail)
        .where(
            AuditLogRow.entity == "order",
            AuditLogRow.action.in_(("at_risk", "replan")),
            AuditLogRow.entity_id.in_(list(refs.values())),
        )
        .order_by(AuditLogRow.id)
    ):
        replans.setdefault(ref, []).append(dict(detail or {}))
    held: dict[int, dict[tuple[str, date], float]] = {}
    for order_id, code, on, hours in session.execute(
        sa.select(
            ReservationRow.order_id,
            ReservedHoursRow.work_center,
            ReservedHoursRow.on,
            ReservedHoursRow.hours,
        )
        .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
        .where(ReservationRow.order_id.in_(ids))
    ):
        days = held.setdefault(order_id, {})
        days[(code, on)] = days.get((code, on), 0.0) + hours
    lost = _lost_hours(session, {day for days in held.values() for day in days})
    causes: dict[int, str] = {}
    for order_id, how in missed.items():
        audits = replans.get(refs.get(order_id, ""), [])
        short = sorted({sku for a in audits for sku in a.get("short_stock") or []})
        broke = sorted({code for a in audits for code, _ in a.get("lost_hours") or []})
        broke += sorted(
            code
            for (code, on), hours in held.get(order_id, {}).items()
            if (code, on) in lost and lost[(code, on)] < hours - 1e-9
        )
        if order_id not in reserved:
            causes[order_id] = "taken without a quote"
        elif short:
            causes[order_id] = f"late receipt of {short[0]}"
        elif broke:
            causes[order_id] = f"breakdown at {broke[0]}"
        elif audits:
            causes[order_id] = "the order moved"
        else:
            causes[order_id] = f"ready in the plan, {how}"
    return causes


def _lost_hours(session: Session, days: set[tuple[str, date]]) -> dict[tuple[str, date], float]:
    """Of these work-center days, those a calendar exception gives fewer hours than a usual day
    (a breakdown, maintenance, a shift cut), with the hours left; one for the work center beats
    one for every work center (`*`)."""
    if not days:
        return {}
    usual = {
        code: machines * shifts * hours * efficiency
        for code, machines, shifts, hours, efficiency in session.execute(
            sa.select(
                WorkCenterRow.code,
                WorkCenterRow.machines,
                WorkCenterRow.shifts_per_day,
                WorkCenterRow.hours_per_shift,
                WorkCenterRow.efficiency,
            )
        )
    }
    exceptions: dict[tuple[str, date], float] = {}
    for code, on, hours in session.execute(
        sa.select(
            CalendarExceptionRow.work_center, CalendarExceptionRow.on, CalendarExceptionRow.hours
        ).where(CalendarExceptionRow.on.in_(sorted({on for _code, on in days})))
    ):
        exceptions[(code, on)] = hours
    lost: dict[tuple[str, date], float] = {}
    for code, on in days:
        hours = exceptions.get((code, on), exceptions.get(("*", on)))
        if hours is not None and hours < usual.get(code, 0.0) - 1e-9:
            lost[(code, on)] = hours
    return lost


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(today: date) -> date:
    """The Monday of the week before the one `today` is in."""
    return monday(today) - timedelta(weeks=1)


# --- the digest ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRate:
    week: date
    kept: int
    missed: int

    @property
    def rate(self) -> float | None:
        return _share(self.kept, self.missed)


@dataclass(frozen=True)
class Missed:
    ref: str
    customer: str
    sku: str
    qty: int
    promised_on: date
    cause: str


@dataclass(frozen=True)
class OnTime:
    week: WeekRate
    pending: int
    trailing: list[WeekRate]
    """The trailing weeks, oldest first, ending with the digest's week."""
    by_customer: list[tuple[str, int, int]]
    """(customer, kept, missed) over the trailing weeks, most missed first."""
    by_cause: list[tuple[str, int]]
    """(cause, missed orders) over the trailing weeks, most first."""
    missed: list[Missed]
    """The week's missed promises."""

    @property
    def trailing_kept(self) -> int:
        return sum(w.kept for w in self.trailing)

    @property
    def trailing_missed(self) -> int:
        return sum(w.missed for w in self.trailing)

    @property
    def trailing_rate(self) -> float | None:
        return _share(self.trailing_kept, self.trailing_missed)


@dataclass(frozen=True)
class LeadTime:
    week_mean_days: float | None
    week_orders: int
    previous_mean_days: float | None
    """Mean over the trailing weeks before this one."""
    weekly: list[tuple[date, float | None, int]]

    @property
    def trend_days(self) -> float | None:
        if self.week_mean_days is None or self.previous_mean_days is None:
            return None
        return self.week_mean_days - self.previous_mean_days


@dataclass(frozen=True)
class Requests:
    count: int
    by_outcome: dict[str, int]
    median_response_hours: float | None
    max_response_hours: float | None
    still_open: int


@dataclass(frozen=True)
class PipelineLoad:
    work_center: str
    month: date
    capacity_hours: float
    reserved_hours: float
    lead_hours: float

    @property
    def load(self) -> float | None:
        """(reserved + lead hours) / capacity: the load if the open leads close."""
        if self.capacity_hours <= 0:
            return None
        return (self.reserved_hours + self.lead_hours) / self.capacity_hours

    def sentence(self, *, capital: bool = False) -> str:
        """`if the open leads close, CNC runs at 130% in January 2027` (`If …` with `capital`:
        a sentence of its own)."""
        load = self.load
        month = charts.month(self.month)
        if load is None:
            # TRANSLATORS: hours like 120; month like "January 2027".
            if capital:
                return _(
                    "If the open leads close, {code} needs {hours} h in {month}, which the plan "
                    "has no capacity for",
                    code=self.work_center,
                    hours=f"{self.lead_hours:.0f}",
                    month=month,
                )
            return _(
                "if the open leads close, {code} needs {hours} h in {month}, which the plan "
                "has no capacity for",
                code=self.work_center,
                hours=f"{self.lead_hours:.0f}",
                month=month,
            )
        # TRANSLATORS: load is a percentage like 130%; month like "January 2027".
        if capital:
            return _(
                "If the open leads close, {code} runs at {load} in {month}",
                code=self.work_center,
                load=i18n.percent(load),
                month=month,
            )
        return _(
            "if the open leads close, {code} runs at {load} in {month}",
            code=self.work_center,
            load=i18n.percent(load),
            month=month,
        )


@dataclass(frozen=True)
class Followups:
    due: int
    on_time: int
    late: int
    open: int
    overdue_by_owner: list[tuple[str, int]]
    """(owner, overdue follow-ups now), most first."""

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Digest:
    week_start: date
    generated_at: datetime
    timezone: str
    on_time: OnTime
    lead_time: LeadTime
    rush: list[str]
    requests: Requests
    utilisation: dict[str, dict[date, float]]
    """work center → week (Monday) → reserved / capacity, for the next 8 weeks."""
    load_weeks: list[date]
    pipeline: list[PipelineLoad]
    unmatched_leads: int
    """Open leads with an expected month and quantity whose product names no sku."""
    followups: Followups
    conversion: list[tuple[str, int, int, int]]
    """(source, leads, won, lost)."""
    takt: list[Takt] = field(default_factory=list)
    """Sold items' takt time against the hours they need, those demand outruns first."""
    charts: dict[str, bytes] = field(default_factory=dict, repr=False)
    """File name → PNG bytes: `load.png`, `on_time.png`."""
    moves: list[MoveRecord] = field(default_factory=list)
    """Orders a change in the factory moved this week, and their owners' answers."""

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def headline_pipeline(self) -> PipelineLoad | None:
        loads = [p for p in self.pipeline if p.load is not None]
        return max(loads, key=lambda p: p.load or 0.0, default=None)

    # ------------------------------------------------------------------ rendering

    def title(self) -> str:
        return _(
            "Weekly digest: {start} – {end}",
            start=i18n.day(self.week_start),
            end=_day_with_year(self.week_end),
        )

    def charts_comment(self) -> str:
        """What the charts' upload says in the digest's thread."""
        return _(
            "Charts for the weekly digest: {start} – {end}",
            start=i18n.day(self.week_start),
            end=_day_with_year(self.week_end),
        )

    def summary_lines(self) -> list[str]:
        """The digest's key figures, one per line (the plain-text fallback)."""
        ot = self.on_time
        week = {"rate": _rate(ot.week.rate), "kept": ot.week.kept, "missed": ot.week.missed}
        lines = [
            _(
                "On time this week: {rate} ({kept} kept, {missed} missed, {pending} pending)",
                pending=ot.pending,
                **week,
            )
            if ot.pending
            else _("On time this week: {rate} ({kept} kept, {missed} missed)", **week),
            _(
                "On time, last {n} weeks: {rate} ({kept} kept, {missed} missed)",
                n=len(ot.trailing),
                rate=_rate(ot.trailing_rate),
                kept=ot.trailing_kept,
                missed=ot.trailing_missed,
            ),
        ]
        lt = self.lead_time
        if lt.week_mean_days is not None:
            mean = i18n.fixed(lt.week_mean_days)
            if lt.trend_days is not None:
                lines.append(
                    # TRANSLATORS: days like 5.2; trend like -3.0 or +1.5 (days); n orders.
                    _(
                        "Quoted lead time: {days} days on average ({n} orders, {trend} days vs "
                        "the {weeks} weeks before)",
                        days=mean,
                        n=lt.week_orders,
                        trend=("+" if lt.trend_days >= 0 else "") + i18n.fixed(lt.trend_days),
                        weeks=TRAILING_WEEKS - 1,
                    )
                )
            else:
                lines.append(
                    _(
                        "Quoted lead time: {days} days on average ({n} orders)",
                        days=mean,
                        n=lt.week_orders,
                    )
                )
        else:
            lines.append(_("Quoted lead time: no orders promised this week"))
        lines.append(_("Rush orders: {n}", n=len(self.rush)))
        if self.moves:
            lines.append(_moves_line(self.moves))
        rq = self.requests
        if rq.count:
            outcomes = ", ".join(_outcome(status, n) for status, n in rq.by_outcome.items())
            if rq.median_response_hours is not None and rq.max_response_hours is not None:
                lines.append(
                    # TRANSLATORS: outcomes like "2 approved, 1 declined"; hours like 3.5.
                    _(
                        "Capacity requests: {n} ({outcomes}); answered in {median} h (median), "
                        "{most} h at most",
                        n=rq.count,
                        outcomes=outcomes,
                        median=i18n.fixed(rq.median_response_hours),
                        most=i18n.fixed(rq.max_response_hours),
                    )
                )
            else:
                lines.append(
                    _("Capacity requests: {n} ({outcomes})", n=rq.count, outcomes=outcomes)
                )
        else:
            lines.append(_("Capacity requests: none"))
        busiest = self.busiest()
        if busiest:
            code, week_of, load = busiest
            lines.append(
                _(
                    "Most loaded: {code} at {load} in the week of {day}",
                    code=code,
                    load=i18n.percent(load),
                    day=charts.short_day(week_of),
                )
            )
        head = self.headline_pipeline
        if head is not None:
            lines.append(head.sentence(capital=True))
        fu = self.followups
        done = {"rate": _rate(fu.rate), "on_time": fu.on_time, "due": fu.due}
        if fu.overdue_by_owner:
            lines.append(
                _(
                    "Lead follow-ups done on time: {rate} ({on_time} of {due}); overdue now: "
                    "{overdue}",
                    overdue=sum(n for _owner, n in fu.overdue_by_owner),
                    **done,
                )
            )
        else:
            lines.append(_("Lead follow-ups done on time: {rate} ({on_time} of {due})", **done))
        outrun = [t.sku for t in self.takt if t.outruns]
        if outrun:
            shown = ", ".join(outrun[:5])
            if len(outrun) > 5:
                shown = _("{items} and {n} more", items=shown, n=len(outrun) - 5)
            lines.append(_("Demand outruns the line (takt time) for: {items}", items=shown))
        return lines

    def busiest(self) -> tuple[str, date, float] | None:
        best: tuple[str, date, float] | None = None
        for code, weeks in self.utilisation.items():
            for week, load in weeks.items():
                if best is None or load > best[2]:
                    best = (code, week, load)
        return best

    def text(self) -> str:
        """The key figures as a message's fallback (mrkdwn: item codes and names escaped)."""
        return "\n".join([self.title(), *(escape(line) for line in self.summary_lines())])

    def to_markdown(self) -> str:
        ot, lt, rq, fu = self.on_time, self.lead_time, self.requests, self.followups
        out = [f"# {self.title()}", "", *[f"- {line}" for line in self.summary_lines()], ""]
        out += [
            "## " + _("Promises"),
            "",
            _("| week | kept | missed | on time |"),
            "| --- | ---: | ---: | ---: |",
        ]
        out += [
            f"| {charts.short_day(w.week, year=True)} | {w.kept} | {w.missed} | {_rate(w.rate)} |"
            for w in ot.trailing
        ]
        if ot.missed:
            out += ["", _("Missed this week:"), ""]
            out += [
                "- "
                + _(
                    "{ref} {customer}: {qty} {sku} promised {day} ({cause})",
                    ref=m.ref,
                    customer=m.customer,
                    qty=m.qty,
                    sku=m.sku,
                    day=i18n.day(m.promised_on, self.week_start),
                    cause=cause_text(m.cause),
                )
                for m in ot.missed
            ]
        if ot.by_customer:
            out += ["", _("| customer | kept | missed | on time |"), "| --- | ---: | ---: | ---: |"]
            out += [
                f"| {c} | {k} | {m} | {_rate(k / (k + m) if k + m else None)} |"
                for c, k, m in ot.by_customer
            ]
        if ot.by_cause:
            out += ["", _("| cause of a miss | orders |"), "| --- | ---: |"]
            out += [f"| {cause_text(cause)} | {n} |" for cause, n in ot.by_cause]
        out += [
            "",
            "## " + _("Quoted lead time"),
            "",
            _("| week | mean days | orders |"),
            "| --- | ---: | ---: |",
        ]
        out += [
            f"| {charts.short_day(week, year=True)} | {'' if mean is None else i18n.fixed(mean)} "
            f"| {n} |"
            for week, mean, n in lt.weekly
        ]
        out += ["", "## " + _("Rush orders"), ""]
        out += [f"- {line}" for line in self.rush] or [_("None.")]
        out += ["", "## " + _("Capacity requests"), ""]
        if rq.count:
            out += [f"- {_status(status)}: {n}" for status, n in rq.by_outcome.items()]
            if rq.median_response_hours is not None:
                out.append(
                    "- "
                    + _(
                        "response time: median {median} h, max {most} h",
                        median=i18n.fixed(rq.median_response_hours),
                        most=i18n.fixed(rq.max_response_hours),
                    )
                )
            if rq.still_open:
                out.append("- " + _("still open: {n}", n=rq.still_open))
        else:
            out.append(_("None."))
        out += ["", "## " + _("Utilisation, next {n} weeks", n=len(self.load_weeks)), ""]
        if self.utilisation:
            out.append(
                "| "
                + _("work center")
                + " | "
                + " | ".join(charts.short_day(w) for w in self.load_weeks)
                + " |"
            )
            out.append("| --- |" + " ---: |" * len(self.load_weeks))
            for code, weeks in self.utilisation.items():
                cells = [_rate(weeks.get(w)) for w in self.load_weeks]
                out.append(f"| {code} | " + " | ".join(cells) + " |")
        else:
            out.append(_("No capacity in the plan."))
        out += ["", "## " + _("Takt time"), ""]
        if self.takt:
            out += [
                _(
                    "Demand: units promised from {weeks} weeks ago to {weeks} weeks ahead; "
                    "takt: the most loaded work center's normal hours a week per unit wanted; "
                    "`PREFIX-*` is a family of items sharing their SKU prefix, counted together.",
                    weeks=TAKT_WEEKS,
                ),
                "",
                _("| item | wanted a week | work center | takt h/unit | needs h/unit | |"),
                "| --- | ---: | --- | ---: | ---: | --- |",
            ]
            out += [
                f"| {_takt_item(t)} | {i18n.fixed(t.units_per_week)} | {t.work_center} "
                f"| {i18n.fixed(t.takt_hours, 2)} | {i18n.fixed(t.need_hours, 2)} "
                f"| {_('outruns the line') if t.outruns else _('keeps pace')} |"
                for t in self.takt
            ]
        else:
            out.append(_("No demand for sold items in the window."))
        out += ["", "## " + _("Pipeline of open leads"), ""]
        out += [
            "- "
            + _(
                "{sentence} ({hours} h from leads)",
                sentence=p.sentence(),
                hours=i18n.fixed(p.lead_hours),
            )
            for p in self.pipeline
        ] or [_("No open leads with a product, quantity and month.")]
        if self.unmatched_leads:
            out.append(
                "- "
                + _(
                    "{n} open leads name no sku and are not counted",
                    n=self.unmatched_leads,
                )
            )
        out += ["", "## " + _("Lead follow-ups"), ""]
        out.append(
            "- "
            + _(
                "due this week: {due}; on time {on_time}, late {late}, open {open}",
                due=fu.due,
                on_time=fu.on_time,
                late=fu.late,
                open=fu.open,
            )
        )
        out += [
            "- " + _("overdue now for {owner}: {n}", owner=owner, n=n)
            for owner, n in fu.overdue_by_owner
        ]
        if self.conversion:
            out += [
                "",
                _("| lead source | leads | won | lost | won % |"),
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            out += [
                f"| {s} | {n} | {w} | {lost} | {_rate(w / n if n else None)} |"
                for s, n, w, lost in self.conversion
            ]
        if self.charts:
            out += ["", "## " + _("Charts"), ""]
            out += [f"![{name}]({name})" for name in self.charts]
        return "\n".join(out) + "\n"

    def blocks(self) -> list[dict[str, Any]]:
        """A Block Kit message (header, key figures, details); charts are uploaded separately.

        Each list shows its first lines and says how many more there are (`promisebot digest
        --out` writes them all)."""
        ot = self.on_time
        blocks: list[dict[str, Any]] = [
            header(self.title()),
            _listed("", [escape(line) for line in self.summary_lines()], len(self.summary_lines())),
        ]
        if ot.missed:
            lines = [
                _(
                    "{ref} {customer}: {qty} {sku} promised {day} ({cause})",
                    ref=escape(m.ref),
                    customer=escape(m.customer),
                    qty=m.qty,
                    sku=escape(m.sku),
                    day=i18n.day(m.promised_on),
                    cause=escape(cause_text(m.cause)),
                )
                for m in ot.missed
            ]
            blocks.append(_listed(_("*Missed this week*"), lines, 15))
        if ot.by_cause:
            title = _("*Why promises were missed, last {n} weeks*", n=len(ot.trailing))
            lines = [f"{escape(cause_text(c))}: {n}" for c, n in ot.by_cause]
            blocks.append(_listed(title, lines, 10))
        if self.rush:
            blocks.append(_listed(_("*Rush orders*"), [escape(r) for r in self.rush], 15))
        if self.utilisation:
            # A code block keeps the columns aligned in Slack's proportional font.
            codes = list(self.utilisation)[:20]
            width = max(8, *(len(code) for code in codes))
            head = f"{_('week of'):<{width}} " + " ".join(
                charts.short_day(w).rjust(6) for w in self.load_weeks
            )
            rows = [
                f"{escape(code):<{width}} "
                + " ".join(f"{_rate(self.utilisation[code].get(w)):>6}" for w in self.load_weeks)
                for code in codes
            ]
            table = "\n".join([head, *rows])
            more = len(self.utilisation) - len(codes)
            rest = f"\n{and_more(more, _more_work_centers)}" if more > 0 else ""
            title = _("*Load, next {n} weeks*", n=len(self.load_weeks))
            blocks.append(section(f"{title}\n```{clip(table, SECTION_TEXT - 200)}```{rest}"))
        if self.takt:
            lines = [escape(t.sentence()) for t in self.takt]
            title = _("*Takt time: can the line keep pace?*")
            blocks.append(_listed(title, lines, 8, more=_more_in_markdown))
        if self.pipeline:
            lines = [escape(p.sentence()) for p in self.pipeline]
            blocks.append(_listed(_("*Pipeline*"), lines, 10))
        if self.followups.overdue_by_owner:
            lines = [f"{mention(o)}: {n}" for o, n in self.followups.overdue_by_owner]
            blocks.append(_listed(_("*Overdue lead follow-ups*"), lines, 15))
        local = self.generated_at.astimezone(ZoneInfo(self.timezone))
        blocks.append(
            context(
                # TRANSLATORS: when is a day and a time; zone a time zone like Europe/Berlin.
                _(
                    "Computed {when} ({zone}). Charts follow.",
                    when=i18n.day_and_time(local),
                    zone=self.timezone,
                )
            )
        )
        return blocks


_OUTCOMES = {
    "approved": N_("{n} approved"),
    "countered": N_("{n} countered"),
    "declined": N_("{n} declined"),
    "open": N_("{n} open"),
}
_STATUSES = {
    "approved": N_("approved"),
    "countered": N_("countered"),
    "declined": N_("declined"),
    "open": N_("open"),
}
_HOW = {
    "not shipped": N_("not shipped"),
    "shipped short": N_("shipped short"),
    "shipped late": N_("shipped late"),
}
_READY = {
    "not shipped": N_("ready in the plan, not shipped"),
    "shipped short": N_("ready in the plan, shipped short"),
    "shipped late": N_("ready in the plan, shipped late"),
}


def _outcome(status: str, n: int) -> str:
    """`2 approved`: how many capacity requests ended so."""
    return i18n.gettext(_OUTCOMES[status], n=n) if status in _OUTCOMES else f"{n} {status}"


def _status(status: str) -> str:
    return i18n.gettext(_STATUSES[status]) if status in _STATUSES else status


def cause_text(cause: str) -> str:
    """A cause of a miss (causes_of_misses keeps them in English, as data) in the reader's
    language."""
    if cause == "taken without a quote":
        return _("taken without a quote")
    if cause == "the order moved":
        return _("the order moved")
    if cause.startswith("late receipt of "):
        return _("late receipt of {sku}", sku=cause.removeprefix("late receipt of "))
    if cause.startswith("breakdown at "):
        return _("breakdown at {code}", code=cause.removeprefix("breakdown at "))
    if cause.startswith("ready in the plan, "):
        how = cause.removeprefix("ready in the plan, ")
        return i18n.gettext(_READY[how]) if how in _READY else cause
    if cause in _HOW:
        return i18n.gettext(_HOW[cause])
    return cause


def _day_with_year(on: date) -> str:
    """`Sun 13 Dec 2026`: a day with its year, whichever year it is."""
    return i18n.day(on, date(on.year - 1, 1, 1))


def _more_work_centers(n: int) -> str:
    return ngettext("and {n} more work center", "and {n} more work centers", n, n=n)


def _more_in_markdown(n: int) -> str:
    return ngettext(
        "and {n} more: see the digest's Markdown", "and {n} more: see the digest's Markdown", n, n=n
    )


def _listed(
    title: str, lines: Sequence[str], most: int, *, more: More | None = None
) -> dict[str, Any]:
    """A section: its title, then up to `most` bullet lines that fit, then how many more."""
    room = SECTION_TEXT - len(title) - 1
    body = lines_within([f"• {line}" for line in lines], room, most=most, more=more)
    return section(f"{title}\n{body}" if title else body)


def _share(kept: int, missed: int) -> float | None:
    """Kept as a share of the promises decided (None when none was)."""
    decided = kept + missed
    return kept / decided if decided else None


def _rate(value: float | None) -> str:
    return "–" if value is None else i18n.percent(value)


# --- building it ---------------------------------------------------------------------------------


def _moves_line(moves: Sequence[MoveRecord]) -> str:
    answered = [m for m in moves if m.answer]
    told = sorted(m.told_days_before for m in answered if m.told_days_before is not None)
    waiting = len(moves) - len(answered)
    fields: dict[str, Any] = {"n": len(moves), "answered": len(answered), "waiting": waiting}
    if told:
        fields["days"] = f"{statistics.median(told):g}"
        if waiting:
            return _(
                "Promises moved by factory changes: {n} ({answered} answered; customers told "
                "{days} days before the old date (median); {waiting} not answered yet)",
                **fields,
            )
        return _(
            "Promises moved by factory changes: {n} ({answered} answered; customers told "
            "{days} days before the old date (median))",
            **fields,
        )
    if waiting:
        return _(
            "Promises moved by factory changes: {n} ({answered} answered; {waiting} not "
            "answered yet)",
            **fields,
        )
    return _("Promises moved by factory changes: {n} ({answered} answered)", **fields)


def build_digest(
    session_factory: sessionmaker[Session],
    order_service: OrderService,
    week_start: date,
    now: datetime,
    *,
    charts: bool = True,
) -> Digest:
    """The digest for the week starting on the Monday of `week_start`, as known at `now`."""
    week_start = monday(week_start)
    tz = order_service.settings.tzinfo
    today = now.astimezone(tz).date()
    with session_factory() as session:
        orders = _orders_frame(session, tz)
        requests = _requests_frame(session)
        followups = _followups_frame(session)
        leads = _leads_frame(session)
        routings = _routings_frame(session)
        start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
        moves = moves_between(session, start, start + timedelta(days=7), tz)
        on_time = _on_time(
            orders, week_start, today, lambda missed: causes_of_misses(session, missed)
        )
    plan = pd.DataFrame(
        order_service.plan(as_of=today)["load"],
        columns=["work_center", "date", "capacity", "reserved"],
    )
    plan["date"] = pd.to_datetime(plan["date"]).dt.date

    lead_time = _lead_time(orders, week_start)
    rush = _rush(orders, week_start)
    request_stats = _request_stats(requests, week_start, tz)
    load_weeks = [monday(today) + timedelta(weeks=k) for k in range(LOAD_WEEKS)]
    utilisation = _utilisation(plan, load_weeks)
    pipeline, unmatched = _pipeline(leads, routings, plan, today)
    followup_stats = _followup_stats(followups, week_start, today, tz)
    conversion = _conversion(leads)
    counted = orders[orders["status"].isin(COUNTED_STATUSES) & orders["promised_on"].notna()]
    demand = [
        DemandLine(str(sku), int(qty), on)
        for sku, qty, on in counted[["sku", "qty", "promised_on"]].itertuples(index=False)
    ]
    takt = takt_times(order_service.engine(today), demand, today)
    digest = Digest(
        week_start=week_start,
        generated_at=now,
        timezone=order_service.settings.timezone,
        on_time=on_time,
        lead_time=lead_time,
        rush=rush,
        requests=request_stats,
        utilisation=utilisation,
        load_weeks=load_weeks,
        pipeline=pipeline,
        unmatched_leads=unmatched,
        followups=followup_stats,
        conversion=conversion,
        moves=moves,
        takt=takt,
    )
    if charts:
        digest.charts.update(render_charts(digest))
    return digest


def _frame(session: Session, query: Any, columns: list[str]) -> pd.DataFrame:
    """The rows `query` selects, as a DataFrame with these column names."""
    return pd.DataFrame([tuple(r) for r in session.execute(query).all()], columns=columns)


def _orders_frame(session: Session, tz: ZoneInfo) -> pd.DataFrame:
    orders = _frame(
        session,
        sa.select(
            OrderRow.id,
            OrderRow.ref,
            CustomerRow.name,
            OrderRow.sku,
            OrderRow.qty,
            OrderRow.status,
            OrderRow.promised_on,
            OrderRow.rush,
            OrderRow.at_risk_reason,
            OrderRow.created_at,
        ).join(CustomerRow, CustomerRow.id == OrderRow.customer_id),
        [
            "id",
            "ref",
            "customer",
            "sku",
            "qty",
            "status",
            "promised_on",
            "rush",
            "at_risk_reason",
            "created_at",
        ],
    )
    shipments = _frame(
        session,
        sa.select(ShipmentRow.order_id, ShipmentRow.on, ShipmentRow.qty),
        ["order_id", "on", "qty"],
    )
    by_order: dict[int, list[tuple[date, int]]] = {}
    for order_id, on, qty in shipments.itertuples(index=False):
        by_order.setdefault(int(order_id), []).append((on, int(qty)))
    orders["shipments"] = [by_order.get(int(i), []) for i in orders["id"]]
    orders["created_on"] = [ts.astimezone(tz).date() for ts in orders["created_at"]]
    return orders


def _on_time(
    orders: pd.DataFrame,
    week_start: date,
    today: date,
    causes: Callable[[Mapping[int, str]], dict[int, str]],
) -> OnTime:
    first = week_start - timedelta(weeks=TRAILING_WEEKS - 1)
    end = week_start + timedelta(weeks=1)
    promised = orders[
        orders["status"].isin(PROMISED_STATUSES) & orders["promised_on"].notna()
    ].copy()
    promised = _where(promised, (first <= d < end for d in promised["promised_on"]))
    outcomes = [
        classify_promise(int(r.qty), r.promised_on, r.shipments, today)
        for r in promised.itertuples(index=False)
    ]
    found = causes(
        {
            int(order_id): how
            for order_id, (outcome, how) in zip(promised["id"], outcomes, strict=True)
            if outcome == "missed"
        }
    )
    promised["outcome"] = [o for o, _ in outcomes]
    promised["cause"] = [found.get(int(i), "") for i in promised["id"]]
    promised["week"] = [monday(d) for d in promised["promised_on"]]
    decided = promised[promised["outcome"] != "pending"]
    counts = (
        decided.groupby(["week", "outcome"]).size().unstack(fill_value=0)
        if not decided.empty
        else pd.DataFrame()
    )
    weeks = [first + timedelta(weeks=k) for k in range(TRAILING_WEEKS)]
    trailing = [
        WeekRate(
            w,
            int(counts.at[w, "kept"]) if w in counts.index and "kept" in counts else 0,
            int(counts.at[w, "missed"]) if w in counts.index and "missed" in counts else 0,
        )
        for w in weeks
    ]
    this_week = promised[promised["week"] == week_start]
    by_customer: list[tuple[str, int, int]] = []
    if not decided.empty:
        table = decided.groupby(["customer", "outcome"]).size().unstack(fill_value=0)
        for name in ("kept", "missed"):
            if name not in table:
                table[name] = 0
        table = table.sort_values(["missed", "kept"], ascending=[False, False], kind="stable")
        by_customer = [(str(c), int(r["kept"]), int(r["missed"])) for c, r in table.iterrows()]
        by_customer.sort(key=lambda t: (-t[2], t[0]))
    missed_all = decided[decided["outcome"] == "missed"]
    by_cause = [
        (str(cause), int(n))
        for cause, n in missed_all.groupby("cause").size().sort_values(ascending=False).items()
    ]
    by_cause.sort(key=lambda t: (-t[1], t[0]))
    missed_week = this_week[this_week["outcome"] == "missed"].sort_values(["promised_on", "ref"])
    return OnTime(
        week=trailing[-1],
        pending=int((this_week["outcome"] == "pending").sum()),
        trailing=trailing,
        by_customer=by_customer,
        by_cause=by_cause,
        missed=[
            Missed(r.ref, r.customer, r.sku, int(r.qty), r.promised_on, r.cause)
            for r in missed_week.itertuples(index=False)
        ],
    )


def _lead_time(orders: pd.DataFrame, week_start: date) -> LeadTime:
    first = week_start - timedelta(weeks=TRAILING_WEEKS - 1)
    end = week_start + timedelta(weeks=1)
    quoted = orders[orders["status"].isin(PROMISED_STATUSES) & orders["promised_on"].notna()].copy()
    quoted = _where(quoted, (first <= d < end for d in quoted["created_on"]))
    quoted["days"] = [
        (p - c).days for p, c in zip(quoted["promised_on"], quoted["created_on"], strict=True)
    ]
    quoted["week"] = [monday(d) for d in quoted["created_on"]]
    stats = quoted.groupby("week")["days"].agg(["mean", "count"]) if not quoted.empty else None
    weekly: list[tuple[date, float | None, int]] = []
    for k in range(TRAILING_WEEKS):
        w = first + timedelta(weeks=k)
        if stats is not None and w in stats.index:
            weekly.append((w, float(stats.at[w, "mean"]), int(stats.at[w, "count"])))
        else:
            weekly.append((w, None, 0))
    this = quoted[quoted["week"] == week_start]["days"]
    before = quoted[quoted["week"] < week_start]["days"]
    return LeadTime(
        week_mean_days=float(this.mean()) if len(this) else None,
        week_orders=int(len(this)),
        previous_mean_days=float(before.mean()) if len(before) else None,
        weekly=weekly,
    )


def _rush(orders: pd.DataFrame, week_start: date) -> list[str]:
    end = week_start + timedelta(weeks=1)
    rush = orders[orders["rush"].astype(bool) & orders["status"].isin(("held", *PROMISED_STATUSES))]
    rush = _where(rush, (week_start <= d < end for d in rush["created_on"])).sort_values("ref")
    return [
        _(
            "{ref} {customer}: {qty} {sku} for {day}",
            ref=r.ref,
            customer=r.customer,
            qty=int(r.qty),
            sku=r.sku,
            day=i18n.day(r.promised_on),
        )
        if r.promised_on is not None and not pd.isna(r.promised_on)
        else f"{r.ref} {r.customer}: {int(r.qty)} {r.sku}"
        for r in rush.itertuples(index=False)
    ]


def _requests_frame(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        sa.select(
            CapacityRequestRow.id,
            CapacityRequestRow.status,
            CapacityRequestRow.created_at,
            CapacityRequestRow.answered_at,
        ),
        ["id", "status", "created_at", "answered_at"],
    )


def _request_stats(requests: pd.DataFrame, week_start: date, tz: ZoneInfo) -> Requests:
    end = week_start + timedelta(weeks=1)
    created = [ts.astimezone(tz).date() for ts in requests["created_at"]]
    week = _where(requests, (week_start <= d < end for d in created))
    answered = week[week["answered_at"].notna()]
    hours = pd.Series(
        [
            (a - c).total_seconds() / 3600
            for a, c in zip(answered["answered_at"], answered["created_at"], strict=True)
        ],
        dtype="float64",
    )
    order = ("approved", "countered", "declined", "open")
    by_outcome = {s: int((week["status"] == s).sum()) for s in order if (week["status"] == s).any()}
    return Requests(
        count=int(len(week)),
        by_outcome=by_outcome,
        median_response_hours=float(hours.median()) if len(hours) else None,
        max_response_hours=float(hours.max()) if len(hours) else None,
        still_open=int((week["status"] == "open").sum()),
    )


def _utilisation(plan: pd.DataFrame, weeks: list[date]) -> dict[str, dict[date, float]]:
    if plan.empty:
        return {}
    frame = plan.copy()
    frame["week"] = [monday(d) for d in frame["date"]]
    frame = frame[frame["week"].isin(weeks)]
    sums = frame.groupby(["work_center", "week"])[["capacity", "reserved"]].sum()
    result: dict[str, dict[date, float]] = {}
    for (code, week), row in sums.iterrows():
        if row["capacity"] > 0:
            result.setdefault(str(code), {})[week] = float(row["reserved"] / row["capacity"])
    return dict(sorted(result.items()))


def _leads_frame(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        sa.select(
            LeadRow.id,
            LeadRow.source,
            LeadRow.status,
            LeadRow.product_interest,
            LeadRow.expected_qty,
            LeadRow.expected_month,
        ),
        ["id", "source", "status", "product_interest", "expected_qty", "expected_month"],
    )


def _routings_frame(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        sa.select(
            ItemRow.sku,
            RoutingOperationRow.work_center,
            RoutingOperationRow.setup_hours,
            RoutingOperationRow.run_hours_per_unit,
        ).join(RoutingOperationRow, RoutingOperationRow.sku == ItemRow.sku, isouter=True),
        ["sku", "work_center", "setup_hours", "run_hours_per_unit"],
    )


def match_sku(product_interest: str, skus: Sequence[str]) -> str | None:
    """The sku `product_interest` names (the whole text or one of its words, any case)."""
    by_upper = {s.upper(): s for s in skus}
    text = product_interest.strip().upper()
    if text in by_upper:
        return by_upper[text]
    for word in re.split(r"[\s,;/()]+", text):
        if word in by_upper:
            return by_upper[word]
    return None


def _pipeline(
    leads: pd.DataFrame, routings: pd.DataFrame, plan: pd.DataFrame, today: date
) -> tuple[list[PipelineLoad], int]:
    this_month = today.replace(day=1)
    open_leads = leads[
        (leads["status"] == "open")
        & leads["expected_qty"].notna()
        & leads["expected_month"].notna()
    ]
    open_leads = _where(open_leads, (m >= this_month for m in open_leads["expected_month"]))
    skus = sorted(set(routings["sku"]))
    hours: dict[tuple[str, date], float] = {}
    unmatched = 0
    for lead in open_leads.itertuples(index=False):
        sku = match_sku(str(lead.product_interest or ""), skus)
        if sku is None:
            unmatched += 1
            continue
        ops = routings[(routings["sku"] == sku) & routings["work_center"].notna()]
        for op in ops.itertuples(index=False):
            need = float(op.setup_hours) + float(op.run_hours_per_unit) * float(lead.expected_qty)
            key = (str(op.work_center), lead.expected_month)
            hours[key] = hours.get(key, 0.0) + need
    if not hours:
        return [], unmatched
    frame = plan.copy()
    frame["month"] = [d.replace(day=1) for d in frame["date"]]
    monthly = frame.groupby(["work_center", "month"])[["capacity", "reserved"]].sum()
    loads = []
    for (code, month), need in sorted(hours.items()):
        if (code, month) in monthly.index:
            capacity = float(monthly.at[(code, month), "capacity"])
            reserved = float(monthly.at[(code, month), "reserved"])
        else:
            capacity = reserved = 0.0
        loads.append(PipelineLoad(code, month, capacity, reserved, need))
    loads.sort(key=lambda p: (-(p.load or float("inf")), p.month, p.work_center))
    return loads, unmatched


def _followups_frame(session: Session) -> pd.DataFrame:
    return _frame(
        session,
        sa.select(
            LeadFollowupRow.id,
            LeadRow.owner_slack_id,
            LeadRow.status,
            LeadFollowupRow.due_at,
            LeadFollowupRow.snoozed_to,
            LeadFollowupRow.done_at,
        ).join(LeadRow, LeadRow.id == LeadFollowupRow.lead_id),
        ["id", "owner", "lead_status", "due_at", "snoozed_to", "done_at"],
    )


def _followup_stats(
    followups: pd.DataFrame, week_start: date, today: date, tz: ZoneInfo
) -> Followups:
    end = week_start + timedelta(weeks=1)
    due_on = [ts.astimezone(tz).date() for ts in followups["due_at"]]
    done_on = [None if pd.isna(ts) else ts.astimezone(tz).date() for ts in followups["done_at"]]
    frame = followups.assign(due_on=due_on, done_on=done_on)
    week = _where(frame, (week_start <= d < end for d in frame["due_on"]))
    on_time = sum(
        1 for d, f in zip(week["due_on"], week["done_on"], strict=True) if f is not None and f <= d
    )
    late = sum(
        1 for d, f in zip(week["due_on"], week["done_on"], strict=True) if f is not None and f > d
    )
    still_open = int(sum(1 for f in week["done_on"] if f is None))
    effective = [
        (s if s is not None and not pd.isna(s) else d)
        for s, d in zip(frame["snoozed_to"], frame["due_at"], strict=True)
    ]
    overdue = frame[
        [
            f is None and status == "open" and e.astimezone(tz).date() < today
            for f, status, e in zip(frame["done_on"], frame["lead_status"], effective, strict=True)
        ]
    ]
    by_owner = (
        overdue.groupby("owner").size().sort_values(ascending=False)
        if not overdue.empty
        else pd.Series(dtype="int64")
    )
    overdue_by_owner = sorted(
        ((str(o), int(n)) for o, n in by_owner.items()), key=lambda t: (-t[1], t[0])
    )
    return Followups(
        due=int(len(week)),
        on_time=on_time,
        late=late,
        open=still_open,
        overdue_by_owner=overdue_by_owner,
    )


def _conversion(leads: pd.DataFrame) -> list[tuple[str, int, int, int]]:
    if leads.empty:
        return []
    frame = leads.assign(source=[s or "(none)" for s in leads["source"]])
    table = frame.groupby(["source", "status"]).size().unstack(fill_value=0)
    out = []
    for source, row in table.iterrows():
        out.append(
            (
                str(source),
                int(row.sum()),
                int(row.get("won", 0)),
                int(row.get("lost", 0)),
            )
        )
    return sorted(out)


# --- charts --------------------------------------------------------------------------------------


def render_charts(digest: Digest) -> dict[str, bytes]:
    """PNG bytes of the load heat map and the on-time trend, each 1200×600 px."""
    return {"load.png": load_heatmap(digest), "on_time.png": on_time_trend(digest)}


def load_heatmap(digest: Digest) -> bytes:
    """Work centers × the next weeks, coloured by load; each cell says its percentage."""
    with charts.labels():
        return _load_heatmap(digest)


def _load_heatmap(digest: Digest) -> bytes:
    import numpy as np

    figure = charts.figure()
    axes = figure.add_subplot()
    codes = list(digest.utilisation)
    weeks = digest.load_weeks
    if not codes:
        axes.text(0.5, 0.5, _("No capacity in the plan"), ha="center", va="center", fontsize=16)
        axes.set_axis_off()
        return charts.png(figure)
    values = np.array(
        [[digest.utilisation[c].get(w, np.nan) for w in weeks] for c in codes], dtype=float
    )
    from matplotlib import colormaps

    cmap = colormaps["RdYlGn_r"].with_extremes(bad="#dddddd")  # grey: no capacity that week
    image = axes.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=1.2, aspect="auto")
    axes.set_xticks(range(len(weeks)), [charts.short_day(w) for w in weeks])
    axes.set_yticks(range(len(codes)), codes)
    axes.set_xlabel(_("week starting"))
    axes.set_title(
        _(
            "Load by work center (reserved / capacity), from {day}",
            day=charts.short_day(weeks[0], year=True),
        )
    )
    for i in range(len(codes)):
        for j in range(len(weeks)):
            value = values[i, j]
            label = "–" if np.isnan(value) else i18n.percent(value)
            axes.text(j, i, label, ha="center", va="center", fontsize=10)
    figure.colorbar(image, ax=axes, label=_("load"))
    return charts.png(figure)


def on_time_trend(digest: Digest) -> bytes:
    """On-time rate per week over the trailing weeks, with the counts behind it."""
    with charts.labels():
        return _on_time_trend(digest)


def _on_time_trend(digest: Digest) -> bytes:
    figure = charts.figure()
    axes = figure.add_subplot()
    weeks = digest.on_time.trailing
    labels = [charts.short_day(w.week) for w in weeks]
    rates = [w.rate * 100 if w.rate is not None else 0.0 for w in weeks]
    bars = axes.bar(
        labels, rates, color=["#2e7d32" if (w.rate or 0) >= 0.9 else "#c62828" for w in weeks]
    )
    for bar, w in zip(bars, weeks, strict=True):
        text = (
            _("no orders")
            if w.rate is None
            else f"{i18n.percent(w.rate)}\n{w.kept}/{w.kept + w.missed}"
        )
        axes.annotate(
            text,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=9,
        )
    axes.set_ylim(0, 115)
    axes.set_ylabel(_("promises kept (%)"))
    axes.set_xlabel(_("week promised"))
    axes.set_title(_("On-time rate of promised orders"))
    return charts.png(figure)


# --- posting -------------------------------------------------------------------------------------


def post_digest(client: WebClient, channel: str, digest: Digest) -> str:
    """Post the digest to `channel` and upload its charts in the message's thread; returns ts."""
    posted = client.chat_postMessage(channel=channel, text=digest.text(), blocks=digest.blocks())
    ts = str(posted["ts"])
    if digest.charts:
        client.files_upload_v2(
            channel=str(posted["channel"]),
            thread_ts=ts,
            initial_comment=digest.charts_comment(),
            file_uploads=[
                {"filename": name, "content": data, "title": _chart_title(name)}
                for name, data in digest.charts.items()
            ],
        )
    return ts


def enqueue_digest(session: Session, channel: str, digest: Digest) -> None:
    """Put the digest and its charts in the outbox (in the caller's transaction)."""
    enqueue(
        session,
        "digest",
        {
            "method": "chat_postMessage",
            "args": {"channel": channel, "text": digest.text(), "blocks": digest.blocks()},
        },
    )
    if digest.charts:
        enqueue(
            session,
            "digest_charts",
            {
                "method": "files_upload_v2",
                "args": {
                    "channel": channel,
                    "initial_comment": digest.charts_comment(),
                    "file_uploads": [
                        file_upload(name, data, title=_chart_title(name))
                        for name, data in digest.charts.items()
                    ],
                },
            },
        )


_CHART_TITLES = {"load.png": N_("Load by work center"), "on_time.png": N_("On-time trend")}


def _chart_title(name: str) -> str:
    return i18n.gettext(_CHART_TITLES[name]) if name in _CHART_TITLES else name


def _takt_item(takt: Takt) -> str:
    """An item, or a family with its items: `ENCL-* (ENCL-L, ENCL-S)`."""
    return f"{takt.sku} ({', '.join(takt.members)})" if takt.members else takt.sku
