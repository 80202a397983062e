"""How much memory and time `promisebot import` takes for a big receipts.csv (prints a table).

    .venv/bin/python -m bench.imports            # 1,000,000 receipts, SQLite and PostgreSQL
    .venv/bin/python -m bench.imports --rows 100000 200000 --database sqlite

The factory is the demo factory (bot/demo) with its receipts.csv replaced by ROWS random open
purchase orders of its buy items over the coming year (about 27 bytes a row, like an ERP's
export). Each import runs as `promisebot import` in a child process on a fresh, migrated
database: its peak resident memory (the child's own ru_maxrss), wall and CPU time are measured, for
the first import and for a re-import of the same folder (every row matched, nothing changed),
and the export of it all. PROMISEBOT_AS_OF fixes the planning date, as in the demo.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import bot
from bench.common import log, postgres_url
from bench.factory_gen import drop_database, fresh_database, postgres_reachable

DEMO = Path(next(iter(bot.__path__))) / "demo"
AS_OF = date(2026, 11, 23)


def write_receipts(folder: Path, rows: int, seed: int) -> int:
    """A receipts.csv of `rows` random receipts of the demo's buy items; returns its size."""
    rng = random.Random(seed)
    header, *lines = (DEMO / "items.csv").read_text().splitlines()
    buy = [line.split(",")[0] for line in lines if line.split(",")[2] == "buy"]
    path = folder / "receipts.csv"
    with path.open("w", newline="\n") as out:
        out.write("sku,date,qty,ref\n")
        for n in range(rows):
            on = AS_OF + timedelta(days=rng.randrange(365))
            out.write(f"{rng.choice(buy)},{on.isoformat()},{rng.randrange(1, 500)},PO{n}\n")
    return path.stat().st_size


def run_child(*args: str, url: str) -> tuple[float, float, float, str]:
    """`promisebot ARGS` in its own process: (wall seconds, CPU seconds, peak resident MB,
    output). CPU time says more than wall time on a machine shared with other work."""
    env = {**os.environ, "PROMISEBOT_AS_OF": AS_OF.isoformat(), "DATABASE_URL": url}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"promisebot {' '.join(args)} failed:\n{output[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / 1024, output  # ru_maxrss is in KiB on Linux


def measure(kind: str, rows: int, folder: Path, workdir: Path) -> dict[str, Any]:
    name = f"promisebot_bench_import_{rows}"
    url = fresh_database(kind, workdir, postgres_url(), name)  # migrated
    try:
        first = run_child("import", str(folder), url=url)
        again = run_child("import", str(folder), url=url)
        exported = run_child("export", str(workdir / f"export-{kind}-{rows}"), url=url)
    finally:
        if kind == "postgres":
            drop_database(postgres_url(), name)
    return {"first": first, "again": again, "export": exported}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    unreachable = "postgres" in kinds and postgres_reachable(postgres_url())
    if unreachable:
        log(f"PostgreSQL at {postgres_url()} is not reachable ({unreachable}): SQLite only")
        kinds.remove("postgres")

    workdir = Path(tempfile.mkdtemp(prefix="promisebot-bench-import-"))
    table: list[tuple[str, ...]] = []
    try:
        for rows in args.rows:
            folder = workdir / f"factory-{rows}"
            shutil.copytree(DEMO, folder)
            size = write_receipts(folder, rows, args.seed)
            for kind in kinds:
                log(f"{kind}: importing {rows:,} receipts ({size / 1e6:.1f} MB)…")
                got = measure(kind, rows, folder, workdir)
                for step in ("first", "again", "export"):
                    seconds, cpu, peak, _ = got[step]
                    label = {"first": "import", "again": "re-import", "export": "export"}[step]
                    figures = (f"{seconds:.1f}", f"{cpu:.1f}", f"{peak:.0f}")
                    table.append((f"{rows:,}", f"{size / 1e6:.1f}", kind, label, *figures))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    header = ("rows", "MB", "database", "step", "wall s", "CPU s", "peak RSS MB")
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
