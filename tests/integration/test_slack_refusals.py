"""Every refusal answers only the person, says what is wrong, and changes nothing; Slack's
retries and double clicks act once."""

from __future__ import annotations

import threading
from datetime import date

import sqlalchemy as sa

from bot.platform import blockkit
from bot.platform.db.tables import OrderRow
from handlers import orders_views
from handlers.parsing import LATEST_ACTION, QTY_ACTION, SKU_ACTION, WANTED_ACTION
from tests.slack_harness import (
    ADMIN,
    AS_OF,
    MANAGER,
    OPS,
    SALES,
    SALES_2,
    SALES_CHANNEL,
    World,
    command_body,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def refused(world: World, text: str, user: str = SALES) -> str:
    """Send `/promise TEXT` and return what only the user was told."""
    message = world.promise(text, user)
    assert message.ephemeral_to == user
    return message.text


def held_order(world: World) -> tuple[object, object]:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    world.click(quote, orders_views.HOLD)
    held = eventually(lambda: (m := world.slack.message(SALES_CHANNEL, quote.ts)).edited and m)
    return quote, held


def statuses(world: World) -> list[tuple[str, int, str]]:
    with world.db.session_factory() as session:
        rows = session.execute(sa.select(OrderRow.status, OrderRow.qty, OrderRow.sku)).all()
    return sorted(tuple(r) for r in rows)  # type: ignore[misc]


def test_bad_commands_are_answered_with_what_is_wrong_and_change_nothing(world: World) -> None:
    before = world.dump()
    assert refused(world, "0 BRKT").startswith("0 is not a quantity you can promise")
    assert refused(world, "5 BRKX for Acme") == "There is no item 'BRKX'. Did you mean BRKT?"
    assert "Fri 20 Nov is in the past" in refused(world, "5 BRKT by 2026-11-20")
    assert refused(world, "many BRKT").startswith("'many' is not a quantity")
    world.settle()
    assert world.dump() == before
    world.assert_blocks_valid()


def test_a_forged_request_is_rejected_before_anything_runs(world: World) -> None:
    before = world.dump()
    body = command_body(world, "5 BRKT", SALES, SALES_CHANNEL, "1.2.forged", "http://x.invalid")
    form = "application/x-www-form-urlencoded"
    assert world.requester.post(body, form, signature="v0=forged").status == 401
    assert world.requester.post(body, form, timestamp=1_000_000).status == 401
    world.settle()
    assert world.dump() == before
    assert world.slack.calls("chat.postMessage") == []


def test_holding_without_a_customer_or_a_stale_quote_is_refused(world: World) -> None:
    quote = world.promise("20 BRKT by Wed 25 Nov")
    # Without a customer nothing that would be refused is offered: only how to name one.
    shown = [e for b in quote.blocks for e in [*(b.get("elements") or []), b.get("accessory")]]
    assert {e["action_id"] for e in shown if e and "action_id" in e} == {orders_views.CANCEL}
    assert [b["text"]["text"] for b in world.buttons(quote, orders_views.CANCEL)] == ["Dismiss"]
    assert "Name the customer to hold: `/promise 20 BRKT for CUSTOMER`" in str(quote.blocks)
    before = world.dump()

    def hold(value: blockkit.ButtonValue, name: str) -> str:
        # A Hold button from an older message (or a hand-made click) is still refused.
        url = world.slack.response_url(name, channel=SALES_CHANNEL, user=SALES, message_ts=quote.ts)
        world.requester.block_action(
            orders_views.HOLD,
            value.encode(),
            SALES,
            SALES_CHANNEL,
            quote.as_slack(),
            url,
            ephemeral=True,
        )
        return world.answer(name).text

    wanted = date(2026, 11, 25)
    plain = blockkit.ButtonValue(sku="BRKT", qty=20, on=wanted, wanted=wanted, as_of=AS_OF)
    assert hold(plain, "no-customer").startswith(
        "Name the customer to hold an order: `/promise 20 BRKT for"
    )
    old = blockkit.ButtonValue(
        sku="BRKT", qty=20, on=wanted, customer="Acme", wanted=wanted, as_of=wanted
    )
    told = hold(old, "stale")
    assert told.startswith("This quote was planned as of Wed 25 Nov; the plan has moved on")
    assert "20 BRKT for Acme: can ship all 20 on Wed 25 Nov" in told  # today's quote
    world.settle()
    assert world.dump() == before


def test_only_the_owner_or_a_manager_cancels_and_a_stale_button_shows_the_state(
    world: World,
) -> None:
    quote, held = held_order(world)
    before = world.dump()

    _, response = world.click(held, orders_views.CANCEL, user=SALES_2)
    assert world.answer(response).text == (
        "Order PB-00001 is &lt;@U0SALES&gt;'s; only its owner or a manager can cancel it."
    )
    world.settle()
    assert world.dump() == before

    world.click(held, orders_views.CANCEL, user=MANAGER)
    eventually(lambda: statuses(world) == [("cancelled", 20, "BRKT")])
    before = world.dump()
    _, response = world.click(held, orders_views.CONFIRM)  # drawn when the order was held
    assert world.answer(response).text == (
        "Order PB-00001 changed since this message was posted: it is now cancelled for Wed 25 Nov."
    )
    shown = eventually(
        lambda: (
            (m := world.slack.message(SALES_CHANNEL, quote.ts)).text.startswith("Cancelled") and m
        )
    )
    assert shown.text == "Cancelled: 20 BRKT for Acme (was Wed 25 Nov)"
    world.settle()
    assert world.dump() == before


def test_a_double_click_holds_once_and_says_so(world: World) -> None:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    replies = []
    clicks = [
        threading.Thread(target=lambda: replies.append(world.click(quote, orders_views.HOLD)))
        for _ in range(2)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    world.settle()
    assert statuses(world) == [("held", 20, "BRKT")]
    said = [m.text for m in world.slack.ephemerals(SALES) if "twice" in m.text]
    assert said == [
        "You clicked “Hold 20 for Wed 25 Nov” twice; it was done once. Nothing more was changed."
    ]

    before = world.dump()
    world.click(quote, orders_views.HOLD)  # a third click, later, from the same old message
    world.settle()
    assert statuses(world) == [("held", 20, "BRKT")]
    assert world.dump() == before


def test_a_slack_retry_of_a_command_is_answered_once(world: World) -> None:
    trigger = world.slack.trigger_id(SALES)
    url = world.slack.response_url("retried", channel=SALES_CHANNEL, user=SALES)
    body = command_body(world, "20 BRKT for Acme", SALES, SALES_CHANNEL, trigger, url)
    form = "application/x-www-form-urlencoded"
    assert world.requester.post(body, form).status == 200
    world.answer("retried")
    world.settle()
    before = world.dump()

    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert world.requester.post(body, form, headers=retry).status == 200
    second = world.answer("retried", count=2)
    assert second.text == (
        "Slack delivered `/promise 20 BRKT for Acme` twice; it was answered once, above."
    )
    world.settle()
    assert world.dump() == before


def test_a_retried_event_is_handled_once(world: World) -> None:
    event = {"type": "app_home_opened", "user": SALES, "channel": "D0SALES", "tab": "home"}
    assert world.requester.event(event, "Ev0HOME").status == 200
    eventually(lambda: world.slack.home(SALES))
    world.settle()
    assert world.requester.event(event, "Ev0HOME", retry_num=1).status == 200
    world.settle()
    assert len(world.slack.calls("views.publish")) == 1


def test_the_promise_form_shows_what_is_wrong_inline(world: World) -> None:
    reply, _ = world.command("")
    assert reply.status == 200
    form = eventually(
        lambda: (v := world.slack.last_view(SALES)) and v.get("submit") and v, what="the form"
    )
    status, _, options = world.requester.block_suggestion(SKU_ACTION, "brk", SALES, form)
    assert status == 200
    assert [o["value"] for o in options["options"]] == ["BRKT"]

    before = world.dump()
    answer = world.submit(
        SALES, {SKU_ACTION: "BRKX", QTY_ACTION: "0", WANTED_ACTION: "2026-11-20"}
    ).body
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"qty": "At least 1.", "wanted": "Fri 20 Nov is in the past."}
    answer = world.submit(SALES, {SKU_ACTION: "BRKX", QTY_ACTION: "5"}).body
    assert answer["errors"] == {"sku": "There is no item 'BRKX'. Did you mean BRKT?"}
    world.settle()
    assert world.dump() == before

    world.submit(
        SALES,
        {
            SKU_ACTION: "BRKT",
            QTY_ACTION: "40",
            WANTED_ACTION: "2026-11-25",
            LATEST_ACTION: "2026-12-11",
            "customer_input": "Acme",
            "least_qty_input": "30",
        },
    )
    quote = eventually(lambda: [m for m in world.slack.ephemerals(SALES) if "40 BRKT" in m.text])
    assert quote[0].text.startswith("40 BRKT for Acme: earliest for all 40 is Wed 9 Dec")
    asked = blockkit.ButtonValue.decode(world.buttons(quote[0], orders_views.ASK_OPS)[0]["value"])
    assert (asked.least, str(asked.latest)) == (30, "2026-12-11")
    world.assert_blocks_valid()


def test_roles_are_given_by_admins_only(world: World) -> None:
    before = world.dump()
    reply, response = world.command("role <@U0SALES2|sue> operations", name="/promisebot")
    assert reply.status == 200
    assert world.answer(response).text.startswith(
        "Only admins can change roles; your role is sales."
    )
    world.settle()
    assert world.dump() == before

    _, response = world.command("role <@U0SALES2|sue> operations", user=ADMIN, name="/promisebot")
    assert world.answer(response).text == "<@U0SALES2> is now operations (was sales)."
    assert world.services.users.role(SALES_2) == "operations"
    assert world.services.users.role(OPS) == "operations"


def test_a_form_that_cannot_be_filled_in_says_so_instead_of_loading_for_ever(
    world: World,
) -> None:
    world.promise("5 BRKT for Acme by Wed 25 Nov")  # the plan is in memory: BRKT still resolves
    with world.db.engine.begin() as connection:  # but the items cannot be read any more
        connection.execute(sa.text("ALTER TABLE items RENAME TO items_gone"))

    message = {"ts": "1700000000.000100", "text": "Can we get 40 BRKT by Friday?", "user": OPS}
    reply = world.requester.message_shortcut("promise_from_message", SALES, SALES_CHANNEL, message)

    assert reply.status == 200
    shown = eventually(
        lambda: (view := world.slack.last_view(SALES)) and "Loading" not in str(view) and view,
        what="the form to stop loading",
    )
    assert "Something went wrong on our side while filling in this form" in str(shown["blocks"])
    assert "submit" not in shown  # nothing to send from a form that could not be drawn
    world.assert_blocks_valid()
