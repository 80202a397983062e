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

from bot.platform import i18n, languages
from bot.platform.blockkit import day
from bot.platform.db.session import write_transaction
from bot.platform.db.tables import AuditLogRow, OrderRow
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.platform.outbox import enqueue, send_once
from bot.promising.capacity_requests import working_hours_between
from bot.promising.orders import OrderService
from bot.promising.replan import Moved, move_message

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
        options = orders.move_options(order.id)
        with write_transaction(orders.sessions) as session:
            if not send_once(session, f"move_nudge:{order.ref}:{order.moved_at.isoformat()}"):
                continue
            # A reminder sent by a background job: in its owner's language.
            with i18n.using(languages.of_user(session, orders.settings, order.owner)):
                message = move_message(
                    moved,
                    order_id=order.id,
                    version=order.version,
                    change=None,
                    options=options,
                    as_of=today,
                )
                text = ":alarm_clock: " + _(
                    "Reminder: order {ref} ({qty} {sku} for {customer}) was moved from {old} to "
                    "{new} and is waiting for your answer. Tell the customer before they hear it "
                    "elsewhere.",
                    ref=order.ref,
                    qty=order.qty,
                    sku=order.sku,
                    customer=order.customer,
                    old=day(order.moved_from, today),
                    new=day(order.moved_to, today),
                )
            message["text"] = text
            message["blocks"][0] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
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
        """The move in one line, in the active language (the digest's, the summit's)."""
        # TRANSLATORS: a moved order: PO-1 Acme: 40 BRKT Thu 3 Dec → Tue 8 Dec.
        text = _(
            "{ref} {customer}: {qty} {sku} {old} → {new}",
            ref=self.ref,
            customer=self.customer,
            qty=self.qty,
            sku=self.sku,
            old=day(self.from_on),
            new=day(self.to_on),
        )
        if self.answer is None:
            return _("{move} (not answered yet)", move=text)
        # TRANSLATORS: {answer} is how the owner answered: accepted, split, cancelled …
        answer = i18n.gettext(_ANSWER_WORDS.get(self.answer, self.answer))
        told = self.told_days_before
        if told is not None and told >= 0:
            return ngettext(
                "{move} ({answer}, {n} day before the old date)",
                "{move} ({answer}, {n} days before the old date)",
                told,
                move=text,
                answer=answer,
                n=told,
            )
        if told is not None:
            return _("{move} ({answer}, after the old date)", move=text, answer=answer)
        return _("{move} ({answer})", move=text, answer=answer)


_ANSWERS = {
    "accept_move": "accepted",
    "split_move": "split",
    "cancel": "cancelled",
    "placed_again": "placed again",
}
"""The audit action of each answer, and the answer it records (MoveRecord.answer)."""

_ANSWER_WORDS = {
    "accepted": N_("accepted"),
    "split": N_("split"),
    "cancelled": N_("cancelled"),
    "placed again": N_("placed again"),
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
