"""Run a simulation's seeds and settings, one after another or in parallel processes.

`Study` says what to simulate; `run_study(study, workers=N)` returns every run's result, in
the order of the settings and then the seeds, whatever the number of workers: each run depends
only on its seed, so the figures are the same with 1 worker or 8.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from capacity.model import Factory
from capacity.simulation import (
    NONE,
    DemandOrder,
    Disruptions,
    RunResult,
    Setting,
    catalog_lead_times,
    default_rate,
    generate_demand,
    generate_disruptions,
    simulate,
    sold_items,
    typical_qty,
)

DisruptionMode = Literal["default", "none"]


@dataclass(frozen=True)
class Study:
    """What to simulate: a factory from `start`, `days` days of orders, for each seed and each
    setting."""

    factory: Factory
    start: date
    days: int
    seeds: tuple[int, ...]
    settings: tuple[Setting, ...]
    quantities: Mapping[str, Sequence[int]] = field(default_factory=dict)
    """Each item's order quantities in the factory's own history (orders.csv)."""
    orders_per_day: float | None = None
    """None: the default rate (85 % on the most loaded work center)."""
    demand: tuple[DemandOrder, ...] | None = None
    """A replayed demand file: the same orders for every seed."""
    disruptions: DisruptionMode | Disruptions = "default"
    horizon_days: int = 365

    @property
    def rate(self) -> float:
        if self.orders_per_day is not None:
            return self.orders_per_day
        return default_rate(self.factory, self.start, self.days, self.quantities)

    def orders(self, seed: int) -> tuple[DemandOrder, ...]:
        if self.demand is not None:
            return self.demand
        return generate_demand(
            self.factory,
            start=self.start,
            days=self.days,
            seed=seed,
            orders_per_day=self.rate,
            quantities=self.quantities,
        )

    def disruptions_for(self, seed: int) -> Disruptions:
        if isinstance(self.disruptions, Disruptions):
            return self.disruptions
        if self.disruptions == "none":
            return NONE
        # The run goes on after the last day of orders until every accepted order has shipped.
        span = self.days + self.horizon_days
        return generate_disruptions(self.factory, start=self.start, days=span, seed=seed)

    def lead_times(self) -> dict[str, int]:
        """The catalog lead times of every item the orders ask for (fixed and backlog)."""
        if self.demand is not None:
            asked: dict[str, list[int]] = {}
            for order in self.demand:
                asked.setdefault(order.sku, []).append(order.qty)
            typical = {sku: typical_qty(qtys) for sku, qtys in asked.items()}
        else:
            typical = {
                sku: typical_qty(self.quantities.get(sku, ())) for sku in sold_items(self.factory)
            }
        return catalog_lead_times(self.factory, self.start, typical, horizon_days=self.horizon_days)


@dataclass(frozen=True)
class _Task:
    factory: Factory
    orders: tuple[DemandOrder, ...]
    disruptions: Disruptions
    setting: Setting
    start: date
    days: int
    seed: int
    lead_times: Mapping[str, int] | None
    horizon_days: int


def _run(task: _Task) -> RunResult:
    return simulate(
        task.factory,
        task.orders,
        task.disruptions,
        task.setting,
        start=task.start,
        days=task.days,
        seed=task.seed,
        lead_times=task.lead_times,
        horizon_days=task.horizon_days,
    )


def run_study(study: Study, *, workers: int = 1) -> list[RunResult]:
    """Every (setting, seed) run of `study`, with `workers` processes (1: in this one)."""
    needs_catalog = any(s.policy in ("fixed", "backlog") for s in study.settings)
    lead_times = study.lead_times() if needs_catalog else None
    streams = {seed: study.orders(seed) for seed in study.seeds}
    disruptions = {seed: study.disruptions_for(seed) for seed in study.seeds}
    tasks = [
        _Task(
            study.factory,
            streams[seed],
            disruptions[seed],
            setting,
            study.start,
            study.days,
            seed,
            lead_times,
            study.horizon_days,
        )
        for setting in study.settings
        for seed in study.seeds
    ]
    if workers <= 1 or len(tasks) <= 1:
        return [_run(task) for task in tasks]
    # Spawned, not forked: a fork of a process with threads (a server, a test runner) may
    # inherit a lock some thread held.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        return list(pool.map(_run, tasks))
