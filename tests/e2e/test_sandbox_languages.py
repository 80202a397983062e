"""The demo's first step in a real browser, as Sam in Vietnamese and as Sam in Chinese.

What the page should show is taken from the catalogs and from Babel (what a Vietnamese or a
Chinese reader is meant to read), never typed here, so the test follows the translations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from bot.platform import i18n
from bot.platform.i18n import gettext as _
from bot.platform.settings import Settings
from bot.sandbox.seed import PEOPLE
from bot.sandbox.server import PROMISE_COMMANDS, Sandbox

SAM = PEOPLE[0].user_id


def be(page: Any, first_name: str) -> None:
    page.locator("#people").get_by_role("button", name=re.compile(first_name)).click()


def say(page: Any, text: str) -> None:
    page.locator("#composer-input").fill(text)
    page.locator("#composer-input").press("Enter")


def first_step_in(page: Any, sandbox: Sandbox, language: str) -> None:
    """Sam quotes 40 BRKT for Acme in `language` and asks operations; all of it in `language`."""
    assert sandbox.story is not None
    command = PROMISE_COMMANDS[language].format(wanted=sandbox.story.wanted_in(language))
    with i18n.using(language):
        wanted = i18n.day(sandbox.story.wanted, sandbox.as_of)
        ask = _("Ask operations")
    # The first step shows the quote as Sam types it in his language.
    expect(page.locator("#first-steps")).to_contain_text(command)
    page.locator("#first-steps").get_by_role("button", name="Type it").click()
    expect(page.locator("#composer-input")).to_have_value(command)
    page.locator("#composer-input").press("Enter")

    quote = page.locator(".message.ephemeral").filter(has_text="40 BRKT").last
    expect(quote).to_contain_text(wanted)  # the day as the CLDR writes it in that language
    button = quote.get_by_role("button", name=ask)
    expect(button).to_be_visible()
    assert ask != "Ask operations"  # translated, not English
    button.click()
    # What Sam is told after asking is in his language too: nothing of it is the English text.
    told = page.locator(".message.ephemeral").last
    expect(told).not_to_contain_text("Asked operations")
    expect(told).not_to_have_text(re.compile(r"^[\x00-\x7f]*$"))


def test_sam_switches_to_vietnamese_on_the_page_and_quotes_in_it(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.url)
    be(page, "Sam")
    page.locator("#language").select_option("vi")
    # The switch typed `/promisebot language vi me` in Sam's DM; the bot answered in Vietnamese.
    with i18n.using("vi"):
        expect(page.locator("#language")).to_have_value("vi")
    first_step_in(page, sandbox, "vi")


@pytest.fixture
def chinese_sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """`promisebot demo --languages sam=zh_Hans`: Sam's Slack is in Chinese from the start."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'sandbox.db'}")
    with Sandbox(settings, port=0, languages={SAM: "zh_Hans"}) as running:
        yield running


def test_sam_whose_slack_is_in_chinese_quotes_in_chinese(
    page: Any, chinese_sandbox: Sandbox
) -> None:
    page.goto(chinese_sandbox.url)
    be(page, "Sam")
    expect(page.locator("#language")).to_have_value("zh_Hans")
    first_step_in(page, chinese_sandbox, "zh_Hans")
