"""Block Kit for the collaboration conversations: leads, summits and shipments.

Pure functions from the services' views to `{"text": fallback, "blocks": [...]}` messages and
modal views, like handlers.blocks. The reminders themselves (a lead follow-up DM, a summit
reminder) are drawn by bot.collaboration.leads and bot.collaboration.summits, because the
scheduled jobs post them; the ids their buttons carry are repeated here so that the listeners and
the tests name them once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.collaboration.leads import LEAD_USAGE, FollowupView, LeadView
from bot.collaboration.summits import SCHEDULE_USAGE, Agenda, AgendaPoint, SummitView
from bot.platform.blockkit import escape
from bot.promising.orders import OrderView
from handlers import blocks
from handlers.parsing import format_day

# --- ids the listeners match on -----------------------------------------------------------------

LEAD_DONE = "lead_followup_done"
LEAD_SNOOZE_1 = "lead_followup_snooze_1"
LEAD_SNOOZE_3 = "lead_followup_snooze_3"
LEAD_SNOOZE_NEXT_WEEK = "lead_followup_snooze_next_week"
LEAD_REASSIGN = "lead_reassign"
LEAD_QUOTE = "lead_quote"
LEAD_MODAL = "lead_modal"
LEAD_CUSTOMER_BLOCK, LEAD_CUSTOMER_ACTION = "lead_customer", "lead_customer_input"
LEAD_NOTE_BLOCK, LEAD_NOTE_ACTION = "lead_note", "lead_note_input"
LEAD_SOURCE_BLOCK, LEAD_SOURCE_ACTION = "lead_source", "lead_source_select"
LEAD_PRODUCT_BLOCK, LEAD_PRODUCT_ACTION = "lead_product", "lead_product_input"
LEAD_QTY_BLOCK, LEAD_QTY_ACTION = "lead_qty", "lead_qty_input"
LEAD_MONTH_BLOCK, LEAD_MONTH_ACTION = "lead_month", "lead_month_select"
LEAD_OWNER_BLOCK, LEAD_OWNER_ACTION = "lead_owner", "lead_owner_select"
LEAD_FOLLOW_UP_BLOCK, LEAD_FOLLOW_UP_ACTION = "lead_follow_up", "lead_follow_up_date"

LEAD_SOURCES = (
    "website",
    "trade fair",
    "referral",
    "existing customer",
    "cold call",
    "email campaign",
    "other",
)
"""Where a lead came from (stored as is; conversion is reported by source)."""

SUMMIT_RSVP_YES = "summit_rsvp_yes"
SUMMIT_RSVP_MAYBE = "summit_rsvp_maybe"
SUMMIT_RSVP_NO = "summit_rsvp_no"
SUMMIT_ADD_POINT = "summit_add_point"
SUMMIT_RECORD_DECISIONS = "summit_record_decisions"
SUMMIT_POINT_MODAL = "summit_point_modal"
SUMMIT_DECISIONS_MODAL = "summit_decisions_modal"
POINT_BLOCK, POINT_ACTION = "summit_point", "summit_point_input"
DECISIONS_BLOCK, DECISIONS_ACTION = "summit_decisions", "summit_decisions_input"
DONE_POINTS_BLOCK, DONE_POINTS_ACTION = "summit_done_points", "summit_done_points_select"
RSVP_BLOCK = "summit_rsvps"

SHIP = blocks.SHIP
SHIP_MODAL = "order_ship_modal"
SHIP_QTY_BLOCK, SHIP_QTY_ACTION = "ship_qty", "ship_qty_input"
SHIP_ON_BLOCK, SHIP_ON_ACTION = "ship_on", "ship_on_date"

SUMMIT_USAGE = (
    "`/summit` shows the next summit and its agenda. "
    f"`/summit {SCHEDULE_USAGE.split(' (')[0]} [at LOCATION] [in #channel]` schedules the monthly "
    "summit (you organise it; it meets in this channel unless you name another). "
    "`/summit decisions TEXT` records what the last summit decided. `/summit cancel` stops it."
)
_MAX_CHECKBOXES = 10  # Slack allows 10 options in a checkboxes element


# --- leads --------------------------------------------------------------------------------------


def lead_created_message(lead: LeadView) -> dict[str, Any]:
    """The ephemeral confirmation of `/lead` or the lead form."""
    what = f"*{escape(lead.customer)}*"
    details = []
    if lead.product_interest:
        details.append(escape(lead.product_interest))
    if lead.expected_qty:
        details.append(f"about {lead.expected_qty}")
    if lead.expected_month:
        details.append(f"in {lead.expected_month:%B %Y}")
    if lead.source:
        details.append(f"from {escape(lead.source)}")
    line = f":seedling: Lead saved: {what}" + (f" ({', '.join(details)})" if details else "")
    if lead.note:
        line += f"\n>{escape(lead.note)}"
    followup = lead.next_followup
    when = ""
    if followup is not None:
        when = _fallback_when(followup.due_at)
        line += f"\n<@{lead.owner}> gets a reminder to follow up {_when(followup.due_at)}."
    text = f"Lead saved: {lead.customer}" + (f"; follow up {when}" if when else "")
    return {"text": text, "blocks": [_section(line), _context(f"Lead #{lead.id}")]}


def lead_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = str(error) if error else "Here is how to note a lead."
    usage = (
        f"Usage: `{LEAD_USAGE}` — e.g. `/lead Acme — wants 200 BRKT in March follow up in "
        "5 days`. `/lead` alone opens a form with the source, product, quantity and month."
    )
    return {
        "text": f"{problem} {usage}",
        "blocks": [_section(f":warning: {escape(problem)}"), _context(usage)],
    }


def lead_modal(
    *, owner: str, today: date, private_metadata: str = "", customer: str = ""
) -> dict[str, Any]:
    """The lead form (callback_id `lead_modal`): customer, note, source, product, quantity,
    the month the customer expects to order in (this month and the next 17), owner, follow-up."""
    months = []
    year, month = today.year, today.month
    for _ in range(18):
        first = date(year, month, 1)
        months.append(_option(f"{first:%B %Y}", first.isoformat()))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    customer_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": LEAD_CUSTOMER_ACTION,
        "max_length": 200,
        "placeholder": _plain_text("Who the lead is"),
    }
    if customer:
        customer_element["initial_value"] = customer
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": LEAD_MODAL,
        "title": _plain_text("New lead"),
        "submit": _plain_text("Save lead"),
        "close": _plain_text("Cancel"),
        "blocks": [
            _input(LEAD_CUSTOMER_BLOCK, "Customer", customer_element),
            _input(
                LEAD_SOURCE_BLOCK,
                "Source",
                {
                    "type": "static_select",
                    "action_id": LEAD_SOURCE_ACTION,
                    "placeholder": _plain_text("Where the lead came from"),
                    "options": [_option(source.capitalize(), source) for source in LEAD_SOURCES],
                },
            ),
            _input(
                LEAD_PRODUCT_BLOCK,
                "Product interest",
                {
                    "type": "plain_text_input",
                    "action_id": LEAD_PRODUCT_ACTION,
                    "max_length": 200,
                    "placeholder": _plain_text("A SKU (BRKT) or what they need"),
                },
                optional=True,
            ),
            _input(
                LEAD_QTY_BLOCK,
                "Expected quantity",
                {
                    "type": "number_input",
                    "action_id": LEAD_QTY_ACTION,
                    "is_decimal_allowed": False,
                    "min_value": "1",
                },
                optional=True,
            ),
            _input(
                LEAD_MONTH_BLOCK,
                "Expected order month",
                {
                    "type": "static_select",
                    "action_id": LEAD_MONTH_ACTION,
                    "placeholder": _plain_text("When they expect to order"),
                    "options": months,
                },
                optional=True,
            ),
            _input(
                LEAD_OWNER_BLOCK,
                "Owner",
                {"type": "users_select", "action_id": LEAD_OWNER_ACTION, "initial_user": owner},
            ),
            _input(
                LEAD_FOLLOW_UP_BLOCK,
                "Follow up on",
                {"type": "datepicker", "action_id": LEAD_FOLLOW_UP_ACTION},
                optional=True,
            ),
            _context("Left empty, the follow-up is in 3 working days, at 09:00 the owner's time."),
            _input(
                LEAD_NOTE_BLOCK,
                "Note",
                {
                    "type": "plain_text_input",
                    "action_id": LEAD_NOTE_ACTION,
                    "multiline": True,
                    "max_length": 2000,
                },
                optional=True,
            ),
        ],
    }
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def followup_done_message(followup: FollowupView, by: str) -> dict[str, Any]:
    """The reminder DM after Done: no buttons left."""
    text = f"Followed up with {followup.customer}"
    line = f":white_check_mark: *Followed up* with *{escape(followup.customer)}*"
    if followup.note:
        line += f": {escape(followup.note)}"
    return {"text": text, "blocks": [_section(line), _context(f"Marked done by <@{by}>")]}


def followup_snoozed_message(followup: FollowupView, by: str) -> dict[str, Any]:
    text = f"Follow-up with {followup.customer} snoozed to {_fallback_when(followup.due_at)}"
    line = (
        f":zzz: Follow-up with *{escape(followup.customer)}* snoozed to "
        f"*{_when(followup.due_at)}*; "
        "you get a new reminder then."
    )
    return {"text": text, "blocks": [_section(line), _context(f"Snoozed by <@{by}>")]}


def lead_reassigned_message(lead: LeadView, by: str) -> dict[str, Any]:
    text = f"Lead {lead.customer} reassigned to {lead.owner}"
    line = (
        f":arrows_counterclockwise: The lead *{escape(lead.customer)}* is now "
        f"<@{lead.owner}>'s; they get its follow-up reminders."
    )
    return {"text": text, "blocks": [_section(line), _context(f"Reassigned by <@{by}>")]}


def lead_handed_over_message(lead: LeadView, by: str) -> dict[str, Any]:
    """The DM to the new owner of a reassigned lead."""
    text = f"{by} gave you the lead {lead.customer}"
    line = f":inbox_tray: <@{by}> gave you the lead *{escape(lead.customer)}*"
    if lead.product_interest:
        line += f" ({escape(lead.product_interest)})"
    if lead.note:
        line += f"\n>{escape(lead.note)}"
    return {"text": text, "blocks": [_section(line)]}


# --- summits ------------------------------------------------------------------------------------


def summit_scheduled_message(summit: SummitView, replaced: Sequence[str] = ()) -> dict[str, Any]:
    tz = ZoneInfo(summit.timezone)
    place = f" in {summit.location}" if summit.location else ""
    line = (
        f":calendar: *{escape(summit.title)}* meets {summit.schedule.description}"
        f" ({summit.timezone}){escape(place)}, organised by <@{summit.organiser}>. "
        f"Reminders with the agenda go to <#{summit.channel}> a week and a day before."
    )
    text = f"{summit.title} scheduled: {summit.schedule.description}{place}"
    if summit.next_at is not None:
        local = summit.next_at.astimezone(tz)
        line += f"\nNext: *{format_day(local.date())} {local.year} at {local:%H:%M}*."
        text += f"; next {format_day(local.date())} {local:%H:%M}"
    if replaced:
        was = "; ".join(replaced)
        line += f"\nThis replaces the earlier schedule ({escape(was)})."
        text += f" (replaces {was})"
    return {"text": text, "blocks": [_section(line)]}


def summit_agenda_message(
    summit: SummitView,
    occurrence_id: int,
    starts_at: datetime,
    agenda: Agenda,
    *,
    last_occurrence_id: int | None = None,
    last_starts_at: datetime | None = None,
    show_record: bool = False,
) -> dict[str, Any]:
    """`/summit`: the next occurrence, its agenda, and its buttons (RSVP, add a point; for the
    organiser, record the decisions of the last one)."""
    tz = ZoneInfo(summit.timezone)
    local = starts_at.astimezone(tz)
    place = f" in {summit.location}" if summit.location else ""
    title = f"{summit.title}: {format_day(local.date())} {local.year} at {local:%H:%M}{place}"
    result: list[dict[str, Any]] = [
        {"type": "header", "text": _plain_text(_clip(title, 150))},
        _context(
            f"{escape(summit.schedule.description)} · <#{summit.channel}> · organised by "
            f"<@{summit.organiser}>"
        ),
    ]
    for heading, lines in agenda.sections():
        body = f"*{escape(heading)}*\n" + "\n".join(f"• {_keep_mentions(x)}" for x in lines)
        result.append(_section(body))
    if len(result) == 2:
        result.append(_section("Nothing from the data yet; add your points."))
    value = str(occurrence_id)
    buttons = [
        _button("I'll be there", SUMMIT_RSVP_YES, value, "primary"),
        _button("Maybe", SUMMIT_RSVP_MAYBE, value),
        _button("Can't come", SUMMIT_RSVP_NO, value),
        _button("Add an agenda point", SUMMIT_ADD_POINT, value),
    ]
    if show_record and last_occurrence_id is not None and last_starts_at is not None:
        last = last_starts_at.astimezone(tz)
        buttons.append(
            _button(
                f"Record decisions of {format_day(last.date())}",
                SUMMIT_RECORD_DECISIONS,
                f"{summit.id}:{last_occurrence_id}",
            )
        )
    result.append({"type": "actions", "block_id": f"summit_{occurrence_id}", "elements": buttons})
    return {"text": _clip(f"{title}\n{agenda.text()}", 3900), "blocks": result[:50]}


def with_rsvps(message: dict[str, Any], answers: dict[str, list[str]]) -> dict[str, Any]:
    """`message` (a summit reminder as Slack shows it) with the answers so far under its title."""
    original = [b for b in message.get("blocks") or [] if b.get("block_id") != RSVP_BLOCK]
    parts = []
    for answer, label in (("yes", "Coming"), ("maybe", "Maybe"), ("no", "Can't come")):
        people = answers.get(answer) or []
        if people:
            parts.append(f"{label}: " + ", ".join(f"<@{p}>" for p in people))
    tally = {
        "type": "context",
        "block_id": RSVP_BLOCK,
        "elements": [
            {"type": "mrkdwn", "text": _clip(" · ".join(parts) or "No answers yet", 2000)}
        ],
    }
    at = 1 if original and original[0].get("type") == "header" else 0
    return {
        "text": message.get("text") or "Summit reminder",
        "blocks": [*original[:at], tally, *original[at:]][:50],
    }


def point_modal(heading: str, metadata: str) -> dict[str, Any]:
    """A point for the agenda of the summit `heading` names (the reminder's title)."""
    return {
        "type": "modal",
        "callback_id": SUMMIT_POINT_MODAL,
        "title": _plain_text("Add an agenda point"),
        "submit": _plain_text("Add"),
        "close": _plain_text("Cancel"),
        "private_metadata": metadata,
        "blocks": [
            _section(f"For *{escape(heading)}*"),
            _input(
                POINT_BLOCK,
                "What should the summit talk about?",
                {
                    "type": "plain_text_input",
                    "action_id": POINT_ACTION,
                    "multiline": True,
                    "max_length": 500,
                },
            ),
        ],
    }


def loading_modal(title: str) -> dict[str, Any]:
    """A modal to open at once (a trigger_id expires in 3 s) and fill in with views_update."""
    return {
        "type": "modal",
        "title": _plain_text(_clip(title, 24)),
        "blocks": [_section(":hourglass_flowing_sand: Loading…")],
    }


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (e.g. why a form cannot be filled in); it has no submit."""
    return {
        "type": "modal",
        "title": _plain_text(_clip(title, 24)),
        "close": _plain_text("Close"),
        "blocks": [_section(f":warning: {escape(text)}")],
    }


def decisions_modal(
    summit_title: str,
    starts_at: datetime,
    points: Sequence[AgendaPoint],
    metadata: str,
) -> dict[str, Any]:
    """What the organiser writes after a summit: the decisions, and which points were dealt with
    (the others are carried over to the next agenda)."""
    local = starts_at  # the agenda's start, in the summit's time zone
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": DECISIONS_ACTION,
        "multiline": True,
        "max_length": 3000,
    }
    result = [
        _section(
            f"*{escape(summit_title)}*, {format_day(local.date())} {local.year}: "
            "the next agenda shows what you write here."
        ),
        _input(DECISIONS_BLOCK, "Decisions", element),
    ]
    open_points = [p for p in points if not p.done][:_MAX_CHECKBOXES]
    if open_points:
        result.append(
            _input(
                DONE_POINTS_BLOCK,
                "Points dealt with (the rest carry over)",
                {
                    "type": "checkboxes",
                    "action_id": DONE_POINTS_ACTION,
                    "options": [_option(p.text, str(p.id)) for p in open_points],
                },
                optional=True,
            )
        )
    return {
        "type": "modal",
        "callback_id": SUMMIT_DECISIONS_MODAL,
        "title": _plain_text("Record decisions"),
        "submit": _plain_text("Save"),
        "close": _plain_text("Cancel"),
        "private_metadata": metadata,
        "blocks": result,
    }


def summit_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = str(error) if error else "Here is how to run the summit."
    return {
        "text": f"{problem} {SUMMIT_USAGE}",
        "blocks": [_section(f":warning: {escape(problem)}"), _context(SUMMIT_USAGE)],
    }


# --- shipments ----------------------------------------------------------------------------------


def ship_modal(order: OrderView, today: date, metadata: str) -> dict[str, Any]:
    """Operations record a shipment: how many (all that is left by default) and when (today)."""
    left = order.qty - order.shipped_qty
    who = f"{order.qty} {order.sku}" + (f" for {order.customer}" if order.customer else "")
    shipped = f"; {order.shipped_qty} shipped already" if order.shipped_qty else ""
    return {
        "type": "modal",
        "callback_id": SHIP_MODAL,
        "title": _plain_text("Record a shipment"),
        "submit": _plain_text("Ship"),
        "close": _plain_text("Cancel"),
        "private_metadata": metadata,
        "blocks": [
            _section(f"Order *{escape(order.ref)}*: {escape(who)}{shipped}."),
            _input(
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
            _input(
                SHIP_ON_BLOCK,
                "Shipped on",
                {
                    "type": "datepicker",
                    "action_id": SHIP_ON_ACTION,
                    "initial_date": today.isoformat(),
                },
            ),
        ],
    }


def shipped_message(order: OrderView, as_of: date, by: str) -> dict[str, Any]:
    """The order's status message after a shipment: shipped, or confirmed with what has gone."""
    status = "shipped" if order.status == "shipped" else order.status
    if status not in ("held", "confirmed", "cancelled", "expired", "shipped", "at_risk"):
        status = "at_risk"
    message = blocks.order_status_message(
        order_id=order.id,
        sku=order.sku,
        qty=order.qty,
        customer=order.customer,
        on=order.promised_on or order.requested_on,
        status=status,  # type: ignore[arg-type]
        as_of=as_of,
        held_until=order.expires_at,
        by=by,
        reason=order.at_risk_reason,
        version=order.version,
    )
    if order.status != "shipped" and order.shipped_qty:
        line = f":package: Shipped {order.shipped_qty} of {order.qty} so far."
        message["blocks"].insert(1, _context(line))
        message["text"] += f" (shipped {order.shipped_qty} of {order.qty} so far)"
    return message


def shipment_notice(order: OrderView, qty: int, on: date, by: str, as_of: date) -> dict[str, Any]:
    """The DM to the order's owner: what operations shipped."""
    rest = (
        "everything has gone"
        if order.status == "shipped"
        else f"{order.qty - order.shipped_qty} still to ship"
    )
    text = f"Order {order.ref}: {qty} {order.sku} shipped on {format_day(on, as_of)}; {rest}"
    line = (
        f":package: <@{by}> shipped *{qty} {escape(order.sku)}* of order *{escape(order.ref)}*"
        + (f" for {escape(order.customer)}" if order.customer else "")
        + f" on {format_day(on, as_of)}; {rest}."
    )
    return {"text": text, "blocks": [_section(line)]}


# --- pieces -------------------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    """A moment Slack shows in each reader's own time zone (a follow-up is due at 09:00 the
    owner's time, which is another hour for a manager elsewhere)."""
    return (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|"
        f"{_fallback_when(moment)}>"
    )


def _fallback_when(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{format_day(utc.date())} {utc:%H:%M} UTC"


_MENTION = re.compile(r"(<@[UW][A-Z0-9]+>)")


def _keep_mentions(text: str) -> str:
    return "".join(
        part if _MENTION.fullmatch(part) else escape(part) for part in _MENTION.split(text)
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, 3000)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, 2000)}]}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain_text(_clip(text, 75)), "value": value}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain_text(_clip(label, 2000)),
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain_text(_clip(text, 75)),
        "value": value,
    }
    if style:
        button["style"] = style
    return button
