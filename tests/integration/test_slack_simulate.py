"""`/promisebot simulate` over signed HTTP to the real app and the fake Slack: a manager asks in a
channel, is answered at once, and the table and the chart are posted there when the simulation of
the database's factory is done; others and bad arguments are refused; the database never changes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.demo import demo_day
from bot.platform.settings import Settings
from bot.sandbox.fake_slack import Message
from bot.sandbox.seed import MANAGEMENT, MORGAN
from bot.sandbox.server import Sandbox
from tests.slack_harness import (
    MANAGER,
    OPS_CHANNEL,
    SALES,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)

ROLE = "/promisebot"
POLICY_NAMES = ("fixed", "backlog", "ctp", "ctp-repromise")


def planning_data(world: World) -> dict[str, object]:
    """Every table but the record of which Slack requests were handled (so a retry acts once)."""
    return {name: rows for name, rows in world.dump().items() if name != "slack_deliveries"}


def posted_result(world: World, channel: str) -> Message:
    def found() -> list[Message]:
        return [
            m
            for m in world.slack.messages(channel)
            if m.blocks and "Promise reliability" in str(m.blocks[0])
        ]

    return eventually(found, timeout=120, what="the simulation's result")[0]


def test_a_manager_gets_the_table_and_the_chart_in_the_channel_and_nothing_changes(
    world: World,
) -> None:
    before = planning_data(world)
    reply, response = world.command("simulate 20d seeds 1", MANAGER, OPS_CHANNEL, name=ROLE)
    assert reply.status == 200
    assert "Running the simulation of 20 days" in world.answer(response).text

    result = posted_result(world, OPS_CHANNEL)
    shown = str(result.blocks)
    assert "over 20 days (seeds 1)" in shown
    table = next(
        b["text"]["text"] for b in result.blocks if "```" in b.get("text", {}).get("text", "")
    )
    for policy in POLICY_NAMES:
        assert f"\n{policy} " in table, policy
    assert "Quoting with promisebot" in result.text

    def chart() -> list[Message]:
        return [m for m in world.slack.messages(OPS_CHANNEL) if m.files]

    [with_chart] = eventually(chart, timeout=30, what="the chart")
    [uploaded] = [f for f in world.slack.files() if f.name == "on_time_vs_lead_time.png"]
    assert uploaded.data is not None and uploaded.data.startswith(b"\x89PNG")
    assert OPS_CHANNEL in uploaded.shared_to
    world.settle()
    world.assert_blocks_valid()
    assert planning_data(world) == before


def test_salespeople_and_bad_arguments_are_refused_and_nothing_runs(world: World) -> None:
    asked = {
        ("simulate", SALES): "Only managers or admins can run the simulation",
        ("simulate 900d", MANAGER): "'900d' is not between 1 and 365 days",
        ("simulate seeds 1,x", MANAGER): "'x' is not a whole number",
        ("simulate seeds", MANAGER): "`seeds` needs a list like `1,2`",
        ("simulate seeds 1,2,3,4,5,6", MANAGER): "6 seeds is more than 5",
        ("simulate fast", MANAGER): "'fast' is not something the simulation takes",
    }
    for (text, user), expected in asked.items():
        reply, response = world.command(text, user, OPS_CHANNEL, name=ROLE)
        assert reply.status == 200
        answer = world.answer(response).text
        assert expected in answer, (text, answer)
        assert "Write `/promisebot simulate`" in answer or user == SALES
    world.settle()
    assert world.slack.messages(OPS_CHANNEL) == []
    assert world.slack.files() == []
    world.assert_blocks_valid()


def test_morgan_asks_in_the_sandboxs_management_channel_and_gets_the_result_there(
    tmp_path: Path,
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}")
    with Sandbox(settings, port=0, as_of=demo_day(date(2027, 3, 1))) as sandbox:
        assert sandbox.slack is not None
        slack = sandbox.slack
        text = "/promisebot simulate 14d seeds 1"
        assert sandbox.command({"user": MORGAN, "channel": MANAGEMENT, "text": text}) == {
            "status": 200
        }

        def result() -> list[Message]:
            return [m for m in slack.messages(MANAGEMENT) if "Promise reliability" in str(m.blocks)]

        eventually(result, timeout=120, what="the result in #management")
        eventually(
            lambda: [m for m in slack.messages(MANAGEMENT) if m.files],
            timeout=30,
            what="the chart in #management",
        )
        running = [m.text for m in slack.ephemerals(MORGAN, MANAGEMENT)]
        assert any("Running the simulation of 14 days" in t for t in running), running
