"""The factory model in the database: save a checked factory folder, load it back for the engine.

A saved folder describes the whole factory, so saving makes the tables equal to it:
rows are matched by their key (work center code, sku, (parent, component), (sku, seq),
(work center, date), inventory sku, receipts by (sku, date, ref)), changed values are updated in
place (ids stay), new rows inserted and rows absent from the files deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.factory.files import FactoryFileError, FactoryFiles, Problem
from bot.platform.db.tables import (
    BomLineRow,
    CalendarExceptionRow,
    InventoryRow,
    ItemRow,
    OrderRow,
    PlannedPurchaseRow,
    ReceiptRow,
    ReservationRow,
    ReservedHoursRow,
    RoutingOperationRow,
    StockAllocationRow,
    WorkCenterRow,
)
from capacity.changes import CapacityChange, Change, CountChange, ReceiptChange, calendar_after
from capacity.model import (
    BomLine,
    CalendarException,
    Factory,
    Item,
    Operation,
    Receipt,
    WorkCenter,
)

_CHUNK = 500
"""Ids per DELETE … IN (…): SQLite limits the number of bound parameters in one statement."""


@dataclass(frozen=True)
class TableChanges:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.deleted} deleted, "
            f"{self.unchanged} unchanged"
        )


@dataclass(frozen=True)
class ImportSummary:
    """What a save changed, per table, in the order the tables were saved."""

    tables: Mapping[str, TableChanges] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.added or c.updated or c.deleted for c in self.tables.values())

    def lines(self) -> list[str]:
        width = max((len(name) for name in self.tables), default=0)
        return [f"{name:<{width}}  {changes}" for name, changes in self.tables.items()]


def save_factory(
    session: Session, files: FactoryFiles, staging: ReceiptStaging | None = None
) -> ImportSummary:
    """Make the factory tables equal to `files.factory`, in the caller's transaction.

    Receipts that `read_factory_dir` streamed (`files.streamed_receipts`) are in `staging`.

    Orders and shipments in `files` are not saved here (booking them needs the engine).

    Items and work centers missing from the files are deleted together with their calendar days,
    BOM lines, routing operations, inventory and receipts. But if an order (of any status, since
    shipped orders are history that names its sku) still refers to a missing item, or an active
    reservation holds hours on a missing work center or stock or purchases of a missing item,
    nothing is changed and FactoryFileError lists each such reference: deleting them would
    orphan a commitment, so keep them in the files (or cancel the orders) instead.
    """
    factory = files.factory
    _refuse_orphans(session, factory)
    changes: dict[str, TableChanges] = {}

    changes["work_centers"] = _sync(
        session,
        WorkCenterRow,
        key=("code",),
        rows=(
            {
                "code": c.code,
                "name": c.name,
                "machines": c.machines,
                "shifts_per_day": c.shifts_per_day,
                "hours_per_shift": c.hours_per_shift,
                "efficiency": c.efficiency,
                "workdays": c.workdays,
                "rush_reserve_pct": c.rush_reserve_pct,
            }
            for c in factory.work_centers
        ),
        delete_absent=False,  # after the rows that refer to them are gone, below
    )
    changes["items"] = _sync(
        session,
        ItemRow,
        key=("sku",),
        rows=(
            {
                "sku": i.sku,
                "name": i.name,
                "kind": i.kind,
                "uom": i.uom,
                "lead_time_days": i.lead_time_days,
                "safety_stock": i.safety_stock,
            }
            for i in factory.items
        ),
        delete_absent=False,
    )
    changes["calendar_exceptions"] = _sync(
        session,
        CalendarExceptionRow,
        key=("work_center", "on"),
        rows=(
            {"work_center": d.work_center, "on": d.on, "hours": d.hours, "reason": d.reason}
            for d in factory.calendar
        ),
    )
    changes["bom_lines"] = _sync(
        session,
        BomLineRow,
        key=("parent_sku", "component_sku"),
        rows=(
            {"parent_sku": b.parent_sku, "component_sku": b.component_sku, "qty_per": b.qty_per}
            for b in factory.bom
        ),
    )
    changes["routing_operations"] = _sync(
        session,
        RoutingOperationRow,
        key=("sku", "seq"),
        rows=(
            {
                "sku": o.sku,
                "seq": o.seq,
                "work_center": o.work_center,
                "setup_hours": o.setup_hours,
                "run_hours_per_unit": o.run_hours_per_unit,
                "lag_days": o.lag_days,
            }
            for o in factory.routings
        ),
    )
    changes["inventory"] = _sync(
        session,
        InventoryRow,
        key=("sku",),
        rows=({"sku": sku, "on_hand": qty} for sku, qty in factory.on_hand.items()),
        id_column="sku",
    )
    if files.streamed_receipts is not None:
        if staging is None:
            raise ValueError("streamed receipts are saved from the ReceiptStaging they went to")
        changes["receipts"] = staging.apply()
    else:
        with ReceiptStaging(session) as own:
            own.add(factory.receipts)
            changes["receipts"] = own.apply()
    changes["items"] = _merge(
        changes["items"],
        _delete_absent(session, ItemRow, "sku", {i.sku for i in factory.items}),
    )
    changes["work_centers"] = _merge(
        changes["work_centers"],
        _delete_absent(session, WorkCenterRow, "code", {c.code for c in factory.work_centers}),
    )
    session.flush()
    return ImportSummary(changes)


def load_factory(
    session: Session,
    holidays: Mapping[date, str] | None = None,
    *,
    receipts: Literal["each", "daily", "none"] = "each",
) -> Factory:
    """The factory as stored, every table sorted by its key; `holidays` are passed through.

    `receipts`: "each" receipt; "daily", one per item and day with the day's total (all the
    engine needs: a million open purchase orders become at most items × days totals); "none"
    (an export streams them with `each_receipt`).
    """

    def rows(*columns: Any) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in session.execute(sa.select(*columns).order_by(*columns))]

    w, c, i, b, o = WorkCenterRow, CalendarExceptionRow, ItemRow, BomLineRow, RoutingOperationRow
    work_centers = tuple(
        WorkCenter(*row)
        for row in rows(
            w.code,
            w.name,
            w.machines,
            w.shifts_per_day,
            w.hours_per_shift,
            w.efficiency,
            w.workdays,
            w.rush_reserve_pct,
        )
    )
    calendar = tuple(
        CalendarException(*row) for row in rows(c.work_center, c.on, c.hours, c.reason)
    )
    items = tuple(
        Item(*row) for row in rows(i.sku, i.name, i.kind, i.uom, i.lead_time_days, i.safety_stock)
    )
    bom = tuple(BomLine(*row) for row in rows(b.parent_sku, b.component_sku, b.qty_per))
    routings = tuple(
        Operation(
            sku=sku,
            seq=seq,
            work_center=center,
            setup_hours=setup,
            run_hours_per_unit=run,
            lag_days=lag,
        )
        for sku, seq, center, setup, run, lag in rows(
            o.sku, o.seq, o.work_center, o.setup_hours, o.run_hours_per_unit, o.lag_days
        )
    )
    on_hand: dict[str, float] = {
        sku: qty for sku, qty in rows(InventoryRow.sku, InventoryRow.on_hand)
    }
    r = ReceiptRow
    if receipts == "each":
        stored = tuple(
            Receipt(sku=sku, on=on, qty=qty, ref=ref)
            for sku, on, ref, qty, _ in rows(r.sku, r.on, r.ref, r.qty, r.id)
        )
    elif receipts == "daily":
        totals = sa.select(r.sku, r.on, sa.func.sum(r.qty)).group_by(r.sku, r.on)
        stored = tuple(
            Receipt(sku=sku, on=on, qty=float(qty))
            for sku, on, qty in session.execute(totals.order_by(r.sku, r.on))
        )
    else:
        stored = ()
    return Factory(
        work_centers=work_centers,
        calendar=calendar,
        items=items,
        bom=bom,
        routings=routings,
        on_hand=on_hand,
        receipts=stored,
        holidays=dict(holidays or {}),
    )


def store_change(session: Session, factory: Factory, change: Change) -> dict[str, Any]:
    """Write a checked change (capacity.changes) to the factory's tables, in the caller's
    transaction; `factory` is the factory before it. Returns what it replaced, JSON-ready, for
    the audit log (a downtime lifted later gives those days back as they were)."""
    if isinstance(change, CapacityChange):
        c = CalendarExceptionRow
        days = change.days
        hit = session.scalars(
            sa.select(c).where(c.work_center == change.work_center, c.on.in_(days))
        ).all()
        previous = [{"on": r.on.isoformat(), "hours": r.hours, "reason": r.reason} for r in hit]
        for row in hit:
            session.delete(row)
        session.flush()
        rows = [
            {"work_center": e.work_center, "on": e.on, "hours": e.hours, "reason": e.reason}
            for e in calendar_after(factory, change)
        ]
        if rows:
            session.execute(sa.insert(c), rows)
        return {"previous": previous}
    if isinstance(change, CountChange):
        stock = session.get(InventoryRow, change.sku)
        before = stock.on_hand if stock is not None else 0.0
        if stock is None:
            session.add(InventoryRow(sku=change.sku, on_hand=float(change.on_hand)))
        else:
            stock.on_hand = float(change.on_hand)
        session.flush()
        return {"previous": before}
    assert isinstance(change, ReceiptChange)
    receipt = session.scalars(
        sa.select(ReceiptRow).where(ReceiptRow.sku == change.sku, ReceiptRow.ref == change.ref)
    ).one()
    before_receipt = {"on": receipt.on.isoformat(), "qty": receipt.qty}
    if change.qty is not None and change.qty <= 0:
        session.delete(receipt)
    else:
        if change.on is not None:
            receipt.on = change.on
        if change.qty is not None:
            receipt.qty = float(change.qty)
    session.flush()
    return {"previous": before_receipt}


def receipts_of(session: Session, sku: str) -> tuple[Receipt, ...]:
    """Each stored receipt of one item, by date (what a change to one of its purchase orders
    needs: the plan itself keeps only each day's total, `load_factory(receipts="daily")`)."""
    r = ReceiptRow
    query = sa.select(r.sku, r.on, r.qty, r.ref).where(r.sku == sku).order_by(r.on, r.ref, r.id)
    rows = session.execute(query)
    return tuple(Receipt(sku=item, on=on, qty=qty, ref=ref) for item, on, qty, ref in rows)


def each_receipt(session: Session, *, batch: int = 10_000) -> Iterator[Receipt]:
    """Every stored receipt in the order an export writes them (sku, date, ref, qty, as Python
    compares text), fetched `batch` rows at a time."""
    r = ReceiptRow
    text: list[Any] = [r.sku, r.ref]
    if session.get_bind().dialect.name == "postgresql":
        text = [column.collate("C") for column in text]  # code point order, as SQLite's
    query = sa.select(r.sku, r.on, r.qty, r.ref).order_by(text[0], r.on, text[1], r.qty, r.id)
    result = session.execute(query.execution_options(stream_results=True, yield_per=batch))
    for sku, on, qty, ref in result:
        yield Receipt(sku=sku, on=on, qty=qty, ref=ref)


# --- how a table is made equal to the files ------------------------------------------------------


_STAGING = sa.MetaData()
_STAGED = sa.Table(
    "receipts_import",
    _STAGING,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("qty", sa.Float, nullable=False),
    sa.Column("ref", sa.String, nullable=False),
    prefixes=["TEMPORARY"],
)
"""The receipts of the files, staged in the database (never all in memory)."""
_RANKED = sa.Table(
    "receipts_import_stored",
    _STAGING,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sku", sa.String, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("ref", sa.String, nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Index("receipts_import_stored_key", "sku", "on", "ref", "rank"),
    prefixes=["TEMPORARY"],
)
"""The stored receipts with their rank within their key, indexed to be paired quickly."""
_PAIRED = sa.Table(
    "receipts_import_paired",
    _STAGING,
    sa.Column("old_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("new_seq", sa.Integer, nullable=False, unique=True),
    sa.Column("qty", sa.Float, nullable=False),
    prefixes=["TEMPORARY"],
)
"""Each stored receipt that a staged one replaces (same key, same rank), with the new qty."""
_TEMPORARY = (_STAGED, _RANKED, _PAIRED)


class ReceiptStaging:
    """Receipts staged in temporary tables of the caller's transaction, a chunk at a time, for
    `save_factory` to apply: a million open purchase orders are never in memory at once.

        with write_transaction(sessions) as session, ReceiptStaging(session) as staging:
            files = read_factory_dir(folder, receipts_to=staging.add)
            save_factory(session, files, staging)
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.staged = 0

    def __enter__(self) -> ReceiptStaging:
        for table in _TEMPORARY:
            table.drop(self.connection, checkfirst=True)
            table.create(self.connection)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for table in _TEMPORARY:
            table.drop(self.connection, checkfirst=True)

    def add(self, receipts: Sequence[Receipt]) -> None:
        """Stage `receipts` after those staged before (file order is kept)."""
        if not receipts:
            return
        rows = [
            {"seq": self.staged + n, "sku": r.sku, "on": r.on, "qty": r.qty, "ref": r.ref}
            for n, r in enumerate(receipts)
        ]
        self.connection.execute(_STAGED.insert(), rows)
        self.staged += len(rows)

    def apply(self) -> TableChanges:
        """Make `receipts` equal to what was staged, as `_sync` would, in SQL.

        Receipts are keyed by (sku, date, ref), which need not be unique: within a key, stored
        rows (by id) are paired with staged rows (by qty, then file order), the first with the
        first. A pair whose qty differs is updated, stored rows left over are deleted, staged rows
        left over are inserted (in key order).
        """
        return _apply_staged(self.connection)


def _apply_staged(connection: sa.Connection) -> TableChanges:
    receipts: sa.Table = ReceiptRow.__table__  # type: ignore[assignment]
    new, ranked, paired = _STAGED, _RANKED, _PAIRED
    key = ("sku", "on", "ref")
    connection.execute(
        ranked.insert().from_select(
            ["id", *key, "rank"],
            sa.select(
                receipts.c.id,
                *(receipts.c[name] for name in key),
                sa.func.row_number().over(
                    partition_by=[receipts.c[name] for name in key], order_by=receipts.c.id
                ),
            ),
        )
    )
    ranked_new = sa.select(
        new.c.seq,
        new.c.qty,
        *(new.c[name] for name in key),
        sa.func.row_number()
        .over(partition_by=[new.c[name] for name in key], order_by=[new.c.qty, new.c.seq])
        .label("rank"),
    ).subquery()
    same = sa.and_(
        *(ranked.c[name] == ranked_new.c[name] for name in key),
        ranked.c.rank == ranked_new.c.rank,
    )
    connection.execute(
        paired.insert().from_select(
            ["old_id", "new_seq", "qty"],
            sa.select(ranked.c.id, ranked_new.c.seq, ranked_new.c.qty).select_from(
                ranked_new.join(ranked, same)
            ),
        )
    )

    def count(query: sa.Select[Any]) -> int:
        return int(connection.scalar(query) or 0)

    # Counted, not taken from rowcount, which not every driver gives for INSERT … SELECT.
    stored = count(sa.select(sa.func.count()).select_from(receipts))
    staged = count(sa.select(sa.func.count()).select_from(new))
    pairs = count(sa.select(sa.func.count()).select_from(paired))
    mine = paired.c.old_id == receipts.c.id
    updated = count(
        sa.select(sa.func.count())
        .select_from(paired.join(receipts, mine))
        .where(paired.c.qty != receipts.c.qty)
    )
    connection.execute(
        receipts.update()
        .where(sa.exists().where(mine, paired.c.qty != receipts.c.qty))
        .values(qty=sa.select(paired.c.qty).where(mine).scalar_subquery())
    )
    connection.execute(receipts.delete().where(~sa.exists().where(mine)))
    connection.execute(
        receipts.insert().from_select(
            ["sku", "on", "qty", "ref"],
            sa.select(new.c.sku, new.c.on, new.c.qty, new.c.ref)
            .where(~sa.exists().where(paired.c.new_seq == new.c.seq))
            .order_by(new.c.sku, new.c.on, new.c.ref, new.c.qty, new.c.seq),
        )
    )
    return TableChanges(staged - pairs, updated, stored - pairs, pairs - updated)


def _sync(
    session: Session,
    table: type[Any],
    *,
    key: tuple[str, ...],
    rows: Iterable[dict[str, Any]],
    delete_absent: bool = True,
    id_column: str = "id",
) -> TableChanges:
    """Update rows whose key matches, insert new ones, delete the rest (when `delete_absent`).

    Keys need not be unique (receipts): rows with the same key are paired in order.
    """
    wanted: dict[Hashable, list[dict[str, Any]]] = defaultdict(list)
    names = dict.fromkeys(key)
    for row in rows:
        wanted[tuple(row[name] for name in key)].append(row)
        names.update(dict.fromkeys(row))
    value_names = [name for name in names if name not in key]
    columns = [getattr(table, name) for name in names]
    pk = getattr(table, id_column)
    have: dict[Hashable, list[sa.Row[Any]]] = defaultdict(list)
    for existing in session.execute(sa.select(pk, *columns).order_by(pk)):
        have[tuple(getattr(existing, name) for name in key)].append(existing)

    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    stale: list[Any] = []
    unchanged = 0
    # In the files' order, so that new rows get ids in that order; then what the files lack.
    for row_key in [*wanted, *(k for k in have if k not in wanted)]:
        new, old = wanted.get(row_key, []), have.get(row_key, [])
        for before, after in zip(old, new, strict=False):
            if any(getattr(before, name) != after[name] for name in value_names):
                updates.append({id_column: getattr(before, id_column), **after})
            else:
                unchanged += 1
        inserts.extend(new[len(old) :])
        stale.extend(getattr(before, id_column) for before in old[len(new) :])

    if not delete_absent:
        unchanged += len(stale)
        stale = []
    _delete_ids(session, table, pk, stale)
    if updates:
        session.execute(sa.update(table), updates)
    if inserts:
        session.execute(sa.insert(table), inserts)
    return TableChanges(len(inserts), len(updates), len(stale), unchanged)


def _delete_absent(session: Session, table: type[Any], key: str, keep: set[str]) -> TableChanges:
    column = getattr(table, key)
    gone = [value for value in session.scalars(sa.select(column)) if value not in keep]
    _delete_ids(session, table, column, gone)
    return TableChanges(deleted=len(gone), unchanged=-len(gone))


def _delete_ids(session: Session, table: type[Any], column: Any, ids: list[Any]) -> None:
    for start in range(0, len(ids), _CHUNK):
        session.execute(sa.delete(table).where(column.in_(ids[start : start + _CHUNK])))


def _merge(first: TableChanges, second: TableChanges) -> TableChanges:
    return TableChanges(
        first.added + second.added,
        first.updated + second.updated,
        first.deleted + second.deleted,
        first.unchanged + second.unchanged,
    )


def _refuse_orphans(session: Session, factory: Factory) -> None:
    """Raise FactoryFileError if saving would delete an item or work center still in use."""
    skus = {item.sku for item in factory.items}
    codes = {center.code for center in factory.work_centers}
    problems: list[Problem] = []

    def refuse(
        file: str,
        column: str,
        query: sa.Select[str, str],
        known: set[str],
        what: Callable[[str, str], str],
    ) -> None:
        users: dict[str, list[str]] = defaultdict(list)
        for name, user in session.execute(query):
            if name not in known:
                users[name].append(str(user))
        for name in sorted(users):
            listed = sorted(set(users[name]))
            shown = ", ".join(listed[:5]) + (
                f" and {len(listed) - 5} more" if len(listed) > 5 else ""
            )
            problems.append(Problem(file, None, column, what(name, shown)))

    refuse(
        "items.csv",
        "sku",
        sa.select(OrderRow.sku, OrderRow.ref).distinct(),
        skus,
        lambda sku, refs: (
            f"{sku!r} is missing, but orders {refs} refer to it; "
            "expected it to stay in items.csv while orders name it"
        ),
    )
    active = ReservationRow.active.is_(True)
    held = sa.union(
        sa.select(ReservationRow.sku, ReservationRow.id.label("reservation_id")),
        sa.select(StockAllocationRow.sku, StockAllocationRow.reservation_id),
        sa.select(PlannedPurchaseRow.sku, PlannedPurchaseRow.reservation_id),
    ).subquery()
    refuse(
        "items.csv",
        "sku",
        sa.select(held.c.sku, OrderRow.ref)
        .distinct()
        .join(ReservationRow, ReservationRow.id == held.c.reservation_id)
        .join(OrderRow, OrderRow.id == ReservationRow.order_id)
        .where(active),
        skus,
        lambda sku, refs: (
            f"{sku!r} is missing, but the reservations of orders {refs} "
            "hold it; expected it to stay in items.csv until they are released"
        ),
    )
    refuse(
        "work_centers.csv",
        "code",
        sa.select(ReservedHoursRow.work_center, OrderRow.ref)
        .distinct()
        .join(ReservationRow, ReservationRow.id == ReservedHoursRow.reservation_id)
        .join(OrderRow, OrderRow.id == ReservationRow.order_id)
        .where(active),
        codes,
        lambda code, refs: (
            f"{code!r} is missing, but orders {refs} hold hours on it; "
            "expected it to stay in work_centers.csv until they are released"
        ),
    )
    if problems:
        raise FactoryFileError(problems)
