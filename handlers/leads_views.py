"""What a lead looks like in Slack: the confirmation, the lead form, and the reminder DM once a
button was used (done, snoozed, reassigned).

The reminder DM itself is drawn by bot.collaboration.leads (the scheduler posts it); its buttons'
ids are that module's, named here as the listeners use them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_skeleton

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
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.i18n import pgettext
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


def source_option(source: str) -> str:
    """How a source is offered in the form: `Trade fair`."""
    return {
        "website": _("Website"),
        "trade fair": _("Trade fair"),
        "referral": _("Referral"),
        "existing customer": _("Existing customer"),
        "cold call": _("Cold call"),
        "email campaign": _("Email campaign"),
        "other": _("Other"),
    }.get(source, source.capitalize())


def source_name(source: str) -> str:
    """How a source is named inside a sentence ("from referral"): a known one translated,
    another escaped as stored."""
    return {
        "website": _("website"),
        "trade fair": _("trade fair"),
        "referral": _("referral"),
        "existing customer": _("existing customer"),
        "cold call": _("cold call"),
        "email campaign": _("email campaign"),
        "other": _("other"),
    }.get(source, kit.escape(source))


def month_name(first: date) -> str:
    """`March 2027`, `tháng 3 năm 2027`, `2027年3月`: a month and its year, by Babel's CLDR."""
    return format_skeleton("yMMMM", first, locale=i18n.locale(i18n.active()))


def lead_created_message(lead: LeadView) -> dict[str, Any]:
    """The ephemeral confirmation of `/lead` or the lead form."""
    details = []
    if lead.product_interest:
        details.append(kit.escape(lead.product_interest))
    if lead.expected_qty:
        # TRANSLATORS: the quantity a lead's customer expects to order, e.g. "about 200".
        details.append(_("about {qty}", qty=lead.expected_qty))
    if lead.expected_month:
        # TRANSLATORS: the month a lead's customer expects to order in, e.g. "in March 2027".
        details.append(_("in {month}", month=month_name(lead.expected_month)))
    if lead.source:
        source = source_name(lead.source)
        # TRANSLATORS: where the lead came from, e.g. "from referral".
        details.append(_("from {source}", source=source))
    customer = kit.escape(lead.customer)
    if details:
        # TRANSLATORS: what separates the details of a lead in a list: "BRKT, about 200".
        listed = pgettext("list separator", ", ").join(details)
        line = ":seedling: " + _(
            "Lead saved: *{customer}* ({details})", customer=customer, details=listed
        )
    else:
        line = ":seedling: " + _("Lead saved: *{customer}*", customer=customer)
    if lead.note:
        line += f"\n>{kit.escape(lead.note)}"
    followup = lead.next_followup
    text = _("Lead saved: {customer}", customer=customer)
    if followup is not None:
        line += "\n" + _(
            "{owner} gets a reminder to follow up {when}.",
            owner=kit.mention(lead.owner),
            when=_when(followup.due_at),
        )
        text = _(
            "Lead saved: {customer}; follow up {when}",
            customer=customer,
            when=_fallback_when(followup.due_at),
        )
    return kit.message(text, [kit.section(line), kit.context(_("Lead #{id}", id=lead.id))])


def lead_usage_message(error: Exception | str | None = None) -> dict[str, Any]:
    problem = str(error) if error else _("Here is how to note a lead.")
    usage = _(
        "Usage: `{usage}` — e.g. `/lead Acme — wants 200 BRKT in March follow up in 5 days`. "
        "`/lead` alone opens a form with the source, product, quantity and month.",
        usage=LEAD_USAGE,
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
    for _month in range(18):
        first = date(year, month, 1)
        months.append(kit.option(month_name(first), first.isoformat()))
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
            _("Customer"),
            kit.text_input(
                LEAD_CUSTOMER_ACTION,
                max_length=MAX_CUSTOMER_LENGTH,
                initial=customer,
                placeholder=_("Who the lead is"),
            ),
        ),
        kit.input_block(
            LEAD_SOURCE_BLOCK,
            _("Source"),
            select(
                LEAD_SOURCE_ACTION,
                _("Where the lead came from"),
                [kit.option(source_option(source), source) for source in LEAD_SOURCES],
            ),
        ),
        kit.input_block(
            LEAD_PRODUCT_BLOCK,
            _("Product interest"),
            kit.text_input(
                LEAD_PRODUCT_ACTION, max_length=200, placeholder=_("A SKU (BRKT) or what they need")
            ),
            optional=True,
        ),
        kit.input_block(
            LEAD_QTY_BLOCK,
            _("Expected quantity"),
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
            _("Expected order month"),
            select(LEAD_MONTH_ACTION, _("When they expect to order"), months),
            optional=True,
        ),
        kit.input_block(
            LEAD_OWNER_BLOCK,
            _("Owner"),
            {"type": "users_select", "action_id": LEAD_OWNER_ACTION, "initial_user": owner},
        ),
        kit.input_block(
            LEAD_FOLLOW_UP_BLOCK,
            _("Follow up on"),
            {"type": "datepicker", "action_id": LEAD_FOLLOW_UP_ACTION},
            optional=True,
        ),
        kit.context(
            _("Left empty, the follow-up is in 3 working days, at 09:00 the owner's time.")
        ),
        kit.input_block(
            LEAD_NOTE_BLOCK,
            _("Note"),
            kit.text_input(LEAD_NOTE_ACTION, multiline=True, max_length=2000),
            optional=True,
        ),
    ]
    return kit.form(_("New lead"), blocks, LEAD_MODAL, _("Save lead"), private_metadata)


def followup_done_message(followup: FollowupView, by: str) -> dict[str, Any]:
    """The reminder DM after Done: no buttons left."""
    customer = kit.escape(followup.customer)
    if followup.note:
        line = _(
            "*Followed up* with *{customer}*: {note}",
            customer=customer,
            note=kit.escape(followup.note),
        )
    else:
        line = _("*Followed up* with *{customer}*", customer=customer)
    return kit.message(
        _("Followed up with {customer}", customer=customer),
        [
            kit.section(":white_check_mark: " + line),
            kit.context(_("Marked done by {person}", person=kit.mention(by))),
        ],
    )


def followup_snoozed_message(followup: FollowupView, by: str) -> dict[str, Any]:
    customer, due = kit.escape(followup.customer), followup.due_at
    line = ":zzz: " + _(
        "Follow-up with *{customer}* snoozed to *{when}*; you get a new reminder then.",
        customer=customer,
        when=_when(due),
    )
    text = _(
        "Follow-up with {customer} snoozed to {when}", customer=customer, when=_fallback_when(due)
    )
    return _done_by(text, line, _("Snoozed by {person}", person=kit.mention(by)))


def lead_reassigned_message(lead: LeadView, by: str) -> dict[str, Any]:
    customer, owner = kit.escape(lead.customer), kit.mention(lead.owner)
    return _done_by(
        _("Lead {customer} reassigned to {owner}", customer=customer, owner=owner),
        ":arrows_counterclockwise: "
        + _(
            "The lead *{customer}* is now {owner}'s; they get its follow-up reminders.",
            customer=customer,
            owner=owner,
        ),
        _("Reassigned by {person}", person=kit.mention(by)),
    )


def _done_by(text: str, line: str, footer: str) -> dict[str, Any]:
    """A reminder DM once a button was used: what was done, and by whom, with no buttons."""
    return kit.message(text, [kit.section(line), kit.context(footer)])


def lead_handed_over_message(lead: LeadView, by: str) -> dict[str, Any]:
    """The DM to the new owner of a reassigned lead (drawn in their language)."""
    giver, customer = kit.mention(by), kit.escape(lead.customer)
    text = _("{person} gave you the lead {customer}", person=giver, customer=customer)
    if lead.product_interest:
        line = _(
            "{person} gave you the lead *{customer}* ({product})",
            person=giver,
            customer=customer,
            product=kit.escape(lead.product_interest),
        )
    else:
        line = _("{person} gave you the lead *{customer}*", person=giver, customer=customer)
    line = ":inbox_tray: " + line
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
