"""Factory data in and out as a folder of CSV files (DESIGN.md, "Factory files").

`read_factory_dir` checks every file completely and either returns the whole factory or raises
`FactoryFileError` listing every problem as `file:row: column: what is wrong; expected …`.
Nothing is ever returned half-read. `write_factory_dir` writes the nine files back in a canonical
form (rows sorted by key, numbers without a trailing `.0`), so that read → write → read → write
gives byte-identical files.

Cells are read as text with pandas and converted here, so a message can quote exactly what was in
the cell. Row numbers are line numbers in the file (the header is line 1), counting blank lines and
line breaks inside quoted cells.
"""

from __future__ import annotations

import difflib
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd

from capacity.model import (
    BomLine,
    CalendarException,
    Factory,
    Item,
    ItemKind,
    Operation,
    Receipt,
    WorkCenter,
    parse_workdays,
)

__all__ = [
    "FactoryFileError",
    "FactoryFiles",
    "OrderRow",
    "Problem",
    "ShipmentRow",
    "as_read",
    "as_written",
    "read_factory_dir",
    "write_factory_dir",
]

OrderStatus = Literal["held", "confirmed"]


@dataclass(frozen=True)
class OrderRow:
    """An existing commitment from `orders.csv`, booked in file order on import."""

    ref: str
    customer: str
    sku: str
    qty: int
    on: date
    status: OrderStatus
    rush: bool = False


@dataclass(frozen=True)
class ShipmentRow:
    """What has already left the plant against an order (`ref`)."""

    ref: str
    on: date
    qty: int


@dataclass(frozen=True)
class FactoryFiles:
    """Everything a factory folder holds: the static model plus existing orders and shipments."""

    factory: Factory
    orders: tuple[OrderRow, ...] = ()
    shipments: tuple[ShipmentRow, ...] = ()
    streamed_receipts: int | None = None
    """How many receipts `read_factory_dir(receipts_to=…)` handed on instead of keeping them in
    `factory.receipts` (None: they are all in `factory.receipts`)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a factory folder; `row` is the line number in the file (header = 1)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        if self.column is not None:
            where = f"{where}: {self.column}"
        return f"{where}: {self.message}"


class FactoryFileError(Exception):
    """The folder was rejected whole; `problems` lists everything wrong, in file and line order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --- the files and their columns ----------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    file: str
    layout: tuple[tuple[str, str | None], ...]
    """The columns in the order they are written, each with the text that a missing optional
    column or an empty optional cell stands for (None: the column is required)."""
    must_exist: bool = True

    # Cached: every cell of a million-row file asks.
    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.layout)

    @cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name, default in self.layout if default is None)

    @property
    def defaults(self) -> dict[str, str]:
        return {name: default for name, default in self.layout if default is not None}

    @property
    def column_list(self) -> str:
        return ", ".join(self.columns)


def _required(*names: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((name, None) for name in names)


WORK_CENTERS = _Spec(
    "work_centers.csv",
    _required("code", "name")
    + (
        ("machines", "1"),
        ("shifts_per_day", "1"),
        ("hours_per_shift", "8"),
        ("efficiency", "1"),
        ("workdays", "Mon-Fri"),
        ("rush_reserve_pct", "0"),
    ),
)
CALENDAR = _Spec(
    "calendar.csv", _required("work_center", "date", "hours") + (("reason", ""),), False
)
ITEMS = _Spec(
    "items.csv",
    _required("sku", "name", "kind")
    + (("uom", "ea"), ("lead_time_days", "0"), ("safety_stock", "0")),
)
BOM = _Spec("bom.csv", _required("parent_sku", "component_sku", "qty_per"))
# DESIGN.md's order: run_hours_per_unit has no default although it comes after setup_hours.
ROUTINGS = _Spec(
    "routings.csv",
    _required("sku", "seq", "work_center")
    + (("setup_hours", "0"), ("run_hours_per_unit", None), ("lag_days", "0")),
)
INVENTORY = _Spec("inventory.csv", _required("sku", "on_hand"))
RECEIPTS = _Spec("receipts.csv", _required("sku", "date", "qty") + (("ref", ""),), False)
ORDERS = _Spec(
    "orders.csv",
    _required("ref", "customer", "sku", "qty", "date", "status") + (("rush", "false"),),
    False,
)
SHIPMENTS = _Spec("shipments.csv", _required("ref", "date", "qty"), False)

SPECS = (WORK_CENTERS, CALENDAR, ITEMS, BOM, ROUTINGS, INVENTORY, RECEIPTS, ORDERS, SHIPMENTS)
"""Every file of a factory folder, in the order problems are reported and files are written."""

MAX_FILE_BYTES = 16 * 2**20
"""The largest factory file an import reads (16 MiB), except the streamed ones below: these
files are held in memory while they are checked (issue 3's 5,000-item factory is 0.5 MiB)."""
MAX_STREAMED_FILE_BYTES = 2**30
"""The largest streamed file an import reads (1 GiB): a 500 MB ERP export of open purchase
orders fits; memory stays the same whatever the size."""
STREAMED_FILES = frozenset({RECEIPTS.file})
"""Files that may be huge (open purchase orders from an ERP): checked and saved in chunks of
CHUNK_ROWS rows, never held in memory whole."""
CHUNK_ROWS = 20_000
MAX_PROBLEMS_PER_FILE = 200
"""A streamed file reports its first problems only (then how many more there were)."""

_KINDS: dict[str, ItemKind] = {"make": "make", "buy": "buy"}
_STATUSES: dict[str, OrderStatus] = {"held": "held", "confirmed": "confirmed"}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LINE_IN_ERROR = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


# --- reading one file -----------------------------------------------------------------------


class _Row:
    """One data line of a file: converts its cells and records what is wrong with them.

    Each converter returns None when the cell is bad (a problem is recorded) or when its column is
    missing from the file (already reported once for the header), so later checks simply skip it.
    """

    def __init__(
        self, spec: _Spec, line: int, cells: Mapping[str, str | None], problems: list[Problem]
    ) -> None:
        self.spec = spec
        self.line = line
        self.cells = cells
        self.problems = problems
        self.ok = True

    def problem(self, column: str | None, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.spec.file, self.line, column, message))

    def text(self, column: str, expect: str) -> str | None:
        value = self.cells.get(column)
        if value is None:
            self.ok = False
            return None
        if value == "" and column in self.spec.required:
            self.problem(column, f"empty value; expected {expect}")
            return None
        return value

    def choice(self, column: str, options: tuple[str, ...]) -> str | None:
        value = self.text(column, " or ".join(options))
        if value is None:
            return None
        if value.lower() not in options:
            self.problem(
                column, f"{value!r} is not {' or '.join(options)}; expected {' or '.join(options)}"
            )
            return None
        return value.lower()

    def number(
        self,
        column: str,
        expect: str,
        *,
        minimum: float | None = 0.0,
        above_minimum: bool = False,
        maximum: float | None = None,
        outside: str | None = None,
        whole: bool = False,
    ) -> float | None:
        """A number within its bounds; `outside` names the allowed range in messages."""
        value = self.text(column, expect)
        if value is None:
            return None
        number = float(value) if _NUMBER.fullmatch(value) else math.nan
        if not math.isfinite(number):
            self.problem(column, f"{value!r} is not a number; expected {expect}")
            return None
        if whole and not number.is_integer():
            self.problem(column, f"{value!r} is not a whole number; expected {expect}")
            return None
        too_low = minimum is not None and (number <= minimum if above_minimum else number < minimum)
        too_high = maximum is not None and number > maximum
        if too_low or too_high:
            if outside is not None:
                what = f"is outside {outside}"
            elif too_high:
                what = "is too large"
            elif number < 0:
                what = "is negative"
            else:
                what = "is too small"
            self.problem(column, f"{value} {what}; expected {expect}")
            return None
        return number

    def whole(self, column: str, expect: str, *, minimum: int = 0) -> int | None:
        number = self.number(column, expect, minimum=minimum, whole=True)
        return None if number is None else int(number)

    def day(self, column: str) -> date | None:
        expect = "a date written YYYY-MM-DD, like 2026-12-03"
        value = self.text(column, expect)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a date; expected {expect}")
            return None

    def flag(self, column: str) -> bool | None:
        value = self.choice(column, ("true", "false"))
        return None if value is None else value == "true"


@dataclass
class _Table:
    spec: _Spec
    rows: list[_Row]


def _read_table(folder: Path, spec: _Spec, problems: list[Problem]) -> _Table | None:
    """The file's rows, or None when the file cannot be read at all (missing, too large, not
    CSV …). An absent optional file is an empty table."""
    if not spec.must_exist and not (folder / spec.file).is_file():
        return _Table(spec, [])
    path = _present(folder, spec, problems)
    if path is None:
        return None
    reader = _CsvRows(path, spec, problems)
    rows = [row for chunk in reader for row in chunk]
    return None if reader.failed else _Table(spec, rows)


def max_file_bytes(file: str) -> int:
    """The largest `file` an import reads (MAX_STREAMED_FILE_BYTES for receipts.csv, which is
    streamed; MAX_FILE_BYTES for the others, which are held in memory while checked)."""
    return MAX_STREAMED_FILE_BYTES if file in STREAMED_FILES else MAX_FILE_BYTES


def _present(folder: Path, spec: _Spec, problems: list[Problem]) -> Path | None:
    """The file's path when it is there and within its size cap; else None (and a problem,
    unless it is an optional file that is simply absent). Nothing is read yet."""
    path = folder / spec.file
    if not path.is_file():
        if spec.must_exist:
            problems.append(
                Problem(
                    spec.file,
                    None,
                    None,
                    f"missing file; expected it with columns {spec.column_list}",
                )
            )
        return None
    size, cap = path.stat().st_size, max_file_bytes(spec.file)
    if size > cap:
        problems.append(Problem(spec.file, None, None, _too_large(size, cap)))
        return None
    return path


def _too_large(size: int | None, cap: int) -> str:
    shown = "it grew while it was read" if size is None else f"{_mib(size)}"
    return (
        f"file too large ({shown}); expected at most {_mib(cap)} for this file "
        "(split it, or leave out what is not needed for planning)"
    )


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB" if size >= 2**20 else f"{size:,} bytes"


class _FileTooLarge(Exception):
    pass


class _Capped(io.RawIOBase):
    """A file read no further than `cap` bytes (then _FileTooLarge), even if it grows meanwhile;
    `offset` is where the last read began, to place a decoding error in the file."""

    def __init__(self, path: Path, cap: int) -> None:
        self.file = path.open("rb")
        self.cap = cap
        self.total = 0
        self.offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.file.readinto(buffer)
        self.offset = self.total
        self.total += count or 0
        if self.total > self.cap:
            raise _FileTooLarge
        return count or 0

    def close(self) -> None:
        self.file.close()
        super().close()


class _CsvRows:
    """One file's data rows, in chunks of `chunk_rows` (the whole file at once when None).

    Cells are text, stripped, with an export's formula guard taken off (`as_read`). A file
    that cannot be read as CSV records one problem and stops; `failed` says so. Row numbers are
    line numbers in the file, counting line breaks inside quoted cells, across chunks.
    """

    def __init__(
        self,
        path: Path,
        spec: _Spec,
        problems: list[Problem],
        *,
        chunk_rows: int | None = None,
    ) -> None:
        self.path = path
        self.spec = spec
        self.problems = problems
        self.chunk_rows = chunk_rows
        self.failed = False

    def __iter__(self) -> Iterator[list[_Row]]:
        spec = self.spec
        source = _Capped(self.path, max_file_bytes(spec.file))
        layout: list[tuple[str, int | None, str | None]] | None = None
        line = 0
        try:
            with io.BufferedReader(source) as handle:
                for frame in self._frames(handle):
                    # Missing trailing cells come back as NaN: they are empty.
                    records: list[list[str]] = frame.fillna("").to_numpy().tolist()
                    if layout is None:
                        header, records = records[0], records[1:]
                        names = [cell.strip().lower() for cell in header]
                        position = _check_header(spec, names, self.problems)
                        defaults = spec.defaults
                        layout = [
                            (column, position.get(column), defaults.get(column))
                            for column in spec.columns
                        ]
                        line = 1 + "".join(header).count("\n")
                    rows: list[_Row] = []
                    for record in records:
                        line += 1
                        start = line
                        joined = "".join(record)
                        if "\n" in joined:
                            line += joined.count("\n")
                        if not joined.strip():
                            continue
                        cells: dict[str, str | None] = {}
                        for column, index, default in layout:
                            if index is None:
                                cells[column] = default
                                continue
                            value = record[index].strip()
                            if value[:1] == "'":
                                value = as_read(value)
                            cells[column] = default if default is not None and not value else value
                        rows.append(_Row(spec, start, cells, self.problems))
                    yield rows
        except _FileTooLarge:
            self._fail(None, _too_large(None, source.cap))
        except UnicodeDecodeError as error:
            at = error.start + (source.offset if len(error.object) <= source.total else 0)
            self._fail(
                None,
                f"not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset "
                f"{at}); expected a CSV file saved as UTF-8",
            )
        except pd.errors.EmptyDataError:
            self._fail(None, f"empty file; expected a header row {spec.column_list}")
        except pd.errors.ParserError as error:
            found = _LINE_IN_ERROR.search(str(error))
            if found is None:
                self._fail(None, f"not a CSV file ({error})")
            else:
                expected, at_line, saw = found.groups()
                self._fail(
                    int(at_line),
                    f"{saw} cells but the header has {expected}; expected one cell per column "
                    f"(put text that contains a comma in double quotes)",
                )

    def _frames(self, handle: io.BufferedIOBase) -> Iterator[pd.DataFrame]:
        options: dict[str, Any] = {
            "header": None,
            "dtype": str,
            "keep_default_na": False,
            "skip_blank_lines": False,
            "encoding": "utf-8-sig",
        }
        if self.chunk_rows is None:
            yield pd.read_csv(handle, **options)
            return
        with pd.read_csv(handle, chunksize=self.chunk_rows, **options) as chunks:
            yield from chunks

    def _fail(self, line: int | None, message: str) -> None:
        self.failed = True
        self.problems.append(Problem(self.spec.file, line, None, message))


def _check_header(spec: _Spec, names: list[str], problems: list[Problem]) -> dict[str, int]:
    """Where each known column is; reports unknown, repeated and missing required columns."""
    position: dict[str, int] = {}
    expected = f"expected columns {spec.column_list}"
    for index, name in enumerate(names):
        if not name:
            problems.append(
                Problem(spec.file, 1, None, f"column {index + 1} has no name; {expected}")
            )
        elif name not in spec.columns:
            guess = _suggest(name, spec.columns)
            problems.append(Problem(spec.file, 1, name, f"unknown column{guess}; {expected}"))
        elif name in position:
            problems.append(
                Problem(spec.file, 1, name, "column appears twice; expected each column once")
            )
        else:
            position[name] = index
    for name in spec.required:
        if name not in position:
            problems.append(Problem(spec.file, 1, name, f"missing required column; {expected}"))
    return position


# --- reading the folder ---------------------------------------------------------------------


class _Keys:
    """Remembers the line of each key of a file and reports a repeated key."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.lines: dict[object, int] = {}

    def add(self, row: _Row, key: object, column: str, shown: str) -> bool:
        first = self.lines.setdefault(key, row.line)
        if first != row.line:
            row.problem(
                column,
                f"duplicate {self.what} {shown} (first on line {first}); expected each "
                f"{self.what} once",
            )
            return False
        return True


def _suggest(value: str, known: Iterable[str]) -> str:
    """` (did you mean X?)` for the closest known name (ignoring case first), or nothing."""
    names = sorted(known)
    same = [name for name in names if name.lower() == value.lower()]
    hint = same or difflib.get_close_matches(value, names, n=1)
    return f" (did you mean {hint[0]}?)" if hint else ""


def _unknown(kind: str, value: str, known: Iterable[str], source: str) -> str:
    return f"unknown {kind} {value!r}{_suggest(value, known)}; expected {source}"


def read_factory_dir(
    path: Path | str, *, receipts_to: Callable[[list[Receipt]], None] | None = None
) -> FactoryFiles:
    """Read and check a factory folder; raise FactoryFileError listing every problem.

    Items missing from inventory.csv have 0 on hand. The factory's tables come back sorted by key
    (routings by sku and seq); orders and shipments keep their file order. A file larger than
    `max_file_bytes` is refused before it is read.

    With `receipts_to`, receipts.csv (STREAMED_FILES) is streamed: it is checked CHUNK_ROWS rows
    at a time and each chunk of good receipts, in file order, goes to `receipts_to` (an import
    stages them in its transaction) instead of `factory.receipts`, which stays empty. Memory then
    stays the same whatever the file's size. Chunks may have been handed on by the time
    FactoryFileError is raised: the caller rolls back what it did with them.
    """
    folder = Path(path)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise FactoryFileError(
            [
                Problem(
                    str(folder), None, None, "not a folder; expected a folder of factory CSV files"
                )
            ]
        )
    tables = {
        spec.file: _read_table(folder, spec, problems)
        for spec in SPECS
        if not (receipts_to is not None and spec.file in STREAMED_FILES)
    }

    work_centers = _work_centers(tables[WORK_CENTERS.file])
    known_centers = None if tables[WORK_CENTERS.file] is None else work_centers.codes
    items = _items(tables[ITEMS.file])
    known_items = None if tables[ITEMS.file] is None else items.kinds
    calendar = _calendar(tables[CALENDAR.file], known_centers)
    routings, routed = _routings(tables[ROUTINGS.file], known_centers, known_items)
    bom = _bom(tables[BOM.file], known_items)
    on_hand = _inventory(tables[INVENTORY.file], known_items)
    streamed: int | None = None
    more: list[Problem] = []
    if receipts_to is not None:
        receipts: list[Receipt] = []
        streamed = _stream_receipts(folder, known_items, problems, more, receipts_to)
    else:
        receipts = _receipts(tables[RECEIPTS.file], known_items)
    orders, refs = _orders(tables[ORDERS.file], known_items)
    known_refs = None if tables[ORDERS.file] is None else refs
    shipments = _shipments(tables[SHIPMENTS.file], orders, known_refs)

    if tables[ROUTINGS.file] is not None:
        for sku, row in items.make_rows.items():
            if sku not in routed:
                row.problem(
                    "sku",
                    f"make item {sku!r} has no routing; expected its operations in "
                    f"routings.csv (or kind buy)",
                )

    if problems:
        order = {spec.file: index for index, spec in enumerate(SPECS)}
        problems.sort(key=lambda problem: (order.get(problem.file, -1), problem.row or 0))
        raise FactoryFileError(problems + more)

    factory = Factory(
        work_centers=tuple(sorted(work_centers.values, key=lambda center: center.code)),
        calendar=tuple(sorted(calendar, key=lambda day: (day.work_center, day.on))),
        items=tuple(sorted(items.values, key=lambda item: item.sku)),
        bom=tuple(sorted(bom, key=lambda line: (line.parent_sku, line.component_sku))),
        routings=tuple(sorted(routings, key=lambda op: (op.sku, op.seq))),
        on_hand={
            item.sku: on_hand.get(item.sku, 0.0)
            for item in sorted(items.values, key=lambda item: item.sku)
        },
        receipts=tuple(sorted(receipts, key=lambda r: (r.sku, r.on, r.ref, r.qty))),
    )
    return FactoryFiles(factory, tuple(orders.values()), tuple(shipments), streamed)


def _stream_receipts(
    folder: Path,
    known_items: Mapping[str, str | None] | None,
    problems: list[Problem],
    more: list[Problem],
    receipts_to: Callable[[list[Receipt]], None],
) -> int:
    """Check receipts.csv chunk by chunk, handing each chunk's receipts to `receipts_to` while
    no problem has been found; returns how many were handed on. The first MAX_PROBLEMS_PER_FILE
    problems go to `problems`, the count of the others to `more`."""
    if not RECEIPTS.must_exist and not (folder / RECEIPTS.file).is_file():
        return 0
    path = _present(folder, RECEIPTS, problems)
    if path is None:
        return 0
    found: list[Problem] = []
    reported = extra = count = 0
    for rows in _CsvRows(path, RECEIPTS, found, chunk_rows=CHUNK_ROWS):
        receipts = _receipts(_Table(RECEIPTS, rows), known_items)
        if not found and not problems and known_items is not None:
            receipts_to(receipts)  # once anything is wrong, nothing is saved: stop staging
            count += len(receipts)
        room = MAX_PROBLEMS_PER_FILE - reported
        problems.extend(found[:room])
        reported += min(room, len(found))
        extra += max(0, len(found) - room)
        found.clear()
    room = MAX_PROBLEMS_PER_FILE - reported
    problems.extend(found[:room])  # the file's own problem (not CSV, too large …), if any
    extra += max(0, len(found) - room)
    if extra:
        more.append(Problem(RECEIPTS.file, None, None, f"… and {extra:,} more problems like these"))
    return count


def _rows(table: _Table | None) -> list[_Row]:
    return [] if table is None else table.rows


@dataclass
class _WorkCenters:
    values: list[WorkCenter]
    codes: set[str]


def _work_centers(table: _Table | None) -> _WorkCenters:
    result = _WorkCenters([], set())
    keys = _Keys("work center code")
    hours = "a number of hours more than 0 and at most 24, like 7.5"
    for row in _rows(table):
        code = row.text("code", "a short work center code, like LASER")
        if code == "*":
            row.problem("code", "'*' stands for every work center; expected another code")
            code = None
        elif code is not None and keys.add(row, code, "code", repr(code)):
            result.codes.add(code)
        name = row.text("name", "a name, like Laser cutting")
        machines = row.whole("machines", "a whole number of machines, 1 or more", minimum=1)
        shifts = row.whole("shifts_per_day", "a whole number of shifts, 1 or more", minimum=1)
        per_shift = row.number("hours_per_shift", hours, above_minimum=True, maximum=24)
        if shifts is not None and per_shift is not None and shifts * per_shift > 24 + 1e-9:
            row.problem(
                "hours_per_shift",
                f"{shifts} shifts of {_format_number(per_shift)} h are more than 24 h a day; "
                f"expected shifts_per_day × hours_per_shift of at most 24",
            )
        efficiency = row.number(
            "efficiency",
            "a fraction more than 0 and at most 1, like 0.85",
            above_minimum=True,
            maximum=1,
            outside="(0, 1]",
        )
        workdays = row.text("workdays", "days like Mon-Fri or Mon,Wed,Fri")
        if workdays is not None:
            try:
                parse_workdays(workdays)
            except ValueError as error:
                row.problem("workdays", f"{error}; expected days like Mon-Fri or Mon,Wed,Fri")
        reserve = row.number(
            "rush_reserve_pct",
            "a percentage from 0 to 100",
            maximum=100,
            outside="0–100",
        )
        if row.ok:
            assert code is not None and name is not None and workdays is not None
            assert machines is not None and shifts is not None and per_shift is not None
            assert efficiency is not None and reserve is not None
            result.values.append(
                WorkCenter(code, name, machines, shifts, per_shift, efficiency, workdays, reserve)
            )
    return result


def _calendar(table: _Table | None, centers: set[str] | None) -> list[CalendarException]:
    result: list[CalendarException] = []
    keys = _Keys("day")
    for row in _rows(table):
        center = row.text("work_center", "a work center code or * for every work center")
        if center is not None and center != "*" and centers is not None and center not in centers:
            row.problem(
                "work_center",
                _unknown("work center", center, centers, "a code from work_centers.csv or *"),
            )
        on = row.day("date")
        if center is not None and on is not None:
            keys.add(row, (center, on), "date", f"{center} {on.isoformat()}")
        hours = row.number("hours", "the day's capacity in hours, 0 or more (0 = closed)")
        reason = row.text("reason", "")
        if row.ok:
            assert center is not None and on is not None and hours is not None
            result.append(CalendarException(center, on, hours, reason or ""))
    return result


@dataclass
class _Items:
    values: list[Item]
    kinds: dict[str, str | None]
    """Every sku named in items.csv, with its kind when that is readable."""
    make_rows: dict[str, _Row]


def _items(table: _Table | None) -> _Items:
    result = _Items([], {}, {})
    keys = _Keys("sku")
    for row in _rows(table):
        sku = row.text("sku", "an item code, like BRKT")
        fresh = sku is not None and keys.add(row, sku, "sku", repr(sku))
        name = row.text("name", "a name, like Bracket")
        kind = row.choice("kind", ("make", "buy"))
        if fresh:
            assert sku is not None
            result.kinds[sku] = kind
            if kind == "make":
                result.make_rows[sku] = row
        uom = row.text("uom", "a unit of measure, like ea")
        lead_time = row.whole("lead_time_days", "a whole number of days, 0 or more")
        safety = row.number("safety_stock", "a quantity, 0 or more")
        if row.ok:
            assert sku is not None and name is not None and kind is not None
            assert uom is not None and lead_time is not None and safety is not None
            result.values.append(Item(sku, name, _KINDS[kind], uom, lead_time, safety))
    return result


def _known_sku(row: _Row, column: str, known: Mapping[str, str | None] | None) -> str | None:
    """The cell's sku when it is in items.csv (or items.csv could not be read)."""
    sku = row.text(column, "a sku from items.csv")
    if sku is not None and known is not None and sku not in known:
        row.problem(column, _unknown("sku", sku, known, "a sku from items.csv"))
        return None
    return sku


def _routings(
    table: _Table | None, centers: set[str] | None, items: dict[str, str | None] | None
) -> tuple[list[Operation], set[str]]:
    """The operations, and every sku that has at least one routing line (even a bad one)."""
    result: list[Operation] = []
    routed: set[str] = set()
    keys = _Keys("operation")
    hours = "a number of hours, 0 or more, like 1.5"
    for row in _rows(table):
        sku = _known_sku(row, "sku", items)
        if sku is not None:
            routed.add(sku)
            if items is not None and items.get(sku) == "buy":
                row.problem(
                    "sku",
                    f"{sku!r} is a buy item; expected routings only for make items "
                    f"(or kind make in items.csv)",
                )
        seq = row.whole("seq", "a whole number, 0 or more, like 10")
        if sku is not None and seq is not None:
            keys.add(row, (sku, seq), "seq", f"{sku} {seq}")
        center = row.text("work_center", "a code from work_centers.csv")
        if center is not None and centers is not None and center not in centers:
            row.problem(
                "work_center",
                _unknown("work center", center, centers, "a code from work_centers.csv"),
            )
        setup = row.number("setup_hours", hours)
        run = row.number("run_hours_per_unit", hours)
        lag = row.whole("lag_days", "a whole number of days, 0 or more")
        if row.ok:
            assert sku is not None and seq is not None and center is not None
            assert setup is not None and run is not None and lag is not None
            result.append(Operation(sku, seq, center, run, setup, lag))
    return result, routed


def _bom(table: _Table | None, items: dict[str, str | None] | None) -> list[BomLine]:
    result: list[BomLine] = []
    lines: dict[tuple[str, str], int] = {}
    keys = _Keys("BOM line")
    for row in _rows(table):
        parent = _known_sku(row, "parent_sku", items)
        if parent is not None and items is not None and items.get(parent) == "buy":
            row.problem(
                "parent_sku",
                f"{parent!r} is a buy item; expected components only under make items "
                f"(or kind make in items.csv)",
            )
        component = _known_sku(row, "component_sku", items)
        if parent is not None and component is not None:
            edge = (parent, component)
            if keys.add(row, edge, "component_sku", f"{parent} → {component}"):
                lines[edge] = row.line
        qty_per = row.number(
            "qty_per", "a quantity more than 0, like 2 or 0.25", above_minimum=True
        )
        if row.ok:
            assert parent is not None and component is not None and qty_per is not None
            result.append(BomLine(parent, component, qty_per))
    for cycle in _cycles(lines):
        path = " → ".join(cycle)
        edge = (cycle[0], cycle[1])
        row = next(row for row in _rows(table) if row.line == lines[edge])
        row.problem("component_sku", f"BOM cycle {path}; expected no item to contain itself")
    return result


def _cycles(edges: Mapping[tuple[str, str], int]) -> list[tuple[str, ...]]:
    """Each cycle found by a depth-first search, once, starting from its smallest sku."""
    children: dict[str, list[str]] = defaultdict(list)
    for parent, component in sorted(edges):
        children[parent].append(component)
    found: set[tuple[str, ...]] = set()
    done: set[str] = set()

    def visit(sku: str, path: list[str], on_path: set[str]) -> None:
        path.append(sku)
        on_path.add(sku)
        for component in children.get(sku, []):
            if component in on_path:
                cycle = path[path.index(component) :]
                start = cycle.index(min(cycle))
                turned = cycle[start:] + cycle[:start]
                found.add((*turned, turned[0]))
            elif component not in done:
                visit(component, path, on_path)
        path.pop()
        on_path.discard(sku)
        done.add(sku)

    for sku in sorted(children):
        if sku not in done:
            visit(sku, [], set())
    return sorted(found)


def _inventory(table: _Table | None, items: dict[str, str | None] | None) -> dict[str, float]:
    result: dict[str, float] = {}
    keys = _Keys("sku")
    for row in _rows(table):
        sku = _known_sku(row, "sku", items)
        if sku is not None:
            keys.add(row, sku, "sku", repr(sku))
        on_hand = row.number("on_hand", "a quantity, 0 or more")
        if row.ok:
            assert sku is not None and on_hand is not None
            result[sku] = on_hand
    return result


def _receipts(table: _Table | None, items: Mapping[str, str | None] | None) -> list[Receipt]:
    result: list[Receipt] = []
    for row in _rows(table):
        sku = _known_sku(row, "sku", items)
        on = row.day("date")
        qty = row.number("qty", "a quantity more than 0", above_minimum=True)
        ref = row.text("ref", "")
        if row.ok:
            assert sku is not None and on is not None and qty is not None
            result.append(Receipt(sku, on, qty, ref or ""))
    return result


def _orders(
    table: _Table | None, items: dict[str, str | None] | None
) -> tuple[dict[str, OrderRow], set[str]]:
    """Good orders by ref in file order, and every ref in the file (even on a bad line)."""
    result: dict[str, OrderRow] = {}
    refs: set[str] = set()
    keys = _Keys("order ref")
    for row in _rows(table):
        ref = row.text("ref", "an order reference, like SO-1001")
        if ref is not None:
            refs.add(ref)
            keys.add(row, ref, "ref", repr(ref))
        customer = row.text("customer", "a customer name, like Acme")
        sku = _known_sku(row, "sku", items)
        qty = row.whole("qty", "a whole number of units, 1 or more", minimum=1)
        on = row.day("date")
        status = row.choice("status", ("held", "confirmed"))
        rush = row.flag("rush")
        if row.ok:
            assert ref is not None and customer is not None and sku is not None
            assert qty is not None and on is not None and rush is not None and status is not None
            result[ref] = OrderRow(ref, customer, sku, qty, on, _STATUSES[status], rush)
    return result, refs


def _shipments(
    table: _Table | None, orders: Mapping[str, OrderRow], refs: set[str] | None
) -> list[ShipmentRow]:
    """Shipments in file order; `refs` is None when orders.csv could not be read."""
    result: list[ShipmentRow] = []
    shipped: dict[str, int] = defaultdict(int)
    for row in _rows(table):
        ref = row.text("ref", "an order ref from orders.csv")
        if ref is not None and refs is not None and ref not in refs:
            row.problem("ref", _unknown("order", ref, refs, "a ref from orders.csv"))
        on = row.day("date")
        qty = row.whole("qty", "a whole number of units, 1 or more", minimum=1)
        if ref is not None and qty is not None and ref in orders:
            shipped[ref] += qty
            ordered = orders[ref].qty
            if shipped[ref] > ordered:
                row.problem(
                    "qty",
                    f"{ref} would have {shipped[ref]} shipped but only {ordered} were ordered; "
                    f"expected at most {ordered} in all",
                )
        if row.ok:
            assert ref is not None and on is not None and qty is not None
            result.append(ShipmentRow(ref, on, qty))
    return result


# --- writing --------------------------------------------------------------------------------

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
"""A cell a spreadsheet would run as a formula (OWASP's list: = + - @ tab CR), after any
apostrophes that an earlier export put in front."""


def as_written(cell: str) -> str:
    """The cell as an export writes it: one `'` in front of what a spreadsheet would run as a
    formula (`=HYPERLINK(…)`), so that it shows as text; `as_read` takes it off again."""
    return "'" + cell if _FORMULA.match(cell) else cell


def as_read(cell: str) -> str:
    """The cell as an import reads it: the `'` that `as_written` put in front is taken off."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


def _format_number(value: float) -> str:
    """Whole numbers without `.0`, other numbers as the shortest text that reads back exactly."""
    number = float(value)
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number)


def _format_flag(value: bool) -> str:
    return "true" if value else "false"


_T = TypeVar("_T")


def _write(folder: Path, spec: _Spec, rows: Iterable[_T], cells: Callable[[_T], list[str]]) -> None:
    """Write the file CHUNK_ROWS rows at a time (just the header when there are none)."""
    remaining = iter(rows)
    with (folder / spec.file).open("w", encoding="utf-8", newline="") as out:
        header = True
        while True:
            chunk = [
                [as_written(cell) for cell in cells(row)] for row in islice(remaining, CHUNK_ROWS)
            ]
            if chunk or header:
                frame = pd.DataFrame(chunk, columns=list(spec.columns), dtype=str)
                frame.to_csv(out, index=False, header=header, lineterminator="\n")
            if len(chunk) < CHUNK_ROWS:
                return
            header = False


def write_factory_dir(
    files: FactoryFiles, path: Path | str, *, receipts: Iterable[Receipt] | None = None
) -> None:
    """Write all nine files, creating the folder if needed and replacing files already there.

    A text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return) is written with a `'` in front (`as_written`), which reading takes off.
    Every file is written, even when it has no rows (then just its header), so an export is a
    complete picture and a re-import of it clears what is not there any more. Rows are sorted by
    key (orders and shipments keep their order), every optional column is written, and public
    `holidays` of the factory become `*` days of 0 hours in calendar.csv unless that date already
    has a `*` day. `receipts`, when given, are written instead of `factory.receipts`, as they
    come (already sorted by sku, date, ref and qty): an export streams them from the database.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    factory = files.factory
    n = _format_number

    _write(
        folder,
        WORK_CENTERS,
        sorted(factory.work_centers, key=lambda center: center.code),
        lambda c: [
            c.code,
            c.name,
            n(c.machines),
            n(c.shifts_per_day),
            n(c.hours_per_shift),
            n(c.efficiency),
            c.workdays,
            n(c.rush_reserve_pct),
        ],
    )
    days = list(factory.calendar)
    every = {day.on for day in days if day.work_center == "*"}
    days += [
        CalendarException("*", on, 0.0, name)
        for on, name in factory.holidays.items()
        if on not in every
    ]
    _write(
        folder,
        CALENDAR,
        sorted(days, key=lambda day: (day.work_center, day.on)),
        lambda d: [d.work_center, d.on.isoformat(), n(d.hours), d.reason],
    )
    _write(
        folder,
        ITEMS,
        sorted(factory.items, key=lambda item: item.sku),
        lambda i: [i.sku, i.name, i.kind, i.uom, n(i.lead_time_days), n(i.safety_stock)],
    )
    _write(
        folder,
        BOM,
        sorted(factory.bom, key=lambda line: (line.parent_sku, line.component_sku)),
        lambda b: [b.parent_sku, b.component_sku, n(b.qty_per)],
    )
    _write(
        folder,
        ROUTINGS,
        sorted(factory.routings, key=lambda op: (op.sku, op.seq)),
        lambda o: [
            o.sku,
            n(o.seq),
            o.work_center,
            n(o.setup_hours),
            n(o.run_hours_per_unit),
            n(o.lag_days),
        ],
    )
    _write(
        folder,
        INVENTORY,
        sorted(factory.on_hand.items()),
        lambda pair: [pair[0], n(pair[1])],
    )
    _write(
        folder,
        RECEIPTS,
        receipts
        if receipts is not None
        else sorted(factory.receipts, key=lambda r: (r.sku, r.on, r.ref, r.qty)),
        lambda r: [r.sku, r.on.isoformat(), n(r.qty), r.ref],
    )
    _write(
        folder,
        ORDERS,
        files.orders,
        lambda o: [
            o.ref,
            o.customer,
            o.sku,
            n(o.qty),
            o.on.isoformat(),
            o.status,
            _format_flag(o.rush),
        ],
    )
    _write(
        folder,
        SHIPMENTS,
        files.shipments,
        lambda s: [s.ref, s.on.isoformat(), n(s.qty)],
    )
