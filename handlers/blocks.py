"""Block Kit builders: pure functions from domain values to Slack messages and views (dicts).

Each message builder returns `{"text": plain fallback, "blocks": [...]}`, ready for `say(**msg)`,
`respond(**msg)` or `chat_update(channel=..., ts=..., **msg)`; view builders return a view dict
for `views_open`/`views_update`/`views_publish`. Nothing here talks to Slack or the database.

Buttons carry their state in `value` as compact JSON (see `ButtonValue`), so a handler knows what
a click means without a lookup and can tell a stale click by the order's version.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from bot.platform.blockkit import escape
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
    format_day,
)

__all__ = [
    "ButtonValue",
    "answered_request_message",
    "capacity_request_message",
    "error_message",
    "order_status_message",
    "promise_modal",
    "quote_message",
    "usage_message",
]

# --- ids the listeners match on ---------------------------------------------------------------

HOLD = "order_hold"
CONFIRM = "order_confirm"
ASK_OPS = "order_ask_ops"
CANCEL = "order_cancel"
SHIP = "order_ship"
"""Operations record a shipment of a confirmed order (handlers.shipping opens the form)."""
OPS_APPROVE_RUSH = "ops_approve_rush"
OPS_APPROVE_OVERTIME = "ops_approve_overtime"
OPS_COUNTER = "ops_counter"
OPS_DECLINE = "ops_decline"

PROMISE_MODAL = "promise_modal"
"""callback_id of the promise modal (loading and full view alike)."""
# Its block_ids and action_ids (SKU_BLOCK/SKU_ACTION …) live in handlers.parsing, which reads it.

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
_SECTION_TEXT = 3000
_FIELD_TEXT = 2000
_BUTTON_TEXT = 75
_BUTTON_VALUE = 2000
_CONTEXT_TEXT = 2000

OrderStatus = Literal["held", "confirmed", "cancelled", "expired", "shipped", "at_risk"]
OpsAnswer = Literal["rush", "overtime", "counter", "decline"]


# --- button values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ButtonValue:
    """What a button means, carried in its `value` as compact JSON.

    `qty` of `sku` on `on` for `customer`; `wanted` is the day the customer asked for and `as_of`
    the planning date of the quote the button belongs to. `order` (an order id) and `ver` (the
    order's version when the message was drawn) let a handler refuse a stale click; `split`
    holds the lots of a split hold. `request` names a capacity request (operations' buttons).
    """

    sku: str | None = None
    qty: int | None = None
    on: date | None = None
    customer: str | None = None
    wanted: date | None = None
    as_of: date | None = None
    order: int | str | None = None
    ver: int | None = None
    split: tuple[Lot, ...] | None = None
    request: int | str | None = None
    least: int | None = None
    """The customer's flexibility: the least quantity they would accept on `wanted`."""
    latest: date | None = None
    """The customer's flexibility: the latest day they would accept."""

    def encode(self) -> str:
        data: dict[str, Any] = {}
        for key in ("order", "request", "ver", "sku", "qty", "customer", "least"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        for key in ("on", "wanted", "as_of", "latest"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value.isoformat()
        if self.split:
            data["split"] = [[lot.qty, lot.on.isoformat()] for lot in self.split]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if len(text) > _BUTTON_VALUE:
            raise ValueError(f"button value of {len(text)} characters; Slack allows 2000")
        return text

    @classmethod
    def decode(cls, value: str) -> ButtonValue:
        """Read a value written by `encode`; ValueError if it is not one."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a promisebot button value: {value[:80]!r}") from error
        if not isinstance(data, dict):
            raise ValueError(f"not a promisebot button value: {value[:80]!r}")

        def day(key: str) -> date | None:
            return date.fromisoformat(data[key]) if data.get(key) else None

        split = data.get("split")
        return cls(
            sku=data.get("sku"),
            qty=data.get("qty"),
            on=day("on"),
            customer=data.get("customer"),
            wanted=day("wanted"),
            as_of=day("as_of"),
            order=data.get("order"),
            ver=data.get("ver"),
            split=tuple(Lot(on=date.fromisoformat(d), qty=int(q)) for q, d in split)
            if split
            else None,
            request=data.get("request"),
            least=data.get("least"),
            latest=day("latest"),
        )


# --- sales --------------------------------------------------------------------------------------


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
    who = _who(quote.qty, quote.sku, customer)
    headline = f"*{who}* — wanted {_day(quote.requested, as_of)}"
    if quote.rush:
        headline += " (rush)"
    fits = quote.earliest is not None and quote.earliest <= wanted
    # Holding (and asking operations) needs a customer: without one, offer no button that
    # would only be refused, and say how to name one.
    named = bool(customer and customer.strip())
    base = ButtonValue(
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
            _section(f":white_check_mark: Can ship all {quote.qty} on {_day(wanted, as_of)}")
        )
        fallback = f"{_plain(who)}: can ship all {quote.qty} on {_day(wanted, as_of)}"
        on_wanted = _replace(base, on=wanted)
        buttons += (
            []
            if not named
            else [
                _button(f"Hold {quote.qty} for {_day(wanted, as_of)}", HOLD, on_wanted, "primary"),
                _button(
                    f"Confirm {quote.qty} for {_day(wanted, as_of)}",
                    CONFIRM,
                    on_wanted,
                    confirm=_confirm_order(quote.qty, quote.sku, customer, wanted, as_of),
                ),
            ]
        )
    else:
        if quote.earliest is not None:
            answer.append(
                _section(f"*Earliest for all {quote.qty}:* {_day(quote.earliest, as_of)}")
            )
            fallback = (
                f"{_plain(who)}: earliest for all {quote.qty} is {_day(quote.earliest, as_of)}"
            )
        else:
            answer.append(_section(f":x: All {quote.qty} cannot be promised within 365 days"))
            fallback = f"{_plain(who)}: cannot be promised within 365 days"
        if quote.on_requested > 0:
            partial = _replace(base, qty=quote.on_requested, on=wanted)
            answer.append(
                _section(
                    f"*On {_day(wanted, as_of)}:* {quote.on_requested} of {quote.qty} "
                    "(what stock and capacity allow)",
                    accessory=_button(
                        f"Hold {quote.on_requested} for {_day(wanted, as_of)}", HOLD, partial
                    )
                    if named
                    else None,
                )
            )
            fallback += f"; {quote.on_requested} on {_day(wanted, as_of)}"
        else:
            answer.append(_section(f"*On {_day(wanted, as_of)}:* none"))
        if quote.split:
            split_value = _replace(base, on=quote.split[-1].on, split=tuple(quote.split))
            answer.append(
                _section(
                    f"*Split:* {_lots(quote.split, as_of)}",
                    accessory=_button("Hold the split", HOLD, split_value) if named else None,
                )
            )
            fallback += f"; split {_lots(quote.split, as_of)}"
        if quote.rush_earliest is not None and (
            quote.earliest is None or quote.rush_earliest < quote.earliest
        ):
            answer.append(
                _section(
                    f"*With the rush reserve:* all {quote.qty} on "
                    f"{_day(quote.rush_earliest, as_of)} (ask operations)"
                )
            )
        if quote.earliest is not None and named:
            on_earliest = _replace(base, on=quote.earliest)
            label = f"Hold {quote.qty} for {_day(quote.earliest, as_of)}"
            buttons += [
                _button(label, HOLD, on_earliest, "primary"),
                _button(
                    f"Confirm {quote.qty} for {_day(quote.earliest, as_of)}",
                    CONFIRM,
                    on_earliest,
                    confirm=_confirm_order(quote.qty, quote.sku, customer, quote.earliest, as_of),
                ),
            ]
        if named:
            buttons.append(_button("Ask operations", ASK_OPS, _replace(base, on=wanted)))
    if order_id:
        buttons.append(_button("Cancel", CANCEL, base, confirm=_confirm_cancel()))
    else:  # nothing is booked: it only goes away
        buttons.append(_button("Dismiss", CANCEL, base))

    blocks: list[dict[str, Any]] = [_section(headline), *answer]
    if not fits and quote.constraint.kind != "none" and quote.constraint.text:
        blocks.append(_context(f":factory: {escape(quote.constraint.text)}"))
    if not named:
        blocks.append(
            _context(
                "Name the customer to hold: "
                f"`/promise {quote.qty} {escape(quote.sku)} for CUSTOMER`"
            )
        )
    footer = _footer(order_id=order_id, requester=requester, as_of=as_of)
    if footer:
        blocks.append(_context(footer))
    blocks.append({"type": "actions", "block_id": "quote_actions", "elements": buttons})
    return {"text": fallback, "blocks": blocks}


def usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    """What went wrong with a `/promise` command, and how to write one."""
    problem = str(error) if error else "Here is how to ask for a date."
    usage = (
        "Usage: `/promise QTY SKU [for CUSTOMER] [by DATE]` — dates like `2026-12-15`, "
        "`Dec 15`, `Friday`, `next Friday`, `next week`, `in 3 days`. "
        "`/promise` alone opens a form."
    )
    return {
        "text": f"{problem} {usage}",
        "blocks": [_section(f":warning: {escape(problem)}"), _context(usage)],
    }


def error_message(text: str) -> dict[str, Any]:
    """A short refusal or failure, said plainly (usually sent ephemeral)."""
    return {"text": text, "blocks": [_section(f":warning: {escape(text)}")]}


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
    who = _who(qty, sku, customer)
    day = _day(on, as_of)
    value = ButtonValue(sku=sku, qty=qty, on=on, customer=customer, order=order_id, ver=version)
    buttons: list[dict[str, Any]] = []
    if status == "held":
        lines = [f":lock: *Held:* {who} on {day}"]
        if held_until is not None:
            lines.append(f"The hold expires {_when(held_until)}; confirm to keep it.")
        buttons = [
            _button(
                f"Confirm {qty} for {day}",
                CONFIRM,
                value,
                "primary",
                confirm=_confirm_order(qty, sku, customer, on, as_of),
            ),
            _button("Cancel", CANCEL, value, confirm=_confirm_cancel()),
        ]
        fallback = f"Held: {_plain(who)} on {day}"
    elif status == "confirmed":
        lines = [f":white_check_mark: *Confirmed:* {who}, ships {day}"]
        buttons = [
            _button("Ship", SHIP, ButtonValue(order=order_id, ver=version)),
            _button("Cancel order", CANCEL, value, "danger", confirm=_confirm_cancel()),
        ]
        fallback = f"Confirmed: {_plain(who)}, ships {day}"
    elif status == "cancelled":
        lines = [f":no_entry_sign: *Cancelled:* {who} (was {day})"]
        fallback = f"Cancelled: {_plain(who)} (was {day})"
    elif status == "expired":
        lines = [f":hourglass: *Hold expired:* {who} on {day}; its capacity is free again"]
        fallback = f"Hold expired: {_plain(who)} on {day}"
    elif status == "shipped":
        lines = [f":package: *Shipped:* {who} (promised {day})"]
        fallback = f"Shipped: {_plain(who)}"
    elif status == "at_risk":
        lines = [f":warning: *At risk:* {who} promised for {day}"]
        fallback = f"At risk: {_plain(who)} promised for {day}"
    else:
        raise ValueError(f"unknown order status {status!r}")
    if reason:
        lines.append(escape(reason))
        fallback += f" — {reason}"
    blocks = [_section("\n".join(lines))]
    footer = _footer(order_id=order_id, requester=None, as_of=None, by=by)
    if footer:
        blocks.append(_context(footer))
    if buttons:
        blocks.append({"type": "actions", "block_id": "order_actions", "elements": buttons})
    return {"text": fallback, "blocks": blocks}


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
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": PROMISE_MODAL,
        "title": _plain_text("Promise a date"),
        "close": _plain_text("Cancel"),
    }
    if private_metadata:
        view["private_metadata"] = private_metadata
    if loading:
        view["blocks"] = [_section(":hourglass_flowing_sand: Loading the factory's items…")]
        return view

    sku_element: dict[str, Any] = {
        "type": "external_select",
        "action_id": SKU_ACTION,
        "placeholder": _plain_text("Type a SKU or name"),
        "min_query_length": 1,
    }
    if sku:
        sku_element["initial_option"] = {
            "text": _plain_text(_clip(sku_label or sku, _BUTTON_TEXT)),
            "value": sku,
        }
    qty_element: dict[str, Any] = {
        "type": "number_input",
        "action_id": QTY_ACTION,
        "is_decimal_allowed": False,
        "min_value": "1",
        "placeholder": _plain_text("How many"),
    }
    if qty is not None:
        qty_element["initial_value"] = str(qty)
    customer_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": CUSTOMER_ACTION,
        "max_length": MAX_CUSTOMER_LENGTH,
        "placeholder": _plain_text("Who it is for"),
    }
    if customer:
        customer_element["initial_value"] = customer
    wanted_element: dict[str, Any] = {"type": "datepicker", "action_id": WANTED_ACTION}
    if wanted:
        wanted_element["initial_date"] = wanted.isoformat()
    least_element: dict[str, Any] = {
        "type": "number_input",
        "action_id": LEAST_QTY_ACTION,
        "is_decimal_allowed": False,
        "min_value": "1",
    }
    if least_qty is not None:
        least_element["initial_value"] = str(least_qty)
    latest_element: dict[str, Any] = {"type": "datepicker", "action_id": LATEST_ACTION}
    if latest:
        latest_element["initial_date"] = latest.isoformat()

    view["submit"] = _plain_text("Get a quote")
    view["blocks"] = [
        _input(SKU_BLOCK, "Item", sku_element),
        _input(QTY_BLOCK, "Quantity", qty_element),
        _input(CUSTOMER_BLOCK, "Customer", customer_element, optional=True),
        _input(WANTED_BLOCK, "Wanted on", wanted_element),
        _context("How flexible is the customer? This helps operations if you ask them."),
        _input(
            LEAST_QTY_BLOCK,
            "Least quantity they would accept on that day",
            least_element,
            optional=True,
        ),
        _input(LATEST_BLOCK, "Latest day they would accept", latest_element, optional=True),
    ]
    return view


# --- operations ---------------------------------------------------------------------------------


def capacity_request_message(
    quote: Quote,
    *,
    request_id: int | str,
    customer: str | None,
    requester: str | None,
    least_qty: int | None = None,
    latest: date | None = None,
    note: str | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """A salesperson's question to operations, with everything needed to answer it.

    Phrased as a question ("Can you make …?"), never as an order: what the customer expects and
    how flexible they are, what the plan says is possible, and the bottleneck. The rush button
    appears only when the rush reserve would make the date earlier.
    """
    as_of = quote.as_of
    wanted = max(quote.requested, as_of)
    who = _who(quote.qty, quote.sku, customer)
    question = f"Can you make {who} by {_day(wanted, as_of)}?"

    flexible = []
    if least_qty is not None and least_qty < quote.qty:
        flexible.append(f"at least {least_qty} on {_day(wanted, as_of)}")
    if latest is not None and latest > wanted:
        flexible.append(f"all {quote.qty} as late as {_day(latest, as_of)}")
    plan = []
    if quote.earliest is not None:
        plan.append(f"all {quote.qty} on {_day(quote.earliest, as_of)}")
    else:
        plan.append(f"all {quote.qty}: not within 365 days")
    plan.append(f"{quote.on_requested} on {_day(wanted, as_of)}")
    if quote.split:
        plan.append(f"split {_lots(quote.split, as_of)}")
    rush_helps = quote.rush_earliest is not None and (
        quote.earliest is None or quote.rush_earliest < quote.earliest
    )
    rush = (
        f"all {quote.qty} on {_day(quote.rush_earliest, as_of)}"
        if rush_helps and quote.rush_earliest is not None
        else "would not make it sooner"
    )
    fields = [
        f"*Customer expects*\n{quote.qty} on {_day(wanted, as_of)}",
        "*Customer would accept*\n"
        + ("; ".join(flexible) if flexible else "flexibility not asked (use the form to add it)"),
        "*The plan says*\n" + "; ".join(plan),
        f"*With the rush reserve*\n{rush}",
    ]
    blocks: list[dict[str, Any]] = [
        _section(f":question: *{question}*"),
        {"type": "section", "fields": [_mrkdwn(_clip(f, _FIELD_TEXT)) for f in fields]},
    ]
    if quote.constraint.kind != "none" and quote.constraint.text:
        blocks.append(_context(f":factory: Bottleneck: {escape(quote.constraint.text)}"))
    if note:
        blocks.append(_section("> " + escape(note).replace("\n", "\n> ")))
    footer = f"Request #{request_id}"
    if requester:
        footer += f" · asked by <@{requester}>"
    blocks.append(_context(footer))

    value = ButtonValue(request=request_id, ver=version)
    buttons = []
    if rush_helps and quote.rush_earliest is not None:
        buttons.append(
            _button(
                f"Approve with rush reserve ({_day(quote.rush_earliest, as_of)})",
                OPS_APPROVE_RUSH,
                value,
                "primary",
            )
        )
    buttons += [
        _button("Approve with overtime…", OPS_APPROVE_OVERTIME, value),
        _button("Counter-offer…", OPS_COUNTER, value),
        _button("Decline…", OPS_DECLINE, value, "danger"),
    ]
    blocks.append({"type": "actions", "block_id": "request_actions", "elements": buttons})
    fallback = f"{_plain(question)} The plan says: {'; '.join(plan)}."
    return {"text": fallback, "blocks": blocks}


def answered_request_message(
    *,
    request_id: int | str,
    sku: str,
    qty: int,
    customer: str | None,
    wanted: date,
    as_of: date,
    answer: OpsAnswer,
    answered_by: str,
    promised_qty: int | None = None,
    promised_on: date | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """A capacity request once operations answered it: the question and the answer, no buttons."""
    who = _who(qty, sku, customer)
    question = f"Can you make {who} by {_day(wanted, as_of)}?"
    promised = ""
    if promised_on is not None:
        promised = (
            f"{promised_qty if promised_qty is not None else qty} on {_day(promised_on, as_of)}"
        )
    if answer == "rush":
        said = f":white_check_mark: <@{answered_by}> approved with the rush reserve"
        said += f": {promised}" if promised else ""
    elif answer == "overtime":
        said = f":white_check_mark: <@{answered_by}> approved with overtime"
        said += f": {promised}" if promised else ""
    elif answer == "counter":
        said = f":left_right_arrow: <@{answered_by}> offered {promised or 'something else'} instead"
    elif answer == "decline":
        said = f":no_entry: <@{answered_by}> declined"
    else:
        raise ValueError(f"unknown answer {answer!r}")
    if reason:
        said += f": {escape(reason)}" if answer == "decline" else f" — {escape(reason)}"
    blocks = [
        _section(f"*{question}*"),
        _section(said),
        _context(f"Request #{request_id} · answered"),
    ]
    return {"text": f"{_plain(question)} {_plain(said)}", "blocks": blocks}


# --- pieces -------------------------------------------------------------------------------------


def _day(day: date, as_of: date | None) -> str:
    return format_day(day, as_of)


def _when(moment: datetime) -> str:
    fallback = f"{_day(moment.date(), None)} {moment:%H:%M}"
    if moment.tzinfo is None:
        return fallback
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _who(qty: int, sku: str, customer: str | None) -> str:
    text = f"{qty} {escape(sku)}"
    return f"{text} for {escape(customer)}" if customer else text


def _lots(lots: Sequence[Lot], as_of: date) -> str:
    return ", ".join(f"{lot.qty} on {_day(lot.on, as_of)}" for lot in lots)


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
        parts.append(f"asked by <@{requester}>")
    if by:
        parts.append(f"by <@{by}>")
    if as_of is not None:
        parts.append(f"planned as of {_day(as_of, None)}")
    return " · ".join(parts)


def _plain(mrkdwn: str) -> str:
    return mrkdwn.replace("*", "")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str, *, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": _mrkdwn(_clip(text, _SECTION_TEXT))}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(_clip(text, _CONTEXT_TEXT))]}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain_text(label),
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def _button(
    text: str,
    action_id: str,
    value: ButtonValue,
    style: str | None = None,
    *,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain_text(_clip(text, _BUTTON_TEXT)),
        "value": value.encode(),
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _confirm_order(
    qty: int, sku: str, customer: str | None, on: date, as_of: date
) -> dict[str, Any]:
    who = f"{qty} {sku}" + (f" for {customer}" if customer else "")
    return {
        "title": _plain_text("Confirm the order?"),
        "text": _mrkdwn(
            _clip(f"Promise {escape(who)} on {_day(on, as_of)}. The factory books it.", 300)
        ),
        "confirm": _plain_text("Confirm"),
        "deny": _plain_text("Not yet"),
    }


def _confirm_cancel() -> dict[str, Any]:
    return {
        "title": _plain_text("Cancel the order?"),
        "text": _mrkdwn("Its capacity and material are released for other orders."),
        "confirm": _plain_text("Cancel it"),
        "deny": _plain_text("Keep it"),
        "style": "danger",
    }


def _replace(value: ButtonValue, **changes: Any) -> ButtonValue:
    return dataclasses.replace(value, **changes)


# --- operations' answers ------------------------------------------------------------------------

OPS_OVERTIME_MODAL = "ops_overtime_modal"
OPS_COUNTER_MODAL = "ops_counter_modal"
OPS_DECLINE_MODAL = "ops_decline_modal"
OVERTIME_BLOCK, OVERTIME_ACTION = "overtime", "overtime_lines"
COUNTER_QTY_BLOCK, COUNTER_QTY_ACTION = "counter_qty", "counter_qty_input"
COUNTER_ON_BLOCK, COUNTER_ON_ACTION = "counter_on", "counter_date"
NOTE_BLOCK, NOTE_ACTION = "note", "note_input"
REASON_BLOCK, REASON_ACTION = "reason", "reason_input"


def _answer_modal(
    callback_id: str,
    title: str,
    submit: str,
    question: str,
    blocks: list[dict[str, Any]],
    private_metadata: str,
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain_text(title),
        "submit": _plain_text(submit),
        "close": _plain_text("Back"),
        "private_metadata": private_metadata,
        "blocks": [_section(f"*{escape(question)}*"), *blocks],
    }


def overtime_modal(*, question: str, suggestion: str, private_metadata: str) -> dict[str, Any]:
    """Operations add overtime: one line per work center and day, the extra hours on that day."""
    element = {
        "type": "plain_text_input",
        "action_id": OVERTIME_ACTION,
        "multiline": True,
        "initial_value": suggestion,
        "placeholder": _plain_text("CNC Tue 24 Nov 4"),
    }
    return _answer_modal(
        OPS_OVERTIME_MODAL,
        "Approve with overtime",
        "Approve",
        question,
        [
            _input(OVERTIME_BLOCK, "Overtime hours", element),
            _context(
                "One line per work center and day: `WORK_CENTER DAY HOURS`, the hours of extra "
                "work for this order; the rush reserve is kept (e.g. `CNC 2026-11-24 4`). "
                "They are stored as calendar exceptions, then the order is quoted again and held."
            ),
        ],
        private_metadata,
    )


def counter_modal(
    *, question: str, qty: int, on: date | None, private_metadata: str
) -> dict[str, Any]:
    """Operations offer another quantity or date; the bot holds it for the salesperson."""
    qty_element: dict[str, Any] = {
        "type": "number_input",
        "action_id": COUNTER_QTY_ACTION,
        "is_decimal_allowed": False,
        "min_value": "1",
        "initial_value": str(qty),
    }
    date_element: dict[str, Any] = {"type": "datepicker", "action_id": COUNTER_ON_ACTION}
    if on is not None:
        date_element["initial_date"] = on.isoformat()
    note_element = {"type": "plain_text_input", "action_id": NOTE_ACTION, "multiline": True}
    return _answer_modal(
        OPS_COUNTER_MODAL,
        "Counter-offer",
        "Offer",
        question,
        [
            _input(COUNTER_QTY_BLOCK, "Quantity you can make", qty_element),
            _input(COUNTER_ON_BLOCK, "By", date_element),
            _input(NOTE_BLOCK, "Note for sales", note_element, optional=True),
        ],
        private_metadata,
    )


def decline_modal(*, question: str, private_metadata: str) -> dict[str, Any]:
    """Operations decline; the reason is required, sales need it to talk to the customer."""
    element = {
        "type": "plain_text_input",
        "action_id": REASON_ACTION,
        "multiline": True,
        "min_length": 3,
        "max_length": 500,
    }
    return _answer_modal(
        OPS_DECLINE_MODAL,
        "Decline",
        "Decline",
        question,
        [_input(REASON_BLOCK, "Why not? (sales will tell the customer)", element)],
        private_metadata,
    )


# --- App Home -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomeOrder:
    ref: str
    qty: int
    sku: str
    customer: str
    status: str
    on: date | None
    expires_at: datetime | None = None
    order_id: int | None = None
    version: int | None = None
    shipped: int = 0


@dataclass(frozen=True)
class HomeRequest:
    request_id: int
    question: str
    requested_by: str
    asked_at: datetime


@dataclass(frozen=True)
class HomeLoad:
    work_center: str
    reserved_hours: float
    capacity_hours: float


def home_view(
    *,
    role: str,
    as_of: date,
    quotes: Sequence[HomeOrder] = (),
    holds: Sequence[HomeOrder] = (),
    confirmed: Sequence[HomeOrder] = (),
    requests: Sequence[HomeRequest] = (),
    load: Sequence[HomeLoad] | None = None,
    to_ship: Sequence[HomeOrder] | None = None,
) -> dict[str, Any]:
    """The Home tab: a salesperson's quotes, holds (to confirm or cancel) and orders; operations'
    requests, the orders to ship (with Ship buttons) and the load."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain_text("promisebot")},
        _context(f"You are {role} · planned as of {_day(as_of, None)}"),
    ]
    sales_side = role in ("sales", "manager", "admin")
    ops_side = role in ("operations", "manager", "admin")
    if sales_side:
        blocks.append(_section("*Waiting for operations*"))
        blocks += _order_lines(quotes, as_of, "No open questions to operations.", limit=8)
        blocks.append(_section("*Holds* (they expire; confirm to keep them)"))
        blocks += _hold_lines(holds, as_of, limit=10)
        blocks.append(_section("*Confirmed orders*"))
        blocks += _order_lines(confirmed, as_of, "No confirmed orders.", limit=10)
    if ops_side:
        blocks.append({"type": "divider"})
        blocks.append(_section("*Open capacity requests*"))
        if requests:
            for request in requests[:10]:
                blocks.append(
                    _section(
                        f"#{request.request_id} {escape(request.question)}\n"
                        f"asked by <@{request.requested_by}> {_when(request.asked_at)}"
                    )
                )
        else:
            blocks.append(_context("No open requests."))
        if to_ship is not None:
            blocks.append(_section("*To ship* (confirmed orders due within 7 days, or overdue)"))
            blocks += _ship_lines(to_ship, as_of, limit=15)
        if load is not None:
            blocks.append(_section("*This week's load by work center*"))
            lines = []
            for row in load:
                share = row.reserved_hours / row.capacity_hours if row.capacity_hours else 0.0
                bar = "█" * round(min(share, 1.0) * 10) + "░" * (10 - round(min(share, 1.0) * 10))
                lines.append(
                    f"`{row.work_center:<8}` {bar} {share:.0%} "
                    f"({row.reserved_hours:.1f} of {row.capacity_hours:.1f} h)"
                )
            blocks.append(_section("\n".join(lines) if lines else "No work centers."))
    return {"type": "home", "blocks": blocks[:100]}


def _order_lines(
    orders: Sequence[HomeOrder], as_of: date, empty: str, *, limit: int
) -> list[dict[str, Any]]:
    if not orders:
        return [_context(empty)]
    lines = []
    for order in orders[:limit]:
        text = f"*{order.ref}* {_who(order.qty, order.sku, order.customer)}"
        if order.on is not None:
            text += f" · {_day(order.on, as_of)}"
        if order.status == "held" and order.expires_at is not None:
            text += f" · expires {_when(order.expires_at)}"
        lines.append(text)
    more = len(orders) - limit
    blocks = [_section("\n".join(lines))]
    if more > 0:
        blocks.append(_context(f"and {more} more"))
    return blocks


def _hold_lines(holds: Sequence[HomeOrder], as_of: date, *, limit: int) -> list[dict[str, Any]]:
    """Each hold with Confirm and Cancel (the order's version in the value: a stale click is
    refused)."""
    if not holds:
        return [_context("No holds.")]
    blocks: list[dict[str, Any]] = []
    for order in holds[:limit]:
        blocks += _order_lines([order], as_of, "", limit=1)
        if order.order_id is None:
            continue
        value = ButtonValue(order=order.order_id, ver=order.version)
        buttons = [
            _button("Confirm", CONFIRM, value, "primary"),
            _button("Cancel", CANCEL, value, confirm=_confirm_cancel()),
        ]
        if order.on is not None:
            buttons[0]["confirm"] = _confirm_order(
                order.qty, order.sku, order.customer, order.on, as_of
            )
        blocks.append({"type": "actions", "elements": buttons})
    if len(holds) > limit:
        blocks.append(_context(f"and {len(holds) - limit} more"))
    return blocks


def _ship_lines(orders: Sequence[HomeOrder], as_of: date, *, limit: int) -> list[dict[str, Any]]:
    """Orders to ship, earliest first, each with a Ship button (operations record shipments)."""
    if not orders:
        return [_context("Nothing due to ship in the next 7 days.")]
    blocks: list[dict[str, Any]] = []
    for order in orders[:limit]:
        text = f"*{escape(order.ref)}* {_who(order.qty, order.sku, order.customer)}"
        if order.on is not None:
            late = " · :warning: overdue" if order.on < as_of else ""
            text += f" · {_day(order.on, as_of)}{late}"
        if order.shipped:
            text += f" · {order.shipped} of {order.qty} shipped"
        if order.status == "at_risk":
            text += " · at risk"
        accessory = None
        if order.order_id is not None:
            accessory = _button("Ship…", SHIP, ButtonValue(order=order.order_id, ver=order.version))
        blocks.append(_section(text, accessory=accessory))
    if len(orders) > limit:
        blocks.append(_context(f"and {len(orders) - limit} more"))
    return blocks


# --- admin --------------------------------------------------------------------------------------


def roles_message(roles: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Who has which role (everyone else is sales)."""
    lines = [f"<@{user}>: {role}" for user, role in roles] or ["Nobody has a role yet."]
    text = "Roles (everyone else is sales):\n" + "\n".join(lines)
    return {"text": _plain(text), "blocks": [_section(_clip(text, _SECTION_TEXT))]}


def info_message(text: str) -> dict[str, Any]:
    """A short confirmation that something was done (the fallback text without the emoji)."""
    plain = _plain(re.sub(r"^:[a-z0-9_+-]+: ", "", text))
    return {"text": plain, "blocks": [_section(_clip(text, _SECTION_TEXT))]}
