"""Location fixes: the geography takes them as data; saving one is the import's job."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import optil_geo
from optil_geo._errors import InputError
from optil_geo.gazetteer import Gazetteer, fix_key
from optil_geo.partnerships.fixes import save_location_fix
from optil_geo.store import Workspace

DIEST = "24020"
PACKAGE_DIR = Path(optil_geo.__file__).parent

# Loads one module of the package without running the package's __init__ (which
# imports every module, the store included), then lists the package's loaded modules.
_LOADED_BY = """
import importlib, json, sys, types
package = types.ModuleType("optil_geo")
package.__path__ = [sys.argv[1]]
sys.modules["optil_geo"] = package
importlib.import_module(sys.argv[2])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("optil_geo."))))
"""


def loaded_by(module: str) -> list[str]:
    """Return the modules of optil_geo that importing ``module`` loads, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_BY, str(PACKAGE_DIR), module],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return list(json.loads(done.stdout))


def test_importing_the_gazetteer_does_not_import_the_store() -> None:
    loaded = loaded_by("optil_geo.gazetteer")
    assert "optil_geo.gazetteer" in loaded
    assert "optil_geo.store" not in loaded


def test_the_check_sees_the_store_where_it_is_imported() -> None:
    # The same check on a module that does use the workspace: it would catch the import.
    assert "optil_geo.store" in loaded_by("optil_geo.partnerships.fixes")


def test_fixes_passed_as_a_mapping_are_applied(ref) -> None:  # type: ignore[no-untyped-def]
    gazetteer = Gazetteer.for_reference(ref)
    triples = [("Deurne", None, None), ("  deurne ", "", None), ("Xyzzy", "1234", None)]
    without = gazetteer.resolve_many(triples)
    assert [m.status for m in without] == ["ambiguous", "ambiguous", "unresolved"]
    # A plain dict: no workspace anywhere. Keys are normalised text, as fix_key makes them.
    fixes = {("deurne", ""): DIEST, ("xyzzy", "1234"): "44021"}
    assert fix_key("  DEURNE ", None) == ("deurne", "")
    found = gazetteer.resolve_many(triples, fixes=fixes)
    assert [(m.status, m.nis, m.score) for m in found] == [
        ("manual", DIEST, 100),
        ("manual", DIEST, 100),
        ("manual", "44021", 100),
    ]
    assert found[0].municipality == "Diest"


def test_save_location_fix_checks_the_code(ref, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace(tmp_path / "ws.sqlite")
    save_location_fix(ws, "Xyzzy", None, " 44021 ", note="test", reference=ref)
    assert ws.fix_lookup() == {("xyzzy", ""): "44021"}
    with pytest.raises(InputError, match=r"^`nis` was '99999' but must be the NIS code of a"):
        save_location_fix(ws, "Gent", "9000", "99999", reference=ref)
    with pytest.raises(InputError, match=r"^`nis` was '11007' but"):
        save_location_fix(ws, "Gent", "9000", "11007", reference=ref)
    assert ws.fix_lookup() == {("xyzzy", ""): "44021"}
    assert optil_geo.save_location_fix is save_location_fix


def test_a_saved_fix_reaches_the_gazetteer_through_the_mapping(ref, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace(tmp_path / "ws.sqlite")
    optil_geo.save_location_fix(ws, " DEURNE", None, DIEST, reference=ref)
    match = Gazetteer.for_reference(ref).resolve_many(
        [("Deurne", None, None)], fixes=ws.fix_lookup()
    )[0]
    assert (match.status, match.nis) == ("manual", DIEST)


def test_a_fix_keeps_its_owner(ref, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace(tmp_path / "ws.sqlite")
    optil_geo.save_location_fix(ws, "Xyzzy", None, "44021", owner="an@example.org", reference=ref)
    optil_geo.save_location_fix(ws, "Gent centrum", None, "44021", reference=ref)
    assert ws.fix_lookup() == {("gent centrum", ""): "44021"}  # the network's only
    assert ws.fix_lookup(user="an@example.org") == {
        ("gent centrum", ""): "44021",
        ("xyzzy", ""): "44021",
    }
