"""`/summit … in #channel` only for members of that channel: its reminders go to everyone there,
so a salesperson who is not in #management cannot schedule them into it."""

from __future__ import annotations

from tests.slack_harness import (
    ADMIN,
    MANAGER,
    SALES,
    SALES_CHANNEL,
    World,
    world_fixture,  # noqa: F401 - the `world` fixture
)

MANAGEMENT = "C0MGMT"
PRIVATE = "G0BOARD"


def summit(world: World, text: str, user: str = SALES) -> str:
    reply, response = world.command(text, user, SALES_CHANNEL, name="/summit")
    assert reply.status == 200, reply
    message = world.answer(response)
    assert message.ephemeral_to == user or message.ephemeral_to is None
    return message.text


def test_a_salesperson_outside_the_channel_cannot_schedule_its_summit(world: World) -> None:
    world.slack.add_channel("management", MANAGEMENT, members=[MANAGER, ADMIN])
    before = world.dump()

    told = summit(world, f"every Mon 10:00 in <#{MANAGEMENT}|management>")

    assert told.startswith("You are not in <#C0MGMT>, so you cannot schedule its summit")
    world.settle()
    assert world.dump() == before
    assert world.services.summits.summits() == []
    assert world.slack.messages(MANAGEMENT) == []
    # Nothing posted anywhere: only reads (who is in the channel; the person's Slack locale, for
    # the language of the refusal).
    reads = {"auth.test", "conversations.members", "users.info"}
    assert {c.method for c in world.slack.calls()} <= reads


def test_a_member_of_the_channel_may_schedule_it_there(world: World) -> None:
    # A channel of more than one page of members: the caller is on the second.
    others = [f"U0X{n:05d}" for n in range(1500)]
    world.slack.add_channel("management", MANAGEMENT, members=[*others, MANAGER])

    summit(world, f"every Mon 10:00 in <#{MANAGEMENT}|management>", user=MANAGER)

    [scheduled] = world.services.summits.summits()
    assert (scheduled.channel, scheduled.organiser) == (MANAGEMENT, MANAGER)
    pages = world.slack.calls("conversations.members")
    assert len(pages) == 2


def test_a_channel_promisebot_cannot_see_into_is_refused_closed(world: World) -> None:
    before = world.dump()
    # Not known to the fake, like a private channel the bot is not in: channel_not_found.
    told = summit(world, f"every Mon 10:00 in <#{PRIVATE}|board>", user=MANAGER)
    assert told.startswith("promisebot cannot see who is in <#G0BOARD>")
    world.settle()
    assert world.dump() == before


def test_a_channel_named_as_plain_text_is_refused_with_how_to_name_it(world: World) -> None:
    before = world.dump()
    told = summit(world, "every Mon 10:00 in #management")
    assert told.startswith("Pick the channel from the list Slack offers as you type `#`")
    world.settle()
    assert world.dump() == before
    assert world.slack.calls("conversations.members") == []
