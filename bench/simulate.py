"""Benchmark of `promisebot simulate` at the sizes issue 14 names.

    .venv/bin/python -m bench.simulate [--workers 2] [--seed 1] [--small]

1. The demo factory (bot/demo), 180 days of orders from Mon 23 Nov 2026 at the default rate,
   the four policies with their default settings (fixed and backlog +0, 5, 10, 20 days; ctp
   and ctp-repromise +0, 2 workdays: 12 runs), default disruptions, one seed, in `--workers`
   processes: target ≤ 30 s.
2. The benchmark factory (bench/factory_gen.py: 100 work centers, 5,000 items; no order book),
   180 days at 100 orders a workday, `ctp` alone (+0 workdays), default disruptions: target
   ≤ 120 s.

Prints each run's table of figures, then the times beside their targets: wall-clock seconds,
and the CPU seconds of this process and its workers (the machine is shared, so the wall clock
also counts other people's work). `--small` runs 30 days of the demo and the small benchmark
factory (10 work centers, 500 items) at 10 orders a day (a few seconds; what tests run).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.factory_gen import AS_OF, FULL, SMALL, generate_factory
from bot.factory.files import read_factory_dir
from bot.simulation import report
from bot.simulation.runner import Study, run_study
from capacity.simulation import POLICIES, Figures, Setting, summarize

ROOT = Path(__file__).resolve().parents[1]
DEMO_START = date(2026, 11, 23)
DEFAULT_SETTINGS = tuple(
    Setting(policy, value)
    for policy in POLICIES
    for value in ((0, 5, 10, 20) if policy in ("fixed", "backlog") else (0, 2))
)


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(study: Study, workers: int) -> tuple[list[Figures], float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    figures = summarize(run_study(study, workers=workers))
    return figures, time.perf_counter() - wall, _cpu() - cpu


def demo_study(days: int, seed: int) -> Study:
    files = read_factory_dir(ROOT / "bot" / "demo")
    quantities: dict[str, list[int]] = defaultdict(list)
    for order in files.orders:
        quantities[order.sku].append(order.qty)
    return Study(
        factory=files.factory,
        start=DEMO_START,
        days=days,
        seeds=(seed,),
        settings=DEFAULT_SETTINGS,
        quantities=dict(quantities),
    )


def large_study(small: bool, days: int, seed: int) -> Study:
    factory, _, _ = generate_factory(SMALL if small else FULL, seed, AS_OF)
    return Study(
        factory=factory,
        start=AS_OF,
        days=days,
        seeds=(seed,),
        settings=(Setting("ctp", 0),),
        orders_per_day=10.0 if small else 100.0,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--workers", type=int, default=2, help="processes for the demo runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick run of both")
    args = parser.parse_args(argv)
    days = 30 if args.small else 180
    size = "10 work centers, 500 items" if args.small else "100 work centers, 5,000 items"
    print(
        f"factory: the demo factory (bot/demo) and the benchmark factory ({size}), seed {args.seed}"
    )

    rows: list[tuple[str, str, float, float, Callable[[float], bool]]] = []
    demo = demo_study(days, args.seed)
    figures, wall, cpu = _timed(demo, args.workers)
    print(f"\ndemo factory, {days} days from {DEMO_START}, {demo.rate:.2f} orders a workday:")
    print("\n".join(report.table_lines(figures)))
    label = f"demo, {days} days, 4 policies ({len(DEFAULT_SETTINGS)} runs, {args.workers} workers)"
    rows.append((label, "≤ 30 s", wall, cpu, lambda s: s <= 30))

    large = large_study(args.small, days, args.seed)
    figures, wall, cpu = _timed(large, 1)
    orders = figures[0].arrived
    print(f"\nbenchmark factory, {days} days at {large.rate:.0f} orders a workday ({orders:,}):")
    print("\n".join(report.table_lines(figures)))
    label = f"benchmark factory, {days} days, {large.rate:.0f}/day, ctp"
    rows.append((label, "≤ 120 s", wall, cpu, lambda s: s <= 120))

    table = [("measure", "target", "wall", "cpu")]
    for label, target, wall, cpu, ok in rows:
        verdict = "ok" if ok(wall) else ("MISS (cpu ok)" if ok(cpu) else "MISS")
        table.append((label, target, f"{wall:.1f} s  {verdict}", f"{cpu:.1f} s"))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    print()
    for n, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
