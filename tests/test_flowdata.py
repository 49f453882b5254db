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


# ------------------------------------------------- nodes and counts, row by row


# Foreign places and what they must give (the gazetteer's names, or the country column).
_ABROAD = {
    ("Lille (Frankrijk)", ""): "FR",
    ("Maastricht (Nederland)", "Nederland"): "NL",
    ("Keulen", "Duitsland"): "DE",
    ("Tokio (Japan)", "Japan"): "XX",
    ("", ""): "XX",
    ("Nederland", ""): "NL",
}
_WALLOON = {"25112": "20002", "57081": "50000", "62063": "60000", "92094": "90000", "": ""}


def _varied_links(ref, nis_of, rows: int = 400, *, text: bool):  # type: ignore[no-untyped-def]
    """Links mixing Flanders, Brussels, a focus area, Wallonia, abroad, empty and missing."""
    import numpy as np

    rng = np.random.default_rng(7)
    flemish = [nis_of(n) for n in ("Gent", "Geel", "Mol", "Antwerpen", "Brussel", "Leuven")]
    places = (
        [("flanders", code, "", "") for code in flemish]
        + [("wallonia", code, "", "") for code in _WALLOON]
        + [("abroad", "", name, country) for name, country in _ABROAD]
        + [
            ("", "", "", ""),  # no place found
            (None, None, None, None),  # missing cells
            ("wallonia", nis_of("Geel"), "", ""),  # a (wrong) region never hides a node
            ("flanders", "99999", "Nergens", ""),  # a code that is no municipality
        ]
    )
    leads = [*flemish, "", None, "99999"]
    pick = rng.integers(0, len(places), rows)
    links = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in rng.integers(0, 40, rows)],
            "lead_nis": [leads[i] for i in rng.integers(0, len(leads), rows)],
            "partner_region": [places[i][0] for i in pick],
            "partner_nis": [places[i][1] for i in pick],
            "partner_name": [places[i][2] for i in pick],
            "country": [places[i][3] for i in pick],
            "class": [
                ["local", "regional", "urban", "supra_regional", "oops", None][i]
                for i in rng.integers(0, 6, rows)
            ],
        },
        index=pd.RangeIndex(1000, 1000 + rows),
    )
    return links.astype("str") if text else links.astype(object)


def _node_of(code, region_of, focus):  # type: ignore[no-untyped-def]
    code = code if isinstance(code, str) else ""
    return code if code in focus else region_of.get(code, "")


def _partner_node_of(row, region_of, focus):  # type: ignore[no-untyped-def]
    if row.partner_region == "abroad":
        return _ABROAD[(str(row.partner_name), str(row.country))]
    node = _node_of(row.partner_nis, region_of, focus)
    if node == "" and row.partner_region == "wallonia":
        return _WALLOON[row.partner_nis]
    return node


@pytest.mark.parametrize("text", [True, False])
@pytest.mark.parametrize("focus", [None, "REFREG03"])
def test_link_nodes_match_a_row_by_row_reading(ref, nis_of, text, focus) -> None:  # type: ignore[no-untyped-def]
    links = _varied_links(ref, nis_of, text=text)
    area = _flowdata.focus_municipalities(ref, focus)
    region_of = dict(zip(ref.municipalities["nis"], ref.municipalities["refreg_code"], strict=True))
    rows = list(links.itertuples())

    lead, partner = _flowdata.link_nodes(links, ref, level="regions", focus=area)
    assert lead.index.equals(links.index) and partner.index.equals(links.index)
    assert lead.tolist() == [_node_of(r.lead_nis, region_of, area) for r in rows]
    assert partner.tolist() == [_partner_node_of(r, region_of, area) for r in rows]
    if area:  # the focus area's own municipalities stay themselves
        assert nis_of("Geel") in set(lead) and "REFREG03" not in set(lead)

    on_map = {code: code for code in region_of}
    lead, partner = _flowdata.link_nodes(links, ref, level="municipalities", focus=area)
    assert lead.tolist() == [_node_of(r.lead_nis, on_map, frozenset()) for r in rows]
    assert partner.tolist() == [_node_of(r.partner_nis, on_map, frozenset()) for r in rows]


@pytest.mark.parametrize("level", ["regions", "municipalities"])
def test_flows_and_stays_match_a_row_by_row_count(ref, nis_of, level) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter, defaultdict

    from optil_geo.classify import CLASSES

    links = _varied_links(ref, nis_of, text=True)
    lead, partner = _flowdata.link_nodes(links, ref, level=level)
    count: Counter[tuple[str, str]] = Counter()
    classes: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    projects: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    stay: Counter[str] = Counter()
    for a, b, cls, pid in zip(lead, partner, links["class"], links["project_id"], strict=True):
        if a and a == b:
            stay[a] += 1
        if not a or not b or a == b:
            continue
        count[a, b] += 1
        classes[a, b][cls if cls in CLASSES else CLASSES[-1]] += 1
        projects[a, b].add(pid)
    expected = sorted(count, key=lambda pair: (-count[pair], pair))
    assert len(expected) > 10  # the input is varied enough to count something

    table = _flowdata.aggregate_flows(links, lead, partner)
    assert list(zip(table["lead"], table["partner"], strict=True)) == expected
    assert table["links"].tolist() == [count[p] for p in expected]
    assert table["projects"].tolist() == [len(projects[p]) for p in expected]
    # The class is the most common one; a tie goes to the class listed first.
    assert table["class"].tolist() == [
        max(CLASSES, key=lambda c, p=p: (classes[p][c], -CLASSES.index(c))) for p in expected
    ]
    for c in CLASSES:
        assert table[f"n_{c}"].tolist() == [classes[p][c] for p in expected]
    assert _flowdata.stays(lead, partner).to_dict() == dict(stay)


def test_flows_of_flows_add_up_their_counts() -> None:
    table = pd.DataFrame(
        {
            "lead": ["A", "A", "B", "C"],
            "partner": ["B", "C", "A", "C"],
            "class": ["urban", "regional", "urban", "local"],
            "links": [5, 2, 1, 9],
            "projects": [3, 2, 1, 4],
        }
    )
    lead = pd.Series(["X", "X", "Y", "X"])
    partner = pd.Series(["Y", "Y", "X", "X"])
    merged = _flowdata.aggregate_flows(table, lead, partner, weight="links")
    assert merged[["lead", "partner", "class", "links", "projects"]].values.tolist() == [
        ["X", "Y", "urban", 7, 5],
        ["Y", "X", "urban", 1, 1],
    ]
