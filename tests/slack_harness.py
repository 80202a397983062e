"""The real Slack app served over HTTP, talking to the fake Slack Web API, on a real database.

The fixture `world` (import `world_fixture`; SQLite and PostgreSQL through `migrated_db`)
loads a small factory, builds the app with `build_app` exactly as `promisebot run` does, serves
it with uvicorn on a free port, and gives a `World`: signed requests in (`World.promise`,
`World.click` …), the fake Web API's record out (`World.slack`), and the database to compare
(`World.dump()`).

The app answers Slack first and works after (its listeners run in Bolt's thread pool), so a test
never looks right after a request: it waits for what it expects (`eventually`, `World.answer`,
`World.call`, `World.form`), or for the app to have finished everything it started
(`World.settle`, which knows, rather than guesses, when the app is idle: `AppWork` counts the
requests being answered and the listener work queued or running).

PROMISEBOT_TEST_SLACK_LAG=SECONDS slows the app's work after each ack by that much: every
listener pauses after its ack and after each commit, and the fake Slack records each call that
much after it arrives and answers that much later. A test that looks too early then fails every
time instead of once in a while. It is for finding such tests, not for CI.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
import uvicorn
from slack_bolt import Ack, App, BoltResponse
from sqlalchemy.orm import Session, sessionmaker

from bot.app import Services, build_app
from bot.app.server import uvicorn_config
from bot.demo import DEMO_DIR
from bot.factory.files import read_factory_dir
from bot.factory.store import save_factory
from bot.platform.clock import Clock
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.settings import Settings
from bot.promising.orders import record_factory_change
from bot.sandbox import Call, FakeSlack, Message, SlackReply, SlackRequester, fill_view
from tests.conftest import MigratedDb, dump_database
from tests.slack_limits import live_sequences, message_problems, texts, view_problems

T = TypeVar("T")

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]
LAG_VARIABLE = "PROMISEBOT_TEST_SLACK_LAG"

TOKEN = "xoxb-promisebot-test"
SECRET = "promisebot-test-signing-secret"
AS_OF = date(2026, 11, 23)  # a Monday
SALES = "U0SALES"
SALES_2 = "U0SALES2"
OPS = "U0OPS"
MANAGER = "U0MANAGER"
ADMIN = "U0ADMIN"
SALES_CHANNEL = "C0SALES"
OPS_CHANNEL = "C0OPS"
PEOPLE = (SALES, SALES_2, OPS, MANAGER, ADMIN)

FACTORY = {
    # DESIGN.md's worked example, with a rush reserve of 25 % on CNC and PAINT, so that
    # operations have a reserve to release.
    "work_centers.csv": "code,name,machines,shifts_per_day,hours_per_shift,efficiency,workdays,"
    "rush_reserve_pct\nCNC,CNC mill,1,1,8,1.0,Mon-Fri,25\nPAINT,Paint line,1,1,8,1.0,Mon-Fri,25\n",
    "calendar.csv": "work_center,date,hours,reason\n",
    "items.csv": "sku,name,kind,uom,lead_time_days,safety_stock\n"
    "BRKT,Bracket,make,ea,0,0\nSHEET,Steel sheet,buy,ea,10,0\nFLANGE,Flange,make,ea,0,0\n",
    "bom.csv": "parent_sku,component_sku,qty_per\nBRKT,SHEET,1\n",
    "routings.csv": "sku,seq,work_center,setup_hours,run_hours_per_unit,lag_days\n"
    "BRKT,10,CNC,2,0.5,0\nBRKT,20,PAINT,0,0.25,0\nFLANGE,10,CNC,0,1,0\n",
    "inventory.csv": "sku,on_hand\nBRKT,5\nSHEET,20\n",
    "receipts.csv": "sku,date,qty,ref\n",
}


_NAMES = itertools.count(1)
"""Names of response_urls, unique in the process: a restarted app (`serve_world`) shares a fake."""


def eventually(check: Callable[[], T], timeout: float = 10.0, what: str = "it") -> T:
    """Wait for work the app does after its ack (Slack's calls are recorded by the fake)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class AppWork:
    """What the app has not finished: requests it is answering and listener work after acks.

    Bolt acks a request and runs its listeners (and lazy listeners) in `listener_executor`;
    every task submitted there is counted until it is done, and so is every HTTP request from
    the moment it reaches the app until it is answered. A request submits its listeners before
    it is answered, so the count cannot fall to zero between a request and its listeners.
    """

    def __init__(self, app: App) -> None:
        self._busy = 0
        self._changed = threading.Condition()
        executor = app.listener_runner.listener_executor
        submit = executor.submit

        @functools.wraps(submit)
        def counted_submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
            self._start()
            try:
                future = submit(fn, *args, **kwargs)
            except BaseException:
                self._finish()
                raise
            future.add_done_callback(lambda _: self._finish())
            return future

        # One executor runs both the listeners and the lazy listeners (the instance attribute
        # wins over the class's method for both runners).
        executor.submit = counted_submit  # type: ignore[method-assign]

    def asgi(self, inner: ASGIApp) -> ASGIApp:
        """`inner`, counting each HTTP request until it has been answered."""

        async def counted(
            scope: MutableMapping[str, Any],
            receive: Callable[[], Awaitable[Any]],
            send: Callable[[Any], Awaitable[None]],
        ) -> None:
            self._start()
            try:
                await inner(scope, receive, send)
            finally:
                self._finish()

        return counted

    @property
    def busy(self) -> int:
        with self._changed:
            return self._busy

    def wait_idle(self, timeout: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._busy == 0, timeout=timeout):
                raise AssertionError(
                    f"the app was still busy after {timeout} s ({self._busy} unfinished)"
                )

    def _start(self) -> None:
        with self._changed:
            self._busy += 1

    def _finish(self) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()


@contextlib.contextmanager
def slowed_down(slack: FakeSlack, sessions: sessionmaker[Session], lag: float) -> Iterator[None]:
    """The app `lag` seconds slower at each step after an ack (see PROMISEBOT_TEST_SLACK_LAG):
    every listener pauses after its ack and after each commit, and the fake Slack records each
    call `lag` seconds after it arrived and answers `lag` seconds after that."""
    for name in ("_api", "_respond"):
        inner = getattr(slack, name)

        def lagging(*args: Any, _inner: Callable[..., Any] = inner) -> Any:
            time.sleep(lag)
            try:
                return _inner(*args)
            finally:
                time.sleep(lag)

        setattr(slack, name, lagging)

    acked = Ack.__call__

    def lagging_ack(self: Ack, *args: Any, **kwargs: Any) -> BoltResponse:
        try:
            return acked(self, *args, **kwargs)
        finally:
            time.sleep(lag)

    test_thread = threading.current_thread()

    def pause_after_commit(session: Session) -> None:
        if threading.current_thread() is not test_thread:
            time.sleep(lag)

    sa.event.listen(sessions, "after_commit", pause_after_commit)
    try:
        with pytest.MonkeyPatch.context() as patches:
            patches.setattr(Ack, "__call__", lagging_ack)
            yield
    finally:
        sa.event.remove(sessions, "after_commit", pause_after_commit)


class ServedApp:
    """uvicorn serving the app's Starlette adapter on a free port, in a thread."""

    def __init__(self, app: App, work: AppWork) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        port = self.socket.getsockname()[1]
        config = uvicorn_config(app, host="127.0.0.1", port=port, signing_secret=SECRET)
        config.app = work.asgi(config.app)
        config.log_level = "warning"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )
        self.thread.start()
        eventually(lambda: self.server.started, what="uvicorn to start")
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@dataclass
class World:
    settings: Settings
    db: MigratedDb
    slack: FakeSlack
    services: Services
    app: App
    requester: SlackRequester
    work: AppWork
    _names: Iterator[int] = field(default_factory=lambda: _NAMES)

    # --- sending ---------------------------------------------------------------------------

    def command(
        self, text: str, user: str = SALES, channel: str = SALES_CHANNEL, name: str = "/promise"
    ) -> tuple[SlackReply, str]:
        """A slash command; returns the reply and the name of its response_url in the fake."""
        response = f"cmd-{next(self._names)}"
        url = self.slack.response_url(response, channel=channel, user=user)
        reply = self.requester.command(name, text, user, channel, response_url=url)
        return reply, response

    def promise(self, text: str, user: str = SALES, channel: str = SALES_CHANNEL) -> Message:
        """`/promise TEXT` and the (ephemeral) message it answered with."""
        reply, response = self.command(text, user, channel)
        assert reply.status == 200, reply
        return self.answer(response)

    def answer(self, response: str, count: int = 1) -> Message:
        """The `count`-th message posted through a response_url (ephemeral or not)."""

        def posted() -> list[Message]:
            return [
                m
                for m in self.slack.ephemerals() + self.slack.messages()
                if m.via == f"response_url:{response}"
            ]

        found = eventually(lambda: len(posted()) >= count and posted(), what=f"{response}")
        return sorted(found, key=lambda m: m.ts)[count - 1]

    def click(
        self,
        message: Message,
        action_id: str,
        user: str = SALES,
        *,
        index: int = 0,
        value: str | None = None,
    ) -> tuple[SlackReply, str]:
        """Click the `index`-th button `action_id` of `message`; returns the reply and the name
        of the click's response_url."""
        button = self.buttons(message, action_id)[index]
        response = f"click-{next(self._names)}"
        url = self.slack.response_url(
            response, channel=message.channel, user=user, message_ts=message.ts
        )
        shown = message.as_slack(self.slack.workspace)
        blocks_with_button = [_only(b, button) for b in shown["blocks"]]
        shown["blocks"] = [b for b in blocks_with_button if b is not None]
        reply = self.requester.block_action(
            action_id,
            value if value is not None else button["value"],
            user,
            message.channel,
            shown,
            url,
            ephemeral=message.ephemeral_to is not None,
        )
        return reply, response

    def buttons(self, message: Message, action_id: str) -> list[dict[str, Any]]:
        found = []
        for block in message.blocks:
            elements = list(block.get("elements") or [])
            if block.get("accessory"):
                elements.append(block["accessory"])
            found += [e for e in elements if e.get("action_id") == action_id]
        assert found, f"no {action_id} button in {message.text!r}"
        return found

    def submit(self, user: str, values: dict[str, Any]) -> SlackReply:
        """Fill in the user's open modal and submit it; the fake applies the app's answer.

        Waits for a modal with a submit button: a form still loading cannot be submitted.
        """
        view = eventually(
            lambda: (v := self.slack.last_view(user)) and v.get("submit") and v,
            what=f"a form for {user}",
        )
        reply = self.requester.view_submission(fill_view(view, values), user)
        assert reply.status == 200, reply
        self.slack.apply_view_response(
            view["id"], reply.body if isinstance(reply.body, dict) else None
        )
        return reply

    def form(self, user: str, callback_id: str) -> dict[str, Any]:
        """The user's open modal once it is filled in (forms open on a loading view first, and a
        loading view has no submit button even when it has the form's callback_id)."""
        return eventually(
            lambda: (
                (view := self.slack.last_view(user))
                and view.get("callback_id") == callback_id
                and view.get("submit")
                and view
            ),
            what=f"the {callback_id} form for {user}",
        )

    def call(self, method: str, count: int = 1) -> Call:
        """The `count`-th call of the Web API `method` the fake received, once it has."""
        found = eventually(
            lambda: len(calls := self.slack.calls(method)) >= count and calls,
            what=f"{method} call #{count}",
        )
        return found[count - 1]

    # --- looking ---------------------------------------------------------------------------

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        return dump_database(self.db.engine)

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the app has answered every request and finished every listener it started
        (so every Web API call it was going to make has been made, and its writes are committed).
        """
        self.work.wait_idle(timeout)

    def ephemeral_texts(self, user: str) -> list[str]:
        return [m.text for m in self.slack.ephemerals(user)]

    def assert_blocks_valid(self) -> None:
        """Slack (the fake) refused no blocks or views, and every message and view the app sent
        keeps Slack's documented limits (tests.slack_limits), a text fallback included."""
        refused = [
            c for c in self.slack.calls() if c.error in ("invalid_blocks", "invalid_arguments")
        ]
        assert refused == [], refused
        problems: list[str] = []
        for call in self.slack.calls():
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
                found = message_problems(call.params)
            elif call.method in ("views.open", "views.update", "views.push", "views.publish"):
                found = view_problems(call.params.get("view") or {})
            else:
                continue
            problems += [f"{call.method}: {problem}" for problem in found]
        for post in self.slack.responses():
            if not post.body.get("delete_original"):
                problems += [f"response_url: {p}" for p in message_problems(post.body)]
        assert problems == [], "\n".join(problems)

    def live_sequences(self) -> list[str]:
        """Every `<…>` control sequence in what the app sent (messages, their fallback text,
        responses, views) that is not one of its own: its people's mentions, its channels, a
        moment shown in each reader's time zone. Text users typed must arrive escaped."""
        ours = re.compile(
            rf"@({'|'.join(PEOPLE)})|#({SALES_CHANNEL}|{OPS_CHANNEL})|!date\^\d+\^[^|<>]*\|[^<>]*"
        )
        payloads = [r.body for r in self.slack.responses()]
        for call in self.slack.calls():
            payloads.append(call.params.get("view") or call.params)
        return [
            f"<{sequence}> in {text[:100]!r}"
            for payload in payloads
            for kind, text in texts(payload)
            if kind == "mrkdwn"
            for sequence in live_sequences(text)
            if not ours.fullmatch(sequence)
        ]


def _only(block: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
    return block


def make_world(db: MigratedDb, slack: FakeSlack, factory_dir: Path, **overrides: Any) -> World:
    settings = _settings(db, slack, **overrides)
    # The planning day is fixed, and so is everything's clock: 09:00 on AS_OF, then running on.
    clock = Clock.from_settings(settings)
    with write_transaction(with_clock(db.session_factory, clock)) as session:
        save_factory(session, read_factory_dir(factory_dir))
        record_factory_change(session, "test", {})
    return serve_world(db, slack, **overrides)


def _settings(db: MigratedDb, slack: FakeSlack, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": db.url,
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.url,
        "as_of": AS_OF,
        "ops_channel": OPS_CHANNEL,
        "admins": (ADMIN,),
    }
    return Settings(**{**fields, **overrides})


def serve_world(db: MigratedDb, slack: FakeSlack, **overrides: Any) -> World:
    """The app built and served on `db` as `promisebot run` would (a restart, with other
    settings when `overrides` say so); close it with `close_world`."""
    settings = _settings(db, slack, **overrides)
    services = Services.create(settings, db.session_factory, clock=Clock.from_settings(settings))
    app = build_app(settings, services)
    work = AppWork(app)
    served = ServedApp(app, work)
    requester = SlackRequester(served.url, SECRET, trigger_ids=slack.trigger_id)
    world = World(settings, db, slack, services, app, requester, work)
    world._served = served  # type: ignore[attr-defined]
    return world


def write_factory(tmp_path: Path) -> Path:
    folder = tmp_path / "factory"
    folder.mkdir()
    for name, text in FACTORY.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(name="world")
def world_fixture(migrated_db: MigratedDb, tmp_path: Path) -> Iterator[World]:
    yield from served_world(migrated_db, write_factory(tmp_path))


@pytest.fixture(name="demo_world")
def demo_world_fixture(migrated_db: MigratedDb) -> Iterator[World]:
    """The same people and channels on the demo factory (bot/demo), with none of its orders."""
    yield from served_world(migrated_db, DEMO_DIR)


def served_world(migrated_db: MigratedDb, factory_dir: Path) -> Iterator[World]:
    """A World on `factory_dir`, with sales, operations, a manager and an admin, served until
    the test ends."""
    with (
        FakeSlack(
            token=TOKEN,
            users={
                SALES: {"name": "sam"},
                SALES_2: {"name": "sue"},
                OPS: {"name": "olga"},
                MANAGER: {"name": "max"},
                ADMIN: {"name": "ada"},
            },
            channels={SALES_CHANNEL: "sales", OPS_CHANNEL: "operations"},
            retry_after=0,
        ) as slack,
        contextlib.ExitStack() as stack,
    ):
        if lag := float(os.environ.get(LAG_VARIABLE) or 0):
            stack.enter_context(slowed_down(slack, migrated_db.session_factory, lag))
        world = make_world(migrated_db, slack, factory_dir)
        world.services.users.set_role(ADMIN, OPS, "operations")
        world.services.users.set_role(ADMIN, MANAGER, "manager")
        try:
            yield world
        finally:
            close_world(world)


def close_world(world: World) -> None:
    world.settle()
    world._served.close()  # type: ignore[attr-defined]


def command_body(
    world: World, text: str, user: str, channel: str, trigger_id: str, url: str
) -> str:
    """The form body Slack posts for `/promise TEXT` (to send it again as a retry)."""
    from urllib.parse import urlencode

    ws = world.slack.workspace
    return urlencode(
        {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": channel,
            "channel_name": "sales",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/promise",
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": url,
            "trigger_id": trigger_id,
        }
    )
