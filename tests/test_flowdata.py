"""Flow nodes and counts: regions, Walloon provinces, countries, focus areas."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from optil_geo import _flowdata
from optil_geo._errors import SettingsError


def test_region_nodes_lie_inside_their_region(ref) -> None:  # type: ignore[no-untyped-def]
    nodes = _flowdata.region_nodes(ref).set_index("code")
    regions = ref.referentieregios.to_crs("EPSG:4326").set_index("code")
    assert set(regions.index) <= set(nodes.index)
    for code, shape in regions.geometry.items():
        point = shapely.Point(nodes.loc[code, "lon"], nodes.loc[code, "lat"])
        assert shape.contains(point), code
    assert nodes.loc["BHG", "kind"] == "brussels"
    assert set(nodes.loc[nodes["kind"] == "wallonia"].index) == {
        "20002",
        "50000",
        "60000",
        "80000",
        "90000",
    }


def test_walloon_province_from_nis() -> None:
    nis = pd.Series(["25112", "57081", "62063", "92094", "81001", "", "11002x"])
    assert _flowdata.walloon_province(nis).tolist() == [
        "20002",
        "50000",
        "60000",
        "90000",
        "80000",
        "",
        "",
    ]


def test_country_from_the_gazetteer_name_or_the_country_column() -> None:
    links = pd.DataFrame(
        {
            "partner_name": [
                "Maastricht (Nederland)",
                "Lille (Frankrijk)",
                "Tokio (Japan)",
                "Keulen",
                "Nederland",
            ],
            "country": ["", "", "", "Duitsland", ""],
        }
    )
    assert _flowdata.country_code(links).tolist() == ["NL", "FR", "XX", "DE", "NL"]


def test_focus_from_codes(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    kempen = _flowdata.focus_municipalities(ref, "REFREG03")
    assert nis_of("Geel") in kempen and nis_of("Gent") not in kempen
    assert _flowdata.focus_municipalities(ref, nis_of("Gent")) == {nis_of("Gent")}
    antwerp = _flowdata.focus_municipalities(ref, "10000")
    assert kempen - antwerp == set()  # Kempen lies in the province of Antwerp
    assert len(_flowdata.focus_municipalities(ref, "BHG")) == 19
    assert _flowdata.focus_municipalities(ref, None) == frozenset()
    with pytest.raises(SettingsError, match="not municipalities"):
        _flowdata.focus_municipalities(ref, ["99999"])
