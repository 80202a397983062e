"""`/promisebot`: roles (`/promisebot role @user ROLE`, admins only), an order's plan
(`/promisebot order PB-00012`, handlers.planner) and help."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.platform.blockkit import info_message
from bot.platform.users import ROLES, UserService
from bot.promising.orders import OrderNotFound, OrderService
from capacity.model import PlanningError
from handlers import planner
from handlers.admin_views import roles_message
from handlers.common import refuse

COMMAND = "/promisebot"
USAGE = (
    "`/promisebot role @user ROLE` gives someone a role (admins only; ROLE is "
    + ", ".join(ROLES)
    + "). `/promisebot roles` lists them. `/promisebot whoami` tells you yours. "
    "Quotes: `/promise QTY SKU [for CUSTOMER] [by DATE]`."
)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")


def register(app: App) -> None:
    app.command(COMMAND)(promisebot_command)


def promisebot_command(
    ack: Ack,
    command: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    orders: OrderService,
    users: UserService,
) -> None:
    ack()
    words = (command.get("text") or "").split()
    actor = command["user_id"]
    verb = words[0].lower() if words else "help"
    try:
        if verb == "role":
            if len(words) != 3:
                raise PlanningError(f"Write `/promisebot role @user ROLE`. {USAGE}")
            target = _user(words[1])
            was = users.set_role(actor, target, words[2])
            role = words[2].strip().lower()
            respond(
                response_type="ephemeral",
                **info_message(f":white_check_mark: <@{target}> is now {role} (was {was})."),
            )
        elif verb == "roles":
            users.require(actor, "manager", doing="list roles")
            respond(response_type="ephemeral", **roles_message(users.roles()))
        elif verb == "order":
            if len(words) != 2:
                raise PlanningError("Name one order by its ref, like `/promisebot order PB-00012`.")
            _order_plan(words[1], actor, respond, client, orders, users)
        elif verb == "whoami":
            respond(response_type="ephemeral", **info_message(f"You are {users.role(actor)}."))
        else:
            respond(response_type="ephemeral", **info_message(USAGE))
    except PlanningError as error:
        refuse(context, respond, error)


def _order_plan(
    ref: str,
    actor: str,
    respond: Respond,
    client: WebClient,
    orders: OrderService,
    users: UserService,
) -> None:
    def reply(message: dict[str, Any]) -> None:
        respond(response_type="ephemeral", **message)

    try:
        planner.show_order_plan(ref, actor, reply, client, orders, users)
    except OrderNotFound as error:
        raise PlanningError(
            f"There is no order {error.ref!r}. Give its ref as the order's message shows it, "
            "like `/promisebot order PB-00012`."
        ) from None


def _user(word: str) -> str:
    match = _MENTION.match(word.strip())
    if match is None:
        raise PlanningError(f"{word!r} is not a person; mention them, like `@sam`.")
    return match.group(1) or match.group(2)
