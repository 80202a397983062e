"""How long `promisebot import` takes for issue 3's factory with its 20,000 orders (prints a table).

    .venv/bin/python -m bench.import_orders                    # SQLite and PostgreSQL
    .venv/bin/python -m bench.import_orders --database sqlite [--small] [--profile DIR]

The factory is bench/quote.py's (100 work centers, 5,000 items, the order book of 20,000 orders
over the year), written as a factory folder with the orders as orders.csv (confirmed, on the day
the engine booked each when generating it, so every one fits). `promisebot import` then runs in
a child process on a fresh, migrated database: it reads and checks the nine files, stores the
factory, books every order with the engine in file order, stores the 2 million reservation rows
and re-checks every promise against the new factory, all in one transaction. Its wall and CPU
time and its own peak resident memory (ru_maxrss) are printed, beside issue 13's target for
SQLite (≤ 20 s). The factory is generated in a process of its own: a child's ru_maxrss counts the
peak memory its parent had reached when it started the child (Linux carries it over through vfork
and exec), and the process that booked the order book to write it holds more than the import.

`--profile DIR` runs the child under cProfile and leaves `import-<database>.prof` there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import log, postgres_url
from bench.factory_gen import (
    AS_OF,
    FULL,
    SMALL,
    drop_database,
    fresh_database,
    generate,
    postgres_reachable,
)
from bot.factory.files import FactoryFiles, OrderRow, write_factory_dir

TARGET_SQLITE_S = 20.0
DATABASE_NAME = "promisebot_bench_import_orders"


def write_folder(folder: Path, small: bool, seed: int) -> int:
    """The benchmark factory and its booked order book as a factory folder; returns the orders."""
    data = generate(
        SMALL if small else FULL,
        seed,
        progress=lambda n, total: log(f"  booked {n:,}/{total:,}") if n % 5000 == 0 else None,
    )
    orders = tuple(
        OrderRow(o.ref, o.customer, o.sku, o.qty, o.requested_on, "confirmed") for o in data.orders
    )
    write_factory_dir(FactoryFiles(data.factory, orders), folder)
    return len(orders)


def write_in_child(folder: Path, small: bool, seed: int) -> int:
    """`write_folder` in a process of its own (see the module's docstring); returns the orders."""
    command = [sys.executable, "-m", "bench.import_orders", "--write-folder", str(folder)]
    command += ["--seed", str(seed), *(["--small"] if small else [])]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return int(done.stdout.split()[-1])


def run_import(folder: Path, url: str, profile: Path | None) -> tuple[float, float, float, str]:
    """`promisebot import FOLDER` in its own process: (wall s, CPU s, peak resident MB, output)."""
    env = {**os.environ, "PROMISEBOT_AS_OF": AS_OF.isoformat(), "DATABASE_URL": url}
    profiling = ["-m", "cProfile", "-o", str(profile)] if profile is not None else []
    command = [sys.executable, *profiling, "-m", "bot.cli", "import", str(folder)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"promisebot import failed:\n{output[-3000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="bench/quote.py's small factory")
    parser.add_argument("--profile", type=Path, help="leave a cProfile of each import here")
    parser.add_argument("--write-folder", type=Path, help=argparse.SUPPRESS)  # write_in_child
    args = parser.parse_args(argv)
    if args.write_folder is not None:
        print(write_folder(args.write_folder, args.small, args.seed))
        return 0
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    unreachable = "postgres" in kinds and postgres_reachable(postgres_url())
    if unreachable:
        log(f"PostgreSQL at {postgres_url()} is not reachable ({unreachable}): SQLite only")
        kinds.remove("postgres")

    workdir = Path(tempfile.mkdtemp(prefix="promisebot-bench-import-orders-"))
    rows: list[tuple[str, ...]] = []
    try:
        folder = workdir / "factory"
        log("generating the benchmark factory and booking its order book…")
        count = write_in_child(folder, args.small, args.seed)
        for kind in kinds:
            url = fresh_database(kind, workdir, postgres_url(), DATABASE_NAME)  # migrated
            try:
                log(f"{kind}: promisebot import of {count:,} orders…")
                profile = None
                if args.profile is not None:
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile = args.profile / f"import-{kind}.prof"
                seconds, cpu, peak, output = run_import(folder, url, profile)
                log(output.strip())
            finally:
                if kind == "postgres":
                    drop_database(postgres_url(), DATABASE_NAME)
            target = f"≤ {TARGET_SQLITE_S:.0f} s" if kind == "sqlite" else ""
            verdict = ("ok" if seconds <= TARGET_SQLITE_S else "MISS") if target else ""
            rows.append(
                (kind, f"{count:,}", f"{seconds:.1f}", f"{cpu:.1f}", f"{peak:.0f}", target, verdict)
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    header = ("database", "orders", "wall s", "CPU s", "peak RSS MB", "target", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
