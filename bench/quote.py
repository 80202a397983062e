"""Benchmark of quotes, holds, start-up load and memory at the size issue 3 names.

    .venv/bin/python -m bench.quote [--database sqlite|postgres|both] [--quotes 1000]
                                    [--holds 1000] [--seed 1] [--small] [--profile DIR]

1. Generates a factory (bench/factory_gen.py: 100 work centers, 5,000 items of which 1,000 sold,
   BOM 3 levels deep with about 6 components per make item, 2–4 operations per make item) and
   books 20,000 orders over the year with the real engine (Engine.place + apply).
2. For each database: makes it fresh (SQLite: a file in a temporary folder; PostgreSQL: the
   database `promisebot_bench_quote` on the server, dropped and created, then migrated with
   `upgrade`), saves the factory with save_factory and the orders with bulk inserts of the rows
   OrderService._reserve writes.
3. Measures, in a fresh child process per database so that memory figures are the service's own:
   - load: the first `OrderService.engine()` (factory and every active reservation from the
     database into a new engine);
   - quotes: `OrderService.quote` of a random sold sku, 1–60 units, due 0–119 days out, warm
     (after 20 untimed quotes); and the same requests on the engine alone (`Engine.quote`);
   - holds: `OrderService.hold` of a random sold sku and quantity on its quoted earliest date
     (the quote is not timed), each its own committed transaction;
   - memory: the process's ru_maxrss after the above, and, in a second child, tracemalloc's peak
     while loading and answering 50 quotes.
4. Prints one table with the targets of issue 3 beside the figures.

`--small` runs a 10-work-center, 500-item, 2,000-reservation factory with 200 quotes and holds
(a few seconds; what tests run). `--profile DIR` also writes cProfile files of the load, the
quotes and the holds (DIR/<db>-<phase>.prof) and prints their hottest functions.

PostgreSQL comes from PROMISEBOT_BENCH_POSTGRES_URL, else PROMISEBOT_TEST_POSTGRES_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test (only its server is used); when it cannot be
reached the PostgreSQL column says why.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    figures_table,
    log,
    measure_each_database,
    percentile,
    print_profiles,
    random_qty,
)
from bench.factory_gen import AS_OF, FULL, SMALL, Size

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "promisebot_bench_quote"

TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "load_s": ("≤ 5 s", lambda v: v <= 5.0),
    "quote_p99_ms": ("≤ 10 ms", lambda v: v <= 10.0),
    "engine_quote_p99_ms": ("≤ 10 ms", lambda v: v <= 10.0),
    "hold_p99_ms": ("≤ 50 ms", lambda v: v <= 50.0),
    "tracemalloc_mb": ("< 500 MB", lambda v: v < 500.0),
    "maxrss_mb": ("< 500 MB", lambda v: v < 500.0),
}


# --- the child: measuring one database ------------------------------------------------------


def _request(rng: random.Random, sold: list[str], as_of: date) -> tuple[str, int, date]:
    qty = random_qty(rng)
    return rng.choice(sold), qty, as_of + timedelta(rng.randrange(120))


def _service(url: str) -> Any:
    from bot.platform.db.session import make_engine, make_session_factory
    from bot.platform.settings import Settings
    from bot.promising.orders import OrderService

    settings = Settings(database_url=url, as_of=AS_OF)
    return OrderService(settings, make_session_factory(make_engine(url)))


def _sold(service: Any) -> list[str]:
    import sqlalchemy as sa

    from bot.platform.db.tables import ItemRow

    with service.sessions() as session:
        return list(
            session.scalars(
                sa.select(ItemRow.sku).where(ItemRow.sku.like("FG-%")).order_by(ItemRow.sku)
            )
        )


def measure(url: str, quotes: int, holds: int, seed: int, profile: str | None) -> dict[str, Any]:
    """Load, quotes and holds on the database at `url`, timed; ru_maxrss at the end."""
    import cProfile
    import gc

    from capacity.model import NotPromisable

    profiles: dict[str, cProfile.Profile] = {}

    def profiled(name: str) -> cProfile.Profile | None:
        if profile is None:
            return None
        profiles[name] = cProfile.Profile()
        return profiles[name]

    service = _service(url)
    sold = _sold(service)
    gc.collect()
    prof = profiled("load")
    started = time.perf_counter()
    if prof:
        prof.enable()
    engine = service.engine()
    if prof:
        prof.disable()
    load_s = time.perf_counter() - started
    result: dict[str, Any] = {"load_s": load_s}

    rng = random.Random(seed * 7919 + 1)
    for _ in range(20):  # warm up: imports, statement caches, numpy paths
        sku, qty, due = _request(rng, sold, AS_OF)
        service.quote(sku, qty, due)

    requests = [_request(rng, sold, AS_OF) for _ in range(quotes)]
    service_ms: list[float] = []
    engine_ms: list[float] = []
    prof = profiled("quote")
    for sku, qty, due in requests:
        if prof:
            prof.enable()
        started = time.perf_counter()
        service.quote(sku, qty, due)
        service_ms.append((time.perf_counter() - started) * 1000)
        if prof:
            prof.disable()
    for sku, qty, due in requests:
        started = time.perf_counter()
        engine.quote(sku, qty, due)
        engine_ms.append((time.perf_counter() - started) * 1000)
    result.update(
        quote_p50_ms=percentile(service_ms, 50),
        quote_p99_ms=percentile(service_ms, 99),
        quote_max_ms=max(service_ms, default=math.nan),
        engine_quote_p50_ms=percentile(engine_ms, 50),
        engine_quote_p99_ms=percentile(engine_ms, 99),
        quotes=len(service_ms),
    )

    hold_ms: list[float] = []
    refused = beyond = 0
    prof = profiled("hold")
    while len(hold_ms) < holds:
        sku, qty, due = _request(rng, sold, AS_OF)
        quote = service.quote(sku, qty, due)  # not timed: the salesperson's question before
        if quote.earliest is None:
            beyond += 1
            if beyond > 10 * holds:
                break
            continue
        if prof:
            prof.enable()
        started = time.perf_counter()
        try:
            service.hold(sku, qty, quote.earliest, customer=f"Bench {len(hold_ms) % 50:02d}")
        except NotPromisable:
            refused += 1
        hold_ms.append((time.perf_counter() - started) * 1000)
        if prof:
            prof.disable()
    result.update(
        hold_p50_ms=percentile(hold_ms, 50),
        hold_p99_ms=percentile(hold_ms, 99),
        hold_max_ms=max(hold_ms, default=math.nan),
        holds=len(hold_ms),
        holds_refused=refused,
    )
    result["maxrss_mb"] = peak_resident_mb()
    if profile is not None:
        for name, prof in profiles.items():
            prof.dump_stats(str(Path(profile) / f"{name}.prof"))
    return result


def measure_memory(url: str, seed: int) -> dict[str, Any]:
    """tracemalloc's peak while loading the engine and answering 50 quotes."""
    import tracemalloc

    service = _service(url)
    sold = _sold(service)
    tracemalloc.start()
    service.engine()
    loaded, _ = tracemalloc.get_traced_memory()
    rng = random.Random(seed)
    for _ in range(50):
        service.quote(*_request(rng, sold, AS_OF))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"tracemalloc_mb": peak / 2**20, "resident_after_load_mb": loaded / 2**20}


def peak_resident_mb() -> float:
    """This process's peak resident memory since it started (exec'd).

    Linux's ru_maxrss keeps the parent's peak across fork until exec, so a child started by the
    benchmark (whose generator holds ~700 MB) would report the parent's figure. VmHWM belongs to
    the address space exec made, so it is the child's own.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args: list[str]) -> dict[str, Any]:
    """Run this module in a fresh process and return the JSON it prints."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.quote", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args[:2]} failed:\n{done.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- the parent -------------------------------------------------------------------------------


def run(
    size: Size,
    databases: list[str],
    quotes: int,
    holds: int,
    seed: int,
    profile: str | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Generate, write and measure; returns every figure (also what the table prints)."""

    def measure_in_children(kind: str, url: str, workdir: Path) -> dict[str, Any]:
        log(f"{kind}: measuring load, {quotes} quotes and {holds} holds…")
        args = [
            "--measure",
            url,
            "--quotes",
            str(quotes),
            "--holds",
            str(holds),
            "--seed",
            str(seed),
        ]
        if profile is not None:
            folder = Path(profile) / kind
            folder.mkdir(parents=True, exist_ok=True)
            args += ["--profile", str(folder.resolve())]
        figures = _child(args)
        log(f"{kind}: measuring memory…")
        figures.update(_child(["--measure-memory", url, "--seed", str(seed)]))
        return figures

    return measure_each_database(
        size,
        databases,
        seed,
        database_name=DATABASE_NAME,
        workdir_prefix="promisebot-bench-",
        keep=keep,
        measure=measure_in_children,
    )


def table(report: dict[str, Any]) -> str:
    s, size = report["stats"], report["size"]
    rows_total = int(s["hours_rows"] + s["stock_rows"] + s["purchase_rows"])
    lines = [
        f"factory: {size['work_centers']} work centers, "
        f"{size['sold'] + size['subassemblies'] + size['parts'] + size['materials']:,} items "
        f"({size['sold']:,} sold), {int(s['booked']):,} reservations "
        f"({int(s['hours_rows']):,} hours + {int(s['stock_rows']):,} stock + "
        f"{int(s['purchase_rows']):,} purchase rows = {rows_total:,}), seed {report['seed']}",
        f"booked with Engine.place+apply in {s['book_seconds']:.1f} s "
        f"({int(s['moved_later']):,} moved to their earliest date, {int(s['dropped'])} dropped, "
        f"{s['jit_share']:.1%} just in time); load {s['load']:.0%} of normal capacity "
        f"(work centers p10 {s['load_p10']:.0%}, p90 {s['load_p90']:.0%}, "
        f"max {s['load_max']:.0%})",
        "",
    ]
    names = list(report["databases"])
    rows: list[tuple[str, str | None, str]] = [
        ("load: first engine()", "load_s", "{:.2f} s"),
        ("quote p50 (OrderService)", "quote_p50_ms", "{:.1f} ms"),
        ("quote p99 (OrderService)", "quote_p99_ms", "{:.1f} ms"),
        ("quote max (OrderService)", "quote_max_ms", "{:.1f} ms"),
        ("quote p50 (Engine only)", "engine_quote_p50_ms", "{:.1f} ms"),
        ("quote p99 (Engine only)", "engine_quote_p99_ms", "{:.1f} ms"),
        ("hold p50 (committed)", "hold_p50_ms", "{:.1f} ms"),
        ("hold p99 (committed)", "hold_p99_ms", "{:.1f} ms"),
        ("hold max", "hold_max_ms", "{:.1f} ms"),
        ("holds refused on re-check", "holds_refused", "{:d}"),
        ("memory: tracemalloc peak", "tracemalloc_mb", "{:.0f} MB"),
        ("memory: peak resident", "maxrss_mb", "{:.0f} MB"),
        ("database write (setup)", None, ""),
    ]
    lines += figures_table(report, rows, TARGETS)
    for name in names:
        if "unreachable" in report["databases"][name]:
            lines.append(f"{name}: {report['databases'][name]['unreachable']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.quote", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--quotes", type=int, default=None, help="default 1000 (200 with --small)")
    parser.add_argument("--holds", type=int, default=None, help="default 1000 (200 with --small)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="a quick run on a small factory")
    parser.add_argument("--profile", metavar="DIR", help="write and summarise cProfile files")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--measure-memory", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    default_count = 200 if args.small else 1000
    quotes = default_count if args.quotes is None else args.quotes
    holds = default_count if args.holds is None else args.holds

    if args.measure:
        print(json.dumps(measure(args.measure, quotes, holds, args.seed, args.profile)))
        return 0
    if args.measure_memory:
        print(json.dumps(measure_memory(args.measure_memory, args.seed)))
        return 0

    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    started = time.perf_counter()
    report = run(
        SMALL if args.small else FULL, databases, quotes, holds, args.seed, args.profile, args.keep
    )
    print(table(report))
    print(
        f"\n(total {time.perf_counter() - started:.0f} s; quotes due 0–119 days out, "
        f"1–60 units; targets from issue 3)"
    )
    if args.json:
        print(json.dumps(report, default=str))
    if args.profile:
        print_profiles(args.profile, [("tottime", "own time")], 15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
