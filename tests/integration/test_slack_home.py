"""The Home tab as a place to act, over signed HTTP: operations ship what is due, sales confirm or
cancel their holds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.platform.db.tables import OrderRow
from bot.sandbox import dm_channel_id
from handlers import operations_views, orders_views, shipping_views
from tests.slack_harness import (
    OPS,
    OPS_CHANNEL,
    SALES,
    SALES_CHANNEL,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def statuses(world: World) -> list[tuple[str, str]]:
    with world.db.session_factory() as session:
        rows = session.execute(sa.select(OrderRow.ref, OrderRow.status).order_by(OrderRow.id))
    return [(ref, status) for ref, status in rows]


def home(world: World, user: str, after: dict[str, Any] | None = None) -> dict[str, Any]:
    """The user's Home tab, opened now (or the one drawn again after `after`)."""
    if after is None:
        world.requester.app_home_opened(user)
    return eventually(
        lambda: (h := world.slack.home(user)) and h != after and h, what=f"the home of {user}"
    )


def buttons(view: dict[str, Any], action_id: str, ref: str) -> list[dict[str, Any]]:
    """The `action_id` buttons next to (or under) the line naming order `ref`."""
    found, current = [], None
    for block in view["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        if text:
            current = text
        elements = list(block.get("elements") or []) + [block.get("accessory") or {}]
        found += [
            e for e in elements if e.get("action_id") == action_id and f"*{ref}*" in (current or "")
        ]
    return found


def click(world: World, view: dict[str, Any], user: str, button: dict[str, Any]) -> None:
    reply = world.requester.block_action(
        button["action_id"], button["value"], user, None, None, None, view=view, element=button
    )
    assert reply.status == 200, reply


def held(world: World, text: str, *, confirm: bool = False) -> None:
    quote = world.promise(text)
    world.click(quote, orders_views.CONFIRM if confirm else orders_views.HOLD)
    done = "Confirmed" if confirm else "Held"
    eventually(
        lambda: (
            world.slack.message(SALES_CHANNEL, quote.ts).text.startswith(done)
            or any(m.text.startswith(done) for m in world.slack.ephemerals(SALES))
        ),
        what=text,
    )
    world.settle()


def test_operations_ship_what_is_due_from_their_home(world: World) -> None:
    held(world, "20 BRKT for Acme by Wed 25 Nov", confirm=True)  # PB-00001, due this week
    held(world, "5 FLANGE for Bolt Co by Mon 14 Dec", confirm=True)  # PB-00002, not yet
    held(world, "2 FLANGE for Cogs by Thu 26 Nov")  # PB-00003, only held

    shown = home(world, OPS)
    text = str(shown["blocks"])
    assert "*To ship* (confirmed orders due within 7 days, or overdue)" in text
    assert "*PB-00001* 20 BRKT for Acme · Wed 25 Nov" in text
    assert "PB-00002" not in text and "PB-00003" not in text
    assert "To ship" not in str(home(world, SALES)["blocks"])  # sales do not ship

    click(world, shown, OPS, buttons(shown, orders_views.SHIP, "PB-00001")[0])
    world.form(OPS, shipping_views.SHIP_MODAL)
    world.submit(OPS, {})
    eventually(lambda: statuses(world)[0] == ("PB-00001", "shipped"), what="the shipment")
    again = home(world, OPS, after=shown)
    assert "PB-00001" not in str(again["blocks"])
    assert "Nothing due to ship in the next 7 days." in str(again["blocks"])
    world.settle()
    world.assert_blocks_valid()


def test_sales_confirm_and_cancel_their_holds_from_home_and_a_stale_click_is_refused(
    world: World,
) -> None:
    held(world, "20 BRKT for Acme by Wed 25 Nov")
    held(world, "2 FLANGE for Bolt Co by Thu 26 Nov")
    shown = home(world, SALES)
    assert buttons(shown, orders_views.CONFIRM, "PB-00001") and buttons(
        shown, orders_views.CANCEL, "PB-00002"
    )

    click(world, shown, SALES, buttons(shown, orders_views.CONFIRM, "PB-00001")[0])
    eventually(lambda: statuses(world)[0] == ("PB-00001", "confirmed"), what="the confirmation")
    again = home(world, SALES, after=shown)
    assert not buttons(again, orders_views.CONFIRM, "PB-00001")  # it is confirmed now, not a hold
    world.settle()
    before = world.dump()

    click(world, shown, SALES, buttons(shown, orders_views.CANCEL, "PB-00001")[0])  # the old tab
    told = eventually(
        lambda: world.slack.messages(dm_channel_id(SALES)) or None, what="the refusal by DM"
    )
    assert told[-1].text.startswith("Order PB-00001 changed since this message was posted")
    world.settle()
    assert world.dump() == before

    latest = eventually(lambda: world.slack.home(SALES), what="the home")
    click(world, latest, SALES, buttons(latest, orders_views.CANCEL, "PB-00002")[0])
    eventually(lambda: statuses(world)[1] == ("PB-00002", "cancelled"), what="the cancel")
    world.settle()
    world.assert_blocks_valid()


def test_a_request_shows_in_operations_tabs_and_its_answer_in_the_salespersons(
    world: World,
) -> None:
    waiting = home(world, SALES)  # the salesperson looks at their tab once
    quote = world.promise("14 FLANGE for Acme by Tue 24 Nov")
    world.click(quote, orders_views.ASK_OPS)

    # Operations never opened their tab; the request is on it all the same.
    ops_tab = eventually(
        lambda: (h := world.slack.home(OPS)) and "Can you make 14 FLANGE" in str(h) and h,
        what="the request on operations' tab",
    )
    assert "*Open capacity requests*" in str(ops_tab["blocks"])
    asked = eventually(
        lambda: (h := world.slack.home(SALES)) and h != waiting and h, what="the sales tab"
    )
    assert "14 FLANGE for Acme" in str(asked["blocks"])  # waiting for operations

    request = eventually(lambda: world.slack.messages(OPS_CHANNEL), what="the question")[0]
    world.click(request, operations_views.OPS_APPROVE_RUSH, user=OPS)

    # The salesperson sees the hold operations made for them without opening the tab again,
    # and the request leaves operations' tab.
    answered = eventually(
        lambda: (h := world.slack.home(SALES)) and h != asked and h, what="the answered tab"
    )
    holds = str(answered["blocks"]).split("*Holds*")[1].split("*Confirmed orders*")[0]
    assert "14 FLANGE for Acme" in holds
    eventually(
        lambda: "No open requests." in str(world.slack.home(OPS)), what="operations' tab again"
    )
    world.settle()
    world.assert_blocks_valid()
