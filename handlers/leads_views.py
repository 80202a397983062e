"""What a lead looks like in Slack: the confirmation, the lead form, and the reminder DM once a
button was used (done, snoozed, reassigned).

The reminder DM itself is drawn by bot.collaboration.leads (the scheduler posts it); its buttons'
ids are that module's, named here as the listeners use them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.collaboration.leads import (
    FOLLOWUP_DONE,
    FOLLOWUP_QUOTE,
    FOLLOWUP_REASSIGN,
    FOLLOWUP_SNOOZE_1,
    FOLLOWUP_SNOOZE_3,
    FOLLOWUP_SNOOZE_NEXT_WEEK,
    LEAD_USAGE,
    FollowupView,
    LeadView,
)
from bot.platform import blockkit as kit
from bot.promising.orders import MAX_CUSTOMER_LENGTH

LEAD_DONE = FOLLOWUP_DONE
LEAD_SNOOZE_1 = FOLLOWUP_SNOOZE_1
LEAD_SNOOZE_3 = FOLLOWUP_SNOOZE_3
LEAD_SNOOZE_NEXT_WEEK = FOLLOWUP_SNOOZE_NEXT_WEEK
LEAD_REASSIGN = FOLLOWUP_REASSIGN
LEAD_QUOTE = FOLLOWUP_QUOTE
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


def lead_created_message(lead: LeadView) -> dict[str, Any]:
    """The ephemeral confirmation of `/lead` or the lead form."""
    details = []
    if lead.product_interest:
        details.append(kit.escape(lead.product_interest))
    if lead.expected_qty:
        details.append(f"about {lead.expected_qty}")
    if lead.expected_month:
        details.append(f"in {lead.expected_month:%B %Y}")
    if lead.source:
        details.append(f"from {kit.escape(lead.source)}")
    line = f":seedling: Lead saved: *{kit.escape(lead.customer)}*"
    if details:
        line += f" ({', '.join(details)})"
    if lead.note:
        line += f"\n>{kit.escape(lead.note)}"
    followup = lead.next_followup
    text = f"Lead saved: {kit.escape(lead.customer)}"
    if followup is not None:
        line += (
            f"\n{kit.mention(lead.owner)} gets a reminder to follow up {_when(followup.due_at)}."
        )
        text += f"; follow up {_fallback_when(followup.due_at)}"
    return kit.message(text, [kit.section(line), kit.context(f"Lead #{lead.id}")])


def lead_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = str(error) if error else "Here is how to note a lead."
    usage = (
        f"Usage: `{LEAD_USAGE}` — e.g. `/lead Acme — wants 200 BRKT in March follow up in "
        "5 days`. `/lead` alone opens a form with the source, product, quantity and month."
    )
    problem = kit.escape(problem)
    return kit.message(
        f"{problem} {usage}", [kit.section(f":warning: {problem}"), kit.context(usage)]
    )


def lead_modal(
    *, owner: str, today: date, private_metadata: str = "", customer: str = ""
) -> dict[str, Any]:
    """The lead form (callback_id `lead_modal`): customer, note, source, product, quantity,
    the month the customer expects to order in (this month and the next 17), owner, follow-up."""
    months = []
    year, month = today.year, today.month
    for _ in range(18):
        first = date(year, month, 1)
        months.append(kit.option(f"{first:%B %Y}", first.isoformat()))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def select(action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "type": "static_select",
            "action_id": action_id,
            "placeholder": {"type": "plain_text", "text": placeholder, "emoji": True},
            "options": options,
        }

    blocks = [
        kit.input_block(
            LEAD_CUSTOMER_BLOCK,
            "Customer",
            kit.text_input(
                LEAD_CUSTOMER_ACTION,
                max_length=MAX_CUSTOMER_LENGTH,
                initial=customer,
                placeholder="Who the lead is",
            ),
        ),
        kit.input_block(
            LEAD_SOURCE_BLOCK,
            "Source",
            select(
                LEAD_SOURCE_ACTION,
                "Where the lead came from",
                [kit.option(source.capitalize(), source) for source in LEAD_SOURCES],
            ),
        ),
        kit.input_block(
            LEAD_PRODUCT_BLOCK,
            "Product interest",
            kit.text_input(
                LEAD_PRODUCT_ACTION, max_length=200, placeholder="A SKU (BRKT) or what they need"
            ),
            optional=True,
        ),
        kit.input_block(
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
        kit.input_block(
            LEAD_MONTH_BLOCK,
            "Expected order month",
            select(LEAD_MONTH_ACTION, "When they expect to order", months),
            optional=True,
        ),
        kit.input_block(
            LEAD_OWNER_BLOCK,
            "Owner",
            {"type": "users_select", "action_id": LEAD_OWNER_ACTION, "initial_user": owner},
        ),
        kit.input_block(
            LEAD_FOLLOW_UP_BLOCK,
            "Follow up on",
            {"type": "datepicker", "action_id": LEAD_FOLLOW_UP_ACTION},
            optional=True,
        ),
        kit.context("Left empty, the follow-up is in 3 working days, at 09:00 the owner's time."),
        kit.input_block(
            LEAD_NOTE_BLOCK,
            "Note",
            kit.text_input(LEAD_NOTE_ACTION, multiline=True, max_length=2000),
            optional=True,
        ),
    ]
    return kit.form("New lead", blocks, LEAD_MODAL, "Save lead", private_metadata)


def followup_done_message(followup: FollowupView, by: str) -> dict[str, Any]:
    """The reminder DM after Done: no buttons left."""
    line = f":white_check_mark: *Followed up* with *{kit.escape(followup.customer)}*"
    if followup.note:
        line += f": {kit.escape(followup.note)}"
    return kit.message(
        f"Followed up with {kit.escape(followup.customer)}",
        [kit.section(line), kit.context(f"Marked done by {kit.mention(by)}")],
    )


def followup_snoozed_message(followup: FollowupView, by: str) -> dict[str, Any]:
    customer, due = kit.escape(followup.customer), followup.due_at
    line = f":zzz: Follow-up with *{customer}* snoozed to *{_when(due)}*"
    text = f"Follow-up with {customer} snoozed to {_fallback_when(due)}"
    return _done_by(text, f"{line}; you get a new reminder then.", f"Snoozed by {kit.mention(by)}")


def lead_reassigned_message(lead: LeadView, by: str) -> dict[str, Any]:
    return _done_by(
        f"Lead {kit.escape(lead.customer)} reassigned to {kit.mention(lead.owner)}",
        f":arrows_counterclockwise: The lead *{kit.escape(lead.customer)}* is now "
        f"{kit.mention(lead.owner)}'s; they get its follow-up reminders.",
        f"Reassigned by {kit.mention(by)}",
    )


def _done_by(text: str, line: str, footer: str) -> dict[str, Any]:
    """A reminder DM once a button was used: what was done, and by whom, with no buttons."""
    return kit.message(text, [kit.section(line), kit.context(footer)])


def lead_handed_over_message(lead: LeadView, by: str) -> dict[str, Any]:
    """The DM to the new owner of a reassigned lead."""
    text = f"{kit.mention(by)} gave you the lead {kit.escape(lead.customer)}"
    line = f":inbox_tray: {kit.mention(by)} gave you the lead *{kit.escape(lead.customer)}*"
    if lead.product_interest:
        line += f" ({kit.escape(lead.product_interest)})"
    if lead.note:
        line += f"\n>{kit.escape(lead.note)}"
    return kit.message(text, [kit.section(line)])


def _when(moment: datetime) -> str:
    """A moment Slack shows in each reader's own time zone (a follow-up is due at 09:00 the
    owner's time, which is another hour for a manager elsewhere)."""
    return kit.when(moment, _fallback_when(moment))


def _fallback_when(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{kit.day(utc.date())} {utc:%H:%M} UTC"
