"""Leads in Slack over signed HTTP: `/lead`, the lead form, and the reminder DM's buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import web_client
from bot.collaboration.leads import LeadView
from bot.platform.db.tables import LeadFollowupRow, LeadRow
from bot.platform.outbox import OutboxWorker
from bot.sandbox import Message
from bot.sandbox.signing import dm_channel_id
from handlers import leads_views
from handlers.parsing import CUSTOMER_ACTION, QTY_ACTION, SKU_ACTION
from tests.slack_harness import (
    MANAGER,
    SALES,
    SALES_2,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)

REMINDER_BUTTONS = (
    leads_views.LEAD_DONE,
    leads_views.LEAD_SNOOZE_1,
    leads_views.LEAD_SNOOZE_3,
    leads_views.LEAD_SNOOZE_NEXT_WEEK,
    leads_views.LEAD_REASSIGN,
    leads_views.LEAD_QUOTE,
)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(world: World) -> Iterator[FakeClock]:
    """The lead service's clock, fixed at Monday 23 Nov 2026 08:00 UTC (the planning date)."""
    fake = FakeClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    world.services.leads.clock = fake
    yield fake


def lead_command(world: World, text: str, user: str = SALES) -> Message:
    reply, response = world.command(text, user, name="/lead")
    assert reply.status == 200, reply
    return world.answer(response)


def leads_in(world: World) -> list[tuple[Any, ...]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(
                LeadRow.owner_slack_id,
                LeadRow.source,
                LeadRow.product_interest,
                LeadRow.expected_qty,
                LeadRow.expected_month,
                LeadRow.note,
            ).order_by(LeadRow.id)
        ).all()
    return [tuple(r) for r in rows]


def followups_in(world: World) -> list[tuple[Any, ...]]:
    with world.db.session_factory() as session:
        rows = session.execute(
            sa.select(
                LeadFollowupRow.done_at.is_not(None),
                LeadFollowupRow.snoozed_to.is_not(None),
            ).order_by(LeadFollowupRow.id)
        ).all()
    return [tuple(r) for r in rows]


def the_lead(world: World) -> LeadView:
    with world.db.session_factory() as session:
        lead_id = session.scalar(sa.select(sa.func.max(LeadRow.id)))
    return world.services.leads.lead(int(lead_id))


def remind(world: World, lead: LeadView) -> Message:
    """Let the reminder job run an hour after the follow-up is due and the outbox deliver it;
    returns the DM the owner got."""
    assert lead.next_followup is not None
    now = lead.next_followup.due_at + timedelta(hours=1)
    world.services.leads.clock = FakeClock(now)
    assert world.services.leads.queue_reminders(now) == 1
    worker = OutboxWorker(world.db.session_factory, web_client(world.settings))
    assert worker.deliver_due() == 1
    dm = world.slack.messages(dm_channel_id(lead.owner))
    return [m for m in dm if m.text.startswith("Follow up with")][-1]


def edited(world: World, message: Message) -> Message:
    return eventually(
        lambda: (m := world.slack.message(message.channel, message.ts)).edited and m,
        what="the DM to change",
    )


# --- /lead and the form -------------------------------------------------------------------------


def test_lead_saves_the_lead_and_confirms_to_the_salesperson_only(world: World) -> None:
    answer = lead_command(world, "Acme Corp — wants 200 BRKT in March follow up in 5 days")

    assert answer.ephemeral_to == SALES
    assert answer.text.startswith("Lead saved: Acme Corp; follow up ")
    assert leads_in(world) == [(SALES, "", "", None, None, "wants 200 BRKT in March")]
    lead = the_lead(world)
    assert lead.next_followup is not None
    assert lead.next_followup.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Sat → Mon
    world.assert_blocks_valid()


def test_bad_lead_text_is_answered_with_the_usage_and_saves_nothing(world: World) -> None:
    before = world.dump()

    empty_customer = lead_command(world, "— only a note")
    past = lead_command(world, "Acme follow up on 2020-01-01")
    zero = lead_command(world, "Acme follow up in 0 days")

    assert empty_customer.text.startswith("Name the customer")
    assert "is in the past" in past.text
    assert zero.text.startswith("Follow up in at least 1 day")
    for message in (empty_customer, past, zero):
        assert message.ephemeral_to == SALES
        assert "Usage: `/lead CUSTOMER" in message.text
    world.settle()
    assert world.dump() == before
    world.assert_blocks_valid()


def test_the_lead_form_saves_source_product_quantity_month_and_owner(world: World) -> None:
    reply, _ = world.command("", SALES, name="/lead")
    assert reply.status == 200
    form = eventually(lambda: world.slack.last_view(SALES), what="the lead form")
    assert form["callback_id"] == leads_views.LEAD_MODAL

    refused = world.submit(SALES, {leads_views.LEAD_CUSTOMER_ACTION: "Bolt GmbH"})
    assert refused.body["response_action"] == "errors"
    assert set(refused.body["errors"]) == {leads_views.LEAD_SOURCE_BLOCK}

    world.submit(
        SALES,
        {
            leads_views.LEAD_CUSTOMER_ACTION: "Bolt GmbH",
            leads_views.LEAD_SOURCE_ACTION: "trade fair",
            leads_views.LEAD_PRODUCT_ACTION: "BRKT",
            leads_views.LEAD_QTY_ACTION: 300,
            leads_views.LEAD_MONTH_ACTION: "2027-01-01",
            leads_views.LEAD_OWNER_ACTION: SALES_2,
            leads_views.LEAD_NOTE_ACTION: "Met at the fair",
        },
    )

    confirmation = eventually(
        lambda: [m for m in world.slack.ephemerals(SALES) if m.text.startswith("Lead saved")],
        what="the confirmation",
    )[0]
    assert confirmation.text.startswith("Lead saved: Bolt GmbH")
    assert leads_in(world) == [
        (SALES_2, "trade fair", "BRKT", 300, date(2027, 1, 1), "Met at the fair")
    ]
    world.assert_blocks_valid()


# --- the reminder and its buttons ---------------------------------------------------------------


def test_the_reminder_arrives_by_dm_through_the_outbox_with_its_buttons(world: World) -> None:
    lead_command(world, "Acme — price for 40 BRKT")

    reminder = remind(world, the_lead(world))

    assert reminder.text == "Follow up with Acme: price for 40 BRKT"
    for action_id in REMINDER_BUTTONS:
        assert world.buttons(reminder, action_id)
    world.assert_blocks_valid()


def test_done_marks_the_follow_up_done_in_place_and_acts_once(world: World) -> None:
    lead_command(world, "Acme — price for 40 BRKT")
    reminder = remind(world, the_lead(world))

    world.click(reminder, leads_views.LEAD_DONE)
    done = edited(world, reminder)
    assert done.text == "Followed up with Acme"
    assert not [b for b in done.blocks if b["type"] == "actions"]
    assert followups_in(world) == [(True, False)]

    before = world.dump()
    _, again = world.click(reminder, leads_views.LEAD_DONE)  # a double click on the old buttons
    assert "twice" in world.answer(again).text
    world.settle()
    assert world.dump() == before
    world.assert_blocks_valid()


def test_someone_else_is_refused_and_nothing_changes(world: World) -> None:
    lead_command(world, "Acme")
    reminder = remind(world, the_lead(world))
    before = world.dump()

    for action_id in (leads_views.LEAD_DONE, leads_views.LEAD_SNOOZE_1, leads_views.LEAD_QUOTE):
        _, response = world.click(reminder, action_id, SALES_2)
        refusal = world.answer(response)
        assert refusal.ephemeral_to == SALES_2
        assert "only its owner or a manager" in refusal.text
    _, response = world.click(reminder, leads_views.LEAD_REASSIGN, SALES_2, value=SALES_2)
    assert "only its owner or a manager" in world.answer(response).text

    world.settle()
    assert world.dump() == before
    assert not world.slack.message(reminder.channel, reminder.ts).edited
    world.assert_blocks_valid()


def test_snooze_moves_the_follow_up_and_reminds_again_then(world: World) -> None:
    lead_command(world, "Acme")
    lead = the_lead(world)
    reminder = remind(world, lead)

    world.click(reminder, leads_views.LEAD_SNOOZE_3)
    snoozed = edited(world, reminder)
    assert snoozed.text.startswith("Follow-up with Acme snoozed to ")
    assert followups_in(world) == [(False, True)]
    # Reminded Thu 26 Nov at 10:00; three days later is a Sunday, so Monday 09:00.
    lead = the_lead(world)
    assert lead.next_followup is not None
    assert lead.next_followup.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    # A manager may snooze it too, from the new reminder.
    second = remind(world, lead)
    assert second.ts != reminder.ts
    world.click(second, leads_views.LEAD_SNOOZE_NEXT_WEEK, MANAGER)
    assert edited(world, second).text.startswith("Follow-up with Acme snoozed to ")
    world.assert_blocks_valid()


def test_reassign_gives_the_lead_to_the_chosen_person_and_tells_them(world: World) -> None:
    lead_command(world, "Acme — wants a quote")
    reminder = remind(world, the_lead(world))

    world.click(reminder, leads_views.LEAD_REASSIGN, value=SALES_2)

    assert "is now <@U0SALES2>'s" in str(edited(world, reminder).blocks)
    assert leads_in(world)[0][0] == SALES_2
    handed = eventually(lambda: world.slack.messages(dm_channel_id(SALES_2)), what="the DM")
    assert handed[-1].text == f"<@{SALES}> gave you the lead Acme"
    # The new owner gets the reminder from now on.
    lead = the_lead(world)
    assert remind(world, lead).channel == dm_channel_id(SALES_2)
    world.assert_blocks_valid()


def test_quote_it_opens_the_promise_form_filled_in_from_the_lead(world: World) -> None:
    world.command("", SALES, name="/lead")
    eventually(lambda: world.slack.last_view(SALES), what="the lead form")
    world.submit(
        SALES,
        {
            leads_views.LEAD_CUSTOMER_ACTION: "Bolt GmbH",
            leads_views.LEAD_SOURCE_ACTION: "website",
            leads_views.LEAD_PRODUCT_ACTION: "brackets (BRKT)",
            leads_views.LEAD_QTY_ACTION: 40,
        },
    )
    lead = eventually(lambda: leads_in(world) and the_lead(world), what="the lead")
    reminder = remind(world, lead)

    world.click(reminder, leads_views.LEAD_QUOTE)

    form = eventually(
        lambda: (v := world.slack.last_view(SALES)) and v.get("submit") and v,
        what="the promise form",
    )
    elements = {
        b["element"]["action_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"
    }
    assert elements[SKU_ACTION]["initial_option"]["value"] == "BRKT"
    assert elements[QTY_ACTION]["initial_value"] == "40"
    assert elements[CUSTOMER_ACTION]["initial_value"] == "Bolt GmbH"
    world.assert_blocks_valid()


def test_the_new_lead_shortcut_opens_the_form_owned_by_whoever_used_it(world: World) -> None:
    reply = world.requester.shortcut("lead_shortcut", SALES_2)

    assert reply.status == 200
    form = eventually(lambda: world.slack.last_view(SALES_2), what="the lead form")
    assert form["callback_id"] == leads_views.LEAD_MODAL
    owner = next(b for b in form["blocks"] if b.get("block_id") == leads_views.LEAD_OWNER_BLOCK)
    assert owner["element"]["initial_user"] == SALES_2
    world.assert_blocks_valid()


def test_a_follow_up_is_due_at_nine_in_the_owners_own_slack_time_zone(world: World) -> None:
    chicago = "U0CHICAGO"
    world.slack.add_user(chicago, "cody", tz="America/Chicago")

    lead_command(world, "Acme Corp follow up in 5 days", user=chicago)

    lead = the_lead(world)
    assert lead.next_followup is not None
    # Sat 28 Nov moves to Monday; 09:00 in Chicago (UTC−6 in November) is 15:00 UTC.
    assert lead.next_followup.due_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_quote_it_on_a_lead_with_a_long_customer_opens_a_form_that_can_be_sent(
    world: World,
) -> None:
    customer = ("Công ty TNHH Cơ khí Chính xác Sài Gòn · 上海精密机械有限公司 · " * 5)[:200]
    world.command("", SALES, name="/lead")
    eventually(lambda: world.slack.last_view(SALES), what="the lead form")
    world.submit(
        SALES,
        {
            leads_views.LEAD_CUSTOMER_ACTION: customer,
            leads_views.LEAD_SOURCE_ACTION: "trade fair",
            leads_views.LEAD_PRODUCT_ACTION: "BRKT",
            leads_views.LEAD_QTY_ACTION: 20,
        },
    )
    lead = eventually(lambda: leads_in(world) and the_lead(world), what="the lead")
    assert lead.customer == customer

    world.click(remind(world, lead), leads_views.LEAD_QUOTE)
    form = eventually(
        lambda: (v := world.slack.last_view(SALES)) and v.get("submit") and v,
        what="the promise form",
    )
    field = next(b["element"] for b in form["blocks"] if b.get("block_id") == "customer")
    assert field["initial_value"] == customer  # the whole name, in a field that takes it

    answer = world.submit(SALES, {})  # sent as prefilled
    assert not (isinstance(answer.body, dict) and answer.body.get("errors")), answer.body
    quote = eventually(
        lambda: [m for m in world.slack.messages(dm_channel_id(SALES)) if "BRKT" in m.text],
        what="the quote",
    )[-1]
    assert quote.text.startswith(f"20 BRKT for {customer}: ")
    world.assert_blocks_valid()


def test_a_leads_customer_and_note_ping_nobody_in_its_follow_up(world: World) -> None:
    lead_command(world, "<!here> Corp — call <@U0VICTIM> about <http://evil.example|the deal>")
    reminder = remind(world, the_lead(world))

    assert reminder.text.startswith("Follow up with &lt;!here&gt; Corp: call &lt;@U0VICTIM&gt;")
    world.settle()
    assert world.live_sequences() == []
    world.assert_blocks_valid()


@pytest.mark.parametrize(
    ("language", "text", "note"),
    [
        (
            "vi",
            "Acme Corp — cần 200 BRKT vào tháng 3, gọi lại sau 5 ngày",
            "cần 200 BRKT vào tháng 3",
        ),
        ("zh_Hans", "Acme Corp — 3月要200个BRKT，5天后跟进", "3月要200个BRKT"),
    ],
)
def test_a_lead_typed_in_vietnamese_or_chinese_is_read_as_the_english_one(
    world: World, language: str, text: str, note: str
) -> None:
    reply, response = world.command(f"language {language} me", SALES, name="/promisebot")
    assert reply.status == 200, reply
    world.answer(response)

    answer = lead_command(world, text)

    assert answer.ephemeral_to == SALES
    assert "Acme Corp" in answer.text and not answer.text.startswith("Lead saved")
    assert leads_in(world) == [(SALES, "", "", None, None, note)]
    lead = the_lead(world)
    assert lead.next_followup is not None
    assert lead.next_followup.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # as in English
    world.assert_blocks_valid()
