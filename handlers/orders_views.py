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
from bot.platform.i18n import gettext as _
from bot.promising.constraints import at_risk_text, constraint_text, refusal_facts, refusal_text
from bot.promising.orders import OrderView
from capacity.model import BadQuantity, Lot, NotPromisable, Quote, UnknownSku
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
    if quote.rush:
        headline = _("*{who}* — wanted {day} (rush)", who=who, day=kit.day(quote.requested, as_of))
    else:
        headline = _("*{who}* — wanted {day}", who=who, day=kit.day(quote.requested, as_of))
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
            kit.section(
                ":white_check_mark: "
                + _("Can ship all {qty} on {day}", qty=quote.qty, day=kit.day(wanted, as_of))
            )
        )
        fallback = _(
            "{who}: can ship all {qty} on {day}",
            who=kit.plain(who),
            qty=quote.qty,
            day=kit.day(wanted, as_of),
        )
        if named:
            buttons += _hold_and_confirm(quote.qty, quote.sku, customer, wanted, as_of, base)
    else:
        if quote.earliest is not None:
            earliest = kit.day(quote.earliest, as_of)
            answer.append(
                kit.section(_("*Earliest for all {qty}:* {day}", qty=quote.qty, day=earliest))
            )
            fallback = _(
                "{who}: earliest for all {qty} is {day}",
                who=kit.plain(who),
                qty=quote.qty,
                day=earliest,
            )
        else:
            answer.append(
                kit.section(
                    ":x: " + _("All {qty} cannot be promised within 365 days", qty=quote.qty)
                )
            )
            fallback = _("{who}: cannot be promised within 365 days", who=kit.plain(who))
        parts = [fallback]
        if quote.on_requested > 0:
            partial = dataclasses.replace(base, qty=quote.on_requested, on=wanted)
            label = _("Hold {qty} for {day}", qty=quote.on_requested, day=kit.day(wanted, as_of))
            answer.append(
                kit.section(
                    _(
                        "*On {day}:* {part} of {qty} (what stock and capacity allow)",
                        day=kit.day(wanted, as_of),
                        part=quote.on_requested,
                        qty=quote.qty,
                    ),
                    accessory=kit.button(label, HOLD, partial) if named else None,
                )
            )
            parts.append(_("{qty} on {day}", qty=quote.on_requested, day=kit.day(wanted, as_of)))
        else:
            answer.append(kit.section(_("*On {day}:* none", day=kit.day(wanted, as_of))))
        if quote.split:
            split = dataclasses.replace(base, on=quote.split[-1].on, split=tuple(quote.split))
            answer.append(
                kit.section(
                    _("*Split:* {lots}", lots=lots(quote.split, as_of)),
                    accessory=kit.button(_("Hold the split"), HOLD, split) if named else None,
                )
            )
            parts.append(_("split {lots}", lots=lots(quote.split, as_of)))
        # TRANSLATORS: joins the parts of a quote's one-line summary (a notification's text).
        fallback = _("; ").join(parts)
        if quote.rush_earliest is not None and (
            quote.earliest is None or quote.rush_earliest < quote.earliest
        ):
            answer.append(
                kit.section(
                    _(
                        "*With the rush reserve:* all {qty} on {day} (ask operations)",
                        qty=quote.qty,
                        day=kit.day(quote.rush_earliest, as_of),
                    )
                )
            )
        if quote.earliest is not None and named:
            buttons += _hold_and_confirm(
                quote.qty, quote.sku, customer, quote.earliest, as_of, base
            )
        if named:
            ask = dataclasses.replace(base, on=wanted)
            buttons.append(kit.button(_("Ask operations"), ASK_OPS, ask))
    if order_id:
        buttons.append(kit.button(_("Cancel"), CANCEL, base, confirm=confirm_cancel()))
    else:  # nothing is booked: it only goes away
        buttons.append(kit.button(_("Dismiss"), CANCEL, base))

    blocks: list[dict[str, Any]] = [kit.section(headline), *answer]
    if not fits and quote.constraint.kind != "none" and quote.constraint.text:
        why = constraint_text(quote.constraint, as_of)
        blocks.append(kit.context(f":factory: {kit.escape(why)}"))
    if not named:
        blocks.append(
            kit.context(
                # TRANSLATORS: keep the command; translate only the word CUSTOMER in it.
                _(
                    "Name the customer to hold: `/promise {qty} {sku} for CUSTOMER`",
                    qty=quote.qty,
                    sku=kit.escape(quote.sku),
                )
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
        kit.button(
            _("Hold {qty} for {day}", qty=qty, day=kit.day(on, as_of)), HOLD, value, "primary"
        ),
        kit.button(
            _("Confirm {qty} for {day}", qty=qty, day=kit.day(on, as_of)),
            CONFIRM,
            value,
            confirm=confirm_order(qty, sku, customer, on, as_of),
        ),
    ]


def usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    """What went wrong with a `/promise` command, and how to write one."""
    problem = error_text(error) if isinstance(error, Exception) else error
    problem = problem or _("Here is how to ask for a date.")
    # TRANSLATORS: the command's words in your language (handlers.parsing reads them): vi
    # `cho`/`trước`, dates `thứ Sáu`, `3/12`; zh `给`/`前`, dates `周五`, `12月3日`.
    usage = _(
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
        lines = [":lock: " + _("*Held:* {who} on {day}", who=who, day=shown)]
        if held_until is not None:
            lines.append(
                _("The hold expires {when}; confirm to keep it.", when=kit.when(held_until))
            )
        buttons = [
            kit.button(
                _("Confirm {qty} for {day}", qty=qty, day=shown),
                CONFIRM,
                value,
                "primary",
                confirm=confirm_order(qty, sku, customer, on, as_of),
            ),
            kit.button(_("Cancel"), CANCEL, value, confirm=confirm_cancel()),
            kit.button(_("Plan"), ORDER_PLAN, kit.ButtonValue(order=order_id)),
        ]
        fallback = _("Held: {who} on {day}", who=kit.plain(who), day=shown)
    elif status == "confirmed":
        lines = [":white_check_mark: " + _("*Confirmed:* {who}, ships {day}", who=who, day=shown)]
        buttons = [
            kit.button(_("Ship"), SHIP, kit.ButtonValue(order=order_id, ver=version)),
            kit.button(_("Cancel order"), CANCEL, value, "danger", confirm=confirm_cancel()),
            kit.button(_("Plan"), ORDER_PLAN, kit.ButtonValue(order=order_id)),
        ]
        fallback = _("Confirmed: {who}, ships {day}", who=kit.plain(who), day=shown)
    elif status == "cancelled":
        lines = [":no_entry_sign: " + _("*Cancelled:* {who} (was {day})", who=who, day=shown)]
        fallback = _("Cancelled: {who} (was {day})", who=kit.plain(who), day=shown)
    elif status == "expired":
        lines = [
            ":hourglass: "
            + _(
                "*Hold expired:* {who} on {day}; its capacity is free again",
                who=who,
                day=shown,
            )
        ]
        fallback = _("Hold expired: {who} on {day}", who=kit.plain(who), day=shown)
    elif status == "shipped":
        lines = [":package: " + _("*Shipped:* {who} (promised {day})", who=who, day=shown)]
        fallback = _("Shipped: {who}", who=kit.plain(who))
    elif status == "at_risk":
        lines = [":warning: " + _("*At risk:* {who} promised for {day}", who=who, day=shown)]
        fallback = _("At risk: {who} promised for {day}", who=kit.plain(who), day=shown)
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
        reason=reason or at_risk_text(order.at_risk_reason, order.at_risk_facts, as_of),
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
    fields = {
        "channel": kit.channel_link(channel),
        "question": kit.escape(question),
        "id": request_id,
        "ref": kit.escape(order_ref),
    }
    if posted:
        text = _(
            "Asked operations in {channel}: *{question}* (request #{id}, order {ref}). "
            "Their answer comes here by DM.",
            **fields,
        )
    else:
        text = _(
            "Asked operations in {channel}: *{question}* (request #{id}, order {ref}). "
            "Their answer comes here by DM. Slack is slow to take it; it will be there shortly.",
            **fields,
        )
    return kit.info_message(f":speech_balloon: {text}")


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
        "close": _("Cancel"),
        "private_metadata": private_metadata,
    }
    if loading:
        return kit.modal(
            _("Promise a date"),
            [kit.section(":hourglass_flowing_sand: " + _("Loading the factory's items…"))],
            **frame,
        )

    sku_element: dict[str, Any] = {
        "type": "external_select",
        "action_id": SKU_ACTION,
        "placeholder": {"type": "plain_text", "text": _("Type a SKU or name"), "emoji": True},
        "min_query_length": 1,
    }
    if sku:
        sku_element["initial_option"] = kit.option(sku_label or sku, sku)
    qty_element = _number(QTY_ACTION, qty)
    qty_element["placeholder"] = {"type": "plain_text", "text": _("How many"), "emoji": True}
    customer_element = kit.text_input(
        CUSTOMER_ACTION,
        max_length=MAX_CUSTOMER_LENGTH,
        initial=customer,
        placeholder=_("Who it is for"),
    )
    blocks = [
        kit.input_block(SKU_BLOCK, _("Item"), sku_element),
        kit.input_block(QTY_BLOCK, _("Quantity"), qty_element),
        kit.input_block(CUSTOMER_BLOCK, _("Customer"), customer_element, optional=True),
        kit.input_block(WANTED_BLOCK, _("Wanted on"), _datepicker(WANTED_ACTION, wanted)),
        kit.context(_("How flexible is the customer? This helps operations if you ask them.")),
        kit.input_block(
            LEAST_QTY_BLOCK,
            _("Least quantity they would accept on that day"),
            _number(LEAST_QTY_ACTION, least_qty),
            optional=True,
        ),
        kit.input_block(
            LATEST_BLOCK,
            _("Latest day they would accept"),
            _datepicker(LATEST_ACTION, latest),
            optional=True,
        ),
    ]
    return kit.modal(_("Promise a date"), blocks, submit=_("Get a quote"), **frame)


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
    if customer:
        # TRANSLATORS: an order: its quantity, its SKU and its customer ("40 BRKT for Acme").
        return _(
            "{qty} {sku} for {customer}",
            qty=qty,
            sku=kit.escape(sku),
            customer=kit.escape(customer),
        )
    return f"{qty} {kit.escape(sku)}"


def lots(split: Sequence[Lot], as_of: date) -> str:
    """`25 on Wed 25 Nov, 15 on Fri 4 Dec`."""
    # TRANSLATORS: joins the lots of a split ("25 on Wed 25 Nov, 15 on Fri 4 Dec").
    return _(", ").join(
        _("{qty} on {day}", qty=lot.qty, day=kit.day(lot.on, as_of)) for lot in split
    )


def confirm_order(
    qty: int, sku: str, customer: str | None, on: date, as_of: date
) -> dict[str, Any]:
    """The question a Confirm button asks first: confirming books the factory."""
    return kit.confirm_dialog(
        _("Confirm the order?"),
        _(
            "Promise {who} on {day}. The factory books it.",
            who=order_who(qty, sku, customer),
            day=kit.day(on, as_of),
        ),
        _("Confirm"),
        _("Not yet"),
    )


def confirm_cancel() -> dict[str, Any]:
    """The question a Cancel button asks first."""
    return kit.confirm_dialog(
        _("Cancel the order?"),
        _("Its capacity and material are released for other orders."),
        _("Cancel it"),
        _("Keep it"),
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
        parts.append(_("Order #{id}", id=order_id))
    if requester:
        parts.append(_("asked by {person}", person=kit.mention(requester)))
    if by:
        parts.append(_("by {person}", person=kit.mention(by)))
    if as_of is not None:
        parts.append(_("planned as of {day}", day=kit.day(as_of)))
    return " · ".join(parts)


# --- the engine's refusals, in the reader's words ----------------------------------------------


def error_text(error: Exception | str) -> str:
    """What went wrong, for the person acting, in their language.

    capacity/ writes its refusals (UnknownSku, BadQuantity, NotPromisable) in English for the CLI;
    here they are written again from what they carry. Other errors say `str(error)`: the ones
    raised in bot/ and handlers/ are built translated.
    """
    if isinstance(error, str):
        return error
    if isinstance(error, UnknownSku):
        if error.suggestions:
            return _(
                "There is no item {sku}. Did you mean {suggestions}?",
                sku=repr(error.sku),
                suggestions=", ".join(error.suggestions),
            )
        return _("There is no item {sku}.", sku=repr(error.sku))
    if isinstance(error, BadQuantity):
        return _(
            "The quantity must be a whole number of at least 1, not {qty}.", qty=repr(error.qty)
        )
    if isinstance(error, NotPromisable):
        return _refusal_text(error)
    return str(error)


def _refusal_text(error: NotPromisable) -> str:
    said = refusal_text(refusal_facts(error), error.quote.as_of)
    return str(error) if said is None else said
