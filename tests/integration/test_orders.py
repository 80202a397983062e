"""Promises kept in the database: holds, confirmations, expiry, stale clicks and races."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.factory.files import FactoryFiles, read_factory_dir
from bot.factory.store import save_factory
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import OrderRow, ReservationRow, ReservedHoursRow
from bot.platform.settings import Settings
from bot.promising.orders import (
    ImportedOrder,
    InvalidTransition,
    OrderService,
    StaleOrder,
    record_factory_change,
)
from capacity.model import (
    Factory,
    Item,
    NotPromisable,
    Operation,
    UnknownSku,
    WorkCenter,
)
from tests.conftest import MigratedDb, dump_database

AS_OF = date(2026, 11, 23)  # a Monday


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def load(db: MigratedDb, files: FactoryFiles) -> None:
    with write_transaction(db.session_factory) as session:
        save_factory(session, files)
        record_factory_change(session, "test", {})


def service(db: MigratedDb, clock: FakeClock | None = None) -> OrderService:
    settings = Settings(database_url=db.url, as_of=AS_OF)
    return OrderService(settings, db.session_factory, clock=clock)


@pytest.fixture
def worked(migrated_db: MigratedDb, worked_dir: Path) -> MigratedDb:
    load(migrated_db, read_factory_dir(worked_dir))
    return migrated_db


def test_a_hold_made_by_one_process_is_seen_by_the_next_quote_of_another(
    worked: MigratedDb,
) -> None:
    sales, other = service(worked), service(worked)
    assert other.quote("BRKT", 40, date(2026, 11, 25)).on_requested == 25

    sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme")

    quote = other.quote("BRKT", 15, date(2026, 11, 25))
    assert quote.on_requested == 0
    assert quote.earliest == date(2026, 12, 4)


def test_a_hold_the_factory_cannot_keep_is_refused_with_the_quote_and_stores_nothing(
    worked: MigratedDb,
) -> None:
    before = dump_database(worked.engine)
    with pytest.raises(NotPromisable) as refused:
        service(worked).hold("BRKT", 40, date(2026, 11, 25), customer="Acme")
    assert refused.value.quote.earliest == date(2026, 12, 8)
    assert refused.value.quote.split is not None
    assert dump_database(worked.engine) == before


def test_an_unknown_sku_names_the_closest_items_and_stores_nothing(worked: MigratedDb) -> None:
    before = dump_database(worked.engine)
    with pytest.raises(UnknownSku) as unknown:
        service(worked).hold("BRKTT", 5, date(2026, 11, 25), customer="Acme")
    assert "BRKT" in unknown.value.suggestions
    assert dump_database(worked.engine) == before


def test_an_expired_hold_gives_its_capacity_back_without_any_scheduler(worked: MigratedDb) -> None:
    clock = FakeClock()
    sales = service(worked, clock)
    order = sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme")
    assert sales.quote("BRKT", 25, date(2026, 11, 25)).on_requested == 0

    clock.now += timedelta(hours=24, minutes=1)

    assert sales.quote("BRKT", 25, date(2026, 11, 25)).on_requested == 25
    assert sales.order(order.ref).status == "expired"


def test_confirming_an_expired_hold_places_it_again_when_it_still_fits(worked: MigratedDb) -> None:
    clock = FakeClock()
    sales = service(worked, clock)
    order = sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme")
    clock.now += timedelta(hours=24, minutes=1)  # Tue 24 Nov: expired, and still time to make it

    confirmed = sales.confirm(order.ref)

    assert confirmed.status == "confirmed"
    assert confirmed.expires_at is None
    assert sales.quote("BRKT", 1, date(2026, 11, 25)).on_requested == 0


def test_cancel_releases_everything_and_a_second_cancel_is_harmless(worked: MigratedDb) -> None:
    sales = service(worked)
    order = sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme")
    assert sales.cancel(order.ref).status == "cancelled"
    assert sales.cancel(order.ref).status == "cancelled"
    assert sales.quote("BRKT", 40, date(2026, 11, 25)).on_requested == 25
    with pytest.raises(InvalidTransition):
        sales.confirm(order.ref)


def test_a_click_on_an_old_message_is_refused_with_the_current_state(worked: MigratedDb) -> None:
    sales = service(worked)
    order = sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme")
    sales.confirm(order.ref, version=order.version)
    with pytest.raises(StaleOrder) as stale:
        sales.cancel(order.ref, version=order.version)
    assert "now confirmed" in str(stale.value)
    assert sales.order(order.ref).status == "confirmed"


def test_partial_shipments_keep_the_order_open_until_all_has_gone(worked: MigratedDb) -> None:
    sales = service(worked)
    order = sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme", confirm=True)
    assert sales.ship(order.ref, on=date(2026, 11, 24), qty=10).status == "confirmed"
    shipped = sales.ship(order.ref, on=date(2026, 11, 25))
    assert shipped.status == "shipped"
    assert shipped.shipped_qty == 25


def test_imported_orders_that_do_not_fit_are_stored_at_risk_never_over_capacity(
    worked: MigratedDb,
) -> None:
    sales = service(worked)
    rows = [
        ImportedOrder("SO-1", "Acme", "BRKT", 25, date(2026, 11, 25), "confirmed"),
        ImportedOrder("SO-2", "Bolt Co", "BRKT", 10, date(2026, 11, 25), "held"),
    ]
    with write_transaction(worked.session_factory) as session:
        outcome = sales.import_orders(rows, session=session)
    assert outcome.booked == ("SO-1",)
    assert [ref for ref, _ in outcome.at_risk] == ["SO-2"]
    at_risk = sales.order("SO-2")
    assert at_risk.status == "at_risk"
    assert at_risk.placement is None
    assert "earliest" in (at_risk.at_risk_reason or "")


def test_an_order_given_twice_in_one_import_ends_as_the_later_row_with_one_reservation(
    worked: MigratedDb,
) -> None:
    sales = service(worked)
    rows = [
        ImportedOrder("SO-1", "Acme", "BRKT", 25, date(2026, 11, 25), "confirmed"),
        ImportedOrder("SO-2", "Bolt Co", "BRKT", 5, date(2026, 12, 8), "held"),
        ImportedOrder("SO-1", "Acme", "BRKT", 10, date(2026, 12, 8), "confirmed"),
    ]
    asked = ((25, date(2026, 11, 25)), (40, date(2026, 12, 8)))
    with write_transaction(worked.session_factory) as session:
        outcome = sales.import_orders(rows, session=session)
        # The engine the import booked with (the re-check after it starts from this one).
        imported = sales._imported.engine  # noqa: SLF001 - no other way to read it
        quotes = [imported.quote("BRKT", qty, day) for qty, day in asked]

    assert outcome.booked == ("SO-1", "SO-2", "SO-1")
    again = sales.order("SO-1")
    assert (again.qty, again.promised_on, again.version) == (10, date(2026, 12, 8), 2)
    assert again.placement is not None and again.placement.qty == 10
    with worked.session_factory() as session:
        active = session.scalar(
            sa.select(sa.func.count())
            .select_from(ReservationRow)
            .join(OrderRow, OrderRow.id == ReservationRow.order_id)
            .where(OrderRow.ref == "SO-1", ReservationRow.active.is_(True))
        )
    assert active == 1
    # What it first held is free again in that engine, as in one built anew from the database.
    fresh = service(worked)
    assert quotes == [fresh.quote("BRKT", qty, day) for qty, day in asked]


def scarce_factory() -> FactoryFiles:
    """One machine, 8 h on Monday; each order of 4 units needs 4 h: two fit, not three."""
    return FactoryFiles(
        Factory(
            work_centers=(WorkCenter("LATHE", "Lathe", workdays="Mon"),),
            items=(Item("PIN", "Pin", "make"),),
            routings=(Operation("PIN", 10, "LATHE", run_hours_per_unit=1.0),),
        )
    )


def test_sixteen_people_holding_the_last_capacity_at_once_get_exactly_what_fits(
    migrated_db: MigratedDb,
) -> None:
    load(migrated_db, scarce_factory())
    services = [service(migrated_db) for _ in range(16)]
    for each in services:  # warm every cache first, so all of them quote on the same old state
        each.quote("PIN", 4, AS_OF)
    start = threading.Barrier(16)
    outcomes: list[str] = []

    def attempt(each: OrderService) -> None:
        start.wait()
        try:
            each.hold("PIN", 4, AS_OF, customer="Acme")
            outcomes.append("held")
        except NotPromisable:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(each,)) for each in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["held"] * 2 + ["refused"] * 14
    with migrated_db.session_factory() as session:
        booked = session.scalar(
            sa.select(sa.func.sum(ReservedHoursRow.hours))
            .join(ReservationRow)
            .where(ReservationRow.active.is_(True))
        )
        held = session.scalar(sa.select(sa.func.count()).select_from(OrderRow))
    assert booked == pytest.approx(8.0)
    assert held == 2


def test_public_holidays_of_the_configured_country_close_the_plant(
    worked: MigratedDb,
) -> None:
    settings = Settings(database_url=worked.url, as_of=AS_OF, holidays_country="US")
    with_holidays = OrderService(settings, worked.session_factory)
    plain = service(worked)
    thanksgiving = ("CNC", "2026-11-26")

    def open_days(each: OrderService) -> set[tuple[str, str]]:
        return {(r["work_center"], r["date"]) for r in each.plan()["load"]}

    assert thanksgiving in open_days(plain)
    assert thanksgiving not in open_days(with_holidays)
    # 25 BRKT need 12 h of CNC: Mon and Tue are free, so the holiday does not move the 25th...
    assert with_holidays.quote("BRKT", 25, date(2026, 11, 25)).on_requested == 25
    # ...but a hold for the 27th cannot run on Thursday: CNC works Tue and Wed instead.
    hours = with_holidays.hold("BRKT", 25, date(2026, 11, 27), customer="Acme").placement
    assert hours is not None
    assert all(use.on != date(2026, 11, 26) for use in hours.hours)


def outbox_texts(db: MigratedDb) -> list[tuple[str, str]]:
    from bot.platform.db.tables import OutboxRow

    with db.session_factory() as session:
        rows = session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)).all()
    return [(row.payload["args"]["channel"], row.payload["args"]["text"]) for row in rows]


def test_the_owner_is_warned_once_before_a_hold_runs_out(worked: MigratedDb) -> None:
    clock = FakeClock()
    sales = service(worked, clock)
    sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme", owner="U0SAM")

    clock.now += timedelta(hours=21)
    assert sales.warn_expiring_holds() == []  # three hours left: not yet
    clock.now += timedelta(hours=1, minutes=30)
    assert sales.warn_expiring_holds() == ["PB-00001"]
    clock.now += timedelta(minutes=15)
    assert sales.warn_expiring_holds() == []  # told once

    [(channel, text)] = outbox_texts(worked)
    assert channel == "U0SAM"
    assert text.startswith(
        ":hourglass_flowing_sand: Your hold on 25 BRKT for Acme on Wed 25 Nov (PB-00001) "
        "runs out at 09:00 (in 1 h 30 min)."
    )


def test_the_owner_is_told_when_a_hold_has_expired(worked: MigratedDb) -> None:
    clock = FakeClock()
    sales = service(worked, clock)
    sales.hold("BRKT", 25, date(2026, 11, 25), customer="Acme", owner="U0SAM")
    sales.hold("BRKT", 1, date(2026, 12, 10), customer="Globex")  # from the CLI: nobody to tell

    clock.now += timedelta(hours=25)
    sales.quote("BRKT", 1, date(2026, 11, 25))  # any read releases expired holds

    assert [channel for channel, _ in outbox_texts(worked)] == ["U0SAM"]
    assert (
        "expired and its capacity and material went back to the plan" in outbox_texts(worked)[0][1]
    )
