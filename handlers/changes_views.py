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

from bot.platform import i18n
from bot.platform.blockkit import button, day, escape
from bot.platform.i18n import N_, ngettext
from bot.platform.i18n import gettext as _
from bot.promising.orders import OrderView
from bot.promising.replan import MOVE_ACTIONS, Replan, change_words
from capacity.changes import BadChange, CapacityChange, Change, CountChange, ReceiptChange
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


# ---------------------------------------------------------------------- what is wrong with it


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def bad_change_text(error: BadChange) -> str:
    """What is wrong with a change, in the reader's language (its English: `str(error)`)."""
    f = {key: _iso(value) for key, value in error.facts.items() if not isinstance(value, tuple)}
    kind, which = error.kind, error.facts.get("which")
    if kind == "before_planning_date":
        if which == "first":
            return _(
                "the first day {day} is before the planning date {as_of}; only today and later "
                "can change",
                **f,
            )
        if which == "last":
            return _(
                "the last day {day} is before the planning date {as_of}; only today and later "
                "can change",
                **f,
            )
        return _(
            "the new date {day} is before the planning date {as_of}; only today and later "
            "can change",
            **f,
        )
    if kind == "beyond_horizon":
        if which == "first":
            return _(
                "the first day {day} is beyond the {horizon_days}-day planning horizon (it ends "
                "{end})",
                **f,
            )
        if which == "last":
            return _(
                "the last day {day} is beyond the {horizon_days}-day planning horizon (it ends "
                "{end})",
                **f,
            )
        return _(
            "the new date {day} is beyond the {horizon_days}-day planning horizon (it ends {end})",
            **f,
        )
    if kind == "no_work_center":
        codes = error.facts["codes"]
        if not codes:
            return _(
                "there is no work center {code}; there are no work centers", code=repr(f["code"])
            )
        return _(
            "there is no work center {code}; the work centers are {codes}",
            code=repr(f["code"]),
            codes=", ".join(codes),
        )
    if kind == "last_before_first":
        return _("the last day {last} is before the first day {first}", **f)
    if kind == "negative_hours":
        return _("hours must be 0 or more, not {hours}", hours=format(error.facts["hours"], "g"))
    if kind == "no_item":
        return _("there is no item {sku}", sku=repr(f["sku"]))
    if kind == "negative_count":
        return _("a count must be 0 or more, not {n}", n=format(error.facts["on_hand"], "g"))
    if kind == "no_receipt":
        refs = error.facts["refs"]
        if refs:
            return _(
                "{sku} has no receipt {ref}; its receipts are {refs}",
                sku=f["sku"],
                ref=repr(f["ref"]),
                refs=", ".join(refs),
            )
        return _(
            "{sku} has no receipt {ref}; it has no named receipts", sku=f["sku"], ref=repr(f["ref"])
        )
    if kind == "duplicate_receipt":
        return _(
            "{sku} has {count} receipts named {ref}; give each its own ref in receipts.csv",
            sku=f["sku"],
            count=f["count"],
            ref=repr(f["ref"]),
        )
    if kind == "date_or_qty":
        return _("say either the receipt's new date or its new quantity")
    if kind == "negative_receipt_qty":
        return _(
            "a receipt's quantity must be 0 (cancelled) or more, not {qty}",
            qty=format(error.facts["qty"], "g"),
        )
    return str(error)


# ---------------------------------------------------------------------- preview and result


def _lines(result: Replan, as_of: date) -> list[str]:
    lines = []
    for m in result.moved:
        line = _(
            "{ref} {qty} {sku} for {customer}: {old} → {new}",
            ref=m.ref,
            qty=m.qty,
            sku=escape(m.sku),
            customer=escape(m.customer),
            old=day(m.from_on, as_of),
            new=day(m.to_on, as_of),
        )
        lines.append(f"• {line}")
    for r in result.at_risk:
        line = _(
            "{ref} {qty} {sku} for {customer}: at risk",
            ref=r.ref,
            qty=r.qty,
            sku=escape(r.sku),
            customer=escape(r.customer),
        )
        lines.append(f"• {line}")
    if result.kept:
        lines.append(
            "• " + _("keep their date with new hours: {refs}", refs=", ".join(result.kept))
        )
    return lines


def preview_text(result: Replan, as_of: date) -> str:
    """`CNC is down …: this will move 3 promises: …` (the change not applied yet)."""
    # TRANSLATORS: a stand-in for the change's own words when it has none.
    change = escape(change_words(result.change) or _("This change"))
    moving = len(result.moved) + len(result.at_risk)
    if moving:
        head = ngettext(
            "*{change}*: this will move {n} promise:",
            "*{change}*: this will move {n} promises:",
            moving,
            change=change,
            n=moving,
        )
    elif result.kept:
        head = _("*{change}*: no promise has to move.", change=change)
    else:
        head = _("*{change}*: no promise is affected.", change=change)
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
                    button(_("Apply"), APPLY, value, "primary"),
                    button(_("Cancel"), DISMISS, "dismiss"),
                ],
            },
            _context(_("Nothing is changed until you press Apply; the owners are told then.")),
        ],
    }


def applied_message(result: Replan, as_of: date) -> dict[str, Any]:
    """What an applied change did."""
    # TRANSLATORS: a stand-in for the change's own words when it has none.
    change = escape(change_words(result.change) or _("the change"))
    moving = len(result.moved) + len(result.at_risk)
    if moving:
        head = ngettext(
            "Applied: *{change}*; {n} promise moves. Their owners are told, operations get the "
            "summary.",
            "Applied: *{change}*; {n} promises move. Their owners are told, operations get the "
            "summary.",
            moving,
            change=change,
            n=moving,
        )
    else:
        head = _("Applied: *{change}*; no promise has to move.", change=change)
    text = "\n".join([":white_check_mark: " + head, *_lines(result, as_of)])
    return {"text": text.replace("*", ""), "blocks": [_section(text)]}


def dismissed_message() -> dict[str, Any]:
    text = _("Cancelled: nothing was changed.")
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
        {"text": {"type": "plain_text", "text": i18n.gettext(text)}, "value": value}
        for value, text in KINDS
    ]
    kind = 0
    if change is not None:
        kind = 2 if change.extra else 0 if change.hours == 0 else 1
    blocks: list[dict[str, Any]] = [
        {
            "type": "input",
            "block_id": WC_BLOCK,
            "label": {"type": "plain_text", "text": _("Work center")},
            "element": {
                "type": "external_select",
                "action_id": WC_ACTION,
                "min_query_length": 0,
                "placeholder": {"type": "plain_text", "text": _("CNC, PAINT …")},
            },
        },
        {
            "type": "input",
            "block_id": FIRST_BLOCK,
            "label": {"type": "plain_text", "text": _("From")},
            "element": {"type": "datepicker", "action_id": FIRST_ACTION},
        },
        {
            "type": "input",
            "block_id": LAST_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": _("To (the same day if empty)")},
            "element": {"type": "datepicker", "action_id": LAST_ACTION},
        },
        {
            "type": "input",
            "block_id": KIND_BLOCK,
            "label": {"type": "plain_text", "text": _("What changes")},
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
            "label": {"type": "plain_text", "text": _("Hours (not needed when closed)")},
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
            "label": {"type": "plain_text", "text": _("Reason (owners of moved orders see it)")},
            "element": {"type": "plain_text_input", "action_id": REASON_ACTION},
        },
    ]
    if change is not None:
        _initial(blocks, WC_BLOCK, "initial_option", _option(change.work_center))
        _initial(blocks, FIRST_BLOCK, "initial_date", change.first.isoformat())
        _initial(blocks, LAST_BLOCK, "initial_date", change.last.isoformat())
        if change.hours:
            _initial(blocks, HOURS_BLOCK, "initial_value", format(change.hours, "g"))
        if change.reason:
            _initial(blocks, REASON_BLOCK, "initial_value", change.reason)
    submit = _("Preview")
    if preview is not None and as_of is not None:
        blocks.append(_section(preview_text(preview, as_of)))
        blocks.append(_context(_("Submit again to apply it; change a field to preview again.")))
        submit = _("Apply")
    return {
        "type": "modal",
        "callback_id": FORM,
        "title": {"type": "plain_text", "text": _("Report a change")},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": _("Cancel")},
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
    # TRANSLATORS: an order named by its ref, quantity, item and customer: PO-1 (40 BRKT for Acme).
    return _(
        "{ref} ({qty} {sku} for {customer})",
        ref=order.ref,
        qty=order.qty,
        sku=escape(order.sku),
        customer=escape(order.customer),
    )


def _for_customer(note: str) -> dict[str, Any]:
    return _context(_("For the customer:\n>{note}", note=escape(note)))


def accepted_message(order: OrderView, as_of: date) -> dict[str, Any]:
    assert order.promised_on is not None
    text = ":white_check_mark: " + _(
        "Accepted: {order} is now promised for {day}.",
        order=_order(order, as_of),
        day=day(order.promised_on, as_of),
    )
    note = _(
        "Hello {customer}, your order of {qty} {sku} ({ref}) will ship {day}. We are sorry for "
        "the change.",
        customer=order.customer,
        qty=order.qty,
        sku=order.sku,
        ref=order.ref,
        day=day(order.promised_on, as_of),
    )
    return {"text": text, "blocks": [_section(text), _for_customer(note)]}


def split_message(first: OrderView, rest: OrderView, as_of: date) -> dict[str, Any]:
    assert first.promised_on is not None and rest.promised_on is not None
    text = ":scissors: " + _(
        "Split: {order} keeps {day}; the other {rest_qty} are order {rest_ref} for {rest_day}.",
        order=_order(first, as_of),
        day=day(first.promised_on, as_of),
        rest_qty=rest.qty,
        rest_ref=rest.ref,
        rest_day=day(rest.promised_on, as_of),
    )
    note = _(
        "Hello {customer}, we will ship {qty} {sku} on {day} as promised and the other "
        "{rest_qty} on {rest_day}.",
        customer=first.customer,
        qty=first.qty,
        sku=first.sku,
        day=day(first.promised_on, as_of),
        rest_qty=rest.qty,
        rest_day=day(rest.promised_on, as_of),
    )
    return {"text": text, "blocks": [_section(text), _for_customer(note)]}


def cancelled_message(order: OrderView, as_of: date) -> dict[str, Any]:
    text = ":x: " + _(
        "Cancelled: {order}; what it held went back to the plan.", order=_order(order, as_of)
    )
    return {"text": text, "blocks": [_section(text)]}


def asked_message(question: str, channel: str, order: OrderView, as_of: date) -> dict[str, Any]:
    assert order.moved_to is not None
    text = ":speech_balloon: " + _(
        "Asked operations in <#{channel}>: *{question}* Meanwhile {ref} keeps its place on "
        "{day}; their answer comes here by DM.",
        channel=channel,
        question=escape(question),
        ref=order.ref,
        day=day(order.moved_to, as_of),
    )
    return {"text": text.replace("*", ""), "blocks": [_section(text)]}


_STATUS = {
    "quoted": N_("quoted"),
    "held": N_("held"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "at_risk": N_("at risk"),
    "expired": N_("expired"),
    "shipped": N_("shipped"),
}


def _status(status: str) -> str:
    return i18n.gettext(_STATUS[status]) if status in _STATUS else status


def current_state(order: OrderView, as_of: date) -> str:
    """How an order stands now, for a button pressed on an older message."""
    # TRANSLATORS: {status} is the order's state: held, confirmed, cancelled …
    fields = {"ref": order.ref, "status": _status(order.status)}
    if order.moved_from and order.moved_to:
        return _(
            "Order {ref} changed since this message was posted: it is now {status}, moved from "
            "{old} to {new} (answer the newer message or your Home tab). Nothing was done.",
            old=day(order.moved_from, as_of),
            new=day(order.moved_to, as_of),
            **fields,
        )
    if order.promised_on:
        return _(
            "Order {ref} changed since this message was posted: it is now {status} for {day}. "
            "Nothing was done.",
            day=day(order.promised_on, as_of),
            **fields,
        )
    return _(
        "Order {ref} changed since this message was posted: it is now {status}. Nothing was done.",
        **fields,
    )


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
        if mine:
            title = _("*Moved promises waiting for your answer* ({n})", n=len(moved))
        else:
            title = _("*Moved promises, not yet answered* ({n})", n=len(moved))
        blocks += [{"type": "divider"}, _section(title)]
        for order in moved[:_HOME_MOVED]:
            assert order.moved_from is not None and order.moved_to is not None
            owner = f" — <@{order.owner}>" if order.owner and not mine else ""
            line = _(
                "{order}: {old} → {new}",
                order=_order(order, as_of),
                old=day(order.moved_from, as_of),
                new=day(order.moved_to, as_of),
            )
            line += owner
            blocks.append(_section(line))
            if order.owner == user:
                value = f"{order.id}:{order.version}"
                blocks.append(
                    {
                        "type": "actions",
                        "block_id": f"home_move:{order.ref}",
                        "elements": [
                            button(_("Accept new date"), ACCEPT, value, "primary"),
                            button(_("Ask operations"), ASK_OPS, value),
                            button(_("Cancel"), CANCEL, value, "danger"),
                        ],
                    }
                )
        if len(moved) > _HOME_MOVED:
            left = len(moved) - _HOME_MOVED
            blocks.append(_context(_("… and {n} more.", n=left)))
    if role in ("operations", "admin"):
        blocks += [
            {"type": "divider"},
            {
                "type": "actions",
                "block_id": "home_report_change",
                "elements": [button(_("Report a change"), OPEN_FORM, "open")],
            },
        ]
    return blocks
