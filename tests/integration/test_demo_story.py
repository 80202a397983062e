"""The demo lives in the present: on any day its story plays as the first steps on the page say.

Each test prepares the sandbox as `promisebot demo` would on one day (its database, the demo
factory moved to that day, a week of history) and walks the three first steps through the
sandbox's own API, which signs and sends to the real app what Slack would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.demo import demo_day
from bot.platform.db.tables import OrderRow
from bot.platform.settings import Settings
from bot.sandbox.fake_slack import Message
from bot.sandbox.seed import MANAGEMENT, MORGAN, OPERATIONS, PAT, SALES, SAM
from bot.sandbox.server import Sandbox
from bot.sandbox.signing import dm_channel_id
from handlers.parsing import format_day
from tests.slack_harness import eventually

DAYS = [
    pytest.param(date(2027, 3, 1), id="a-monday"),
    pytest.param(date(2027, 3, 5), id="a-friday"),
    pytest.param(date(2027, 3, 6), id="a-saturday"),
    pytest.param(date(2026, 12, 31), id="new-years-eve"),
    pytest.param(date(2028, 2, 29), id="leap-day"),
    pytest.param(date(2027, 7, 14), id="a-day-in-july"),
    pytest.param(date(2027, 12, 22), id="christmas-week"),
]


def open_demo(today: date, folder: Path) -> Sandbox:
    """The demo as it opens when the wall clock says `today`."""
    settings = Settings(database_url=f"sqlite:///{folder / 'demo.db'}")
    return Sandbox(settings, port=0, as_of=demo_day(today))


@pytest.fixture(scope="module", params=DAYS)
def opened(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    """The demo just opened, shared by the tests that only look at it."""
    with open_demo(request.param, tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(params=DAYS)
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    """The demo just opened, for a test that acts in it."""
    with open_demo(request.param, tmp_path) as running:
        yield running


def texts(value: Any) -> str:
    """Every text a person reads in some blocks, one per line."""
    if isinstance(value, dict):
        return "\n".join(
            v if k == "text" and isinstance(v, str) else texts(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return "\n".join(texts(v) for v in value)
    return ""


def press(sandbox: Sandbox, user: str, message: Message, label: str) -> None:
    """Click the button called `label` on `message`, as the page does."""

    def named(element: Any) -> bool:
        return (
            isinstance(element, dict)
            and element.get("type") == "button"
            and (element["text"]["text"] == label)
        )

    for index, block in enumerate(message.blocks):
        if named(block.get("accessory")):
            where: dict[str, Any] = {"block": index, "element": None}
            break
        found = [i for i, e in enumerate(block.get("elements") or []) if named(e)]
        if found:
            where = {"block": index, "element": found[0]}
            break
    else:
        raise AssertionError(f"no {label!r} button on: {message.text}")
    body = {"user": user, "channel": message.channel, "ts": message.ts, **where}
    assert sandbox.action(body)["status"] == 200


def one_of_the_days_after(text: str, day: date, as_of: date, most: int) -> bool:
    return any(format_day(day + timedelta(days=n), as_of) == text for n in range(1, most + 1))


def test_the_demo_opens_on_a_workday_with_every_order_booked(opened: Sandbox) -> None:
    assert opened.as_of.weekday() < 5
    booked = re.compile(r"Booked the demo factory as of .+: 35 orders from .+, 0 at risk\.")
    assert [line for line in opened.prepared if booked.fullmatch(line)], opened.prepared
    assert not any("in the past" in line for line in opened.prepared)
    assert opened.services is not None
    with opened.services.orders.sessions() as session:
        statuses = session.scalars(sa.select(OrderRow.status).distinct()).all()
        due = session.scalars(
            sa.select(OrderRow.promised_on).where(OrderRow.status.in_(["held", "confirmed"]))
        ).all()
    assert "at_risk" not in statuses
    assert min(due) > opened.as_of  # the demo's open orders all lie ahead


def test_the_paint_line_is_busy_until_the_day_sam_wants_his_brackets(opened: Sandbox) -> None:
    assert opened.services is not None and opened.story is not None
    engine = opened.services.orders.engine()
    paint = next(wc for wc in engine.factory.work_centers if wc.code == "PAINT")
    week = [opened.as_of + timedelta(days=n) for n in range(7)]
    week = [day for day in week if day < opened.story.wanted]
    normal = sum(engine.capacity("PAINT", d) for d in week) * (1 - paint.rush_reserve_pct / 100)

    assert sum(engine.reserved("PAINT", d) for d in week) >= 0.85 * normal


def test_a_week_of_history_lies_behind_the_demo_day(opened: Sandbox) -> None:
    assert opened.services is not None
    monday = opened.as_of - timedelta(days=opened.as_of.weekday())
    with opened.services.orders.sessions() as session:
        shipped = session.scalars(sa.select(OrderRow).where(OrderRow.status == "shipped")).all()
        last_week = [
            order
            for order in shipped
            if order.promised_on is not None
            and monday - timedelta(weeks=1) <= order.promised_on < monday
        ]
        late = [
            order.ref
            for order in last_week
            if max(s.on for s in order.shipments) > (order.promised_on or date.max)
        ]
        shipment_days = [s.on for order in shipped for s in order.shipments]

    assert (len(last_week), len(late)) == (6, 2)
    assert max(shipment_days) <= opened.as_of  # history, not the future


def test_the_three_first_steps_do_what_the_page_says(sandbox: Sandbox) -> None:
    assert sandbox.slack is not None and sandbox.story is not None
    slack, story = sandbox.slack, sandbox.story
    wanted = format_day(story.wanted, sandbox.as_of)
    steps = sandbox.state({"user": SAM})["first_steps"]

    # 1. Sam types the command the page shows; the quote is for the day the page names.
    command = steps[0]["command"]
    assert command == f"/promise 40 BRKT for Acme by {story.wanted_words}"
    assert f"all 40 by {story.wanted_words}" in steps[0]["text"]
    sandbox.command({"user": SAM, "channel": SALES, "text": command})
    quote = eventually(
        lambda: [m for m in slack.ephemerals(SAM, SALES) if "40 BRKT for Acme" in m.text],
        what="the quote",
    )[-1]
    shown = texts(quote.blocks)
    assert f"wanted {wanted}" in shown
    # The plan cannot make all 40 by then: it offers part on the day, a split, and all 40 a
    # few days later.
    found = re.search(r"earliest for all 40 is ([^;]+); (\d+) on ([^;]+); split", quote.text)
    assert found, quote.text
    assert one_of_the_days_after(found.group(1), story.wanted, sandbox.as_of, most=7), quote.text
    assert 0 < int(found.group(2)) < 40 and found.group(3) == wanted

    # 2. Sam asks operations; Pat approves with the overtime the form suggests (on the paint
    # line); Sam gets the held order.
    press(sandbox, SAM, quote, "Ask operations")
    question = eventually(
        lambda: [m for m in slack.messages(OPERATIONS) if "Can you make 40 BRKT" in m.text],
        what="the question in #operations",
    )[-1]
    press(sandbox, PAT, question, "Approve with overtime…")
    # A loading view opens at once; the form replaces it once the plan has been asked.
    form = eventually(
        lambda: (
            (view := slack.last_view(PAT))
            and any(block.get("type") == "input" for block in view["blocks"])
            and view
        ),
        what="the overtime form",
    )
    suggested = [
        block["element"].get("initial_value", "")
        for block in form["blocks"]
        if block.get("type") == "input"
    ]
    assert suggested and suggested[0].startswith("PAINT "), suggested
    assert sandbox.submit({"user": PAT, "view_id": form["id"], "values": {}})["errors"] == {}
    eventually(
        lambda: (
            f"approved with overtime: 40 on {wanted}"
            in texts(slack.message(OPERATIONS, question.ts).blocks)
        ),
        what="the answered question",
    )
    eventually(
        lambda: any(
            f"Held: 40 BRKT for Acme on {wanted}" in m.text
            for m in slack.messages(dm_channel_id(SAM))
        ),
        what="Sam's DM",
    )

    # 3. Morgan posts last week's digest: the week of history behind the demo day.
    sandbox.post_digest({"user": MORGAN})
    digest = eventually(
        lambda: [m for m in slack.messages(MANAGEMENT) if "Weekly digest" in texts(m.blocks)],
        what="the digest",
    )[-1]
    assert "On time this week: 67% (4 kept, 2 missed)" in texts(digest.blocks)
