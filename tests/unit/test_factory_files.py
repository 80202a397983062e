"""Reading, checking and writing factory folders of CSV files (bot/factory_files.py)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.factory.files import (
    FactoryFileError,
    FactoryFiles,
    OrderRow,
    Problem,
    ShipmentRow,
    read_factory_dir,
    write_factory_dir,
)
from capacity.model import (
    BomLine,
    CalendarException,
    Factory,
    Item,
    Operation,
    Receipt,
    WorkCenter,
)
from tests.conftest import SHARED_WORKED, WORKED_FILES

ALL_FILES = [
    "bom.csv",
    "calendar.csv",
    "inventory.csv",
    "items.csv",
    "orders.csv",
    "receipts.csv",
    "routings.csv",
    "shipments.csv",
    "work_centers.csv",
]


@pytest.fixture
def worked(worked_dir: Path) -> Path:
    """DESIGN.md's worked factory: CNC and PAINT; BRKT made from one SHEET."""
    return worked_dir


@pytest.fixture
def folder(worked: Path, tmp_path: Path) -> Path:
    """A copy of the worked factory to spoil with small edits."""
    return Path(shutil.copytree(worked, tmp_path / "factory"))


def put(folder: Path, name: str, *lines: str) -> None:
    (folder / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def append(folder: Path, name: str, *lines: str) -> None:
    with (folder / name).open("a", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in lines))


def problems(folder: Path) -> list[str]:
    with pytest.raises(FactoryFileError) as caught:
        read_factory_dir(folder)
    assert str(caught.value) == "\n".join(str(problem) for problem in caught.value.problems)
    return [str(problem) for problem in caught.value.problems]


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# --- good data ----------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_WORKED.is_dir(), reason="no shared workspace beside the clone")
def test_the_shared_worked_factory_reads_without_problems() -> None:
    assert read_factory_dir(SHARED_WORKED).factory.on_hand == {"BRKT": 5.0, "SHEET": 20.0}
    assert {path.name: path.read_text() for path in SHARED_WORKED.iterdir()} == WORKED_FILES


def test_the_worked_factory_reads_as_design_md_describes_it(worked: Path) -> None:
    files = read_factory_dir(worked)

    factory = files.factory
    assert factory.work_centers == (
        WorkCenter("CNC", "CNC mill", 1, 1, 8.0, 1.0, "Mon-Fri", 0.0),
        WorkCenter("PAINT", "Paint line", 1, 1, 8.0, 1.0, "Mon-Fri", 0.0),
    )
    assert factory.items == (
        Item("BRKT", "Bracket", "make", "ea", 0, 0.0),
        Item("SHEET", "Steel sheet", "buy", "ea", 10, 0.0),
    )
    assert factory.bom == (BomLine("BRKT", "SHEET", 1.0),)
    assert factory.routings == (
        Operation("BRKT", 10, "CNC", run_hours_per_unit=0.5, setup_hours=2.0),
        Operation("BRKT", 20, "PAINT", run_hours_per_unit=0.25),
    )
    assert dict(factory.on_hand) == {"BRKT": 5.0, "SHEET": 20.0}
    assert factory.calendar == () and factory.receipts == ()
    assert files.orders == () and files.shipments == ()


def test_items_missing_from_inventory_have_nothing_on_hand(folder: Path) -> None:
    put(folder, "inventory.csv", "sku,on_hand", "SHEET,20")

    assert dict(read_factory_dir(folder).factory.on_hand) == {"BRKT": 0.0, "SHEET": 20.0}


def test_optional_files_may_be_left_out(folder: Path) -> None:
    (folder / "calendar.csv").unlink()
    (folder / "receipts.csv").unlink()

    files = read_factory_dir(folder)

    assert files.factory.calendar == () and files.factory.receipts == ()
    assert files.orders == () and files.shipments == ()


def test_optional_columns_may_be_left_out_or_empty_and_take_their_defaults(folder: Path) -> None:
    put(folder, "work_centers.csv", "code,name,machines", "CNC,CNC mill,", "PAINT,Paint line,2")
    put(folder, "items.csv", "sku,name,kind,uom", "BRKT,Bracket,make,", "SHEET,Steel sheet,buy,")
    put(folder, "routings.csv", "sku,seq,work_center,run_hours_per_unit", "BRKT,10,CNC,0.5")
    put(
        folder, "orders.csv", "ref,customer,sku,qty,date,status", "SO-1,Acme,BRKT,4,2026-12-01,held"
    )

    files = read_factory_dir(folder)

    assert files.factory.work_centers == (
        WorkCenter("CNC", "CNC mill"),
        WorkCenter("PAINT", "Paint line", 2),
    )
    assert files.factory.items == (
        Item("BRKT", "Bracket", "make"),
        Item("SHEET", "Steel sheet", "buy"),
    )
    assert files.factory.routings == (Operation("BRKT", 10, "CNC", 0.5),)
    assert files.orders == (OrderRow("SO-1", "Acme", "BRKT", 4, date(2026, 12, 1), "held"),)


def test_a_utf8_byte_order_mark_and_surrounding_spaces_are_accepted(folder: Path) -> None:
    (folder / "inventory.csv").write_bytes("\ufeffsku, on_hand\r\n BRKT , 5\r\n".encode())

    assert read_factory_dir(folder).factory.on_hand["BRKT"] == 5.0


def test_orders_and_shipments_keep_their_file_order(folder: Path) -> None:
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status,rush",
        "SO-9,Zeta,BRKT,5,2026-12-10,confirmed,true",
        "SO-1,Acme,BRKT,40,2026-12-08,held,false",
    )
    put(folder, "shipments.csv", "ref,date,qty", "SO-9,2026-12-10,2", "SO-1,2026-12-08,40")

    files = read_factory_dir(folder)

    assert files.orders == (
        OrderRow("SO-9", "Zeta", "BRKT", 5, date(2026, 12, 10), "confirmed", rush=True),
        OrderRow("SO-1", "Acme", "BRKT", 40, date(2026, 12, 8), "held"),
    )
    assert files.shipments == (
        ShipmentRow("SO-9", date(2026, 12, 10), 2),
        ShipmentRow("SO-1", date(2026, 12, 8), 40),
    )


# --- writing ------------------------------------------------------------------------------


def rich_files() -> FactoryFiles:
    factory = Factory(
        work_centers=(
            WorkCenter("WELD", "Welding, robot cell", 2, 2, 7.5, 0.85, "Mon-Sat", 12.5),
            WorkCenter("CNC", "CNC mill"),
        ),
        calendar=(
            CalendarException("WELD", date(2026, 12, 19), 15.0, "Saturday overtime"),
            CalendarException("*", date(2026, 12, 25), 0.0, "Christmas Day"),
        ),
        items=(
            Item("SHEET", "Sheet 2 mm", "buy", "sheet", 10, 12.5),
            Item("BRKT", 'Bracket "L", 90°', "make"),
            Item("BOLT", "Bolt M8", "buy", "ea", 3, 0.1 + 0.2),
        ),
        bom=(BomLine("BRKT", "SHEET", 0.25), BomLine("BRKT", "BOLT", 4.0)),
        routings=(
            Operation("BRKT", 20, "WELD", 1e-05, 0.0, 1),
            Operation("BRKT", 10, "CNC", 0.5, 2.0),
        ),
        on_hand={"SHEET": 20.0, "BRKT": 5.0, "BOLT": 1000.0},
        receipts=(Receipt("SHEET", date(2026, 12, 2), 40.0, "PO-7"),),
        holidays={date(2026, 12, 31): "New Year's Eve", date(2026, 12, 25): "Christmas"},
    )
    return FactoryFiles(
        factory,
        orders=(
            OrderRow("SO-2", "Acme, Inc.", "BRKT", 40, date(2026, 12, 4), "confirmed", True),
            OrderRow("SO-1", "Beta", "BRKT", 5, date(2026, 12, 1), "held"),
        ),
        shipments=(ShipmentRow("SO-2", date(2026, 12, 4), 10),),
    )


def test_read_write_read_write_gives_byte_identical_files(worked: Path, tmp_path: Path) -> None:
    for name, source in [("worked", worked), ("rich", None)]:
        first, second = tmp_path / name / "1", tmp_path / name / "2"
        files = read_factory_dir(source) if source else rich_files()
        write_factory_dir(files, first)
        again = read_factory_dir(first)
        write_factory_dir(again, second)

        assert files_of(first) == files_of(second)
        assert read_factory_dir(second) == again


def test_export_writes_all_nine_files_even_those_with_no_rows(worked: Path, tmp_path: Path) -> None:
    target = tmp_path / "export"
    write_factory_dir(read_factory_dir(worked), target)

    assert sorted(path.name for path in target.iterdir()) == ALL_FILES
    assert (target / "orders.csv").read_text() == "ref,customer,sku,qty,date,status,rush\n"
    assert (target / "shipments.csv").read_text() == "ref,date,qty\n"


def test_export_sorts_by_key_and_writes_numbers_without_needless_decimals(tmp_path: Path) -> None:
    write_factory_dir(rich_files(), tmp_path)

    assert (tmp_path / "work_centers.csv").read_text() == (
        "code,name,machines,shifts_per_day,hours_per_shift,efficiency,workdays,rush_reserve_pct\n"
        "CNC,CNC mill,1,1,8,1,Mon-Fri,0\n"
        'WELD,"Welding, robot cell",2,2,7.5,0.85,Mon-Sat,12.5\n'
    )
    assert (tmp_path / "items.csv").read_text() == (
        "sku,name,kind,uom,lead_time_days,safety_stock\n"
        "BOLT,Bolt M8,buy,ea,3,0.30000000000000004\n"
        'BRKT,"Bracket ""L"", 90°",make,ea,0,0\n'
        "SHEET,Sheet 2 mm,buy,sheet,10,12.5\n"
    )
    assert (tmp_path / "routings.csv").read_text() == (
        "sku,seq,work_center,setup_hours,run_hours_per_unit,lag_days\n"
        "BRKT,10,CNC,2,0.5,0\n"
        "BRKT,20,WELD,0,1e-05,1\n"
    )
    assert (tmp_path / "orders.csv").read_text() == (
        "ref,customer,sku,qty,date,status,rush\n"
        'SO-2,"Acme, Inc.",BRKT,40,2026-12-04,confirmed,true\n'
        "SO-1,Beta,BRKT,5,2026-12-01,held,false\n"
    )


def test_public_holidays_are_exported_as_closed_days_for_every_work_center(
    tmp_path: Path,
) -> None:
    write_factory_dir(rich_files(), tmp_path)

    assert (tmp_path / "calendar.csv").read_text() == (
        "work_center,date,hours,reason\n"
        "*,2026-12-25,0,Christmas Day\n"
        "*,2026-12-31,0,New Year's Eve\n"
        "WELD,2026-12-19,15,Saturday overtime\n"
    )


# --- bad data: one test per kind ----------------------------------------------------------


def test_a_missing_required_file_is_named_with_the_columns_it_needs(folder: Path) -> None:
    (folder / "bom.csv").unlink()

    assert problems(folder) == [
        "bom.csv: missing file; expected it with columns parent_sku, component_sku, qty_per"
    ]


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    assert problems(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: not a folder; expected a folder of factory CSV files"
    ]


def test_an_empty_file_is_refused_with_the_header_it_needs(folder: Path) -> None:
    (folder / "inventory.csv").write_text("")

    assert problems(folder) == ["inventory.csv: empty file; expected a header row sku, on_hand"]


def test_a_file_that_is_not_utf8_is_refused(folder: Path) -> None:
    (folder / "items.csv").write_bytes("sku,name,kind\nBRKT,Bügel,make\n".encode("latin-1"))

    assert problems(folder) == [
        "items.csv: not UTF-8 text (byte 0xfc at offset 20); expected a CSV file saved as UTF-8"
    ]


def test_a_line_with_too_many_cells_is_located(folder: Path) -> None:
    append(folder, "inventory.csv", "TUBE,1,000")

    assert problems(folder) == [
        "inventory.csv:4: 3 cells but the header has 2; expected one cell per column "
        "(put text that contains a comma in double quotes)"
    ]


def test_an_unknown_column_is_named_with_a_suggestion(folder: Path) -> None:
    put(folder, "bom.csv", "parent_sku,component_sku,qty_pr", "BRKT,SHEET,1")

    assert problems(folder) == [
        "bom.csv:1: qty_pr: unknown column (did you mean qty_per?); expected columns "
        "parent_sku, component_sku, qty_per",
        "bom.csv:1: qty_per: missing required column; expected columns "
        "parent_sku, component_sku, qty_per",
    ]


def test_a_missing_required_column_is_named(folder: Path) -> None:
    put(folder, "items.csv", "sku,name", "BRKT,Bracket", "SHEET,Steel sheet")

    assert problems(folder) == [
        "items.csv:1: kind: missing required column; expected columns "
        "sku, name, kind, uom, lead_time_days, safety_stock"
    ]


def test_a_column_given_twice_is_refused(folder: Path) -> None:
    put(folder, "inventory.csv", "sku,on_hand,on_hand", "BRKT,5,6", "SHEET,20,20")

    assert problems(folder) == [
        "inventory.csv:1: on_hand: column appears twice; expected each column once"
    ]


def test_an_empty_required_value_is_refused(folder: Path) -> None:
    append(folder, "items.csv", "TUBE,,buy")

    assert problems(folder) == ["items.csv:4: name: empty value; expected a name, like Bracket"]


def test_text_that_is_not_a_number_is_refused(folder: Path) -> None:
    put(folder, "inventory.csv", "sku,on_hand", "BRKT,five", "SHEET,nan")

    assert problems(folder) == [
        "inventory.csv:2: on_hand: 'five' is not a number; expected a quantity, 0 or more",
        "inventory.csv:3: on_hand: 'nan' is not a number; expected a quantity, 0 or more",
    ]


def test_a_fraction_where_a_whole_number_is_needed_is_refused(folder: Path) -> None:
    put(
        folder,
        "routings.csv",
        "sku,seq,work_center,setup_hours,run_hours_per_unit,lag_days",
        "BRKT,10,CNC,2,0.5,0.5",
        "BRKT,20.5,PAINT,0,0.25,0",
    )

    assert problems(folder) == [
        "routings.csv:2: lag_days: '0.5' is not a whole number; expected a whole number of days, "
        "0 or more",
        "routings.csv:3: seq: '20.5' is not a whole number; expected a whole number, 0 or more, "
        "like 10",
    ]


def test_whole_numbers_may_be_written_with_a_zero_fraction(folder: Path) -> None:
    put(
        folder,
        "items.csv",
        "sku,name,kind,lead_time_days",
        "BRKT,Bracket,make,0.0",
        "SHEET,Steel sheet,buy,10.0",
    )

    assert read_factory_dir(folder).factory.items[1].lead_time_days == 10


@pytest.mark.parametrize("text", ["26/12/2026", "2026-13-01", "2026-1-5", "20261226", "tomorrow"])
def test_a_date_must_be_written_yyyy_mm_dd(folder: Path, text: str) -> None:
    put(folder, "receipts.csv", "sku,date,qty", f"SHEET,{text},10")

    assert problems(folder) == [
        f"receipts.csv:2: date: {text!r} is not a date; expected a date written YYYY-MM-DD, "
        "like 2026-12-03"
    ]


def test_rush_must_be_true_or_false(folder: Path) -> None:
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status,rush",
        "SO-1,Acme,BRKT,4,2026-12-01,held,yes",
        "SO-2,Acme,BRKT,4,2026-12-01,held,TRUE",
    )

    assert problems(folder) == [
        "orders.csv:2: rush: 'yes' is not true or false; expected true or false"
    ]


@pytest.mark.parametrize(
    ("file", "lines", "expected"),
    [
        (
            "inventory.csv",
            ["sku,on_hand", "BRKT,-5"],
            "inventory.csv:2: on_hand: -5 is negative; expected a quantity, 0 or more",
        ),
        (
            "calendar.csv",
            ["work_center,date,hours", "CNC,2026-12-24,-1"],
            "calendar.csv:2: hours: -1 is negative; expected the day's capacity in hours, "
            "0 or more (0 = closed)",
        ),
        (
            "routings.csv",
            ["sku,seq,work_center,setup_hours,run_hours_per_unit", "BRKT,10,CNC,-2,0.5"],
            "routings.csv:2: setup_hours: -2 is negative; expected a number of hours, 0 or more, "
            "like 1.5",
        ),
        (
            "routings.csv",
            ["sku,seq,work_center,run_hours_per_unit", "BRKT,10,CNC,-0.5"],
            "routings.csv:2: run_hours_per_unit: -0.5 is negative; expected a number of hours, "
            "0 or more, like 1.5",
        ),
        (
            "items.csv",
            ["sku,name,kind,lead_time_days", "BRKT,Bracket,make,0", "SHEET,Sheet,buy,-3"],
            "items.csv:3: lead_time_days: -3 is negative; expected a whole number of days, "
            "0 or more",
        ),
        (
            "items.csv",
            ["sku,name,kind,safety_stock", "BRKT,Bracket,make,-1", "SHEET,Sheet,buy,0"],
            "items.csv:2: safety_stock: -1 is negative; expected a quantity, 0 or more",
        ),
        (
            "receipts.csv",
            ["sku,date,qty", "SHEET,2026-12-01,-10"],
            "receipts.csv:2: qty: -10 is negative; expected a quantity more than 0",
        ),
        (
            "receipts.csv",
            ["sku,date,qty", "SHEET,2026-12-01,0"],
            "receipts.csv:2: qty: 0 is too small; expected a quantity more than 0",
        ),
        (
            "bom.csv",
            ["parent_sku,component_sku,qty_per", "BRKT,SHEET,0"],
            "bom.csv:2: qty_per: 0 is too small; expected a quantity more than 0, like 2 or 0.25",
        ),
        (
            "work_centers.csv",
            ["code,name,machines", "CNC,CNC mill,0", "PAINT,Paint line,1"],
            "work_centers.csv:2: machines: 0 is too small; expected a whole number of machines, "
            "1 or more",
        ),
        (
            "work_centers.csv",
            ["code,name,shifts_per_day", "CNC,CNC mill,-1", "PAINT,Paint,1"],
            "work_centers.csv:2: shifts_per_day: -1 is negative; expected a whole number of "
            "shifts, 1 or more",
        ),
        (
            "work_centers.csv",
            ["code,name,hours_per_shift", "CNC,CNC mill,0", "PAINT,Paint,8"],
            "work_centers.csv:2: hours_per_shift: 0 is too small; expected a number of hours more "
            "than 0 and at most 24, like 7.5",
        ),
        (
            "work_centers.csv",
            ["code,name,shifts_per_day,hours_per_shift", "CNC,CNC mill,3,9", "PAINT,Paint,1,8"],
            "work_centers.csv:2: hours_per_shift: 3 shifts of 9 h are more than 24 h a day; "
            "expected shifts_per_day × hours_per_shift of at most 24",
        ),
    ],
)
def test_negative_or_zero_quantities_and_hours_are_refused(
    folder: Path, file: str, lines: list[str], expected: str
) -> None:
    put(folder, file, *lines)

    assert problems(folder) == [expected]


@pytest.mark.parametrize("text", ["0", "1.2", "-0.5"])
def test_efficiency_must_be_more_than_0_and_at_most_1(folder: Path, text: str) -> None:
    put(folder, "work_centers.csv", "code,name,efficiency", f"CNC,CNC mill,{text}", "PAINT,Paint,1")

    assert problems(folder) == [
        f"work_centers.csv:2: efficiency: {text} is outside (0, 1]; expected a fraction more "
        "than 0 and at most 1, like 0.85"
    ]


@pytest.mark.parametrize("text", ["-1", "100.5"])
def test_rush_reserve_must_be_a_percentage_from_0_to_100(folder: Path, text: str) -> None:
    put(
        folder,
        "work_centers.csv",
        "code,name,rush_reserve_pct",
        f"CNC,CNC mill,{text}",
        "PAINT,Paint,100",
    )

    assert problems(folder) == [
        f"work_centers.csv:2: rush_reserve_pct: {text} is outside 0–100; expected a percentage "
        "from 0 to 100"
    ]


def test_workdays_must_name_days_or_ranges_of_days(folder: Path) -> None:
    put(
        folder,
        "work_centers.csv",
        "code,name,workdays",
        'CNC,CNC mill,"Mon-Fry"',
        'PAINT,Paint,"Mon,,Wed"',
        'WELD,Welding,"Mon-Wed,Sat"',
    )

    assert problems(folder) == [
        "work_centers.csv:2: workdays: 'Mon-Fry' is not a day or range of days (use Mon, Tue, … "
        "Sun); expected days like Mon-Fri or Mon,Wed,Fri",
        "work_centers.csv:3: workdays: empty day in 'Mon,,Wed'; write days like Mon-Fri or "
        "Mon,Wed,Fri; expected days like Mon-Fri or Mon,Wed,Fri",
    ]


def test_a_work_center_may_not_be_called_star(folder: Path) -> None:
    append(folder, "work_centers.csv", "*,Everything")

    assert problems(folder) == [
        "work_centers.csv:4: code: '*' stands for every work center; expected another code"
    ]


def test_kind_must_be_make_or_buy(folder: Path) -> None:
    append(folder, "items.csv", "TUBE,Tube,purchased")

    assert problems(folder) == [
        "items.csv:4: kind: 'purchased' is not make or buy; expected make or buy"
    ]


def test_status_must_be_held_or_confirmed(folder: Path) -> None:
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status",
        "SO-1,Acme,BRKT,4,2026-12-01,booked",
        "SO-2,Acme,BRKT,4,2026-12-01,Confirmed",
    )

    assert problems(folder) == [
        "orders.csv:2: status: 'booked' is not held or confirmed; expected held or confirmed"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("0", "0 is too small"), ("-4", "-4 is negative"), ("2.5", "'2.5' is not a whole number")],
)
def test_an_order_is_for_a_whole_number_of_at_least_one_unit(
    folder: Path, text: str, reason: str
) -> None:
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status",
        f"SO-1,Acme,BRKT,{text},2026-12-01,held",
    )

    assert problems(folder) == [
        f"orders.csv:2: qty: {reason}; expected a whole number of units, 1 or more"
    ]


def test_a_routing_at_an_unknown_work_center_is_refused(folder: Path) -> None:
    append(folder, "routings.csv", "BRKT,30,CNC2,0,0.1,0")

    assert problems(folder) == [
        "routings.csv:4: work_center: unknown work center 'CNC2' (did you mean CNC?); expected a "
        "code from work_centers.csv"
    ]


def test_a_calendar_day_names_a_known_work_center_or_star(folder: Path) -> None:
    put(
        folder,
        "calendar.csv",
        "work_center,date,hours,reason",
        "*,2026-12-25,0,Christmas",
        "PAINT,2026-12-14,0,Maintenance",
        "PAINTING,2026-12-15,0,",
    )

    assert problems(folder) == [
        "calendar.csv:4: work_center: unknown work center 'PAINTING' (did you mean PAINT?); "
        "expected a code from work_centers.csv or *"
    ]


@pytest.mark.parametrize(
    ("file", "lines", "expected"),
    [
        (
            "bom.csv",
            ["parent_sku,component_sku,qty_per", "BRKT,SHEET,1", "BRKT,BOLT,2"],
            "bom.csv:3: component_sku: unknown sku 'BOLT'; expected a sku from items.csv",
        ),
        (
            "bom.csv",
            ["parent_sku,component_sku,qty_per", "BRKT,SHEET,1", "BRKTS,SHEET,2"],
            "bom.csv:3: parent_sku: unknown sku 'BRKTS' (did you mean BRKT?); expected a sku from "
            "items.csv",
        ),
        (
            "routings.csv",
            ["sku,seq,work_center,run_hours_per_unit", "BRKT,10,CNC,0.5", "FRAME,10,CNC,1"],
            "routings.csv:3: sku: unknown sku 'FRAME'; expected a sku from items.csv",
        ),
        (
            "inventory.csv",
            ["sku,on_hand", "BRKT,5", "SHET,20"],
            "inventory.csv:3: sku: unknown sku 'SHET' (did you mean SHEET?); expected a sku from "
            "items.csv",
        ),
        (
            "receipts.csv",
            ["sku,date,qty,ref", "TUBE,2026-12-01,10,PO-1"],
            "receipts.csv:2: sku: unknown sku 'TUBE'; expected a sku from items.csv",
        ),
        (
            "orders.csv",
            ["ref,customer,sku,qty,date,status", "SO-1,Acme,brkt,40,2026-11-27,held"],
            "orders.csv:2: sku: unknown sku 'brkt' (did you mean BRKT?); expected a sku from "
            "items.csv",
        ),
    ],
)
def test_an_unknown_sku_is_refused_wherever_it_appears(
    folder: Path, file: str, lines: list[str], expected: str
) -> None:
    put(folder, file, *lines)

    assert problems(folder) == [expected]


@pytest.mark.parametrize(
    ("file", "line", "expected"),
    [
        (
            "work_centers.csv",
            "CNC,Second CNC,1,1,8,1,Mon-Fri,0",
            "work_centers.csv:4: code: duplicate work center code 'CNC' (first on line 2); "
            "expected each work center code once",
        ),
        (
            "items.csv",
            "SHEET,Sheet again,buy,ea,5,0",
            "items.csv:4: sku: duplicate sku 'SHEET' (first on line 3); expected each sku once",
        ),
        (
            "bom.csv",
            "BRKT,SHEET,2",
            "bom.csv:3: component_sku: duplicate BOM line BRKT → SHEET (first on line 2); expected "
            "each BOM line once",
        ),
        (
            "routings.csv",
            "BRKT,20,CNC,0,0.1,0",
            "routings.csv:4: seq: duplicate operation BRKT 20 (first on line 3); expected each "
            "operation once",
        ),
        (
            "inventory.csv",
            "BRKT,7",
            "inventory.csv:4: sku: duplicate sku 'BRKT' (first on line 2); expected each sku once",
        ),
    ],
)
def test_a_duplicate_key_is_refused_with_the_line_of_its_first_use(
    folder: Path, file: str, line: str, expected: str
) -> None:
    append(folder, file, line)

    assert problems(folder) == [expected]


def test_a_calendar_day_may_be_given_once_per_work_center(folder: Path) -> None:
    put(
        folder,
        "calendar.csv",
        "work_center,date,hours,reason",
        "*,2026-12-25,0,Christmas",
        "CNC,2026-12-25,4,Half day",
        "*,2026-12-25,0,Christmas again",
    )

    assert problems(folder) == [
        "calendar.csv:4: date: duplicate day * 2026-12-25 (first on line 2); expected each day once"
    ]


def test_an_order_ref_may_be_used_once(folder: Path) -> None:
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status",
        "SO-1,Acme,BRKT,4,2026-12-01,held",
        "SO-1,Beta,BRKT,2,2026-12-02,confirmed",
    )

    assert problems(folder) == [
        "orders.csv:3: ref: duplicate order ref 'SO-1' (first on line 2); expected each order "
        "ref once"
    ]


def test_a_bom_cycle_is_named_by_its_path(folder: Path) -> None:
    put(
        folder,
        "items.csv",
        "sku,name,kind",
        "BRKT,Bracket,make",
        "PLATE,Plate,make",
        "SHEET,Sheet,make",
    )
    put(
        folder,
        "routings.csv",
        "sku,seq,work_center,run_hours_per_unit",
        "BRKT,10,CNC,1",
        "PLATE,10,CNC,1",
        "SHEET,10,CNC,1",
    )
    put(
        folder,
        "bom.csv",
        "parent_sku,component_sku,qty_per",
        "SHEET,PLATE,1",
        "BRKT,SHEET,1",
        "PLATE,BRKT,1",
    )

    assert problems(folder) == [
        "bom.csv:3: component_sku: BOM cycle BRKT → SHEET → PLATE → BRKT; expected no item to "
        "contain itself"
    ]


def test_an_item_that_contains_itself_is_a_cycle(folder: Path) -> None:
    append(folder, "bom.csv", "BRKT,BRKT,1")

    assert problems(folder) == [
        "bom.csv:3: component_sku: BOM cycle BRKT → BRKT; expected no item to contain itself"
    ]


def test_a_buy_item_may_have_neither_routing_nor_bom(folder: Path) -> None:
    append(folder, "items.csv", "BOLT,Bolt,buy")
    append(folder, "routings.csv", "SHEET,10,CNC,0,0.1,0")
    append(folder, "bom.csv", "SHEET,BOLT,1")

    assert problems(folder) == [
        "bom.csv:3: parent_sku: 'SHEET' is a buy item; expected components only under make "
        "items (or kind make in items.csv)",
        "routings.csv:4: sku: 'SHEET' is a buy item; expected routings only for make items "
        "(or kind make in items.csv)",
    ]


def test_a_make_item_needs_a_routing(folder: Path) -> None:
    append(folder, "items.csv", "FRAME,Frame,make")

    assert problems(folder) == [
        "items.csv:4: sku: make item 'FRAME' has no routing; expected its operations in "
        "routings.csv (or kind buy)"
    ]


def test_a_shipment_names_a_known_order(folder: Path) -> None:
    put(
        folder, "orders.csv", "ref,customer,sku,qty,date,status", "SO-1,Acme,BRKT,4,2026-12-01,held"
    )
    put(folder, "shipments.csv", "ref,date,qty", "SO-1,2026-12-01,4", "SO-7,2026-12-01,4")

    assert problems(folder) == [
        "shipments.csv:3: ref: unknown order 'SO-7' (did you mean SO-1?); expected a ref from "
        "orders.csv"
    ]


def test_shipments_may_not_exceed_what_was_ordered(folder: Path) -> None:
    put(
        folder, "orders.csv", "ref,customer,sku,qty,date,status", "SO-1,Acme,BRKT,4,2026-12-01,held"
    )
    put(folder, "shipments.csv", "ref,date,qty", "SO-1,2026-12-01,3", "SO-1,2026-12-02,2")

    assert problems(folder) == [
        "shipments.csv:3: qty: SO-1 would have 5 shipped but only 4 were ordered; expected at "
        "most 4 in all"
    ]


# --- several problems at once -------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_in_file_and_line_order(folder: Path) -> None:
    put(
        folder,
        "work_centers.csv",
        "code,name,efficiency,colour",
        "CNC,CNC mill,1.5,red",
        "PAINT,Paint line,1,",
    )
    append(folder, "items.csv", "TUBE,Tube,buy,m,-1,x")
    put(folder, "inventory.csv", "sku,on_hand", "BRKT,-5", "TUBES,3")
    put(
        folder,
        "orders.csv",
        "ref,customer,sku,qty,date,status",
        "SO-1,Acme,BRKT,40,2026-11-31,held",
    )

    assert problems(folder) == [
        "work_centers.csv:1: colour: unknown column; expected columns code, name, machines, "
        "shifts_per_day, hours_per_shift, efficiency, workdays, rush_reserve_pct",
        "work_centers.csv:2: efficiency: 1.5 is outside (0, 1]; expected a fraction more than 0 "
        "and at most 1, like 0.85",
        "items.csv:4: lead_time_days: -1 is negative; expected a whole number of days, 0 or more",
        "items.csv:4: safety_stock: 'x' is not a number; expected a quantity, 0 or more",
        "inventory.csv:2: on_hand: -5 is negative; expected a quantity, 0 or more",
        "inventory.csv:3: sku: unknown sku 'TUBES' (did you mean TUBE?); expected a sku from "
        "items.csv",
        "orders.csv:2: date: '2026-11-31' is not a date; expected a date written YYYY-MM-DD, "
        "like 2026-12-03",
    ]


def test_line_numbers_count_blank_lines_and_line_breaks_inside_quotes(folder: Path) -> None:
    put(
        folder,
        "items.csv",
        "sku,name,kind",
        "BRKT,Bracket,make",
        "",
        '"SHEET","Steel',
        'sheet",buy',
        "TUBE,Tube,bought",
    )

    assert problems(folder) == [
        "items.csv:6: kind: 'bought' is not make or buy; expected make or buy"
    ]


def test_problem_text_leaves_out_the_parts_that_do_not_apply() -> None:
    assert str(Problem("bom.csv", None, None, "missing file")) == "bom.csv: missing file"
    assert str(Problem("bom.csv", 3, None, "bad")) == "bom.csv:3: bad"
    assert str(Problem("bom.csv", None, "qty_per", "bad")) == "bom.csv: qty_per: bad"
    assert str(Problem("bom.csv", 3, "qty_per", "bad")) == "bom.csv:3: qty_per: bad"
