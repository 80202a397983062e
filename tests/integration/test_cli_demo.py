"""`promisebot demo` never writes to a database that holds anything but the demo (issue 10).

The demo books a made-up factory, a made-up past and cancels nothing of anyone's; pointed at a
real database it must refuse before touching it. These tests run the CLI in-process: a refusal
returns before any server starts. (`tests/e2e/test_demo_command.py` runs the demo itself.)
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.demo import DEMO_DIR
from bot.platform.settings import Settings
from bot.sandbox.seed import prepare, sandbox_settings
from tests.conftest import MigratedDb, dump_database

REAL_DAY = "2026-11-23"


def snapshot(db: MigratedDb) -> dict[str, Any]:
    """Everything in the database: every table's rows, the schema's version and its tables."""
    with db.engine.connect() as connection:
        tables = sorted(sa.inspect(connection).get_table_names())
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    shot: dict[str, Any] = {"rows": dump_database(db.engine), "tables": tables, "version": version}
    url = sa.make_url(db.url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        with sqlite3.connect(url.database) as raw:
            shot["sqlite"] = list(raw.iterdump())  # schema and rows, as SQL
    return shot


@pytest.fixture(params=["worked example", "demo factory"])
def real_db(
    request: pytest.FixtureRequest,
    migrated_db: MigratedDb,
    worked_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> MigratedDb:
    """A factory in use: imported, and a real customer's order confirmed on it."""
    factory = worked_dir if request.param == "worked example" else DEMO_DIR
    env = {"PROMISEBOT_AS_OF": REAL_DAY}
    assert main(["import", str(factory), "--database-url", migrated_db.url], env=env) == 0
    hold = ["hold", "BRKT", "5", "--date", "2026-12-18", "--customer", "Initech", "--confirm"]
    assert main([*hold, "--database-url", migrated_db.url], env=env) == 0, capsys.readouterr()
    capsys.readouterr()
    return migrated_db


def test_the_demo_refuses_a_database_with_a_real_order_and_leaves_it_as_it_was(
    real_db: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(real_db)

    code = main(["demo", "--port", "0", "--database-url", real_db.url], env={})

    err = capsys.readouterr().err
    assert code == 2, err
    assert "holds data that is not the demo's" in err and "Nothing was changed" in err
    assert snapshot(real_db) == before


def test_the_demo_refuses_its_own_database_of_another_day_unless_told_that_day(
    migrated_db: MigratedDb, capsys: pytest.CaptureFixture[str]
) -> None:
    # A migrated database with no rows counts as empty: the demo prepares it for 1 March.
    prepare(
        sandbox_settings(
            Settings(database_url=migrated_db.url), as_of=date(2027, 3, 1), slack_api_url=None
        )
    )
    before = snapshot(migrated_db)

    code = main(["demo", "--as-of", "2027-03-08", "--database-url", migrated_db.url], env={})

    err = capsys.readouterr().err
    assert code == 2
    assert "holds the sandbox as of 2027-03-01; pass --as-of 2027-03-01" in err
    assert snapshot(migrated_db) == before
