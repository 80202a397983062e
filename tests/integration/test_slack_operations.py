"""The loop sales → operations → sales over signed HTTP: ask, answer, tell, hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bot.platform.db.tables import CalendarExceptionRow, CapacityRequestRow, OrderRow
from bot.promising.capacity_requests import send_due_nudges
from bot.sandbox import Message, dm_channel_id
from handlers import operations_views, orders_views
from tests.slack_harness import (
    OPS,
    OPS_CHANNEL,
    SALES,
    SALES_CHANNEL,
    World,
    demo_world_fixture,  # noqa: F401 - the `demo_world` fixture
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def ask(world: World, text: str) -> Message:
    """Quote `text`, click Ask operations, and return the question posted to operations."""
    quote = world.promise(text)
    world.click(quote, orders_views.ASK_OPS)
    asked = eventually(lambda: world.slack.messages(OPS_CHANNEL), what="the question")[0]
    told = eventually(lambda: (m := world.slack.message(SALES_CHANNEL, quote.ts)).edited and m)
    assert told.text.startswith(
        f"Asked operations in <#{OPS_CHANNEL}>: {asked.text.split('?')[0]}?"
    )
    return asked


def orders(world: World) -> list[tuple[str, str, int, object, bool]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(
                OrderRow.sku, OrderRow.status, OrderRow.qty, OrderRow.promised_on, OrderRow.rush
            ).order_by(OrderRow.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def request_status(world: World) -> list[tuple[str, str | None]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(CapacityRequestRow.status, CapacityRequestRow.answer_kind)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def dms(world: World, user: str) -> list[Message]:
    return world.slack.messages(dm_channel_id(user))


def test_sales_ask_operations_release_the_rush_reserve_and_sales_confirm(world: World) -> None:
    asked = ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    assert asked.text.startswith("Can you make 14 FLANGE for Acme by Tue 24 Nov?")
    assert "The plan says: all 14 on Wed 25 Nov; 12 on Tue 24 Nov" in asked.text
    assert "Bottleneck: making 14 FLANGE takes 14 h on CNC" in str(asked.blocks)
    assert orders(world) == [("FLANGE", "quoted", 14, None, False)]

    world.click(asked, operations_views.OPS_APPROVE_RUSH, user=OPS)
    answered = eventually(lambda: (m := world.slack.message(OPS_CHANNEL, asked.ts)).edited and m)
    assert "<@U0OPS> approved with the rush reserve: 14 on Tue 24 Nov" in answered.text
    assert not any(b["type"] == "actions" for b in answered.blocks)  # no buttons left
    thread = eventually(lambda: world.slack.message(OPS_CHANNEL, asked.ts).replies)
    assert thread[0].text.startswith("<@U0SALES> Can you make 14 FLANGE for Acme by Tue 24 Nov?")
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 14 FLANGE for Acme on Tue 24 Nov")
    assert "approved request #1 with the rush reserve" in dm.text
    assert world.slack.calls("conversations.open")[0].params["users"] == SALES
    assert orders(world) == [("FLANGE", "held", 14, asked_day(24), True)]
    assert request_status(world) == [("approved", "rush")]

    world.click(dm, orders_views.CONFIRM)
    eventually(lambda: orders(world)[0][1] == "confirmed")
    world.settle()
    world.assert_blocks_valid()


def asked_day(day: int) -> object:
    from datetime import date

    return date(2026, 11, day)


def test_only_operations_answer_and_a_second_answer_is_refused(world: World) -> None:
    asked = ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    world.settle()
    before = world.dump()
    _, response = world.click(asked, operations_views.OPS_APPROVE_RUSH, user=SALES)
    assert world.answer(response).text.startswith(
        "Only operations can answer capacity requests; your role is sales."
    )
    _, response = world.click(asked, operations_views.OPS_DECLINE, user=SALES)
    assert world.answer(response).text.startswith("Only operations can answer")
    world.settle()
    assert world.slack.last_view(SALES) is None
    assert world.dump() == before

    world.click(asked, operations_views.OPS_APPROVE_RUSH, user=OPS)
    eventually(lambda: request_status(world) == [("approved", "rush")])
    world.settle()
    before = world.dump()
    _, response = world.click(asked, operations_views.OPS_COUNTER, user=OPS)
    assert world.answer(response).text == (
        # A refusal's text is escaped whole (it may quote what the user typed).
        "Request #1 was already answered by &lt;@U0OPS&gt;: it is approved. Nothing was changed."
    )
    world.settle()
    assert world.dump() == before


def test_overtime_is_stored_as_calendar_exceptions_and_the_order_is_held(world: World) -> None:
    asked = ask(world, "20 FLANGE for Acme by Tue 24 Nov")
    world.click(asked, operations_views.OPS_APPROVE_OVERTIME, user=OPS)
    assert "Loading" in str(world.call("views.open").params["view"])
    form = world.form(OPS, operations_views.OPS_OVERTIME_MODAL)
    suggested = form["blocks"][1]["element"]["initial_value"]
    # 20 h of CNC, 2 × 6 h free for normal orders: 8 h missing, on the two days there are.
    assert suggested == "CNC 2026-11-23 4\nCNC 2026-11-24 4"
    assert "the rush reserve is kept" in str(form["blocks"])
    world.settle()
    before = world.dump()

    answer = world.submit(OPS, {operations_views.OVERTIME_ACTION: "LASER Tue 4"}).body
    assert answer["errors"]["overtime"] == "There is no work center 'LASER'; use one of CNC, PAINT."
    # Too little overtime: the form closes at once (Slack's 3 s), the planner alone hears it.
    answer = world.submit(
        OPS, {operations_views.OVERTIME_ACTION: "CNC 2026-11-23 2\nCNC Tue 2"}
    ).body
    assert world.slack.last_view(OPS) is None
    told = eventually(lambda: world.slack.ephemerals(OPS, OPS_CHANNEL), what="the planner told")
    assert told[0].text.startswith(
        "Even with this overtime the plan says all 20 FLANGE: Wed 25 Nov, later than Tue 24 Nov."
    )
    assert told[0].text.endswith("The overtime was not kept and the request is still open.")
    world.settle()
    assert world.dump() == before
    assert world.buttons(
        world.slack.message(OPS_CHANNEL, asked.ts), operations_views.OPS_APPROVE_OVERTIME
    )

    world.click(asked, operations_views.OPS_APPROVE_OVERTIME, user=OPS)
    world.form(OPS, operations_views.OPS_OVERTIME_MODAL)
    world.submit(OPS, {operations_views.OVERTIME_ACTION: suggested})
    assert world.slack.last_view(OPS) is None  # the form closed
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 20 FLANGE for Acme on Tue 24 Nov")
    assert orders(world) == [("FLANGE", "held", 20, asked_day(24), False)]
    with world.db.session_factory() as session:
        exceptions = session.execute(
            sa.select(
                CalendarExceptionRow.work_center,
                CalendarExceptionRow.on,
                CalendarExceptionRow.hours,
            )
        ).all()
    # 8 h + 4 h / (1 - 25 %): normal orders get all 4 h, the 2 h rush reserve stays.
    assert sorted(exceptions) == [("CNC", asked_day(23), 13.34), ("CNC", asked_day(24), 13.34)]
    answered = world.slack.message(OPS_CHANNEL, asked.ts)
    assert "approved with overtime: 20 on Tue 24 Nov" in answered.text
    world.assert_blocks_valid()


def test_the_suggested_overtime_is_what_is_missing_on_the_last_days_and_makes_it_fit(
    world: World,
) -> None:
    # 130 h of CNC by Fri 18 Dec; 20 workdays × 6 h free for normal orders: 10 h missing.
    asked = ask(world, "130 FLANGE for Acme by Fri 18 Dec")
    world.click(asked, operations_views.OPS_APPROVE_OVERTIME, user=OPS)
    form = world.form(OPS, operations_views.OPS_OVERTIME_MODAL)
    suggested = form["blocks"][1]["element"]["initial_value"]
    assert suggested == "CNC 2026-12-16 2\nCNC 2026-12-17 4\nCNC 2026-12-18 4"

    world.submit(OPS, {operations_views.OVERTIME_ACTION: suggested})
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 130 FLANGE for Acme on Fri 18 Dec")
    assert orders(world) == [("FLANGE", "held", 130, date(2026, 12, 18), False)]
    assert request_status(world) == [("approved", "overtime")]
    world.assert_blocks_valid()


def test_a_counter_offer_is_held_for_sales(world: World) -> None:
    asked = ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    world.click(asked, operations_views.OPS_COUNTER, user=OPS)
    assert "Loading" in str(world.call("views.open").params["view"])
    form = world.form(OPS, operations_views.OPS_COUNTER_MODAL)
    assert "2026-11-25" in str(form["blocks"])  # the earliest day, from the quote
    world.settle()
    before = world.dump()
    answer = world.submit(
        OPS,
        {
            operations_views.COUNTER_QTY_ACTION: "14",
            operations_views.COUNTER_ON_ACTION: "2026-11-24",
        },
    ).body
    assert answer["errors"] == {
        "counter_on": "14 FLANGE cannot be ready by Tue 24 Nov; the earliest is Wed 25 Nov "
        "(making 14 FLANGE takes 14 h on CNC; the last step finishes Wed 25 Nov)."
    }
    world.settle()
    assert world.dump() == before

    world.submit(
        OPS,
        {
            operations_views.COUNTER_QTY_ACTION: "12",
            operations_views.COUNTER_ON_ACTION: "2026-11-24",
            operations_views.NOTE_ACTION: "The other 2 on Wednesday",
        },
    )
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 12 FLANGE for Acme on Tue 24 Nov")
    assert "Operations offered 12 on Tue 24 Nov instead" in dm.text
    assert "The other 2 on Wednesday" in dm.text
    assert orders(world) == [("FLANGE", "held", 12, asked_day(24), False)]
    assert request_status(world) == [("countered", "counter")]
    world.assert_blocks_valid()


def test_a_decline_needs_a_reason_and_tells_sales(world: World) -> None:
    asked = ask(world, "40 BRKT for Acme by Wed 25 Nov")
    world.click(asked, operations_views.OPS_DECLINE, user=OPS)
    eventually(lambda: world.slack.last_view(OPS), what="the decline form")
    world.settle()
    before = world.dump()
    answer = world.submit(OPS, {operations_views.REASON_ACTION: "no"}).body
    assert answer["errors"] == {
        "reason": "Say why the request is declined: sales tell the customer."
    }
    world.settle()
    assert world.dump() == before

    world.submit(OPS, {operations_views.REASON_ACTION: "Sheet supplier is closed until December"})
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert "declined request #1" in dm.text
    assert "Reason: Sheet supplier is closed until December" in dm.text
    assert orders(world) == [("BRKT", "cancelled", 40, None, False)]
    assert request_status(world) == [("declined", "decline")]
    answered = world.slack.message(OPS_CHANNEL, asked.ts)
    assert "declined: Sheet supplier is closed until December" in answered.text


def test_asking_what_the_plan_can_already_promise_is_refused(world: World) -> None:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    # That quote fits, so it has no Ask button: play one with its Hold button's value.
    value = world.buttons(quote, orders_views.HOLD)[0]["value"]
    world.settle()
    before = world.dump()
    url = world.slack.response_url(
        "ask-anyway", channel=SALES_CHANNEL, user=SALES, message_ts=quote.ts
    )
    world.requester.block_action(
        orders_views.ASK_OPS, value, SALES, SALES_CHANNEL, quote.as_slack(), url, ephemeral=True
    )
    assert world.answer("ask-anyway").text == (
        "The plan can already make all 20 BRKT by Wed 25 Nov: hold it instead of asking."
    )
    world.settle()
    assert world.dump() == before
    assert world.slack.messages(OPS_CHANNEL) == []


def test_a_rate_limited_post_is_retried_and_a_failed_one_withdraws_the_question(
    world: World,
) -> None:
    world.slack.fail_next("chat.postMessage", 1, error="ratelimited")
    ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    assert [c.error for c in world.slack.calls("chat.postMessage")][:2] == ["ratelimited", None]

    quote = world.promise("40 BRKT for Acme by Wed 25 Nov")
    world.settle()
    before = world.dump()
    world.slack.fail_next("chat.postMessage", 1, error="channel_not_found")
    _, response = world.click(quote, orders_views.ASK_OPS)
    assert world.answer(response).text.startswith(
        "Could not post in the operations channel (channel_not_found); nothing was asked."
    )
    world.settle()
    assert world.dump() == before


def test_an_unanswered_request_is_nudged_once_in_its_thread(world: World) -> None:
    asked = ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    world.settle()
    requests = world.services.requests
    created = requests.request(1).created_at
    assert send_due_nudges(requests, world.app.client, created + timedelta(minutes=30)) == 0
    later = _working_hours_later(created, 5)
    assert send_due_nudges(requests, world.app.client, later) == 1
    assert send_due_nudges(requests, world.app.client, later + timedelta(days=2)) == 0
    replies = world.slack.message(OPS_CHANNEL, asked.ts).replies
    assert [r.text for r in replies] == [
        ":alarm_clock: Request #1 is waiting for an answer: Can you make 14 FLANGE for Acme by "
        "Tue 24 Nov? <@U0SALES> needs it to answer the customer."
    ]


def _working_hours_later(start: datetime, hours: int) -> datetime:
    from bot.promising.capacity_requests import working_hours_between

    moment = start
    while working_hours_between(start, moment, UTC) < hours:
        moment += timedelta(minutes=30)
    return moment


def test_home_shows_sales_their_orders_and_operations_their_requests(world: World) -> None:
    ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    quote = world.promise("20 BRKT for Bolt Co by Wed 25 Nov")
    world.click(quote, orders_views.HOLD)
    eventually(lambda: len(orders(world)) == 2)
    world.settle()  # asking drew the tab already; wait for the one drawn when it is opened
    drawn = world.slack.home(SALES)

    world.requester.app_home_opened(SALES)
    home = eventually(lambda: (h := world.slack.home(SALES)) != drawn and h, what="the home")
    shown = str(home["blocks"])
    assert "*Waiting for operations*" in shown and "PB-00001* 14 FLANGE for Acme" in shown
    assert "PB-00002* 20 BRKT for Bolt Co · Wed 25 Nov · expires" in shown
    assert "Open capacity requests" not in shown

    drawn = world.slack.home(OPS)
    world.requester.app_home_opened(OPS)
    home = eventually(lambda: (h := world.slack.home(OPS)) != drawn and h, what="the ops home")
    shown = str(home["blocks"])
    assert "#1 Can you make 14 FLANGE for Acme by Tue 24 Nov?" in shown
    assert "`CNC     `" in shown and "of 40.0 h" in shown
    assert "*Holds*" not in shown
    world.settle()
    world.assert_blocks_valid()


def overtime_field(form: dict[str, object]) -> dict[str, object]:
    blocks = form["blocks"]
    assert isinstance(blocks, list)
    return next(b for b in blocks if b.get("block_id") == operations_views.OVERTIME_BLOCK)[
        "element"
    ]


def test_the_overtime_form_suggests_hours_on_each_work_center_the_order_waits_for(
    demo_world: World,
) -> None:
    # On the demo factory welding holds 40 carts back, but welding alone cannot make Mon 30 Nov:
    # the frames must be done early enough for painting and assembly to follow.
    world = demo_world
    asked = ask(world, "40 CART-U for Acme by Mon 30 Nov")
    assert "WELD" in str(asked.blocks)
    world.click(asked, operations_views.OPS_APPROVE_OVERTIME, user=OPS)

    form = world.form(OPS, operations_views.OPS_OVERTIME_MODAL)
    suggested = str(overtime_field(form).get("initial_value") or "")
    centers = {line.split()[0] for line in suggested.splitlines()}
    assert "WELD" in centers and len(centers) > 1, suggested
    assert "No overtime can" not in str(form["blocks"])

    world.submit(OPS, {operations_views.OVERTIME_ACTION: suggested})  # as suggested
    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 40 CART-U for Acme on Mon 30 Nov")
    world.assert_blocks_valid()


def test_the_overtime_form_says_when_no_overtime_can_help_and_points_to_a_counter_offer(
    world: World,
) -> None:
    asked = ask(world, "40 BRKT for Acme by Wed 25 Nov")  # SHEET arrives Thu 3 Dec at best
    world.click(asked, operations_views.OPS_APPROVE_OVERTIME, user=OPS)

    form = world.form(OPS, operations_views.OPS_OVERTIME_MODAL)
    said = str(form["blocks"])
    assert "No overtime can make all 40 BRKT by Wed 25 Nov" in said
    assert "SHEET: purchase lead time 10 days, earliest arrival Thu 3 Dec" in said
    assert "The plan can make all 40 by Wed 9 Dec, or 25 by Wed 25 Nov" in said
    assert "Counter-offer" in said
    assert "initial_value" not in overtime_field(form)  # nothing suggested that cannot work
    world.assert_blocks_valid()


HOSTILE = "<!here> ask <@U0VICTIM> in <#C0SECRET> or <http://evil.example/pay|our portal> & co"
"""What a planner could type as a reason or a note (Slack sends mentions and links this way)."""


def test_a_customer_named_channel_and_a_decline_reason_ping_nobody(world: World) -> None:
    asked = ask(world, "40 BRKT for <!channel> by 2026-12-01")  # the issue's own example
    world.click(asked, operations_views.OPS_DECLINE, user=OPS)
    eventually(lambda: world.slack.last_view(OPS), what="the decline form")
    world.submit(OPS, {operations_views.REASON_ACTION: HOSTILE})

    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert "&lt;!here&gt; ask &lt;@U0VICTIM&gt;" in dm.text  # shown as typed, pinging no one
    world.settle()
    assert world.live_sequences() == []
    world.assert_blocks_valid()


def test_a_counter_offers_note_pings_nobody(world: World) -> None:
    asked = ask(world, "14 FLANGE for Acme by Tue 24 Nov")
    world.click(asked, operations_views.OPS_COUNTER, user=OPS)
    world.form(OPS, operations_views.OPS_COUNTER_MODAL)
    world.submit(
        OPS,
        {
            operations_views.COUNTER_QTY_ACTION: "12",
            operations_views.COUNTER_ON_ACTION: "2026-11-24",
            operations_views.NOTE_ACTION: HOSTILE,
        },
    )

    dm = eventually(lambda: dms(world, SALES), what="the DM")[0]
    assert dm.text.startswith("Held: 12 FLANGE for Acme on Tue 24 Nov")
    assert "&lt;@U0VICTIM&gt;" in dm.text
    world.settle()
    assert world.live_sequences() == []
    world.assert_blocks_valid()
