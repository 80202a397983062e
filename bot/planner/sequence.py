"""Johnson's rule on the plan: the order to run a week's orders through two (or three) steps.

The jobs are the open orders that hold hours on every work center of the line in the week. A
job's time on a work center is its operations there, setup plus run hours times quantity (a
component's operations count with the quantity the order needs of it). The promised-date order
is the jobs sorted by promised date; Johnson's order (capacity.sequencing) finishes them all
soonest. Times are working hours from the start of the week with one job on a work center at a
time, a job starting on the next step once the previous one has finished it.

An order that Johnson's order would make late is flagged, not silently reordered: an order is
late in a sequence when its completion, in hours, is beyond the hours the last work center of the
line has from the start of the week through its promised date, and it is flagged when it is late
in Johnson's order but not in the promised-date order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from bot.planner.load import UnknownWorkCenter
from bot.platform import i18n
from bot.platform.db.tables import OrderRow, ReservationRow, ReservedHoursRow
from bot.platform.i18n import gettext as _
from bot.platform.i18n import ngettext
from bot.promising.orders import OrderService
from capacity.engine import Engine
from capacity.model import Factory, PlanningError
from capacity.sequencing import Job, RuleDoesNotApply, completion_hours, johnson, makespan


@dataclass(frozen=True)
class Sequence:
    line: tuple[str, ...]
    week_start: date
    johnson: tuple[Job, ...]
    promised: tuple[Job, ...]
    """The same jobs by promised date (then ref)."""
    promised_on: dict[str, date]
    late: tuple[str, ...]
    """Orders Johnson's order would make late: after their promised date there, not in the
    promised-date order."""
    late_in_promised_order: tuple[str, ...]
    """Orders late whichever the order (their hours alone run past the promised date)."""
    not_applicable: str | None = None
    """Why Johnson's rule is not exact for this line (then `johnson` is the promised order)."""

    @property
    def makespan_hours(self) -> float:
        return makespan(self.johnson)

    @property
    def promised_order_makespan_hours(self) -> float:
        return makespan(self.promised)

    def to_json(self) -> dict[str, Any]:
        return {
            "line": list(self.line),
            "week": self.week_start.isoformat(),
            "orders": [job.ref for job in self.johnson],
            "makespan_hours": round(self.makespan_hours, 6),
            "promised_order": [job.ref for job in self.promised],
            "promised_order_makespan_hours": round(self.promised_order_makespan_hours, 6),
            "late": list(self.late),
            "late_in_promised_order": list(self.late_in_promised_order),
            "hours": {job.ref: [round(h, 6) for h in job.hours] for job in self.johnson},
            "applies": self.not_applicable is None,
            "why_not": self.not_applicable,
        }

    def why_not(self) -> str:
        """Why Johnson's rule does not apply, in the reader's language (`not_applicable` is the
        engine's English, for the CLI and the JSON)."""
        hours = [job.hours for job in self.promised]
        if len(self.line) == 3 and hours:
            first, middle, last = (list(stage) for stage in zip(*hours, strict=True))
            # TRANSLATORS: middle, first and last are hours like 6.5.
            return _(
                "Johnson's rule is exact on three work centers only when the middle one is never "
                "the slowest (the first's or the last's shortest job is at least the middle's "
                "longest); here the middle's longest is {middle} h, the first's shortest "
                "{first} h and the last's shortest {last} h",
                middle=f"{max(middle):g}",
                first=f"{min(first):g}",
                last=f"{min(last):g}",
            )
        if self.not_applicable and i18n.active() == "en":
            return self.not_applicable
        return _("Johnson's rule sequences two or three work centers, not {n}", n=len(self.line))

    def lines(self) -> list[str]:
        """The comparison in words."""
        line = " → ".join(self.line)
        week = i18n.day(self.week_start)
        if not self.johnson:
            return [
                _(
                    "{line}, week of {day}: no order holds hours on all of them this week.",
                    line=line,
                    day=week,
                )
            ]
        if self.not_applicable:
            return [_("{line}, week of {day}: {why}.", line=line, day=week, why=self.why_not())]
        saved = self.promised_order_makespan_hours - self.makespan_hours
        n = len(self.johnson)
        johnson = ", ".join(j.ref for j in self.johnson)
        promised = ", ".join(j.ref for j in self.promised)
        out = [
            ngettext(
                "{line}, week of {day}: {n} order.",
                "{line}, week of {day}: {n} orders.",
                n,
                line=line,
                day=week,
                n=n,
            ),
            # TRANSLATORS: refs is a list of order refs; hours like 31.5.
            _(
                "Johnson's order: {refs} — all done after {hours} working hours.",
                refs=johnson,
                hours=f"{self.makespan_hours:g}",
            ),
            (
                _(
                    "By promised date: {refs} — {hours} h ({longer} h longer).",
                    refs=promised,
                    hours=f"{self.promised_order_makespan_hours:g}",
                    longer=f"{saved:g}",
                )
                if saved > 1e-9
                else _(
                    "By promised date: {refs} — {hours} h (no longer).",
                    refs=promised,
                    hours=f"{self.promised_order_makespan_hours:g}",
                )
            ),
        ]
        if self.late:
            out.append(
                _(
                    "Would be late in Johnson's order: {refs}; keep those first "
                    "or ask operations before reordering.",
                    refs=", ".join(self.late),
                )
            )
        return out


def _hours_on(factory: Factory, sku: str, qty: float, work_center: str) -> float:
    """Setup + run hours of `qty` of `sku` on `work_center`, its components' included."""
    total = 0.0
    for op in factory.routings:
        if op.sku == sku and op.work_center == work_center:
            total += op.setup_hours + op.run_hours_per_unit * qty
    for line in factory.bom:
        if line.parent_sku == sku:
            total += _hours_on(factory, line.component_sku, qty * line.qty_per, work_center)
    return total


def _hours_through(engine: Engine, work_center: str, start: date, end: date) -> float:
    """Normal capacity hours of `work_center` from `start` through `end`."""
    return sum(
        engine.capacity(work_center, start + timedelta(i), rush=False)
        for i in range((end - start).days + 1)
    )


def sequence_week(orders: OrderService, line: list[str], *, week: date | None = None) -> Sequence:
    """Johnson's order for the orders on `line` (two or three work center codes) in the week
    of `week` (default the planning date's)."""
    if not 2 <= len(line) <= 3:
        raise PlanningError(_("name two work centers (or three), e.g. LASER BEND"))
    engine = orders.engine()
    known = {wc.code.upper(): wc.code for wc in engine.factory.work_centers}
    codes: list[str] = []
    for code in line:
        found = known.get(code.strip().upper())
        if found is None:
            raise UnknownWorkCenter(code, list(known.values()))
        codes.append(found)
    if len(set(codes)) != len(codes):
        raise PlanningError(_("name each work center of the line once"))
    day = week or engine.as_of
    start = day - timedelta(days=day.weekday())
    end = start + timedelta(days=7)
    with orders.sessions() as session:
        rows = session.execute(
            sa.select(OrderRow.ref, OrderRow.sku, OrderRow.qty, OrderRow.promised_on)
            .join(ReservationRow, ReservationRow.order_id == OrderRow.id)
            .join(ReservedHoursRow, ReservedHoursRow.reservation_id == ReservationRow.id)
            .where(
                ReservationRow.active.is_(True),
                ReservedHoursRow.work_center.in_(codes),
                ReservedHoursRow.on >= start,
                ReservedHoursRow.on < end,
                ReservedHoursRow.hours > 1e-9,
            )
            .group_by(OrderRow.ref, OrderRow.sku, OrderRow.qty, OrderRow.promised_on)
            .having(sa.func.count(sa.distinct(ReservedHoursRow.work_center)) == len(codes))
        ).all()
    promised_on: dict[str, date] = {}
    jobs: list[Job] = []
    for ref, sku, qty, promised in sorted(rows, key=lambda r: (r[3] or end, r[0])):
        hours = tuple(_hours_on(engine.factory, sku, qty, code) for code in codes)
        jobs.append(Job(ref, hours))
        promised_on[ref] = promised or end
    reason = None
    try:
        best = johnson(jobs)
    except RuleDoesNotApply as error:
        best, reason = list(jobs), str(error)
    deadline: dict[str, float] = defaultdict(float)
    for ref, due in promised_on.items():
        deadline[ref] = _hours_through(engine, codes[-1], start, due) if due >= start else 0.0

    def late(sequence: list[Job]) -> tuple[str, ...]:
        done = completion_hours(sequence)
        return tuple(
            job.ref
            for job, finished in zip(sequence, done, strict=True)
            if finished > deadline[job.ref] + 1e-9
        )

    late_anyway = late(jobs)
    made_late = tuple(ref for ref in late(best) if ref not in late_anyway)
    return Sequence(
        tuple(codes),
        start,
        tuple(best),
        tuple(jobs),
        promised_on,
        made_late if reason is None else (),
        late_anyway,
        reason,
    )


def render_sequence_png(result: Sequence) -> bytes:
    """Both orders as Gantt charts, one above the other: a row per work center of the line."""
    from bot.platform import charts

    with charts.labels():
        return _render_sequence_png(result)


def _render_sequence_png(result: Sequence) -> bytes:
    from bot.platform import charts

    figure = charts.figure()
    panels = figure.subplots(2, 1, sharex=True)
    palette = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f"]
    # The same order has the same colour in both panels.
    colours = {job.ref: palette[i % len(palette)] for i, job in enumerate(result.promised)}
    for axes, (title, sequence) in zip(
        panels,
        [
            (
                _("Johnson's order: {hours} h", hours=f"{result.makespan_hours:g}"),
                result.johnson,
            ),
            (
                _(
                    "By promised date: {hours} h",
                    hours=f"{result.promised_order_makespan_hours:g}",
                ),
                result.promised,
            ),
        ],
        strict=True,
    ):
        finished = [0.0] * len(result.line)
        for job in sequence:
            previous = 0.0
            for stage, hours in enumerate(job.hours):
                begin = max(finished[stage], previous)
                finished[stage] = previous = begin + hours
                colour = colours[job.ref]
                axes.barh(stage, hours, left=begin, color=colour, edgecolor="white")
                if hours > 0:
                    axes.text(
                        begin + hours / 2,
                        stage,
                        job.ref,
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white",
                    )
        axes.set_yticks(range(len(result.line)))
        axes.set_yticklabels(result.line)
        axes.invert_yaxis()
        axes.set_title(title, fontsize=10, loc="left")
    panels[-1].set_xlabel(_("working hours from the start of the week"))
    return charts.png(figure)
