"""Orders and their promises: quote, hold, confirm, cancel, ship, and the plan behind them.

`OrderService` is the one way promises change. It keeps an in-memory `capacity.Engine` in step
with the database: the engine is built once, then brought up to date from the reservations that
changed since (each change bumps `plan_state.version`). A hold is decided inside the committing
transaction, after taking the plan lock, so two people can never hold the same last hour.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.factory.store import load_factory, receipts_of, store_change
from bot.platform import i18n, languages, metrics
from bot.platform.blockkit import clip, escape
from bot.platform.clock import Clock, Now, local_today
from bot.platform.db.session import (
    indexes_built_after,
    insert_rows,
    with_clock,
    write_transaction,
)
from bot.platform.db.tables import (
    AuditLogRow,
    CustomerRow,
    ItemRow,
    OrderRow,
    PlannedPurchaseRow,
    PlanStateRow,
    ReservationRow,
    ReservedHoursRow,
    ShipmentRow,
    StockAllocationRow,
    WorkCenterRow,
)
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.outbox import OutboxWorker, already_decided, enqueue, record_missed
from bot.platform.settings import Settings
from bot.promising.constraints import factory_changed_facts, refusal_facts
from bot.promising.replan import (
    AtRisk,
    Moved,
    MoveOptions,
    Replan,
    at_risk_message,
    back_text,
    move_message,
    options_from,
    orders_holding,
    summary_text,
)
from capacity.calendar import public_holidays
from capacity.changes import (
    BadChange,
    CapacityChange,
    Change,
    CountChange,
    Described,
    ReceiptChange,
)
from capacity.changes import applied as apply_to
from capacity.changes import check as check_change
from capacity.changes import describe as describe_change
from capacity.engine import Engine
from capacity.model import (
    BadQuantity,
    CalendarException,
    Factory,
    HoursUse,
    NotPromisable,
    Placement,
    PlanningError,
    Purchase,
    Quote,
    Receipt,
    StockUse,
    UnknownSku,
)
from capacity.replan import Commitment, Replaced, breakage, pull_back, replan_order, repromise

log = logging.getLogger(__name__)


_STATUSES = {
    "quoted": N_("quoted"),
    "held": N_("held"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "shipped": N_("shipped"),
    "at_risk": N_("at_risk"),
}
"""An order's status as a refusal names it (`at_risk` as the code says it)."""

_ACTIONS = {
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "shipped": N_("shipped"),
    "moved": N_("moved"),
    "held": N_("held"),
    "placed again": N_("placed again"),
}
"""What a refusal says could not be done to an order."""


def status_word(status: str) -> str:
    """An order's status in the active language, as a sentence names it."""
    return i18n.gettext(_STATUSES[status]) if status in _STATUSES else status


IMPORTED_AGAIN = Described("The factory data was imported again (promisebot import)", "imported")
"""The change a re-import is, as audits and messages name it (kept in English: it is stored)."""


class OrderNotFound(PlanningError):
    def __init__(self, ref: str) -> None:
        super().__init__(_("There is no order {ref}.", ref=repr(ref)))
        self.ref = ref


class CustomerMissing(PlanningError):
    """A hold or confirmation names no customer."""

    def __init__(self) -> None:
        super().__init__(_("Name the customer the order is for."))


class NotMoved(PlanningError):
    """A move was answered on an order that is not (or no longer) moved."""

    def __init__(self, order: OrderView) -> None:
        status = status_word(order.status)
        if order.promised_on:
            # TRANSLATORS: {status} is an order's status (held, confirmed…), {day} a date.
            text = _(
                "Order {ref} is not waiting for an answer about a new date: it is {status} for "
                "{day}.",
                ref=order.ref,
                status=status,
                day=i18n.day(order.promised_on),
            )
        else:
            text = _(
                "Order {ref} is not waiting for an answer about a new date: it is {status}.",
                ref=order.ref,
                status=status,
            )
        super().__init__(text)
        self.order = order


class _DryRun(Exception):  # noqa: N818 - not an error: it carries the result out of the rollback
    """Raised inside a change's transaction to roll it back, carrying what it would have done."""

    def __init__(self, result: Replan) -> None:
        super().__init__("dry run")
        self.result = result


class InvalidTransition(PlanningError):
    """The order is not in a state that allows this (e.g. confirming a cancelled order)."""

    def __init__(self, order: OrderView, action: str) -> None:
        # TRANSLATORS: {status} is the order's status, {action} what was refused (confirmed,
        # cancelled, shipped…).
        super().__init__(
            _(
                "Order {ref} is {status}; it cannot be {action}.",
                ref=order.ref,
                status=status_word(order.status),
                action=i18n.gettext(_ACTIONS[action]) if action in _ACTIONS else action,
            )
        )
        self.order = order


@dataclass(frozen=True)
class OrderView:
    """An order as users see it."""

    id: int
    ref: str
    customer: str
    sku: str
    qty: int
    requested_on: date
    promised_on: date | None
    status: str
    rush: bool
    owner: str | None
    expires_at: datetime | None
    version: int
    at_risk_reason: str | None = None
    at_risk_facts: dict[str, Any] | None = None
    """`at_risk_reason` as facts, for a reader in another language (not in the JSON)."""
    shipped_qty: int = 0
    placement: Placement | None = None
    moved_from: date | None = None
    """While a re-plan has moved the order and its owner has not answered: the promised date
    (the same as `promised_on` until the new date is accepted)."""
    moved_to: date | None = None
    """While moved: the day the order is booked on."""
    moved_at: datetime | None = None
    latest_on: date | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "ref": self.ref,
            "customer": self.customer,
            "sku": self.sku,
            "qty": self.qty,
            "date": _iso(self.promised_on),
            "requested": self.requested_on.isoformat(),
            "status": self.status,
            "rush": self.rush,
            "owner": self.owner,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "shipped_qty": self.shipped_qty,
            "at_risk_reason": self.at_risk_reason,
            "moved_from": _iso(self.moved_from),
            "moved_to": _iso(self.moved_to),
        }
        data["reservation"] = placement_json(self.placement) if self.placement else None
        return data


@dataclass(frozen=True)
class ImportedOrder:
    ref: str
    customer: str
    sku: str
    qty: int
    on: date
    status: str  # held | confirmed
    rush: bool = False


@dataclass(frozen=True)
class ImportedShipment:
    ref: str
    on: date
    qty: int


@dataclass(frozen=True)
class ImportOutcome:
    booked: tuple[str, ...]
    at_risk: tuple[tuple[str, str], ...]
    """(ref, reason) of rows that did not fit and were stored at risk with no reservation."""
    moved: tuple[Moved, ...] = ()
    """Orders already known that no longer fit their date: booked on their new earliest date,
    as a re-plan would (a new row that does not fit is at risk instead)."""


@dataclass
class _Cache:
    engine: Engine
    version: int
    factory_key: tuple[Any, ...]
    active: set[int] = field(default_factory=set)
    """The reservations booked into `engine`."""
    skus: dict[str, str] = field(default_factory=dict)
    """Upper-cased sku → sku, for lookups that ignore case."""


class OrderService:
    """Quotes and the lifecycle of promised orders, on one database."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        clock: Now | None = None,
        outbox: OutboxWorker | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Now = clock or Clock.from_settings(settings)
        self.sessions = with_clock(session_factory, self.clock)
        self.outbox = outbox
        """Sends what a change put in the outbox at once (None: the background worker will)."""
        self._lock = threading.RLock()
        self._cache: _Cache | None = None
        self._imported: _Cache | None = None
        """The engine `import_orders` just booked, for the `recheck_promises` that follows."""
        self._next_expiry_check: datetime | None = None

    # ------------------------------------------------------------------ dates

    def today(self) -> date:
        """The planning date: the factory-local date of the clock (PROMISEBOT_AS_OF fixes it)."""
        return local_today(self.clock, self.settings.tzinfo)

    # ------------------------------------------------------------------ the engine

    def engine(self, as_of: date | None = None) -> Engine:
        """The engine for `as_of`, brought up to date with the database (expired holds released)."""
        self.expire_holds()
        with self._lock, self.sessions() as session:
            return self._fresh_engine(session, as_of or self.today())

    def _fresh_engine(self, session: Session, as_of: date) -> Engine:
        return self._fresh_cache(session, as_of).engine

    def _fresh_cache(self, session: Session, as_of: date) -> _Cache:
        version, last_import = session.execute(
            sa.select(PlanStateRow.version, _last_factory_change()).where(PlanStateRow.id == 1)
        ).one()
        key = (last_import,)
        cache = self._cache
        if cache is None or cache.engine.as_of != as_of or cache.factory_key != key:
            cache = self._cache = self._build(session, as_of, version, key)
        elif cache.version != version:
            self._catch_up(session, cache, version)
        return cache

    def _factory_key(self, session: Session) -> tuple[Any, ...]:
        """Changes when the factory model changes (an import), so the cache is rebuilt."""
        return (session.scalar(sa.select(_last_factory_change())),)

    def _holidays(self, as_of: date) -> dict[date, str]:
        country = self.settings.holidays_country
        if not country:
            return {}
        years = range(as_of.year, (as_of + timedelta(self.settings.horizon_days)).year + 1)
        return public_holidays(country, years)

    def _build(self, session: Session, as_of: date, version: int, key: tuple[Any, ...]) -> _Cache:
        factory = load_factory(session, holidays=self._holidays(as_of), receipts="daily")
        engine = Engine(factory, as_of=as_of, horizon_days=self.settings.horizon_days)
        # Book what all active reservations hold as day totals: two grouped queries instead of
        # one object per row (millions at scale). A reservation's own rows are read again only
        # when it is released.
        engine.apply(_active_totals(session, as_of))
        active = set(
            session.scalars(sa.select(ReservationRow.id).where(ReservationRow.active.is_(True)))
        )
        skus = {item.sku.upper(): item.sku for item in factory.items}
        return _Cache(engine, version, key, active, skus)

    def _catch_up(self, session: Session, cache: _Cache, version: int) -> None:
        changed = session.execute(
            sa.select(ReservationRow.id, ReservationRow.active).where(
                ReservationRow.changed_seq > cache.version
            )
        ).all()
        gone = [rid for rid, active in changed if not active and rid in cache.active]
        new = [rid for rid, active in changed if active and rid not in cache.active]
        self._forget(session, cache, gone)
        if new:
            for rid, placement in _load_placements(session, ids=new).items():
                cache.engine.apply(placement)
                cache.active.add(rid)
        cache.version = version

    def _forget(self, session: Session, cache: _Cache, ids: Sequence[int]) -> None:
        """Take released reservations out of the cached engine."""
        ids = [rid for rid in ids if rid in cache.active]
        if not ids:
            return
        for rid, placement in _load_placements(session, ids=ids).items():
            cache.engine.release(placement)
            cache.active.discard(rid)

    # ------------------------------------------------------------------ questions

    def quote(
        self,
        sku: str,
        qty: int,
        due: date,
        *,
        rush: bool = False,
        as_of: date | None = None,
        overtime: Mapping[tuple[str, date], float] | None = None,
    ) -> Quote:
        """What the factory can promise for `qty` of `sku` wanted on `due` (with `overtime`:
        as if those hours were added, see Engine.overtime; nothing is stored)."""
        _check_qty(qty)
        with metrics.QUOTE_SECONDS.time(), self._lock:
            engine = self.engine(as_of)
            assert self._cache is not None
            with engine.overtime(overtime or {}):
                return engine.quote(_resolve(self._cache, sku), qty, due, rush=rush)

    def overtime_needed(
        self,
        sku: str,
        qty: int,
        due: date,
        work_center: str,
        slots: Sequence[tuple[date, float]],
        *,
        given: Mapping[tuple[str, date], float] | None = None,
    ) -> dict[date, float] | None:
        """The least overtime on `work_center`, filled into `slots` in order, that makes a normal
        order of `qty` ready by `due` with the overtime `given` elsewhere (see
        Engine.overtime_needed); None if they are not enough."""
        _check_qty(qty)
        with self._lock:
            engine = self.engine()
            assert self._cache is not None
            sku = _resolve(self._cache, sku)
            return engine.overtime_needed(sku, qty, due, work_center, slots, given=given)

    def resolve_sku(self, sku: str) -> str:
        """The item's sku as stored (SKUs are matched without regard to case).

        Raises UnknownSku naming the closest items.
        """
        with self._lock:
            self.engine()
            assert self._cache is not None
            return _resolve(self._cache, sku)

    def search_items(self, text: str, limit: int = 50) -> list[tuple[str, str]]:
        """(sku, name) of items whose sku or name contains `text`, skus starting with it first."""
        pattern = f"%{text.strip().lower()}%"
        with self.sessions() as session:
            rows = session.execute(
                sa.select(ItemRow.sku, ItemRow.name)
                .where(
                    sa.or_(
                        sa.func.lower(ItemRow.sku).like(pattern),
                        sa.func.lower(ItemRow.name).like(pattern),
                    )
                )
                .order_by(ItemRow.sku)
            ).all()
        prefix = text.strip().upper()
        ranked = sorted(rows, key=lambda r: (not r[0].upper().startswith(prefix), r[0]))
        return [(sku, name) for sku, name in ranked[:limit]]

    def order(self, ref_or_id: str | int) -> OrderView:
        self.expire_holds()
        with self.sessions() as session:
            return self._view(session, self._find(session, ref_or_id))

    def orders(
        self, *, owner: str | None = None, statuses: Sequence[str] | None = None
    ) -> list[OrderView]:
        self.expire_holds()
        with self.sessions() as session:
            query = sa.select(OrderRow).order_by(OrderRow.promised_on, OrderRow.id)
            if owner is not None:
                query = query.where(OrderRow.owner_slack_id == owner)
            if statuses is not None:
                query = query.where(OrderRow.status.in_(statuses))
            return [
                self._view(session, row, with_placement=False) for row in session.scalars(query)
            ]

    # ------------------------------------------------------------------ changes

    def hold(
        self,
        sku: str,
        qty: int,
        on: date,
        *,
        customer: str,
        owner: str | None = None,
        rush: bool = False,
        ref: str | None = None,
        as_of: date | None = None,
        least_qty: int | None = None,
        latest_on: date | None = None,
        confirm: bool = False,
        actor: str = "cli",
        requested_on: date | None = None,
    ) -> OrderView:
        """Reserve capacity and material for `qty` of `sku` on `on` for `hold_hours`.

        `requested_on` is the day the customer asked for (default `on`): kept apart from the
        promised day so that "promised later than asked" stays visible in the digest.

        Raises NotPromisable (with the current quote) when the factory cannot make it by `on`,
        including when someone else took the capacity since the caller's quote.
        """
        _check_qty(qty)
        if not customer.strip():
            raise CustomerMissing()
        self.expire_holds()
        now = self.clock()
        timer = metrics.HOLD_SECONDS.time()
        with timer, self._lock, write_transaction(self.sessions) as session:
            self._lock_plan(session)
            cache = self._fresh_cache(session, as_of or self.today())
            engine = cache.engine
            sku = _resolve(cache, sku)
            placement = engine.place(sku, qty, on, rush=rush)
            customer_row = find_or_add_customer(session, customer.strip())
            row = OrderRow(
                ref=ref or next_order_ref(session),
                customer_id=customer_row.id,
                owner_slack_id=owner,
                sku=sku,
                qty=qty,
                requested_on=requested_on or on,
                promised_on=on,
                rush=rush,
                status="confirmed" if confirm else "held",
                least_qty=least_qty,
                latest_on=latest_on,
                expires_at=None if confirm else now + timedelta(hours=self.settings.hold_hours),
                created_at=now,
                updated_at=now,
                version=1,
            )
            row.customer = customer_row
            session.add(row)
            session.flush()
            reservation_id = self._reserve(session, row, placement)
            _audit(session, actor, "confirm" if confirm else "hold", row, {"qty": qty, "on": on})
            view = self._view(session, row, placement=placement)
        self._after_commit(engine, {reservation_id: placement})
        return view

    def confirm(
        self, ref_or_id: str | int, *, actor: str = "cli", version: int | None = None
    ) -> OrderView:
        """Turn a hold into a firm promise. An expired hold is placed again if it still fits."""
        self.expire_holds()
        now = self.clock()
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            _check_version(self._view(session, row), version)
            if row.status == "confirmed":
                return self._view(session, row)  # confirming twice is harmless
            applied: dict[int, Placement] = {}
            engine = None
            if row.status == "expired":
                engine = self._locked_engine(session, None)
                assert row.promised_on is not None
                placement = engine.place(row.sku, row.qty, row.promised_on, rush=row.rush)
                applied[self._reserve(session, row, placement)] = placement
            elif row.status != "held":
                raise InvalidTransition(self._view(session, row), "confirmed")
            else:
                self._bump(session)
            row.status = "confirmed"
            row.expires_at = None
            row.updated_at = now
            row.version += 1
            _audit(session, actor, "confirm", row, {})
            view = self._view(session, row)
        if engine is not None:
            self._after_commit(engine, applied)
        return view

    def cancel(
        self, ref_or_id: str | int, *, actor: str = "cli", version: int | None = None
    ) -> OrderView:
        """Cancel an order and give back everything its promise held."""
        self.expire_holds()
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            _check_version(self._view(session, row), version)
            if row.status == "cancelled":
                return self._view(session, row)
            if row.status in ("shipped",):
                raise InvalidTransition(self._view(session, row), "cancelled")
            self._release(session, row)
            row.status = "cancelled"
            row.expires_at = None
            row.moved_from = row.moved_to = row.moved_at = None
            row.updated_at = self.clock()
            row.version += 1
            _audit(session, actor, "cancel", row, {})
            view = self._view(session, row)
        return view

    def ship(
        self,
        ref_or_id: str | int,
        *,
        on: date | None = None,
        qty: int | None = None,
        actor: str = "cli",
        tell: Callable[[OrderView], Sequence[Mapping[str, Any]]] | None = None,
    ) -> OrderView:
        """Record a shipment (all that is left unless `qty` says less); the order is shipped when
        everything has gone, and its reservation is then released. What `tell` draws about the
        shipped order (outbox payloads) goes to the outbox in the same transaction, then out."""
        queued: list[int] = []
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            if row.status not in ("held", "confirmed", "at_risk"):
                raise InvalidTransition(self._view(session, row), "shipped")
            shipped = sum(s.qty for s in row.shipments)
            left = row.qty - shipped
            qty = left if qty is None else qty
            if isinstance(qty, bool) or qty < 1 or qty > left:
                raise (
                    BadQuantity(qty)
                    if qty < 1
                    else PlanningError(
                        _(
                            "Order {ref} has {left} left to ship, not {qty}.",
                            ref=row.ref,
                            left=left,
                            qty=qty,
                        )
                    )
                )
            row.shipments.append(ShipmentRow(on=on or self.today(), qty=qty))
            if shipped + qty == row.qty:
                self._release(session, row)
                row.status = "shipped"
                row.expires_at = None
                row.moved_from = row.moved_to = row.moved_at = None
            row.updated_at = self.clock()
            row.version += 1
            _audit(session, actor, "ship", row, {"qty": qty, "on": on or self.today()})
            session.flush()
            view = self._view(session, row)
            # What `tell` draws is for the order's owner: in their language.
            with i18n.using(languages.of_user(session, self.settings, view.owner)):
                payloads = list(tell(view)) if tell is not None else []
            for payload in payloads:
                queued_row = enqueue(session, "order_notice", payload)
                if queued_row is not None:
                    queued.append(queued_row.id)
        if self.outbox is not None and queued:
            self.outbox.deliver_now(queued)
        return view

    def expire_holds(self) -> list[str]:
        """Release every hold whose time ran out; returns their refs. Runs on every read."""
        now = self.clock()
        if self._next_expiry_check is not None and now < self._next_expiry_check:
            return []
        with self.sessions() as session:
            first = session.scalar(
                sa.select(sa.func.min(OrderRow.expires_at)).where(OrderRow.status == "held")
            )
        if first is None or first > now:
            # A hold made from now on, here or elsewhere, expires hold_hours from now at the
            # soonest, so until then only the holds already known can expire.
            soonest = now + timedelta(hours=self.settings.hold_hours)
            self._next_expiry_check = soonest if first is None else min(first, soonest)
            return []
        expired: list[str] = []
        with self._lock, write_transaction(self.sessions) as session:
            self._lock_plan(session)
            rows = session.scalars(
                sa.select(OrderRow)
                .where(OrderRow.status == "held", OrderRow.expires_at <= now)
                .order_by(OrderRow.id)
            ).all()
            for row in rows:
                self._release(session, row)
                row.status = "expired"
                row.moved_from = row.moved_to = row.moved_at = None
                row.updated_at = now
                row.version += 1
                _audit(session, "promisebot", "expire", row, {})
                warning = f"outbox:{_expiry_warning_key(row)}"
                if row.owner_slack_id and not already_decided(session, warning):
                    # No replica ran in the hold's last two hours: a warning now would be wrong.
                    record_missed(session, warning, f"the expiry warning of {row.ref}")
                _tell_owner(
                    session,
                    row,
                    functools.partial(hold_expired_message, row),
                    key=f"hold_expired:{row.ref}:{row.version}",
                    settings=self.settings,
                )
                expired.append(row.ref)
        if expired:
            log.info("released %d expired holds: %s", len(expired), ", ".join(expired))
        return expired

    def warn_expiring_holds(self, *, within: timedelta = timedelta(hours=2)) -> list[str]:
        """Tell each owner, once, that a hold of theirs runs out within `within`."""
        now = self.clock()
        warned: list[str] = []
        with self._lock, write_transaction(self.sessions) as session:
            rows = session.scalars(
                sa.select(OrderRow)
                .where(
                    OrderRow.status == "held",
                    OrderRow.owner_slack_id.is_not(None),
                    OrderRow.expires_at > now,
                    OrderRow.expires_at <= now + within,
                )
                .order_by(OrderRow.expires_at)
            ).all()
            for row in rows:
                assert row.expires_at is not None
                at = f"{row.expires_at.astimezone(self.settings.tzinfo):%H:%M}"
                minutes = max(1, round((row.expires_at - now).total_seconds() / 60))
                hours, rest = divmod(minutes, 60)

                def draw(
                    row: OrderRow = row, hours: int = hours, rest: int = rest, at: str = at
                ) -> str:
                    if hours and rest:
                        left = _("{h} h {m} min", h=hours, m=rest)
                    elif hours:
                        left = _("{h} h", h=hours)
                    else:
                        left = _("{n} min", n=rest)
                    return hold_expiring_message(row, at, left)

                if _tell_owner(
                    session, row, draw, key=_expiry_warning_key(row), settings=self.settings
                ):
                    warned.append(row.ref)
        return warned

    def import_orders(
        self,
        orders: Iterable[ImportedOrder],
        *,
        shipments: Iterable[ImportedShipment] = (),
        as_of: date | None = None,
        session: Session,
    ) -> ImportOutcome:
        """Book existing commitments in file order, each as a hold or confirmation would be.

        A row that does not fit is stored at risk with no reservation, never dropped and never
        booked over capacity. Shipments are recorded after all orders; an order shipped in full
        gives its reservation back. Runs inside the caller's (import) transaction.
        """
        now = self.clock()
        self._lock_plan(session)
        as_of = as_of or self.today()
        key = self._factory_key(session)
        version = session.scalar(sa.select(PlanStateRow.version).where(PlanStateRow.id == 1)) or 0
        cache = self._build(session, as_of, version, key)
        engine = cache.engine
        orders = list(orders)
        booked: list[str] = []
        at_risk: list[tuple[str, str]] = []
        moved: list[Moved] = []
        told: list[tuple[OrderRow, Moved, Placement]] = []
        # The engine books order after order in memory; the database gets them in batches of
        # IMPORT_BATCH booked orders (new order rows as a multi-row insert, changed ones in a
        # flush, their reservation rows as multi-row inserts), all at one plan version: 20,000
        # orders hold about 2 million rows, which one statement per order would take minutes to
        # write.
        known: dict[str, OrderRow | _NewOrder] = {
            row.ref: row
            for row in _rows_where_in(session, OrderRow, OrderRow.ref, [o.ref for o in orders])
        }
        customers = {
            row.name: row
            for row in _rows_where_in(
                session, CustomerRow, CustomerRow.name, sorted({o.customer for o in orders})
            )
        }
        pending: list[tuple[OrderRow | _NewOrder, Placement]] = []
        unsaved: list[_NewOrder] = []
        hold_until = now + timedelta(hours=self.settings.hold_hours)

        def store_pending() -> None:
            if unsaved:
                table = ORDERS_TABLE  # the table itself: SQLAlchemy's ORM bulk insert costs more
                ids = (
                    session.execute(
                        table.insert().returning(table.c.id, sort_by_parameter_order=True),
                        [new.values for new in unsaved],
                    )
                    .scalars()
                    .all()
                )
                for new, order_id in zip(unsaved, ids, strict=True):
                    new.id = order_id
                unsaved.clear()
            if not pending:
                return
            session.flush()
            seq = self._bump(session)
            cache.active.update(self._reserve_many(session, pending, seq))
            pending.clear()

        # A first import into (nearly) empty tables writes its reservation rows faster with their
        # indexes built once at the end (SQLite only). Not when an order is imported again, from
        # the database or earlier in this import: each such order reads its old reservation's
        # rows back by those indexes.
        first_time = not known and len({o.ref for o in orders}) == len(orders)
        many = first_time and len(orders) >= BULK_ORDERS
        bulk = len(orders) * BULK_ROWS_PER_ORDER if many else -1
        with indexes_built_after(session, RESERVATION_DETAIL_TABLES, when_more_than=bulk):
            for order in orders:
                existing = known.get(order.ref)
                if isinstance(existing, _NewOrder):  # the same ref again in this import
                    store_pending()
                    existing = known[order.ref] = session.get_one(OrderRow, existing.id)
                if existing is not None:
                    store_pending()  # its own reservation may be among them
                    held_ids = _active_reservation_ids(session, existing)
                    self._release(session, existing)
                    self._forget(session, cache, held_ids)
                    session.execute(
                        sa.delete(ShipmentRow).where(ShipmentRow.order_id == existing.id)
                    )
                customer_row = customers.get(order.customer)
                if customer_row is None:
                    customer_row = customers[order.customer] = find_or_add_customer(
                        session, order.customer
                    )
                if existing is None:
                    # A new order: no ORM object, only the values of its row (20,000 objects,
                    # each attribute tracked, took seconds of an import of the order book).
                    new = known[order.ref] = _NewOrder(
                        _new_order_values(order, customer_row.id, now, hold_until)
                    )
                    unsaved.append(new)
                    try:
                        placement = engine.book(order.sku, order.qty, order.on, rush=order.rush)
                    except NotPromisable as refused:
                        new.values["status"] = "at_risk"
                        new.values["at_risk_reason"] = str(refused)
                        new.values["at_risk_facts"] = refusal_facts(refused)
                        at_risk.append((order.ref, str(refused)))
                        continue
                    pending.append((new, placement))
                    booked.append(order.ref)
                    if len(pending) >= IMPORT_BATCH:
                        store_pending()
                    continue
                row = existing
                row.customer_id = customer_row.id
                row.customer = customer_row
                row.sku = order.sku
                row.qty = order.qty
                row.requested_on = order.on
                row.promised_on = order.on
                row.rush = order.rush
                row.updated_at = now
                row.version = (row.version or 0) + 1
                row.at_risk_reason = row.at_risk_facts = None
                row.expires_at = hold_until if order.status == "held" else None
                was_moved_to = row.moved_to if row.moved_from == order.on else None
                row.moved_from = row.moved_to = None
                session.add(row)
                try:
                    placement = engine.book(order.sku, order.qty, order.on, rush=order.rush)
                except NotPromisable as refused:
                    # A promise already made keeps a place as a re-plan would give it (DESIGN.md,
                    # "Keeping promises when the factory changes").
                    later = engine.earliest(order.sku, order.qty, order.on, rush=order.rush)
                    if later is None:
                        row.status = "at_risk"
                        row.at_risk_reason = str(refused)
                        row.at_risk_facts = refusal_facts(refused)
                        row.moved_at = None
                        at_risk.append((order.ref, str(refused)))
                        continue
                    placement = engine.book(order.sku, order.qty, later, rush=order.rush)
                    row.moved_from, row.moved_to = order.on, later
                    row.moved_at = row.moved_at or now
                    entry = Moved(
                        row.ref,
                        order.on,
                        later,
                        customer_row.name,
                        row.sku,
                        row.qty,
                        row.owner_slack_id,
                    )
                    moved.append(entry)
                    if row.owner_slack_id and was_moved_to != later:
                        told.append((row, entry, placement))
                else:
                    row.moved_at = None
                row.status = order.status
                pending.append((row, placement))
                booked.append(order.ref)
                if len(pending) >= IMPORT_BATCH:
                    store_pending()
            store_pending()
        session.flush()
        for shipment in shipments:
            shipped = session.scalar(sa.select(OrderRow).where(OrderRow.ref == shipment.ref))
            if shipped is None:
                raise PlanningError(f"shipments.csv: there is no order {shipment.ref!r}")
            shipped.shipments.append(ShipmentRow(on=shipment.on, qty=shipment.qty))
            session.flush()
            if sum(s.qty for s in shipped.shipments) >= shipped.qty and shipped.status != "shipped":
                held_ids = _active_reservation_ids(session, shipped)
                self._release(session, shipped)
                self._forget(session, cache, held_ids)
                shipped.status = "shipped"
                shipped.expires_at = None
        for row, entry, placement in told:
            change = IMPORTED_AGAIN
            self._tell_moved(session, engine, row, entry, placement, change, as_of)
        _audit_bulk(session, "import", len(booked), len(at_risk))
        cache.version = (
            session.scalar(sa.select(PlanStateRow.version).where(PlanStateRow.id == 1)) or 0
        )
        self._cache = None  # the transaction may still roll back; rebuild on next use
        # The re-check that follows in the same transaction starts from this very engine: it
        # holds the factory as stored and every active reservation (those before the import,
        # plus each one just stored, less each one just released), so building another from the
        # database would give the same plan and take seconds at 20,000 orders.
        self._imported = cache
        return ImportOutcome(tuple(booked), tuple(at_risk), tuple(moved))

    # ------------------------------------------------------------------ plan overview

    # ------------------------------------------------------------------ re-planning

    def apply_change(
        self,
        change: Change,
        *,
        dry_run: bool = False,
        actor: str = "cli",
        who: str | None = None,
        as_of: date | None = None,
    ) -> Replan:
        """Apply a change to the factory and re-plan the promises it breaks, in one transaction
        under the plan lock (DESIGN.md, "Keeping promises when the factory changes").

        Only orders whose reservation the change breaks are released; each keeps its date when
        it still fits, else is booked at its new earliest date and marked moved (its owner is
        told, with buttons to answer), else is at risk. Operations get one summary. Giving
        capacity back moves nothing by itself: `replan` brings moved orders back.

        Raises BadChange, with nothing changed, when the change names a work center, item or
        receipt the factory does not have, a day outside the horizon or a negative amount.
        With `dry_run` nothing is stored or sent; the result says what would happen. `who` is
        the Slack user who reported it (named in operations' summary).
        """
        self.expire_holds()
        as_of = as_of or self.today()
        try:
            with self._lock, write_transaction(self.sessions) as session:
                self._lock_plan(session)
                cache = self._fresh_cache(session, as_of)
                before = cache.engine.factory
                change = _resolve_change(cache, change)
                if isinstance(change, ReceiptChange):
                    # The plan holds one receipt per item and day; a receipt change names one
                    # purchase order, so the item's own receipts stand in for its totals.
                    before = _with_receipts(before, change.sku, receipts_of(session, change.sku))
                check_change(before, change, as_of=as_of, horizon_days=self.settings.horizon_days)
                words = describe_change(before, change, as_of=as_of)
                work = dataclasses.replace(
                    cache,
                    engine=cache.engine.with_factory(apply_to(before, change)),
                    active=set(cache.active),
                )
                previous = store_change(session, before, change)
                audit = AuditLogRow(
                    actor=actor,
                    action=_change_kind(change),
                    entity="factory",
                    entity_id=_change_subject(change),
                    detail={
                        "change": _change_json(change),
                        "text": words,
                        **previous,
                        **({"lifts": change.lifts} if isinstance(change, CapacityChange) else {}),
                    },
                )
                session.add(audit)
                session.flush()
                result = self._replan_in(
                    session,
                    work,
                    as_of=as_of,
                    actor=actor,
                    change=words,
                    pull=False,
                    notify=not dry_run,
                    summary_key=f"change:{audit.id}",
                    always_summarise=True,
                    who=who,
                    scope=_scope(change),
                )
                audit.detail = {**audit.detail, **result.to_json()}
                if dry_run:
                    raise _DryRun(result)
                self._settle(session, work)
        except _DryRun as rolled_back:
            return dataclasses.replace(rolled_back.result, dry_run=True)
        self._cache = work
        return result

    def replan(
        self, *, as_of: date | None = None, dry_run: bool = False, actor: str = "cli"
    ) -> Replan:
        """Re-check every promise, for data changed outside the bot, and bring moved orders back
        toward their promised date where capacity or material came back (DESIGN item 4).

        Broken reservations are re-placed as after a change; then every order still moved (not
        yet answered) is released alone, in re-plan order, and placed on the earliest day from
        its promised date to the day it is booked on that fits, else keeps its reservation;
        this repeats until nothing moves. The result lists every order it released: `moved`
        includes the still-moved orders with unchanged dates. Run twice, the second run moves
        nothing; with nothing changed it touches nothing.
        """
        self.expire_holds()
        as_of = as_of or self.today()
        try:
            with self._lock, write_transaction(self.sessions) as session:
                self._lock_plan(session)
                cache = self._fresh_cache(session, as_of)
                work = dataclasses.replace(
                    cache, engine=cache.engine.copy(), active=set(cache.active)
                )
                version = cache.version
                result = self._replan_in(
                    session,
                    work,
                    as_of=as_of,
                    actor=actor,
                    change=None,
                    pull=True,
                    notify=not dry_run,
                    summary_key=f"replan:{version}",
                    always_summarise=False,
                )
                if dry_run:
                    raise _DryRun(result)
                self._settle(session, work)
        except _DryRun as rolled_back:
            return dataclasses.replace(rolled_back.result, dry_run=True)
        self._cache = work
        return result

    def recheck_promises(self, session: Session, *, as_of: date | None = None) -> Replan:
        """Re-plan every promise the factory as just imported breaks, in the caller's (import)
        transaction: the rules of `apply_change`, the re-import being the change."""
        as_of = as_of or self.today()
        self._lock_plan(session)
        version = session.scalar(sa.select(PlanStateRow.version).where(PlanStateRow.id == 1)) or 0
        key = self._factory_key(session)
        work, self._imported = self._imported, None
        if (
            work is None
            or work.version != version
            or work.factory_key != key
            or work.engine.as_of != as_of
        ):
            work = self._build(session, as_of, version, key)
        result = self._replan_in(
            session,
            work,
            as_of=as_of,
            actor="import",
            change=IMPORTED_AGAIN,
            pull=False,
            notify=True,
            summary_key=f"import:{version}:{key[0]}",
            always_summarise=False,
        )
        self._cache = None  # the caller's transaction may still roll back: rebuild on next use
        return result

    def _settle(self, session: Session, work: _Cache) -> None:
        """Bring the working cache's version and factory key to the transaction's, so that it
        can serve as the cache once the transaction commits."""
        work.version = (
            session.scalar(sa.select(PlanStateRow.version).where(PlanStateRow.id == 1)) or 0
        )
        work.factory_key = self._factory_key(session)

    def _commitments(
        self, session: Session, rows: Iterable[OrderRow]
    ) -> dict[int, tuple[Commitment, list[int]]]:
        """Each order as the re-plan sees it, with the ids of its active reservations."""
        rows = list(rows)
        if not rows:
            return {}
        held: dict[int, list[int]] = {row.id: [] for row in rows}
        for rid, order_id in session.execute(
            sa.select(ReservationRow.id, ReservationRow.order_id).where(
                ReservationRow.active.is_(True), ReservationRow.order_id.in_(list(held))
            )
        ):
            held[order_id].append(rid)
        placements = _load_placements(session, ids=[r for rids in held.values() for r in rids])
        out: dict[int, tuple[Commitment, list[int]]] = {}
        for row in rows:
            parts = [placements[rid] for rid in held[row.id] if rid in placements]
            assert row.promised_on is not None
            out[row.id] = (
                Commitment(
                    id=row.id,
                    sku=row.sku,
                    qty=row.qty,
                    promised_on=row.promised_on,
                    confirmed=row.status == "confirmed",
                    rush=row.rush,
                    placement=_merged(parts),
                    moved_to=row.moved_to if row.moved_from is not None else None,
                ),
                held[row.id],
            )
        return out

    def _replan_in(
        self,
        session: Session,
        work: _Cache,
        *,
        as_of: date,
        actor: str,
        change: str | None,
        pull: bool,
        notify: bool,
        summary_key: str,
        always_summarise: bool,
        who: str | None = None,
        scope: tuple[set[str], set[str]] | None = None,
    ) -> Replan:
        """The re-plan on `work` (an engine not shared with anyone yet), stored in `session`.
        `scope` is (work centers, skus) a change touched: only they can be broken by it."""
        engine = work.engine
        if scope is None:
            found = breakage(engine)
        else:
            found = breakage(engine, work_centers=scope[0], skus=scope[1])
        broken = orders_holding(session, found) if found else {}
        ids = set(broken)
        rows: dict[int, OrderRow] = {}
        if ids:
            rows = {
                row.id: row
                for row in session.scalars(sa.select(OrderRow).where(OrderRow.id.in_(ids)))
            }
        held = self._commitments(session, rows.values())
        final: dict[int, Replaced] = {
            done.commitment.id: done for done in repromise(engine, [c for c, _ in held.values()])
        }
        if pull:
            still = session.scalars(
                sa.select(OrderRow).where(
                    OrderRow.moved_from.is_not(None), OrderRow.status.in_(("held", "confirmed"))
                )
            ).all()
            extra = [row for row in still if row.id not in rows]
            held |= self._commitments(session, extra)
            rows |= {row.id: row for row in extra}
            moved = [
                final[oid].after if oid in final else held[oid][0]
                for oid in rows
                if (final[oid].after if oid in final else held[oid][0]).moved_to is not None
            ]
            for done in pull_back(engine, sorted(moved, key=replan_order)):
                oid = done.commitment.id
                final[oid] = Replaced(held[oid][0], done.placement)

        now = self.clock()
        kept: list[str] = []
        moved_out: list[Moved] = []
        at_risk: list[AtRisk] = []
        # All at once, under one plan version: release what the orders held, store what they
        # hold now (a few statements for hundreds of orders, not a few per order).
        ordered = sorted(final.values(), key=lambda d: replan_order(d.commitment))
        if ordered:
            seq = self._bump(session)
            self._release_many(session, [d.commitment.id for d in ordered], seq)
            for d in ordered:
                work.active.difference_update(held[d.commitment.id][1])
            placed = [(rows[d.commitment.id], d.placement) for d in ordered if d.placement]
            work.active.update(self._reserve_many(session, placed, seq))
        for done in ordered:
            row = rows[done.commitment.id]
            was_moved = row.moved_from is not None
            old_to = row.moved_to
            row.version += 1
            row.updated_at = now
            what = (row.qty, row.sku, clip(row.customer.name, MAX_CUSTOMER_LENGTH))
            detail: dict[str, Any] = {"outcome": done.outcome, "change": change}
            if row.id in broken:  # what the plan lost under it: the digest names misses by it
                detail |= broken[row.id].detail()
            if done.outcome == "kept":
                row.moved_from = row.moved_to = row.moved_at = None
                kept.append(row.ref)
                if notify and was_moved:
                    _tell_owner(
                        session,
                        row,
                        functools.partial(
                            back_text, row.ref, what, row.promised_on or as_of, as_of
                        ),
                        key=f"move_back:{row.ref}:{row.version}",
                        kind="move_back",
                        settings=self.settings,
                    )
            elif done.outcome == "moved":
                assert done.placement is not None and done.on is not None
                assert row.promised_on is not None
                if row.moved_from is None:
                    row.moved_from = row.promised_on
                    row.moved_at = now
                row.moved_to = done.on
                entry = Moved(
                    row.ref,
                    row.promised_on,
                    done.on,
                    row.customer.name,
                    row.sku,
                    row.qty,
                    row.owner_slack_id,
                )
                moved_out.append(entry)
                detail |= {"from": row.promised_on, "to": done.on}
                if notify and row.owner_slack_id and old_to != done.on:
                    self._tell_moved(session, engine, row, entry, done.placement, change, as_of)
            else:
                reason = (
                    f"the factory changed: {done.commitment.qty} {row.sku} cannot be "
                    f"promised within the {engine.horizon_days}-day horizon"
                )
                row.status = "at_risk"
                row.at_risk_reason = reason
                row.at_risk_facts = factory_changed_facts(
                    done.commitment.qty, row.sku, engine.horizon_days
                )
                row.moved_from = row.moved_to = row.moved_at = None
                at_risk.append(
                    AtRisk(
                        row.ref,
                        reason,
                        row.customer.name,
                        row.sku,
                        row.qty,
                        row.owner_slack_id,
                        row.at_risk_facts,
                    )
                )
                detail["reason"] = reason
                if notify:
                    quote = engine.quote(row.sku, row.qty, row.promised_on or as_of, rush=row.rush)
                    _tell_owner(
                        session,
                        row,
                        functools.partial(at_risk_message, row, quote),
                        key=f"at_risk:{row.ref}:{row.version}",
                        kind="at_risk",
                        settings=self.settings,
                    )
            _audit(session, actor, "replan", row, detail)
        if pull:
            # Still-moved orders are listed again, with unchanged dates, all in re-plan order.
            for oid, row in rows.items():
                if oid in final or row.moved_from is None or row.moved_to is None:
                    continue
                assert row.promised_on is not None
                moved_out.append(
                    Moved(
                        row.ref,
                        row.promised_on,
                        row.moved_to,
                        row.customer.name,
                        row.sku,
                        row.qty,
                        row.owner_slack_id,
                    )
                )
            rank = {rows[oid].ref: replan_order(c) for oid, (c, _) in held.items()}
            moved_out.sort(key=lambda m: rank[m.ref])
        result = Replan(tuple(kept), tuple(moved_out), tuple(at_risk), change)
        channel = self.settings.ops_channel
        if notify and channel and (final or always_summarise):
            # Operations' channel reads its own language.
            with i18n.using(languages.of_channel(session, self.settings, channel)):
                summary = summary_text(result, as_of, who=who)
            enqueue(
                session,
                "change_summary",
                {"method": "chat_postMessage", "args": {"channel": channel, "text": summary}},
                key=summary_key,
            )
        return result

    def _tell_moved(
        self,
        session: Session,
        engine: Engine,
        row: OrderRow,
        moved: Moved,
        placement: Placement,
        change: str | None,
        as_of: date,
    ) -> None:
        """The owner's DM (and a note in the order's thread) about a move, with the options
        the plan allows for the promised date, its own new reservation set aside."""
        engine.release(placement)
        try:
            quote = engine.quote(row.sku, row.qty, moved.from_on, rush=row.rush)
        finally:
            engine.apply(placement)
        options = options_from(quote, row.latest_on)

        def draw() -> dict[str, Any]:
            return move_message(
                moved,
                order_id=row.id,
                version=row.version,
                change=change,
                options=options,
                as_of=as_of,
            )

        # The owner reads the DM in their language, the order's thread in its channel's.
        with i18n.using(languages.of_user(session, self.settings, row.owner_slack_id)):
            message = draw()
        key = f"moved:{row.ref}:{row.version}"
        args = {"channel": row.owner_slack_id, **message}
        enqueue(session, "order_moved", {"method": "chat_postMessage", "args": args}, key=key)
        if row.channel_id and row.message_ts:
            with i18n.using(languages.of_channel(session, self.settings, row.channel_id)):
                in_thread = draw()
            thread = {
                "channel": row.channel_id,
                "thread_ts": row.message_ts,
                "text": in_thread["text"],
            }
            enqueue(
                session,
                "order_moved",
                {"method": "chat_postMessage", "args": thread},
                key=f"{key}:thread",
            )

    # ------------------------------------------------------------------ answering a move

    def accept_move(
        self, ref_or_id: str | int, *, actor: str = "cli", version: int | None = None
    ) -> OrderView:
        """The owner accepts a moved order's new date: it becomes the promised date."""
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            view = self._view(session, row, with_placement=False)
            _check_version(view, version)
            if row.moved_from is None or row.moved_to is None:
                raise NotMoved(view)
            old = row.moved_from
            row.promised_on = row.moved_to
            row.moved_from = row.moved_to = row.moved_at = None
            row.version += 1
            row.updated_at = self.clock()
            told = (old - self.today()).days
            _audit(
                session,
                actor,
                "accept_move",
                row,
                {"from": old, "to": row.promised_on, "days_before": told},
            )
            return self._view(session, row)

    def split_move(
        self, ref_or_id: str | int, *, actor: str = "cli", version: int | None = None
    ) -> tuple[OrderView, OrderView]:
        """Split a moved order as a quote for its promised date would: the part that fits by
        then keeps the date (this order, no longer moved), the rest becomes a new order on its
        own date. Raises PlanningError when no split is possible any more."""
        self.expire_holds()
        as_of = self.today()
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            view = self._view(session, row, with_placement=False)
            _check_version(view, version)
            if row.moved_from is None:
                raise NotMoved(view)
            self._lock_plan(session)
            cache = self._fresh_cache(session, as_of)
            work = dataclasses.replace(cache, engine=cache.engine.copy(), active=set(cache.active))
            engine = work.engine
            commitment, rids = self._commitments(session, [row])[row.id]
            if commitment.placement is not None:
                engine.release(commitment.placement)
            quote = engine.quote(row.sku, row.qty, row.moved_from, rush=row.rush)
            if not quote.split:
                raise PlanningError(
                    _(
                        "Order {ref} cannot be split any more: {part} of {qty} {sku} can ship "
                        "{day}. Accept the new date, ask operations, or cancel.",
                        ref=row.ref,
                        part=quote.on_requested,
                        qty=row.qty,
                        sku=row.sku,
                        day=i18n.day(max(row.moved_from, as_of)),
                    )
                )
            first, rest = quote.split
            lot1 = engine.place(row.sku, first.qty, first.on, rush=row.rush)
            engine.apply(lot1)
            lot2 = engine.place(row.sku, rest.qty, rest.on, rush=row.rush)
            engine.apply(lot2)
            now = self.clock()
            self._release(session, row)
            work.active.difference_update(rids)
            row.qty = first.qty
            row.promised_on = first.on
            row.moved_from = row.moved_to = row.moved_at = None
            row.version += 1
            row.updated_at = now
            work.active.add(self._reserve(session, row, lot1))
            other = OrderRow(
                ref=_split_ref(session, row.ref),
                customer_id=row.customer_id,
                owner_slack_id=row.owner_slack_id,
                sku=row.sku,
                qty=rest.qty,
                requested_on=row.requested_on,
                promised_on=rest.on,
                rush=row.rush,
                status=row.status,
                least_qty=None,
                latest_on=row.latest_on,
                expires_at=row.expires_at,
                created_at=now,
                updated_at=now,
                version=1,
            )
            other.customer = row.customer
            session.add(other)
            session.flush()
            work.active.add(self._reserve(session, other, lot2))
            _audit(session, actor, "split_move", row, {"qty": first.qty, "rest": other.ref})
            _audit(session, actor, "split_from", other, {"from": row.ref, "qty": rest.qty})
            views = (self._view(session, row), self._view(session, other))
            self._settle(session, work)
        self._cache = work
        return views

    def move_order_to(
        self,
        ref_or_id: str | int,
        on: date,
        *,
        qty: int | None = None,
        rush: bool | None = None,
        actor: str = "cli",
    ) -> OrderView:
        """Place a held or confirmed order again on `on` (operations' answer to a moved order's
        question: the rush reserve, overtime, a counter-offer). Its promised date becomes `on`
        and it is no longer moved. Raises NotPromisable, with nothing changed, when it does not
        fit there."""
        self.expire_holds()
        as_of = self.today()
        with self._lock, write_transaction(self.sessions) as session:
            row = self._find(session, ref_or_id, for_update=True)
            if row.status not in ("held", "confirmed"):
                raise InvalidTransition(self._view(session, row), "placed again")
            self._lock_plan(session)
            cache = self._fresh_cache(session, as_of)
            work = dataclasses.replace(cache, engine=cache.engine.copy(), active=set(cache.active))
            engine = work.engine
            commitment, rids = self._commitments(session, [row])[row.id]
            if commitment.placement is not None:
                engine.release(commitment.placement)
            rush = row.rush if rush is None else rush
            qty = qty or row.qty
            placement = engine.place(row.sku, qty, on, rush=rush)
            engine.apply(placement)
            self._release(session, row)
            work.active.difference_update(rids)
            work.active.add(self._reserve(session, row, placement))
            old = row.moved_from or row.promised_on
            row.qty, row.rush, row.promised_on = qty, rush, on
            row.moved_from = row.moved_to = row.moved_at = None
            row.version += 1
            row.updated_at = self.clock()
            _audit(session, actor, "placed_again", row, {"from": old, "to": on, "qty": qty})
            view = self._view(session, row, placement=placement)
            self._settle(session, work)
        self._cache = work
        return view

    def lift_downtime(self, work_center: str, *, as_of: date | None = None) -> CapacityChange:
        """The change that lifts the latest downtime still ahead on `work_center` (`/capacity
        CNC back`): its days from today on, given back as they were before it. BadChange when
        there is none."""
        as_of = as_of or self.today()
        with self.sessions() as session:
            codes = {c.upper(): c for c in session.scalars(sa.select(WorkCenterRow.code))}
            code = codes.get(work_center.strip().upper())
            if code is None:
                if codes:
                    raise BadChange(
                        _(
                            "there is no work center {code}; the work centers are {codes}",
                            code=repr(work_center.strip()),
                            codes=", ".join(sorted(codes.values())),
                        )
                    )
                raise BadChange(
                    _(
                        "there is no work center {code}; the work centers are none",
                        code=repr(work_center.strip()),
                    )
                )
            rows = session.scalars(
                sa.select(AuditLogRow)
                .where(
                    AuditLogRow.entity == "factory",
                    AuditLogRow.action == "capacity",
                    AuditLogRow.entity_id == code,
                )
                .order_by(AuditLogRow.id.desc())
            ).all()
        lifted = {row.detail.get("lifts") for row in rows}
        for row in rows:
            change = row.detail.get("change") or {}
            last = date.fromisoformat(change.get("to", "0001-01-01"))
            if row.id in lifted or change.get("hours") != 0 or last < as_of:
                continue
            first = max(date.fromisoformat(change["from"]), as_of)
            restore = tuple(
                CalendarException(code, date.fromisoformat(p["on"]), p["hours"], p["reason"])
                for p in row.detail.get("previous") or []
                if first <= date.fromisoformat(p["on"]) <= last
            )
            why = change.get("reason") or ""
            return CapacityChange(code, first, last, None, why, restore, lifts=row.id)
        raise BadChange(
            _("{code} has no downtime from {day} on to lift", code=code, day=i18n.day(as_of))
        )

    def move_quote(self, ref_or_id: str | int) -> Quote:
        """The quote for an order's promised date (the old date of a moved order) with its own
        reservation set aside: what the plan could do for it there."""
        with self._lock:
            engine = self.engine()
            with self.sessions() as session:
                row = self._find(session, ref_or_id)
                commitment, _ = self._commitments(session, [row])[row.id]
                wanted = row.moved_from or row.promised_on or row.requested_on
            if commitment.placement is not None:
                engine.release(commitment.placement)
            try:
                return engine.quote(row.sku, row.qty, wanted, rush=row.rush)
            finally:
                if commitment.placement is not None:
                    engine.apply(commitment.placement)

    def move_options(self, ref_or_id: str | int) -> MoveOptions:
        """What the plan allows a moved order besides its new date: the split and the rush
        reserve for its promised date, and the customer's latest acceptable date."""
        order = self.order(ref_or_id)
        return options_from(self.move_quote(order.id), order.latest_on)

    def work_centers(self) -> list[tuple[str, str]]:
        """(code, name) of every work center, by code."""
        with self.sessions() as session:
            return [
                (code, name)
                for code, name in session.execute(
                    sa.select(WorkCenterRow.code, WorkCenterRow.name).order_by(WorkCenterRow.code)
                )
            ]

    def moved_orders(self, *, owner: str | None = None) -> list[OrderView]:
        """Open orders moved by a re-plan whose owner has not answered yet, earliest first."""
        self.expire_holds()
        with self.sessions() as session:
            query = (
                sa.select(OrderRow)
                .where(OrderRow.moved_from.is_not(None), OrderRow.status.in_(("held", "confirmed")))
                .order_by(OrderRow.moved_from, OrderRow.id)
            )
            if owner is not None:
                query = query.where(OrderRow.owner_slack_id == owner)
            return [
                self._view(session, row, with_placement=False) for row in session.scalars(query)
            ]

    def plan(self, as_of: date | None = None) -> dict[str, list[dict[str, Any]]]:
        """Load per work center and day, and PAB per item on each day its stock moves."""
        with self._lock:
            engine = self.engine(as_of)
            load = []
            for wc in engine.factory.work_centers:
                for i in range(engine.horizon_days):
                    day = engine.day(i)
                    capacity = engine.capacity(wc.code, day)
                    reserved = engine.reserved(wc.code, day)
                    if capacity > 0 or reserved > 0:
                        load.append(
                            {
                                "work_center": wc.code,
                                "date": day.isoformat(),
                                "capacity": round(capacity, 9),
                                "reserved": round(reserved, 9),
                            }
                        )
            stock = []
            for item in engine.factory.items:
                series = engine.pab_series(item.sku)
                previous = None
                for i, value in enumerate(series):
                    if previous is None or abs(value - previous) > 1e-9:
                        stock.append(
                            {
                                "sku": item.sku,
                                "date": engine.day(i).isoformat(),
                                "pab": round(float(value), 9),
                            }
                        )
                    previous = value
        return {"load": load, "stock": stock}

    # ------------------------------------------------------------------ internals

    def _lock_plan(self, session: Session) -> int:
        """Take the plan lock: one plan change at a time, across processes."""
        return session.execute(
            sa.select(PlanStateRow.version).where(PlanStateRow.id == 1).with_for_update()
        ).scalar_one()

    def _locked_engine(self, session: Session, as_of: date | None) -> Engine:
        self._lock_plan(session)
        return self._fresh_engine(session, as_of or self.today())

    def _bump(self, session: Session) -> int:
        return session.execute(
            sa.update(PlanStateRow)
            .where(PlanStateRow.id == 1)
            .values(version=PlanStateRow.version + 1)
            .returning(PlanStateRow.version)
        ).scalar_one()

    def _reserve(self, session: Session, order: OrderRow, placement: Placement) -> int:
        seq = self._bump(session)
        reservation = ReservationRow(
            order_id=order.id,
            sku=placement.sku,
            qty=placement.qty,
            on=placement.on,
            rush=placement.rush,
            just_in_time=placement.just_in_time,
            active=True,
            created_at=self.clock(),
            changed_seq=seq,
        )
        session.add(reservation)
        session.flush()
        rid = reservation.id
        if placement.hours:
            session.execute(
                sa.insert(ReservedHoursRow),
                [
                    {
                        "reservation_id": rid,
                        "work_center": u.work_center,
                        "on": u.on,
                        "hours": u.hours,
                    }
                    for u in placement.hours
                ],
            )
        if placement.stock:
            session.execute(
                sa.insert(StockAllocationRow),
                [
                    {"reservation_id": rid, "sku": u.sku, "on": u.on, "qty": u.qty}
                    for u in placement.stock
                ],
            )
        if placement.purchases:
            session.execute(
                sa.insert(PlannedPurchaseRow),
                [
                    {"reservation_id": rid, "sku": u.sku, "on": u.on, "qty": u.qty}
                    for u in placement.purchases
                ],
            )
        return rid

    def _reserve_many(
        self,
        session: Session,
        placed: Sequence[tuple[OrderRow | _NewOrder, Placement]],
        seq: int,
    ) -> list[int]:
        """Store many reservations, all changed at plan version `seq`; returns their ids. Every
        order must be stored already (a new one inserted, with its id)."""
        if not placed:
            return []
        unsaved = [order for order, _ in placed if order.id is None]
        assert not unsaved, f"{len(unsaved)} orders are not stored yet"
        now = self.clock()
        heads = [
            {
                "order_id": order.id,
                "sku": p.sku,
                "qty": p.qty,
                "on": p.on,
                "rush": p.rush,
                "just_in_time": p.just_in_time,
                "active": True,
                "created_at": now,
                "changed_seq": seq,
            }
            for order, p in placed
        ]
        table = RESERVATIONS_TABLE  # the table itself: SQLAlchemy's ORM bulk insert costs more
        ids = list(
            session.execute(
                table.insert().returning(table.c.id, sort_by_parameter_order=True), heads
            ).scalars()
        )
        pairs = list(zip(ids, (p for _, p in placed), strict=True))
        insert_rows(
            session,
            ReservedHoursRow.__tablename__,
            ("reservation_id", "work_center", "on", "hours"),
            [(rid, *use) for rid, p in pairs for use in p.hours],  # (work center, on, hours)
        )
        insert_rows(
            session,
            StockAllocationRow.__tablename__,
            ("reservation_id", "sku", "on", "qty"),
            [(rid, *use) for rid, p in pairs for use in p.stock],  # (sku, on, qty)
        )
        insert_rows(
            session,
            PlannedPurchaseRow.__tablename__,
            ("reservation_id", "sku", "on", "qty"),
            [(rid, *use) for rid, p in pairs for use in p.purchases],  # (sku, on, qty)
        )
        return ids

    def _release_many(self, session: Session, order_ids: Sequence[int], seq: int) -> None:
        """Release every active reservation of these orders, at plan version `seq`."""
        now = self.clock()
        for start in range(0, len(order_ids), 500):  # SQLite's limit on bound parameters
            session.execute(
                sa.update(ReservationRow)
                .where(
                    ReservationRow.order_id.in_(list(order_ids[start : start + 500])),
                    ReservationRow.active.is_(True),
                )
                .values(active=False, released_at=now, changed_seq=seq)
                .execution_options(synchronize_session=False)
            )

    def _release(self, session: Session, order: OrderRow) -> None:
        active = session.scalars(
            sa.select(ReservationRow).where(
                ReservationRow.order_id == order.id, ReservationRow.active.is_(True)
            )
        ).all()
        if not active:
            return
        seq = self._bump(session)
        for reservation in active:
            reservation.active = False
            reservation.released_at = self.clock()
            reservation.changed_seq = seq

    def _after_commit(self, engine: Engine, placements: dict[int, Placement]) -> None:
        """Book what was just committed into the cached engine, if it is still the cache's."""
        cache = self._cache
        if cache is None or cache.engine is not engine:
            return
        for rid, placement in placements.items():
            if rid not in cache.active:
                engine.apply(placement)
                cache.active.add(rid)
        # Other changes may have landed meanwhile: the version check on the next read catches up.

    def _find(
        self, session: Session, ref_or_id: str | int, *, for_update: bool = False
    ) -> OrderRow:
        query = sa.select(OrderRow)
        text = str(ref_or_id).strip()
        if isinstance(ref_or_id, int) or text.isdigit():
            query = query.where(sa.or_(OrderRow.id == int(text), OrderRow.ref == text))
        else:
            query = query.where(OrderRow.ref == text)
        if for_update:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None:
            raise OrderNotFound(text)
        return row

    def _view(
        self,
        session: Session,
        row: OrderRow,
        *,
        with_placement: bool = True,
        placement: Placement | None = None,
    ) -> OrderView:
        if placement is None and with_placement:
            rid = session.scalar(
                sa.select(ReservationRow.id).where(
                    ReservationRow.order_id == row.id, ReservationRow.active.is_(True)
                )
            )
            if rid is not None:
                placement = _load_placements(session, ids=[rid]).get(rid)
        return OrderView(
            id=row.id,
            ref=row.ref,
            customer=row.customer.name,
            sku=row.sku,
            qty=row.qty,
            requested_on=row.requested_on,
            promised_on=row.promised_on,
            status=row.status,
            rush=row.rush,
            owner=row.owner_slack_id,
            expires_at=row.expires_at,
            version=row.version,
            at_risk_reason=row.at_risk_reason,
            at_risk_facts=row.at_risk_facts,
            shipped_qty=sum(s.qty for s in row.shipments),
            placement=placement,
            moved_from=row.moved_from,
            moved_to=row.moved_to,
            moved_at=row.moved_at,
            latest_on=row.latest_on,
        )


# ---------------------------------------------------------------------- helpers


def _check_qty(qty: object) -> None:
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
        raise BadQuantity(qty)


def _check_version(order: OrderView, version: int | None) -> None:
    if version is not None and version != order.version:
        raise StaleOrder(order)


class StaleOrder(PlanningError):
    """A button was pressed on a message older than the order's current state."""

    def __init__(self, order: OrderView) -> None:
        status = status_word(order.status)
        if order.promised_on:
            text = _(
                "Order {ref} changed since this message was posted: it is now {status} for {day}.",
                ref=order.ref,
                status=status,
                day=i18n.day(order.promised_on),
            )
        else:
            text = _(
                "Order {ref} changed since this message was posted: it is now {status}.",
                ref=order.ref,
                status=status,
            )
        super().__init__(text)
        self.order = order


def hold_expired_message(row: OrderRow) -> str:
    """The DM (mrkdwn text) to the owner of a hold that expired."""
    return ":information_source: " + _(
        "Your hold on {order} expired and its capacity and material went back to the plan. "
        "`/promise` again for a fresh quote.",
        order=_described(row),
    )


def hold_expiring_message(row: OrderRow, at: str, left: str) -> str:
    """The DM (mrkdwn text) to the owner of a hold that runs out at `at`, in `left`."""
    # TRANSLATORS: {at} is a time of day (14:30), {left} how long until then (1 h 30 min).
    return ":hourglass_flowing_sand: " + _(
        "Your hold on {order} runs out at {at} (in {left}). Confirm it from promisebot's Home "
        "tab, or its capacity goes back to the plan.",
        order=_described(row),
        at=at,
        left=left,
    )


def _described(row: OrderRow) -> str:
    """An order in a notice's mrkdwn: its customer's name (as typed) escaped."""
    customer = clip(escape(row.customer.name), MAX_CUSTOMER_LENGTH)  # imports may be longer
    fields = {"qty": row.qty, "sku": escape(row.sku), "customer": customer, "ref": escape(row.ref)}
    if row.promised_on:
        # TRANSLATORS: an order in a notice: "40 BRKT for Acme on Thu 3 Dec (PB-00012)".
        return _(
            "{qty} {sku} for {customer} on {day} ({ref})", day=i18n.day(row.promised_on), **fields
        )
    return _("{qty} {sku} for {customer} on no date ({ref})", **fields)


def _tell_owner(
    session: Session,
    row: OrderRow,
    text: str | Callable[[], str],
    *,
    key: str,
    kind: str = "order_notice",
    fallback: str | None = None,
    settings: Settings | None = None,
) -> bool:
    """Queue a DM to the order's owner (else to `fallback`, a channel) in this transaction;
    once per key. False if there is nobody to tell or it was sent already.

    `text` may be a function that draws it: it is then drawn in the reader's language (the
    owner's, or the channel's), which `settings` give."""
    channel = row.owner_slack_id or fallback
    if not channel:
        return False
    if callable(text):
        language = languages.of_channel(session, settings, channel) if settings else None
        with i18n.using(language):
            text = text()
    payload = {"method": "chat_postMessage", "args": {"channel": channel, "text": text}}
    return enqueue(session, kind, payload, key=key) is not None


def _expiry_warning_key(row: OrderRow) -> str:
    assert row.expires_at is not None
    return f"hold_expiring:{row.ref}:{row.expires_at.isoformat()}"


def _active_reservation_ids(session: Session, order: OrderRow) -> list[int]:
    return list(
        session.scalars(
            sa.select(ReservationRow.id).where(
                ReservationRow.order_id == order.id, ReservationRow.active.is_(True)
            )
        )
    )


def record_factory_change(session: Session, actor: str, detail: dict[str, Any]) -> None:
    """Note that the factory model changed (an import), so every engine cache rebuilds."""
    session.add(
        AuditLogRow(actor=actor, action="import", entity="factory", entity_id="*", detail=detail)
    )


MAX_CUSTOMER_LENGTH = 200
"""The longest customer name, for orders and leads alike (both name the same customers, so a
lead's customer must fit the promise form "Quote it" fills in with it)."""


IMPORT_BATCH = 500
"""Orders an import books in memory before writing them and their reservations."""
BULK_ORDERS = 1_000
"""From this many orders on, none of them stored yet, an import builds the reservation rows'
indexes after them (SQLite) ..."""
BULK_ROWS_PER_ORDER = 10
"""... when reserved_hours holds at most this many rows per order being imported."""
ORDERS_TABLE = cast(sa.Table, OrderRow.__table__)
RESERVATIONS_TABLE = cast(sa.Table, ReservationRow.__table__)
RESERVATION_DETAIL_TABLES: tuple[sa.Table, ...] = tuple(
    cast(sa.Table, row.__table__)
    for row in (ReservedHoursRow, StockAllocationRow, PlannedPurchaseRow)
)
"""The tables of a reservation's rows, whose indexes a first import builds after them."""


class _NewOrder:
    """An order an import adds: the values of its row, and its id once inserted."""

    __slots__ = ("id", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.id: int | None = None


def _new_order_values(
    order: ImportedOrder, customer_id: int, now: datetime, hold_until: datetime
) -> dict[str, Any]:
    """Every column of a new order's row (one multi-row insert needs the same keys in each)."""
    return {
        "ref": order.ref,
        "customer_id": customer_id,
        "owner_slack_id": None,
        "sku": order.sku,
        "qty": order.qty,
        "requested_on": order.on,
        "promised_on": order.on,
        "rush": order.rush,
        "status": order.status,
        "at_risk_reason": None,
        "at_risk_facts": None,
        "least_qty": None,
        "latest_on": None,
        "expires_at": hold_until if order.status == "held" else None,
        "created_at": now,
        "updated_at": now,
        "channel_id": None,
        "message_ts": None,
        "version": 1,
        "moved_from": None,
        "moved_to": None,
        "moved_at": None,
    }


def _rows_where_in(session: Session, entity: Any, column: Any, values: Sequence[Any]) -> list[Any]:
    """Rows of `entity` whose `column` is one of `values`, asked 500 at a time (SQLite's
    limit on bound parameters)."""
    found: list[Any] = []
    for start in range(0, len(values), 500):
        chunk = list(values[start : start + 500])
        found += session.scalars(sa.select(entity).where(column.in_(chunk))).all()
    return found


def find_or_add_customer(session: Session, name: str) -> CustomerRow:
    """The customer called `name`, added in this transaction when it is new."""
    row = session.scalar(sa.select(CustomerRow).where(CustomerRow.name == name))
    if row is None:
        row = CustomerRow(name=name)
        session.add(row)
        session.flush()
    return row


def next_order_ref(session: Session) -> str:
    """A fresh order reference, PB-00042, not yet used by any order."""
    last = session.scalar(sa.select(sa.func.max(OrderRow.id))) or 0
    ref = f"PB-{last + 1:05d}"
    while session.scalar(sa.select(OrderRow.id).where(OrderRow.ref == ref)) is not None:
        last += 1
        ref = f"PB-{last + 1:05d}"
    return ref


def _audit(
    session: Session, actor: str, action: str, row: OrderRow, detail: dict[str, Any]
) -> None:
    session.add(
        AuditLogRow(
            actor=actor,
            action=action,
            entity="order",
            entity_id=row.ref,
            detail={k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.items()}
            | {"status": row.status},
        )
    )


def _audit_bulk(session: Session, action: str, booked: int, at_risk: int) -> None:
    session.add(
        AuditLogRow(
            actor="import",
            action=action,
            entity="orders",
            entity_id="*",
            detail={"booked": booked, "at_risk": at_risk},
        )
    )


def _load_placements(
    session: Session, *, ids: Sequence[int] | None = None, active_only: bool = False
) -> dict[int, Placement]:
    """Reservations as Placements, read with four bulk queries."""
    reservations = sa.select(
        ReservationRow.id,
        ReservationRow.sku,
        ReservationRow.qty,
        ReservationRow.on,
        ReservationRow.rush,
        ReservationRow.just_in_time,
    )
    if ids is not None:
        reservations = reservations.where(ReservationRow.id.in_(ids))
    if active_only:
        reservations = reservations.where(ReservationRow.active.is_(True))
    heads = {r.id: r for r in session.execute(reservations)}
    if not heads:
        return {}
    hours: dict[int, list[HoursUse]] = {rid: [] for rid in heads}
    stock: dict[int, list[StockUse]] = {rid: [] for rid in heads}
    bought: dict[int, list[Purchase]] = {rid: [] for rid in heads}

    def rows(table: Any, *columns: Any) -> Any:
        query = sa.select(table.reservation_id, *columns)
        if ids is not None:
            query = query.where(table.reservation_id.in_(ids))
        elif active_only:
            query = query.join(ReservationRow, ReservationRow.id == table.reservation_id).where(
                ReservationRow.active.is_(True)
            )
        return session.execute(query)

    for rid, wc, on, h in rows(
        ReservedHoursRow, ReservedHoursRow.work_center, ReservedHoursRow.on, ReservedHoursRow.hours
    ):
        hours[rid].append(HoursUse(wc, on, h))
    for rid, sku, on, q in rows(
        StockAllocationRow, StockAllocationRow.sku, StockAllocationRow.on, StockAllocationRow.qty
    ):
        stock[rid].append(StockUse(sku, on, q))
    for rid, sku, on, q in rows(
        PlannedPurchaseRow, PlannedPurchaseRow.sku, PlannedPurchaseRow.on, PlannedPurchaseRow.qty
    ):
        bought[rid].append(Purchase(sku, on, q))
    return {
        rid: Placement(
            sku=head.sku,
            qty=head.qty,
            on=head.on,
            rush=head.rush,
            hours=tuple(sorted(hours[rid], key=lambda u: (u.work_center, u.on))),
            stock=tuple(sorted(stock[rid], key=lambda u: (u.sku, u.on))),
            purchases=tuple(sorted(bought[rid], key=lambda u: (u.sku, u.on))),
            just_in_time=head.just_in_time,
        )
        for rid, head in heads.items()
    }


def _merged(parts: Sequence[Placement]) -> Placement | None:
    """One placement holding what all of an order's active reservations hold (normally one)."""
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    return dataclasses.replace(
        first,
        hours=tuple(u for p in parts for u in p.hours),
        stock=tuple(u for p in parts for u in p.stock),
        purchases=tuple(u for p in parts for u in p.purchases),
    )


def _split_ref(session: Session, ref: str) -> str:
    """`PB-00012-2`: the ref of the rest of a split order, not yet used."""
    n = 2
    while session.scalar(sa.select(OrderRow.id).where(OrderRow.ref == f"{ref}-{n}")) is not None:
        n += 1
    return f"{ref}-{n}"


def _resolve_change(cache: _Cache, change: Change) -> Change:
    """The change with its work center and sku spelled as stored (codes ignore case)."""
    if isinstance(change, CapacityChange):
        codes = {wc.code.upper(): wc.code for wc in cache.engine.factory.work_centers}
        code = codes.get(change.work_center.strip().upper(), change.work_center.strip())
        return dataclasses.replace(change, work_center=code)
    sku = cache.skus.get(change.sku.strip().upper(), change.sku.strip())
    return dataclasses.replace(change, sku=sku)


def _with_receipts(factory: Factory, sku: str, own: tuple[Receipt, ...]) -> Factory:
    """`factory` with the receipts of `sku` replaced by `own` (each one, not a day's total)."""
    kept = [r for r in factory.receipts if r.sku != sku]
    receipts = sorted([*kept, *own], key=lambda r: (r.sku, r.on))
    return dataclasses.replace(factory, receipts=tuple(receipts))


def _scope(change: Change) -> tuple[set[str], set[str]]:
    """The work centers and items a change can break (the plan was whole before it)."""
    if isinstance(change, CapacityChange):
        return {change.work_center}, set()
    return set(), {change.sku}


def _change_kind(change: Change) -> str:
    if isinstance(change, CapacityChange):
        return "capacity"
    return "receipt" if isinstance(change, ReceiptChange) else "count"


def _change_subject(change: Change) -> str:
    if isinstance(change, CapacityChange):
        return change.work_center
    return f"{change.sku}:{change.ref}" if isinstance(change, ReceiptChange) else change.sku


def _change_json(change: Change) -> dict[str, Any]:
    """The change as the audit log keeps it."""
    if isinstance(change, CapacityChange):
        return {
            "kind": "capacity",
            "work_center": change.work_center,
            "from": change.first.isoformat(),
            "to": change.last.isoformat(),
            "hours": change.hours,
            "reason": change.reason,
            "extra": change.extra,
        }
    if isinstance(change, CountChange):
        return {"kind": "count", "sku": change.sku, "on_hand": change.on_hand}
    return {
        "kind": "receipt",
        "sku": change.sku,
        "ref": change.ref,
        "date": _iso(change.on),
        "qty": change.qty,
    }


def _last_factory_change() -> Any:
    """The newest factory import's audit id: the cache's key for "same factory model"."""
    return (
        sa.select(sa.func.max(AuditLogRow.id))
        .where(AuditLogRow.entity == "factory")
        .scalar_subquery()
    )


def _resolve(cache: _Cache, sku: str) -> str:
    wanted = sku.strip().upper()
    found = cache.skus.get(wanted)
    if found is not None:
        return found
    close = difflib.get_close_matches(wanted, list(cache.skus), n=3, cutoff=0.4)
    raise UnknownSku(sku.strip(), tuple(cache.skus[c] for c in close))


def _active_totals(session: Session, as_of: date) -> Placement:
    """Everything the active reservations hold, summed per work center or item and day."""

    def summed(table: Any, what: Any, amount: Any) -> list[Any]:
        return list(
            session.execute(
                sa.select(what, table.on, sa.func.sum(amount))
                .join(ReservationRow, ReservationRow.id == table.reservation_id)
                .where(ReservationRow.active.is_(True))
                .group_by(what, table.on)
            )
        )

    hours = summed(ReservedHoursRow, ReservedHoursRow.work_center, ReservedHoursRow.hours)
    stock = summed(StockAllocationRow, StockAllocationRow.sku, StockAllocationRow.qty)
    return Placement(
        sku="*",
        qty=1,
        on=as_of,
        hours=tuple(HoursUse(wc, on, float(h)) for wc, on, h in hours),
        stock=tuple(StockUse(sku, on, float(q)) for sku, on, q in stock),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def quote_json(quote: Quote) -> dict[str, Any]:
    """The documented JSON of a quote (README, "promisebot quote")."""
    c = quote.constraint
    return {
        "sku": quote.sku,
        "qty": quote.qty,
        "requested": quote.requested.isoformat(),
        "as_of": quote.as_of.isoformat(),
        "earliest": _iso(quote.earliest),
        "on_requested": quote.on_requested,
        "split": [{"date": lot.on.isoformat(), "qty": lot.qty} for lot in quote.split]
        if quote.split is not None
        else None,
        "rush_earliest": _iso(quote.rush_earliest),
        "constraint": {"kind": c.kind, "code": c.code, "until": _iso(c.until), "text": c.text},
    }


def placement_json(placement: Placement) -> dict[str, Any]:
    return {
        "just_in_time": placement.just_in_time,
        "hours": [
            {"work_center": u.work_center, "date": u.on.isoformat(), "hours": round(u.hours, 9)}
            for u in placement.hours
        ],
        "stock": [
            {"sku": u.sku, "date": u.on.isoformat(), "qty": round(u.qty, 9)}
            for u in placement.stock
        ],
        "purchases": [
            {"sku": u.sku, "date": u.on.isoformat(), "qty": round(u.qty, 9)}
            for u in placement.purchases
        ],
    }
