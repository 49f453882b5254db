"""``optil-geo workspace info|backup|restore``: where the workspace is, and its backups."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import optil_geo as og
from optil_geo.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> og.Workspace:
    path = tmp_path / "data" / "workspace.sqlite"
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(path))
    ws = og.Workspace(path)
    table = pd.DataFrame({"project_id": ["P1"], "title": ["Één"]})
    ws.save_dataset("ronde 1", source_name="r1.csv", projects=table, partners=table)
    ws.save_fix("Xyzzy", None, "44021")
    return ws


def test_info_names_the_path_and_counts(
    workspace: og.Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--lang", "en", "workspace", "info")
    assert code == 0
    assert f"path: {workspace.path}" in out
    assert "datasets: 1" in out
    assert "location fixes: 1" in out
    code, out, _ = run(capsys, "workspace", "info")  # Dutch by default
    assert f"pad: {workspace.path}" in out
    assert "locatiecorrecties: 1" in out
    code, out, _ = run(capsys, "workspace", "info", "--json")  # for scripts: codes
    assert json.loads(out) == {"path": str(workspace.path), "exists": True, **workspace.counts()}


def test_info_of_a_workspace_not_made_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = tmp_path / "nieuw.sqlite"
    code, out, _ = run(capsys, "--lang", "en", "workspace", "--workspace", where, "info")
    assert code == 0
    assert "not created yet" in out
    assert not (tmp_path / "nieuw.sqlite").exists()


def test_backup_then_restore_round_trip(
    workspace: og.Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "backups" / "ws.sqlite"
    code, _, err = run(capsys, "workspace", "backup", backup)
    assert code == 0, err
    assert f"-> {backup}" in err
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    # A second backup to the same file needs --force.
    code, _, err = run(capsys, "workspace", "backup", backup)
    assert code == 2
    assert err.startswith("WorkspaceError: `target` was") and "exists" in err
    assert run(capsys, "workspace", "backup", backup, "--force")[0] == 0

    workspace.delete_dataset(int(workspace.list_datasets()["id"].iloc[0]))
    code, _, err = run(capsys, "workspace", "restore", backup)
    assert code == 0, err
    assert "de vorige werkruimte is bewaard als" in err
    assert workspace.list_datasets()["name"].tolist() == ["ronde 1"]
    aside = [p for p in workspace.path.parent.iterdir() if ".before-restore-" in p.name]
    assert len(aside) == 1
    assert og.Workspace(aside[0]).list_datasets().empty


def test_restore_refuses_a_newer_backup(
    workspace: og.Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = workspace.backup(tmp_path / "b.sqlite")
    with sqlite3.connect(backup) as conn:
        conn.execute("PRAGMA user_version = 42")
    code, _, err = run(capsys, "workspace", "restore", backup)
    assert code == 2
    assert "schema version 42, newer than this version" in err
    assert [p.name for p in workspace.path.parent.iterdir() if "before-restore" in p.name] == []


def test_backup_without_a_workspace_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = tmp_path / "none.sqlite"
    code, _, err = run(capsys, "--lang", "en", "workspace", "--workspace", where, "backup", "b")
    assert code == 2
    assert "there is no workspace at" in err
    code, _, err = run(capsys, "workspace", "--workspace", where, "backup", tmp_path / "b")
    assert "er is geen werkruimte op" in err
