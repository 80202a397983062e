"""Operations record shipments from the Ship button of a confirmed order, over signed HTTP."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bot.platform.db.tables import OrderRow, ShipmentRow
from bot.sandbox import Message
from bot.sandbox.signing import dm_channel_id
from handlers import orders_views, shipping_views
from tests.slack_harness import (
    OPS,
    SALES,
    SALES_CHANNEL,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def confirmed_order(world: World) -> Message:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    world.click(quote, orders_views.CONFIRM)
    return eventually(
        lambda: (
            (m := world.slack.message(SALES_CHANNEL, quote.ts)).text.startswith("Confirmed") and m
        ),
        what="the confirmed order",
    )


def shipments(world: World) -> list[tuple[date, int]]:
    with world.db.session_factory() as session:
        rows = session.execute(sa.select(ShipmentRow.on, ShipmentRow.qty).order_by(ShipmentRow.id))
    return [(on, qty) for on, qty in rows]


def status(world: World) -> str:
    with world.db.session_factory() as session:
        return str(session.scalar(sa.select(OrderRow.status)))


def ship_form(world: World, message: Message) -> dict[str, object]:
    world.click(message, orders_views.SHIP, OPS)
    return world.form(OPS, shipping_views.SHIP_MODAL)


def initial(form: dict[str, object], action_id: str) -> object:
    for block in form["blocks"]:  # type: ignore[attr-defined]
        element = block.get("element") or {}
        if element.get("action_id") == action_id:
            return element.get("initial_value") or element.get("initial_date")
    raise AssertionError(f"no {action_id} in the form")


def test_operations_ship_part_then_the_rest_and_the_message_follows(world: World) -> None:
    confirmed = confirmed_order(world)
    assert world.buttons(confirmed, orders_views.SHIP)

    form = ship_form(world, confirmed)
    assert initial(form, shipping_views.SHIP_QTY_ACTION) == "20"  # all that is left
    assert initial(form, shipping_views.SHIP_ON_ACTION) == "2026-11-23"  # today
    world.submit(OPS, {shipping_views.SHIP_QTY_ACTION: 5})

    partly = eventually(
        lambda: (
            "shipped 5 of 20" in (m := world.slack.message(SALES_CHANNEL, confirmed.ts)).text and m
        ),
        what="the order's message to show the shipment",
    )
    assert shipments(world) == [(date(2026, 11, 23), 5)]
    assert status(world) == "confirmed"
    told = eventually(lambda: world.slack.messages(dm_channel_id(SALES)), what="the owner's DM")
    assert told[-1].text.startswith("Order ")
    assert "5 BRKT shipped on Mon 23 Nov; 15 still to ship" in told[-1].text

    form = ship_form(world, partly)
    assert initial(form, shipping_views.SHIP_QTY_ACTION) == "15"
    world.submit(OPS, {})
    shipped = eventually(
        lambda: (
            (m := world.slack.message(SALES_CHANNEL, confirmed.ts)).text.startswith("Shipped") and m
        ),
        what="the order to be shipped",
    )
    assert shipped.text == "Shipped: 20 BRKT for Acme"
    assert status(world) == "shipped"
    assert shipments(world) == [(date(2026, 11, 23), 5), (date(2026, 11, 23), 15)]
    world.assert_blocks_valid()


def test_the_form_refuses_more_than_is_left_and_a_future_day(world: World) -> None:
    confirmed = confirmed_order(world)
    ship_form(world, confirmed)

    too_many = world.submit(OPS, {shipping_views.SHIP_QTY_ACTION: 30})
    assert too_many.body["response_action"] == "errors"
    assert "20 left to ship, not 30" in too_many.body["errors"][shipping_views.SHIP_QTY_BLOCK]
    ahead = world.submit(OPS, {shipping_views.SHIP_ON_ACTION: "2026-12-01"})
    assert "once it has gone" in ahead.body["errors"][shipping_views.SHIP_ON_BLOCK]

    world.settle()
    assert shipments(world) == []
    world.assert_blocks_valid()


def test_sales_are_refused_the_ship_button(world: World) -> None:
    confirmed = confirmed_order(world)
    before = world.dump()

    _, response = world.click(confirmed, orders_views.SHIP, SALES)

    refusal = world.answer(response)
    assert refusal.ephemeral_to == SALES
    assert refusal.text.startswith("Only operations can record shipments")
    world.settle()
    assert world.slack.last_view(SALES) is None
    assert world.dump() == before
    world.assert_blocks_valid()


def test_the_ship_form_opens_at_once_and_a_shipped_order_says_so(world: World) -> None:
    confirmed = confirmed_order(world)
    ship_form(world, confirmed)
    opened = world.call("views.open").params["view"]
    assert "Loading" in str(opened)  # within Slack's 3 s, before the order is read
    assert world.call("views.update")
    world.submit(OPS, {})
    eventually(lambda: status(world) == "shipped", what="the shipment")

    world.click(confirmed, orders_views.SHIP, OPS)  # the old message still has its button
    notice = eventually(
        lambda: "nothing to ship" in str(v := world.slack.last_view(OPS)) and v,
        what="the notice",
    )
    assert "Order PB-00001 is shipped; there is nothing to ship." in str(notice["blocks"])
    assert shipments(world) == [(date(2026, 11, 23), 20)]
    world.settle()
    world.assert_blocks_valid()
