"""The municipality table, the 2024 mapping, sub-municipalities and the web version."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import shapely

from optil_geo import reference as reference_module
from optil_geo.reference import load_reference


def test_counts(ref) -> None:
    assert ref.info() == {
        "municipalities": 304,
        "flemish": 285,
        "brussels": 19,
        "municipalities_2024": 319,
        "submunicipalities": 1119,
        "referentieregios": 15,
        "centrumsteden": 13,
        "vlaamse_rand": 19,
        # Flemish Region 6,629,143 + Brussels 1,218,255 on 1 January 2020 (Statbel).
        "population": 7_847_398,
    }


def test_columns_and_crs(ref) -> None:
    m = ref.municipalities
    assert m.crs.to_epsg() == 31370
    assert ref.municipalities_web.crs.to_epsg() == 4326
    for col in [
        "nis",
        "name_nl",
        "name_fr",
        "province_code",
        "province_name",
        "region",
        "refreg_code",
        "refreg_name",
        "streek_code",
        "streek_name",
        "is_centrumstad",
        "is_vlaamse_rand",
        "hierarchy_code",
        "hierarchy_label",
        "population",
        "area_km2",
        "point_x",
        "point_y",
        "lon",
        "lat",
        "neighbours",
        "geometry",
    ]:
        assert col in m.columns, col
    assert m["nis"].str.fullmatch(r"\d{5}").all()
    assert m["nis"].is_monotonic_increasing
    assert list(ref.municipalities_web["nis"]) == list(m["nis"])


def test_centrumsteden(ref) -> None:
    names = set(ref.municipalities.loc[ref.municipalities["is_centrumstad"], "name_nl"])
    assert names == {
        "Aalst",
        "Antwerpen",
        "Brugge",
        "Genk",
        "Gent",
        "Hasselt",
        "Kortrijk",
        "Leuven",
        "Mechelen",
        "Oostende",
        "Roeselare",
        "Sint-Niklaas",
        "Turnhout",
    }


def test_brussels_attributes(ref, nis_of) -> None:
    m = ref.municipalities.set_index("nis")
    brussels = m[m["region"] == "brussels"]
    assert len(brussels) == 19
    assert set(brussels["refreg_code"]) == {"BHG"}
    assert set(brussels["province_code"]) == {"04000"}
    assert m.loc[nis_of("Elsene"), "name_fr"] == "Ixelles"
    assert m.loc[nis_of("Sint-Jans-Molenbeek"), "name_fr"] == "Molenbeek-Saint-Jean"
    assert m.loc[nis_of("Antwerpen"), "name_fr"] == "Anvers"


def test_refreg_and_attributes(ref, nis_of) -> None:
    m = ref.municipalities.set_index("nis")
    assert m.loc[nis_of("Turnhout"), "refreg_name"] == "Kempen"
    assert m.loc[nis_of("Gent"), "hierarchy_code"] == "a0"
    assert m.loc[nis_of("Dilbeek"), "is_vlaamse_rand"]
    # Zwijndrecht moved from the province of Antwerp to East Flanders with the merger.
    assert m.loc[nis_of("Beveren-Kruibeke-Zwijndrecht"), "province_name"] == "Oost-Vlaanderen"
    assert m.loc[nis_of("Beveren-Kruibeke-Zwijndrecht"), "refreg_name"] == "Waasland"


def test_population_sums_over_mergers(ref, nis_of) -> None:
    m = ref.municipalities.set_index("nis")
    pop = (
        pd.read_csv(
            reference_module._fetch.locate("statbel/bevolking_per_gemeente_2020.csv"),
            dtype=str,
            encoding="utf-8-sig",
        )
        .set_index("NIS code")["Totaal"]
        .astype(int)
    )
    # Hasselt (71022) + Kortessem (73040) -> Hasselt 71072.
    assert m.loc["71072", "population"] == pop["71022"] + pop["73040"]
    # Antwerpen absorbs Borsbeek but keeps 11002.
    assert m.loc["11002", "population"] == pop["11002"] + pop["11007"]
    # Three municipalities into one.
    assert m.loc[nis_of("Pajottegem"), "population"] == pop["23023"] + pop["23024"] + pop["23032"]
    # An unmerged municipality keeps its own figure.
    assert m.loc["11001", "population"] == pop["11001"]


MERGERS = {
    "Antwerpen": {"Antwerpen", "Borsbeek"},
    "Pajottegem": {"Galmaarden", "Gooik", "Herne"},
    "Wingene": {"Ruiselede", "Wingene"},
    "Tielt": {"Meulebeke", "Tielt"},
    "Nazareth-De Pinte": {"De Pinte", "Nazareth"},
    "Lochristi": {"Lochristi", "Wachtebeke"},
    "Lokeren": {"Lokeren", "Moerbeke"},
    "Merelbeke-Melle": {"Melle", "Merelbeke"},
    "Beveren-Kruibeke-Zwijndrecht": {"Beveren", "Kruibeke", "Zwijndrecht"},
    "Bilzen-Hoeselt": {"Bilzen", "Hoeselt"},
    "Tongeren-Borgloon": {"Borgloon", "Tongeren"},
    "Tessenderlo-Ham": {"Ham", "Tessenderlo"},
    "Hasselt": {"Hasselt", "Kortessem"},
}


def test_the_fifteen_flemish_mergers(ref) -> None:
    m24 = ref.municipalities_2024
    name25 = dict(zip(ref.municipalities["nis"], ref.municipalities["name_nl"], strict=True))
    m24 = m24.assign(name_2025=m24["nis_2025"].map(name25))
    groups = {new: set(g["name_nl"]) for new, g in m24.groupby("name_2025") if len(g) > 1}
    assert groups == MERGERS
    # 319 - 304 = 15 municipalities disappeared, all Flemish.
    assert sum(len(v) - 1 for v in groups.values()) == 15
    assert m24["nis_2025"].nunique() == 304
    # New NIS codes even where the name stayed; Antwerpen keeps its code.
    old_to_new = dict(zip(m24["nis_2024"], m24["nis_2025"], strict=True))
    assert old_to_new["71022"] == "71072"
    assert old_to_new["46014"] == "46029"
    assert old_to_new["11002"] == "11002"
    assert old_to_new["11007"] == "11002"
    assert old_to_new["11056"] == "46030"  # Zwijndrecht


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Tessenderlo-Ham", "Scherpenheuvel-Zichem", True),  # across a province border
        ("Dilbeek", "Sint-Jans-Molenbeek", True),  # across the region border
        ("Zoersel", "Vorselaar", True),  # about 47 m of border
        ("Drogenbos", "Linkebeek", True),  # about 23 m of border
        ("Willebroek", "Londerzeel", False),  # touch at a point only
        ("Puurs-Sint-Amands", "Kapelle-op-den-Bos", False),
        ("Aarschot", "Bekkevoort", False),
        ("Gent", "Antwerpen", False),
    ],
)
def test_neighbour_facts(ref, nis_of, a: str, b: str, expected: bool) -> None:
    m = ref.municipalities.set_index("nis")
    assert (nis_of(b) in m.loc[nis_of(a), "neighbours"]) is expected
    assert (nis_of(a) in m.loc[nis_of(b), "neighbours"]) is expected


def test_neighbours_are_symmetric_and_complete(ref) -> None:
    m = ref.municipalities
    pairs = {(a, b) for a, nbs in zip(m["nis"], m["neighbours"], strict=True) for b in nbs}
    assert all((b, a) in pairs for a, b in pairs)
    # Voeren is an exclave: its neighbours are Walloon or Dutch, not in this map.
    lonely = set(m.loc[[len(n) == 0 for n in m["neighbours"]], "name_nl"])
    assert lonely == {"Voeren"}


def test_representative_points_inside(ref) -> None:
    m = ref.municipalities
    pts = shapely.points(m["point_x"].to_numpy(), m["point_y"].to_numpy())
    assert shapely.contains(m.geometry.values, pts).all()


def test_submunicipalities(ref, nis_of) -> None:
    s = ref.submunicipalities.set_index("label")
    assert s.loc["Ekeren (Antwerpen)", "nis"] == nis_of("Antwerpen")
    assert s.loc["Ekeren (Antwerpen)", "name"] == "Ekeren"
    assert s.loc["Deurne (Diest)", "nis"] == nis_of("Diest")
    assert s.loc["Aalst (Sint-Truiden)", "nis"] == nis_of("Sint-Truiden")
    assert s.loc["Kruibeke (Beveren-Kruibeke-Zwijndrecht)", "nis"] == nis_of(
        "Beveren-Kruibeke-Zwijndrecht"
    )
    assert s.loc["Overpelt (Pelt)", "nis"] == nis_of("Pelt")
    assert s.loc["Kortrijk (Dg.)", "name"] == "Kortrijk"
    assert set(s["nis"]) == set(ref.municipalities["nis"])


def test_web_version_is_a_clean_coverage_within_budget(ref) -> None:
    web = ref.municipalities_web
    geoms = web.geometry.values
    assert shapely.is_valid(geoms).all()
    # Neighbouring polygons still share exact borders: no gaps, no overlaps.
    assert shapely.coverage_is_valid(geoms)
    # Every border of the full-resolution map is still a shared line after simplification.
    nis = web["nis"].to_numpy()
    web_nb = reference_module._neighbours(np.asarray(geoms), nis, min_length=1e-6)
    changed = [
        (a, set(full) ^ set(simple))
        for a, full, simple in zip(nis, ref.municipalities["neighbours"], web_nb, strict=True)
        if set(full) != set(simple)
    ]
    assert changed == []
    size = len(web[["nis", "name_nl", "geometry"]].to_json(drop_id=True).encode())
    assert size <= 600_000, size
    size_all = len(web.to_json(drop_id=True).encode())
    assert size_all <= 600_000, size_all


def test_outlines(ref) -> None:
    o = ref.outlines_web
    assert (o["level"] == "refreg").sum() == 16  # 15 + Brussels
    assert (o["level"] == "province").sum() == 6
    assert shapely.is_valid(o.geometry.values).all()


def test_warm_load_is_fast(ref) -> None:
    # The process cache returns the same object; the disk cache is exercised below.
    assert load_reference() is ref


def test_disk_cache_roundtrip(ref, tmp_path) -> None:
    from geopandas.testing import assert_geodataframe_equal

    folder = tmp_path / "prepared"
    reference_module._write_prepared(ref, folder)
    started = time.perf_counter()
    again = reference_module._read_prepared(folder)
    assert time.perf_counter() - started < 5  # generous; the benchmark measures the real figure
    assert_geodataframe_equal(again.municipalities, ref.municipalities)
    assert_geodataframe_equal(again.municipalities_2024, ref.municipalities_2024)
    assert again.info() == ref.info()
    assert isinstance(again.municipalities["neighbours"].iloc[0], tuple)
