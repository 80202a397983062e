"""`promisebot db`, `import` and `export` as a user runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import bot
from bot.cli import main
from bot.factory.files import FactoryFileError, read_factory_dir
from bot.platform.db.tables import WorkCenterRow
from tests.conftest import MigratedDb, dump_database

DEMO = Path(next(iter(bot.__path__))) / "demo"


def promisebot(url: str, *args: str | Path) -> int:
    return main([*map(str, args), "--database-url", url], env={})


def same_files(first: Path, second: Path) -> list[str]:
    """Names of files that differ or exist in only one folder; empty when identical."""
    names = sorted({p.name for p in first.iterdir()} | {p.name for p in second.iterdir()})
    return [
        name
        for name in names
        if not (first / name).exists()
        or not (second / name).exists()
        or not filecmp.cmp(first / name, second / name, shallow=False)
    ]


def test_db_upgrade_then_db_check_succeed_on_an_empty_database(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promisebot(database_url, "db", "upgrade") == 0
    assert promisebot(database_url, "db", "check") == 0

    assert "matches the models" in capsys.readouterr().out


def test_import_into_a_database_without_the_schema_says_to_upgrade(
    database_url: str, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promisebot(database_url, "import", worked_dir) == 2

    assert "run `promisebot db upgrade` first" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["worked", "demo"])
def test_export_import_export_gives_identical_files(
    name: str,
    migrated_db: MigratedDb,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = request.getfixturevalue("worked_dir") if name == "worked" else DEMO
    if not folder.is_dir():
        pytest.skip(f"{folder} does not exist yet")
    url = migrated_db.url
    assert promisebot(url, "import", folder) == 0
    assert promisebot(url, "export", tmp_path / "first") == 0
    assert promisebot(url, "import", tmp_path / "first") == 0
    assert promisebot(url, "export", tmp_path / "second") == 0

    assert same_files(tmp_path / "first", tmp_path / "second") == []
    exported = read_factory_dir(tmp_path / "first").factory
    assert exported == read_factory_dir(folder).factory
    assert "Imported" in capsys.readouterr().out


def test_reimport_updates_rows_by_key_instead_of_adding_them(
    migrated_db: MigratedDb, worked_dir: Path
) -> None:
    url = migrated_db.url
    assert promisebot(url, "import", worked_dir) == 0
    changed = worked_dir
    text = (changed / "work_centers.csv").read_text().replace("CNC,CNC mill,1,", "CNC,CNC mill,2,")
    (changed / "work_centers.csv").write_text(text)

    assert promisebot(url, "import", changed) == 0
    assert promisebot(url, "import", changed) == 0

    with migrated_db.session_factory() as session:
        rows = session.execute(
            sa.select(WorkCenterRow.code, WorkCenterRow.machines).order_by(WorkCenterRow.code)
        ).all()
    assert [tuple(row) for row in rows] == [("CNC", 2), ("PAINT", 1)]


def test_a_bad_folder_prints_every_problem_exits_2_and_changes_nothing(
    migrated_db: MigratedDb, worked_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated_db.url
    assert promisebot(url, "import", worked_dir) == 0
    bad = worked_dir
    items = (bad / "items.csv").read_text().replace("SHEET,Steel sheet,buy", "SHEET,Steel,steal")
    (bad / "items.csv").write_text(items)
    with (bad / "routings.csv").open("a") as routings:
        routings.write("BRKT,30,LASER,0,0.1,0\n")
    with pytest.raises(FactoryFileError) as expected:
        read_factory_dir(bad)
    problems = [str(problem) for problem in expected.value.problems]
    assert len(problems) >= 2
    before = dump_database(migrated_db.engine)
    capsys.readouterr()

    assert promisebot(url, "import", bad) == 2

    err = capsys.readouterr().err
    for problem in problems:
        assert problem in err.splitlines()
    assert "nothing was changed" in err
    assert dump_database(migrated_db.engine) == before


def test_a_missing_folder_is_bad_input(
    migrated_db: MigratedDb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promisebot(migrated_db.url, "import", tmp_path / "nowhere") == 2

    assert "nowhere" in capsys.readouterr().err


def test_a_bad_setting_names_its_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check"], env={"PROMISEBOT_HORIZON_DAYS": "soon"}) == 2

    assert "PROMISEBOT_HORIZON_DAYS" in capsys.readouterr().err


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_installed_console_script_runs(database_url: str, tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("promisebot")
    result = subprocess.run(
        [str(script), "--database-url", database_url, "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # outside the repository: the migrations come from the package
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "newest schema" in result.stdout
