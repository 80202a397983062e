"""What operations read and fill in: a capacity request, its answer, and the answer forms.

Pure functions, like handlers.orders_views; handlers.operations sends them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from bot.platform import blockkit as kit
from bot.platform.i18n import gettext as _
from bot.promising.capacity_requests import plan_summary
from bot.promising.constraints import constraint_text
from capacity.model import Quote
from handlers.orders_views import order_who

OPS_APPROVE_RUSH = "ops_approve_rush"
OPS_APPROVE_OVERTIME = "ops_approve_overtime"
OPS_COUNTER = "ops_counter"
OPS_DECLINE = "ops_decline"
"""A capacity request's buttons; the last three open a form first."""
OPS_OVERTIME_MODAL = "ops_overtime_modal"
OPS_COUNTER_MODAL = "ops_counter_modal"
OPS_DECLINE_MODAL = "ops_decline_modal"
"""The answer forms (their fields are below, with the forms)."""

OpsAnswer = Literal["rush", "overtime", "counter", "decline"]


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
    question = _question(quote.qty, quote.sku, customer, wanted, as_of)

    flexible = []
    if least_qty is not None and least_qty < quote.qty:
        flexible.append(_("at least {qty} on {day}", qty=least_qty, day=kit.day(wanted, as_of)))
    if latest is not None and latest > wanted:
        flexible.append(_("all {qty} as late as {day}", qty=quote.qty, day=kit.day(latest, as_of)))
    plan = plan_summary(quote)
    rush_on = quote.rush_earliest
    if rush_on is not None and quote.earliest is not None and rush_on >= quote.earliest:
        rush_on = None  # the reserve would not make it sooner
    if rush_on:
        rush = _("all {qty} on {day}", qty=quote.qty, day=kit.day(rush_on, as_of))
    else:
        rush = _("would not make it sooner")
    accept = (
        "; ".join(flexible) if flexible else _("flexibility not asked (use the form to add it)")
    )
    blocks: list[dict[str, Any]] = [
        kit.section(f":question: *{question}*"),
        kit.fields(
            [
                _(
                    "*Customer expects*\n{qty} on {day}",
                    qty=quote.qty,
                    day=kit.day(wanted, as_of),
                ),
                _("*Customer would accept*\n{flexible}", flexible=accept),
                _("*The plan says*\n{plan}", plan=plan),
                _("*With the rush reserve*\n{rush}", rush=rush),
            ]
        ),
    ]
    if quote.constraint.kind != "none" and quote.constraint.text:
        blocks.append(
            kit.context(
                ":factory: " + _(
                    "Bottleneck: {why}",
                    why=kit.escape(constraint_text(quote.constraint, quote.as_of)),
                )
            )
        )
    if note:
        blocks.append(kit.section("> " + kit.escape(note).replace("\n", "\n> ")))
    if requester:
        footer = _("Request #{id} · asked by {who}", id=request_id, who=kit.mention(requester))
    else:
        footer = _("Request #{id}", id=request_id)
    blocks.append(kit.context(footer))

    value = kit.ButtonValue(request=request_id, ver=version)
    buttons = []
    if rush_on is not None:
        label = _("Approve with rush reserve ({day})", day=kit.day(rush_on, as_of))
        buttons.append(kit.button(label, OPS_APPROVE_RUSH, value, "primary"))
    buttons += [
        kit.button(_("Approve with overtime…"), OPS_APPROVE_OVERTIME, value),
        kit.button(_("Counter-offer…"), OPS_COUNTER, value),
        kit.button(_("Decline…"), OPS_DECLINE, value, "danger"),
    ]
    blocks.append(kit.actions(buttons, block_id="request_actions"))
    text = _("{question} The plan says: {plan}.", question=kit.plain(question), plan=plan)
    return kit.message(text, blocks)


def _question(qty: int, sku: str, customer: str | None, wanted: date, as_of: date) -> str:
    # TRANSLATORS: {what} is an order's quantity, item and customer: "40 BRKT for Acme".
    return _(
        "Can you make {what} by {day}?",
        what=order_who(qty, sku, customer),
        day=kit.day(wanted, as_of),
    )


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
    question = _question(qty, sku, customer, wanted, as_of)
    promised = ""
    if promised_on is not None:
        promised = _(
            "{qty} on {day}",
            qty=promised_qty if promised_qty is not None else qty,
            day=kit.day(promised_on, as_of),
        )
    who = kit.mention(answered_by)
    if answer == "rush" and promised:
        said = ":white_check_mark: " + _(
            "{who} approved with the rush reserve: {promised}", who=who, promised=promised
        )
    elif answer == "rush":
        said = ":white_check_mark: " + _("{who} approved with the rush reserve", who=who)
    elif answer == "overtime" and promised:
        said = ":white_check_mark: " + _(
            "{who} approved with overtime: {promised}", who=who, promised=promised
        )
    elif answer == "overtime":
        said = ":white_check_mark: " + _("{who} approved with overtime", who=who)
    elif answer == "counter" and promised:
        said = ":left_right_arrow: " + _(
            "{who} offered {promised} instead", who=who, promised=promised
        )
    elif answer == "counter":
        said = ":left_right_arrow: " + _("{who} offered something else instead", who=who)
    elif answer == "decline":
        said = ":no_entry: " + _("{who} declined", who=who)
    else:
        raise ValueError(f"unknown answer {answer!r}")
    if reason:
        # TRANSLATORS: {said} is the answer ("… declined"), {reason} what operations typed.
        if answer == "decline":
            said = _("{said}: {reason}", said=said, reason=kit.escape(reason))
        else:
            said = _("{said} — {reason}", said=said, reason=kit.escape(reason))
    blocks = [
        kit.section(f"*{question}*"),
        kit.section(said),
        kit.context(_("Request #{id} · answered", id=request_id)),
    ]
    return kit.message(f"{kit.plain(question)} {kit.plain(said)}", blocks)


def declined_message(
    answered_by: str | None, request_id: int, question: str, reason: str | None
) -> dict[str, Any]:
    """The salesperson's DM when operations declined: the reason is what they tell the customer."""
    return kit.info_message(
        ":no_entry: "
        + _(
            "{who} declined request #{id}: *{question}*\nReason: {reason}",
            who=kit.mention(answered_by),
            id=request_id,
            question=kit.escape(question),
            reason=kit.escape(reason or ""),
        )
    )


# --- the answer forms ---------------------------------------------------------------------------

# The forms' fields (block_id, action_id), read back by handlers.operations.
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
    shown = [kit.section(f"*{kit.escape(question)}*"), *blocks]
    return kit.form(title, shown, callback_id, submit, private_metadata, close=_("Back"))


def overtime_modal(
    *, question: str, suggestion: str, private_metadata: str, why_not: str | None = None
) -> dict[str, Any]:
    """Operations add overtime: one line per work center and day, the extra hours on that day,
    prefilled with the plan's suggestion; or, when no overtime can help, why not (the field
    stays, for what operations know and the plan does not)."""
    element = kit.text_input(
        OVERTIME_ACTION, multiline=True, initial=suggestion, placeholder=_("CNC Tue 24 Nov 4")
    )
    warning = [kit.section(f":warning: {kit.escape(why_not)}")] if why_not else []
    return _answer_modal(
        OPS_OVERTIME_MODAL,
        _("Approve with overtime"),
        _("Approve"),
        question,
        [
            *warning,
            kit.input_block(OVERTIME_BLOCK, _("Overtime hours"), element),
            kit.context(
                _(
                    "One line per work center and day: `WORK_CENTER DAY HOURS`, the hours of "
                    "extra work for this order; the rush reserve is kept (e.g. `CNC 2026-11-24 "
                    "4`). They are stored as calendar exceptions, then the order is quoted again "
                    "and held."
                )
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
    return _answer_modal(
        OPS_COUNTER_MODAL,
        _("Counter-offer"),
        _("Offer"),
        question,
        [
            kit.input_block(COUNTER_QTY_BLOCK, _("Quantity you can make"), qty_element),
            kit.input_block(COUNTER_ON_BLOCK, _("By"), date_element),
            kit.input_block(
                NOTE_BLOCK,
                _("Note for sales"),
                kit.text_input(NOTE_ACTION, multiline=True),
                optional=True,
            ),
        ],
        private_metadata,
    )


def decline_modal(*, question: str, private_metadata: str) -> dict[str, Any]:
    """Operations decline; the reason is required, sales need it to talk to the customer."""
    element = kit.text_input(REASON_ACTION, multiline=True, min_length=3, max_length=500)
    return _answer_modal(
        OPS_DECLINE_MODAL,
        _("Decline"),
        _("Decline"),
        question,
        [kit.input_block(REASON_BLOCK, _("Why not? (sales will tell the customer)"), element)],
        private_metadata,
    )
