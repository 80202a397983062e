"""`/promise` text, dates in words and the promise modal, read as a salesperson means them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.platform import i18n
from handlers.parsing import (
    CUSTOMER_ACTION,
    CUSTOMER_BLOCK,
    LATEST_ACTION,
    LATEST_BLOCK,
    LEAST_QTY_ACTION,
    LEAST_QTY_BLOCK,
    QTY_ACTION,
    QTY_BLOCK,
    SKU_ACTION,
    SKU_BLOCK,
    WANTED_ACTION,
    WANTED_BLOCK,
    ModalInputError,
    PromiseRequest,
    PromiseSyntaxError,
    format_day,
    parse_day,
    parse_promise,
    parse_promise_modal,
)

MONDAY = date(2026, 11, 23)  # the worked example's planning date
FRIDAY = date(2026, 11, 27)
USAGE_EXAMPLE = "like `/promise 40 BRKT for Acme by Friday`"


def test_the_documented_example_reads_as_quantity_sku_customer_and_day() -> None:
    assert parse_promise("40 BRKT for Acme by Friday", today=MONDAY) == PromiseRequest(
        qty=40, sku="BRKT", customer="Acme", due=FRIDAY
    )


def test_customer_and_date_are_optional() -> None:
    assert parse_promise("40 BRKT", today=MONDAY) == PromiseRequest(40, "BRKT")
    assert parse_promise("40 BRKT for Acme", today=MONDAY).due is None
    assert parse_promise("40 BRKT by Friday", today=MONDAY).customer is None


def test_sku_is_read_in_upper_case_and_keywords_in_any_case() -> None:
    request = parse_promise("  40   brkt-2  FOR  Acme   BY  friday ", today=MONDAY)
    assert (request.sku, request.customer, request.due) == ("BRKT-2", "Acme", FRIDAY)


def test_customer_names_may_have_spaces_and_the_date_may_come_first() -> None:
    assert parse_promise("40 BRKT for Acme Corp by Friday", today=MONDAY).customer == "Acme Corp"
    request = parse_promise("40 BRKT by Friday for Acme Corp", today=MONDAY)
    assert (request.customer, request.due) == ("Acme Corp", FRIDAY)


def test_a_customer_named_with_by_or_for_keeps_its_name() -> None:
    assert parse_promise("40 BRKT for Made By Hand by Dec 1", today=MONDAY).customer == (
        "Made By Hand"
    )
    assert parse_promise("40 BRKT for Made for You", today=MONDAY).customer == "Made for You"
    assert parse_promise('40 BRKT for "Stand By"', today=MONDAY).customer == "Stand By"


def test_thousands_separators_are_accepted_in_quantities() -> None:
    assert parse_promise("1,200 BRKT", today=MONDAY).qty == 1200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-15", date(2026, 12, 15)),
        ("Dec 15", date(2026, 12, 15)),
        ("dec. 15", date(2026, 12, 15)),
        ("December 15", date(2026, 12, 15)),
        ("December 15th", date(2026, 12, 15)),
        ("15 Dec", date(2026, 12, 15)),
        ("15 December", date(2026, 12, 15)),
        ("Dec 15, 2026", date(2026, 12, 15)),
        ("15 Dec 2027", date(2027, 12, 15)),
        ("Tue 15 Dec", date(2026, 12, 15)),
        ("Tuesday, Dec 15", date(2026, 12, 15)),
        ("Wed 25 Nov", date(2026, 11, 25)),
        ("Nov 23", MONDAY),
        ("Jan 5", date(2027, 1, 5)),
        ("Nov 20", date(2027, 11, 20)),
        ("today", MONDAY),
        ("Tomorrow", date(2026, 11, 24)),
        ("Friday", FRIDAY),
        ("fri", FRIDAY),
        ("this Friday", FRIDAY),
        ("Monday", date(2026, 11, 30)),
        ("next Friday", date(2026, 12, 4)),
        ("next Monday", date(2026, 11, 30)),
        ("next week", date(2026, 11, 30)),
        ("in 3 days", date(2026, 11, 26)),
        ("in 1 day", date(2026, 11, 24)),
        ("in 2 weeks", date(2026, 12, 7)),
        ("in a week", date(2026, 11, 30)),
    ],
)
def test_every_date_form_reads_relative_to_today(text: str, expected: date) -> None:
    assert parse_day(text, today=MONDAY) == expected


def test_a_weekday_named_on_that_weekday_means_a_week_later() -> None:
    assert parse_day("Friday", today=FRIDAY) == date(2026, 12, 4)
    assert parse_day("today", today=FRIDAY) == FRIDAY


def test_next_weekday_is_in_the_next_calendar_week() -> None:
    saturday = date(2026, 11, 28)
    assert parse_day("Friday", today=saturday) == date(2026, 12, 4)
    assert parse_day("next Friday", today=saturday) == date(2026, 12, 4)
    assert parse_day("next week", today=date(2026, 11, 29)) == date(2026, 11, 30)


def test_a_month_and_day_without_year_is_the_next_such_day() -> None:
    assert parse_day("Feb 29", today=date(2027, 6, 1)) == date(2028, 2, 29)
    assert parse_day("Dec 31", today=date(2026, 12, 31)) == date(2026, 12, 31)


def promise_error(text: str, today: date = MONDAY) -> str:
    with pytest.raises(PromiseSyntaxError) as caught:
        parse_promise(text, today=today)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", f"Nothing to promise: write the quantity and the SKU, {USAGE_EXAMPLE}"),
        ("forty BRKT", f"'forty' is not a quantity: write a whole number, {USAGE_EXAMPLE}"),
        (
            "BRKT 40",
            f"'BRKT' is not a quantity: write the quantity first, then the SKU, {USAGE_EXAMPLE}",
        ),
        ("x40 BRKT", f"'x40' is not a quantity: write a whole number, {USAGE_EXAMPLE}"),
        ("0 BRKT", f"0 is not a quantity you can promise: write 1 or more, {USAGE_EXAMPLE}"),
        ("-5 BRKT", f"-5 is not a quantity you can promise: write 1 or more, {USAGE_EXAMPLE}"),
        ("2.5 BRKT", f"'2.5' is not a whole number: quantities are whole units, {USAGE_EXAMPLE}"),
        ("40", f"Missing the SKU after 40: write what to make, {USAGE_EXAMPLE}"),
        ("40 for Acme", f"Missing the SKU after 40: write what to make, {USAGE_EXAMPLE}"),
        (
            "40 BR@KT",
            f"'BR@KT' is not a SKU: use letters, digits and - _ . / only, {USAGE_EXAMPLE}",
        ),
        (
            "40 BRKT Acme",
            "'Acme' is unexpected after BRKT: write `for` before the customer and `by` before "
            f"the date, {USAGE_EXAMPLE}",
        ),
        ("40 BRKT for", f"Missing the customer after `for`: write who it is for, {USAGE_EXAMPLE}"),
        (
            "40 BRKT for Acme by",
            "Missing the date after `by`: write a day such as Friday, Dec 15 or 2026-12-15, "
            f"{USAGE_EXAMPLE}",
        ),
        (
            "40 BRKT for " + "A" * 201,  # leads and orders share the limit of 200
            f"The customer name is 201 characters long: keep it to 200, {USAGE_EXAMPLE}",
        ),
        (
            "40 BRKT by 2026-11-14",
            f"Sat 14 Nov is in the past: pick today (Mon 23 Nov) or a later day, {USAGE_EXAMPLE}",
        ),
        (
            "40 BRKT by 2025-12-01",
            "Mon 1 Dec 2025 is in the past: pick today (Mon 23 Nov) or a later day, "
            f"{USAGE_EXAMPLE}",
        ),
        (
            "40 BRKT by 12/15",
            "'12/15' is ambiguous: write the month as a word or the whole date, such as Dec 15 "
            "or 2026-12-15",
        ),
        (
            "40 BRKT by 15.12.2026",
            "'15.12.2026' is ambiguous: write the month as a word or the whole date, such as "
            "Dec 15 or 2026-12-15",
        ),
        (
            "40 BRKT by someday",
            "'someday' is not a date: write a day such as Friday, Dec 15 or 2026-12-15",
        ),
        (
            "40 BRKT by Dec 32",
            "'Dec 32' is not a day of the calendar in the coming year: check the month and the day",
        ),
        (
            "40 BRKT by 2026-02-30",
            "'2026-02-30' is not a day of the calendar: check the month and the day",
        ),
        (
            "40 BRKT by Feb 29",
            "'Feb 29' is not a day of the calendar in the coming year: check the month and the day",
        ),
        ("40 BRKT by Thu 25 Nov", "'Thu 25 Nov' does not add up: 25 Nov 2026 is a Wednesday"),
    ],
)
def test_every_refusal_names_what_is_wrong_and_how_to_write_it(text: str, message: str) -> None:
    assert promise_error(text) == message


def test_a_syntax_error_keeps_its_problem_and_hint_apart() -> None:
    with pytest.raises(PromiseSyntaxError) as caught:
        parse_promise("forty BRKT", today=MONDAY)
    assert (caught.value.problem, caught.value.hint) == (
        "'forty' is not a quantity",
        "write a whole number",
    )


def test_format_day_says_weekday_day_and_month_and_the_year_only_when_it_differs() -> None:
    assert format_day(date(2026, 11, 25)) == "Wed 25 Nov"
    assert format_day(date(2026, 11, 25), MONDAY) == "Wed 25 Nov"
    assert format_day(date(2027, 1, 5), MONDAY) == "Tue 5 Jan 2027"


# --- the promise modal ----------------------------------------------------------------------


def modal_values(
    *,
    sku: str | None = "brkt",
    qty: str | None = "40",
    customer: str | None = "Acme",
    wanted: str | None = "2026-11-25",
    least: str | None = None,
    latest: str | None = None,
) -> dict[str, dict[str, dict[str, object]]]:
    option = {"text": {"type": "plain_text", "text": sku}, "value": sku} if sku else None
    return {
        SKU_BLOCK: {SKU_ACTION: {"type": "external_select", "selected_option": option}},
        QTY_BLOCK: {QTY_ACTION: {"type": "number_input", "value": qty}},
        CUSTOMER_BLOCK: {CUSTOMER_ACTION: {"type": "plain_text_input", "value": customer}},
        WANTED_BLOCK: {WANTED_ACTION: {"type": "datepicker", "selected_date": wanted}},
        LEAST_QTY_BLOCK: {LEAST_QTY_ACTION: {"type": "number_input", "value": least}},
        LATEST_BLOCK: {LATEST_ACTION: {"type": "datepicker", "selected_date": latest}},
    }


def test_the_modal_reads_the_request_and_the_customers_flexibility() -> None:
    read = parse_promise_modal(modal_values(least="25", latest="2026-12-04"), today=MONDAY)
    assert read.request == PromiseRequest(40, "BRKT", "Acme", date(2026, 11, 25))
    assert (read.least_qty, read.latest) == (25, date(2026, 12, 4))


def test_the_modal_leaves_optional_fields_empty() -> None:
    read = parse_promise_modal(modal_values(customer=None), today=MONDAY)
    assert (read.request.customer, read.least_qty, read.latest) == (None, None, None)


def test_the_modal_names_every_wrong_field_by_its_block() -> None:
    with pytest.raises(ModalInputError) as caught:
        parse_promise_modal(
            modal_values(sku=None, qty="0", wanted="2026-11-20", least="x", latest=None),
            today=MONDAY,
        )
    assert caught.value.errors == {
        SKU_BLOCK: "Pick an item.",
        QTY_BLOCK: "At least 1.",
        WANTED_BLOCK: "Fri 20 Nov is in the past.",
        LEAST_QTY_BLOCK: "Write a whole number.",
    }


def test_the_modal_keeps_flexibility_consistent_with_the_request() -> None:
    with pytest.raises(ModalInputError) as caught:
        parse_promise_modal(modal_values(least="41", latest="2026-11-24"), today=MONDAY)
    assert caught.value.errors == {
        LEAST_QTY_BLOCK: "At most the quantity wanted (40).",
        LATEST_BLOCK: "On or after the wanted day (Wed 25 Nov).",
    }


def test_the_modal_asks_for_missing_required_fields() -> None:
    with pytest.raises(ModalInputError) as caught:
        parse_promise_modal(modal_values(qty=None, wanted=None), today=MONDAY)
    assert caught.value.errors == {
        QTY_BLOCK: "Enter how many.",
        WANTED_BLOCK: "Pick the day the customer wants it.",
    }


# --- Vietnamese and Chinese -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "40 BRKT for Acme by Friday"),
        ("vi", "40 BRKT cho Acme trước thứ Sáu"),
        ("vi", "40 BRKT cho Acme truoc thu sau"),
        ("vi", "40 BRKT cho Acme trước T6"),
        ("vi", "40 BRKT trước thứ 6 cho Acme"),
        ("vi", "40 BRKT for Acme by Friday"),
        ("zh_Hans", "40 BRKT 给 Acme 周五前"),
        ("zh_Hans", "40 BRKT 给 Acme 星期五之前"),
        ("zh_Hans", "40 BRKT 给Acme 礼拜五前"),
        ("zh_Hans", "40 BRKT 给 Acme 截止 周五"),
        ("zh_Hans", "40 BRKT 给 Acme 周五 前"),
        ("zh_Hans", "40 BRKT for Acme by Friday"),
    ],
)
def test_vietnamese_and_chinese_commands_read_as_the_english_one(language: str, text: str) -> None:
    with i18n.using(language):
        assert parse_promise(text, today=MONDAY) == PromiseRequest(40, "BRKT", "Acme", FRIDAY)


def test_the_language_may_be_given_rather_than_taken_from_the_active_one() -> None:
    english = parse_promise("40 BRKT for Acme by Friday", today=MONDAY)
    assert parse_promise("40 BRKT cho Acme trước thứ Sáu", today=MONDAY, language="vi") == english
    assert parse_promise("40 BRKT 给 Acme 周五前", today=MONDAY, language="zh_Hans") == english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thứ Hai", date(2026, 11, 30)),
        ("thứ Ba", date(2026, 11, 24)),
        ("thứ Tư", date(2026, 11, 25)),
        ("thu tu", date(2026, 11, 25)),
        ("thứ Năm", date(2026, 11, 26)),
        ("Thứ Sáu", FRIDAY),
        ("thứ Bảy", date(2026, 11, 28)),
        ("Chủ nhật", date(2026, 11, 29)),
        ("chu nhat", date(2026, 11, 29)),
        ("CN", date(2026, 11, 29)),
        ("T2", date(2026, 11, 30)),
        ("t7", date(2026, 11, 28)),
        ("thứ 6", FRIDAY),
        ("thứ Sáu này", FRIDAY),
        ("thứ Sáu tuần sau", date(2026, 12, 4)),
        ("tuần sau", date(2026, 11, 30)),
        ("hôm nay", MONDAY),
        ("hom nay", MONDAY),
        ("ngày mai", date(2026, 11, 24)),
        ("3 ngày nữa", date(2026, 11, 26)),
        ("2 tuần nữa", date(2026, 12, 7)),
        ("3/12", date(2026, 12, 3)),
        ("ngày 3/12", date(2026, 12, 3)),
        ("15.12", date(2026, 12, 15)),
        ("3/1/2027", date(2027, 1, 3)),
        ("ngày 3 tháng 12", date(2026, 12, 3)),
        ("thứ Năm 3/12", date(2026, 12, 3)),
        ("2026-12-15", date(2026, 12, 15)),
        ("Dec 15", date(2026, 12, 15)),
    ],
)
def test_vietnamese_days(text: str, expected: date) -> None:
    with i18n.using("vi"):
        assert parse_day(text, today=MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("周一", date(2026, 11, 30)),
        ("周二", date(2026, 11, 24)),
        ("星期三", date(2026, 11, 25)),
        ("礼拜四", date(2026, 11, 26)),
        ("周五", FRIDAY),
        ("星期六", date(2026, 11, 28)),
        ("周日", date(2026, 11, 29)),
        ("星期天", date(2026, 11, 29)),
        ("本周五", FRIDAY),
        ("下周五", date(2026, 12, 4)),
        ("下星期一", date(2026, 11, 30)),
        ("下周", date(2026, 11, 30)),
        ("今天", MONDAY),
        ("明天", date(2026, 11, 24)),
        ("3天后", date(2026, 11, 26)),
        ("12月3日", date(2026, 12, 3)),
        ("12月3号", date(2026, 12, 3)),
        ("2027年1月5日", date(2027, 1, 5)),
        ("12/3", date(2026, 12, 3)),
        ("2026/12/3", date(2026, 12, 3)),
        ("Dec 15", date(2026, 12, 15)),
    ],
)
def test_chinese_days(text: str, expected: date) -> None:
    with i18n.using("zh_Hans"):
        assert parse_day(text, today=MONDAY) == expected


def test_3_12_is_3_december_in_vietnamese_and_ambiguous_in_english() -> None:
    with i18n.using("vi"):
        assert parse_promise("40 BRKT trước 3/12", today=MONDAY).due == date(2026, 12, 3)
    with i18n.using("zh_Hans"):
        assert parse_promise("40 BRKT 3/12前", today=MONDAY).due == date(2027, 3, 12)
    assert "is ambiguous" in promise_error("40 BRKT by 3/12")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("vi", "bốn mươi BRKT"),
        ("vi", "40 BRKT Acme"),
        ("vi", "40 BRKT cho"),
        ("vi", "40 BRKT cho Acme trước"),
        ("vi", "40 BRKT cho Acme trước thứ Mười"),
        ("vi", "40 BRKT trước 31/2"),
        ("vi", "40 BRKT trước 32/13/2026"),
        ("vi", "40 BRKT trước thứ Sáu 3/12"),
        ("vi", "40 BRKT trước 99999999 ngày nữa"),
        ("vi", "40 BRKT trước 1/11/2026"),
        ("zh_Hans", "四十 BRKT"),
        ("zh_Hans", "40 BRKT 给"),
        ("zh_Hans", "40 BRKT 给 Acme 周八前"),
        ("zh_Hans", "40 BRKT 给 Acme 前"),
        ("zh_Hans", "40 BRKT 13月40日前"),
        ("zh_Hans", "40 BRKT ２月３０日前"),
        ("zh_Hans", "40 BRKT 12月3日（周一）前"),
        ("zh_Hans", "40 BRKT 99999999天后前"),
        ("zh_Hans", "40 B@RKT"),
    ],
)
def test_malformed_vietnamese_and_chinese_get_a_translated_refusal(
    language: str, text: str
) -> None:
    with i18n.using(language):
        with pytest.raises(PromiseSyntaxError) as caught:
            parse_promise(text, today=MONDAY)
        translated = str(caught.value)
    with i18n.using("en"), pytest.raises(PromiseSyntaxError) as english:
        parse_promise(text, today=MONDAY, language=language)
    assert translated and str(english.value)
    if not i18n.incomplete(language):
        assert translated != str(english.value)
