"""Engines, sessions and write transactions for SQLite and PostgreSQL; running the migrations."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
BULK_ROWS = 10_000
"""From this many rows on, `insert_rows` gives the SQLite connection a bigger page cache (while the
table's indexes are kept up as it writes)."""
BULK_CACHE_KIB = 65_536


def make_engine(url: str | sa.URL, **kwargs: Any) -> Engine:
    """An engine for `url`, set up so that transactions mean the same on SQLite and PostgreSQL.

    On SQLite the sqlite3 driver's own transaction handling is switched off and SQLAlchemy emits
    BEGIN itself (the recipe in SQLAlchemy's SQLite docs), so reads are inside the transaction and
    DDL is transactional; a connection with the execution option `sqlite_immediate=True` begins
    with `BEGIN IMMEDIATE`, taking the write lock before it reads. Foreign keys are enforced and
    a locked database is waited for up to 30 s.
    """
    url = sa.make_url(url)
    if url.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, **kwargs)

    engine = sa.create_engine(url, **kwargs)
    file_backed = url.database not in (None, "", ":memory:") and "mode=memory" not in str(url)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop sqlite3 from emitting BEGIN (it skips it before SELECT and DDL); we emit it below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if file_backed:
                # WAL lets readers go on while a hold commits, and NORMAL sync in WAL mode keeps
                # the database consistent while syncing once per checkpoint rather than per
                # commit (a hold commits in half the time). A power cut may lose the last
                # commits; an application crash loses none. PostgreSQL is the production store.
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def make_session_factory(
    engine: Engine, clock: Callable[[], datetime] | None = None
) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit (expire_on_commit=False).

    `clock` (promisebot's Clock, or a test's) stamps the timestamps new rows leave unset. A
    session made without one can read, and write rows that carry their own timestamps; a new
    row that needs a stamp then fails loudly rather than being stamped with the machine's time.
    """
    return sessionmaker(engine, expire_on_commit=False, info={"clock": clock})


def with_clock(
    session_factory: sessionmaker[Session], clock: Callable[[], datetime]
) -> sessionmaker[Session]:
    """The same sessions, stamping new rows with `clock`: what a service given a clock uses."""
    if session_factory.kw.get("info", {}).get("clock") is clock:
        return session_factory
    kw = {**session_factory.kw, "info": {**session_factory.kw.get("info", {}), "clock": clock}}
    return sessionmaker(**kw)


class NoClock(RuntimeError):
    """A new row needs a timestamp and its session was made without a clock."""


_stamped_columns: dict[type, tuple[str, ...]] = {}


def _stamps(cls: type) -> tuple[str, ...]:
    keys = _stamped_columns.get(cls)
    if keys is None:
        mapper: sa.orm.Mapper[Any] = sa.inspect(cls)
        keys = tuple(
            mapper.get_property_by_column(column).key
            for column in mapper.columns
            if column.info.get("stamp")
        )
        _stamped_columns[cls] = keys
    return keys


@sa.event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    for row in session.new:
        missing = [key for key in _stamps(type(row)) if getattr(row, key) is None]
        if not missing:
            continue
        clock = session.info.get("clock")
        if clock is None:
            raise NoClock(
                f"a new {type(row).__name__} needs {', '.join(missing)} and this session has no "
                "clock: make its factory with make_session_factory(engine, clock)"
            )
        now = clock()
        for key in missing:
            setattr(row, key, now)


@contextmanager
def write_transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in a transaction meant to write: commit on success, roll back on error.

    On SQLite it starts with BEGIN IMMEDIATE, so it holds the database's write lock before its
    first read and two writers never both read the old state. On PostgreSQL it is an ordinary
    READ COMMITTED transaction: lock what you update (`SELECT … FOR UPDATE`, e.g. plan_state).
    """
    with session_factory() as session:
        # The option is ignored by PostgreSQL; on SQLite the begin hook above reads it.
        session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()


# --- migrations --------------------------------------------------------------------------------


def insert_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `rows` (values in `columns` order) into `table` in the session's transaction with
    one executemany handed straight to the driver.

    For the millions of reservation rows an import writes: SQLAlchemy's own executemany
    processes every parameter of every row in Python first, which took longer than SQLite's
    writing them. Only plain values (numbers, text, dates, booleans) belong here.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    if dialect.name == "sqlite":  # stored as SQLAlchemy's SQLite Date stores them: ISO text
        rows = _dates_as_text(rows)
        if len(rows) >= BULK_ROWS and _indexed(connection, table):
            # The rows' (work center, day) index entries land all over the index: with SQLite's
            # default 2 MB page cache, most go to pages evicted moments before. The setting
            # stays with this connection (a bigger cache, never more than this). Not while
            # `indexes_built_after` holds the indexes back: appending rows needs no cache, and
            # with the bigger one the first import of bench/import_orders.py was 3-9 s slower
            # (its six indexes alone took 2.8-3.1 s to build instead of 2.0 s).
            connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    connection.exec_driver_sql(sql, list(rows))


@contextmanager
def indexes_built_after(
    session: Session, tables: Sequence[sa.Table], *, when_more_than: int
) -> Iterator[None]:
    """On SQLite, the secondary indexes of `tables` dropped for the block and built again at its
    end, when the first table holds no more than `when_more_than` rows; elsewhere, nothing.

    An import that writes 2 million reservation rows into nearly empty tables spends much of
    SQLite's time keeping their indexes, each (work center, day) entry landing on a page of its
    own; building each index once from all the rows sorts them instead (2.3 s less of a 25 s
    import, bench/import_orders.py). The indexes are built again from their own CREATE INDEX
    statements as the database holds them, even when the block fails (a caller may still commit
    what it wrote). All of it happens in the session's transaction: a rollback leaves the
    indexes as they were, and other connections go on reading the last committed state with
    its indexes meanwhile (WAL). On PostgreSQL a dropped index would lock every reader of the
    table out until the commit, so nothing is dropped there.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not tables:
        yield
        return
    held = connection.scalar(sa.select(sa.func.count()).select_from(tables[0])) or 0
    if held > when_more_than:
        yield
        return
    names = [table.name for table in tables]
    marks = ", ".join(f":t{n}" for n in range(len(names)))
    statements = connection.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY tbl_name, name"
        ),
        {f"t{n}": name for n, name in enumerate(names)},
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _ in statements:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")

    def build() -> None:
        # SQLite may sort an index's entries with helper threads (none by default): 0.25 s less
        # for the import's six indexes on two cores. The setting stays with this connection.
        connection.exec_driver_sql("PRAGMA threads = 2")
        for _, create in statements:
            connection.exec_driver_sql(create)

    try:
        yield
    except BaseException:
        with suppress(sa.exc.DBAPIError):  # the error that got here is the one to tell
            build()
        raise
    build()


def _indexed(connection: sa.Connection, table: str) -> bool:
    """Whether SQLite keeps secondary indexes of `table` up as rows are written (not while
    `indexes_built_after` holds them back)."""
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name = ?",
        (table,),
    ).first()
    return found is not None


def _dates_as_text(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`rows` with every date as its ISO text, column by column.

    A column holds one kind of value (or None), so its first value that is not None tells
    whether it holds dates. The few distinct days of millions of rows are each formatted once
    (`_IsoDays`), and the columns are taken apart and put back together by `zip` and `map`, not
    by a Python loop per value: for an import's 2 million reservation rows, looking at every
    value took 3.6 s."""
    columns: list[Any] = list(zip(*rows, strict=True))
    texts = _IsoDays()
    dated = False
    for n, column in enumerate(columns):
        if isinstance(next((v for v in column if v is not None), None), date):
            columns[n] = map(texts.__getitem__, column)
            dated = True
    return list(zip(*columns, strict=True)) if dated else list(rows)


class _IsoDays(dict[Any, Any]):
    """date → its ISO text, made on first use; anything else (None) stays as it is."""

    def __missing__(self, value: Any) -> Any:
        text = self[value] = value.isoformat() if isinstance(value, date) else value
        return text


def migrations_folder() -> Path:
    """The installed `migrations` package folder (works outside the repository too)."""
    import migrations

    return Path(next(iter(migrations.__path__)))


def alembic_config(url: str | sa.URL) -> Any:
    """An Alembic Config for `url` made in code, so no alembic.ini is needed at run time."""
    from alembic.config import Config

    # Alembic's own messages ("No new upgrade operations detected.") go nowhere: callers say
    # what happened in their own words. (Its default stream is bound at import time, too.)
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(migrations_folder()))
    # Config values go through ConfigParser interpolation, so a % in a password must be doubled.
    rendered = sa.make_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(url: str | sa.URL, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision` (alembic upgrade)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | sa.URL, revision: str = "base") -> None:
    """Take the database at `url` down to `revision` (alembic downgrade)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def check(url: str | sa.URL) -> None:
    """Raise alembic's AutogenerateDiffsDetected if the database at `url` differs from tables.py."""
    from alembic import command

    command.check(alembic_config(url))


class SchemaNotCurrent(RuntimeError):
    """The database is not at the newest migration; the message says what to run."""


def require_current_schema(engine: Engine) -> None:
    """Raise SchemaNotCurrent unless the database behind `engine` is at Alembic head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(migrations_folder())).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no promisebot schema" if not current else "is at an older schema"
        raise SchemaNotCurrent(f"{where} {state}; run `promisebot db upgrade` first")
