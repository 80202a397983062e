"""The benchmarks still run: bench.quote, bench.slack and bench.replan in their --small mode, on
SQLite.

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
