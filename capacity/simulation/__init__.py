"""Simulating promise reliability (DESIGN.md): a factory run forward day by day on the real
engine, comparing ways of promising on one order stream and one set of disruptions per seed.

    orders = generate_demand(factory, start=…, days=180, seed=1, orders_per_day=…, quantities=…)
    disruptions = generate_disruptions(factory, start=…, days=180 + 365, seed=1)
    result = simulate(factory, orders, disruptions, Setting("ctp", 0), start=…, days=180)
    figures = summarize([result, …])

No database, no clock, no files: the simulated days are values, and so is everything else.
"""

from capacity.simulation.demand import (
    DemandOrder,
    default_rate,
    generate_demand,
    sold_items,
    typical_qty,
    working_days,
)
from capacity.simulation.disruptions import (
    NONE,
    Breakdown,
    Disruptions,
    generate_disruptions,
)
from capacity.simulation.figures import Figures, Week, summarize
from capacity.simulation.run import (
    POLICIES,
    Outcome,
    Policy,
    RunResult,
    Setting,
    catalog_lead_times,
    simulate,
)

__all__ = [
    "NONE",
    "POLICIES",
    "Breakdown",
    "DemandOrder",
    "Disruptions",
    "Figures",
    "Outcome",
    "Policy",
    "RunResult",
    "Setting",
    "Week",
    "catalog_lead_times",
    "default_rate",
    "generate_demand",
    "generate_disruptions",
    "simulate",
    "sold_items",
    "summarize",
    "typical_qty",
    "working_days",
]
