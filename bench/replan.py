"""Benchmark of a change to the factory at the size issue 3 names: the most loaded work center
goes down for 3 days.

    .venv/bin/python -m bench.replan [--database sqlite|postgres|both] [--seed 1] [--small]

1. Generates and books the factory of bench/quote.py (100 work centers, 5,000 items, 20,000
   reservations over the year) and writes it to a fresh database of each kind.
2. In a fresh child process per database, with the order service warm (its engine loaded, as in
   a running `promisebot run`): picks the work center with the most reserved hours and, on it,
   the 3 consecutive days from tomorrow within the next 4 weeks holding the most reserved hours;
   closes them (`CapacityChange(…, hours=0)`).
3. Measures:
   - the engine re-plan alone, on a copy: the engine on the changed factory (`with_factory`),
     finding what is broken on the work center the change touched (`breakage`, as
     apply_change does; the same search everywhere, as `replan` does, is shown beside it) and
     re-placing the broken orders (`repromise`); the broken orders are read from the database
     beforehand, untimed;
   - the whole change committed: `OrderService.apply_change` as `promisebot capacity` runs it
     (the plan lock, the calendar rows, the SQL that finds the broken orders, the re-plan, the
     released and new reservations, the audit rows, operations' summary in the outbox, commit);
   - its dry run (everything above, rolled back), and a `replan` right after (moves nothing).
4. Prints the orders released, moved and at risk and the times beside issue 13's targets.

`--small` runs bench/quote.py's small factory (a few seconds; what tests run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import Targets, figures_table, log, measure_each_database
from bench.factory_gen import AS_OF, FULL, SMALL, Size

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "promisebot_bench_replan"

TARGETS: Targets = {
    "engine_s": ("≤ 0.5 s", lambda v: v <= 0.5),
    "committed_s": ("≤ 3 s", lambda v: v <= 3.0),
}


def _busiest(engine: Any, days: int = 3, within: int = 28) -> tuple[str, date]:
    """The most loaded work center and the first of its `days` busiest consecutive days from
    tomorrow within `within` days."""
    horizon = [engine.day(i) for i in range(engine.horizon_days)]
    codes = [wc.code for wc in engine.factory.work_centers]
    code = max(codes, key=lambda c: sum(engine.reserved(c, d) for d in horizon))
    starts = [AS_OF + timedelta(n) for n in range(1, within - days + 2)]
    first = max(
        starts,
        key=lambda s: sum(engine.reserved(code, s + timedelta(k)) for k in range(days)),
    )
    return code, first


def measure(url: str) -> dict[str, Any]:
    """The change's figures on the database at `url` (run in a child process)."""
    import sqlalchemy as sa

    from bot.platform.db.session import make_engine, make_session_factory
    from bot.platform.db.tables import OrderRow
    from bot.platform.settings import Settings
    from bot.promising.orders import OrderService
    from bot.promising.replan import orders_holding
    from capacity.changes import CapacityChange, applied
    from capacity.replan import breakage, repromise

    settings = Settings(database_url=url, as_of=AS_OF, ops_channel="C0OPS")
    service = OrderService(settings, make_session_factory(make_engine(url)))
    started = time.perf_counter()
    engine = service.engine()
    load_s = time.perf_counter() - started
    code, first = _busiest(engine)
    change = CapacityChange(code, first, first + timedelta(2), 0.0, "bench: 3 days down")
    held = sum(engine.reserved(code, first + timedelta(k)) for k in range(3))

    # The engine alone, on a copy; the broken orders' reservations are read first, untimed.
    after = applied(engine.factory, change)
    started = time.perf_counter()
    changed = engine.with_factory(after)
    with_factory_s = time.perf_counter() - started
    started = time.perf_counter()
    found = breakage(changed, work_centers={code}, skus=set())  # what apply_change looks at
    breakage_s = time.perf_counter() - started
    started = time.perf_counter()
    everywhere = breakage(changed)  # what replan and imports look at
    breakage_all_s = time.perf_counter() - started
    with service.sessions() as session:
        ids = orders_holding(session, found)
        rows = session.scalars(sa.select(OrderRow).where(OrderRow.id.in_(ids))).all()
        commitments = [c for c, _ in service._commitments(session, rows).values()]
    started = time.perf_counter()
    placed = repromise(changed, commitments)
    repromise_s = time.perf_counter() - started
    engine_s = with_factory_s + breakage_s + repromise_s

    started = time.perf_counter()
    preview = service.apply_change(change, dry_run=True)
    dry_run_s = time.perf_counter() - started
    started = time.perf_counter()
    result = service.apply_change(change, actor="bench")
    committed_s = time.perf_counter() - started
    started = time.perf_counter()
    again = service.replan()
    replan_s = time.perf_counter() - started
    return {
        "work_center": code,
        "first": first.isoformat(),
        "hours_held": held,
        "load_s": load_s,
        "released": len(placed),
        "moved": len(result.moved),
        "kept": len(result.kept),
        "at_risk": len(result.at_risk),
        "engine_agrees": [r.outcome for r in placed].count("moved") == len(result.moved)
        and preview.to_json() == result.to_json(),
        "with_factory_s": with_factory_s,
        "breakage_s": breakage_s,
        "breakage_all_s": breakage_all_s,
        "breakage_agrees": everywhere == found,
        "repromise_s": repromise_s,
        "engine_s": engine_s,
        "dry_run_s": dry_run_s,
        "committed_s": committed_s,
        "replan_s": replan_s,
        "replan_moved": len(again.kept)
        + len(again.at_risk)
        + len({(m.ref, m.to_on) for m in again.moved} - {(m.ref, m.to_on) for m in result.moved}),
    }


def _child(url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.replan", "--measure", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child failed:\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def table(report: dict[str, Any]) -> str:
    s, size = report["stats"], report["size"]
    lines = [
        f"factory: {size['work_centers']} work centers, "
        f"{size['sold'] + size['subassemblies'] + size['parts'] + size['materials']:,} items, "
        f"{int(s['booked']):,} reservations, seed {report['seed']}",
    ]
    for name, figures in report["databases"].items():
        if "unreachable" not in figures:
            lines.append(
                f"{name}: {figures['work_center']} down {figures['first']} + 2 days "
                f"({figures['hours_held']:.0f} h reserved there)"
            )
    lines.append("")
    rows: list[tuple[str, str | None, str]] = [
        ("orders released by the change", "released", "{:d}"),
        ("  moved to a later date", "moved", "{:d}"),
        ("  kept their date", "kept", "{:d}"),
        ("  at risk", "at_risk", "{:d}"),
        ("engine re-plan (total)", "engine_s", "{:.3f} s"),
        ("  engine on the changed factory", "with_factory_s", "{:.3f} s"),
        ("  finding what is broken", "breakage_s", "{:.3f} s"),
        ("  (the same, everywhere)", "breakage_all_s", "{:.3f} s"),
        ("  re-placing the broken orders", "repromise_s", "{:.3f} s"),
        ("whole change committed", "committed_s", "{:.2f} s"),
        ("the same as a dry run", "dry_run_s", "{:.2f} s"),
        ("replan right after", "replan_s", "{:.2f} s"),
        ("  orders it moved (pulled back)", "replan_moved", "{:d}"),
        ("load: first engine() (setup)", "load_s", "{:.2f} s"),
        ("database write (setup)", None, ""),
    ]
    lines += figures_table(report, rows, TARGETS)
    for name, figures in report["databases"].items():
        if "unreachable" in figures:
            lines.append(f"{name}: {figures['unreachable']}")
        elif not (figures["engine_agrees"] and figures["breakage_agrees"]):
            lines.append(f"{name}: the engine alone and the service disagree: investigate")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replan", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick run on a small factory")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    size: Size = SMALL if args.small else FULL
    started = time.perf_counter()

    def measure_in_child(kind: str, url: str, workdir: Path) -> dict[str, Any]:
        log(f"{kind}: the change…")
        return _child(url)

    report = measure_each_database(
        size,
        databases,
        args.seed,
        database_name=DATABASE_NAME,
        workdir_prefix="promisebot-bench-replan-",
        keep=args.keep,
        measure=measure_in_child,
    )
    print(table(report))
    print(f"\n(total {time.perf_counter() - started:.0f} s; targets from issue 13)")
    if args.json:
        print(json.dumps(report, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
