"""Flows as codes and numbers: nodes, aggregation to regions, focus roles.

Everything here returns plain frames of codes and counts; :mod:`optil_geo.maps`
and :mod:`optil_geo.staticmap` draw them and word them.

A *node* is where a flow line starts or ends:

- a municipality of Flanders or Brussels (its 5-digit NIS code, at its
  representative point);
- a region: a Flemish referentieregio (``REFREG01`` … ``REFREG15``) or the
  Brussels-Capital Region (``BHG``), at the population-weighted mean of its
  municipalities' representative points; a Walloon province (``20002`` Walloon
  Brabant, ``50000`` Hainaut, ``60000`` Liège, ``80000`` Luxembourg, ``90000``
  Namur) or a country (ISO code, ``XX`` for the others), at a fixed display
  anchor just outside Flanders in its direction (these have no polygon in the
  reference; the anchors keep their lines inside the Flanders view).

CRS: node positions are EPSG:4326 longitude/latitude.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely

from optil_geo._distinct import Distinct, distinct, distinct_rows
from optil_geo._errors import SettingsError
from optil_geo.classify import CLASSES
from optil_geo.gazetteer import normalize_place
from optil_geo.reference import Reference

BRUSSELS_REGION = "BHG"

# Display anchors (lon, lat) of the places without a polygon: just outside
# Flanders, in the direction of the place, inside the default map view.
_ANCHORS: dict[str, tuple[float, float, str]] = {
    "20002": (4.52, 50.655, "wallonia"),  # Walloon Brabant
    "50000": (3.86, 50.635, "wallonia"),  # Hainaut
    "90000": (4.98, 50.60, "wallonia"),  # Namur
    "60000": (5.62, 50.60, "wallonia"),  # Liège
    "80000": (5.32, 50.55, "wallonia"),  # Luxembourg (province)
    "FR": (2.72, 50.66, "abroad"),
    "GB": (2.50, 51.33, "abroad"),
    "NL": (4.72, 51.52, "abroad"),
    "DE": (6.00, 50.80, "abroad"),
    "LU": (5.92, 50.58, "abroad"),
    "XX": (2.52, 51.50, "abroad"),
}
REGION_KINDS = ("refreg", "brussels", "wallonia", "abroad")

FLOW_COLUMNS = ["lead", "partner", "class", "links", "projects"]


_WALLOON_FIRST_DIGIT = {"5": "50000", "6": "60000", "8": "80000", "9": "90000"}


def _walloon_province_of(code: object) -> str:
    """The Walloon province code of one 5-digit NIS code ('' when not Walloon)."""
    text = str(code)
    if len(text) != 5:
        return ""
    if text.startswith("25"):
        return "20002"
    return _WALLOON_FIRST_DIGIT.get(text[:1], "")


def walloon_province(nis: pd.Series) -> pd.Series:
    """Return the Walloon province code of 5-digit NIS codes (empty when not Walloon)."""
    codes = distinct(nis, missing=None)
    found = codes.decide(_walloon_province_of)
    return pd.Series(codes.spread(found), index=nis.index, dtype=object)


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Normalised country name or code → ISO code, from the gazetteer's vocabulary."""
    path = resources.files("optil_geo").joinpath("data", "place_aliases.csv")
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return {
        normalize_place(row["name"]): row["target"]
        for row in csv.DictReader(lines)
        if row["kind"] == "country"
    }


_PLACE_IN_COUNTRY = re.compile(r"\(([^()]*)\)\s*$")


def _country_of(name: str, country: str) -> str:
    """The ISO code of one foreign partner's place (see :func:`country_code`)."""
    codes = _country_codes()
    found = _PLACE_IN_COUNTRY.search(name)
    code = codes.get(normalize_place(found[1] if found else name), "")
    if code == "":
        code = codes.get(normalize_place(country), "")
    return code if code in _ANCHORS else "XX"  # (Belgium itself is no foreign anchor)


def _partner_places(links: pd.DataFrame) -> Distinct:
    """The links' distinct (partner name, country) pairs, as text ('' when missing)."""
    columns = [
        distinct(links[column]) if column in links else distinct(pd.Series("", index=links.index))
        for column in ("partner_name", "country")
    ]
    pairs = distinct_rows(*columns)
    return Distinct(pairs.codes, [(str(name), str(country)) for name, country in pairs.values])


def country_code(links: pd.DataFrame) -> pd.Series:
    """Return the ISO country code of each foreign partner (``XX`` when not recognised).

    The gazetteer names a foreign place ``Place (Country)`` or just ``Country``;
    the country column is used when the name says nothing. Worked out once per
    distinct (name, country) pair.
    """
    places = _partner_places(links)
    return pd.Series(
        places.spread_text(places.decide(lambda pair: _country_of(*pair))), index=links.index
    )


@lru_cache(maxsize=4)
def region_nodes(reference: Reference) -> pd.DataFrame:
    """Return every region node: ``code``, ``kind``, ``lon``, ``lat``, ``name`` (Dutch or '').

    Referentieregio's and Brussels sit at the population-weighted mean of their
    municipalities' points (or, when that falls outside the region, at the
    point of the member nearest to it); the others at their display anchor.
    """
    m = reference.municipalities
    region = m["refreg_code"].astype(str)
    weight = m["population"].astype(float).clip(lower=1.0)
    rows = []
    regions = reference.referentieregios.to_crs("EPSG:4326")
    brussels = reference.provinces.to_crs("EPSG:4326")
    brussels = brussels[brussels["code"] == "04000"]
    shapes = dict(zip(regions["code"].astype(str), regions.geometry, strict=True))
    if not brussels.empty:
        shapes[BRUSSELS_REGION] = brussels.geometry.iloc[0]
    for code, part in m.groupby(region, sort=True):
        w = weight[part.index].to_numpy()
        lon = float(np.average(part["lon"], weights=w))
        lat = float(np.average(part["lat"], weights=w))
        shape = shapes.get(str(code))
        if shape is not None and not shape.contains(shapely.Point(lon, lat)):
            nearest = int(np.argmin(np.hypot(part["lon"] - lon, part["lat"] - lat)))
            lon, lat = float(part["lon"].iloc[nearest]), float(part["lat"].iloc[nearest])
        kind = "brussels" if code == BRUSSELS_REGION else "refreg"
        rows.append((str(code), kind, lon, lat, str(part["refreg_name"].iloc[0])))
    for code, (lon, lat, kind) in _ANCHORS.items():
        rows.append((code, kind, lon, lat, ""))
    return pd.DataFrame(rows, columns=["code", "kind", "lon", "lat", "name"])


def focus_municipalities(reference: Reference, focus: str | Iterable[str] | None) -> frozenset[str]:
    """Return the NIS codes of a focus area.

    Parameters
    ----------
    reference
        The reference geography.
    focus
        ``None`` (no focus), a set of NIS codes, or one code: a municipality's
        NIS, a referentieregio (``REFREG03``), ``BHG``, a province code
        (``10000``) or a streek code.

    Raises
    ------
    SettingsError
        When a code names no municipality or area.
    """
    if focus is None:
        return frozenset()
    m = reference.municipalities
    nis = m["nis"].astype(str)
    if isinstance(focus, str):
        code = focus.strip()
        if code in set(nis):
            return frozenset({code})
        for column in ("refreg_code", "province_code", "streek_code"):
            hit = nis[m[column].astype(str) == code]
            if not hit.empty:
                return frozenset(hit)
        raise SettingsError(
            f"`focus` was {focus!r} but must be a NIS code, a referentieregio, province "
            "or streek code, or a set of NIS codes"
        )
    codes = frozenset(str(c) for c in focus)
    unknown = sorted(codes - set(nis))
    if unknown:
        raise SettingsError(
            f"`focus` holds {unknown[:5]!r}, which are not municipalities on the map"
        )
    return codes


@lru_cache(maxsize=4)
def municipality_regions(reference: Reference) -> dict[str, str]:
    """Every municipality on the map (NIS) → its region node (referentieregio or ``BHG``).

    Shared and cached: copy it before changing it.
    """
    m = reference.municipalities
    return dict(zip(m["nis"].astype(str), m["refreg_code"].astype(str), strict=True))


def link_nodes(
    links: pd.DataFrame, reference: Reference, *, level: str, focus: frozenset[str] = frozenset()
) -> tuple[pd.Series, pd.Series]:
    """Return the lead node and the partner node of every link, as text ('' when none).

    ``level`` is ``"municipalities"`` (NIS codes; Walloon and foreign partners
    have no node) or ``"regions"`` (region codes; municipalities of ``focus``
    keep their own NIS code, so a focus area is seen in detail and the rest of
    the country by region). At region level a partner in Wallonia without a
    node of its own goes to its Walloon province, a partner abroad to its
    country (:func:`country_code`).

    The node is decided once per distinct lead, and once per distinct partner
    (NIS code, region, place name, country): a selection has a few hundred of
    them for thousands of links.
    """
    if level not in ("regions", "municipalities"):
        raise SettingsError(f"`level` was {level!r} but must be 'regions' or 'municipalities'")
    region_of = municipality_regions(reference)
    lead = distinct(links["lead_nis"])

    if level == "municipalities":
        partner = distinct(links["partner_nis"])

        def on_map(code: Any) -> Any:
            return code if code in region_of else ""

        return (
            pd.Series(lead.spread_text(lead.decide(on_map)), index=links.index),
            pd.Series(partner.spread_text(partner.decide(on_map)), index=links.index),
        )

    def to_region(code: Any) -> Any:
        return code if code in focus else region_of.get(code, "")

    places = _partner_places(links)
    partner = distinct_rows(
        distinct(links["partner_nis"]), distinct(links["partner_region"]), places
    )

    def partner_node(row: tuple[Any, Any, tuple[str, str]]) -> Any:
        code, region, place = row
        if region == "abroad":
            return _country_of(*place)
        node = to_region(code)
        if node == "" and region == "wallonia":
            return _walloon_province_of(code)
        return node

    return (
        pd.Series(lead.spread_text(lead.decide(to_region)), index=links.index),
        pd.Series(partner.spread_text(partner.decide(partner_node)), index=links.index),
    )


def aggregate_flows(
    links: pd.DataFrame, lead: pd.Series, partner: pd.Series, *, weight: str | None = None
) -> pd.DataFrame:
    """Count links per (lead node, partner node); the class is the most common one.

    Links without a node on either side, and links staying at one node, are left
    out. ``weight`` names a column of counts when ``links`` is already
    aggregated (a flow table with ``links`` and ``projects``). Returns
    :data:`FLOW_COLUMNS` plus one ``n_<class>`` column per class, sorted by
    ``links`` descending (ties by codes).
    """
    # Nodes as numbers: one code per distinct node, shared by both sides, so the
    # pairs, their counts and their projects are counted on integers.
    n_rows = len(lead)
    node, nodes = pd.factorize(
        np.concatenate([lead.to_numpy(dtype=object), partner.to_numpy(dtype=object)]),
        use_na_sentinel=False,
    )
    a, b = node[:n_rows], node[n_rows:]
    empty = np.flatnonzero(np.asarray(nodes, dtype=object) == "")
    none = int(empty[0]) if len(empty) else -1
    keep = (a != none) & (b != none) & (a != b)
    if not keep.any():
        return pd.DataFrame(columns=[*FLOW_COLUMNS, *(f"n_{c}" for c in CLASSES)])
    pairs, inverse = np.unique(a[keep] * len(nodes) + b[keep], return_inverse=True)
    inverse = inverse.reshape(-1)
    classes = distinct(links["class"])
    class_index = {c: i for i, c in enumerate(CLASSES)}
    cls = classes.spread(
        classes.decide(lambda c: class_index.get(c, len(CLASSES) - 1)), dtype=np.intp
    )[keep]
    w = links[weight].to_numpy(dtype=np.int64)[keep] if weight else np.ones(len(inverse), np.int64)
    n = np.zeros((len(pairs), len(CLASSES)), dtype=np.int64)
    np.add.at(n, (inverse, cls), w)
    if weight:
        # Already counted: a project can sit in two merged pairs, so the sum is an
        # upper bound (without a ``projects`` column, the links are).
        column = "projects" if "projects" in links else weight
        projects = np.bincount(
            inverse, weights=links[column].to_numpy(dtype=float)[keep], minlength=len(pairs)
        ).astype(np.int64)
    else:
        project, known = pd.factorize(
            links["project_id"].to_numpy(dtype=object)[keep], use_na_sentinel=False
        )
        distinct_pairs = np.unique(inverse.astype(np.int64) * max(len(known), 1) + project)
        projects = np.bincount(distinct_pairs // max(len(known), 1), minlength=len(pairs))
    names = np.asarray(nodes, dtype=object)
    lead_of, partner_of = names[pairs // len(nodes)], names[pairs % len(nodes)]
    links_of = n.sum(axis=1)
    # Largest first, ties by the codes' text order (the pairs are distinct).
    order = np.lexsort((_text_rank(partner_of), _text_rank(lead_of), -links_of))
    columns: dict[str, np.ndarray] = {
        "lead": lead_of[order],
        "partner": partner_of[order],
        # argmax takes the first maximum: ties go to the class listed first.
        "class": np.asarray(CLASSES, dtype=object)[n.argmax(axis=1)][order],
        "links": links_of[order],
        "projects": projects[order],
    }
    for i, c in enumerate(CLASSES):
        columns[f"n_{c}"] = n[order, i]
    return pd.DataFrame(columns)


def _text_rank(values: np.ndarray) -> np.ndarray:
    """The rank of each text in sorted order (equal texts, equal ranks)."""
    return np.unique(values.astype(str), return_inverse=True)[1].reshape(-1)


def stays(lead: pd.Series, partner: pd.Series) -> pd.Series:
    """Count the links that stay at one node (local at municipality level), per node."""
    a = lead.to_numpy(dtype=object)
    same = (a != "") & (a == partner.to_numpy(dtype=object))
    return lead[same].value_counts()


def focus_roles(table: pd.DataFrame, focus: frozenset[str], members: pd.Series) -> pd.Series:
    """Return ``inside``, ``outgoing``, ``incoming`` or ``other`` for each flow of ``table``.

    ``members`` maps a node code to True when the node lies in the focus area
    (a municipality of it).
    """
    if not focus:
        return pd.Series("", index=table.index, dtype=object)
    a = table["lead"].map(members).fillna(False).astype(bool)
    b = table["partner"].map(members).fillna(False).astype(bool)
    role = np.select([a & b, a & ~b, ~a & b], ["inside", "outgoing", "incoming"], "other")
    return pd.Series(role, index=table.index, dtype=object)


def outside_partners(
    links: pd.DataFrame, reference: Reference, focus: frozenset[str]
) -> pd.DataFrame:
    """Return the partners outside a focus area, by region, with counts.

    One row per region (``region`` code, ``kind``): ``links_out`` partners of
    projects led inside the area located in that region, ``projects_out`` those
    projects, ``links_in`` and ``projects_in`` the same for projects led in that
    region with a partner inside the area. Sorted by ``links_out`` then
    ``links_in``, descending. Partners without a known place are counted under
    the region ``unknown``.
    """
    columns = ["region", "kind", "links_out", "projects_out", "links_in", "projects_in"]
    if not focus or links.empty:
        return pd.DataFrame(columns=columns)
    lead = links["lead_nis"].astype(object).fillna("").astype(str)
    partner = links["partner_nis"].astype(object).fillna("").astype(str)
    lead_node, partner_node = link_nodes(links, reference, level="regions")
    partner_node = partner_node.where(partner_node != "", "unknown")
    lead_node = lead_node.where(lead_node != "", "unknown")
    out = lead.isin(focus) & ~partner.isin(focus)
    inc = ~lead.isin(focus) & partner.isin(focus)
    pid = links["project_id"]
    a = (
        pd.DataFrame({"region": partner_node[out], "p": pid[out]})
        .groupby("region")["p"]
        .agg(links_out="size", projects_out="nunique")
    )
    b = (
        pd.DataFrame({"region": lead_node[inc], "p": pid[inc]})
        .groupby("region")["p"]
        .agg(links_in="size", projects_in="nunique")
    )
    table = a.join(b, how="outer").fillna(0).astype(int).reset_index()
    kinds = region_nodes(reference).set_index("code")["kind"]
    table["kind"] = table["region"].map(kinds).fillna("unknown")
    table = table.sort_values(
        ["links_out", "links_in", "region"], ascending=[False, False, True], ignore_index=True
    )
    return table[columns]
