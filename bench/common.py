"""What every benchmark shares: the database set-up and measuring loop, and the report's table.

    report = measure_each_database(size, ["sqlite", "postgres"], seed, database_name=...,
                                   workdir_prefix=..., keep=False, measure=measure_one)

generates the factory once (bench/factory_gen.py), writes it to a fresh database of each kind and
calls `measure_one(kind, url, workdir)` for each; `figures_table` lays the figures out beside
their targets.
"""

from __future__ import annotations

import io
import math
import os
import pstats
import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.factory_gen import (
    Size,
    drop_database,
    fresh_database,
    generate,
    postgres_reachable,
    write_database,
)

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

Targets = dict[str, tuple[str, Callable[[float], bool]]]
"""A figure's key → (the target as printed, whether a value meets it)."""

Row = tuple[str, str | None, str]
"""(label, the figure's key or None for the database write, format)."""


def postgres_url() -> str:
    return (
        os.environ.get("PROMISEBOT_BENCH_POSTGRES_URL", "").strip()
        or os.environ.get("PROMISEBOT_TEST_POSTGRES_URL", "").strip()
        or DEFAULT_POSTGRES
    )


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure_each_database(
    size: Size,
    databases: list[str],
    seed: int,
    *,
    database_name: str,
    workdir_prefix: str,
    keep: bool,
    measure: Callable[[str, str, Path], dict[str, Any]],
) -> dict[str, Any]:
    """Generate the factory, write it to a fresh database of each kind and measure it with
    `measure(kind, url, workdir)`; returns every figure (also what the table prints).

    An unreachable PostgreSQL server is reported, not raised; the PostgreSQL database is dropped
    afterwards and the temporary folder removed, unless `keep`.
    """
    log(f"generating a factory of {size.items:,} items and booking {size.reservations:,} orders…")
    data = generate(
        size,
        seed,
        progress=lambda n, total: log(f"  booked {n:,}/{total:,}") if n % 5000 == 0 else None,
    )
    report: dict[str, Any] = {
        "stats": data.stats,
        "size": size.__dict__,
        "seed": seed,
        "databases": {},
    }
    workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
    pg = postgres_url()
    try:
        for kind in databases:
            if kind == "postgres":
                why = postgres_reachable(pg)
                if why is not None:
                    report["databases"][kind] = {"unreachable": why}
                    log(f"postgres: not reachable ({why})")
                    continue
            log(f"{kind}: writing the database…")
            url = fresh_database(kind, workdir, pg, database_name)
            figures: dict[str, Any] = {"write": write_database(url, data)}
            figures.update(measure(kind, url, workdir))
            report["databases"][kind] = figures
            if kind == "postgres" and not keep:
                drop_database(pg, database_name)
    finally:
        if keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def figures_table(
    report: dict[str, Any], rows: Sequence[Row], targets: Targets, *, nan_is_missing: bool = False
) -> list[str]:
    """The measures down, the databases across, each figure beside its target (ok or MISS).

    A key `c_…` (the same measure under concurrency) has the target of its key without `c_`.
    """
    names = list(report["databases"])
    header = ["measure", "target", *names]
    body: list[list[str]] = []
    for label, key, fmt in rows:
        target_key = (key or "").removeprefix("c_")
        target: tuple[str, Callable[[float], bool] | None] = targets.get(target_key, ("", None))
        cells = [label, target[0]]
        for name in names:
            figures = report["databases"][name]
            if "unreachable" in figures:
                cells.append("unreachable")
                continue
            if key is None:
                write = figures["write"]
                cells.append(f"{write['save_factory'] + write['write_orders']:.1f} s")
                continue
            value = figures.get(key)
            if value is None or (nan_is_missing and isinstance(value, float) and math.isnan(value)):
                cells.append("-")
                continue
            text = fmt.format(int(value) if fmt == "{:d}" else value)
            check = target[1]
            if check is not None:
                text += "  ok" if check(value) else "  MISS"
            cells.append(text)
        body.append(cells)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, ["-" * w for w in widths], *body]
    ]


def print_profiles(folder: str, sorts: Sequence[tuple[str, str]], count: int) -> None:
    """Print the `count` hottest functions of each cProfile file below `folder`, once for each
    (pstats sort key, label) of `sorts`."""
    for path in sorted(Path(folder).rglob("*.prof")):
        for order, label in sorts:
            out = io.StringIO()
            stats = pstats.Stats(str(path), stream=out)
            stats.sort_stats(order).print_stats(count)
            print(f"\n=== {path.relative_to(folder)} (by {label}) ===")
            print("\n".join(out.getvalue().splitlines()[6:]).rstrip())


def random_qty(rng: random.Random) -> int:
    """1–60 units, small quantities more often (log-uniform), as salespeople ask."""
    return max(1, min(60, int(round(math.exp(rng.uniform(0.0, math.log(60)))))))
