"""Smaller holes of issue 10: absurd numbers and days are answered with what to fix, a form's
response_url must be Slack's, other workspaces' users are refused, and export writes through no
symbolic link. Each over signed HTTP to the real app (or the CLI), changing nothing."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from bot.sandbox import SlackRequester, Workspace, fill_view
from handlers import orders_views, shipping_views
from handlers.parsing import QTY_ACTION, SKU_ACTION, WANTED_ACTION
from tests.slack_harness import (
    AS_OF,
    OPS,
    SALES,
    SALES_CHANNEL,
    SECRET,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)

HUGE = "9" * 5000


@pytest.fixture(autouse=True)
def _all_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def no_failure_logged(caplog: pytest.LogCaptureFixture) -> None:
    failed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failed == []


def told(world: World, text: str, name: str = "/promise", user: str = SALES) -> str:
    reply, response = world.command(text, user, SALES_CHANNEL, name=name)
    assert reply.status == 200, reply
    message = world.answer(response)
    assert message.ephemeral_to == user
    return message.text


# --- numbers and days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{HUGE} BRKT for Acme", "is too large a quantity: write at most 1,000,000,000"),
        (f"{'9' * 11} BRKT for Acme", "is too large a quantity: write at most 1,000,000,000"),
        ("5 BRKT for Acme by in 99999999 days", "is too far ahead: write a day within 10 years"),
        (f"5 BRKT for Acme by in {HUGE} weeks", "is too far ahead: write a day within 10 years"),
    ],
)
def test_an_absurd_quantity_or_day_in_promise_says_what_to_fix(
    world: World, caplog: pytest.LogCaptureFixture, text: str, expected: str
) -> None:
    before = world.dump()
    answer = told(world, text)
    assert expected in answer
    assert "went wrong" not in answer
    world.settle()
    assert world.dump() == before
    no_failure_logged(caplog)


def test_an_absurd_quantity_in_the_promise_form_is_an_inline_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    reply = world.requester.shortcut("promise_shortcut", SALES)
    assert reply.status == 200
    world.form(SALES, "promise_modal")
    before = world.dump()
    answer = world.submit(
        SALES, {SKU_ACTION: "BRKT", QTY_ACTION: HUGE, WANTED_ACTION: "2026-11-25"}
    )
    assert answer.body["response_action"] == "errors"
    assert "at most 1,000,000,000" in json.dumps(answer.body["errors"])
    world.settle()
    assert world.dump() == before
    no_failure_logged(caplog)


@pytest.mark.parametrize(
    "text", [f"Acme — wants brackets, follow up in {HUGE} days", "Acme follow up in 99999999 days"]
)
def test_an_absurd_follow_up_in_lead_says_what_to_fix(
    world: World, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    before = world.dump()
    answer = told(world, text, name="/lead")
    assert "too far ahead to follow up" in answer
    world.settle()
    assert world.dump() == before
    no_failure_logged(caplog)


# --- the Ship form's response_url ------------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    """Somewhere that is not Slack: records every request it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                recorder.paths.append(self.path)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_ship_form_posts_to_no_response_url_but_slacks(
    world: World, elsewhere: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    world.click(quote, orders_views.CONFIRM)
    confirmed = eventually(
        lambda: (
            (m := world.slack.message(SALES_CHANNEL, quote.ts)).text.startswith("Confirmed") and m
        )
    )
    world.click(confirmed, orders_views.SHIP, OPS)
    view = world.form(OPS, shipping_views.SHIP_MODAL)
    data = json.loads(view["private_metadata"])
    assert data["response_url"]  # Slack's (here: the fake's)
    data["response_url"] = f"http://127.0.0.1:{elsewhere.server_port}/steal"
    forged = {**view, "private_metadata": json.dumps(data)}

    reply = world.requester.view_submission(
        fill_view(forged, {shipping_views.SHIP_QTY_ACTION: 5}), OPS
    )
    assert reply.status == 200
    world.settle()
    assert elsewhere.paths == []
    assert any("not Slack's" in r.getMessage() for r in caplog.records)
    no_failure_logged(caplog)


# --- other workspaces ----------------------------------------------------------------------------


def test_a_user_of_another_workspace_is_refused_politely_and_changes_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    before = world.dump()
    # A shared channel: the same app, Slack's signature, but the user belongs to another team.
    guest = SlackRequester(
        world.requester.url,
        SECRET,
        workspace=Workspace(team_id="T0ELSEWHERE", team_domain="elsewhere"),
        trigger_ids=world.slack.trigger_id,
    )
    url = world.slack.response_url("guest-cmd", channel=SALES_CHANNEL, user="U0GUEST")
    reply = guest.command(
        "/promise", "20 BRKT for Acme by Wed 25 Nov", "U0GUEST", SALES_CHANNEL, response_url=url
    )
    assert reply.status == 200
    assert reply.body["text"].startswith("promisebot works for the people of its own workspace")

    click_url = world.slack.response_url(
        "guest-click", channel=SALES_CHANNEL, user="U0GUEST", message_ts=quote.ts
    )
    button = world.buttons(quote, orders_views.HOLD)[0]
    reply = guest.block_action(
        orders_views.HOLD,
        button["value"],
        "U0GUEST",
        SALES_CHANNEL,
        quote.as_slack(),
        click_url,
        ephemeral=True,
    )
    assert reply.status == 200
    assert world.answer("guest-click").text.startswith(
        "promisebot works for the people of its own workspace"
    )
    world.settle()
    assert world.dump() == before
    no_failure_logged(caplog)


# --- export and symbolic links -------------------------------------------------------------------


def test_export_refuses_to_write_through_a_symbolic_link(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = tmp_path / "export"
    target.mkdir()
    (target / "orders.csv").symlink_to(victim)

    code = main(
        ["export", str(target), "--database-url", world.db.url],
        env={"PROMISEBOT_AS_OF": str(AS_OF)},
    )

    assert code == 2
    assert victim.read_text() == "precious\n"
    assert sorted(os.listdir(target)) == ["orders.csv"]  # nothing written at all
    assert "orders.csv: is a symbolic link" in capsys.readouterr().err
