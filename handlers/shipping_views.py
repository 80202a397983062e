"""What a shipment looks like in Slack: the Ship form, the order's message once it has gone, and
the owner's notice. Pure functions; handlers.shipping sends them."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.platform import blockkit as kit
from bot.promising.orders import OrderView
from handlers.orders_views import order_message

SHIP_MODAL = "order_ship_modal"
SHIP_QTY_BLOCK, SHIP_QTY_ACTION = "ship_qty", "ship_qty_input"
SHIP_ON_BLOCK, SHIP_ON_ACTION = "ship_on", "ship_on_date"


def ship_modal(order: OrderView, today: date, metadata: str) -> dict[str, Any]:
    """Operations record a shipment: how many (all that is left by default) and when (today)."""
    left = order.qty - order.shipped_qty
    who = f"{order.qty} {order.sku}" + (f" for {order.customer}" if order.customer else "")
    shipped = f"; {order.shipped_qty} shipped already" if order.shipped_qty else ""
    blocks = [
        kit.section(f"Order *{kit.escape(order.ref)}*: {kit.escape(who)}{shipped}."),
        kit.input_block(
            SHIP_QTY_BLOCK,
            f"Quantity shipped (up to {left})",
            {
                "type": "number_input",
                "action_id": SHIP_QTY_ACTION,
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": str(max(left, 1)),
                "initial_value": str(max(left, 1)),
            },
        ),
        kit.input_block(
            SHIP_ON_BLOCK,
            "Shipped on",
            {"type": "datepicker", "action_id": SHIP_ON_ACTION, "initial_date": today.isoformat()},
        ),
    ]
    return kit.form("Record a shipment", blocks, SHIP_MODAL, "Ship", metadata)


def shipped_message(order: OrderView, as_of: date, by: str) -> dict[str, Any]:
    """The order's status message after a shipment: shipped, or confirmed with what has gone."""
    shown = order_message(order, as_of, by=by)
    if order.status == "shipped" or not order.shipped_qty:
        return shown
    so_far = f"Shipped {order.shipped_qty} of {order.qty} so far"
    return kit.message(
        f"{shown['text']} ({so_far.lower()})",
        [shown["blocks"][0], kit.context(f":package: {so_far}."), *shown["blocks"][1:]],
    )


def shipment_notice(order: OrderView, qty: int, on: date, by: str, as_of: date) -> dict[str, Any]:
    """The DM to the order's owner: what operations shipped."""
    rest = (
        "everything has gone"
        if order.status == "shipped"
        else f"{order.qty - order.shipped_qty} still to ship"
    )
    ref, sku = kit.escape(order.ref), kit.escape(order.sku)
    text = f"Order {ref}: {qty} {sku} shipped on {kit.day(on, as_of)}; {rest}"
    line = (
        f":package: {kit.mention(by)} shipped *{qty} {sku}* of order *{ref}*"
        + (f" for {kit.escape(order.customer)}" if order.customer else "")
        + f" on {kit.day(on, as_of)}; {rest}."
    )
    return kit.message(text, [kit.section(line)])
