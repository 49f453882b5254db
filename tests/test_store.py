"""Tests of the workspace database: datasets, location fixes, migrations, failures."""

from __future__ import annotations

import random
import re
import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optil_geo import store
from optil_geo._errors import InputError, WorkspaceError
from optil_geo.settings import Settings
from optil_geo.store import TEXT_DTYPE, Workspace, fix_key

TRICKY = [
    "Sint-Niklaas – Ålesund 🎭 Łódź",
    "jongeren;senioren;nieuwkomers",
    'zei "hallo"',
    "l'atelier",
    "=1+1",
    "",
    "<img src=x onerror=alert(1)>",
    "regel 1\nregel 2",
    "  spaties  ",
]


def _projects() -> pd.DataFrame:
    """Return a projects table with awkward text, empty cells and missing values."""
    # Columns deliberately not in alphabetical order: their order must survive.
    return pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3"],
            "title": [TRICKY[0], TRICKY[2], TRICKY[6]],
            "round": ["2021-1", None, "2022-2"],
            "lead_municipality": ["Gent", "", np.nan],
            "target_groups": [TRICKY[1], TRICKY[4], TRICKY[7]],
            "subsidy_eur": [TRICKY[3], TRICKY[5], TRICKY[8]],
        },
        dtype=object,
    )


def _partners() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["P1", "P1", "P3"],
            "organisation": ["vzw Één", '=HYPERLINK("x")', None],
            "postcode": ["9000", "", "1000"],
        },
        dtype=object,
    )


def _expected(rows: list[list[str | None]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=object).astype(TEXT_DTYPE)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "workspace.sqlite"


@pytest.fixture
def ws(db_path: Path) -> Workspace:
    return Workspace(db_path)


# ----------------------------------------------------------------------------- datasets


def test_round_trip_keeps_columns_rows_and_values(ws: Workspace) -> None:
    dataset_id = ws.save_dataset(
        "Ronde 2021", source_name="projecten.xlsx", projects=_projects(), partners=_partners()
    )

    projects, partners = ws.load_dataset(dataset_id)

    expected_projects = _expected(
        [
            ["P1", TRICKY[0], "2021-1", "Gent", TRICKY[1], TRICKY[3]],
            ["P2", TRICKY[2], None, "", TRICKY[4], TRICKY[5]],
            ["P3", TRICKY[6], "2022-2", None, TRICKY[7], TRICKY[8]],
        ],
        ["project_id", "title", "round", "lead_municipality", "target_groups", "subsidy_eur"],
    )
    expected_partners = _expected(
        [["P1", "vzw Één", "9000"], ["P1", '=HYPERLINK("x")', ""], ["P3", None, "1000"]],
        ["project_id", "organisation", "postcode"],
    )
    pd.testing.assert_frame_equal(projects, expected_projects)
    pd.testing.assert_frame_equal(partners, expected_partners)
    # An empty cell stays an empty string; a missing cell stays missing (NaN).
    assert partners.loc[1, "postcode"] == ""
    assert projects.loc[1, "lead_municipality"] == ""
    assert projects["lead_municipality"].isna().tolist() == [False, False, True]
    assert projects["round"].isna().tolist() == [False, True, False]
    assert projects.loc[0, "subsidy_eur"] == "l'atelier"
    assert projects.loc[2, "subsidy_eur"] == "  spaties  "
    assert list(projects.dtypes) == [TEXT_DTYPE] * 6


def test_round_trip_of_loaded_frame_is_identical(ws: Workspace) -> None:
    first = ws.save_dataset("a", source_name="a.csv", projects=_projects(), partners=_partners())
    projects, partners = ws.load_dataset(first)

    second = ws.save_dataset("b", source_name="b.csv", projects=projects, partners=partners)

    again_projects, again_partners = ws.load_dataset(second)
    pd.testing.assert_frame_equal(again_projects, projects)
    pd.testing.assert_frame_equal(again_partners, partners)


def test_non_text_values_are_stored_as_text_and_index_is_dropped(ws: Workspace) -> None:
    projects = pd.DataFrame(
        {"project_id": ["P9"], "year": [2021], "subsidy_eur": [1500.5]}, index=[42]
    )
    empty_partners = pd.DataFrame(columns=["project_id", "organisation"])

    dataset_id = ws.save_dataset(
        "x", source_name="x.csv", projects=projects, partners=empty_partners
    )

    loaded_projects, loaded_partners = ws.load_dataset(dataset_id)
    pd.testing.assert_frame_equal(
        loaded_projects,
        _expected([["P9", "2021", "1500.5"]], ["project_id", "year", "subsidy_eur"]),
    )
    pd.testing.assert_frame_equal(loaded_partners, _expected([], ["project_id", "organisation"]))
    assert loaded_partners.shape == (0, 2)


def test_list_datasets_newest_first_with_counts(ws: Workspace) -> None:
    empty = ws.list_datasets()
    assert list(empty.columns) == [
        "id",
        "name",
        "source_name",
        "created_at",
        "projects",
        "partners",
    ]
    assert len(empty) == 0

    first = ws.save_dataset(
        "eerste", source_name="a.csv", projects=_projects(), partners=_partners()
    )
    second = ws.save_dataset(
        "tweede", source_name="b.xlsx", projects=_projects().head(1), partners=_partners().head(2)
    )
    third = ws.save_dataset(
        "eerste", source_name="c.csv", projects=_projects().head(2), partners=_partners().head(0)
    )

    listing = ws.list_datasets()
    assert listing["id"].tolist() == [third, second, first]
    assert listing["name"].tolist() == ["eerste", "tweede", "eerste"]
    assert listing["source_name"].tolist() == ["c.csv", "b.xlsx", "a.csv"]
    assert listing["projects"].tolist() == [2, 1, 3]
    assert listing["partners"].tolist() == [0, 2, 3]
    assert str(listing["id"].dtype) == "int64"
    for created_at in listing["created_at"]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", created_at)


def test_delete_dataset_removes_it_and_its_tables(ws: Workspace, db_path: Path) -> None:
    keep = ws.save_dataset("keep", source_name="k.csv", projects=_projects(), partners=_partners())
    gone = ws.save_dataset("gone", source_name="g.csv", projects=_projects(), partners=_partners())

    ws.delete_dataset(gone)
    ws.delete_dataset(gone)  # deleting twice is harmless

    assert ws.list_datasets()["id"].tolist() == [keep]
    with pytest.raises(WorkspaceError, match=f"`dataset_id` was {gone} but .* no dataset"):
        ws.load_dataset(gone)
    # The payload rows went too: foreign keys are on, so the delete cascaded.
    with sqlite3.connect(db_path) as conn:
        kinds = conn.execute("SELECT dataset_id, kind FROM dataset_tables ORDER BY kind").fetchall()
    assert kinds == [(keep, "partners"), (keep, "projects")]


def test_load_unknown_dataset_is_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="`dataset_id` was 7 but"):
        ws.load_dataset(7)


def test_bad_dataset_arguments_are_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="`name` was '  ' but must be non-empty text"):
        ws.save_dataset("  ", source_name="a.csv", projects=_projects(), partners=_partners())
    with pytest.raises(InputError, match="`partners` was a list but must be a DataFrame"):
        ws.save_dataset("a", source_name="a.csv", projects=_projects(), partners=[])  # type: ignore[arg-type]
    assert len(ws.list_datasets()) == 0


# ----------------------------------------------------------------------------- fixes


def test_fix_key_normalises_case_and_whitespace_but_keeps_accents() -> None:
    assert fix_key("  Sint-Martens-Latem ", " 9830 ") == ("sint-martens-latem", "9830")
    assert fix_key("Gent\t  CENTRUM\n", None) == ("gent centrum", "")
    assert fix_key("Gent", "") == ("gent", "")
    assert fix_key("Liège", None) == ("liège", "")
    assert fix_key("Liège", None) != fix_key("Liege", None)
    # A decomposed accent (e + combining acute) is the same text as the composed one.
    assert fix_key("Lie\u0301ge", None) == fix_key("Liége", None)
    with pytest.raises(InputError, match="`postcode` was 9000 but must be text or None"):
        fix_key("Gent", 9000)  # type: ignore[arg-type]


def test_save_fix_upserts_and_lookup_uses_normalised_key(ws: Workspace) -> None:
    ws.save_fix("Gent centrum", "9000", "44083")
    ws.save_fix("Sint-Amands", None, "12034", note="deelgemeente")
    ws.save_fix("  GENT   Centrum ", " 9000", "44021", note="vaste fout in ronde 2021")

    fixes = ws.fixes()
    assert list(fixes.columns) == [
        "place",
        "postcode",
        "nis",
        "note",
        "created_at",
        "place_key",
        "postcode_key",
    ]
    assert fixes[["place", "nis", "note", "place_key", "postcode_key"]].to_dict("records") == [
        {
            "place": "  GENT   Centrum ",
            "nis": "44021",
            "note": "vaste fout in ronde 2021",
            "place_key": "gent centrum",
            "postcode_key": "9000",
        },
        {
            "place": "Sint-Amands",
            "nis": "12034",
            "note": "deelgemeente",
            "place_key": "sint-amands",
            "postcode_key": "",
        },
    ]
    assert fixes.loc[0, "postcode"] == "9000"
    assert fixes["postcode"].isna().tolist() == [False, True]
    assert ws.fix_lookup() == {("gent centrum", "9000"): "44021", ("sint-amands", ""): "12034"}
    assert ws.fix_lookup()[fix_key("gent Centrum", "9000")] == "44021"
    assert fix_key("Gent centrum", None) not in ws.fix_lookup()


def test_delete_fix_uses_the_key(ws: Workspace) -> None:
    ws.save_fix("Gent centrum", "9000", "44021")
    ws.save_fix("Gent centrum", None, "44021")

    ws.delete_fix("GENT  centrum ", "9000")
    ws.delete_fix("Nergens", None)  # unknown fix: nothing happens

    assert ws.fix_lookup() == {("gent centrum", ""): "44021"}


@pytest.mark.parametrize("nis", ["4402", "440211", "4402a", "", "44 21", 44021, None])
def test_bad_nis_is_refused(ws: Workspace, nis: object) -> None:
    with pytest.raises(InputError, match=r"`nis` was .* but must be a 5-digit NIS code"):
        ws.save_fix("Gent", "9000", nis)  # type: ignore[arg-type]
    assert ws.fix_lookup() == {}


def test_fix_needs_a_place_or_postcode(ws: Workspace) -> None:
    with pytest.raises(InputError, match="`place` and `postcode` were both empty"):
        ws.save_fix("  ", None, "44021")
    ws.save_fix("", "9999", "44021")
    assert ws.fix_lookup() == {("", "9999"): "44021"}


# ----------------------------------------------------------------------------- the file


def test_data_survives_reopening(
    ws: Workspace, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset_id = ws.save_dataset(
        "r", source_name="r.csv", projects=_projects(), partners=_partners()
    )
    ws.save_fix("Gent centrum", "9000", "44021")
    ws.close()

    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(db_path))
    with Workspace.open() as reopened:
        projects, partners = reopened.load_dataset(dataset_id)
        assert reopened.fix_lookup() == {("gent centrum", "9000"): "44021"}
        assert reopened.list_datasets()["id"].tolist() == [dataset_id]
    pd.testing.assert_frame_equal(projects, Workspace(db_path).load_dataset(dataset_id)[0])
    assert projects.loc[0, "title"] == TRICKY[0]
    assert partners.loc[1, "organisation"] == '=HYPERLINK("x")'
    with pytest.raises(WorkspaceError, match="was closed"):
        reopened.list_datasets()


def test_open_creates_parent_folders_wal_and_version(db_path: Path) -> None:
    Workspace.open(Settings(workspace_path=db_path))

    assert db_path.is_file()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
    assert tables == [("dataset_tables",), ("datasets",), ("location_fixes",)]


def test_migrations_run_once_and_in_order(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def first(conn: sqlite3.Connection) -> None:
        calls.append(1)
        store._migration_1(conn)

    def second(conn: sqlite3.Connection) -> None:
        calls.append(2)
        # Needs the tables of migration 1, so it also proves the order.
        conn.execute("ALTER TABLE location_fixes ADD COLUMN author TEXT")

    # A workspace written by the version-1 code, with data in it.
    monkeypatch.setattr(store, "_MIGRATIONS", [first])
    Workspace(db_path).save_fix("Gent", "9000", "44021")
    assert calls == [1]

    # The code learns migration 2: opening upgrades the file once.
    monkeypatch.setattr(store, "_MIGRATIONS", [first, second])
    upgraded = Workspace(db_path)
    Workspace(db_path)
    assert calls == [1, 2]
    assert upgraded.fix_lookup() == {("gent", "9000"): "44021"}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(location_fixes)")]
    assert columns[-1] == "author"

    # A fresh file runs both, in order.
    calls.clear()
    Workspace(db_path.with_name("fresh.sqlite"))
    assert calls == [1, 2]


def test_failed_migration_leaves_the_file_at_its_old_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Workspace(db_path).save_fix("Gent", "9000", "44021")

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE location_fixes ADD COLUMN author TEXT")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(store, "_MIGRATIONS", [store._migration_1, broken])
    with pytest.raises(RuntimeError, match="migration bug"):
        Workspace(db_path)

    monkeypatch.setattr(store, "_MIGRATIONS", [store._migration_1])
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(location_fixes)")]
    assert "author" not in columns
    assert Workspace(db_path).fix_lookup() == {("gent", "9000"): "44021"}


def test_newer_schema_version_is_refused_and_not_touched(db_path: Path) -> None:
    Workspace(db_path).save_fix("Gent", "9000", "44021")
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA user_version = 99")
    before = db_path.read_bytes()

    with pytest.raises(WorkspaceError) as info:
        Workspace(db_path)

    message = str(info.value)
    assert str(db_path) in message
    assert "schema version 99, newer than this version of optil-geo understands (1)" in message
    assert db_path.read_bytes() == before


def test_locked_database_names_the_file_and_keeps_data(db_path: Path) -> None:
    ws = Workspace(db_path, timeout=0.2)
    dataset_id = ws.save_dataset(
        "vóór", source_name="a.csv", projects=_projects(), partners=_partners()
    )
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        started = time.perf_counter()
        with pytest.raises(WorkspaceError) as info:
            ws.save_dataset("na", source_name="b.csv", projects=_projects(), partners=_partners())
        waited = time.perf_counter() - started
        with pytest.raises(WorkspaceError, match="another program or browser tab is writing"):
            ws.save_fix("Gent", "9000", "44021")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert str(info.value) == (
        f"the workspace database {str(db_path)!r} is locked: another program or browser tab"
        " is writing to it. Wait a moment and try again, or close the other program."
    )
    assert waited >= 0.2  # it did wait for the busy timeout before giving up
    assert ws.list_datasets()["name"].tolist() == ["vóór"]
    pd.testing.assert_frame_equal(
        ws.load_dataset(dataset_id)[1], Workspace(db_path).load_dataset(dataset_id)[1]
    )
    assert ws.fix_lookup() == {}


def test_random_bytes_are_refused_and_left_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = random.Random(7).randbytes(8192)
    db_path.write_bytes(garbage)

    with pytest.raises(WorkspaceError) as info:
        Workspace(db_path)

    message = str(info.value)
    assert str(db_path) in message
    assert "is damaged or not an optil-geo workspace" in message
    assert "Move the file aside" in message
    assert db_path.read_bytes() == garbage


def test_truncated_database_is_refused_and_left_untouched(db_path: Path) -> None:
    ws = Workspace(db_path)
    big = pd.DataFrame({"project_id": [f"P{i}" for i in range(2000)], "title": ["x" * 200] * 2000})
    ws.save_dataset("groot", source_name="g.csv", projects=big, partners=_partners())
    whole = db_path.read_bytes()
    truncated = whole[: len(whole) // 2]
    db_path.write_bytes(truncated)

    with pytest.raises(WorkspaceError, match="Move the file aside") as info:
        Workspace(db_path)

    assert str(db_path) in str(info.value)
    assert db_path.read_bytes() == truncated


def test_sqlite_file_of_another_program_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    before = db_path.read_bytes()

    with pytest.raises(WorkspaceError, match="not an optil-geo workspace"):
        Workspace(db_path)
    assert db_path.read_bytes() == before


def test_failed_write_rolls_back_and_keeps_earlier_data(ws: Workspace, db_path: Path) -> None:
    kept = ws.save_dataset("kept", source_name="k.csv", projects=_projects(), partners=_partners())
    # Make the second insert of the transaction fail, after the dataset row was written.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "CREATE TRIGGER fail_partners BEFORE INSERT ON dataset_tables"
            " WHEN NEW.kind = 'partners' AND NEW.dataset_id <> "
            + str(kept)
            + " BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    conn.close()

    with pytest.raises(WorkspaceError, match="could not be used: disk says no"):
        ws.save_dataset("lost", source_name="l.csv", projects=_projects(), partners=_partners())

    assert ws.list_datasets()["name"].tolist() == ["kept"]
    with sqlite3.connect(db_path) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM datasets), (SELECT count(*) FROM dataset_tables)"
        ).fetchone()
    conn.close()
    assert counts == (1, 2)
    projects, _ = ws.load_dataset(kept)
    assert projects["project_id"].tolist() == ["P1", "P2", "P3"]


def test_python_error_inside_a_transaction_rolls_back(ws: Workspace) -> None:
    ws.save_fix("Gent", "9000", "44021")

    with (
        pytest.raises(RuntimeError, match="crash"),
        ws._connection() as conn,
        store._transaction(conn),
    ):
        conn.execute("DELETE FROM location_fixes")
        raise RuntimeError("crash")

    assert ws.fix_lookup() == {("gent", "9000"): "44021"}


def test_reading_works_while_another_program_writes(db_path: Path) -> None:
    dataset_id = Workspace(db_path).save_dataset(
        "a", source_name="a.csv", projects=_projects(), partners=_partners()
    )
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        # An up-to-date workspace opens without asking for the write lock (WAL readers).
        ws = Workspace(db_path, timeout=0.2)
        assert ws.list_datasets()["id"].tolist() == [dataset_id]
        assert ws.load_dataset(dataset_id)[0]["project_id"].tolist() == ["P1", "P2", "P3"]
    finally:
        other.execute("ROLLBACK")
        other.close()
