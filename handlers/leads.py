"""Leads in Slack: `/lead`, the lead form, and the buttons of a follow-up reminder DM.

`/lead CUSTOMER [— note] [follow up in N days | on DATE]` saves a lead (only the salesperson sees
the confirmation); `/lead` alone opens the form. The reminder DM (drawn by
bot.collaboration.leads.reminder_message, posted by the scheduler through the outbox) has Done,
Snooze 1 day / 3 days / next week, Reassign and "Quote it"; only the lead's owner or a manager may
use them, and each click updates the DM in place."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.collaboration.leads import (
    FOLLOWUP_BLOCK_PREFIX,
    LeadError,
    LeadService,
    LeadView,
    parse_lead,
)
from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.users import NotAllowed, UserService
from bot.promising.orders import OrderService
from capacity.model import PlanningError, UnknownSku
from handlers import leads_views as views
from handlers.common import (
    form_errors,
    metadata,
    open_modal,
    refuse,
    release,
    tell,
    user_id,
)
from handlers.orders_views import promise_modal
from handlers.parsing import MAX_QTY, PromiseSyntaxError, fits_qty, parse_day

log = logging.getLogger(__name__)

LEAD_COMMAND = "/lead"
LEAD_SHORTCUT = "lead_shortcut"
SNOOZES: dict[str, int | str] = {
    views.LEAD_SNOOZE_1: 1,
    views.LEAD_SNOOZE_3: 3,
    views.LEAD_SNOOZE_NEXT_WEEK: "next week",
}
ONCE_ACTIONS = frozenset({views.LEAD_DONE, views.LEAD_REASSIGN, *SNOOZES})
"""Buttons whose second click must not act again ("Quote it" only opens a form)."""


def register(app: App) -> None:
    app.command(LEAD_COMMAND)(lead_command)
    app.shortcut(LEAD_SHORTCUT)(lead_shortcut)
    app.view(views.LEAD_MODAL)(lead_submitted)
    app.action(views.LEAD_DONE)(done_clicked)
    for action_id in SNOOZES:
        app.action(action_id)(snooze_clicked)
    app.action(views.LEAD_REASSIGN)(reassign_selected)
    app.action(views.LEAD_QUOTE)(quote_clicked)


# --- /lead and the form -------------------------------------------------------------------------


def lead_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
) -> None:
    """`/lead CUSTOMER [— note] [follow up in N days | on DATE]`: save a lead."""
    ack()
    text = (command.get("text") or "").strip()
    user = command["user_id"]
    if not text or text.lower() in ("new", "form"):
        release(context)  # opening a form changes nothing; a retry may open it again
        data = json.dumps({"channel": command.get("channel_id")})
        client.views_open(
            trigger_id=command["trigger_id"],
            view=views.lead_modal(owner=user, today=_today(leads), private_metadata=data),
        )
        return
    if text.lower() in ("help", "?"):
        release(context)
        respond(response_type="ephemeral", **views.lead_usage_message())
        return
    try:
        today = _today(leads)
        request = parse_lead(
            text, today, language=i18n.active(), read_day=lambda day: read_day(day, today)
        )
        users.learn_time_zone(user, client)  # follow-ups come at the owner's working hours
        lead = leads.create(
            request.customer,
            user,
            request.note,
            follow_up_on=request.follow_up_on,
            follow_up_in_days=request.follow_up_in_days,
            actor=user,
        )
    except LeadError as error:
        refuse(context, respond, error, message=views.lead_usage_message(error))
        return
    respond(response_type="ephemeral", **views.lead_created_message(lead))


def lead_shortcut(
    ack: Ack, shortcut: dict[str, Any], client: WebClient, leads: LeadService
) -> None:
    """The global shortcut "New lead": the lead form; the confirmation comes by DM."""
    ack()
    client.views_open(
        trigger_id=shortcut["trigger_id"],
        view=views.lead_modal(owner=user_id(shortcut), today=_today(leads)),
    )


def lead_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
) -> None:
    """The lead form was sent: errors stay in the form; the confirmation goes where it opened."""
    user = user_id(body)
    values = view["state"]["values"]
    try:
        fields = _lead_fields(values, user)
    except _FormError as error:
        form_errors(context, ack, error.errors)
        return
    if fields["follow_up_on"] is not None and fields["follow_up_on"] < _today(leads):
        form_errors(context, ack, {views.LEAD_FOLLOW_UP_BLOCK: _("Pick today or a day after it.")})
        return
    try:
        users.learn_time_zone(fields["owner"], client)
        lead = leads.create(actor=user, **fields)
    except LeadError as error:
        form_errors(context, ack, {views.LEAD_CUSTOMER_BLOCK: str(error)})
        return
    ack()
    message = views.lead_created_message(lead)
    tell(client, user, metadata(view).get("channel"), message)


class _FormError(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _lead_fields(values: dict[str, Any], user: str) -> dict[str, Any]:
    def state(block: str, action: str) -> dict[str, Any]:
        return dict((values.get(block) or {}).get(action) or {})

    customer = (
        state(views.LEAD_CUSTOMER_BLOCK, views.LEAD_CUSTOMER_ACTION).get("value") or ""
    ).strip()
    errors: dict[str, str] = {}
    if not customer:
        errors[views.LEAD_CUSTOMER_BLOCK] = _("Name the customer.")
    source = _selected(state(views.LEAD_SOURCE_BLOCK, views.LEAD_SOURCE_ACTION))
    if not source:
        errors[views.LEAD_SOURCE_BLOCK] = _("Say where the lead came from.")
    qty_text = state(views.LEAD_QTY_BLOCK, views.LEAD_QTY_ACTION).get("value")
    qty: int | None = None
    if qty_text not in (None, ""):
        text = str(qty_text).strip()
        qty = int(text) if text.isdecimal() and fits_qty(text) else 0
        if qty < 1:
            errors[views.LEAD_QTY_BLOCK] = _(
                "A whole number from 1 to {most}.", most=i18n.number(MAX_QTY)
            )
    month_text = _selected(state(views.LEAD_MONTH_BLOCK, views.LEAD_MONTH_ACTION))
    owner_state = state(views.LEAD_OWNER_BLOCK, views.LEAD_OWNER_ACTION)
    owner = owner_state.get("selected_user") or _selected(owner_state) or user
    follow_text = state(views.LEAD_FOLLOW_UP_BLOCK, views.LEAD_FOLLOW_UP_ACTION).get(
        "selected_date"
    )
    if errors:
        raise _FormError(errors)
    note = state(views.LEAD_NOTE_BLOCK, views.LEAD_NOTE_ACTION).get("value") or ""
    product = state(views.LEAD_PRODUCT_BLOCK, views.LEAD_PRODUCT_ACTION).get("value") or ""
    return {
        "customer": customer,
        "owner": owner,
        "note": note,
        "source": source,
        "product_interest": product,
        "expected_qty": qty,
        "expected_month": date.fromisoformat(month_text) if month_text else None,
        "follow_up_on": date.fromisoformat(follow_text) if follow_text else None,
    }


# --- the reminder's buttons ---------------------------------------------------------------------


def done_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
) -> None:
    """Done: the follow-up is marked done and the DM says so."""
    ack()
    user = user_id(body)
    try:
        followup = leads.followup(_followup_id(action["value"]))
        _require_owner(users, user, followup.owner, followup.customer, "mark it done")
        followup = leads.done(followup.id, actor=user)
    except (LeadError, PlanningError, ValueError) as error:
        refuse(context, respond, error)
        return
    respond(replace_original=True, **views.followup_done_message(followup, user))


def snooze_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
) -> None:
    """Snooze 1 day, 3 days or to next Monday: a new reminder comes then."""
    ack()
    user = user_id(body)
    try:
        followup = leads.followup(_followup_id(action["value"]))
        _require_owner(users, user, followup.owner, followup.customer, "snooze it")
        followup = leads.snooze(followup.id, SNOOZES[action["action_id"]], actor=user)
    except (LeadError, PlanningError, ValueError) as error:
        refuse(context, respond, error)
        return
    respond(replace_original=True, **views.followup_snoozed_message(followup, user))


def reassign_selected(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
) -> None:
    """Reassign: the chosen person owns the lead from now on and gets its reminders."""
    ack()
    user = user_id(body)
    new_owner = action.get("selected_user") or _selected(action)
    try:
        if not new_owner:
            raise LeadError(_("Pick the person who should own the lead."))
        followup = leads.followup(_followup_id_of_block(action))
        _require_owner(users, user, followup.owner, followup.customer, "reassign it")
        if new_owner == followup.owner:
            raise LeadError(
                _(
                    "The lead {customer} is {owner}'s already.",
                    customer=followup.customer,
                    owner="<@" + new_owner + ">",
                )
            )
        users.learn_time_zone(new_owner, client)
        lead = leads.reassign(
            followup.lead_id, new_owner, actor=user, tell=_telling_new_owner(user)
        )
    except (LeadError, PlanningError, ValueError) as error:
        refuse(context, respond, error)
        return
    respond(replace_original=True, **views.lead_reassigned_message(lead, user))


def _telling_new_owner(user: str) -> Callable[[LeadView], list[dict[str, Any]]]:
    """The new owner's DM about a lead handed to them, for the outbox (sent once)."""

    def tell(lead: LeadView) -> list[dict[str, Any]]:
        if lead.owner == user:
            return []
        message = views.lead_handed_over_message(lead, user)
        return [{"method": "chat_postMessage", "args": {"channel": lead.owner, **message}}]

    return tell


def quote_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    leads: LeadService,
    users: UserService,
    orders: OrderService,
) -> None:
    """Quote it: open the promise form with the lead's customer, product and quantity."""
    ack()
    user = user_id(body)
    try:
        lead = leads.lead(int(action["value"]))
        _require_owner(users, user, lead.owner, lead.customer, "quote it")
    except (LeadError, PlanningError, ValueError) as error:
        refuse(context, respond, error)
        return

    def fill() -> dict[str, Any]:
        sku, label = _sku_of(lead, orders)
        return promise_modal(
            sku=sku,
            sku_label=label,
            qty=lead.expected_qty,
            customer=lead.customer,
            wanted=max(lead.expected_month or orders.today(), orders.today()),
        )

    open_modal(client, body["trigger_id"], promise_modal(loading=True), fill)


# --- pieces -------------------------------------------------------------------------------------


def _require_owner(users: UserService, user: str, owner: str, customer: str, doing: str) -> None:
    """Only the lead's owner, a manager or an admin may act on its follow-ups (`doing`: mark it
    done, snooze it, reassign it, quote it)."""
    if user == owner or users.role(user) in ("manager", "admin"):
        return
    fields = {"customer": customer, "owner": "<@" + owner + ">"}
    if doing == "mark it done":
        refusal = _(
            "The lead {customer} is {owner}'s; only its owner or a manager can mark it done.",
            **fields,
        )
    elif doing == "snooze it":
        refusal = _(
            "The lead {customer} is {owner}'s; only its owner or a manager can snooze it.",
            **fields,
        )
    elif doing == "reassign it":
        refusal = _(
            "The lead {customer} is {owner}'s; only its owner or a manager can reassign it.",
            **fields,
        )
    else:
        refusal = _(
            "The lead {customer} is {owner}'s; only its owner or a manager can quote it.",
            **fields,
        )
    raise NotAllowed(refusal)


def _sku_of(lead: LeadView, orders: OrderService) -> tuple[str | None, str | None]:
    """The item the lead is about: a word of its product interest that is a SKU, else the
    first item whose SKU or name contains it."""
    text = lead.product_interest.strip()
    if not text:
        return None, None
    for word in [text, *re.findall(r"[A-Za-z0-9][A-Za-z0-9._/-]*", text)]:
        try:
            sku = orders.resolve_sku(word)
        except UnknownSku:
            continue
        if sku.upper() == word.upper():
            break
    else:
        found = orders.search_items(text, 1)
        if not found:
            return None, None
        sku = found[0][0]
    label = next((f"{s} — {n}" for s, n in orders.search_items(sku, 5) if s == sku), sku)
    return sku, label


def _followup_id(value: str) -> int:
    """Button values are `ID` (Done) or `ID:DAYS` (Snooze)."""
    return int(str(value).split(":", 1)[0])


def _followup_id_of_block(action: dict[str, Any]) -> int:
    """The Reassign select carries no value; its block is `lead_followup_<ID>`."""
    block = str(action.get("block_id") or "")
    prefix = FOLLOWUP_BLOCK_PREFIX
    if not block.startswith(prefix):
        raise LeadError(_("That reminder is too old to reassign from; use a newer one."))
    return int(block[len(prefix) :])


def _selected(state: dict[str, Any]) -> str | None:
    option = state.get("selected_option") or {}
    value = option.get("value")
    return str(value) if value else None


def _today(leads: LeadService) -> date:
    return leads.clock().astimezone(leads.settings.tzinfo).date()


def read_day(text: str, today: date) -> date | None:
    """A day written in the active language as /promise reads it, or None."""
    try:
        return parse_day(text, today=today)
    except PromiseSyntaxError:
        pass
    try:  # a whole date already past (`2026-11-01`): given back, for the lead to refuse by name
        return parse_day(text, today=_LONG_AGO)
    except PromiseSyntaxError:
        return None


_LONG_AGO = date(1900, 1, 1)
