"""The planner's view in Slack: load charts, an order's plan and Johnson sequences, to the asker.

- `/capacity CNC` (`/capacity CNC 8w`) and the operations Home tab's work center buttons: the
  load chart (bot.planner.load); operations and managers (admins too).
- `/promisebot order PB-00012` and the Plan button on an order's message: the order's Gantt
  chart (bot.planner.gantt); its owner, operations and managers.
- `/capacity sequence LASER BEND [PAINT] [DAY]`: Johnson's order for that week against the
  promised-date order (bot.planner.sequence); operations and managers.

The PNG is uploaded into the asker's direct messages with promisebot (nobody else sees it), and
the answer in words comes as an ephemeral reply where they asked (from the Home tab, in the same
DM). Nothing here changes the plan; a refusal says what is wrong and what to type instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.planner.gantt import order_plan, render_order_png
from bot.planner.load import load_chart, render_load_png
from bot.planner.sequence import render_sequence_png, sequence_week
from bot.platform import i18n
from bot.platform.blockkit import ButtonValue
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.users import NotAllowed, UserService
from bot.promising.orders import OrderService
from capacity.model import PlanningError
from handlers import planner_views as views
from handlers.changes_parsing import ShowLoad, ShowSequence
from handlers.common import refuse, safely, user_id

PLANNERS = ("operations", "manager")
"""Who may see the load and the sequences of every work center (admins always may)."""


def register(app: App) -> None:
    app.action(views.LOAD_CHART_ACTIONS)(load_clicked)
    app.action(views.ORDER_PLAN)(plan_clicked)


# --- answering ---------------------------------------------------------------------------------


def show_load(
    request: ShowLoad,
    user: str,
    reply: Callable[[dict[str, Any]], None],
    client: WebClient,
    orders: OrderService,
    users: UserService,
) -> None:
    """Upload the work center's load chart to the user's DM and `reply` with its numbers.
    Raises PlanningError (an unknown work center: the closest codes) before sending anything."""
    users.require(user, *PLANNERS, doing=N_("see the load of work centers"))
    chart = load_chart(orders, request.work_center, weeks=request.weeks)
    dm = _upload(
        client,
        user,
        render_load_png(chart),
        filename=f"load-{_safe(chart.work_center)}-{chart.as_of.isoformat()}.png",
        title=i18n.ngettext(
            "Load of {code}, {weeks} week from {day}",
            "Load of {code}, {weeks} weeks from {day}",
            chart.weeks,
            code=chart.work_center,
            weeks=chart.weeks,
            day=i18n.day(chart.as_of),
        ),
        alt=chart.summary(),
    )
    reply(views.load_message(chart, dm=dm))


def show_sequence(
    request: ShowSequence,
    user: str,
    reply: Callable[[dict[str, Any]], None],
    client: WebClient,
    orders: OrderService,
    users: UserService,
) -> None:
    """Johnson's order for the week on the line, to the user only (both Gantt charts by DM)."""
    users.require(user, *PLANNERS, doing=N_("sequence the orders of work centers"))
    result = sequence_week(orders, list(request.line), week=request.week)
    dm = None
    if result.johnson and result.not_applicable is None:  # no chart of a rule that does not apply
        lines = result.lines()
        dm = _upload(
            client,
            user,
            render_sequence_png(result),
            filename=f"sequence-{'-'.join(_safe(c) for c in result.line)}-"
            f"{result.week_start.isoformat()}.png",
            title=lines[0],
            alt=" ".join(lines),
        )
    reply(views.sequence_message(result, dm=dm))


def show_order_plan(
    ref: str,
    user: str,
    reply: Callable[[dict[str, Any]], None],
    client: WebClient,
    orders: OrderService,
    users: UserService,
) -> None:
    """The order's plan, to its owner, operations or a manager; its Gantt chart by DM."""
    order = orders.order(ref)
    try:
        users.require(user, *PLANNERS)
    except NotAllowed:
        users.require_owner(user, order.owner, order.ref, N_("see the plan of"))
    plan = order_plan(orders, order.ref)
    dm = None
    if plan.bars or plan.materials:
        dm = _upload(
            client,
            user,
            render_order_png(plan),
            filename=f"plan-{_safe(plan.order.ref)}.png",
            title=_("Plan of {ref}", ref=plan.order.ref),
            alt=plan.said(),
        )
    reply(views.order_plan_message(plan, dm=dm))


def _upload(
    client: WebClient, user: str, png: bytes, *, filename: str, title: str, alt: str
) -> str | None:
    """Upload `png` into the bot's DM with `user`; the DM's channel id, or None if it failed."""
    # files.completeUploadExternal shares into a conversation id, not a user id: open the DM.
    opened = safely(client.conversations_open, users=user)
    channel = ((opened or {}).get("channel") or {}).get("id") if opened else None
    if not channel:
        return None
    uploaded = safely(
        client.files_upload_v2,
        channel=channel,
        file_uploads=[
            {"content": png, "filename": filename, "title": title[:250], "alt_txt": alt[:1000]}
        ],
    )
    return str(channel) if uploaded is not None else None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:60] or "chart"


# --- buttons -----------------------------------------------------------------------------------


def load_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """A work center's button on the operations Home tab: its load chart, by DM."""
    ack()
    user = user_id(body)

    def reply(message: dict[str, Any]) -> None:
        safely(client.chat_postMessage, channel=user, **message)

    try:
        show_load(ShowLoad(str(action.get("value") or "")), user, reply, client, orders, users)
    except PlanningError as error:
        refuse(context, None, error, client=client, user=user)


def plan_clicked(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    """The Plan button on an order's message: the plan to whoever clicked, only them."""
    ack()
    user = user_id(body)
    try:
        order = ButtonValue.decode(str(action.get("value") or "")).order
    except ValueError:
        order = None
    if order is None:
        refuse(context, respond, _("This button names no order; type `/promisebot order REF`."))
        return

    def reply(message: dict[str, Any]) -> None:
        if context.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **message)
        else:
            safely(client.chat_postMessage, channel=user, **message)

    try:
        show_order_plan(str(order), user, reply, client, orders, users)
    except PlanningError as error:
        refuse(context, respond, error, client=client, user=user)
