"""A first import of a whole order book, as `promisebot import` runs it, on SQLite and PostgreSQL.

From bot.promising.orders.BULK_ORDERS new orders on, the import writes new order rows without ORM
objects and, on SQLite, builds the reservation rows' indexes after writing them. Whatever it does
inside, the database after it must be the one an ordinary import leaves: the same schema, every
order stored, every booked order's reservation readable through those indexes; and a bulk write
that fails half way leaves the indexes as they were.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
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
from bot.promising.orders import BULK_ORDERS, RESERVATION_DETAIL_TABLES
from tests.conftest import MigratedDb

AS_OF = date(2026, 11, 23)  # the worked example's Monday
ENV = {"PROMISEBOT_AS_OF": AS_OF.isoformat()}
DETAIL = ("reserved_hours", "stock_allocations", "planned_purchases")


def order_book(count: int) -> tuple[CsvOrder, ...]:
    """`count` orders of 1 BRKT, four a day over the year: more than CNC can make on some days,
    so that some are booked and some stored at risk."""
    return tuple(
        CsvOrder(
            f"BULK-{n:05d}", f"Customer {n % 7}", "BRKT", 1, AS_OF + timedelta(n // 4), "confirmed"
        )
        for n in range(count)
    )


def folder_with_orders(worked_dir: Path, orders: tuple[CsvOrder, ...], **more: Any) -> Path:
    files = dataclasses.replace(read_factory_dir(worked_dir), orders=orders, **more)
    folder = worked_dir.parent / "book"
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
        assert statuses == {"confirmed": booked, "at_risk": at_risk}
        fresh = session.scalars(sa.select(OrderRow).where(OrderRow.ref == "BULK-00000")).one()
        assert (fresh.version, fresh.promised_on, fresh.created_at is not None) == (1, AS_OF, True)
        # Every booked order holds exactly one active reservation, with its CNC and PAINT hours
        # and its sheet, found by reservation (the index the re-plan and the order JSON use) ...
        held = session.execute(
            sa.select(OrderRow.status, sa.func.count(ReservationRow.id))
            .join(ReservationRow, ReservationRow.order_id == OrderRow.id)
            .where(ReservationRow.active.is_(True))
            .group_by(OrderRow.status)
        ).all()
        assert dict(held) == {"confirmed": booked}
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


def test_indexes_dropped_for_a_bulk_write_are_there_again_when_it_fails_half_way(
    migrated_db: MigratedDb,
) -> None:
    before = indexes(migrated_db.engine)

    with (
        pytest.raises(RuntimeError, match="half way"),
        write_transaction(migrated_db.session_factory) as session,
        indexes_built_after(session, RESERVATION_DETAIL_TABLES, when_more_than=10),
    ):
        inside = indexes_seen_by(session)
        raise RuntimeError("the import failed half way")

    # SQLite drops them for the block; PostgreSQL keeps them (a dropped index would lock out
    # every reader of the table until the commit).
    dropped = migrated_db.engine.dialect.name == "sqlite"
    assert inside == ({table: [] for table in DETAIL} if dropped else before)
    migrated_db.engine.dispose()
    assert indexes(migrated_db.engine) == before


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
