"""What a shipment looks like in Slack: the Ship form, the order's message once it has gone, and
the owner's notice. Pure functions; handlers.shipping sends them."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.platform import blockkit as kit
from bot.platform.i18n import gettext as _
from bot.promising.orders import OrderView
from handlers.orders_views import order_message, order_who

SHIP_MODAL = "order_ship_modal"
SHIP_QTY_BLOCK, SHIP_QTY_ACTION = "ship_qty", "ship_qty_input"
SHIP_ON_BLOCK, SHIP_ON_ACTION = "ship_on", "ship_on_date"


def ship_modal(order: OrderView, today: date, metadata: str) -> dict[str, Any]:
    """Operations record a shipment: how many (all that is left by default) and when (today)."""
    left = order.qty - order.shipped_qty
    who = order_who(order.qty, order.sku, order.customer)
    ref = kit.escape(order.ref)
    if order.shipped_qty:
        about = _(
            "Order *{ref}*: {who}; {shipped} shipped already.",
            ref=ref,
            who=who,
            shipped=order.shipped_qty,
        )
    else:
        about = _("Order *{ref}*: {who}.", ref=ref, who=who)
    blocks = [
        kit.section(about),
        kit.input_block(
            SHIP_QTY_BLOCK,
            _("Quantity shipped (up to {left})", left=left),
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
            _("Shipped on"),
            {"type": "datepicker", "action_id": SHIP_ON_ACTION, "initial_date": today.isoformat()},
        ),
    ]
    return kit.form(_("Record a shipment"), blocks, SHIP_MODAL, _("Ship"), metadata)


def shipped_message(order: OrderView, as_of: date, by: str) -> dict[str, Any]:
    """The order's status message after a shipment: shipped, or confirmed with what has gone."""
    shown = order_message(order, as_of, by=by)
    if order.status == "shipped" or not order.shipped_qty:
        return shown
    fields = {"shipped": order.shipped_qty, "qty": order.qty}
    return kit.message(
        _("{text} (shipped {shipped} of {qty} so far)", text=shown["text"], **fields),
        [
            shown["blocks"][0],
            kit.context(":package: " + _("Shipped {shipped} of {qty} so far.", **fields)),
            *shown["blocks"][1:],
        ],
    )


def shipment_notice(order: OrderView, qty: int, on: date, by: str, as_of: date) -> dict[str, Any]:
    """The DM to the order's owner: what operations shipped."""
    ref, sku = kit.escape(order.ref), kit.escape(order.sku)
    fields: dict[str, Any] = {
        "ref": ref,
        "qty": qty,
        "sku": sku,
        "day": kit.day(on, as_of),
        "person": kit.mention(by),
        "customer": kit.escape(order.customer or ""),
        "left": order.qty - order.shipped_qty,
    }
    if order.status == "shipped":
        text = _("Order {ref}: {qty} {sku} shipped on {day}; everything has gone", **fields)
        if order.customer:
            line = _(
                "{person} shipped *{qty} {sku}* of order *{ref}* for {customer} on {day}; "
                "everything has gone.",
                **fields,
            )
        else:
            line = _(
                "{person} shipped *{qty} {sku}* of order *{ref}* on {day}; everything has gone.",
                **fields,
            )
    else:
        text = _("Order {ref}: {qty} {sku} shipped on {day}; {left} still to ship", **fields)
        if order.customer:
            line = _(
                "{person} shipped *{qty} {sku}* of order *{ref}* for {customer} on {day}; "
                "{left} still to ship.",
                **fields,
            )
        else:
            line = _(
                "{person} shipped *{qty} {sku}* of order *{ref}* on {day}; {left} still to ship.",
                **fields,
            )
    return kit.message(text, [kit.section(f":package: {line}")])
