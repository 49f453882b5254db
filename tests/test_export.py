"""Exports: Excel-friendly CSV/XLSX that round-trip, formulas neutralised, GIS layers."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from optil_geo import (
    GEO_FORMATS,
    InputError,
    municipal_layer,
    read_table,
    table_bytes,
    write_municipal_layer,
    write_table,
)
from optil_geo.export import TABLE_FORMATS

# Cells a spreadsheet could run, and what the export makes of them.
DANGEROUS = {
    "=1+1": "'=1+1",
    "+31 2 345 67 89": "'+31 2 345 67 89",
    "-x": "'-x",
    "@SUM(A1:A2)": "'@SUM(A1:A2)",
    "\t=cmd": "'\t=cmd",
    "\r=cmd": "'\r=cmd",
    '=HYPERLINK("http://x","klik")': '\'=HYPERLINK("http://x","klik")',
    "＝1+1": "'＝1+1",  # full-width equals sign, folded to '=' by some spreadsheets
}
# Cells that cannot run and stay exactly as they are.
HARMLESS = {
    "+31": "+31",  # a plain number: it cannot run anything
    "-12": "-12",
    "<img src=x onerror=alert(1)>": "<img src=x onerror=alert(1)>",
    "Gent": "Gent",
    "a = b": "a = b",
    "": "",
}


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "project_id": ["2021-1-01", "2021-1-02", "2022-1-01", "2022-1-02"],
            "organisation": ["CC Évergem", "Bib; Gent", 'Het "Huis"', "Café 🎭\nnieuwe lijn"],
            "partners": [3, 0, 12, 7],
            "mean_km": [12.5, math.nan, 0.25, 103.0],
            "has_local_cultural_actor": [True, False, True, False],
            "target_group_codes": [("seniors", "children"), (), ("families",), ("lgbtq",)],
        }
    )


def _formula_frame() -> pd.DataFrame:
    cells = [*DANGEROUS, *HARMLESS]
    return pd.DataFrame({"text": cells, "n": range(len(cells))})


def _expected_formula_cells() -> list[str]:
    return [*DANGEROUS.values(), *HARMLESS.values()]


def _read_csv(path: Path | io.BytesIO) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",", keep_default_na=False)


# =========================================================================== CSV


def test_csv_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "projecten.csv"
    write_table(_table(), path)
    back = pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",")
    assert back.columns.tolist() == _table().columns.tolist()
    assert back["project_id"].tolist() == _table()["project_id"].tolist()
    assert back["organisation"].tolist() == _table()["organisation"].tolist()
    assert back["partners"].tolist() == [3, 0, 12, 7]
    assert back["partners"].dtype == np.int64
    assert back["mean_km"].tolist()[:1] + back["mean_km"].tolist()[2:] == [12.5, 0.25, 103.0]
    assert math.isnan(back.at[1, "mean_km"])
    assert back["has_local_cultural_actor"].tolist() == [True, False, True, False]
    # Tuples are written as "a; b".
    assert back["target_group_codes"].fillna("").tolist() == [
        "seniors; children",
        "",
        "families",
        "lgbtq",
    ]


def test_csv_is_written_for_excel_in_belgium(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_table(_table(), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = raw[3:].decode("utf-8").split("\r\n")
    assert lines[0] == (
        "project_id;organisation;partners;mean_km;has_local_cultural_actor;target_group_codes"
    )
    # Decimal comma; a cell holding ';' is quoted.
    assert lines[1] == '2021-1-01;CC Évergem;3;12,5;True;"seniors; children"'
    assert lines[2] == '2021-1-02;"Bib; Gent";0;;False;'


def test_csv_formulas_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    write_table(_formula_frame(), path)
    back = _read_csv(path)
    assert back["text"].tolist() == _expected_formula_cells()
    assert back["n"].tolist() == list(range(len(back)))


def test_csv_read_back_by_optil_geo_drops_the_apostrophe(tmp_path: Path) -> None:
    # Our own reader recognises a cell we neutralised and returns what was meant.
    path = tmp_path / "f.csv"
    write_table(_formula_frame(), path)
    back = read_table(path).frame
    assert back["text"].tolist() == [*DANGEROUS, *HARMLESS]


def test_neutralised_header(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    write_table(pd.DataFrame({"=kolom": ["a"], "gewoon": ["b"]}), path)
    assert _read_csv(path).columns.tolist() == ["'=kolom", "gewoon"]


def test_write_table_does_not_change_the_frame(tmp_path: Path) -> None:
    frame = _formula_frame()
    before = frame.copy()
    write_table(frame, tmp_path / "f.csv")
    write_table(frame, tmp_path / "f.xlsx")
    pd.testing.assert_frame_equal(frame, before)


# =========================================================================== XLSX


def test_xlsx_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "projecten.xlsx"
    write_table(_table(), path, sheet="projecten")
    back = pd.read_excel(path, sheet_name="projecten", engine="calamine")
    assert back.columns.tolist() == _table().columns.tolist()
    assert back["project_id"].tolist() == _table()["project_id"].tolist()
    assert back["organisation"].tolist() == _table()["organisation"].tolist()
    assert back["partners"].tolist() == [3, 0, 12, 7]
    assert back.at[0, "mean_km"] == 12.5
    assert math.isnan(back.at[1, "mean_km"])
    assert back["has_local_cultural_actor"].tolist() == [True, False, True, False]
    assert back["target_group_codes"].fillna("").tolist() == [
        "seniors; children",
        "",
        "families",
        "lgbtq",
    ]


def test_xlsx_keeps_cell_types(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_table(_table(), path)
    ws = load_workbook(path, read_only=True)["data"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(_table().columns)
    assert rows[1][:5] == ("2021-1-01", "CC Évergem", 3, 12.5, True)
    assert rows[2][3] is None  # NaN is an empty cell
    assert len(rows) == 5


def test_xlsx_formulas_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    write_table(_formula_frame(), path)
    book = load_workbook(path)
    ws = book["data"]
    cells = [ws.cell(row=i, column=1) for i in range(2, ws.max_row + 1)]
    # Every text is an explicit string cell, shown as written (no apostrophe needed).
    # XML reads a carriage return back as a line feed.
    expected = [c.replace("\r", "\n") for c in [*DANGEROUS, *HARMLESS]]
    assert [c.data_type for c in cells[:-1]] == ["s"] * (len(cells) - 1)
    assert cells[-1].value is None  # the empty text: an empty cell
    assert [c.value or "" for c in cells] == expected
    back = pd.read_excel(path, engine="calamine", keep_default_na=False)
    assert back["text"].tolist() == expected


def test_table_bytes() -> None:
    both = table_bytes({"projecten": _table(), "=gemeenten": _formula_frame()}, "xlsx")
    sheets = pd.read_excel(io.BytesIO(both), sheet_name=None, engine="calamine")
    assert list(sheets) == ["projecten", "=gemeenten"]
    assert sheets["projecten"]["partners"].tolist() == [3, 0, 12, 7]
    one = table_bytes({"x": _formula_frame()}, "csv")
    assert one.startswith(b"\xef\xbb\xbf")
    assert _read_csv(io.BytesIO(one))["text"].tolist() == _expected_formula_cells()


def test_table_bytes_rejects_bad_requests() -> None:
    with pytest.raises(InputError, match="a CSV file holds one table"):
        table_bytes({"a": _table(), "b": _table()}, "csv")
    with pytest.raises(InputError, match=r"`fmt` was 'pdf' but must be 'xlsx' or 'csv'"):
        table_bytes({"a": _table()}, "pdf")


@pytest.mark.parametrize("name", ["out.txt", "out.json", "out", "out.geojson"])
def test_write_table_rejects_other_extensions(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match=r"the extension must be one of \['.csv', '.xlsx'\]"):
        write_table(_table(), tmp_path / name)
    assert TABLE_FORMATS == (".csv", ".xlsx")


def test_write_table_extension_is_case_insensitive(tmp_path: Path) -> None:
    write_table(_table(), tmp_path / "OUT.CSV")
    write_table(_table(), tmp_path / "OUT.XLSX")
    assert len(_read_csv(tmp_path / "OUT.CSV")) == 4
    assert len(pd.read_excel(tmp_path / "OUT.XLSX", engine="calamine")) == 4


# =========================================================================== GIS layers


@pytest.fixture(scope="module")
def measures(ref) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """A measures table of all 304 municipalities with a dangerous text column."""
    m = ref.municipalities
    return pd.DataFrame(
        {
            "nis": m["nis"],
            "name_nl": m["name_nl"],
            "projects_involved": np.arange(len(m)),
            "projects_involved_per_10k": np.arange(len(m)) / 10,
            "underserved": np.arange(len(m)) % 5 == 0,
            "note": ["=1+1"] + [""] * (len(m) - 1),
        }
    )


def test_municipal_layer(measures, ref) -> None:  # type: ignore[no-untyped-def]
    gdf = municipal_layer(measures, reference=ref)
    assert len(gdf) == 304
    assert gdf.crs.to_epsg() == 31370
    assert gdf.geometry.notna().all()
    assert gdf["nis"].tolist() == measures["nis"].tolist()
    assert gdf.at[0, "note"] == "'=1+1"
    wgs = municipal_layer(measures, reference=ref, crs="EPSG:4326")
    assert wgs.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = wgs.total_bounds
    assert 2.5 < minx < maxx < 6.0
    assert 50.6 < miny < maxy < 51.6


def test_municipal_layer_needs_nis(measures, ref) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="needs a 'nis' column"):
        municipal_layer(measures.drop(columns="nis"), reference=ref)


@pytest.mark.parametrize(("suffix", "epsg"), [(".geojson", 4326), (".gpkg", 31370)])
def test_layer_round_trip(tmp_path: Path, measures, ref, suffix: str, epsg: int) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"gemeenten{suffix}"
    write_municipal_layer(measures, path, reference=ref)
    write_municipal_layer(measures, path, reference=ref)  # overwriting works
    info = pyogrio.read_info(path)
    assert info["crs"] == f"EPSG:{epsg}"
    assert info["features"] == 304
    back = pyogrio.read_dataframe(path)
    assert len(back) == 304
    assert back.crs.to_epsg() == epsg
    assert back.geometry.notna().all()
    assert back.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert set(measures.columns) <= set(back.columns)
    assert back["nis"].tolist() == measures["nis"].tolist()
    assert back["name_nl"].tolist() == measures["name_nl"].tolist()
    assert back["projects_involved"].tolist() == list(range(304))
    assert back["projects_involved_per_10k"].tolist() == pytest.approx(
        measures["projects_involved_per_10k"].tolist()
    )
    # Booleans travel as 0/1, which QGIS, GDAL and spreadsheets all read alike.
    assert back["underserved"].tolist() == measures["underserved"].astype(int).tolist()
    assert back.at[0, "note"] == "'=1+1"
    if suffix == ".gpkg":
        assert pyogrio.list_layers(path)[:, 0].tolist() == ["gemeenten"]


def test_layer_rejects_other_extensions(tmp_path: Path, measures, ref) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"\['.geojson', '.gpkg'\]"):
        write_municipal_layer(measures, tmp_path / "x.shp", reference=ref)
    assert GEO_FORMATS == (".geojson", ".gpkg")
