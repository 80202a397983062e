"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

- `database_url`: an empty database (no tables) of the test's backend, its own for this test.
- `migrated_db`: a database at Alembic head with only the migration's seed rows, its own for this
  test (a copy of a template migrated once per run), as a `MigratedDb` (url, engine, sessions).

PostgreSQL comes from PROMISEBOT_TEST_POSTGRES_URL (a role allowed to CREATE DATABASE, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test gets a database of its own,
named promisebot_test_*, dropped afterwards, so parallel runs on one server never meet.
Unset, the postgres tests are skipped, except under CI=true where they fail; set but
unreachable, they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.platform.clock import system_now
from bot.platform.db.session import make_engine, make_session_factory, upgrade
from bot.platform.db.tables import Base

POSTGRES_URL_VARIABLE = "PROMISEBOT_TEST_POSTGRES_URL"

SHARED_WORKED = Path(__file__).resolve().parents[2] / "shared" / "factories" / "worked"
"""DESIGN.md's worked example, in the shared workspace beside the clone (when there is one)."""

WORKED_FILES = {
    "work_centers.csv": "code,name,machines,shifts_per_day,hours_per_shift,efficiency,workdays,"
    "rush_reserve_pct\nCNC,CNC mill,1,1,8,1.0,Mon-Fri,0\nPAINT,Paint line,1,1,8,1.0,Mon-Fri,0\n",
    "calendar.csv": "work_center,date,hours,reason\n",
    "items.csv": "sku,name,kind,uom,lead_time_days,safety_stock\n"
    "BRKT,Bracket,make,ea,0,0\nSHEET,Steel sheet,buy,ea,10,0\n",
    "bom.csv": "parent_sku,component_sku,qty_per\nBRKT,SHEET,1\n",
    "routings.csv": "sku,seq,work_center,setup_hours,run_hours_per_unit,lag_days\n"
    "BRKT,10,CNC,2,0.5,0\nBRKT,20,PAINT,0,0.25,0\n",
    "inventory.csv": "sku,on_hand\nBRKT,5\nSHEET,20\n",
    "receipts.csv": "sku,date,qty,ref\n",
}
"""The same worked example, so that a clone without the shared workspace can run the tests."""

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class MigratedDb:
    url: str
    engine: Engine
    session_factory: sessionmaker[Session]


NOT_CHANGES = ("slack_locales",)
"""Tables that say what Slack told promisebot, kept so that it asks once (a person's Slack
locale, read the first time they act): reading them is not a change anybody made."""


def dump_database(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (ordered) but NOT_CHANGES, to show that something changed
    nothing."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_CHANGES:
                continue
            rows = connection.execute(sa.select(table)).all()
            dump[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return dump


@pytest.fixture
def worked_dir(tmp_path: Path) -> Path:
    """A folder with the worked example's factory files, this test's own copy."""
    folder = tmp_path / "worked"
    folder.mkdir()
    for name, text in WORKED_FILES.items():
        (folder / name).write_text(text)
    if SHARED_WORKED.is_dir():
        shared = {path.name: path.read_text() for path in SHARED_WORKED.glob("*.csv")}
        assert shared == WORKED_FILES, f"{SHARED_WORKED} changed: update WORKED_FILES"
    return folder


# --- backends --------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> sa.URL:
    """The PostgreSQL server to make test databases on, checked once per run."""
    raw = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not raw:
        message = f"{POSTGRES_URL_VARIABLE} is not set, so the PostgreSQL tests cannot run"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (and CI=true requires them)", pytrace=False)
        pytest.skip(message)
    url = sa.make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        pytest.fail(
            f"{POSTGRES_URL_VARIABLE}={url.render_as_string()} is not reachable: {error.orig}",
            pytrace=False,
        )
    finally:
        engine.dispose()
    return url


def _create_database(server: sa.URL, template: str | None = None) -> sa.URL:
    name = f"promisebot_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
    finally:
        engine.dispose()
    return server.set(database=name)


def _drop_database(server: sa.URL, url: sa.URL) -> None:
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        engine.dispose()


def _render(url: sa.URL | str) -> str:
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)


# --- empty databases ---------------------------------------------------------------------------


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of `backend`, for this test alone."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'promisebot.db'}"
        return
    server: sa.URL = request.getfixturevalue("postgres_server")
    url = _create_database(server)
    try:
        yield _render(url)
    finally:
        _drop_database(server, url)


# --- migrated databases ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "promisebot.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: sa.URL) -> Iterator[str]:
    """A database migrated once per run; each test's database is a copy (CREATE … TEMPLATE)."""
    url = _create_database(postgres_server)
    try:
        upgrade(url)  # upgrade disposes its engine: a template must have no connections
        yield str(url.database)
    finally:
        _drop_database(postgres_server, url)


@pytest.fixture
def migrated_db(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[MigratedDb]:
    """A database at Alembic head, for this test alone."""
    server: sa.URL | None = None
    if backend == "sqlite":
        path = tmp_path / "promisebot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url: sa.URL | str = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = _create_database(server, template=request.getfixturevalue("postgres_template"))
    engine = make_engine(url)
    try:
        # Rows a test writes directly, outside any service, are stamped with the machine's time;
        # services stamp theirs with their own clock (bot.platform.db.session.with_clock).
        yield MigratedDb(_render(url), engine, make_session_factory(engine, system_now))
    finally:
        engine.dispose()
        if server is not None:
            _drop_database(server, sa.make_url(url))
