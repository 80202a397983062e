"""The planner's view in Slack over signed HTTP: load charts, an order's plan and Johnson's order,
each to the asker only (the PNG in their DM with promisebot, the numbers where they asked).

The harness's factory is DESIGN.md's worked example (CNC and PAINT) as of Mon 23 Nov 2026.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from bot.sandbox import Message, dm_channel_id
from bot.sandbox.fake_slack import SlackFile
from handlers import orders_views, planner_views
from tests.slack_harness import (
    MANAGER,
    OPS,
    OPS_CHANNEL,
    SALES,
    SALES_2,
    SALES_CHANNEL,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)


def capacity(world: World, text: str, user: str = OPS) -> Message:
    reply, response = world.command(text, user=user, channel=OPS_CHANNEL, name="/capacity")
    assert reply.status == 200, reply
    return world.answer(response)


def promisebot(world: World, text: str, user: str = SALES) -> Message:
    reply, response = world.command(text, user=user, channel=SALES_CHANNEL, name="/promisebot")
    assert reply.status == 200, reply
    return world.answer(response)


def pngs_in_dm(world: World, user: str) -> list[SlackFile]:
    dm = dm_channel_id(user)
    return [f for f in world.slack.files() if dm in f.shared_to and f.name.endswith(".png")]


def png_size(file: SlackFile) -> tuple[int, int]:
    assert file.data is not None and file.data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(file.data)) as image:
        return image.size


def held_order(world: World, text: str = "20 BRKT for Acme by Wed 25 Nov") -> Message:
    quote = world.promise(text)
    world.click(quote, orders_views.HOLD)
    return eventually(
        lambda: (m := world.slack.message(SALES_CHANNEL, quote.ts)).text.startswith("Held") and m,
        what="the held order",
    )


def test_capacity_with_a_work_center_sends_its_load_chart_to_the_asker_only(world: World) -> None:
    held_order(world)
    answer = capacity(world, "CNC")
    assert answer.ephemeral_to == OPS
    assert answer.text.startswith("CNC: ") and "booked over 4 weeks" in answer.text
    assert "PB-00001 for Acme" in str(answer.blocks)  # the largest order, named
    assert "in your direct messages" in str(answer.blocks)
    [chart] = eventually(lambda: pngs_in_dm(world, OPS), what="the chart in the DM")
    assert png_size(chart) == (1200, 600)
    assert chart.alt_txt is not None and chart.alt_txt.startswith("CNC: ")
    assert pngs_in_dm(world, SALES) == []
    assert not any(dm_channel_id(OPS) not in f.shared_to for f in world.slack.files())
    world.assert_blocks_valid()


def test_a_longer_span_and_the_refusals_say_what_to_type(world: World) -> None:
    assert "booked over 8 weeks" in capacity(world, "CNC 8w").text

    unknown = capacity(world, "CNX")
    assert "CNC" in unknown.text  # the closest code
    too_long = capacity(world, "CNC 40w")
    assert "1 to 26 weeks" in too_long.text
    refused = capacity(world, "CNC", user=SALES)
    assert "operations" in refused.text
    assert pngs_in_dm(world, SALES) == []
    assert len(pngs_in_dm(world, OPS)) == 1  # only the 8-week chart: refusals send nothing
    world.assert_blocks_valid()


def test_an_orders_plan_says_where_it_runs_for_its_owner_and_refuses_others(
    world: World,
) -> None:
    held_order(world)
    plan = promisebot(world, "order PB-00001")
    assert plan.ephemeral_to == SALES
    assert (
        plan.text
        == "The 20 Bracket of PB-00001 are on the Paint line Wed 25 Nov, ready for Wed 25 Nov."
    )
    [chart] = eventually(lambda: pngs_in_dm(world, SALES), what="the Gantt chart")
    assert png_size(chart) == (1200, 600)

    other = promisebot(world, "order PB-00001", user=SALES_2)
    assert "PB-00001" in other.text and pngs_in_dm(world, SALES_2) == []
    assert "There is no order 'PB-09999'" in promisebot(world, "order PB-09999").text
    assert "like `/promisebot order PB-00012`" in promisebot(world, "order").text
    manager = promisebot(world, "order PB-00001", user=MANAGER)
    assert "of PB-00001 are on the " in manager.text
    world.assert_blocks_valid()


def test_the_plan_button_on_an_orders_message_answers_whoever_clicked(world: World) -> None:
    held = held_order(world)
    reply, response = world.click(held, planner_views.ORDER_PLAN)
    assert reply.status == 200
    plan = world.answer(response)
    assert "of PB-00001 are on the " in plan.text
    assert world.slack.message(SALES_CHANNEL, held.ts).text.startswith("Held")  # untouched
    eventually(lambda: pngs_in_dm(world, SALES), what="the Gantt chart")
    world.assert_blocks_valid()


def test_capacity_sequence_compares_johnsons_order_with_the_promised_one(world: World) -> None:
    held_order(world, "20 BRKT for Acme by Wed 25 Nov")
    held_order(world, "10 BRKT for Bolt by Fri 27 Nov")
    answer = capacity(world, "sequence CNC PAINT")
    assert answer.text.startswith("CNC → PAINT, week of ")
    assert answer.ephemeral_to == OPS
    assert "Name the two work centers" in capacity(world, "sequence CNC").text
    world.assert_blocks_valid()


def test_the_operations_home_tab_has_a_load_chart_button_per_work_center(world: World) -> None:
    world.requester.app_home_opened(OPS)
    home: dict[str, Any] = eventually(lambda: world.slack.home(OPS), what="the operations home")
    buttons = [
        e
        for block in home["blocks"]
        for e in block.get("elements") or []
        if planner_views.LOAD_CHART_ACTIONS.match(e.get("action_id", ""))
    ]
    assert sorted(b["value"] for b in buttons) == ["CNC", "PAINT"]
    paint = next(b for b in buttons if b["value"] == "PAINT")
    reply = world.requester.block_action(
        paint["action_id"], paint["value"], OPS, None, None, None, view=home, element=paint
    )
    assert reply.status == 200
    said = eventually(
        lambda: [m for m in world.slack.messages(dm_channel_id(OPS)) if m.text.startswith("PAINT")],
        what="the load in the DM",
    )
    assert "booked over 4 weeks" in said[0].text
    eventually(lambda: pngs_in_dm(world, OPS), what="the chart")
    world.assert_blocks_valid()
