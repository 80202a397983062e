"""A quote's constraint drawn for the reader: in English word for word the engine's own text,
in Vietnamese and Chinese the same facts in their words."""

from __future__ import annotations

import contextlib
import json
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings

from bot.demo import demo_factory
from bot.platform import i18n
from bot.promising.constraints import (
    at_risk_text,
    constraint_text,
    factory_changed_facts,
    refusal_facts,
)
from capacity.engine import Engine
from capacity.model import Constraint, NotPromisable, Quote
from tests.factories import Scenario, scenarios

AS_OF = date(2026, 11, 23)


def quotes_of(scenario: Scenario) -> list[Quote]:
    """Every quote the scenario asks, with its holds booked as it goes (so that capacity gets
    booked, and its reserve, and the constraints name it)."""
    engine = Engine(scenario.factory, as_of=scenario.as_of, horizon_days=scenario.horizon_days)
    seen: list[Quote] = []
    for action in scenario.actions:
        if action.kind == "release" or action.on is None:
            continue
        for rush in (False, True):
            seen.append(engine.quote(action.sku, action.qty, action.on, rush=rush))
        if action.kind != "quote":
            with contextlib.suppress(NotPromisable):
                engine.apply(engine.place(action.sku, action.qty, action.on, rush=action.rush))
    return seen


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(max_actions=8))
def test_english_rendering_is_the_engines_text_on_random_factories(scenario: Scenario) -> None:
    for quote in quotes_of(scenario):
        assert quote.constraint.reason, quote.constraint
        assert constraint_text(quote.constraint, quote.as_of) == quote.constraint.text


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(max_actions=8, tight=True))
def test_english_rendering_is_the_engines_text_when_capacity_is_tight(scenario: Scenario) -> None:
    for quote in quotes_of(scenario):
        assert constraint_text(quote.constraint, quote.as_of) == quote.constraint.text


def demo_quotes() -> list[Quote]:
    files = demo_factory(AS_OF)
    engine = Engine(files.factory, as_of=AS_OF)
    quotes = []
    for item in files.factory.items:
        for qty in (1, 40, 400, 5000):
            for days in (0, 2, 9, 60, 400):
                quotes.append(engine.quote(item.sku, qty, AS_OF + timedelta(days=days)))
        for qty in (30, 300):
            with contextlib.suppress(NotPromisable):
                engine.apply(engine.place(item.sku, qty, AS_OF + timedelta(days=10)))
    return quotes


def test_english_rendering_is_the_engines_text_on_the_demo_factory() -> None:
    quotes = demo_quotes()
    reasons = set()
    for quote in quotes:
        reasons.add(quote.constraint.reason)
        assert constraint_text(quote.constraint, AS_OF) == quote.constraint.text
    assert len(reasons) >= 4, reasons  # several kinds of constraint were drawn


def test_other_languages_write_the_same_facts() -> None:
    booked = Constraint(
        "capacity",
        "CNC",
        date(2026, 12, 7),
        "CNC is fully booked until Mon 7 Dec",
        "booked",
        (("code", "CNC"), ("until", date(2026, 12, 7))),
    )
    assert constraint_text(booked, AS_OF) == "CNC is fully booked until Mon 7 Dec"
    for language in ("vi", "zh_Hans"):
        with i18n.using(language):
            text = constraint_text(booked, AS_OF)
            assert "CNC" in text
            assert i18n.day(date(2026, 12, 7), AS_OF) in text


def test_a_constraint_made_by_hand_shows_its_text() -> None:
    made = Constraint("horizon", None, None, "Nothing frees CNC within 365 days")
    with i18n.using("vi"):
        assert constraint_text(made, AS_OF) == "Nothing frees CNC within 365 days"


def refusals_of(scenario: Scenario) -> list[NotPromisable]:
    """Every refusal the scenario's holds meet, with what fits booked as it goes, and a hold
    asked for the past and beyond the horizon."""
    engine = Engine(scenario.factory, as_of=scenario.as_of, horizon_days=scenario.horizon_days)
    refused: list[NotPromisable] = []
    for action in scenario.actions:
        if action.kind == "release" or action.on is None:
            continue
        for on in (action.on, scenario.as_of - timedelta(1), engine.horizon_end + timedelta(1)):
            try:
                placement = engine.place(action.sku, action.qty, on, rush=action.rush)
            except NotPromisable as error:
                refused.append(error)
            else:
                engine.apply(placement)
    return refused


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenarios(max_actions=8, tight=True))
def test_a_refusal_kept_as_facts_reads_as_the_engines_words_in_english(scenario: Scenario) -> None:
    """What an order at risk keeps (`at_risk_facts`, JSON) gives back the engine's sentence in
    English, and a sentence with none of its English words in Vietnamese and Chinese."""
    for error in refusals_of(scenario):
        facts = json.loads(json.dumps(refusal_facts(error)))  # as the database gives it back
        with i18n.using("en"):
            assert at_risk_text(str(error), facts, error.quote.as_of) == str(error)
        for language in ("vi", "zh_Hans"):
            with i18n.using(language):
                told = at_risk_text(str(error), facts, error.quote.as_of)
            assert told is not None
            assert "cannot" not in told and "horizon" not in told, told


def test_an_order_at_risk_after_a_change_reads_in_each_language() -> None:
    facts = factory_changed_facts(25, "BRKT", 365)
    english = "the factory changed: 25 BRKT cannot be promised within the 365-day horizon"
    assert at_risk_text(english, facts, AS_OF) == english
    with i18n.using("vi"):
        assert at_risk_text(english, facts, AS_OF) == (
            "nhà máy đã thay đổi: không thể cam kết 25 BRKT trong phạm vi kế hoạch 365 ngày"
        )
    with i18n.using("zh_Hans"):
        assert at_risk_text(english, facts, AS_OF) == (
            "工厂有变更：在 365 天的计划范围内无法承诺 25 BRKT"
        )
    # A reason kept before its facts were (migration 0005) reads as it was written.
    with i18n.using("vi"):
        assert at_risk_text(english, None, AS_OF) == english


def test_hours_and_quantities_are_written_the_readers_way() -> None:
    busy = Constraint(
        "capacity",
        "CNC",
        date(2026, 12, 7),
        "CNC is heavily booked: the 4.5 h for BRKT fit in between other orders only by Mon 7 Dec",
        "busy",
        (("code", "CNC"), ("hours", 4.5), ("item", "BRKT"), ("until", date(2026, 12, 7))),
    )
    assert constraint_text(busy, AS_OF) == busy.text
    with i18n.using("vi"):
        assert "4,5 h" in constraint_text(busy, AS_OF)
    with i18n.using("zh_Hans"):
        assert "4.5 h" in constraint_text(busy, AS_OF)
