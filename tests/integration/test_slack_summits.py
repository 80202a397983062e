"""The summit in Slack over signed HTTP: `/summit`, the reminder's RSVPs and agenda points, and
the decisions the next agenda shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.app import web_client
from bot.platform.db.tables import SummitRsvpRow
from bot.platform.outbox import OutboxWorker
from bot.sandbox import Message
from handlers import summits_views
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

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday; the factory's time zone is UTC
TITLE = "Sales–operations summit"


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(world: World) -> Iterator[FakeClock]:
    fake = FakeClock(NOW)
    world.services.summits.clock = fake
    yield fake


def summit_command(
    world: World, text: str, user: str = SALES, channel: str = SALES_CHANNEL
) -> Message:
    reply, response = world.command(text, user, channel, name="/summit")
    assert reply.status == 200, reply
    return world.answer(response)


def rsvps(world: World) -> list[tuple[str, str]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(SummitRsvpRow.slack_user_id, SummitRsvpRow.answer).order_by(
                SummitRsvpRow.slack_user_id
            )
        ).all()
    return [(user, answer) for user, answer in rows]


def week_reminder(world: World) -> Message:
    """The reminder a week before Tue 1 Dec 10:00, queued by the job and sent by the outbox."""
    assert world.services.summits.queue_reminders(datetime(2026, 11, 24, 10, 1, tzinfo=UTC)) == 1
    assert OutboxWorker(world.db.session_factory, web_client(world.settings)).deliver_due() == 1
    return world.slack.messages(SALES_CHANNEL)[-1]


def test_summit_schedules_the_monthly_summit_here_organised_by_the_caller(world: World) -> None:
    answer = summit_command(world, "first Tuesday 10:00 at Plant 2, room 4")

    assert answer.ephemeral_to is None  # the channel sees it was scheduled
    assert answer.text == (
        f"{TITLE} scheduled: first Tuesday of the month, 10:00 in Plant 2, room 4; "
        "next Tue 1 Dec 10:00"
    )
    [summit] = world.services.summits.summits()
    assert (summit.channel, summit.organiser, summit.location) == (
        SALES_CHANNEL,
        SALES,
        "Plant 2, room 4",
    )
    assert summit.schedule.fields == {"day": "1st tue", "hour": "10", "minute": "0"}
    world.assert_blocks_valid()


def test_scheduling_again_moves_the_summit_for_its_organiser_only(world: World) -> None:
    summit_command(world, "first Tuesday 10:00")

    refused = summit_command(world, "first Wednesday 9:00", SALES_2)
    assert "only they or a manager can move it" in refused.text
    moved = summit_command(world, "first Wednesday 9:00")

    assert moved.text.endswith("(replaces first Tuesday of the month, 10:00)")
    [summit] = world.services.summits.summits()
    assert summit.schedule.description == "first Wednesday of the month, 09:00"
    world.assert_blocks_valid()


def test_summit_may_name_another_channel(world: World) -> None:
    summit_command(world, "last Friday 3pm in <#C0OPS|operations>")

    [summit] = world.services.summits.summits()
    assert (summit.channel, summit.location) == (OPS_CHANNEL, "")
    assert summit.schedule.description == "last Friday of the month, 15:00"


def test_bad_summit_text_is_answered_with_the_usage_and_changes_nothing(world: World) -> None:
    before = world.dump()

    nothing_yet = summit_command(world, "")
    no_time = summit_command(world, "first Tuesday")
    no_day = summit_command(world, "first 10:00")
    no_decisions_yet = summit_command(world, "decisions We agreed")

    assert nothing_yet.text.startswith("No summit is scheduled yet.")
    assert "time of day" in no_time.text
    assert "Name the weekday" in no_day.text
    assert no_decisions_yet.text.startswith("No summit is scheduled yet.")
    for message in (nothing_yet, no_time, no_day, no_decisions_yet):
        assert message.ephemeral_to == SALES
        assert "`/summit decisions TEXT`" in message.text
    world.settle()
    assert world.dump() == before
    world.assert_blocks_valid()


def test_summit_alone_shows_the_next_occurrence_and_its_agenda(world: World) -> None:
    summit_command(world, "first Tuesday 10:00")

    shown = summit_command(world, "", SALES_2)

    assert shown.ephemeral_to == SALES_2
    assert shown.text.startswith(f"{TITLE}: Tue 1 Dec 2026 at 10:00\nAgenda for {TITLE}")
    for action_id in (
        summits_views.SUMMIT_RSVP_YES,
        summits_views.SUMMIT_RSVP_MAYBE,
        summits_views.SUMMIT_RSVP_NO,
    ):
        assert world.buttons(shown, action_id)
    assert "summit_record_decisions" not in str(shown.blocks)  # only for the organiser
    world.assert_blocks_valid()


def test_the_reminder_takes_rsvps_in_place_and_agenda_points(world: World) -> None:
    summit_command(world, "first Tuesday 10:00 at Plant 2")
    reminder = week_reminder(world)
    assert reminder.text.startswith(f"{TITLE} in a week: Tue 1 Dec 10:00 in Plant 2")

    world.click(reminder, summits_views.SUMMIT_RSVP_YES, SALES)
    eventually(lambda: rsvps(world) == [(SALES, "yes")], what="the first answer")
    world.click(
        world.slack.message(SALES_CHANNEL, reminder.ts), summits_views.SUMMIT_RSVP_MAYBE, OPS
    )
    eventually(lambda: len(rsvps(world)) == 2, what="the second answer")

    updated = eventually(
        lambda: (
            "Maybe: <@U0OPS>" in str((m := world.slack.message(SALES_CHANNEL, reminder.ts)).blocks)
            and m
        ),
        what="the tally",
    )
    assert "Coming: <@U0SALES>" in str(updated.blocks)
    assert world.buttons(
        updated, summits_views.SUMMIT_ADD_POINT
    )  # still there to answer and add to

    world.click(updated, summits_views.SUMMIT_ADD_POINT, OPS)
    form = eventually(lambda: world.slack.last_view(OPS), what="the agenda point form")
    assert form["callback_id"] == summits_views.SUMMIT_POINT_MODAL
    world.submit(OPS, {summits_views.POINT_ACTION: "Paint line maintenance in January"})
    eventually(
        lambda: any("On the agenda" in t for t in world.ephemeral_texts(OPS)),
        what="the confirmation",
    )

    agenda = summit_command(world, "")
    assert "Points added for this summit:\n- Paint line maintenance in January (<@U0OPS>)" in (
        agenda.text
    )
    world.assert_blocks_valid()


def test_decisions_recorded_after_the_summit_are_on_the_next_agenda(world: World) -> None:
    summit_command(world, "first Tuesday 10:00")  # the last one met on Tue 3 Nov

    refused = summit_command(world, "decisions Buy a second paint line", SALES_2)
    assert "only they or a manager can record its decisions" in refused.text

    saved = summit_command(world, "decisions Buy a second paint line")
    assert saved.text.startswith(f"Decisions of {TITLE} on Tue 3 Nov recorded")

    agenda = summit_command(world, "")
    assert "Decided last time: Buy a second paint line" in agenda.text
    world.assert_blocks_valid()


def test_the_organiser_records_decisions_with_the_button(world: World) -> None:
    summit_command(world, "first Tuesday 10:00")
    overview = summit_command(world, "", MANAGER)  # a manager may record them too

    world.click(overview, summits_views.SUMMIT_RECORD_DECISIONS, MANAGER)
    eventually(
        lambda: (
            (v := world.slack.last_view(MANAGER))
            and v.get("callback_id") == summits_views.SUMMIT_DECISIONS_MODAL
        ),
        what="the decisions form",
    )
    world.submit(MANAGER, {summits_views.DECISIONS_ACTION: "Quote rush orders only with ops"})
    eventually(
        lambda: any("Decisions recorded" in t for t in world.ephemeral_texts(MANAGER)),
        what="the confirmation",
    )

    agenda = summit_command(world, "", SALES)
    assert "Decided last time: Quote rush orders only with ops" in agenda.text

    # Someone else's click is refused.
    _, response = world.click(agenda, summits_views.SUMMIT_RECORD_DECISIONS, SALES_2)
    assert "only they or a manager" in world.answer(response).text
    world.assert_blocks_valid()


def test_a_long_place_is_cut_with_an_ellipsis_and_the_point_form_names_it_in_full(
    world: World,
) -> None:
    place = "Werk 2, Besprechungsraum „Kessel“ — " + "hinter der Lackiererei, " * 8 + "Tor 3"
    summit_command(world, f"first Tuesday 10:00 at {place}")
    reminder = week_reminder(world)

    header = reminder.blocks[0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")  # Slack's limit, and it says so
    assert header.startswith(f"{TITLE} in a week: Tue 1 Dec 10:00 in Werk 2")

    world.click(reminder, summits_views.SUMMIT_ADD_POINT, OPS)
    form = eventually(lambda: world.slack.last_view(OPS), what="the agenda point form")
    assert f"For *{TITLE}, Tue 1 Dec 10:00 in {place}*" in str(form["blocks"])
    world.assert_blocks_valid()


def test_a_reminder_sent_on_the_day_of_the_summit_says_today(world: World) -> None:
    summit_command(world, "first Tuesday 10:00")  # next: Tue 1 Dec 10:00 (UTC here)
    # The day-before reminder could not go out yesterday (the bot was down); it goes at 00:30.
    morning = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    world.services.summits.clock = FakeClock(morning)
    assert world.services.summits.queue_reminders(morning) == 1
    assert OutboxWorker(world.db.session_factory, web_client(world.settings)).deliver_due() == 1

    reminder = world.slack.messages(SALES_CHANNEL)[-1]
    assert reminder.text.startswith(f"{TITLE} today: Tue 1 Dec 10:00")
    assert reminder.blocks[0]["text"]["text"] == f"{TITLE} today: Tue 1 Dec 10:00"
    world.assert_blocks_valid()


def test_a_summits_place_and_agenda_points_ping_nobody(world: World) -> None:
    announced = summit_command(world, "first Tuesday 10:00 at <!channel> room, ask <@U0VICTIM>")
    assert "in &lt;!channel&gt; room" in announced.text
    reminder = week_reminder(world)
    world.click(reminder, summits_views.SUMMIT_ADD_POINT, OPS)
    eventually(lambda: world.slack.last_view(OPS), what="the agenda point form")
    world.submit(
        OPS, {summits_views.POINT_ACTION: "<!here> <@U0VICTIM> owes us <http://evil.example|€>"}
    )
    eventually(lambda: any("On the agenda" in t for t in world.ephemeral_texts(OPS)), what="ok")

    assert world.services.summits.queue_reminders(datetime(2026, 11, 30, 10, 1, tzinfo=UTC)) == 1
    assert OutboxWorker(world.db.session_factory, web_client(world.settings)).deliver_due() == 1
    tomorrow = world.slack.messages(SALES_CHANNEL)[-1]
    assert "&lt;!here&gt; &lt;@U0VICTIM&gt; owes us" in tomorrow.text
    assert f"(<@{OPS}>)" in tomorrow.text  # who added the point is a mention, the point is not
    world.settle()
    assert world.live_sequences() == []
    world.assert_blocks_valid()


def test_a_summit_is_scheduled_moved_and_cancelled_in_vietnamese_and_chinese(world: World) -> None:
    reply, response = world.command("language vi me", SALES, SALES_CHANNEL, name="/promisebot")
    assert reply.status == 200, reply
    world.answer(response)

    summit_command(world, "thứ Ba đầu tiên 10 giờ tại Xưởng 2, phòng 4")

    [summit] = world.services.summits.summits()
    assert summit.schedule.fields == {"day": "1st tue", "hour": "10", "minute": "0"}
    assert (summit.channel, summit.location) == (SALES_CHANNEL, "Xưởng 2, phòng 4")
    refused = summit_command(world, "đầu tiên 10:00")
    assert "Hãy ghi thứ trong tuần" in refused.text
    assert "`/summit quyết định NỘI DUNG`" in refused.text

    reply, response = world.command("language zh_Hans me", SALES, SALES_CHANNEL, name="/promisebot")
    assert reply.status == 200, reply
    world.answer(response)
    summit_command(world, "每月最后一个周五下午3点半 在 二号会议室")
    [moved] = world.services.summits.summits()
    assert moved.schedule.fields == {"day": "last fri", "hour": "15", "minute": "30"}
    assert moved.location == "二号会议室"
    summit_command(world, "取消会议")
    assert world.services.summits.summits() == []
    # Without a place, as most schedules are written.
    summit_command(world, "每周一 9点")
    [weekly] = world.services.summits.summits()
    assert weekly.schedule.fields == {"day_of_week": "mon", "hour": "9", "minute": "0"}
    assert weekly.location == ""
    world.assert_blocks_valid()
