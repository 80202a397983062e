"""Block Kit of changes to the factory and of answering moved orders (handlers/changes.py).

Pure functions from values to Slack payloads: the preview of a change with its Apply button,
what a change did, the "Report a change" form, the answers to a moved order's buttons, and the
Home tab's section of moved orders.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.platform.blockkit import button, escape
from bot.promising.orders import OrderView
from bot.promising.replan import MOVE_ACTIONS, Replan
from capacity.changes import CapacityChange, Change, CountChange, ReceiptChange
from capacity.engine import format_day
from handlers.changes_parsing import (
    FIRST_ACTION,
    FIRST_BLOCK,
    HOURS_ACTION,
    HOURS_BLOCK,
    KIND_ACTION,
    KIND_BLOCK,
    KINDS,
    LAST_ACTION,
    LAST_BLOCK,
    REASON_ACTION,
    REASON_BLOCK,
    WC_ACTION,
    WC_BLOCK,
    LiftDowntime,
)

APPLY = "change_apply"
DISMISS = "change_dismiss"
OPEN_FORM = "change_open_form"
FORM = "change_form"
ACCEPT, ASK_OPS, SPLIT, CANCEL = MOVE_ACTIONS

_TEXT = 2900
_HOME_MOVED = 10


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_TEXT]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_TEXT]}]}


# ---------------------------------------------------------------------- a change as a value


def encode(change: Change | LiftDowntime) -> str:
    """The change as a button's value (JSON; a lifted downtime is looked up again on Apply)."""
    if isinstance(change, LiftDowntime):
        data: dict[str, Any] = {"k": "back", "wc": change.work_center}
    elif isinstance(change, CapacityChange) and change.lifts is not None:
        data = {"k": "back", "wc": change.work_center}
    elif isinstance(change, CapacityChange):
        data = {
            "k": "capacity",
            "wc": change.work_center,
            "from": change.first.isoformat(),
            "to": change.last.isoformat(),
            "h": change.hours,
            "x": change.extra,
            "r": change.reason[:500],
        }
    elif isinstance(change, ReceiptChange):
        data = {
            "k": "receipt",
            "sku": change.sku,
            "ref": change.ref,
            "on": change.on.isoformat() if change.on else None,
            "q": change.qty,
        }
    else:
        data = {"k": "count", "sku": change.sku, "q": change.on_hand}
    return json.dumps(data, separators=(",", ":"))


def decode(value: str) -> Change | LiftDowntime:
    data = json.loads(value)
    kind = data["k"]
    if kind == "back":
        return LiftDowntime(data["wc"])
    if kind == "capacity":
        return CapacityChange(
            data["wc"],
            date.fromisoformat(data["from"]),
            date.fromisoformat(data["to"]),
            data["h"],
            data["r"],
            extra=data["x"],
        )
    if kind == "receipt":
        on = date.fromisoformat(data["on"]) if data["on"] else None
        return ReceiptChange(data["sku"], data["ref"], on=on, qty=data["q"])
    return CountChange(data["sku"], data["q"])


# ---------------------------------------------------------------------- preview and result


def _lines(result: Replan, as_of: date) -> list[str]:
    lines = []
    for m in result.moved:
        lines.append(
            f"• {m.ref} {m.qty} {escape(m.sku)} for {escape(m.customer)}: "
            f"{format_day(m.from_on, as_of)} → {format_day(m.to_on, as_of)}"
        )
    for r in result.at_risk:
        lines.append(f"• {r.ref} {r.qty} {escape(r.sku)} for {escape(r.customer)}: at risk")
    if result.kept:
        lines.append(f"• keep their date with new hours: {', '.join(result.kept)}")
    return lines


def _count(result: Replan) -> str:
    moving = len(result.moved) + len(result.at_risk)
    if not moving:
        return "no promise has to move"
    return f"{moving} promise{'s move' if moving != 1 else ' moves'}"


def preview_text(result: Replan, as_of: date) -> str:
    """`CNC is down …: this will move 3 promises: …` (the change not applied yet)."""
    head = f"*{escape(result.change or 'This change')}*: "
    moving = len(result.moved) + len(result.at_risk)
    if moving:
        head += f"this will move {moving} promise{'s' * (moving != 1)}:"
    elif result.kept:
        head += "no promise has to move."
    else:
        head += "no promise is affected."
    return "\n".join([head, *_lines(result, as_of)])


def preview_message(result: Replan, change: Change | LiftDowntime, as_of: date) -> dict[str, Any]:
    """The preview of a change, with Apply and Cancel."""
    text = preview_text(result, as_of)
    value = encode(change)
    return {
        "text": text.replace("*", ""),
        "blocks": [
            _section(text),
            {
                "type": "actions",
                "block_id": "change_preview",
                "elements": [
                    button("Apply", APPLY, value, "primary"),
                    button("Cancel", DISMISS, "dismiss"),
                ],
            },
            _context("Nothing is changed until you press Apply; the owners are told then."),
        ],
    }


def applied_message(result: Replan, as_of: date) -> dict[str, Any]:
    """What an applied change did."""
    head = (
        f":white_check_mark: Applied: *{escape(result.change or 'the change')}*; {_count(result)}"
    )
    if result.moved or result.at_risk:
        head += ". Their owners are told, operations get the summary."
    else:
        head += "."
    text = "\n".join([head, *_lines(result, as_of)])
    return {"text": text.replace("*", ""), "blocks": [_section(text)]}


def dismissed_message() -> dict[str, Any]:
    text = "Cancelled: nothing was changed."
    return {"text": text, "blocks": [_section(text)]}


# ---------------------------------------------------------------------- the form


def change_form(
    *,
    change: CapacityChange | None = None,
    preview: Replan | None = None,
    as_of: date | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    """ "Report a change": work center (typeahead), days, hours or closed, reason. Submitted once
    it shows what would move; submitted again (unchanged) it applies."""
    options = [
        {"text": {"type": "plain_text", "text": text}, "value": value} for value, text in KINDS
    ]
    kind = 0
    if change is not None:
        kind = 2 if change.extra else 0 if change.hours == 0 else 1
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": WC_BLOCK,
            "label": {"type": "plain_text", "text": "Work center"},
            "element": {
                "type": "external_select",
                "action_id": WC_ACTION,
                "min_query_length": 0,
                "placeholder": {"type": "plain_text", "text": "CNC, PAINT …"},
            },
        },
        {
            "type": "input",
            "block_id": FIRST_BLOCK,
            "label": {"type": "plain_text", "text": "From"},
            "element": {"type": "datepicker", "action_id": FIRST_ACTION},
        },
        {
            "type": "input",
            "block_id": LAST_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "To (the same day if empty)"},
            "element": {"type": "datepicker", "action_id": LAST_ACTION},
        },
        {
            "type": "input",
            "block_id": KIND_BLOCK,
            "label": {"type": "plain_text", "text": "What changes"},
            "element": {
                "type": "static_select",
                "action_id": KIND_ACTION,
                "options": options,
                "initial_option": options[kind],
            },
        },
        {
            "type": "input",
            "block_id": HOURS_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Hours (not needed when closed)"},
            "element": {
                "type": "number_input",
                "action_id": HOURS_ACTION,
                "is_decimal_allowed": True,
                "min_value": "0",
            },
        },
        {
            "type": "input",
            "block_id": REASON_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Reason (owners of moved orders see it)"},
            "element": {"type": "plain_text_input", "action_id": REASON_ACTION},
        },
    ]
    if change is not None:
        _initial(blocks, WC_BLOCK, "initial_option", _option(change.work_center))
        _initial(blocks, FIRST_BLOCK, "initial_date", change.first.isoformat())
        _initial(blocks, LAST_BLOCK, "initial_date", change.last.isoformat())
        if change.hours:
            _initial(blocks, HOURS_BLOCK, "initial_value", f"{change.hours:g}")
        if change.reason:
            _initial(blocks, REASON_BLOCK, "initial_value", change.reason)
    submit = "Preview"
    if preview is not None and as_of is not None:
        blocks.append(_section(preview_text(preview, as_of)))
        blocks.append(_context("Submit again to apply it; change a field to preview again."))
        submit = "Apply"
    return {
        "type": "modal",
        "callback_id": FORM,
        "title": {"type": "plain_text", "text": "Report a change"},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": private_metadata,
        "blocks": blocks,
    }


def _option(code: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": code}, "value": code}


def _initial(blocks: list[dict[str, Any]], block_id: str, key: str, value: Any) -> None:
    for block in blocks:
        if block.get("block_id") == block_id:
            block["element"][key] = value


def work_center_options(centers: Sequence[tuple[str, str]], typed: str) -> dict[str, Any]:
    """The typeahead's options: work centers whose code or name holds what was typed."""
    wanted = typed.strip().lower()
    found = [
        {"text": {"type": "plain_text", "text": f"{code} — {name}"[:75]}, "value": code}
        for code, name in centers
        if wanted in code.lower() or wanted in name.lower()
    ]
    return {"options": found[:100]}


# ---------------------------------------------------------------------- answering a move


def _order(order: OrderView, as_of: date) -> str:
    return f"{order.ref} ({order.qty} {escape(order.sku)} for {escape(order.customer)})"


def accepted_message(order: OrderView, as_of: date) -> dict[str, Any]:
    assert order.promised_on is not None
    text = (
        f":white_check_mark: Accepted: {_order(order, as_of)} is now promised for "
        f"{format_day(order.promised_on, as_of)}."
    )
    note = (
        f"Hello {order.customer}, your order of {order.qty} {order.sku} ({order.ref}) will ship "
        f"{format_day(order.promised_on, as_of)}. We are sorry for the change."
    )
    return {
        "text": text,
        "blocks": [_section(text), _context(f"For the customer:\n>{escape(note)}")],
    }


def split_message(first: OrderView, rest: OrderView, as_of: date) -> dict[str, Any]:
    assert first.promised_on is not None and rest.promised_on is not None
    text = (
        f":scissors: Split: {_order(first, as_of)} keeps {format_day(first.promised_on, as_of)}; "
        f"the other {rest.qty} are order {rest.ref} for {format_day(rest.promised_on, as_of)}."
    )
    note = (
        f"Hello {first.customer}, we will ship {first.qty} {first.sku} on "
        f"{format_day(first.promised_on, as_of)} as promised and the other {rest.qty} on "
        f"{format_day(rest.promised_on, as_of)}."
    )
    return {
        "text": text,
        "blocks": [_section(text), _context(f"For the customer:\n>{escape(note)}")],
    }


def cancelled_message(order: OrderView, as_of: date) -> dict[str, Any]:
    text = f":x: Cancelled: {_order(order, as_of)}; what it held went back to the plan."
    return {"text": text, "blocks": [_section(text)]}


def asked_message(question: str, channel: str, order: OrderView, as_of: date) -> dict[str, Any]:
    assert order.moved_to is not None
    text = (
        f":speech_balloon: Asked operations in <#{channel}>: *{escape(question)}* Meanwhile "
        f"{order.ref} keeps its place on {format_day(order.moved_to, as_of)}; their answer "
        "comes here by DM."
    )
    return {"text": text.replace("*", ""), "blocks": [_section(text)]}


def current_state(order: OrderView, as_of: date) -> str:
    """How an order stands now, for a button pressed on an older message."""
    when = f" for {format_day(order.promised_on, as_of)}" if order.promised_on else ""
    state = f"it is now {order.status}{when}"
    if order.moved_from and order.moved_to:
        state = (
            f"it is now {order.status}, moved from {format_day(order.moved_from, as_of)} to "
            f"{format_day(order.moved_to, as_of)} (answer the newer message or your Home tab)"
        )
    return f"Order {order.ref} changed since this message was posted: {state}. Nothing was done."


def stale_message(order: OrderView, as_of: date) -> dict[str, Any]:
    text = f":information_source: {current_state(order, as_of)}"
    return {"text": text, "blocks": [_section(escape(text))]}


# ---------------------------------------------------------------------- Home tab


def home_blocks(
    *, role: str, moved: Sequence[OrderView], user: str, as_of: date
) -> list[dict[str, Any]]:
    """The Home tab's moved orders (until answered), and for operations the Report button."""
    blocks: list[dict[str, Any]] = []
    if moved:
        mine = role not in ("operations", "manager", "admin")
        title = (
            "Moved promises waiting for your answer" if mine else "Moved promises, not yet answered"
        )
        blocks += [{"type": "divider"}, _section(f"*{title}* ({len(moved)})")]
        for order in moved[:_HOME_MOVED]:
            assert order.moved_from is not None and order.moved_to is not None
            owner = f" — <@{order.owner}>" if order.owner and not mine else ""
            line = (
                f"{_order(order, as_of)}: {format_day(order.moved_from, as_of)} → "
                f"{format_day(order.moved_to, as_of)}{owner}"
            )
            blocks.append(_section(line))
            if order.owner == user:
                value = f"{order.id}:{order.version}"
                blocks.append(
                    {
                        "type": "actions",
                        "block_id": f"home_move:{order.ref}",
                        "elements": [
                            button("Accept new date", ACCEPT, value, "primary"),
                            button("Ask operations", ASK_OPS, value),
                            button("Cancel", CANCEL, value, "danger"),
                        ],
                    }
                )
        if len(moved) > _HOME_MOVED:
            blocks.append(_context(f"… and {len(moved) - _HOME_MOVED} more."))
    if role in ("operations", "admin"):
        blocks += [
            {"type": "divider"},
            {
                "type": "actions",
                "block_id": "home_report_change",
                "elements": [button("Report a change", OPEN_FORM, "open")],
            },
        ]
    return blocks
