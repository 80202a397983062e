"""The benchmarks still run: bench.quote, bench.slack, bench.replan and bench.import_orders in their
--small mode, on SQLite, and bench.simulate in its --small mode.

Only that each finishes and prints its table; their figures are for people to read (and the
machines that run tests are too noisy for timing assertions).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


@pytest.mark.parametrize(
    ("args", "rows"),
    [
        pytest.param(
            ("bench.quote", "--quotes", "20", "--holds", "20"),
            ("quote p99 (OrderService)", "hold p99 (committed)"),
            id="quote",
        ),
        pytest.param(
            ("bench.slack", "--requests", "10", "--concurrency", "2"),
            ("ack p99", "quote posted p99", "quote posted p99, 2 at once"),
            id="slack",
        ),
        pytest.param(
            ("bench.replan",),
            ("orders released by the change", "engine re-plan (total)", "whole change committed"),
            id="replan",
        ),
    ],
)
def test_benchmark_prints_its_table(args: tuple[str, ...], rows: tuple[str, ...]) -> None:
    out = _run(*args, "--small", "--database", "sqlite")
    lines = out.splitlines()
    assert lines[0].startswith("factory: "), out
    header = next(line for line in lines if line.startswith("measure"))
    assert header.split() == ["measure", "target", "sqlite"], out
    for row in rows:
        assert any(line.startswith(row) for line in lines), f"no {row!r} row in:\n{out}"


def test_the_simulation_benchmark_prints_its_figures_and_times() -> None:
    out = _run("bench.simulate", "--small", "--workers", "1")
    lines = out.splitlines()
    assert lines[0].startswith("factory: "), out
    header = next(line for line in lines if line.startswith("measure"))
    assert header.split() == ["measure", "target", "wall", "cpu"], out
    for row in ("demo, 30 days, 4 policies", "benchmark factory, 30 days, 10/day, ctp"):
        assert any(line.startswith(row) for line in lines), f"no {row!r} row in:\n{out}"
    # ctp +0 and +2 wd on the demo, ctp +0 wd alone on the benchmark factory
    assert sum(line.startswith("ctp ") for line in lines) == 3, out


def test_the_import_benchmark_books_every_order_of_its_folder() -> None:
    out = _run("bench.import_orders", "--small", "--database", "sqlite")
    header, row = out.splitlines()
    assert header.split()[:5] == ["database", "orders", "wall", "s", "CPU"], out
    cells = row.split()
    assert cells[:2] == ["sqlite", "2,000"], out
    assert float(cells[4]) > 0  # peak resident memory, MB
