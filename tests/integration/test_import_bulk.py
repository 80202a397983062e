"""A first import of a whole order book, as `promisebot import` runs it, on SQLite and PostgreSQL.

An import writes new order rows without ORM objects and, on SQLite, from
bot.promising.orders.BULK_ORDERS orders on (none of them stored before), builds the reservation
rows' indexes after writing them. Whatever it does inside, the database after it must be the one
an ordinary import leaves: the same schema, every order stored as it was written, every booked
order's reservation readable through those indexes; an import that fails half way leaves nothing
and every index; and the indexes are rebuilt only when the import is that big and first.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.cli import main
from bot.factory.files import OrderRow as CsvOrder
from bot.factory.files import read_factory_dir, write_factory_dir
from bot.platform.db.session import indexes_built_after, write_transaction
from bot.platform.db.tables import (
    OrderRow,
    PlannedPurchaseRow,
    ReservationRow,
    ReservedHoursRow,
    StockAllocationRow,
)
from bot.promising.orders import (
    BULK_ORDERS,
    RESERVATION_DETAIL_TABLES,
    ImportedOrder,
    OrderService,
    _new_order_values,
)
from tests.conftest import MigratedDb

AS_OF = date(2026, 11, 23)  # the worked example's Monday
ENV = {"PROMISEBOT_AS_OF": AS_OF.isoformat()}
DETAIL = ("reserved_hours", "stock_allocations", "planned_purchases")


def order_book(count: int) -> tuple[CsvOrder, ...]:
    """`count` orders of 1 BRKT, four a day over the year: more than CNC can make on some days,
    so that some are booked and some stored at risk; every tenth is a hold."""
    return tuple(
        CsvOrder(
            f"BULK-{n:05d}",
            f"Customer {n % 7}",
            "BRKT",
            1,
            AS_OF + timedelta(n // 4),
            "held" if n % 10 == 9 else "confirmed",
        )
        for n in range(count)
    )


def folder_with_orders(worked_dir: Path, orders: tuple[CsvOrder, ...], name: str = "book") -> Path:
    files = dataclasses.replace(read_factory_dir(worked_dir), orders=orders)
    folder = worked_dir.parent / name
    write_factory_dir(files, folder)
    return folder


def indexes(engine: sa.Engine) -> dict[str, list[tuple[str | None, tuple[str | None, ...]]]]:
    inspector = sa.inspect(engine)
    return {
        table: sorted(
            (ix["name"], tuple(ix["column_names"])) for ix in inspector.get_indexes(table)
        )
        for table in DETAIL
    }


def test_a_first_import_of_a_whole_order_book_stores_every_order_with_the_schema_as_it_was(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = indexes(migrated_db.engine)
    assert all(before.values())
    count = BULK_ORDERS + 200
    folder = folder_with_orders(worked_dir, order_book(count))

    assert main(["import", str(folder), "--database-url", migrated_db.url], env=ENV) == 0

    out = capsys.readouterr().out
    found = re.search(r"orders\.csv: (\d+) booked, (\d+) at risk", out)
    assert found, out
    booked, at_risk = int(found[1]), int(found[2])
    assert booked + at_risk == count and booked > 0 and at_risk > 0
    migrated_db.engine.dispose()  # a new connection sees the schema as committed
    assert indexes(migrated_db.engine) == before
    with migrated_db.session_factory() as session:
        statuses = dict(
            session.execute(
                sa.select(OrderRow.status, sa.func.count()).group_by(OrderRow.status)
            ).all()
        )
        assert statuses.pop("at_risk") == at_risk
        assert sorted(statuses) == ["confirmed", "held"] and sum(statuses.values()) == booked
        first = session.scalars(sa.select(OrderRow).where(OrderRow.ref == "BULK-00000")).one()
        assert (first.version, first.promised_on, first.expires_at) == (1, AS_OF, None)
        assert first.created_at == first.updated_at
        hold = session.scalars(sa.select(OrderRow).where(OrderRow.ref == "BULK-00009")).one()
        assert hold.status == "held" and hold.expires_at is not None
        assert hold.expires_at - hold.created_at == timedelta(hours=24)
        refused = session.scalars(
            sa.select(OrderRow).where(OrderRow.status == "at_risk").limit(1)
        ).one()
        assert "earliest" in (refused.at_risk_reason or "")
        assert isinstance(refused.at_risk_facts, dict) and refused.at_risk_facts
        # Every booked order holds exactly one active reservation, with its CNC and PAINT hours
        # and its sheet, found by reservation (the index the re-plan and the order JSON use) ...
        orders, reservations = session.execute(
            sa.select(sa.func.count(sa.distinct(ReservationRow.order_id)), sa.func.count()).where(
                ReservationRow.active.is_(True)
            )
        ).one()
        assert orders == reservations == booked
        last = session.scalars(  # the stock on hand went to the first orders: this one is made
            sa.select(ReservationRow.id).order_by(ReservationRow.id.desc()).limit(1)
        ).one()
        centers = session.scalars(
            sa.select(ReservedHoursRow.work_center)
            .where(ReservedHoursRow.reservation_id == last)
            .distinct()
        ).all()
        material = sum(
            session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.reservation_id == last)
            )
            or 0
            for table in (StockAllocationRow, PlannedPurchaseRow)
        )
        assert sorted(centers) == ["CNC", "PAINT"] and material > 0
        # ... and by (work center, day), the index the load view reads: never over capacity.
        per_day = session.scalars(
            sa.select(sa.func.sum(ReservedHoursRow.hours))
            .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
            .where(ReservedHoursRow.work_center == "CNC", ReservationRow.active.is_(True))
            .group_by(ReservedHoursRow.on)
        ).all()
    assert per_day and max(per_day) <= 8 + 1e-9


def test_sqlite_drops_the_indexes_for_the_block_and_postgresql_keeps_them(
    migrated_db: MigratedDb,
) -> None:
    before = indexes(migrated_db.engine)
    with write_transaction(migrated_db.session_factory) as session:
        with indexes_built_after(session, RESERVATION_DETAIL_TABLES, when_more_than=10):
            inside = indexes_seen_by(session)
        after = indexes_seen_by(session)
    # On PostgreSQL a dropped index would lock every reader of the table out until the commit.
    dropped = migrated_db.engine.dialect.name == "sqlite"
    assert inside == ({table: [] for table in DETAIL} if dropped else before)
    assert after == before


def test_a_table_that_holds_more_rows_keeps_its_indexes_during_a_bulk_write(
    migrated_db: MigratedDb, worked_dir: Path
) -> None:
    folder = folder_with_orders(worked_dir, order_book(40))
    assert main(["import", str(folder), "--database-url", migrated_db.url], env=ENV) == 0
    before = indexes(migrated_db.engine)
    with write_transaction(migrated_db.session_factory) as session:
        held = session.scalar(sa.select(sa.func.count()).select_from(ReservedHoursRow)) or 0
        assert held > 2
        with indexes_built_after(session, RESERVATION_DETAIL_TABLES, when_more_than=held - 1):
            inside = indexes_seen_by(session)
    assert inside == before


def indexes_seen_by(session: Session) -> dict[str, list[tuple[str | None, tuple[str | None, ...]]]]:
    """The indexes as the session's own transaction sees them."""
    inspector = sa.inspect(session.connection())
    return {
        table: sorted(
            (ix["name"], tuple(ix["column_names"])) for ix in inspector.get_indexes(table)
        )
        for table in DETAIL
    }


def schema_version(url: str) -> int:
    with sa.create_engine(url).connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA schema_version").scalar_one())


def test_the_indexes_are_built_after_the_rows_only_for_a_big_first_import(
    sqlite_template: Path, worked_dir: Path, tmp_path: Path
) -> None:
    """SQLite counts every change to the schema (PRAGMA schema_version): an import that drops and
    builds the indexes again changes it, one that keeps them does not."""

    def changes_schema(name: str, orders: tuple[CsvOrder, ...], imports: int = 1) -> list[bool]:
        path = tmp_path / f"{name}.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
        folder = folder_with_orders(worked_dir, orders, name=name)
        changed = []
        for _ in range(imports):
            before = schema_version(url)
            assert main(["import", str(folder), "--database-url", url], env=ENV) == 0
            changed.append(schema_version(url) != before)
        return changed

    assert changes_schema("big", order_book(BULK_ORDERS)) == [True]
    assert changes_schema("smaller", order_book(BULK_ORDERS - 1)) == [False]
    # Imported again, every order is already there: its old rows are read back by the indexes.
    assert changes_schema("again", order_book(BULK_ORDERS), imports=2) == [True, False]


def test_an_import_that_fails_half_way_leaves_no_order_and_every_index(
    migrated_db: MigratedDb, worked_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = indexes(migrated_db.engine)
    store = OrderService._reserve_many
    calls = []

    def fails_the_second_time(self: OrderService, *args: Any, **kwargs: Any) -> list[int]:
        calls.append(1)
        if len(calls) == 2:  # a batch of reservations stored, then the disk is full
            raise sa.exc.OperationalError("INSERT", {}, Exception("database or disk is full"))
        return store(self, *args, **kwargs)

    monkeypatch.setattr(OrderService, "_reserve_many", fails_the_second_time)
    folder = folder_with_orders(worked_dir, order_book(BULK_ORDERS + 200))

    assert main(["import", str(folder), "--database-url", migrated_db.url], env=ENV) != 0

    assert len(calls) == 2
    migrated_db.engine.dispose()
    assert indexes(migrated_db.engine) == before
    with migrated_db.session_factory() as session:
        for table in (OrderRow, ReservationRow, ReservedHoursRow, StockAllocationRow):
            assert session.scalar(sa.select(sa.func.count()).select_from(table)) == 0


def test_a_new_order_row_names_every_column_of_the_orders_table() -> None:
    """New orders go in as one multi-row insert of their values: a column added to OrderRow
    must be given a value there too."""
    order = ImportedOrder("SO-1", "Acme", "BRKT", 1, AS_OF, "confirmed")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    values = _new_order_values(order, 1, now, now)
    assert set(values) == {column.name for column in OrderRow.__table__.columns} - {"id"}
