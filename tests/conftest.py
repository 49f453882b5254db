"""Shared fixtures: isolated cache/workspace folders, no network, the reference geography."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


def xlsx_members(path: Path) -> dict[str, bytes]:
    """Return the members of an XLSX archive by name, for comparing two workbooks.

    Not the archive's bytes: zlib builds may compress the same bytes differently.
    Without ``docProps/app.xml``: it names the openpyxl version that wrote the file.
    """
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        return {
            name: archive.read(name) for name in archive.namelist() if name != "docProps/app.xml"
        }


# Tests never download anything and never touch the user's folders. One cache per
# test session keeps the reference build to a single run.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="optil-geo-tests-"))
os.environ.setdefault("OPTIL_GEO_CACHE_DIR", str(_SESSION_DIR / "cache"))
os.environ["OPTIL_GEO_ALLOW_DOWNLOAD"] = "0"
os.environ["OPTIL_GEO_WORKSPACE"] = str(_SESSION_DIR / "workspace.sqlite")
os.environ.pop("OPTIL_GEO_REFERENCE_MIRROR", None)


@pytest.fixture(scope="session")
def ref():  # type: ignore[no-untyped-def]
    """The reference geography (built once per test session)."""
    from optil_geo.reference import load_reference

    return load_reference()


@pytest.fixture(scope="session")
def nis_of(ref):  # type: ignore[no-untyped-def]
    """Map an official Dutch 2025 municipality name to its NIS code."""
    table = dict(zip(ref.municipalities["name_nl"], ref.municipalities["nis"], strict=True))

    def lookup(name: str) -> str:
        return table[name]

    return lookup
