"""The order stream of a simulation: which orders arrive on which day (DESIGN.md, "Simulating
promise reliability", Orders).

Generated from a seed: on each workday a Poisson number of orders, each for a sold item drawn
uniformly, its quantity drawn from the item's own order history when it has one (else
log-normal, median 20, p90 60), wanted 5 to 30 days ahead and acceptable up to 14 days later.
A replayed demand file gives the same fields itself (bot.simulation.files).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from capacity.calendar import daily_capacity
from capacity.model import Factory

LOAD_TARGET = 0.85
"""The default rate loads the most loaded work center to this share of its normal capacity."""
MEDIAN_QTY = 20
P90_QTY = 60
REQUESTED_AHEAD = (5, 30)
"""Calendar days from arrival to the requested date (uniform, inclusive)."""
LATEST_AFTER = 14
"""Calendar days from the requested date to the latest acceptable one."""

_SIGMA = math.log(P90_QTY / MEDIAN_QTY) / 1.2815515655446004  # z of the 90th percentile


@dataclass(frozen=True)
class DemandOrder:
    """One customer order as it arrives: `number` is its place in the stream (1, 2, …)."""

    number: int
    arrives_on: date
    customer: str
    sku: str
    qty: int
    requested_on: date
    latest_on: date


def sold_items(factory: Factory) -> tuple[str, ...]:
    """Items that are no BOM line's component, in sku order."""
    components = {line.component_sku for line in factory.bom}
    return tuple(sorted(item.sku for item in factory.items if item.sku not in components))


def working_days(factory: Factory, start: date, days: int) -> tuple[date, ...]:
    """The days from `start` on which at least one work center has capacity."""
    open_days: set[int] = set()
    for wc in factory.work_centers:
        hours = daily_capacity(wc, start, days, factory.calendar, factory.holidays)
        open_days.update(i for i, x in enumerate(hours) if x > 0)
    return tuple(start + timedelta(i) for i in sorted(open_days))


def typical_qty(quantities: Sequence[int]) -> int:
    """The median order quantity of an item's history, or the log-normal's median."""
    if not quantities:
        return MEDIAN_QTY
    ordered = sorted(quantities)
    return ordered[(len(ordered) - 1) // 2]


def hours_per_order(factory: Factory, quantities: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """Expected hours one order (a sold item drawn uniformly, its quantity as drawn) needs on
    each work center, every component made rather than taken from stock."""
    components: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for line in factory.bom:
        components[line.parent_sku].append((line.component_sku, line.qty_per))
    routings: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for op in factory.routings:
        routings[op.sku].append((op.work_center, op.setup_hours, op.run_hours_per_unit))

    @cache
    def per_unit(sku: str) -> tuple[tuple[str, float, float], ...]:
        """(work center, setup hours per lot of sku, run hours per unit of sku)."""
        setup: dict[str, float] = defaultdict(float)
        run: dict[str, float] = defaultdict(float)
        for center, s, r in routings.get(sku, ()):
            setup[center] += s
            run[center] += r
        for component, qty_per in components.get(sku, ()):
            for center, s, r in per_unit(component):
                setup[center] += s  # one production order of the component per parent lot
                run[center] += qty_per * r
        return tuple((c, setup[c], run[c]) for c in sorted(set(setup) | set(run)))

    sold = sold_items(factory)
    total: dict[str, float] = defaultdict(float)
    for sku in sold:
        mean_qty = _mean_qty(quantities.get(sku, ()))
        for center, s, r in per_unit(sku):
            total[center] += (s + r * mean_qty) / len(sold)
    return dict(total)


def default_rate(
    factory: Factory, start: date, days: int, quantities: Mapping[str, Sequence[int]]
) -> float:
    """Orders per workday that load the most loaded work center to LOAD_TARGET of its normal
    capacity over `days` days from `start`, on average (1 when nothing needs any hours)."""
    arrival_days = len(working_days(factory, start, days))
    need = hours_per_order(factory, quantities)
    rates = []
    for wc in factory.work_centers:
        hours = need.get(wc.code, 0.0)
        if hours <= 0 or arrival_days == 0:
            continue
        normal = sum(daily_capacity(wc, start, days, factory.calendar, factory.holidays))
        normal *= 1.0 - wc.rush_reserve_pct / 100.0
        rates.append(LOAD_TARGET * normal / (hours * arrival_days))
    return min(rates) if rates else 1.0


def generate_demand(
    factory: Factory,
    *,
    start: date,
    days: int,
    seed: int,
    orders_per_day: float,
    quantities: Mapping[str, Sequence[int]],
) -> tuple[DemandOrder, ...]:
    """The seeded order stream over `days` days from `start` (arrivals on working days only)."""
    rng = random.Random(f"promisebot-demand/{seed}")
    sold = sold_items(factory)
    if not sold or orders_per_day <= 0:
        return ()
    orders: list[DemandOrder] = []
    for day in working_days(factory, start, days):
        for _ in range(_poisson(rng, orders_per_day)):
            sku = sold[rng.randrange(len(sold))]
            history = quantities.get(sku, ())
            if history:
                qty = int(history[rng.randrange(len(history))])
            else:
                qty = max(1, round(rng.lognormvariate(math.log(MEDIAN_QTY), _SIGMA)))
            requested = day + timedelta(rng.randint(*REQUESTED_AHEAD))
            orders.append(
                DemandOrder(
                    number=len(orders) + 1,
                    arrives_on=day,
                    customer=f"Customer {rng.randint(1, 40):02d}",
                    sku=sku,
                    qty=qty,
                    requested_on=requested,
                    latest_on=requested + timedelta(LATEST_AFTER),
                )
            )
    return tuple(orders)


def _mean_qty(quantities: Sequence[int]) -> float:
    if quantities:
        return sum(quantities) / len(quantities)
    return math.exp(math.log(MEDIAN_QTY) + _SIGMA**2 / 2)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by inversion (fine for the few hundred orders a day at most)."""
    if mean > 500:  # exp(−mean) would underflow: the normal approximation is exact enough
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    u = rng.random()
    p = math.exp(-mean)
    k, total = 0, p
    while u > total and p > 0:
        k += 1
        p *= mean / k
        total += p
    return k
