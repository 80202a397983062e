"""Saving a factory makes the tables equal to it; loading gives the same factory back."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.factory.files import FactoryFileError, FactoryFiles, read_factory_dir
from bot.factory.store import ImportSummary, TableChanges, load_factory, save_factory
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import (
    CustomerRow,
    ItemRow,
    OrderRow,
    ReservationRow,
    ReservedHoursRow,
    WorkCenterRow,
)
from capacity.model import (
    BomLine,
    CalendarException,
    Factory,
    Item,
    Operation,
    Receipt,
    WorkCenter,
)
from tests.conftest import MigratedDb, dump_database


def small_factory() -> Factory:
    return Factory(
        work_centers=(WorkCenter("CNC", "CNC mill"), WorkCenter("PAINT", "Paint line")),
        calendar=(
            CalendarException("*", date(2026, 12, 25), 0.0, "Christmas"),
            CalendarException("CNC", date(2026, 11, 28), 8.0, "overtime"),
        ),
        items=(
            Item("BRKT", "Bracket", "make"),
            Item("SHEET", "Steel sheet", "buy", lead_time_days=10, safety_stock=2.5),
        ),
        bom=(BomLine("BRKT", "SHEET", 1.0),),
        routings=(
            Operation("BRKT", 10, "CNC", 0.5, setup_hours=2.0),
            Operation("BRKT", 20, "PAINT", 0.25, lag_days=1),
        ),
        on_hand={"BRKT": 5.0, "SHEET": 20.0},
        receipts=(
            Receipt("SHEET", date(2026, 12, 1), 10.0, "PO-1"),
            Receipt("SHEET", date(2026, 12, 1), 10.0, "PO-1"),  # the same twice is two receipts
            Receipt("SHEET", date(2026, 12, 8), 5.5, ""),
        ),
    )


def save(db: MigratedDb, factory: Factory) -> ImportSummary:
    with write_transaction(db.session_factory) as session:
        return save_factory(session, FactoryFiles(factory))


def load(db: MigratedDb) -> Factory:
    with db.session_factory() as session:
        return load_factory(session)


def ids(db: MigratedDb, column: sa.ColumnElement[str], key: sa.ColumnElement[int]) -> dict:
    with db.session_factory() as session:
        return {name: id_ for name, id_ in session.execute(sa.select(column, key))}


def test_a_saved_factory_loads_back_equal(migrated_db: MigratedDb) -> None:
    factory = small_factory()

    summary = save(migrated_db, factory)

    assert load(migrated_db) == factory
    assert summary.tables["receipts"] == TableChanges(added=3)
    assert summary.tables["work_centers"] == TableChanges(added=2)


def test_the_worked_example_folder_saves_and_loads_back_equal(
    migrated_db: MigratedDb, worked_dir: Path
) -> None:
    files = read_factory_dir(worked_dir)

    save(migrated_db, files.factory)

    assert load(migrated_db) == files.factory


def test_holidays_are_passed_through_not_stored(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    holidays = {date(2027, 1, 1): "New Year's Day"}

    with migrated_db.session_factory() as session:
        assert load_factory(session, holidays=holidays).holidays == holidays
        assert load_factory(session).holidays == {}


def test_saving_the_same_factory_again_changes_nothing(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    before = dump_database(migrated_db.engine)

    summary = save(migrated_db, small_factory())

    assert not summary.changed
    assert dump_database(migrated_db.engine) == before


def test_a_reimport_updates_rows_by_key_keeping_their_ids(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    item_ids = ids(migrated_db, ItemRow.sku, ItemRow.id)
    center_ids = ids(migrated_db, WorkCenterRow.code, WorkCenterRow.id)
    changed = dataclasses.replace(
        small_factory(),
        work_centers=(
            WorkCenter("CNC", "CNC mill", machines=2),
            WorkCenter("PAINT", "Paint line"),
        ),
        items=(
            Item("BRKT", "Bracket, painted", "make"),
            Item("SHEET", "Steel sheet", "buy", lead_time_days=10, safety_stock=2.5),
        ),
        on_hand={"BRKT": 7.0, "SHEET": 20.0},
    )

    summary = save(migrated_db, changed)

    assert load(migrated_db) == changed
    assert ids(migrated_db, ItemRow.sku, ItemRow.id) == item_ids
    assert ids(migrated_db, WorkCenterRow.code, WorkCenterRow.id) == center_ids
    assert summary.tables["work_centers"] == TableChanges(updated=1, unchanged=1)
    assert summary.tables["items"] == TableChanges(updated=1, unchanged=1)
    assert summary.tables["inventory"] == TableChanges(updated=1, unchanged=1)
    assert summary.tables["bom_lines"] == TableChanges(unchanged=1)


def test_rows_missing_from_the_files_are_deleted(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    smaller = Factory(
        work_centers=(WorkCenter("CNC", "CNC mill"),),
        items=(Item("SHEET", "Steel sheet", "buy"),),
        on_hand={"SHEET": 1.0},
        receipts=(Receipt("SHEET", date(2026, 12, 1), 10.0, "PO-1"),),
    )

    summary = save(migrated_db, smaller)

    assert load(migrated_db) == smaller
    assert summary.tables["items"] == TableChanges(updated=1, deleted=1)
    assert summary.tables["work_centers"] == TableChanges(deleted=1, unchanged=1)
    assert summary.tables["receipts"] == TableChanges(deleted=2, unchanged=1)
    assert summary.tables["routing_operations"] == TableChanges(deleted=2)
    assert summary.tables["calendar_exceptions"] == TableChanges(deleted=2)


def add_order_with_hours(db: MigratedDb, *, sku: str, work_center: str, active: bool) -> None:
    with write_transaction(db.session_factory) as session:
        customer = CustomerRow(name="Acme")
        order = OrderRow(
            ref="SO-1",
            customer=customer,
            sku=sku,
            qty=10,
            requested_on=date(2026, 11, 25),
            promised_on=date(2026, 11, 25),
            status="held" if active else "cancelled",
        )
        session.add(order)
        session.flush()
        reservation = ReservationRow(
            order_id=order.id, sku=sku, qty=10, on=date(2026, 11, 25), active=active
        )
        reservation.hours.append(
            ReservedHoursRow(work_center=work_center, on=date(2026, 11, 24), hours=3.0)
        )
        session.add(reservation)


def test_an_item_an_order_names_cannot_be_deleted(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    add_order_with_hours(migrated_db, sku="BRKT", work_center="CNC", active=False)
    before = dump_database(migrated_db.engine)
    without_brkt = dataclasses.replace(
        small_factory(),
        items=(Item("SHEET", "Steel sheet", "buy", lead_time_days=10, safety_stock=2.5),),
        bom=(),
        routings=(),
        on_hand={"SHEET": 20.0},
    )

    with pytest.raises(FactoryFileError) as refused:
        save(migrated_db, without_brkt)

    assert [str(problem) for problem in refused.value.problems] == [
        "items.csv: sku: 'BRKT' is missing, but orders SO-1 refer to it; "
        "expected it to stay in items.csv while orders name it"
    ]
    assert dump_database(migrated_db.engine) == before


def test_a_work_center_an_active_reservation_uses_cannot_be_deleted(
    migrated_db: MigratedDb,
) -> None:
    save(migrated_db, small_factory())
    add_order_with_hours(migrated_db, sku="BRKT", work_center="PAINT", active=True)
    without_paint = dataclasses.replace(
        small_factory(),
        work_centers=(WorkCenter("CNC", "CNC mill"),),
        routings=(Operation("BRKT", 10, "CNC", 0.5, setup_hours=2.0),),
    )

    with pytest.raises(FactoryFileError) as refused:
        save(migrated_db, without_paint)

    assert [str(problem) for problem in refused.value.problems] == [
        "work_centers.csv: code: 'PAINT' is missing, but orders SO-1 hold hours on it; "
        "expected it to stay in work_centers.csv until they are released"
    ]


def test_a_released_reservation_does_not_keep_a_work_center(migrated_db: MigratedDb) -> None:
    save(migrated_db, small_factory())
    add_order_with_hours(migrated_db, sku="BRKT", work_center="PAINT", active=False)
    without_paint = dataclasses.replace(
        small_factory(),
        work_centers=(WorkCenter("CNC", "CNC mill"),),
        routings=(Operation("BRKT", 10, "CNC", 0.5, setup_hours=2.0),),
    )

    save(migrated_db, without_paint)

    assert [center.code for center in load(migrated_db).work_centers] == ["CNC"]


def big_factory(items: int = 5000, work_centers: int = 100, seed: int = 7) -> Factory:
    """The benchmark's size: 5,000 items, about 30,000 BOM lines and 15,000 routing operations."""
    rng = random.Random(seed)
    centers = tuple(WorkCenter(f"WC{n:03}", f"Center {n}") for n in range(work_centers))
    made = items * 3 // 5
    skus = [f"SKU{n:05}" for n in range(items)]
    catalogue = tuple(
        Item(sku, sku, "make" if n < made else "buy", lead_time_days=0 if n < made else 7)
        for n, sku in enumerate(skus)
    )
    bom: list[BomLine] = []
    routings: list[Operation] = []
    for n in range(made):
        # Components come later in the list, so the BOM has no cycles.
        for component in rng.sample(range(n + 1, items), k=min(10, items - n - 1)):
            bom.append(BomLine(skus[n], skus[component], rng.choice((1.0, 2.0, 0.5))))
        for seq in range(1, 6):
            routings.append(
                Operation(skus[n], seq * 10, rng.choice(centers).code, 0.01, setup_hours=1.0)
            )
    start = date(2026, 11, 23)
    return Factory(
        work_centers=centers,
        calendar=tuple(
            CalendarException("*", start + timedelta(days=7 * week), 0.0, "closed")
            for week in range(52)
        ),
        items=catalogue,
        bom=tuple(sorted(bom, key=lambda line: (line.parent_sku, line.component_sku))),
        routings=tuple(sorted(routings, key=lambda op: (op.sku, op.seq))),
        on_hand={sku: float(n % 50) for n, sku in enumerate(skus)},
        receipts=tuple(
            Receipt(sku, start + timedelta(days=n % 90), 10.0, f"PO-{n}")
            for n, sku in enumerate(skus[made:])
        ),
    )


def test_a_benchmark_sized_factory_saves_loads_and_reimports_only_what_changed(
    migrated_db: MigratedDb,
) -> None:
    # How long this takes is bench.imports' to print (README, Performance), not a test's to
    # assert: a loaded machine would fail it and a fast one would hide nothing.
    factory = big_factory()
    assert len(factory.bom) == 30_000 and len(factory.routings) == 15_000

    save(migrated_db, factory)
    loaded = load(migrated_db)
    changed = dataclasses.replace(factory, on_hand={**factory.on_hand, "SKU00000": 99.0})
    summary = save(migrated_db, changed)

    assert loaded == factory
    assert summary.tables["inventory"] == TableChanges(updated=1, unchanged=4999)
    assert summary.tables["bom_lines"] == TableChanges(unchanged=30_000)
