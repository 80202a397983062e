"""The real Slack app served over HTTP, talking to the fake Slack Web API, on a real database.

The fixture `world` (import `world_fixture`; SQLite and PostgreSQL through `migrated_db`)
loads a small factory, builds the app with `build_app` exactly as `promisebot run` does, serves
it with uvicorn on a free port, and gives a `World`: signed requests in (`World.promise`,
`World.click` …), the fake Web API's record out (`World.slack`), and the database to compare
(`World.dump()`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
import uvicorn
from slack_bolt import App

from bot.app import Services, build_app
from bot.app.server import uvicorn_config
from bot.factory.files import read_factory_dir
from bot.factory.store import save_factory
from bot.platform.clock import Clock
from bot.platform.db.session import with_clock, write_transaction
from bot.platform.db.tables import OutboxRow
from bot.platform.settings import Settings
from bot.promising.orders import record_factory_change
from bot.sandbox import FakeSlack, Message, SlackReply, SlackRequester, fill_view
from tests.conftest import MigratedDb, dump_database

T = TypeVar("T")

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


class ServedApp:
    """uvicorn serving the app's Starlette adapter on a free port, in a thread."""

    def __init__(self, app: App) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        port = self.socket.getsockname()[1]
        config = uvicorn_config(app, host="127.0.0.1", port=port)
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
    _names: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

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
        """Fill in the user's open modal and submit it; the fake applies the app's answer."""
        view = eventually(lambda: self.slack.last_view(user), what=f"a modal for {user}")
        reply = self.requester.view_submission(fill_view(view, values), user)
        assert reply.status == 200, reply
        self.slack.apply_view_response(
            view["id"], reply.body if isinstance(reply.body, dict) else None
        )
        return reply

    def form(self, user: str, callback_id: str) -> dict[str, Any]:
        """The user's open modal once it is filled in (forms open on a loading view first)."""
        return eventually(
            lambda: (
                (view := self.slack.last_view(user))
                and view.get("callback_id") == callback_id
                and view
            ),
            what=f"the {callback_id} form for {user}",
        )

    # --- looking ---------------------------------------------------------------------------

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        return dump_database(self.db.engine)

    def settle(self) -> None:
        """Wait until the app's listeners are idle (all work after acks is done)."""
        executor = self.app.listener_runner.listener_executor
        queue = getattr(executor, "_work_queue", None)
        time.sleep(0.05)
        eventually(lambda: queue is None or queue.empty(), what="the listeners")
        time.sleep(0.1)
        eventually(self._outbox_idle, what="the outbox rows being sent")

    def _outbox_idle(self) -> bool:
        """No outbox row is held by a worker (a listener sending what its change decided)."""
        with self.db.session_factory() as session:
            busy = session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.claimed_by.is_not(None))
            )
        return not busy

    def ephemeral_texts(self, user: str) -> list[str]:
        return [m.text for m in self.slack.ephemerals(user)]

    def assert_blocks_valid(self) -> None:
        """Slack (the fake) refused no blocks or views, and every message had a text fallback."""
        refused = [
            c for c in self.slack.calls() if c.error in ("invalid_blocks", "invalid_arguments")
        ]
        assert refused == [], refused
        for call in self.slack.calls():
            if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
                assert call.params.get("text"), f"{call.method} without a text fallback"
        for post in self.slack.responses():
            if not post.body.get("delete_original"):
                assert post.body.get("text"), f"response without a text fallback: {post.body}"


def _only(block: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
    return block


def make_world(db: MigratedDb, slack: FakeSlack, factory_dir: Path, **overrides: Any) -> World:
    settings = Settings(
        database_url=db.url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.url,
        as_of=AS_OF,
        ops_channel=OPS_CHANNEL,
        admins=(ADMIN,),
        **overrides,
    )
    # The planning day is fixed, and so is everything's clock: 09:00 on AS_OF, then running on.
    clock = Clock.from_settings(settings)
    with write_transaction(with_clock(db.session_factory, clock)) as session:
        save_factory(session, read_factory_dir(factory_dir))
        record_factory_change(session, "test", {})
    services = Services.create(settings, db.session_factory, clock=clock)
    app = build_app(settings, services)
    served = ServedApp(app)
    requester = SlackRequester(served.url, SECRET, trigger_ids=slack.trigger_id)
    world = World(settings, db, slack, services, app, requester)
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
    with FakeSlack(
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
    ) as slack:
        world = make_world(migrated_db, slack, write_factory(tmp_path))
        world.services.users.set_role(ADMIN, OPS, "operations")
        world.services.users.set_role(ADMIN, MANAGER, "manager")
        try:
            yield world
        finally:
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
