"""The Slack app assembled: a Bolt `App` with every listener, its services and its safety nets.

    services = Services.create(settings, session_factory)
    app = build_app(settings, services)

Tests, the sandbox and `promisebot run` all build it this way. Listeners receive the services by
parameter name (`orders`, `requests`, `users`, `leads`, `summits`, `deliveries`, `languages`,
`settings`): a middleware puts them on Bolt's context. Another speaks the language of the person
acting (bot.platform.languages; `context["language"]`), and another claims each request's
delivery key (bot.platform.deliveries) so that Slack's retries and double clicks act once.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.collaboration.leads import LeadService
from bot.collaboration.summits import SummitService
from bot.platform import i18n
from bot.platform.clock import Clock, Now
from bot.platform.db.session import with_clock
from bot.platform.deliveries import Deliveries, delivery_key
from bot.platform.i18n import N_
from bot.platform.i18n import gettext as _
from bot.platform.languages import Languages
from bot.platform.metrics import InstrumentedWebClient
from bot.platform.outbox import OutboxWorker
from bot.platform.settings import Settings
from bot.platform.users import UserService
from bot.promising.capacity_requests import DELIVERED_HOOKS, CapacityRequestService
from bot.promising.orders import OrderService
from handlers import (
    admin,
    changes,
    home,
    language,
    leads,
    operations,
    orders,
    planner,
    shipping,
    summits,
)
from handlers.common import DELIVERY_KEY, release, safely

log = logging.getLogger(__name__)

LISTENER_MODULES = (
    orders,
    operations,
    home,
    admin,
    leads,
    summits,
    shipping,
    changes,
    planner,
    language,
)
ONCE_ACTIONS = (
    orders.ONCE_ACTIONS
    | operations.ONCE_ACTIONS
    | leads.ONCE_ACTIONS
    | summits.ONCE_ACTIONS
    | shipping.ONCE_ACTIONS
    | changes.ONCE_ACTIONS
)
SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Services:
    """What the listeners use, built once per process."""

    orders: OrderService
    requests: CapacityRequestService
    users: UserService
    deliveries: Deliveries
    leads: LeadService
    summits: SummitService
    clock: Now
    """The one clock every service above reads (bot.platform.clock)."""
    languages: Languages

    @classmethod
    def create(
        cls,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        clock: Now | None = None,
        orders: OrderService | None = None,
    ) -> Services:
        """Every service on `session_factory`, all reading one clock: `clock`, else the order
        service's when one is given, else the clock the settings ask for."""
        clock = clock or (orders.clock if orders else Clock.from_settings(settings))
        # What a listener's change puts in the outbox is sent at once by this worker.
        outbox = outbox_worker(settings, session_factory, clock)
        orders = orders or OrderService(settings, session_factory, clock=clock)
        if orders.outbox is None:
            orders.outbox = outbox
        users = UserService(settings, session_factory, clock=clock)
        requests = CapacityRequestService(
            settings, session_factory, orders, users, clock=clock, outbox=outbox
        )
        return cls(
            orders,
            requests,
            users,
            Deliveries(session_factory, clock=clock),
            LeadService(settings, session_factory, clock=clock, outbox=outbox),
            SummitService(settings, session_factory, orders=orders, clock=clock),
            clock,
            Languages(settings, session_factory, clock=clock),
        )

    def as_context(self, settings: Settings) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "requests": self.requests,
            "users": self.users,
            "deliveries": self.deliveries,
            "leads": self.leads,
            "summits": self.summits,
            "clock": self.clock,
            "languages": self.languages,
            "settings": settings,
        }


def outbox_worker(
    settings: Settings, session_factory: sessionmaker[Session], clock: Now
) -> OutboxWorker:
    """An outbox worker that sends what a listener's change just committed, at once."""
    return OutboxWorker(
        with_clock(session_factory, clock),
        web_client(settings),
        clock,
        on_delivered=DELIVERED_HOOKS,
    )


def web_client(settings: Settings) -> WebClient:
    """A WebClient that retries rate limits (honouring Retry-After) and dropped connections,
    and counts its failed calls for /metrics. (The outbox drops the connection retries: see
    bot.platform.outbox.)"""
    return InstrumentedWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url or SLACK_API_URL,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(settings: Settings, services: Services) -> App:
    """The Bolt app for `settings`, with every listener registered.

    Over HTTP (no SLACK_APP_TOKEN) every request's signature is checked with
    SLACK_SIGNING_SECRET. Listeners run after their ack (process_before_response=False), so
    Slack gets its answer at once and the work happens after.
    """
    socket_mode = bool(settings.slack_app_token)
    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    if not socket_mode and not settings.slack_signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is not set (needed unless SLACK_APP_TOKEN is)")
    services.users.forget_former_admins()
    bolt_logger = logging.getLogger("promisebot.bolt")
    if _WITHOUT_REJECTED_BODIES not in bolt_logger.filters:
        # Bolt's own loggers copy the filters of this one when they are made (in App()).
        bolt_logger.addFilter(_WITHOUT_REJECTED_BODIES)
    app = App(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=logging.getLogger("promisebot.bolt"),
        listener_executor=InContextExecutor(max_workers=5),
    )
    context_values = services.as_context(settings)

    @app.middleware
    def start_in_the_workspace_language(next: Callable[[], None]) -> None:
        # First of all, so that nothing of an earlier request's language is left in this thread
        # (a refusal below is in the workspace's language).
        i18n.activate(settings.language)
        next()

    @app.middleware
    def only_this_workspace(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        # Roles, owners and channels are this workspace's: a guest from another team in a
        # shared channel is not one of its salespeople (fail closed, before anything is done).
        installed = context.authorize_result.team_id if context.authorize_result else None
        foreign = foreign_team(body, installed)
        if foreign is None:
            next()
            return None
        log.info("refused a request from a user of another workspace (%s)", foreign)
        return _refuse_foreign(body, context)

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], None]) -> None:
        context.update(context_values)
        next()

    @app.middleware
    def speak_their_language(
        context: BoltContext, client: WebClient, next: Callable[[], None]
    ) -> None:
        # Everything drawn for the person acting (replies, forms, Home, refusals) is in their
        # language; the listener runs in a copy of this context (InContextExecutor).
        language = services.languages.for_person(context.user_id, client)
        context["language"] = i18n.activate(language)
        next()

    @app.middleware
    def act_once(
        body: dict[str, Any],
        context: BoltContext,
        next: Callable[[], None],
    ) -> BoltResponse | None:
        key = delivery_key(body, ONCE_ACTIONS)
        if key is None or services.deliveries.claim(key):
            context[DELIVERY_KEY] = key
            next()
            return None
        log.info("ignoring a repeated delivery: %s", key)
        _tell_duplicate(body, context)
        return BoltResponse(status=200, body="")

    @app.error
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        # Logged with the traceback; the claimed key is given back so a retry may try again.
        log.exception("listener failed on %s: %s", body.get("type") or body.get("command"), error)
        release(context)
        respond = context.get("respond")
        if respond is not None and context.get("response_url"):
            safely(
                respond,
                response_type="ephemeral",
                replace_original=False,
                text=":warning: "
                + _(
                    "Something went wrong on promisebot's side; it is logged. "
                    "Please try again in a moment."
                ),
            )

    for module in LISTENER_MODULES:
        module.register(app)
    return app


FOREIGN_TEXT = N_(
    "promisebot works for the people of its own workspace only, so it did nothing. Ask someone "
    "there to quote or change orders for you."
)


class InContextExecutor(ThreadPoolExecutor):
    """Bolt's listener executor, running each task in a copy of the submitter's contextvars.

    A thread pool runs tasks in its worker threads' own (empty) context, so the language the
    middleware set for a request would be lost in its listener; here each task carries it.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def foreign_team(body: dict[str, Any], installed: str | None) -> str | None:
    """The team of the person acting in `body` when it is not the `installed` one, else None.

    Slack names it in `team_id` (slash commands), `user.team_id` and `team.id` (interactivity)
    and `event.user_team` (events). Nothing to compare with (no installed team): None.
    """
    if not installed:
        return None
    named: list[object] = []
    if body.get("command"):
        named += [body.get("team_id"), body.get("user_team_id")]
    user, team, event = body.get("user"), body.get("team"), body.get("event")
    if isinstance(user, dict):
        named.append(user.get("team_id"))
    if isinstance(team, dict):
        named.append(team.get("id"))
    if isinstance(event, dict):
        named.append(event.get("user_team"))
    return next((str(t) for t in named if t and t != installed), None)


def _refuse_foreign(body: dict[str, Any], context: BoltContext) -> BoltResponse:
    if body.get("command"):
        return BoltResponse(
            status=200, body={"response_type": "ephemeral", "text": i18n.gettext(FOREIGN_TEXT)}
        )
    if body.get("type") == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    respond = context.get("respond")
    if respond is not None and context.get("response_url"):
        safely(
            respond,
            response_type="ephemeral",
            replace_original=False,
            text=i18n.gettext(FOREIGN_TEXT),
        )
    return BoltResponse(status=200, body="")


class _WithoutRejectedBodies(logging.Filter):
    """Bolt logs a request whose signature fails together with its whole body and signature;
    keep only the fact. An unsigned body is the sender's, not Slack's: it may be megabytes, hold
    a newline that forges a log line, or a secret pasted by mistake."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Invalid request signature detected"):
            record.msg = "refused a request whose signature did not verify"
            record.args = ()
        return True


_WITHOUT_REJECTED_BODIES = _WithoutRejectedBodies()


def _tell_duplicate(body: dict[str, Any], context: BoltContext) -> None:
    """Say why nothing happened the second time (only when a person is waiting)."""
    respond = context.get("respond")
    if respond is None or not context.get("response_url"):
        return
    if body.get("command"):
        text = _(
            "Slack delivered `{command}` twice; it was answered once, above.",
            command=f"{body['command']} {body.get('text', '')}",
        )
    else:
        action = (body.get("actions") or [{}])[0]
        label = ((action.get("text") or {}).get("text")) or action.get("action_id", "that")
        # TRANSLATORS: label is the text of the button clicked.
        text = _(
            "You clicked “{label}” twice; it was done once. Nothing more was changed.",
            label=label,
        )
    safely(respond, response_type="ephemeral", replace_original=False, text=text)


def dispatch(app: App, request: BoltRequest) -> BoltResponse:
    """Dispatch one request (used by the HTTP server and the benchmarks)."""
    return app.dispatch(request)
