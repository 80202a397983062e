"""The plan of one order: which work center works on it on which days, and the material under it.

Drawn from the order's own reservation (the hours, stock and purchases it holds), so a
salesperson can say why: "your brackets are on the paint line Tue 7 – Wed 8 Dec". Each work
center's row is labelled with the operations of the order's item (and its components) that run
there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.platform import charts, i18n
from bot.platform.i18n import gettext as _
from bot.promising.orders import OrderService, OrderView
from capacity.model import Factory, PlanningError


@dataclass(frozen=True)
class Bar:
    """Hours an order takes on one work center, day by day."""

    work_center: str
    operations: str
    """What runs there, e.g. "op 10 BRKT, op 10 HOUSING"."""
    hours: tuple[tuple[date, float], ...]
    name: str = ""
    """The work center's name ("Paint line"), as the plant calls it."""

    @property
    def first(self) -> date:
        return self.hours[0][0]

    @property
    def last(self) -> date:
        return self.hours[-1][0]

    @property
    def total(self) -> float:
        return sum(hours for _, hours in self.hours)


@dataclass(frozen=True)
class Material:
    sku: str
    on: date
    qty: float
    kind: str
    """"stock" (taken from stock on that day) or "purchase" (a planned purchase arriving)."""


@dataclass(frozen=True)
class OrderPlan:
    order: OrderView
    as_of: date
    bars: tuple[Bar, ...]
    materials: tuple[Material, ...]
    item_name: str = ""

    def said(self) -> str:
        """Why the order ships when it does, in one sentence a salesperson can pass on: where
        its last step runs and when ("… are on the Paint line Mon 7 – Tue 8 Dec")."""
        order = self.order
        item = self.item_name or order.sku
        if not self.bars and not self.materials:
            # TRANSLATORS: status is the order's status as stored: held, confirmed, at_risk...
            return _(
                "{ref} holds no capacity or material in the plan (it is {status}).",
                ref=order.ref,
                status=order.status,
            )
        promised = i18n.day(order.promised_on, self.as_of) if order.promised_on else None
        fields = {"qty": order.qty, "item": item, "ref": order.ref, "day": promised}
        if not self.bars:
            if promised is None:
                return _("The {qty} {item} of {ref} come from stock, ready for no date.", **fields)
            return _("The {qty} {item} of {ref} come from stock, ready for {day}.", **fields)
        last = max(self.bars, key=lambda bar: (bar.last, bar.first))
        fields["where"] = last.name or last.work_center
        fields["when"] = _span(last.first, last.last, self.as_of)
        # TRANSLATORS: where is a work center's name ("Paint line"); when a day or a span of days.
        if promised is None:
            return _(
                "The {qty} {item} of {ref} are on the {where} {when}, ready for no date.", **fields
            )
        return _("The {qty} {item} of {ref} are on the {where} {when}, ready for {day}.", **fields)

    def lines(self) -> list[str]:
        """The plan in words, one line per work center and per material."""
        order = self.order
        fields = {"ref": order.ref, "qty": order.qty, "sku": order.sku, "customer": order.customer}
        if order.promised_on:
            first = _(
                "{ref}: {qty} {sku} for {customer}, promised {day}.",
                day=i18n.day(order.promised_on, self.as_of),
                **fields,
            )
        else:
            first = _("{ref}: {qty} {sku} for {customer}, promised no date.", **fields)
        lines = [first]
        if not self.bars and not self.materials:
            lines.append(
                _(
                    "It holds nothing: all of it comes from stock already counted, or it "
                    "has no reservation."
                )
            )
        for bar in self.bars:
            span = _span(bar.first, bar.last, self.as_of)
            lines.append(
                # TRANSLATORS: operations like "op 10 BRKT, op 20 BRKT" (or "work"); hours like 6.5.
                _(
                    "{code} ({operations}): {when}, {hours} h",
                    code=bar.work_center,
                    operations=_operations(bar.operations),
                    when=span,
                    hours=f"{bar.total:g}",
                )
            )
        for material in self.materials:
            day = i18n.day(material.on, self.as_of)
            qty = f"{material.qty:g}"
            if material.kind == "stock":
                lines.append(
                    _("{sku}: {qty} from stock on {day}", sku=material.sku, qty=qty, day=day)
                )
            else:
                lines.append(
                    _(
                        "{sku}: a purchase of {qty} arriving {day}",
                        sku=material.sku,
                        qty=qty,
                        day=day,
                    )
                )
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.order.ref,
            "sku": self.order.sku,
            "qty": self.order.qty,
            "promised": self.order.promised_on.isoformat() if self.order.promised_on else None,
            "work_centers": [
                {
                    "work_center": bar.work_center,
                    "operations": bar.operations,
                    "hours": [{"date": d.isoformat(), "hours": round(h, 9)} for d, h in bar.hours],
                }
                for bar in self.bars
            ],
            "materials": [
                {"sku": m.sku, "date": m.on.isoformat(), "qty": round(m.qty, 9), "kind": m.kind}
                for m in self.materials
            ],
        }


def _span(first: date, last: date, as_of: date) -> str:
    if first == last:
        return i18n.day(first, as_of)
    return f"{i18n.day(first, as_of)} – {i18n.day(last, as_of)}"


def _operations(text: str) -> str:
    """A bar's operations as the reader reads them: `work` when the item has no routing there."""
    return _("work") if text == "work" else text


def _operations_by_work_center(factory: Factory, sku: str) -> dict[str, list[str]]:
    """Work center → the operations of `sku`'s item and its components that run there."""
    found: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    pending = [sku]
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for op in sorted(factory.routings, key=lambda o: o.seq):
            if op.sku == current:
                found[op.work_center].append(f"op {op.seq} {op.sku}")
        pending += sorted(line.component_sku for line in factory.bom if line.parent_sku == current)
    return found


def order_plan(orders: OrderService, ref: str) -> OrderPlan:
    """What the order `ref` holds, as bars per work center and material lines."""
    order = orders.order(ref)
    engine = orders.engine()
    if order.placement is None:
        return OrderPlan(order, engine.as_of, (), ())
    operations = _operations_by_work_center(engine.factory, order.sku)
    per_wc: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for use in order.placement.hours:
        if use.hours > 1e-9:
            per_wc[use.work_center][use.on] += use.hours
    names = {wc.code: wc.name for wc in engine.factory.work_centers}
    bars = [
        Bar(
            code,
            ", ".join(operations.get(code, [])) or _("work"),
            tuple(sorted(days.items())),
            names.get(code, ""),
        )
        for code, days in per_wc.items()
    ]
    bars.sort(key=lambda bar: (bar.first, bar.work_center))
    materials = [Material(u.sku, u.on, u.qty, "stock") for u in order.placement.stock if u.qty]
    materials += [
        Material(u.sku, u.on, u.qty, "purchase") for u in order.placement.purchases if u.qty
    ]
    materials.sort(key=lambda m: (m.on, m.sku, m.kind))
    items = {item.sku: item.name for item in engine.factory.items}
    return OrderPlan(order, engine.as_of, tuple(bars), tuple(materials), items.get(order.sku, ""))


def render_order_png(plan: OrderPlan) -> bytes:
    """A 1200×600 Gantt chart: a row per work center (hours written on each day's block), a row
    per material, the promised date as a line."""
    with charts.labels():
        return _render_order_png(plan)


def _render_order_png(plan: OrderPlan) -> bytes:
    figure = charts.figure()
    axes = figure.add_subplot()
    days = [d for bar in plan.bars for d, _ in bar.hours] + [m.on for m in plan.materials]
    if plan.order.promised_on:
        days.append(plan.order.promised_on)
    if not days:
        raise PlanningError(
            _("{ref} holds no capacity or material: nothing to draw", ref=plan.order.ref)
        )
    start, end = min(days), max(days)
    rows = [f"{bar.work_center}\n{_operations(bar.operations)}" for bar in plan.bars]
    kinds = {"stock": _("stock"), "purchase": _("purchase")}
    rows += [f"{m.sku}\n{kinds.get(m.kind, m.kind)}" for m in plan.materials]
    for y, bar in enumerate(plan.bars):
        for on, hours in bar.hours:
            x = (on - start).days
            axes.barh(y, 0.9, left=x - 0.45, color="#2b6cb0", height=0.6)
            axes.text(
                x,
                y,
                _("{hours} h", hours=f"{hours:g}"),
                ha="center",
                va="center",
                color="white",
                fontsize=8,
            )
    for offset, material in enumerate(plan.materials):
        y = len(plan.bars) + offset
        x = (material.on - start).days
        colour = "#38a169" if material.kind == "stock" else "#d69e2e"
        axes.scatter([x], [y], marker="D", s=80, color=colour, zorder=3)
        axes.text(x + 0.2, y, f"{material.qty:g}", va="center", fontsize=8)
    if plan.order.promised_on:
        due = (plan.order.promised_on - start).days
        axes.axvline(due + 0.45, color="#c53030", linestyle="--", linewidth=1.2)
        axes.text(due + 0.5, -0.6, _("promised"), color="#c53030", fontsize=8, va="bottom")
    span = (end - start).days + 1
    axes.set_xlim(-0.6, span - 0.4)
    axes.set_xticks(range(span))
    axes.set_xticklabels(
        [
            f"{charts.weekday_abbr(start + timedelta(i))}\n{(start + timedelta(i)).day}"
            for i in range(span)
        ],
        fontsize=7,
    )
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(rows, fontsize=8)
    axes.invert_yaxis()
    order = plan.order
    axes.set_title(
        _(
            "{ref}: {qty} {sku} for {customer}",
            ref=order.ref,
            qty=order.qty,
            sku=order.sku,
            customer=order.customer[:40],
        ),
        fontsize=11,
        loc="left",
    )
    return charts.png(figure)
