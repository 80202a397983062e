"""Sales in Slack, over signed HTTP requests to the real app: quotes, holds, refusals, repeats."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bot.platform.db.tables import OrderRow
from handlers import orders_views
from tests.slack_harness import (
    SALES,
    SALES_CHANNEL,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def orders_in(world: World) -> list[tuple[str, str, int, str]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(OrderRow.sku, OrderRow.status, OrderRow.qty, OrderRow.owner_slack_id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_promise_answers_with_a_quote_its_options_and_buttons(world: World) -> None:
    reply, response = world.command("40 BRKT for Acme by 2026-11-25")
    assert (reply.status, reply.body) == (200, "")

    quote = world.answer(response)
    assert quote.ephemeral_to == SALES
    assert quote.text.startswith("40 BRKT for Acme: earliest for all 40 is Wed 9 Dec")
    assert "25 on Wed 25 Nov" in quote.text
    assert "split 25 on Wed 25 Nov, 15 on Fri 4 Dec" in quote.text
    shown = str(quote.blocks)
    assert "SHEET: purchase lead time 10 days" in shown
    for action_id in (
        orders_views.HOLD,
        orders_views.CONFIRM,
        orders_views.ASK_OPS,
        orders_views.CANCEL,
    ):
        assert world.buttons(quote, action_id)
    world.assert_blocks_valid()


def test_holding_then_confirming_then_cancelling_from_the_buttons(world: World) -> None:
    quote = world.promise("20 BRKT for Acme by Wed 25 Nov")
    assert quote.text == "20 BRKT for Acme: can ship all 20 on Wed 25 Nov"

    reply, response = world.click(quote, orders_views.HOLD)
    assert reply.status == 200
    held = eventually(
        lambda: (
            world.slack.message(SALES_CHANNEL, quote.ts).edited
            and world.slack.message(SALES_CHANNEL, quote.ts)
        )
    )
    assert held.text == "Held: 20 BRKT for Acme on Wed 25 Nov"
    assert orders_in(world) == [("BRKT", "held", 20, SALES)]

    world.click(held, orders_views.CONFIRM)
    confirmed = eventually(
        lambda: (
            (m := world.slack.message(SALES_CHANNEL, quote.ts)).text.startswith("Confirmed") and m
        )
    )
    assert confirmed.text == "Confirmed: 20 BRKT for Acme, ships Wed 25 Nov"
    assert orders_in(world) == [("BRKT", "confirmed", 20, SALES)]

    world.click(confirmed, orders_views.CANCEL)
    eventually(lambda: world.slack.message(SALES_CHANNEL, quote.ts).text.startswith("Cancel"))
    assert orders_in(world) == [("BRKT", "cancelled", 20, SALES)]
    world.assert_blocks_valid()


def test_holding_the_earliest_date_keeps_the_day_the_customer_asked_for(world: World) -> None:
    quote = world.promise("40 BRKT for Acme by 2026-11-25")

    labels = [button["text"]["text"] for button in world.buttons(quote, orders_views.HOLD)]
    all_40 = labels.index("Hold 40 for Wed 9 Dec")
    world.click(quote, orders_views.HOLD, index=all_40)

    def stored() -> tuple[object, ...] | None:
        with world.db.session_factory() as session:
            row = session.execute(sa.select(OrderRow.requested_on, OrderRow.promised_on)).first()
        return tuple(row) if row else None

    asked, promised = eventually(stored, what="the hold to be stored")
    assert asked == date(2026, 11, 25)
    assert promised == date(2026, 12, 9)


def test_a_split_whose_second_lot_no_longer_fits_holds_nothing_and_says_why(
    world: World,
) -> None:
    quote = world.promise("40 BRKT for Acme by 2026-11-25")
    assert "split 25 on Wed 25 Nov, 15 on Fri 4 Dec" in quote.text
    # Meanwhile another salesperson takes CNC's Friday: the 15 no longer make Fri 4 Dec, while
    # the 25 still make Wed 25 Nov.
    world.services.orders.hold("FLANGE", 6, date(2026, 12, 4), customer="Bolt Co")

    labels = [button["text"]["text"] for button in world.buttons(quote, orders_views.HOLD)]
    reply, response = world.click(quote, orders_views.HOLD, index=labels.index("Hold the split"))

    assert reply.status == 200
    told = world.answer(response)
    assert told.ephemeral_to == SALES
    assert "Nothing was held; here is the quote as it stands now." in told.text
    # The first lot was held and then given back: only the other salesperson's hold is left.
    assert sorted(orders_in(world)) == [
        ("BRKT", "cancelled", 25, SALES),
        ("FLANGE", "held", 6, None),
    ]
    again = world.services.orders.quote("BRKT", 25, date(2026, 11, 25))
    assert again.on_requested == 25  # the first lot's capacity and sheets are free again
    world.assert_blocks_valid()


def test_holding_the_split_answers_with_both_lots_and_their_buttons(world: World) -> None:
    quote = world.promise("40 BRKT for Acme by 2026-11-25")
    labels = [button["text"]["text"] for button in world.buttons(quote, orders_views.HOLD)]

    world.click(quote, orders_views.HOLD, index=labels.index("Hold the split"))

    held = eventually(
        lambda: (m := world.slack.message(SALES_CHANNEL, quote.ts)).edited and m, what="the reply"
    )
    assert held.text == "Held: 25 BRKT for Acme on Wed 25 Nov Held: 15 BRKT for Acme on Fri 4 Dec"
    assert sorted(orders_in(world)) == [("BRKT", "held", 15, SALES), ("BRKT", "held", 25, SALES)]
    # Each lot keeps its own Confirm and Cancel; Slack refuses a message whose blocks share a
    # block_id, so each lot's buttons have their own.
    block_ids = [block["block_id"] for block in held.blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids)) == 2
    assert len(world.buttons(held, orders_views.CONFIRM)) == 2
    world.assert_blocks_valid()
