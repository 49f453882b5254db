"""Exports: tables as Excel-friendly CSV/XLSX, municipal measures for QGIS.

CSV is written for Excel in Belgium (``;``, decimal comma, UTF-8 with BOM) and
every text cell that a spreadsheet could run as a formula is neutralised (see
:func:`optil_geo.partnerships.neutralise_formulas`). GeoJSON is in EPSG:4326 (RFC 7946);
GeoPackage keeps the Belgian Lambert 72 geometry (EPSG:31370) that Flemish GIS
users expect.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyogrio.errors import DataSourceError

from optil_geo._errors import InputError
from optil_geo.partnerships.writers import neutralise_formulas, to_safe_csv, to_safe_xlsx
from optil_geo.reference import Reference, load_reference
from optil_geo.texts import check_language, text

__all__ = [
    "GEO_FORMATS",
    "TABLE_FORMATS",
    "explanation_sheet",
    "municipal_layer",
    "table_bytes",
    "tables_with_explanation",
    "write_municipal_layer",
    "write_table",
]

TABLE_FORMATS = (".csv", ".xlsx")
GEO_FORMATS = (".geojson", ".gpkg")


def _suffix(path: Path, allowed: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InputError(
            f"cannot write {str(path)!r}: the extension must be one of {list(allowed)!r}"
        )
    return suffix


def write_table(frame: pd.DataFrame, path: Path, *, sheet: str = "data") -> None:
    """Write a table to ``.csv`` (Excel-BE CSV) or ``.xlsx``, formulas neutralised."""
    suffix = _suffix(Path(path), TABLE_FORMATS)
    if suffix == ".csv":
        to_safe_csv(frame, path)
    else:
        to_safe_xlsx({sheet: frame}, path)


def table_bytes(frames: dict[str, pd.DataFrame], fmt: str) -> bytes:
    """Return tables as the bytes of an XLSX workbook (one sheet each) or of one CSV."""
    buffer = io.BytesIO()
    if fmt == "xlsx":
        to_safe_xlsx(frames, buffer)
    elif fmt == "csv":
        if len(frames) != 1:
            raise InputError("a CSV file holds one table; choose XLSX for several")
        to_safe_csv(next(iter(frames.values())), buffer)
    else:
        raise InputError(f"`fmt` was {fmt!r} but must be 'xlsx' or 'csv'")
    return buffer.getvalue()


def explanation_sheet(
    rows: Sequence[tuple[str, str]], *, lang: str = "nl"
) -> tuple[str, pd.DataFrame]:
    """Return the name (``uitleg`` / ``explanation``) and table of an explanation sheet.

    ``rows`` are (topic, text) pairs, e.g. from :func:`optil_geo.explanation_rows`;
    the headers are in ``lang``. Written with the other sheets by the safe writers,
    so no text can run as a formula.
    """
    check_language(lang)
    frame = pd.DataFrame(
        [(str(topic), str(words)) for topic, words in rows],
        columns=[text("uw_col_topic", lang), text("uw_col_text", lang)],
    )
    return text("uw_sheet", lang), frame


def tables_with_explanation(
    frames: dict[str, pd.DataFrame],
    rows: Sequence[tuple[str, str]],
    *,
    lang: str = "nl",
) -> dict[str, pd.DataFrame]:
    """Return ``frames`` followed by their explanation sheet (see :func:`explanation_sheet`)."""
    name, frame = explanation_sheet(rows, lang=lang)
    if name in frames:
        raise InputError(f"`frames` already holds a sheet named {name!r}")
    return {**frames, name: frame}


def municipal_layer(
    measures: pd.DataFrame, *, reference: Reference | None = None, crs: str = "EPSG:31370"
) -> gpd.GeoDataFrame:
    """Join per-municipality measures (a ``nis`` column) onto the municipality polygons.

    The full-resolution polygons are used, in ``crs`` (EPSG:31370 by default;
    EPSG:4326 for GeoJSON). Text cells are neutralised against formula injection,
    since GIS users often open the attribute table in a spreadsheet.
    """
    reference = reference or load_reference()
    if "nis" not in measures.columns:
        raise InputError("the measures table needs a 'nis' column")
    geo = reference.municipalities[["nis", "geometry"]]
    frame = neutralise_formulas(measures.reset_index(drop=True))
    gdf = gpd.GeoDataFrame(
        frame.merge(geo, on="nis", how="left", validate="one_to_one"),
        geometry="geometry",
        crs=reference.municipalities.crs,
    )
    return gdf.to_crs(crs) if crs != str(gdf.crs) else gdf


def write_municipal_layer(
    measures: pd.DataFrame, path: Path, *, reference: Reference | None = None
) -> None:
    """Write measures with geometry: ``.geojson`` (EPSG:4326) or ``.gpkg`` (EPSG:31370).

    Raises
    ------
    InputError
        When the extension is neither, or the file cannot be created (no such folder).
    """
    suffix = _suffix(Path(path), GEO_FORMATS)
    crs = "EPSG:4326" if suffix == ".geojson" else "EPSG:31370"
    gdf = municipal_layer(measures, reference=reference, crs=crs)
    for col in gdf.columns:
        if col != "geometry" and gdf[col].dtype == bool:
            gdf[col] = gdf[col].astype("int8")  # GeoPackage/GeoJSON readers agree on 0/1
    driver = "GeoJSON" if suffix == ".geojson" else "GPKG"
    Path(path).unlink(missing_ok=True)
    try:
        gdf.to_file(
            path, driver=driver, engine="pyogrio", layer="gemeenten" if driver == "GPKG" else None
        )
    except DataSourceError as exc:
        # GDAL cannot create the file (no such folder, no permission).
        raise InputError(f"cannot write {str(path)!r}: {exc}") from exc
