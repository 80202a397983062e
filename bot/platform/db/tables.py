"""The database schema as SQLAlchemy 2 typed models; Alembic migrations are generated from it.

Table and column names are a contract between services: change them only with a migration.
Quantities that may be fractional (stock, qty_per, hours) are floats; order quantities are whole.
Every timestamp is timezone-aware and comes back in UTC on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ORDER_STATUSES = ("quoted", "held", "confirmed", "at_risk", "shipped", "cancelled", "expired")
OPEN_ORDER_STATUSES = ("quoted", "held", "confirmed", "at_risk")
"""Orders that still count on the factory (a promise, or one being made)."""
ROLES = ("sales", "operations", "manager", "admin")
REQUEST_STATUSES = ("open", "approved", "countered", "declined")
LEAD_STATUSES = ("open", "won", "lost")
ITEM_KINDS = ("make", "buy")


STAMP = {"stamp": True}
"""Column info of a timestamp that a new row gets from its session's clock when left unset
(bot.platform.db.session: the clock is promisebot's, never the database server's or the
machine's, so a fixed planning day stamps its rows on that day)."""


def stamped() -> Any:
    """A timestamp column filled from the session's clock when a new row leaves it unset."""
    return mapped_column(info=STAMP)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC, returned aware on every backend.

    SQLite has no time zones, so without this a value written aware would come back naive and
    comparisons with an aware "now" would raise. Naive datetimes are refused on the way in.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone (UTC)")
        value = value.astimezone(UTC)
        # SQLite stores the text as given; strip the zone so all stored values sort alike.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: sa.JSON(),
        str: sa.String(),
    }


# --- the factory ---------------------------------------------------------------------------


class WorkCenterRow(Base):
    __tablename__ = "work_centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(default="")
    machines: Mapped[int] = mapped_column(default=1)
    shifts_per_day: Mapped[int] = mapped_column(default=1)
    hours_per_shift: Mapped[float] = mapped_column(default=8.0)
    efficiency: Mapped[float] = mapped_column(default=1.0)
    workdays: Mapped[str] = mapped_column(default="Mon-Fri")
    rush_reserve_pct: Mapped[float] = mapped_column(default=0.0)


class CalendarExceptionRow(Base):
    """A day's whole capacity for one work center, or for every one (`work_center` = '*')."""

    __tablename__ = "calendar_exceptions"
    __table_args__ = (sa.UniqueConstraint("work_center", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_center: Mapped[str]
    on: Mapped[date]
    hours: Mapped[float]
    reason: Mapped[str] = mapped_column(default="")


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (sa.CheckConstraint(_in("kind", ITEM_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(default="")
    kind: Mapped[str]
    uom: Mapped[str] = mapped_column(default="ea")
    lead_time_days: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[float] = mapped_column(default=0.0)


class InventoryRow(Base):
    __tablename__ = "inventory"

    sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"), primary_key=True)
    on_hand: Mapped[float]


class ReceiptRow(Base):
    """A scheduled receipt (an open purchase order) arriving on `on`."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"), index=True)
    on: Mapped[date]
    qty: Mapped[float]
    ref: Mapped[str] = mapped_column(default="")


class BomLineRow(Base):
    __tablename__ = "bom_lines"
    __table_args__ = (sa.UniqueConstraint("parent_sku", "component_sku"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"))
    component_sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"), index=True)
    qty_per: Mapped[float]


class RoutingOperationRow(Base):
    __tablename__ = "routing_operations"
    __table_args__ = (sa.UniqueConstraint("sku", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"))
    seq: Mapped[int]
    work_center: Mapped[str] = mapped_column(sa.ForeignKey("work_centers.code"), index=True)
    setup_hours: Mapped[float] = mapped_column(default=0.0)
    run_hours_per_unit: Mapped[float]
    lag_days: Mapped[int] = mapped_column(default=0)


# --- people --------------------------------------------------------------------------------


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(default="")
    tz: Mapped[str | None]
    role: Mapped[str] = mapped_column(default="sales")
    created_at: Mapped[datetime] = stamped()
    language: Mapped[str | None]
    """The language the user chose (`/promisebot language vi`, the Home tab); None: none chosen."""


class SlackLocaleRow(Base):
    """A person's Slack locale as users.info (include_locale) last gave it ("" for none): what
    Slack says of them, kept so that it is asked once, not a change anybody made."""

    __tablename__ = "slack_locales"

    slack_user_id: Mapped[str] = mapped_column(primary_key=True)
    locale: Mapped[str]
    read_at: Mapped[datetime] = stamped()


class ChannelLanguageRow(Base):
    """The language an admin gave a channel: what promisebot's posts in it are written in."""

    __tablename__ = "channel_languages"

    channel_id: Mapped[str] = mapped_column(primary_key=True)
    language: Mapped[str]
    set_by: Mapped[str]
    set_at: Mapped[datetime] = stamped()


# --- orders and what they hold ---------------------------------------------------------------


class OrderRow(Base):
    """One order line: `qty` of one `sku` for a customer, and the promise made for it."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        sa.Index(None, "status", "promised_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    owner_slack_id: Mapped[str | None] = mapped_column(index=True)
    sku: Mapped[str] = mapped_column(sa.ForeignKey("items.sku"), index=True)
    qty: Mapped[int]
    requested_on: Mapped[date]
    promised_on: Mapped[date | None]
    rush: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(default="quoted")
    at_risk_reason: Mapped[str | None] = mapped_column(sa.Text)
    """Why the order is at risk, in English (the CLI and the order JSON show it)."""
    at_risk_facts: Mapped[dict[str, Any] | None]
    """The same reason as facts (bot.promising.constraints), for each reader's language."""
    least_qty: Mapped[int | None]
    """The customer's flexibility: the least quantity they would accept on `requested_on`."""
    latest_on: Mapped[date | None]
    """The customer's flexibility: the latest date they would accept."""
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = stamped()
    updated_at: Mapped[datetime] = stamped()
    channel_id: Mapped[str | None]
    message_ts: Mapped[str | None]
    version: Mapped[int] = mapped_column(default=0)
    """Bumped on every change, so that a button on an old message can tell it is stale."""
    moved_from: Mapped[date | None]
    """Set while a re-plan has moved the order and its owner has not answered: the date promised
    to the customer (still `promised_on` until the owner accepts the new one)."""
    moved_to: Mapped[date | None]
    """While moved: the day the order is booked on now."""
    moved_at: Mapped[datetime | None]
    """When it was first moved (the owner's reminder counts from then)."""

    customer: Mapped[CustomerRow] = relationship()
    shipments: Mapped[list[ShipmentRow]] = relationship(
        back_populates="order", order_by="ShipmentRow.id"
    )


class ShipmentRow(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    on: Mapped[date]
    qty: Mapped[int]

    order: Mapped[OrderRow] = relationship(back_populates="shipments")


class ReservationRow(Base):
    """The capacity and material one promise holds (a `capacity.model.Placement`).

    `changed_seq` is `plan_state.version` when it was made or released, so a planner that has the
    state up to version v reloads only reservations with `changed_seq > v`.
    """

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    sku: Mapped[str]
    qty: Mapped[int]
    on: Mapped[date]
    rush: Mapped[bool] = mapped_column(default=False)
    just_in_time: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = stamped()
    released_at: Mapped[datetime | None]
    changed_seq: Mapped[int] = mapped_column(default=0, index=True)

    hours: Mapped[list[ReservedHoursRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ReservedHoursRow.id"
    )
    stock: Mapped[list[StockAllocationRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="StockAllocationRow.id"
    )
    purchases: Mapped[list[PlannedPurchaseRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlannedPurchaseRow.id"
    )


class ReservedHoursRow(Base):
    __tablename__ = "reserved_hours"
    __table_args__ = (sa.Index(None, "work_center", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    work_center: Mapped[str]
    on: Mapped[date]
    hours: Mapped[float]


class StockAllocationRow(Base):
    __tablename__ = "stock_allocations"
    __table_args__ = (sa.Index(None, "sku", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str]
    on: Mapped[date]
    qty: Mapped[float]


class PlannedPurchaseRow(Base):
    __tablename__ = "planned_purchases"
    __table_args__ = (sa.Index(None, "sku", "on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str]
    on: Mapped[date]
    qty: Mapped[float]


class PlanStateRow(Base):
    """The one row (id 1) whose version counts committed plan changes.

    Committing a hold locks it (SELECT … FOR UPDATE) so that plan changes happen one at a time.
    The initial migration inserts it with version 0.
    """

    __tablename__ = "plan_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)


class CapacityRequestRow(Base):
    """A question from sales to operations about an order the engine cannot promise as wanted."""

    __tablename__ = "capacity_requests"
    __table_args__ = (sa.CheckConstraint(_in("status", REQUEST_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    requested_by: Mapped[str]
    status: Mapped[str] = mapped_column(default="open", index=True)
    question: Mapped[str] = mapped_column(sa.Text)
    """The question in the operations channel's language when it was asked (as posted there)."""
    question_facts: Mapped[dict[str, Any] | None]
    """What the question asks, from which it is written again in each reader's language."""
    engine_view: Mapped[str] = mapped_column(sa.Text, default="")
    bottleneck: Mapped[str | None]
    channel_id: Mapped[str | None]
    message_ts: Mapped[str | None]
    answered_by: Mapped[str | None]
    answer_kind: Mapped[str | None]
    answer_note: Mapped[str | None] = mapped_column(sa.Text)
    counter_qty: Mapped[int | None]
    counter_on: Mapped[date | None]
    created_at: Mapped[datetime] = stamped()
    answered_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]

    order: Mapped[OrderRow] = relationship()


# --- leads and summits -----------------------------------------------------------------------


class LeadRow(Base):
    __tablename__ = "leads"
    __table_args__ = (sa.CheckConstraint(_in("status", LEAD_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    owner_slack_id: Mapped[str] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(default="")
    product_interest: Mapped[str] = mapped_column(default="")
    expected_qty: Mapped[int | None]
    expected_month: Mapped[date | None]
    """The first day of the month the customer expects to order in."""
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(default="open")
    created_at: Mapped[datetime] = stamped()

    customer: Mapped[CustomerRow] = relationship()
    followups: Mapped[list[LeadFollowupRow]] = relationship(
        back_populates="lead", order_by="LeadFollowupRow.due_at"
    )


class LeadFollowupRow(Base):
    __tablename__ = "lead_followups"
    __table_args__ = (sa.Index(None, "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    snoozed_to: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    lead: Mapped[LeadRow] = relationship(back_populates="followups")


class SummitRow(Base):
    """A recurring sales–operations meeting; `cron` is a crontab line in `timezone`."""

    __tablename__ = "summits"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    cron: Mapped[str]
    timezone: Mapped[str] = mapped_column(default="UTC")
    location: Mapped[str] = mapped_column(default="")
    channel_id: Mapped[str]
    organiser_slack_id: Mapped[str]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = stamped()


class SummitOccurrenceRow(Base):
    __tablename__ = "summit_occurrences"
    __table_args__ = (sa.UniqueConstraint("summit_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(sa.ForeignKey("summits.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    decisions: Mapped[str | None] = mapped_column(sa.Text)


class SummitAgendaPointRow(Base):
    __tablename__ = "summit_agenda_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("summit_occurrences.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str]
    text: Mapped[str] = mapped_column(sa.Text)
    carried_over: Mapped[bool] = mapped_column(default=False)
    done: Mapped[bool] = mapped_column(default=False)


class SummitRsvpRow(Base):
    __tablename__ = "summit_rsvps"
    __table_args__ = (sa.UniqueConstraint("occurrence_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("summit_occurrences.id", ondelete="CASCADE")
    )
    slack_user_id: Mapped[str]
    answer: Mapped[str]


# --- delivery, scheduling and audit ------------------------------------------------------------


REMINDER_OUTCOMES = ("sent", "missed")


class SentReminderRow(Base):
    """A reminder already decided; `key` names what and when, so each is decided exactly once.

    `outcome` is `sent` (its message went to the outbox) or `missed`: its window closed while no
    replica ran, and sending it late would have been wrong (see bot.platform.outbox.record_missed).
    """

    __tablename__ = "sent_reminders"
    __table_args__ = (sa.CheckConstraint(_in("outcome", REMINDER_OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(unique=True)
    sent_at: Mapped[datetime] = stamped()
    outcome: Mapped[str] = mapped_column(default="sent", server_default="sent")


class OutboxRow(Base):
    """A Slack message to deliver after the transaction that decided it commits."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index(None, "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = stamped()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = stamped()
    """When a worker may take it next: due, or the end of a worker's claim on it."""
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    claimed_by: Mapped[str | None]
    """The worker whose claim `next_attempt_at` ends (it renews the claim while it works)."""
    in_doubt_since: Mapped[datetime | None]
    """Set (machine time, as Slack's `ts`) when a worker hands the message to Slack, cleared
    when Slack refuses it: while set, Slack may have it, so it is looked up before a resend."""


class SlackDeliveryRow(Base):
    """A Slack request already handled (event or action id): retries and double clicks end here."""

    __tablename__ = "slack_deliveries"

    key: Mapped[str] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = stamped()


class SchedulerLeaseRow(Base):
    """Which process runs the scheduled jobs, until when."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(primary_key=True)
    holder: Mapped[str]
    expires_at: Mapped[datetime]


class AuditLogRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index(None, "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True, info=STAMP)
    actor: Mapped[str]
    action: Mapped[str]
    entity: Mapped[str]
    entity_id: Mapped[str]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
