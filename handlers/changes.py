"""Operations report changes to the factory in Slack; owners answer the orders they moved.

`/capacity …` and `/supply …` (handlers.changes_parsing) answer with a preview of what the change
would move, only to the person who typed it, with Apply and Cancel; Apply applies it and
re-plans (OrderService.apply_change), the owners of moved orders get a DM and operations one
summary (both through the outbox). `/capacity` alone, the "Report a change" shortcut and the
button on the operations Home tab open the form, which previews in place before it applies.
Only operations (and admins) may change the factory: sales and managers are refused.

A moved order's DM (bot.promising.replan.move_message) has Accept new date, Ask operations, Split
and Cancel; a button on a message older than the order's last change answers with the order's
current state and does nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.platform.blockkit import escape
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.users import UserService
from bot.promising.capacity_requests import CapacityRequestService, RequestView
from bot.promising.orders import NotMoved, OrderService, StaleOrder
from capacity.changes import BadChange, Change
from capacity.model import PlanningError, Quote
from handlers import changes_views, operations_views, planner
from handlers.changes_parsing import (
    FIRST_BLOCK,
    WC_ACTION,
    WC_BLOCK,
    ChangeSyntaxError,
    FormError,
    LiftDowntime,
    ShowLoad,
    ShowSequence,
    parse_capacity,
    parse_change_form,
    parse_supply,
)
from handlers.common import form_errors, metadata, refuse, release, safely, user_id
from handlers.home import publish_home

log = logging.getLogger(__name__)

CAPACITY_COMMAND = "/capacity"
SUPPLY_COMMAND = "/supply"
REPORT_SHORTCUT = "report_change"
ONCE_ACTIONS = frozenset(
    {
        changes_views.APPLY,
        changes_views.ACCEPT,
        changes_views.SPLIT,
        changes_views.CANCEL,
        changes_views.ASK_OPS,
    }
)
"""Buttons whose second click must not act again."""

_DOING = N_("report changes to the factory")


def register(app: App) -> None:
    app.command(CAPACITY_COMMAND)(capacity_command)
    app.command(SUPPLY_COMMAND)(supply_command)
    app.shortcut(REPORT_SHORTCUT)(report_shortcut)
    app.action(changes_views.OPEN_FORM)(open_form_clicked)
    app.options(WC_ACTION)(work_center_options)
    app.view(changes_views.FORM)(form_submitted)
    app.action(changes_views.APPLY)(apply_clicked)
    app.action(changes_views.DISMISS)(dismiss_clicked)
    for action in (
        changes_views.ACCEPT,
        changes_views.SPLIT,
        changes_views.CANCEL,
        changes_views.ASK_OPS,
    ):
        app.action(action)(move_answered)


# --- /capacity and /supply ------------------------------------------------------------------------


def capacity_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """`/capacity WC down|Nh|overtime|back …`: a preview to apply; alone, the form.
    `/capacity WC [Nw]` and `/capacity sequence WC WC …` show the planner's view instead
    (handlers.planner): the work center's load chart, or Johnson's order for a week."""
    ack()
    user = command["user_id"]
    text = (command.get("text") or "").strip()
    problem: ChangeSyntaxError | None = None
    parsed: Change | LiftDowntime | ShowLoad | ShowSequence | None = None
    try:
        parsed = parse_capacity(text, today=orders.today()) if text else None
    except ChangeSyntaxError as error:
        problem = error
    if isinstance(parsed, ShowLoad | ShowSequence):
        _show(parsed, user, respond, client, context, orders, users)
        return
    try:
        users.require(user, "operations", doing=_DOING)
    except PlanningError as error:
        refuse(context, respond, error)
        return
    if problem is not None:
        refuse(context, respond, f"{problem}")
        return
    if parsed is None:
        _open_form(client, command["trigger_id"])
        return
    _preview(parsed, respond, context, orders)


def _show(
    request: ShowLoad | ShowSequence,
    user: str,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    def reply(message: dict[str, Any]) -> None:
        respond(response_type="ephemeral", replace_original=False, **message)

    try:
        if isinstance(request, ShowLoad):
            planner.show_load(request, user, reply, client, orders, users)
        else:
            planner.show_sequence(request, user, reply, client, orders, users)
    except PlanningError as error:
        refuse(context, respond, error)


def supply_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """`/supply SKU REF moves to DAY|qty Q` or `/supply SKU count Q`: a preview to apply."""
    ack()
    user = command["user_id"]
    try:
        users.require(user, "operations", doing=_DOING)
        change = parse_supply((command.get("text") or "").strip(), today=orders.today())
    except ChangeSyntaxError as error:
        refuse(context, respond, f"{error}")
        return
    except PlanningError as error:
        refuse(context, respond, error)
        return
    _preview(change, respond, context, orders)


def _concrete(change: Change | LiftDowntime, orders: OrderService) -> Change:
    if isinstance(change, LiftDowntime):
        return orders.lift_downtime(change.work_center)
    return change


def _preview(
    change: Change | LiftDowntime, respond: Respond, context: BoltContext, orders: OrderService
) -> None:
    try:
        result = orders.apply_change(_concrete(change, orders), dry_run=True)
    except PlanningError as error:
        refuse(context, respond, _nothing_changed(error))
        return
    release(context)  # a preview changes nothing
    respond(
        response_type="ephemeral",
        replace_original=False,
        **changes_views.preview_message(result, change, orders.today()),
    )


def apply_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """Apply the previewed change (the plan is asked again: it may have moved on since)."""
    ack()
    user = user_id(body)
    try:
        users.require(user, "operations", doing=_DOING)
        change = _concrete(changes_views.decode(action["value"]), orders)
        result = orders.apply_change(change, actor=user, who=user)
    except PlanningError as error:
        refuse(context, respond, _nothing_changed(error))
        return
    respond(replace_original=True, **changes_views.applied_message(result, orders.today()))


def dismiss_clicked(ack: Ack, respond: Respond) -> None:
    ack()
    respond(replace_original=True, **changes_views.dismissed_message())


# --- the form -------------------------------------------------------------------------------------


def report_shortcut(
    ack: Ack,
    shortcut: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    users: UserService,
) -> None:
    """The global shortcut "Report a change": the form, for operations."""
    ack()
    user = user_id(shortcut)
    try:
        users.require(user, "operations", doing=_DOING)
    except PlanningError as error:
        refuse(context, None, error, client=client, user=user)
        return
    _open_form(client, shortcut["trigger_id"])


def open_form_clicked(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    users: UserService,
) -> None:
    """The operations Home tab's "Report a change" button."""
    ack()
    user = user_id(body)
    try:
        users.require(user, "operations", doing=_DOING)
    except PlanningError as error:
        refuse(context, None, error, client=client, user=user)
        return
    _open_form(client, body["trigger_id"])


def _open_form(client: WebClient, trigger_id: str) -> None:
    safely(client.views_open, trigger_id=trigger_id, view=changes_views.change_form())


def work_center_options(ack: Ack, payload: dict[str, Any], orders: OrderService) -> None:
    """The form's work center typeahead."""
    ack(**changes_views.work_center_options(orders.work_centers(), payload.get("value") or ""))


def form_submitted(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """First submission: the form shows what would move. The same change submitted again is
    applied; a changed one is previewed again."""
    user = user_id(body)
    try:
        users.require(user, "operations", doing=_DOING)
        change = parse_change_form(view["state"]["values"], today=orders.today())
    except FormError as error:
        form_errors(context, ack, error.errors)
        return
    except PlanningError as error:
        form_errors(context, ack, {WC_BLOCK: str(error)})
        return
    value = changes_views.encode(change)
    previewed = metadata(view).get("previewed")
    try:
        result = orders.apply_change(change, dry_run=previewed != value, actor=user, who=user)
    except PlanningError as error:
        form_errors(context, ack, {FIRST_BLOCK: _capital(_problem(error))})
        return
    if result.dry_run:
        release(context)  # a preview changes nothing
        form = changes_views.change_form(
            change=change,
            preview=result,
            as_of=orders.today(),
            private_metadata=json.dumps({"previewed": value}),
        )
        ack(response_action="update", view=form)
        return
    ack(response_action="clear")
    safely(
        client.chat_postMessage,
        channel=user,
        **changes_views.applied_message(result, orders.today()),
    )


# --- answering a moved order ----------------------------------------------------------------------


def move_answered(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
    requests: CapacityRequestService,
) -> None:
    """Accept new date, Split, Cancel or Ask operations, on a moved order's DM or Home tab."""
    ack()
    user = user_id(body)
    order_id, _, version_text = str(action["value"]).partition(":")
    version = int(version_text) if version_text.isdigit() else None
    kind = action["action_id"]
    today = orders.today()
    try:
        order = orders.order(order_id)
        users.require_owner(user, order.owner, order.ref, "answer for")
        if kind == changes_views.ACCEPT:
            message = changes_views.accepted_message(
                orders.accept_move(order_id, actor=user, version=version), today
            )
        elif kind == changes_views.SPLIT:
            first, rest = orders.split_move(order_id, actor=user, version=version)
            message = changes_views.split_message(first, rest, today)
        elif kind == changes_views.CANCEL:
            if order.moved_from is None:
                raise NotMoved(order)
            message = changes_views.cancelled_message(
                orders.cancel(order_id, actor=user, version=version), today
            )
        else:
            message = _ask_operations(client, requests, orders, order_id, user, version)
    except (StaleOrder, NotMoved) as error:
        release(context)
        stale = changes_views.stale_message(orders.order(error.order.id), today)
        if _on_message(body):
            respond(replace_original=True, **stale)
        else:
            refuse(context, respond, stale["text"], client=client, user=user)
        return
    except PlanningError as error:
        refuse(context, respond, error, client=client, user=user)
        return
    if _on_message(body):
        respond(replace_original=True, **message)
    else:
        safely(client.chat_postMessage, channel=user, **message)
    publish_home(client, user, orders=orders, requests=requests, users=users)


def _ask_operations(
    client: WebClient,
    requests: CapacityRequestService,
    orders: OrderService,
    order_id: str,
    user: str,
    version: int | None,
) -> dict[str, Any]:
    order = orders.order(order_id)

    def draw(request: RequestView, quote: Quote) -> dict[str, Any]:
        message = operations_views.capacity_request_message(
            quote,
            request_id=request.id,
            customer=request.customer,
            requester=user,
            least_qty=None,
            latest=order.latest_on,
        )
        message["text"] = escape(request.question)  # Slack reads a fallback as mrkdwn too
        message["blocks"][0] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f":question: *{escape(request.question)}*"},
        }
        return message

    # Through the outbox, committed with the request, like every question to operations.
    request, _ = requests.ask_about_move(order_id, requester=user, version=version, draw=draw)
    where = request.channel_id or requests.settings.ops_channel
    assert where is not None  # ask_about_move refuses without one
    return changes_views.asked_message(request.question, where, order, orders.today())


def _on_message(body: dict[str, Any]) -> bool:
    """A click on a message (which can be replaced), not on the Home tab."""
    return bool(body.get("response_url")) and (body.get("view") or {}).get("type") != "home"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _problem(error: PlanningError) -> str:
    """What is wrong, in the reader's language (a BadChange worded from its facts)."""
    if isinstance(error, BadChange):
        return changes_views.bad_change_text(error)
    return str(error)


def _nothing_changed(error: PlanningError) -> str:
    # TRANSLATORS: {problem} is a whole sentence saying what is wrong with the change.
    return _("{problem}; nothing was changed.", problem=_capital(_problem(error)))
