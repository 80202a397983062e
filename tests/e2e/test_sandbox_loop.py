"""The whole loop in a real browser, as the three people of the sandbox would click through it."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from bot.demo import workdays_after
from bot.sandbox.server import Sandbox
from handlers.parsing import format_day


def be(page: Any, first_name: str) -> None:
    page.locator("#people").get_by_role("button", name=re.compile(first_name)).click()
    expect(page.locator("#sidebar .me")).to_contain_text(f"You are {first_name}")


def open_conversation(page: Any, name: str) -> None:
    page.locator("#sidebar").get_by_role("link", name=re.compile(f"^{name}( \\d+)?$")).click()


def say(page: Any, text: str) -> None:
    page.locator("#composer-input").fill(text)
    page.locator("#composer-input").press("Enter")


def test_sales_asks_operations_who_approve_with_overtime_and_the_manager_reads_the_digest(
    page: Any, sandbox: Sandbox
) -> None:
    page.goto(sandbox.url)
    # The demo plans as of today: the days it speaks of are the story's (see bot.sandbox.seed).
    assert sandbox.story is not None
    wanted = format_day(sandbox.story.wanted, sandbox.as_of)
    command = f"/promise 40 BRKT for Acme by {sandbox.story.wanted_words}"

    # Sam, in #sales, asks for a date; the quote is his alone and says what the plan can do.
    expect(page.locator("#first-steps")).to_contain_text(command)
    be(page, "Sam")
    open_conversation(page, "sales")
    say(page, command)
    quote = page.locator(".message.ephemeral").filter(has_text="40 BRKT for Acme")
    expect(quote).to_contain_text(f"wanted {wanted}")
    expect(quote).to_contain_text(re.compile(r"Earliest for all 40: \w{3} \d{1,2} \w{3}"))
    expect(quote).to_contain_text("Only visible to you")
    quote.get_by_role("button", name="Ask operations").click()
    expect(page.locator(".message.ephemeral").last).to_contain_text("Asked operations")

    # Pat sees the question in #operations and approves it with overtime, through the modal.
    be(page, "Pat")
    open_conversation(page, "operations")
    question = page.locator(".message").filter(has_text="Can you make 40 BRKT for Acme").last
    expect(question).to_contain_text("Customer expects")
    question.get_by_role("button", name="Approve with overtime…").click()
    modal = page.locator("#modal")
    expect(modal).to_contain_text("Approve with overtime")
    hours = modal.get_by_role("textbox")
    expect(hours).to_have_value(re.compile(r"^PAINT \d{4}-\d{2}-\d{2} [\d.]+"))  # suggested
    suggested = hours.input_value()
    hours.fill("PAINT someday 4")
    modal.get_by_role("button", name="Approve").click()
    expect(modal.locator(".b-error")).to_contain_text("Line 1")  # the app's inline error
    hours.fill(suggested)
    modal.get_by_role("button", name="Approve").click()
    expect(page.locator("#modal-overlay")).to_be_hidden()
    expect(question).to_contain_text(f"approved with overtime: 40 on {wanted}")

    # Sam hears it by DM, and the order is held for him on his Home tab.
    be(page, "Sam")
    unread = page.locator("#sidebar").get_by_role("link", name=re.compile("^promisebot"))
    expect(unread).to_have_class(re.compile("unread"))
    open_conversation(page, "promisebot")
    expect(page.locator("#messages")).to_contain_text(f"Held: 40 BRKT for Acme on {wanted}")
    expect(unread).not_to_have_class(re.compile("unread"))
    page.locator("#conversation-header").get_by_role("button", name="Home").click()
    home = page.locator("#home")
    expect(home).to_contain_text("Holds")
    expect(home).to_contain_text(f"40 BRKT for Acme · {wanted}")

    # Morgan posts last week's digest in #management; its charts come in the thread.
    be(page, "Morgan")
    open_conversation(page, "management")
    page.get_by_role("button", name="Post the digest").click()
    digest = page.locator(".message").filter(has_text="Weekly digest").last
    expect(digest).to_contain_text("On time this week: 67% (4 kept, 2 missed)")
    digest.get_by_role("link", name="1 reply").click()
    charts = page.locator("#thread img")
    expect(charts).to_have_count(2)
    for index in range(2):
        expect(charts.nth(index)).to_have_js_property("complete", True)
        assert charts.nth(index).evaluate("img => img.naturalWidth") == 1200


def test_the_promise_form_finds_items_as_you_type_and_quotes_in_the_channel(
    page: Any, sandbox: Sandbox
) -> None:
    # Three weeks ahead, where the demo's order book leaves room (its 16th workday).
    assert sandbox.services is not None
    calendar = sandbox.services.orders.engine().factory.calendar
    wanted = workdays_after(sandbox.as_of, calendar, 16)[-1]
    page.goto(sandbox.url)
    be(page, "Sam")
    open_conversation(page, "sales")
    say(page, "/promise")
    modal = page.locator("#modal")
    expect(modal).to_contain_text("Promise a date")

    modal.get_by_role("button", name="Get a quote").click()  # nothing filled in yet
    expect(modal.locator(".has-error").first).to_contain_text("required")

    modal.get_by_placeholder("Type a SKU or name").fill("bracket")
    options = modal.get_by_role("option")
    expect(options.first).to_be_visible()
    expect(options).to_contain_text(["BRKT — Wall bracket, black powder coat"])
    modal.get_by_role("option", name=re.compile("^BRKT —")).click()
    modal.get_by_label("Quantity", exact=True).fill("10")
    modal.get_by_label("Customer").fill("Globex")
    modal.get_by_label("Wanted on").fill(wanted.isoformat())
    modal.get_by_role("button", name="Get a quote").click()

    expect(page.locator("#modal-overlay")).to_be_hidden()
    quote = page.locator(".message.ephemeral").filter(has_text="10 BRKT for Globex").last
    expect(quote).to_contain_text(f"Can ship all 10 on {format_day(wanted, sandbox.as_of)}")
    expect(quote).to_contain_text("Only visible to you")
