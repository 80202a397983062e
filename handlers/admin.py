"""`/promisebot`: roles (`/promisebot role @user ROLE`, admins only), help, an order's plan
(`/promisebot order PB-00012`, handlers.planner), and `/promisebot simulate [DAYSd] [seeds 1,2]`
(managers and admins): the promise-reliability simulation of the database's factory, posted to
the channel it was asked in."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.platform import i18n
from bot.platform.blockkit import error_message, info_message
from bot.platform.clock import Now, local_today
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.languages import Languages
from bot.platform.settings import Settings
from bot.platform.users import ROLES, UserService
from bot.promising.orders import OrderNotFound, OrderService
from bot.simulation import report
from bot.simulation.database import simulate_database
from capacity.model import PlanningError
from handlers import language, planner
from handlers.admin_views import (
    roles_message,
    simulation_result_message,
    simulation_running_message,
)
from handlers.common import refuse, safely

log = logging.getLogger(__name__)

COMMAND = "/promisebot"
USAGE = N_(
    "`/promisebot role @user ROLE` gives someone a role (admins only; ROLE is {roles}). "
    "`/promisebot roles` lists them. `/promisebot whoami` tells you yours. "
    "`/promisebot order PB-00012` shows an order's plan (its owner, operations, managers). "
    "`/promisebot simulate [90d] [seeds 1,2]` compares ways of promising on months of simulated "
    "orders (managers and admins). Quotes: `/promise QTY SKU [for CUSTOMER] [by DATE]`."
)
SIMULATE_USAGE = N_(
    "Write `/promisebot simulate`, optionally with the days of orders (like `90d`, from 1 to "
    "{most_days}) and the seeds (like `seeds 1,2`, at most {most_seeds} whole numbers)."
)
DEFAULT_DAYS = 180
DEFAULT_SEEDS: tuple[int, ...] = (1, 2, 3)
MOST_DAYS = 365
MOST_SEEDS = 5
_DAYS = re.compile(r"^(\d+)d$")
_RUNNING = threading.Lock()
"""Held while a simulation runs: one at a time, the machine has few cores."""
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$")


def usage() -> str:
    """What `/promisebot` takes, in the reader's language (the role names stay as typed)."""
    return i18n.gettext(USAGE, roles=", ".join(ROLES))


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
    settings: Settings,
    clock: Now,
    languages: Languages,
) -> None:
    ack()

    def reply(message: dict[str, Any]) -> None:
        respond(response_type="ephemeral", **message)

    words = (command.get("text") or "").split()
    actor = command["user_id"]
    verb = words[0].lower() if words else "help"
    try:
        if verb == "role":
            if len(words) != 3:
                raise PlanningError(
                    _("Write `/promisebot role @user ROLE`. {usage}", usage=usage())
                )
            target = _user(words[1])
            was = users.set_role(actor, target, words[2])
            role = words[2].strip().lower()
            respond(
                response_type="ephemeral",
                **info_message(
                    ":white_check_mark: "
                    # TRANSLATORS: role and was are role names as typed: sales, operations...
                    + _("<@{target}> is now {role} (was {was}).", target=target, role=role, was=was)
                ),
            )
        elif verb == "roles":
            users.require(actor, "manager", doing=N_("list roles"))
            respond(response_type="ephemeral", **roles_message(users.roles()))
        elif verb == "order":
            if len(words) != 2:
                raise PlanningError(
                    _("Name one order by its ref, like `/promisebot order PB-00012`.")
                )
            _order_plan(words[1], actor, respond, client, orders, users)
        elif verb == "simulate":
            users.require(actor, "manager", "admin", doing=N_("run the simulation"))
            days, seeds = parse_simulate(words[1:])
            channel = str(command["channel_id"])
            _simulate(respond, client, settings, clock, languages, channel, days, seeds)
        elif verb == "language":
            language.language_command(
                words[1:], actor, command.get("channel_id"), reply, client, languages, users
            )
        elif verb == "whoami":
            respond(
                response_type="ephemeral",
                # TRANSLATORS: role is a role name: sales, operations, manager or admin.
                **info_message(_("You are {role}.", role=users.role(actor))),
            )
        else:
            respond(response_type="ephemeral", **info_message(usage()))
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
            _(
                "There is no order {ref}. Give its ref as the order's message shows it, "
                "like `/promisebot order PB-00012`.",
                ref=repr(error.ref),
            )
        ) from None


def _user(word: str) -> str:
    match = _MENTION.match(word.strip())
    if match is None:
        raise PlanningError(
            _("{word} is not a person; mention them, like `@sam`.", word=repr(word))
        )
    return match.group(1) or match.group(2)


def parse_simulate(words: Sequence[str]) -> tuple[int, tuple[int, ...]]:
    """`[DAYSd] [seeds 1,2]` as (days, seeds); PlanningError naming what is wrong."""
    usage = i18n.gettext(SIMULATE_USAGE, most_days=MOST_DAYS, most_seeds=MOST_SEEDS)
    days, seeds = DEFAULT_DAYS, DEFAULT_SEEDS
    rest = list(words)
    while rest:
        word = rest.pop(0)
        found = _DAYS.match(word.lower())
        if found is not None:
            days = int(found.group(1))
            if not 1 <= days <= MOST_DAYS:
                raise PlanningError(
                    _(
                        "{word} is not between 1 and {most} days. {usage}",
                        word=repr(word),
                        most=MOST_DAYS,
                        usage=usage,
                    )
                )
        elif word.lower() == "seeds":
            if not rest:
                raise PlanningError(_("`seeds` needs a list like `1,2`. {usage}", usage=usage))
            seeds = _seeds(rest.pop(0), usage)
        else:
            raise PlanningError(
                _(
                    "{word} is not something the simulation takes. {usage}",
                    word=repr(word),
                    usage=usage,
                )
            )
    return days, seeds


def _seeds(text: str, usage: str) -> tuple[int, ...]:
    seeds: list[int] = []
    for part in text.split(","):
        if not part.strip().isdigit():
            raise PlanningError(
                _(
                    "{part} is not a whole number ≥ 0. {usage}",
                    part=repr(part.strip()),
                    usage=usage,
                )
            )
        if int(part) not in seeds:
            seeds.append(int(part))
    if len(seeds) > MOST_SEEDS:
        raise PlanningError(
            _(
                "{n} seeds is more than {most}. {usage}",
                n=len(seeds),
                most=MOST_SEEDS,
                usage=usage,
            )
        )
    return tuple(seeds)


def _simulate(
    respond: Respond,
    client: WebClient,
    settings: Settings,
    clock: Now,
    languages: Languages,
    channel: str,
    days: int,
    seeds: tuple[int, ...],
) -> None:
    """Answer at once, simulate (this listener runs after its ack), then post the result."""
    if not _RUNNING.acquire(blocking=False):
        raise PlanningError(
            _(
                "A simulation is already running; its result will be posted where it was asked. "
                "Try again when it is done."
            )
        )
    try:
        respond(response_type="ephemeral", **simulation_running_message(days, seeds))
        start = local_today(clock, settings.tzinfo)
        try:
            # What it posts everyone in the channel reads: in the channel's language.
            with i18n.using(languages.of_channel(channel)):
                done = simulate_database(settings, start=start, days=days, seeds=seeds)
        except PlanningError:
            raise
        except Exception:
            log.exception("the simulation failed")
            respond(
                response_type="ephemeral",
                **error_message(
                    _(
                        "The simulation failed on our side, so there is no result. Try again in "
                        "a moment; if it keeps happening, tell an admin."
                    )
                ),
            )
            return
        with i18n.using(languages.of_channel(channel)):
            shown = simulation_result_message(
                days,
                seeds,
                report.headline(done.figures),
                report.table_lines(done.figures),
                done.about,
            )
            comment = _("On-time rate against quoted lead time, for every way of promising.")
            chart_title = _("On-time rate against quoted lead time")
        posted = safely(client.chat_postMessage, channel=channel, **shown)
        if posted is None:
            respond(response_type="ephemeral", **shown)
            return
        chart = report.CHART_FILES[0]
        safely(
            client.files_upload_v2,
            channel=channel,
            initial_comment=comment,
            file_uploads=[
                {
                    "filename": chart,
                    "content": report.charts(done.figures)[chart],
                    "title": chart_title,
                }
            ],
        )
    finally:
        _RUNNING.release()
