"""Moved orders waiting for their owner: the options for a message, and the reminder.

A re-plan that moves an order tells its owner at once (bot.promising.orders); an owner who has
not answered after `NUDGE_AFTER_WORKING_HOURS` working hours (09:00–17:00, Monday to Friday, in
the factory's time zone) is reminded once, with the same buttons, so that the customer hears of
the new date from sales and not from the loading dock.
"""

from __future__ import annotations

from datetime import datetime

from bot.platform.db.session import write_transaction
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
