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
        "label",
        "owner",
        "published",
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
    with pytest.raises(WorkspaceError, match=f"`dataset_id` was {gone} but .* was deleted") as err:
        ws.load_dataset(gone)
    assert err.value.code == "gone"
    assert ws.dataset_access(gone) == "gone"
    # The payload rows went; the dataset's row stays, marked, so an old address can
    # say "deleted".
    with sqlite3.connect(db_path) as conn:
        kinds = conn.execute("SELECT dataset_id, kind FROM dataset_tables ORDER BY kind").fetchall()
        marked = conn.execute("SELECT id FROM datasets WHERE deleted_at IS NOT NULL").fetchall()
    assert kinds == [(keep, "partners"), (keep, "projects")]
    assert marked == [(gone,)]


def test_load_unknown_dataset_is_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"`dataset_id` was 7 but .* no dataset") as err:
        ws.load_dataset(7)
    assert err.value.code == "missing"
    assert ws.dataset_access(7) == "missing"


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
        "owner",
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
        assert conn.execute("PRAGMA user_version").fetchone() == (len(store._MIGRATIONS),)
        tables = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
    assert ("audit",) in tables
    assert {("dataset_tables",), ("datasets",), ("location_fixes",)} <= set(tables)


def test_migrations_run_once_and_in_order(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = list(store._MIGRATIONS)

    def first(conn: sqlite3.Connection) -> None:
        calls.append(1)
        for migration in real:  # today's schema, as one step
            migration(conn)

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

    real = list(store._MIGRATIONS)
    monkeypatch.setattr(store, "_MIGRATIONS", [*real, broken])
    with pytest.raises(RuntimeError, match="migration bug"):
        Workspace(db_path)

    monkeypatch.setattr(store, "_MIGRATIONS", real)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (len(real),)
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
    known = len(store._MIGRATIONS)
    assert (
        f"schema version 99, newer than this version of optil-geo understands ({known})" in message
    )
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


# ------------------------------------------------------------------ owners and publishing

ANN, BOB = "ann@example.org", "bob@example.org"


def _save(ws: Workspace, name: str, owner: str = store.NETWORK) -> int:
    return ws.save_dataset(
        name, source_name=f"{name}.csv", projects=_projects(), partners=_partners(), owner=owner
    )


def test_unpublished_dataset_is_seen_by_its_owner_and_editors_only(ws: Workspace) -> None:
    ann = _save(ws, "van ann", ANN)
    bob = _save(ws, "van bob", BOB)

    assert ws.list_datasets(viewer=ANN, editor=False)["id"].tolist() == [ann]
    assert ws.list_datasets(viewer=BOB, editor=False)["id"].tolist() == [bob]
    assert ws.list_datasets(viewer=BOB, editor=True)["id"].tolist() == [bob, ann]
    assert ws.list_datasets(viewer=ANN, editor=False)["owner"].tolist() == [ANN]
    assert ws.dataset_access(ann, viewer=BOB, editor=False) == "forbidden"
    with pytest.raises(WorkspaceError, match="only its owner or an editor") as err:
        ws.load_dataset(ann, viewer=BOB, editor=False)
    assert err.value.code == "forbidden"
    projects, _ = ws.load_dataset(ann, viewer=ANN, editor=False)
    assert projects["project_id"].tolist() == ["P1", "P2", "P3"]


def test_published_dataset_is_seen_by_everyone_but_changed_by_its_owner_only(
    ws: Workspace,
) -> None:
    ann = _save(ws, "van ann", ANN)

    with pytest.raises(WorkspaceError) as err:
        ws.publish_dataset(ann, actor=BOB, editor=False)
    assert err.value.code == "forbidden"
    ws.publish_dataset(ann, actor=ANN, editor=False)

    listing = ws.list_datasets(viewer=BOB, editor=False)
    assert listing["id"].tolist() == [ann]
    assert listing["published"].tolist() == [True]
    assert ws.dataset_access(ann, viewer=BOB, editor=False) == "ok"
    for forbidden in (
        lambda: ws.delete_dataset(ann, actor=BOB, editor=False),
        lambda: ws.publish_dataset(ann, published=False, actor=BOB, editor=False),
    ):
        with pytest.raises(WorkspaceError) as err:
            forbidden()
        assert err.value.code == "forbidden"
    assert ws.dataset_access(ann, viewer=BOB, editor=False) == "ok"

    # An editor may take it back and delete it.
    ws.publish_dataset(ann, published=False, actor="editor", editor=True)
    assert ws.list_datasets(viewer=BOB, editor=False).empty
    ws.delete_dataset(ann, actor="editor", editor=True)
    assert ws.dataset_access(ann, viewer=ANN, editor=False) == "gone"
    assert ws.list_datasets().empty


def test_labels_are_unique_and_stable(ws: Workspace, db_path: Path) -> None:
    first, second, third = (_save(ws, "ronde") for _ in range(3))
    other = _save(ws, "andere")
    # Same name, same day; two of them in the same minute.
    with sqlite3.connect(db_path) as conn:
        for dataset_id, stamp in (
            (first, "2026-03-01T09:15:00+00:00"),
            (second, "2026-03-01T10:30:05+00:00"),
            (third, "2026-03-01T10:30:40+00:00"),
            (other, "2026-03-01T10:30:40+00:00"),
        ):
            conn.execute("UPDATE datasets SET created_at = ? WHERE id = ?", (stamp, dataset_id))

    labels = dict(zip(*ws.list_datasets()[["id", "label"]].T.to_numpy(), strict=True))

    assert labels == {
        other: "andere (2026-03-01)",
        third: "ronde (2026-03-01 10:30) #2",
        second: "ronde (2026-03-01 10:30) #1",
        first: "ronde (2026-03-01 09:15)",
    }
    # A later import does not change the labels of the earlier ones.
    _save(ws, "ronde")
    later = dict(zip(*ws.list_datasets()[["id", "label"]].T.to_numpy(), strict=True))
    assert {k: later[k] for k in labels} == labels


def test_fixes_of_a_user_apply_for_that_user_only(ws: Workspace) -> None:
    ws.save_fix("Xyzzy", None, "44021")  # the network's
    ws.save_fix("Xyzzy", None, "11002", owner=ANN)
    ws.save_fix("Plugh", "9000", "44021", owner=ANN)

    assert ws.fix_lookup() == {("xyzzy", ""): "44021"}
    assert ws.fix_lookup(user=BOB) == {("xyzzy", ""): "44021"}
    assert ws.fix_lookup(user=ANN) == {("xyzzy", ""): "11002", ("plugh", "9000"): "44021"}
    assert ws.fixes(user=ANN)["owner"].tolist() == [ANN, store.NETWORK, ANN]
    assert ws.fixes()["owner"].tolist() == [store.NETWORK]

    ws.delete_fix("Xyzzy", None, owner=BOB)  # not Bob's: nothing happens
    assert ws.fix_lookup(user=ANN)[("xyzzy", "")] == "11002"
    ws.delete_fix("Xyzzy", None, owner=ANN)
    assert ws.fix_lookup(user=ANN) == {("xyzzy", ""): "44021", ("plugh", "9000"): "44021"}


def test_audit_log_records_who_did_what(ws: Workspace) -> None:
    ann = _save(ws, "van ann", ANN)
    ws.publish_dataset(ann, actor=ANN, editor=False)
    ws.save_fix("Xyzzy", "9000", "44021", owner=ANN)
    ws.delete_fix("Xyzzy", "9000", owner=ANN)
    ws.publish_dataset(ann, published=False, actor="redactie", editor=True)
    ws.delete_dataset(ann, actor="redactie", editor=True)

    log = ws.audit_log()
    assert list(log.columns) == ["at", "actor", "action", "dataset_id", "subject", "detail"]
    rows = log[["actor", "action", "dataset_id", "subject"]].astype(object).to_numpy().tolist()
    assert rows == [
        ["redactie", "delete", ann, "van ann"],
        ["redactie", "unpublish", ann, "van ann"],
        [ANN, "unfix", pd.NA, "Xyzzy 9000"],
        [ANN, "fix", pd.NA, "Xyzzy 9000"],
        [ANN, "publish", ann, "van ann"],
        [ANN, "import", ann, "van ann"],
    ]
    assert log["detail"].tolist()[-1] == "van ann.csv"
    assert ws.audit_log(limit=2)["action"].tolist() == ["delete", "unpublish"]


def test_version_1_workspace_becomes_the_networks(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_MIGRATIONS", [store._migration_1])
    Workspace(db_path)
    monkeypatch.undo()
    payload = store._encode_table(_projects(), "projects")
    with sqlite3.connect(db_path) as conn:  # what the version-1 code wrote
        kept = conn.execute(
            "INSERT INTO datasets (name, source_name, created_at, n_projects, n_partners)"
            " VALUES ('oud', 'o.csv', '2025-01-01T00:00:00+00:00', 3, 3)"
        ).lastrowid
        conn.executemany(
            "INSERT INTO dataset_tables VALUES (?, ?, ?)",
            [(kept, "projects", payload), (kept, "partners", payload)],
        )
        conn.execute(
            "INSERT INTO location_fixes VALUES ('gent', '9000', 'Gent', '9000', '44021', NULL,"
            " '2025-01-01T00:00:00+00:00')"
        )

    ws = Workspace(db_path)

    listing = ws.list_datasets()
    assert listing[["id", "owner", "published"]].to_numpy().tolist() == [
        [kept, store.NETWORK, False]
    ]
    assert ws.list_datasets(viewer=ANN, editor=False).empty
    assert ws.fix_lookup(user=ANN) == {("gent", "9000"): "44021"}
    pd.testing.assert_frame_equal(ws.load_dataset(kept)[0], _expected_projects())


def test_mappings_and_places_of_a_user_apply_for_that_user_only(ws: Workspace) -> None:
    ws.save_column_mapping("k1", {"organisation": "Partner"})  # the network's
    ws.save_column_mapping("k1", {"organisation": "Wie"}, owner=ANN)
    ws.save_column_mapping("k2", {"municipality": "Waar"}, owner=ANN)
    ws.remember_places({"vooruit": "44021", "cc": "41002"})  # the network's
    ws.remember_places({"vooruit": "11002", "bib x": "71022"}, owner=ANN)

    # Ann's own win for Ann; Bob and the network never see Ann's.
    assert ws.column_mapping("k1", user=ANN) == {"organisation": "Wie"}
    assert ws.column_mapping("k2", user=ANN) == {"municipality": "Waar"}
    for user in (BOB, None):
        assert ws.column_mapping("k1", user=user) == {"organisation": "Partner"}
        assert ws.column_mapping("k2", user=user) is None
        assert ws.remembered_places(user=user) == {"vooruit": "44021", "cc": "41002"}
    assert ws.remembered_places(user=ANN) == {
        "vooruit": "11002",
        "cc": "41002",
        "bib x": "71022",
    }
    # The newest of one owner wins; another owner's stays as it was.
    ws.remember_places({"vooruit": "12002"}, owner=ANN)
    assert ws.remembered_places(user=ANN)["vooruit"] == "12002"
    assert ws.remembered_places(user=BOB)["vooruit"] == "44021"
    counts = ws.counts()
    assert (counts["column_mappings"], counts["remembered_places"], counts["owners"]) == (3, 4, 2)


def test_publishing_a_dataset_shares_its_mapping_and_places_until_withdrawn(
    ws: Workspace,
) -> None:
    ann = _save(ws, "van ann", ANN)
    ws.save_column_mapping("k1", {"organisation": "Wie"}, owner=ANN, dataset_id=ann)
    ws.remember_places({"vooruit": "11002"}, owner=ANN, dataset_id=ann)
    assert ws.column_mapping("k1", user=BOB) is None
    assert ws.remembered_places(user=BOB) == {}

    ws.publish_dataset(ann, actor=ANN, editor=False)
    assert ws.column_mapping("k1", user=BOB) == {"organisation": "Wie"}
    assert ws.column_mapping("k1") == {"organisation": "Wie"}
    assert ws.remembered_places(user=BOB) == {"vooruit": "11002"}
    # Bob's own still win for Bob.
    ws.remember_places({"vooruit": "44021"}, owner=BOB)
    assert ws.remembered_places(user=BOB) == {"vooruit": "44021"}

    ws.publish_dataset(ann, published=False, actor=ANN, editor=False)
    assert ws.column_mapping("k1", user=BOB) is None
    assert ws.remembered_places() == {}
    ws.publish_dataset(ann, actor=ANN, editor=False)
    ws.delete_dataset(ann, actor=ANN, editor=False)
    assert ws.remembered_places() == {}
    # What Ann's import taught stays hers after the deletion.
    assert ws.remembered_places(user=ANN) == {"vooruit": "11002"}
    assert ws.column_mapping("k1", user=ANN) == {"organisation": "Wie"}


def test_mappings_and_places_attach_only_to_the_owners_dataset(ws: Workspace) -> None:
    bobs = _save(ws, "van bob", BOB)
    with pytest.raises(WorkspaceError) as info:
        ws.remember_places({"vooruit": "11002"}, owner=ANN, dataset_id=bobs)
    assert info.value.code == "forbidden"
    with pytest.raises(WorkspaceError) as info:
        ws.save_column_mapping("k1", {"organisation": "Wie"}, owner=ANN, dataset_id=bobs + 1)
    assert info.value.code == "missing"
    # An editor (who saves for the network) may attach to anyone's dataset.
    ws.remember_places({"vooruit": "11002"}, dataset_id=bobs)
    assert ws.remembered_places() == {"vooruit": "11002"}
    assert ws.remembered_places(user=ANN) == {"vooruit": "11002"}
    with pytest.raises(InputError, match="five-digit NIS"):
        ws.remember_places({"vooruit": "1100"}, owner=ANN)


def test_mappings_and_places_are_in_the_audit_log(ws: Workspace) -> None:
    ann = _save(ws, "van ann", ANN)
    ws.save_column_mapping(
        "k1",
        {"organisation": "Wie", "municipality": "Waar"},
        owner=ANN,
        dataset_id=ann,
        source_name="van ann.csv",
    )
    ws.remember_places({"vooruit": "11002", "cc": "41002"}, owner=ANN, dataset_id=ann)
    ws.remember_places({}, owner=ANN)  # nothing learnt: nothing recorded

    log = ws.audit_log()
    rows = log[["actor", "action", "dataset_id", "detail"]].astype(object).to_numpy().tolist()
    assert rows[:2] == [
        [ANN, "remember", ann, "2"],
        [ANN, "map", ann, '{"municipality": "Waar", "organisation": "Wie"}'],
    ]
    assert log["subject"].tolist()[1] == "van ann.csv"
    assert len(log) == 3


def _old_mapping_tables(conn: sqlite3.Connection) -> None:
    """The tables of mappings and places as the schema-2 code created them on first use."""
    conn.execute(
        "CREATE TABLE column_mappings (header_key TEXT PRIMARY KEY, mapping TEXT NOT NULL,"
        " updated_at TEXT NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE remembered_places (organisation_key TEXT PRIMARY KEY,"
        " nis TEXT NOT NULL CHECK (length(nis) = 5), updated_at TEXT NOT NULL)"
    )
    conn.execute(
        """INSERT INTO column_mappings VALUES ('k1', '{"organisation": "Partner"}',"""
        " '2025-01-01T00:00:00+00:00')"
    )
    conn.executemany(
        "INSERT INTO remembered_places VALUES (?, ?, '2025-01-01T00:00:00+00:00')",
        [("vooruit", "44021"), ("cc", "41002")],
    )


@pytest.mark.parametrize("with_tables", [True, False])
def test_version_2_workspace_keeps_its_mappings_and_places_and_a_copy(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, with_tables: bool
) -> None:
    monkeypatch.setattr(store, "_MIGRATIONS", store._MIGRATIONS[:2])
    old = Workspace(db_path)
    kept = _save(old, "oud", ANN)
    old.save_fix("Gent", "9000", "44021", owner=ANN)
    if with_tables:
        with sqlite3.connect(db_path) as conn:
            _old_mapping_tables(conn)
    monkeypatch.undo()

    ws = Workspace(db_path)

    assert ws.counts()["schema_version"] == 3
    expected_places = {"vooruit": "44021", "cc": "41002"} if with_tables else {}
    # What the schema-2 code remembered was the laptop's or an editor's: the network's.
    for user in (None, BOB):
        assert ws.remembered_places(user=user) == expected_places
        assert ws.column_mapping("k1", user=user) == (
            {"organisation": "Partner"} if with_tables else None
        )
    assert ws.list_datasets()["id"].tolist() == [kept]
    assert ws.fix_lookup(user=ANN) == {("gent", "9000"): "44021"}
    # The file as it was is kept beside it, for an older optil-geo.
    (aside,) = db_path.parent.glob("workspace.sqlite.schema-2-*")
    assert re.fullmatch(r"workspace\.sqlite\.schema-2-\d{8}T\d{6}Z", aside.name)
    assert _integrity(aside) == [("ok",)]
    with sqlite3.connect(aside) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
        assert conn.execute("SELECT name FROM datasets").fetchall() == [("oud",)]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert ("remembered_places" in tables) is with_tables
    # Opened again: nothing to migrate, no second copy.
    Workspace(db_path)
    assert len(list(db_path.parent.glob("workspace.sqlite.schema-*"))) == 1
    # A new workspace has nothing to keep.
    Workspace(db_path.with_name("new.sqlite"))
    assert not list(db_path.parent.glob("new.sqlite.schema-*"))


def test_a_migration_that_cannot_keep_a_copy_changes_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "_MIGRATIONS", store._MIGRATIONS[:2])
    _save(Workspace(db_path), "oud", ANN)
    monkeypatch.undo()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_copy_database", fail)
    with pytest.raises(WorkspaceError, match="could not be written first") as info:
        Workspace(db_path)
    assert "The file was not changed" in str(info.value)
    monkeypatch.undo()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    assert not list(db_path.parent.glob("*.partial"))


# ------------------------------------------------------------------ backup and restore


def _integrity(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def test_backup_while_a_writer_writes_is_complete_and_consistent(
    ws: Workspace, db_path: Path, tmp_path: Path
) -> None:
    import threading

    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        own = Workspace(db_path)
        n = 0
        while not stop.is_set():
            n += 1
            projects = _projects().assign(title=f"titel {n}")
            written.append(
                own.save_dataset(
                    f"d{n}", source_name="w.csv", projects=projects, partners=_partners()
                )
            )
            own.save_fix(f"plaats {n}", None, "44021", owner=ANN)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(written) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = len(written)
        target = ws.backup(tmp_path / "backups" / "ws-backup.sqlite")
        after = len(written)
        time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert before >= 20
    assert len(written) > after  # the writer kept writing during and after the backup

    assert _integrity(target) == [("ok",)]
    with sqlite3.connect(target) as conn:  # one file, no write-ahead log beside it
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy = Workspace(target)
    ids = sorted(copy.list_datasets()["id"].tolist())
    # Everything committed before the backup began is in it; nothing half-written is.
    assert written[:before] == ids[:before]
    assert ids == written[: len(ids)]
    assert before <= len(ids) <= len(written)
    for dataset_id in ids:
        projects, partners = copy.load_dataset(dataset_id)
        name = copy.list_datasets().set_index("id").loc[dataset_id, "name"]
        assert projects["title"].tolist() == [f"titel {name[1:]}"] * 3
        pd.testing.assert_frame_equal(partners, ws.load_dataset(dataset_id)[1])
    # Each dataset's fix was written after it, in its own transaction.
    assert len(copy.fixes(user=ANN)) in {len(ids), len(ids) - 1}
    assert not (target.parent / f".{target.name}.partial").exists()


def test_backup_refuses_to_overwrite_unless_asked(ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "b.sqlite"
    target.write_bytes(b"something precious")
    with pytest.raises(WorkspaceError, match="which exists") as err:
        ws.backup(target)
    assert err.value.code == "exists"
    assert target.read_bytes() == b"something precious"
    with pytest.raises(WorkspaceError, match="the workspace itself"):
        ws.backup(ws.path)
    _save(ws, "a")
    ws.backup(target, overwrite=True)
    assert Workspace(target).list_datasets()["name"].tolist() == ["a"]


def test_restore_puts_the_backup_in_place_and_keeps_the_old_file_aside(
    ws: Workspace, db_path: Path, tmp_path: Path
) -> None:
    kept = _save(ws, "in de backup", ANN)
    ws.save_fix("Xyzzy", None, "44021")
    backup = ws.backup(tmp_path / "backup.sqlite")
    later = _save(ws, "na de backup")
    ws.delete_dataset(kept)

    restored, aside = Workspace.restore(db_path, backup)

    assert aside is not None and aside.parent == db_path.parent
    assert aside.name.startswith("workspace.sqlite.before-restore-")
    assert _integrity(db_path) == [("ok",)]
    assert restored.list_datasets()["id"].tolist() == [kept]
    assert restored.fix_lookup() == {("xyzzy", ""): "44021"}
    pd.testing.assert_frame_equal(restored.load_dataset(kept)[0], _expected_projects())
    # The same file, seen through the Workspace object the app already had open.
    assert ws.list_datasets()["id"].tolist() == [kept]
    old = Workspace(aside)
    assert old.list_datasets()["id"].tolist() == [later]
    assert old.dataset_access(kept) == "gone"


def _expected_projects() -> pd.DataFrame:
    return _projects().astype(TEXT_DTYPE)


def test_restore_refuses_a_newer_damaged_or_foreign_file_and_changes_nothing(
    ws: Workspace, db_path: Path, tmp_path: Path
) -> None:
    _save(ws, "blijft")
    newer = ws.backup(tmp_path / "newer.sqlite")
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = sorted(p.name for p in db_path.parent.iterdir())

    for source, code in ((newer, "newer"), (garbage, "damaged"), (foreign, "foreign")):
        with pytest.raises(WorkspaceError) as err:
            Workspace.restore(db_path, source)
        assert err.value.code == code, source
    with pytest.raises(WorkspaceError, match="not a file"):
        Workspace.restore(db_path, tmp_path / "nowhere.sqlite")

    assert "newer than this version" in _message(Workspace.restore, db_path, newer)
    assert sorted(p.name for p in db_path.parent.iterdir()) == before
    assert ws.list_datasets()["name"].tolist() == ["blijft"]


def _message(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkspaceError) as err:
        call(*args)
    return str(err.value)


# ------------------------------------------------------------------ change token


def test_change_token_stays_while_only_reading_and_moves_with_every_commit(
    ws: Workspace, db_path: Path, tmp_path: Path
) -> None:
    token = ws.change_token()
    ws.list_datasets()
    ws.fix_lookup()
    assert ws.change_token() == token
    # A write through the same object (its own short-lived connection) ...
    dataset = _save(ws, "eerste")
    after_save = ws.change_token()
    assert after_save != token
    assert ws.change_token() == after_save
    # ... through another Workspace object on the same file ...
    Workspace(db_path).save_fix("Xyzzy", None, "44021")
    after_fix = ws.change_token()
    assert after_fix not in (token, after_save)
    # ... and through another program's plain connection.
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("UPDATE datasets SET name = 'hernoemd' WHERE id = ?", (dataset,))
    finally:
        other.close()
    after_other = ws.change_token()
    assert after_other not in (token, after_save, after_fix)
    # A refused write commits nothing: the token stays.
    with pytest.raises(InputError):
        ws.save_fix("Xyzzy", None, "not a nis")
    assert ws.change_token() == after_other
    # A restore writes the backup into the same file.
    backup = ws.backup(tmp_path / "backup.sqlite")
    Workspace.restore(db_path, backup)
    assert ws.change_token() != after_other


def test_change_token_moves_when_the_file_is_replaced_or_missing(
    ws: Workspace, db_path: Path, tmp_path: Path
) -> None:
    _save(ws, "eerste")
    token = ws.change_token()
    copy = ws.backup(tmp_path / "copy.sqlite")
    copy.replace(db_path)  # another file, same contents
    assert ws.change_token() != token
    assert ws.list_datasets()["name"].tolist() == ["eerste"]
    # Tokens never repeat in a process, not even for another object on the same file.
    assert Workspace(db_path).change_token() != ws.change_token()
    db_path.unlink()
    assert ws.change_token() != ws.change_token()


def test_change_token_of_a_closed_workspace_is_refused(ws: Workspace) -> None:
    ws.change_token()
    ws.close()
    with pytest.raises(WorkspaceError, match="closed"):
        ws.change_token()
