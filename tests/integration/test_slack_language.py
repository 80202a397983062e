"""Each person reads their own language, over signed HTTP: their choice, else their Slack locale,
else the workspace's; a channel's shared messages are in the language an admin gave it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.platform.db.tables import AuditLogRow, ChannelLanguageRow, SlackLocaleRow, UserRow
from bot.sandbox import dm_channel_id
from handlers import language_views, orders_views
from tests.slack_harness import (
    ADMIN,
    OPS,
    OPS_CHANNEL,
    SALES,
    SALES_CHANNEL,
    World,
    eventually,
    serve_world,
    world_fixture,  # noqa: F401 - the `world` fixture
)

VIET = "U0VIET"
HAN = "U0HAN"
QUOTE = "40 BRKT for Acme by Fri 27 Nov"


def _reply(world: World, text: str, user: str, channel: str = SALES_CHANNEL) -> Any:
    reply, response = world.command(text, user, channel, name="/promisebot")
    assert reply.status == 200, reply
    return world.answer(response)


def _info_calls(world: World, user: str) -> list[dict[str, Any]]:
    return [c.params for c in world.slack.calls("users.info") if c.params.get("user") == user]


def test_the_slack_locale_sets_the_language_of_a_person_who_chose_none(world: World) -> None:
    world.slack.add_user(VIET, "vy", locale="vi-VN")
    world.slack.add_user(HAN, "han", locale="zh-CN")

    vi = world.promise(QUOTE, user=VIET)
    zh = world.promise(QUOTE, user=HAN)
    en = world.promise(QUOTE, user=SALES)

    # Dates are the CLDR's for each: the weekday, the day, the month.
    assert "Thứ Sáu, 27 thg 11" in str(vi.blocks)
    assert "11月27日 周五" in str(zh.blocks)
    assert "Fri 27 Nov" in str(en.blocks)
    # The locale was asked for (include_locale) once, then remembered.
    world.promise(QUOTE, user=VIET)
    asked = _info_calls(world, VIET)
    assert len(asked) == 1 and str(asked[0].get("include_locale")).lower() in ("1", "true")
    with world.db.session_factory() as session:
        stored = session.scalar(
            sa.select(SlackLocaleRow.locale).where(SlackLocaleRow.slack_user_id == VIET)
        )
    assert stored == "vi-VN"


def test_a_locale_promisebot_does_not_speak_falls_back_to_the_workspace_language(
    world: World,
) -> None:
    world.slack.add_user("U0DE", "dora", locale="de-DE")
    world.slack.add_user("U0TW", "mei", locale="zh-TW")  # Traditional script: not zh_Hans
    assert "Fri 27 Nov" in str(world.promise(QUOTE, user="U0DE").blocks)
    assert "Fri 27 Nov" in str(world.promise(QUOTE, user="U0TW").blocks)


def test_the_workspace_language_applies_when_nothing_else_does(world: World) -> None:
    served = serve_world(world.db, world.slack, language="vi")
    try:
        served.slack.add_user("U0DE", "dora", locale="de-DE")
        quote = served.promise(QUOTE, user="U0DE")
        assert "Thứ Sáu, 27 thg 11" in str(quote.blocks)
    finally:
        served._served.close()  # type: ignore[attr-defined]


def test_a_person_chooses_their_language_and_it_wins_over_slack(world: World) -> None:
    world.slack.add_user(VIET, "vy", locale="vi-VN")
    chosen = _reply(world, "language zh_Hans", VIET)
    assert "简体中文" in chosen.text

    assert "11月27日 周五" in str(world.promise(QUOTE, user=VIET).blocks)
    # What they chose, and who chose it, is kept.
    with world.db.session_factory() as session:
        row = session.scalars(sa.select(UserRow).where(UserRow.slack_user_id == VIET)).one()
        audit = session.scalars(
            sa.select(AuditLogRow).where(AuditLogRow.action == "language")
        ).all()
    assert row.language == "zh_Hans"
    assert [(a.actor, a.entity_id, a.detail) for a in audit] == [
        (VIET, VIET, {"language": "zh_Hans"})
    ]

    # `auto` goes back to the Slack language, read anew.
    _reply(world, "language auto", VIET)
    assert "Thứ Sáu, 27 thg 11" in str(world.promise(QUOTE, user=VIET).blocks)


def test_the_language_command_alone_says_which_and_why(world: World) -> None:
    world.slack.add_user(VIET, "vy", locale="vi-VN")
    shown = _reply(world, "language", VIET, channel=SALES_CHANNEL)
    assert "Tiếng Việt" in shown.text
    shown = _reply(world, "language", SALES, channel=SALES_CHANNEL)
    assert "English" in shown.text


def test_an_unknown_language_is_refused_with_the_choices_and_changes_nothing(world: World) -> None:
    refused = _reply(world, "language klingon", SALES)
    assert "klingon" in refused.text and "zh_Hans" in refused.text and "vi" in refused.text
    hostile = _reply(world, "language <!channel> me", SALES)
    assert "<!channel>" not in str(hostile.blocks) and "&lt;!channel&gt;" in str(hostile.blocks)
    with world.db.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ChannelLanguageRow)) == 0
        languages = session.scalars(sa.select(UserRow.language)).all()
    assert set(languages) == {None}


def test_an_admin_gives_a_channel_its_language_and_others_cannot(world: World) -> None:
    refused = _reply(world, "language zh_Hans channel", OPS, channel=OPS_CHANNEL)
    assert "admin" in refused.text.lower()

    done = _reply(world, "language zh_Hans", ADMIN, channel=OPS_CHANNEL)
    assert "简体中文" in done.text
    with world.db.session_factory() as session:
        row = session.get(ChannelLanguageRow, OPS_CHANNEL)
        assert row is not None and (row.language, row.set_by) == ("zh_Hans", ADMIN)
        admin_language = session.scalar(
            sa.select(UserRow.language).where(UserRow.slack_user_id == ADMIN)
        )
    assert admin_language is None  # the channel's, not the admin's own

    # `me` in a channel sets only one's own, even for an admin.
    _reply(world, "language vi me", ADMIN, channel=OPS_CHANNEL)
    with world.db.session_factory() as session:
        assert session.get(ChannelLanguageRow, OPS_CHANNEL).language == "zh_Hans"  # type: ignore[union-attr]


def test_the_shared_question_to_operations_is_in_the_channel_language_and_the_reply_in_mine(
    world: World,
) -> None:
    _reply(world, "language zh_Hans", ADMIN, channel=OPS_CHANNEL)
    world.slack.add_user(VIET, "vy", locale="vi-VN")
    quote = world.promise("40 BRKT for Acme by Wed 25 Nov", user=VIET)
    world.click(quote, orders_views.ASK_OPS, user=VIET)

    posted = eventually(
        lambda: [m for m in world.slack.messages(OPS_CHANNEL) if m.blocks], what="the question"
    )
    # The question everyone in #operations reads: Chinese dates.
    assert "月" in str(posted[-1].blocks) and "周" in str(posted[-1].blocks)
    # What only the asker reads: Vietnamese.
    mine = world.slack.ephemerals(VIET) + world.slack.messages(dm_channel_id(VIET))
    assert any("thg" in str(m.blocks) for m in mine)


def test_the_home_select_sets_the_language_and_draws_home_again_in_it(world: World) -> None:
    world.requester.app_home_opened(SALES)
    home = eventually(lambda: world.slack.home(SALES), what="the home")
    select = next(
        b["accessory"]
        for b in home["blocks"]
        if (b.get("accessory") or {}).get("action_id") == language_views.HOME_LANGUAGE
    )
    assert select["initial_option"]["value"] == language_views.AUTOMATIC
    assert {o["value"] for o in select["options"]} == {"en", "vi", "zh_Hans", "auto"}

    reply = world.requester.block_action(
        language_views.HOME_LANGUAGE, "vi", SALES, None, None, None, view=home
    )
    assert reply.status == 200
    again = eventually(
        lambda: (h := world.slack.home(SALES)) and h != home and h, what="the home drawn again"
    )
    drawn = next(
        b["accessory"]
        for b in again["blocks"]
        if (b.get("accessory") or {}).get("action_id") == language_views.HOME_LANGUAGE
    )
    assert drawn["initial_option"]["value"] == "vi"
    assert "Ngôn ngữ: *Tiếng Việt*" in str(again["blocks"])
    with world.db.session_factory() as session:
        chosen = session.scalar(sa.select(UserRow.language).where(UserRow.slack_user_id == SALES))
    assert chosen == "vi"


def test_a_question_to_operations_reads_in_each_readers_language_after_it_was_posted(
    world: World,
) -> None:
    """The question is posted once, in the operations channel's language; whoever reads it
    later (operations on their Home tab) reads it in their own."""
    _reply(world, "language zh_Hans", ADMIN, channel=OPS_CHANNEL)
    _reply(world, "language vi me", OPS, channel=OPS_CHANNEL)
    quote = world.promise("40 BRKT for Acme by Wed 25 Nov", user=SALES)
    world.click(quote, orders_views.ASK_OPS, user=SALES)
    posted = eventually(
        lambda: [m for m in world.slack.messages(OPS_CHANNEL) if m.blocks], what="the question"
    )
    assert "Acme" in posted[-1].text and "月" in str(posted[-1].blocks)

    world.requester.app_home_opened(OPS)
    home = eventually(lambda: world.slack.home(OPS), what="the operations home")
    drawn = str(home["blocks"])
    assert "Có thể làm 40 BRKT cho Acme trước" in drawn, drawn
    assert "月" not in drawn and "Can you make" not in drawn
