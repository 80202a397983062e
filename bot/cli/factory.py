"""`promisebot import DIR` and `export DIR`: the factory and its commitments as CSV files."""

from __future__ import annotations

import argparse
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.common import EXIT_OK, shown
from bot.factory.files import (
    FactoryFiles,
    OrderRow,
    ShipmentRow,
    read_factory_dir,
    write_factory_dir,
)
from bot.factory.store import ReceiptStaging, each_receipt, load_factory, save_factory
from bot.platform.bulk import cyclic_gc_paused
from bot.platform.clock import Clock, Now
from bot.platform.db.session import (
    make_engine,
    make_session_factory,
    require_current_schema,
    write_transaction,
)
from bot.platform.db.tables import OrderRow as OrderTable
from bot.platform.settings import Settings
from bot.promising.orders import (
    ImportedOrder,
    ImportedShipment,
    OrderService,
    record_factory_change,
)
from bot.promising.replan import summary_lines


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="a folder of factory CSV files")


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    """Load a folder of factory CSV files into the database, all or nothing."""
    clock = Clock.from_settings(settings)
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        with cyclic_gc_paused(), write_transaction(make_session_factory(engine, clock)) as session:
            # receipts.csv goes to the database chunk by chunk as it is checked (it may hold a
            # million rows); any problem anywhere rolls it all back.
            with ReceiptStaging(session) as staging:
                files = read_factory_dir(args.dir, receipts_to=staging.add)
                summary = save_factory(session, files, staging)
            extra = book_commitments(session, files, settings, clock)
    finally:
        engine.dispose()
    print(f"Imported {args.dir} into {shown(settings.database_url)}:")
    for line in summary.lines():
        print(f"  {line}")
    for line in extra:
        print(f"  {line}")
    return EXIT_OK


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="the folder to write (created if missing)")


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the factory in the database to a folder of CSV files that `import` reads back."""
    engine = make_engine(settings.database_url)
    try:
        require_current_schema(engine)
        with make_session_factory(engine)() as session:
            # Public holidays are not stored: they come from PROMISEBOT_HOLIDAYS when planning.
            factory = load_factory(session, receipts="none")
            orders, shipments = export_commitments(session)
            files = FactoryFiles(factory, tuple(orders), tuple(shipments))
            # Receipts may be millions: written as they are read, in batches.
            write_factory_dir(files, args.dir, receipts=each_receipt(session))
    finally:
        engine.dispose()
    print(f"Exported {shown(settings.database_url)} to {args.dir}.")
    return EXIT_OK


def book_commitments(
    session: Session, files: FactoryFiles, settings: Settings, clock: Now
) -> list[str]:
    """Book orders.csv and shipments.csv with the engine, in the import's transaction, then
    re-check every promise against the new factory; the lines say what happened."""
    record_factory_change(session, "import", {"orders": len(files.orders)})
    service = OrderService(settings, sessionmaker(bind=session.get_bind()), clock=clock)
    if not files.orders and not files.shipments:
        return list(summary_lines(service.recheck_promises(session), service.today()))
    outcome = service.import_orders(
        [
            ImportedOrder(o.ref, o.customer, o.sku, o.qty, o.on, o.status, o.rush)
            for o in files.orders
        ],
        shipments=[ImportedShipment(s.ref, s.on, s.qty) for s in files.shipments],
        session=session,
    )
    lines = [f"orders.csv: {len(outcome.booked)} booked, {len(outcome.at_risk)} at risk"]
    lines += [f"  at risk: {ref}: {reason}" for ref, reason in outcome.at_risk]
    lines += [
        f"  moved: {m.ref} from {m.from_on.isoformat()} to {m.to_on.isoformat()} "
        "(until its owner answers)"
        for m in outcome.moved
    ]
    # Orders that are not in orders.csv (taken in Slack) may count on what the import removed.
    return lines + list(summary_lines(service.recheck_promises(session), service.today()))


def export_commitments(session: Session) -> tuple[list[OrderRow], list[ShipmentRow]]:
    """Open orders (and their shipments) as orders.csv and shipments.csv rows, in booking order."""
    rows = session.scalars(
        sa.select(OrderTable)
        .where(OrderTable.status.in_(("held", "confirmed", "at_risk", "shipped")))
        .order_by(OrderTable.id)
    ).all()
    orders = [
        OrderRow(
            ref=row.ref,
            customer=row.customer.name,
            sku=row.sku,
            qty=row.qty,
            on=row.promised_on or row.requested_on,
            # An order at risk keeps what it was meant to be: a hold still has its expiry.
            status="held" if row.expires_at is not None else "confirmed",
            rush=row.rush,
        )
        for row in rows
    ]
    shipments = [
        ShipmentRow(ref=row.ref, on=shipment.on, qty=shipment.qty)
        for row in rows
        for shipment in sorted(row.shipments, key=lambda s: (s.on, s.id))
    ]
    return orders, shipments


COMMANDS = {
    "import": (add_import_arguments, run_import),
    "export": (add_export_arguments, run_export),
}
