"""The harness waits for what the app does after its ack, so that no Slack test depends on speed."""

from __future__ import annotations

import threading

from slack_bolt import Ack, Respond

from tests.slack_harness import (
    SALES,
    SALES_CHANNEL,
    World,
    world_fixture,  # noqa: F401 - the `world` fixture
)

SLOW = "harness_slow_button"


def test_settle_waits_for_a_listener_still_running_after_its_ack(world: World) -> None:
    # A listener of the harness's own (not one of ours): it acks, then waits to be let go.
    let_go = threading.Event()

    @world.app.action(SLOW)
    def slow(ack: Ack, respond: Respond) -> None:
        ack()
        let_go.wait(30)
        respond(text="done at last", replace_original=False)

    url = world.slack.response_url("slow", channel=SALES_CHANNEL, user=SALES)
    reply = world.requester.block_action(SLOW, "x", SALES, SALES_CHANNEL, {}, url)
    assert reply.status == 200  # answered while the listener still runs
    assert world.work.busy >= 1  # the listener (and maybe the request, finishing)

    settler = threading.Thread(target=world.settle)
    settler.start()
    settler.join(timeout=0.3)  # room for a settle that does not wait to return too early
    assert settler.is_alive()
    assert world.slack.responses("slow") == []

    let_go.set()
    settler.join(timeout=30)
    assert not settler.is_alive()
    assert world.work.busy == 0
    # Settled means done: what the listener said after its ack is there without waiting.
    assert [r.body["text"] for r in world.slack.responses("slow")] == ["done at last"]
