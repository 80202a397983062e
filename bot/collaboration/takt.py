"""Takt time of the sold items, for the weekly digest: can the line keep pace with demand?

For each sold item (no BOM line's component) with demand: the units customers want delivered in
the last 4 weeks and the next 4 (orders promised in that window, shipped or open), as a weekly
rate; its most loaded work center (of those its routing and its components' routings use, the
one with the largest share of normal capacity already booked over the next 4 weeks); takt =
that work center's normal hours a week ÷ units wanted a week, against the hours it needs per
unit there (run hours, the components' included, plus setup spread over the item's average order).
The items whose need outruns their takt come first: demand is arriving faster than that work
center can make them, even if it did nothing else.

Items of one family (the same SKU prefix before the first `-`: BRKT and BRKT-HD, ENCL-L and
ENCL-S) share their lines, so each family with two or more items in demand is counted as one
too (`ENCL-*`): its units a week summed, on the family's most loaded work center, against the
hours a unit needs there on average over the units wanted. A family can outrun its line when
none of its items does alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.platform import i18n
from bot.platform.i18n import gettext as _
from capacity.engine import Engine
from capacity.model import Factory

WINDOW_WEEKS = 4
"""Weeks of demand each side of today, and weeks of capacity ahead."""
COUNTED_STATUSES = ("held", "confirmed", "at_risk", "shipped")


@dataclass(frozen=True)
class DemandLine:
    sku: str
    qty: int
    promised_on: date


@dataclass(frozen=True)
class Takt:
    sku: str
    units_per_week: float
    work_center: str
    hours_per_week: float
    """Normal capacity of the work center, a week on average over the next weeks."""
    need_hours: float
    """Hours the work center needs per unit of the item."""
    members: tuple[str, ...] = ()
    """For a family (`sku` is then `PREFIX-*`): its items with demand; empty for one item."""

    @property
    def takt_hours(self) -> float:
        """Available hours per unit wanted."""
        return self.hours_per_week / self.units_per_week if self.units_per_week else float("inf")

    @property
    def outruns(self) -> bool:
        return self.need_hours > self.takt_hours + 1e-9

    def sentence(self) -> str:
        """One line for the digest and Home: the pace wanted, the takt, the need, the verdict
        (in the active language)."""
        fields = {
            "sku": self.sku,
            "pace": i18n.fixed(self.units_per_week),
            "takt": _hours(self.takt_hours),
            "work_center": self.work_center,
            "need": _hours(self.need_hours),
        }
        if self.members:
            fields["members"] = ", ".join(self.members)
            if self.outruns:
                # TRANSLATORS: a family of items (BRKT-*, with its items in brackets); pace is
                # units a week, takt and need are times per unit ("1.50 h", "30 min").
                return _(
                    "{sku} ({members}): {pace} a week wanted; takt {takt} per unit on "
                    "{work_center}, it needs {need} on average: demand outruns the line",
                    **fields,
                )
            return _(
                "{sku} ({members}): {pace} a week wanted; takt {takt} per unit on "
                "{work_center}, it needs {need} on average: the line keeps pace",
                **fields,
            )
        if self.outruns:
            # TRANSLATORS: pace is units a week, takt and need are times per unit ("1.50 h").
            return _(
                "{sku}: {pace} a week wanted; takt {takt} per unit on {work_center}, "
                "it needs {need}: demand outruns the line",
                **fields,
            )
        return _(
            "{sku}: {pace} a week wanted; takt {takt} per unit on {work_center}, "
            "it needs {need}: the line keeps pace",
            **fields,
        )


def _hours(value: float) -> str:
    if value >= 1:
        return _("{hours} h", hours=i18n.fixed(value, 2))
    return _("{minutes} min", minutes=i18n.fixed(value * 60, 0))


def sold_items(factory: Factory) -> list[str]:
    components = {line.component_sku for line in factory.bom}
    return sorted(item.sku for item in factory.items if item.sku not in components)


def _per_unit(factory: Factory, sku: str, qty_per: float, batch: float) -> dict[str, float]:
    """Work center → hours per unit of `sku` there, its components' included."""
    hours: dict[str, float] = {}
    for op in factory.routings:
        if op.sku == sku:
            per = qty_per * op.run_hours_per_unit + op.setup_hours / max(batch * qty_per, 1.0)
            hours[op.work_center] = hours.get(op.work_center, 0.0) + per
    for line in factory.bom:
        if line.parent_sku == sku:
            for code, more in _per_unit(
                factory, line.component_sku, qty_per * line.qty_per, batch
            ).items():
                hours[code] = hours.get(code, 0.0) + more
    return hours


def takt_times(engine: Engine, demand: Iterable[DemandLine], today: date) -> list[Takt]:
    """Takt against need for every sold item with demand in the window; outrunning ones first."""
    start = today - timedelta(weeks=WINDOW_WEEKS)
    end = today + timedelta(weeks=WINDOW_WEEKS)
    wanted: dict[str, list[int]] = {}
    for line in demand:
        if start <= line.promised_on < end:
            wanted.setdefault(line.sku, []).append(line.qty)
    days = [engine.as_of + timedelta(i) for i in range(7 * WINDOW_WEEKS)]
    normal = {
        wc.code: sum(engine.capacity(wc.code, d, rush=False) for d in days)
        for wc in engine.factory.work_centers
    }
    booked = {
        code: sum(engine.reserved(code, d) for d in days) / hours if hours else float("inf")
        for code, hours in normal.items()
    }
    result = []
    needs: dict[str, dict[str, float]] = {}
    for sku in sold_items(engine.factory):
        quantities = wanted.get(sku)
        if not quantities:
            continue
        batch = sum(quantities) / len(quantities)
        need = _per_unit(engine.factory, sku, 1.0, batch)
        if not need:
            continue  # bought and sold as it is: no line to pace
        needs[sku] = need
        code = max(need, key=lambda c: (booked.get(c, 0.0), need[c], c))
        result.append(
            Takt(
                sku,
                sum(quantities) / (2 * WINDOW_WEEKS),
                code,
                normal.get(code, 0.0) / WINDOW_WEEKS,
                need[code],
            )
        )
    result += _families(needs, wanted, normal, booked)
    result.sort(key=lambda t: (not t.outruns, -(t.need_hours / t.takt_hours), t.sku))
    return result


def family_of(sku: str) -> str:
    """The family of a SKU: its prefix before the first `-` (BRKT-HD → BRKT)."""
    return sku.split("-", 1)[0]


def _families(
    needs: dict[str, dict[str, float]],
    wanted: dict[str, list[int]],
    normal: dict[str, float],
    booked: dict[str, float],
) -> list[Takt]:
    """One Takt per family of two or more items with demand (see the module docstring)."""
    members: dict[str, list[str]] = {}
    for sku in needs:
        members.setdefault(family_of(sku), []).append(sku)
    out = []
    for family, skus in sorted(members.items()):
        if len(skus) < 2:
            continue
        units = {sku: float(sum(wanted[sku])) for sku in skus}
        total = sum(units.values())
        used = {code for sku in skus for code in needs[sku]}
        hours = {
            code: sum(units[sku] * needs[sku].get(code, 0.0) for sku in skus) / total
            for code in used
        }
        code = max(hours, key=lambda c: (booked.get(c, 0.0), hours[c], c))
        out.append(
            Takt(
                f"{family}-*",
                total / (2 * WINDOW_WEEKS),
                code,
                normal.get(code, 0.0) / WINDOW_WEEKS,
                hours[code],
                tuple(sorted(skus)),
            )
        )
    return out
