"""A quote's constraint drawn for the reader: in English word for word the engine's own text,
in Vietnamese and Chinese the same facts in their words."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings

from bot.demo import demo_factory
from bot.platform import i18n
from bot.promising.constraints import constraint_text
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
