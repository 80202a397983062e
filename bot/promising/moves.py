"""Moved orders: the reminder to owners who have not answered, and what moved, for reports.

A re-plan that moves an order tells its owner at once (bot.promising.orders); an owner who has
not answered after `NUDGE_AFTER_WORKING_HOURS` working hours (09:00–17:00, Monday to Friday, in
the factory's time zone) is reminded once, with the same buttons, so that the customer hears of
the new date from sales and not from the loading dock. `moves_between` reads the audit log for
the digest and the summit agenda: what moved, how it was answered, how early the customer could
be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from bot.platform.db.session import write_transaction
from bot.platform.db.tables import AuditLogRow, OrderRow
from bot.platform.outbox import enqueue, send_once
from bot.promising.capacity_requests import working_hours_between
from bot.promising.orders import OrderService
from bot.promising.replan import Moved, move_message
from capacity.engine import format_day

NUDGE_AFTER_WORKING_HOURS = 4.0


def queue_move_nudges(
    orders: OrderService, now: datetime, *, after_hours: float = NUDGE_AFTER_WORKING_HOURS
) -> list[str]:
    """Queue one reminder per moved order left unanswered for `after_hours` working hours;
    returns their refs. Each move is reminded once (a second run, another replica skip it)."""
    tz = orders.settings.tzinfo
    today = orders.today()
    sent: list[str] = []
    for order in orders.moved_orders():
        if not order.owner or order.moved_at is None or order.moved_from is None:
            continue
        if working_hours_between(order.moved_at, now, tz) + 1e-9 < after_hours:
            continue
        assert order.moved_to is not None
        moved = Moved(
            order.ref,
            order.moved_from,
            order.moved_to,
            order.customer,
            order.sku,
            order.qty,
            order.owner,
        )
        message = move_message(
            moved,
            order_id=order.id,
            version=order.version,
            change=None,
            options=orders.move_options(order.id),
            as_of=today,
        )
        text = (
            f":alarm_clock: Reminder: order {order.ref} ({order.qty} {order.sku} for "
            f"{order.customer}) was moved from {format_day(order.moved_from, today)} to "
            f"{format_day(order.moved_to, today)} and is waiting for your answer. Tell the "
            "customer before they hear it elsewhere."
        )
        message["text"] = text
        message["blocks"][0] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
        with write_transaction(orders.sessions) as session:
            if not send_once(session, f"move_nudge:{order.ref}:{order.moved_at.isoformat()}"):
                continue
            args = {"channel": order.owner, **message}
            enqueue(session, "move_nudge", {"method": "chat_postMessage", "args": args})
        sent.append(order.ref)
    return sent


# ---------------------------------------------------------------------- what moved, for reports


@dataclass(frozen=True)
class MoveRecord:
    """An order a re-plan moved in a period, and how its owner answered."""

    ref: str
    customer: str
    qty: int
    sku: str
    from_on: date
    to_on: date
    moved_at: datetime
    answer: str | None = None
    """`accepted`, `split`, `cancelled`, `placed again` (operations' answer), or None."""
    told_days_before: int | None = None
    """Days between the answer (when the customer can be told) and the date first promised."""

    def line(self) -> str:
        text = (
            f"{self.ref} {self.customer}: {self.qty} {self.sku} "
            f"{format_day(self.from_on)} → {format_day(self.to_on)}"
        )
        if self.answer is None:
            return text + " (not answered yet)"
        when = (
            f", {self.told_days_before} days before the old date"
            if self.told_days_before is not None and self.told_days_before >= 0
            else ", after the old date"
            if self.told_days_before is not None
            else ""
        )
        return f"{text} ({self.answer}{when})"


_ANSWERS = {
    "accept_move": "accepted",
    "split_move": "split",
    "cancel": "cancelled",
    "placed_again": "placed again",
}


def moves_between(session: Session, since: datetime, until: datetime, tz: Any) -> list[MoveRecord]:
    """Orders first moved by a re-plan from `since` to `until`, each with its owner's answer
    (if any, until now), from the audit log; oldest move first."""
    moved: dict[str, AuditLogRow] = {}
    for row in session.scalars(
        sa.select(AuditLogRow)
        .where(
            AuditLogRow.entity == "order",
            AuditLogRow.action == "replan",
            AuditLogRow.at >= since,
            AuditLogRow.at < until,
        )
        .order_by(AuditLogRow.id)
    ):
        if row.detail.get("outcome") == "moved" and row.entity_id not in moved:
            moved[row.entity_id] = row
    if not moved:
        return []
    orders = {
        o.ref: o
        for o in session.scalars(
            sa.select(OrderRow)
            .where(OrderRow.ref.in_(list(moved)))
            .options(selectinload(OrderRow.customer))
        )
    }
    answers: dict[str, AuditLogRow] = {}
    for row in session.scalars(
        sa.select(AuditLogRow)
        .where(
            AuditLogRow.entity == "order",
            AuditLogRow.entity_id.in_(list(moved)),
            AuditLogRow.action.in_(list(_ANSWERS)),
        )
        .order_by(AuditLogRow.id)
    ):
        if row.entity_id not in answers and row.id > moved[row.entity_id].id:
            answers[row.entity_id] = row
    out = []
    for ref, row in moved.items():
        order = orders.get(ref)
        if order is None:
            continue
        from_on = date.fromisoformat(row.detail["from"])
        answer = answers.get(ref)
        told = None
        if answer is not None:
            told = (from_on - answer.at.astimezone(tz).date()).days
        out.append(
            MoveRecord(
                ref,
                order.customer.name,
                order.qty,
                order.sku,
                from_on,
                date.fromisoformat(row.detail["to"]),
                row.at,
                _ANSWERS[answer.action] if answer is not None else None,
                told,
            )
        )
    return out
