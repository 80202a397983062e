"""`promisebot import` streams receipts.csv: a big file imports in bounded memory, all or nothing,
and a file over the size cap is refused before anything is read."""

from __future__ import annotations

import random
import re
import shutil
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.factory.files import CHUNK_ROWS, MAX_FILE_BYTES, MAX_STREAMED_FILE_BYTES
from bot.platform.db.tables import ReceiptRow
from tests.conftest import MigratedDb, dump_database

AS_OF = date(2026, 11, 23)
ENV = {"PROMISEBOT_AS_OF": AS_OF.isoformat()}


def promisebot(url: str, *args: str | Path) -> int:
    return main([*map(str, args), "--database-url", url], env=ENV)


def receipts_csv(folder: Path, rows: int, *, seed: int = 1, bad_line: int | None = None) -> None:
    """`rows` receipts of SHEET over the coming year; line `bad_line` (if any) has a bad qty."""
    rng = random.Random(seed)
    with (folder / "receipts.csv").open("w") as out:
        out.write("sku,date,qty,ref\n")
        for n in range(rows):
            on = AS_OF + timedelta(days=rng.randrange(365))
            qty = "lots" if n + 2 == bad_line else str(rng.randrange(1, 50))
            out.write(f"SHEET,{on.isoformat()},{qty},PO{n % 997}\n")


def stored_receipts(db: MigratedDb) -> int:
    with db.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count()).select_from(ReceiptRow)) or 0


def traced_peak(url: str, folder: Path) -> int:
    """The most memory Python held while `promisebot import FOLDER` ran."""
    tracemalloc.start()
    try:
        assert promisebot(url, "import", folder) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_big_receipts_file_imports_whole_in_bounded_memory_and_exports_the_same(
    migrated_db: MigratedDb,
    worked_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot.factory.files as files

    # Small chunks, so that a file of a few MB is dozens of chunks (the real ones are 20,000 rows).
    monkeypatch.setattr(files, "CHUNK_ROWS", 1000)
    receipts_csv(worked_dir, 4000)
    small = traced_peak(migrated_db.url, worked_dir)
    rows = 40_123
    receipts_csv(worked_dir, rows, seed=2)
    big = traced_peak(migrated_db.url, worked_dir)
    assert stored_receipts(migrated_db) == rows
    # Ten times the rows, the same memory (held whole, the old way grew by about 60 bytes per
    # byte of CSV: 70 MB more here).
    size = (worked_dir / "receipts.csv").stat().st_size
    assert big < small + size, f"{small / 1e6:.1f} MB for 4,000 rows, {big / 1e6:.1f} for {rows}"

    # Re-importing the same file matches every row: nothing added, nothing deleted.
    before = dump_database(migrated_db.engine)
    capsys.readouterr()
    assert promisebot(migrated_db.url, "import", worked_dir) == 0
    assert re.search(
        rf"receipts +0 added, 0 updated, 0 deleted, {rows} unchanged", (capsys.readouterr().out)
    )
    assert dump_database(migrated_db.engine)["receipts"] == before["receipts"]

    # Export streams them back in key order, and export -> import -> export is byte-identical.
    assert promisebot(migrated_db.url, "export", tmp_path / "first") == 0
    exported = (tmp_path / "first" / "receipts.csv").read_text().splitlines()
    assert len(exported) == rows + 1
    keys = [(s, d, r, float(q)) for s, d, q, r in (line.split(",") for line in exported[1:])]
    assert keys == sorted(keys)
    assert promisebot(migrated_db.url, "import", tmp_path / "first") == 0
    assert promisebot(migrated_db.url, "export", tmp_path / "second") == 0
    first = (tmp_path / "first" / "receipts.csv").read_bytes()
    assert first == (tmp_path / "second" / "receipts.csv").read_bytes()


def test_a_bad_row_near_the_end_of_a_big_file_changes_nothing(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promisebot(migrated_db.url, "import", worked_dir) == 0
    before = dump_database(migrated_db.engine)
    rows = 2 * CHUNK_ROWS + 50
    receipts_csv(worked_dir, rows, bad_line=rows)  # the last but one row
    capsys.readouterr()

    assert promisebot(migrated_db.url, "import", worked_dir) == 2

    err = capsys.readouterr().err
    assert f"receipts.csv:{rows}: qty: 'lots' is not a number" in err
    assert dump_database(migrated_db.engine) == before


def test_thousands_of_bad_rows_are_reported_in_part_and_counted(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = dump_database(migrated_db.engine)
    (worked_dir / "receipts.csv").write_text(
        "sku,date,qty,ref\n" + "".join(f"NOPE,2026-12-01,{n + 1},PO\n" for n in range(5000))
    )
    assert promisebot(migrated_db.url, "import", worked_dir) == 2
    err = capsys.readouterr().err
    assert err.count("unknown sku 'NOPE'") == 200
    assert "receipts.csv: … and 4,800 more problems like these" in err
    assert dump_database(migrated_db.engine) == before


@pytest.mark.parametrize(
    ("name", "cap"), [("receipts.csv", MAX_STREAMED_FILE_BYTES), ("items.csv", MAX_FILE_BYTES)]
)
def test_a_file_over_its_cap_is_refused_before_it_is_read(
    migrated_db: MigratedDb,
    worked_dir: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    cap: int,
) -> None:
    before = dump_database(migrated_db.engine)
    with (worked_dir / name).open("r+b") as file:
        file.truncate(cap + 1)  # sparse: no disk, and reading it would take seconds
    started = time.monotonic()
    assert promisebot(migrated_db.url, "import", worked_dir) == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    limit = f"{cap // 2**20:,} MiB"
    assert f"{name}: file too large ({(cap + 1) // 2**20:,} MiB); expected at most {limit}" in err
    assert dump_database(migrated_db.engine) == before


def test_a_file_that_grows_past_its_cap_while_read_is_refused(
    migrated_db: MigratedDb, worked_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The cap holds while reading too, not only for the size the file had when it was opened."""
    import bot.factory.files as files

    before = dump_database(migrated_db.engine)
    receipts_csv(worked_dir, 5000)
    size = (worked_dir / "receipts.csv").stat().st_size
    monkeypatch.setattr(files, "MAX_STREAMED_FILE_BYTES", size + 10)
    # A folder whose receipts.csv is bigger when read than when its size was looked at.
    grown = tmp_path / "grown"
    shutil.copytree(worked_dir, grown)
    real_present = files._present

    def present_then_grow(folder: Path, spec: object, problems: list[object]) -> Path | None:
        found = real_present(folder, spec, problems)  # type: ignore[arg-type]
        if found is not None and found.name == "receipts.csv":
            with found.open("a") as out:
                out.write("SHEET,2026-12-01,1,PO\n" * 100)
        return found

    monkeypatch.setattr(files, "_present", present_then_grow)
    assert promisebot(migrated_db.url, "import", grown) == 2
    assert dump_database(migrated_db.engine) == before


def test_the_import_benchmark_prints_its_table() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bench.imports", "--rows", "3000", "--database", "sqlite"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "rows",
        "MB",
        "database",
        "step",
        "wall",
        "s",
        "CPU",
        "s",
        "peak",
    ] + [
        "RSS",
        "MB",
    ]
    assert [line.split()[3] for line in lines[1:]] == ["import", "re-import", "export"]
