"""What sales read in Slack: a quote with its options, an order's status, the promise form.

Pure functions from domain values to messages (`{"text": fallback, "blocks": [...]}`) and views;
handlers.orders sends them. Buttons carry their state in `value` (bot.platform.blockkit's
`kit.ButtonValue`), so a click says what it means without a lookup and a stale one is told by the
order's version.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal, get_args

from bot.platform import blockkit as kit
from bot.promising.orders import OrderView
from capacity.model import Lot, Quote
from handlers.parsing import (
    CUSTOMER_ACTION,
    CUSTOMER_BLOCK,
    LATEST_ACTION,
    LATEST_BLOCK,
    LEAST_QTY_ACTION,
    LEAST_QTY_BLOCK,
    MAX_CUSTOMER_LENGTH,
    QTY_ACTION,
    QTY_BLOCK,
    SKU_ACTION,
    SKU_BLOCK,
    WANTED_ACTION,
    WANTED_BLOCK,
)
from handlers.planner_views import ORDER_PLAN

# --- ids the listeners match on ---------------------------------------------------------------

HOLD = "order_hold"
CONFIRM = "order_confirm"
ASK_OPS = "order_ask_ops"
CANCEL = "order_cancel"
SHIP = "order_ship"
"""Operations record a shipment of a confirmed order (handlers.shipping opens the form)."""

PROMISE_MODAL = "promise_modal"
"""callback_id of the promise modal (loading and full view alike)."""
# Its block_ids and action_ids (SKU_BLOCK/SKU_ACTION …) live in handlers.parsing, which reads it.

OrderStatus = Literal["held", "confirmed", "cancelled", "expired", "shipped", "at_risk"]
ORDER_STATUSES = frozenset(get_args(OrderStatus))


# --- quotes -------------------------------------------------------------------------------------


def quote_message(
    quote: Quote,
    *,
    customer: str | None,
    order_id: int | str | None = None,
    requester: str | None = None,
    version: int | None = None,
    least_qty: int | None = None,
    latest: date | None = None,
) -> dict[str, Any]:
    """A quote in planners' words, with its options and the buttons to act on it.

    When all of the quantity can ship on the wanted day: Hold and Confirm for that day. When it
    cannot: the earliest day for all, what ships on the wanted day, the split and the rush
    option, the binding constraint, and Hold/Confirm for the earliest day, Hold for the part
    that fits the wanted day, Hold for the split, and Ask operations. Without a customer no
    Hold, Confirm or Ask (they would be refused), but how to name one. Dismiss puts away a quote
    that books nothing; Cancel cancels an order.
    """
    as_of = quote.as_of
    wanted = max(quote.requested, as_of)
    who = order_who(quote.qty, quote.sku, customer)
    headline = f"*{who}* — wanted {kit.day(quote.requested, as_of)}"
    if quote.rush:
        headline += " (rush)"
    fits = quote.earliest is not None and quote.earliest <= wanted
    # Holding (and asking operations) needs a customer: without one, offer no button that
    # would only be refused, and say how to name one.
    named = bool(customer and customer.strip())
    base = kit.ButtonValue(
        sku=quote.sku,
        qty=quote.qty,
        customer=customer,
        wanted=wanted,
        as_of=as_of,
        order=order_id,
        ver=version,
        least=least_qty,
        latest=latest,
    )

    # One section per option; an option's Hold button is its accessory, so that every block
    # holds `order_hold` at most once (Slack wants action_ids unique within a block).
    answer: list[dict[str, Any]] = []
    buttons: list[dict[str, Any]] = []
    if fits:
        answer.append(
            kit.section(f":white_check_mark: Can ship all {quote.qty} on {kit.day(wanted, as_of)}")
        )
        fallback = f"{kit.plain(who)}: can ship all {quote.qty} on {kit.day(wanted, as_of)}"
        if named:
            buttons += _hold_and_confirm(quote.qty, quote.sku, customer, wanted, as_of, base)
    else:
        if quote.earliest is not None:
            answer.append(
                kit.section(f"*Earliest for all {quote.qty}:* {kit.day(quote.earliest, as_of)}")
            )
            earliest = kit.day(quote.earliest, as_of)
            fallback = f"{kit.plain(who)}: earliest for all {quote.qty} is {earliest}"
        else:
            answer.append(kit.section(f":x: All {quote.qty} cannot be promised within 365 days"))
            fallback = f"{kit.plain(who)}: cannot be promised within 365 days"
        if quote.on_requested > 0:
            partial = dataclasses.replace(base, qty=quote.on_requested, on=wanted)
            label = f"Hold {quote.on_requested} for {kit.day(wanted, as_of)}"
            answer.append(
                kit.section(
                    f"*On {kit.day(wanted, as_of)}:* {quote.on_requested} of {quote.qty} "
                    "(what stock and capacity allow)",
                    accessory=kit.button(label, HOLD, partial) if named else None,
                )
            )
            fallback += f"; {quote.on_requested} on {kit.day(wanted, as_of)}"
        else:
            answer.append(kit.section(f"*On {kit.day(wanted, as_of)}:* none"))
        if quote.split:
            split = dataclasses.replace(base, on=quote.split[-1].on, split=tuple(quote.split))
            answer.append(
                kit.section(
                    f"*Split:* {lots(quote.split, as_of)}",
                    accessory=kit.button("Hold the split", HOLD, split) if named else None,
                )
            )
            fallback += f"; split {lots(quote.split, as_of)}"
        if quote.rush_earliest is not None and (
            quote.earliest is None or quote.rush_earliest < quote.earliest
        ):
            answer.append(
                kit.section(
                    f"*With the rush reserve:* all {quote.qty} on "
                    f"{kit.day(quote.rush_earliest, as_of)} (ask operations)"
                )
            )
        if quote.earliest is not None and named:
            buttons += _hold_and_confirm(
                quote.qty, quote.sku, customer, quote.earliest, as_of, base
            )
        if named:
            ask = dataclasses.replace(base, on=wanted)
            buttons.append(kit.button("Ask operations", ASK_OPS, ask))
    if order_id:
        buttons.append(kit.button("Cancel", CANCEL, base, confirm=confirm_cancel()))
    else:  # nothing is booked: it only goes away
        buttons.append(kit.button("Dismiss", CANCEL, base))

    blocks: list[dict[str, Any]] = [kit.section(headline), *answer]
    if not fits and quote.constraint.kind != "none" and quote.constraint.text:
        blocks.append(kit.context(f":factory: {kit.escape(quote.constraint.text)}"))
    if not named:
        blocks.append(
            kit.context(
                "Name the customer to hold: "
                f"`/promise {quote.qty} {kit.escape(quote.sku)} for CUSTOMER`"
            )
        )
    footer = _footer(order_id=order_id, requester=requester, as_of=as_of)
    if footer:
        blocks.append(kit.context(footer))
    blocks.append(kit.actions(buttons, block_id="quote_actions"))
    return kit.message(fallback, blocks)


def _hold_and_confirm(
    qty: int, sku: str, customer: str | None, on: date, as_of: date, base: kit.ButtonValue
) -> list[dict[str, Any]]:
    value = dataclasses.replace(base, on=on)
    return [
        kit.button(f"Hold {qty} for {kit.day(on, as_of)}", HOLD, value, "primary"),
        kit.button(
            f"Confirm {qty} for {kit.day(on, as_of)}",
            CONFIRM,
            value,
            confirm=confirm_order(qty, sku, customer, on, as_of),
        ),
    ]


def usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    """What went wrong with a `/promise` command, and how to write one."""
    problem = str(error) if error else "Here is how to ask for a date."
    usage = (
        "Usage: `/promise QTY SKU [for CUSTOMER] [by DATE]` — dates like `2026-12-15`, "
        "`Dec 15`, `Friday`, `next Friday`, `next week`, `in 3 days`. "
        "`/promise` alone opens a form."
    )
    problem = kit.escape(problem)
    return kit.message(
        f"{problem} {usage}", [kit.section(f":warning: {problem}"), kit.context(usage)]
    )


def prefixed(text: str, shown: dict[str, Any]) -> dict[str, Any]:
    """`shown` (a quote) under a warning that says why it is shown instead of what was asked."""
    warning = kit.error_message(text)
    return kit.message(f"{warning['text']} {shown['text']}", [*warning["blocks"], *shown["blocks"]])


# --- orders -------------------------------------------------------------------------------------


def order_status_message(
    *,
    order_id: int | str,
    sku: str,
    qty: int,
    customer: str | None,
    on: date,
    status: OrderStatus,
    as_of: date,
    held_until: datetime | None = None,
    by: str | None = None,
    reason: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """Where an order stands: held (until when), confirmed, cancelled, expired, shipped, at risk.

    `held_until` should be timezone-aware: Slack then shows it in each reader's own time zone.
    """
    who = order_who(qty, sku, customer)
    shown = kit.day(on, as_of)
    # The order is named by its id; its customer stays out of the value (imported names may be
    # longer than a button's 2000 characters).
    value = kit.ButtonValue(sku=sku, qty=qty, on=on, order=order_id, ver=version)
    buttons: list[dict[str, Any]] = []
    if status == "held":
        lines = [f":lock: *Held:* {who} on {shown}"]
        if held_until is not None:
            lines.append(f"The hold expires {kit.when(held_until)}; confirm to keep it.")
        buttons = [
            kit.button(
                f"Confirm {qty} for {shown}",
                CONFIRM,
                value,
                "primary",
                confirm=confirm_order(qty, sku, customer, on, as_of),
            ),
            kit.button("Cancel", CANCEL, value, confirm=confirm_cancel()),
            kit.button("Plan", ORDER_PLAN, kit.ButtonValue(order=order_id)),
        ]
        fallback = f"Held: {kit.plain(who)} on {shown}"
    elif status == "confirmed":
        lines = [f":white_check_mark: *Confirmed:* {who}, ships {shown}"]
        buttons = [
            kit.button("Ship", SHIP, kit.ButtonValue(order=order_id, ver=version)),
            kit.button("Cancel order", CANCEL, value, "danger", confirm=confirm_cancel()),
            kit.button("Plan", ORDER_PLAN, kit.ButtonValue(order=order_id)),
        ]
        fallback = f"Confirmed: {kit.plain(who)}, ships {shown}"
    elif status == "cancelled":
        lines = [f":no_entry_sign: *Cancelled:* {who} (was {shown})"]
        fallback = f"Cancelled: {kit.plain(who)} (was {shown})"
    elif status == "expired":
        lines = [f":hourglass: *Hold expired:* {who} on {shown}; its capacity is free again"]
        fallback = f"Hold expired: {kit.plain(who)} on {shown}"
    elif status == "shipped":
        lines = [f":package: *Shipped:* {who} (promised {shown})"]
        fallback = f"Shipped: {kit.plain(who)}"
    elif status == "at_risk":
        lines = [f":warning: *At risk:* {who} promised for {shown}"]
        fallback = f"At risk: {kit.plain(who)} promised for {shown}"
    else:
        raise ValueError(f"unknown order status {status!r}")
    if reason:
        lines.append(kit.escape(reason))
        fallback += f" — {kit.escape(reason)}"
    blocks = [kit.section("\n".join(lines))]
    footer = _footer(order_id=order_id, requester=None, as_of=None, by=by)
    if footer:
        blocks.append(kit.context(footer))
    if buttons:
        # One block_id per order: a split's lots answer in one message (Slack refuses a
        # message whose blocks share a block_id).
        blocks.append(kit.actions(buttons, block_id=f"order_{order_id}_actions"))
    return kit.message(fallback, blocks)


def order_message(
    order: OrderView, as_of: date, *, by: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    """`order_status_message` for an order as the order service sees it (a quoted order, which
    holds nothing, reads as at risk); `reason` defaults to why it is at risk."""
    status = order.status if order.status in ORDER_STATUSES else "at_risk"
    return order_status_message(
        order_id=order.id,
        sku=order.sku,
        qty=order.qty,
        customer=order.customer,
        on=order.promised_on or order.requested_on,
        status=status,  # type: ignore[arg-type]
        as_of=as_of,
        held_until=order.expires_at,
        by=by,
        reason=reason or order.at_risk_reason,
        version=order.version,
    )


def orders_message(messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several orders' status messages as one (the lots of a split hold)."""
    return kit.message(
        " ".join(m["text"] for m in messages), [b for m in messages for b in m["blocks"]]
    )


def asked_message(
    channel: str, question: str, request_id: int, order_ref: str, *, posted: bool = True
) -> dict[str, Any]:
    """What the salesperson's quote becomes once operations were asked (not `posted` yet: the
    outbox has the question and Slack has not taken it yet)."""
    later = "" if posted else " Slack is slow to take it; it will be there shortly."
    return kit.info_message(
        f":speech_balloon: Asked operations in {kit.channel_link(channel)}: "
        f"*{kit.escape(question)}* (request #{request_id}, order {kit.escape(order_ref)}). "
        f"Their answer comes here by DM.{later}"
    )


# --- the promise form ---------------------------------------------------------------------------


def promise_modal(
    *,
    loading: bool = False,
    sku: str | None = None,
    sku_label: str | None = None,
    qty: int | None = None,
    customer: str | None = None,
    wanted: date | None = None,
    least_qty: int | None = None,
    latest: date | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    """The promise form (callback_id `promise_modal`), or its loading view.

    Open the loading view at once (a trigger_id expires in 3 seconds), then `views_update` it
    with the full view. Initial values prefill the form (from a message shortcut, or after an
    error). The SKU field is an external select: answer its options requests for `sku_select`.
    """
    frame: dict[str, Any] = {
        "callback_id": PROMISE_MODAL,
        "close": "Cancel",
        "private_metadata": private_metadata,
    }
    if loading:
        return kit.modal(
            "Promise a date",
            [kit.section(":hourglass_flowing_sand: Loading the factory's items…")],
            **frame,
        )

    sku_element: dict[str, Any] = {
        "type": "external_select",
        "action_id": SKU_ACTION,
        "placeholder": {"type": "plain_text", "text": "Type a SKU or name", "emoji": True},
        "min_query_length": 1,
    }
    if sku:
        sku_element["initial_option"] = kit.option(sku_label or sku, sku)
    qty_element = _number(QTY_ACTION, qty)
    qty_element["placeholder"] = {"type": "plain_text", "text": "How many", "emoji": True}
    customer_element = kit.text_input(
        CUSTOMER_ACTION,
        max_length=MAX_CUSTOMER_LENGTH,
        initial=customer,
        placeholder="Who it is for",
    )
    blocks = [
        kit.input_block(SKU_BLOCK, "Item", sku_element),
        kit.input_block(QTY_BLOCK, "Quantity", qty_element),
        kit.input_block(CUSTOMER_BLOCK, "Customer", customer_element, optional=True),
        kit.input_block(WANTED_BLOCK, "Wanted on", _datepicker(WANTED_ACTION, wanted)),
        kit.context("How flexible is the customer? This helps operations if you ask them."),
        kit.input_block(
            LEAST_QTY_BLOCK,
            "Least quantity they would accept on that day",
            _number(LEAST_QTY_ACTION, least_qty),
            optional=True,
        ),
        kit.input_block(
            LATEST_BLOCK,
            "Latest day they would accept",
            _datepicker(LATEST_ACTION, latest),
            optional=True,
        ),
    ]
    return kit.modal("Promise a date", blocks, submit="Get a quote", **frame)


def _number(action_id: str, initial: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": False,
        "min_value": "1",
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return element


def _datepicker(action_id: str, initial: date | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial.isoformat()
    return element


# --- pieces the other conversations use too -----------------------------------------------------


def order_who(qty: int, sku: str, customer: str | None) -> str:
    """`40 BRKT for Acme`, escaped for mrkdwn."""
    text = f"{qty} {kit.escape(sku)}"
    return f"{text} for {kit.escape(customer)}" if customer else text


def lots(split: Sequence[Lot], as_of: date) -> str:
    """`25 on Wed 25 Nov, 15 on Fri 4 Dec`."""
    return ", ".join(f"{lot.qty} on {kit.day(lot.on, as_of)}" for lot in split)


def confirm_order(
    qty: int, sku: str, customer: str | None, on: date, as_of: date
) -> dict[str, Any]:
    """The question a Confirm button asks first: confirming books the factory."""
    return kit.confirm_dialog(
        "Confirm the order?",
        f"Promise {order_who(qty, sku, customer)} on {kit.day(on, as_of)}. The factory books it.",
        "Confirm",
        "Not yet",
    )


def confirm_cancel() -> dict[str, Any]:
    """The question a Cancel button asks first."""
    return kit.confirm_dialog(
        "Cancel the order?",
        "Its capacity and material are released for other orders.",
        "Cancel it",
        "Keep it",
        danger=True,
    )


def _footer(
    *,
    order_id: int | str | None,
    requester: str | None,
    as_of: date | None,
    by: str | None = None,
) -> str:
    parts = []
    if order_id is not None:
        parts.append(f"Order #{order_id}")
    if requester:
        parts.append(f"asked by {kit.mention(requester)}")
    if by:
        parts.append(f"by {kit.mention(by)}")
    if as_of is not None:
        parts.append(f"planned as of {kit.day(as_of)}")
    return " · ".join(parts)
