"""The flow layer: lines from lead to partner, aggregated by level, focus and selection.

Private part of :mod:`optil_geo.maps` (which re-exports the public names). The
counting is in :mod:`optil_geo._flowdata`; the drawing in the browser in
``data/optil-map.js`` (:mod:`optil_geo._mapjs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import folium
import numpy as np
import pandas as pd

from optil_geo import _flowdata, _mapjs
from optil_geo._distinct import distinct
from optil_geo._errors import SettingsError
from optil_geo._mapcommon import (
    _BOUNDS,
    _BRUSSELS_NIS,
    CLASS_COLOURS,
    Legend,
    _add_legend,
    _digest,
    _stable_ids,
)
from optil_geo.classify import CLASSES
from optil_geo.reference import Reference
from optil_geo.texts import format_number
from optil_geo.texts import text as _t
from optil_geo.wording import class_labels

FLOW_LEVELS = ("auto", "regions", "municipalities")
"""Flow levels: ``auto`` switches from regions to municipalities on zooming in."""

# --------------------------------------------------------------------------- flows

_REGION_TOP_N = 40
# At the Flanders view the flows run between ~27 region nodes. 40 lines is what
# still reads at a glance there (checked on screenshots at 1280 and 1920 px: at
# 60 the supra-regional step was a tangle again); on the demo data they carry
# about half of the links between regions, every node with a flow keeps at least
# its largest one in practice, and the rest is one zoom step away.
_DASHES = {"inside": "", "outgoing": "10 6", "incoming": "2 6"}
_ROLES = ("inside", "outgoing", "incoming")


@dataclass
class FlowSummary:
    """What the flow layer shows and what it leaves out."""

    pairs_total: int
    pairs_shown: int
    links_shown: int
    links_hidden: int
    local_municipalities: int
    local_links: int
    wallonia: int
    abroad: int
    unknown: int
    wallonia_places: dict[str, int] = field(default_factory=dict)
    abroad_places: dict[str, int] = field(default_factory=dict)
    level: str = "municipalities"
    """The level drawn at the first view: ``auto``, ``regions`` or ``municipalities``."""
    region_pairs_total: int = 0
    region_pairs_shown: int = 0
    drawn: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Per level (``regions``, ``municipalities``) the flows drawn: ``lead``,
    ``partner``, ``class``, ``links``, ``projects``, ``role``."""
    rings: dict[str, pd.Series] = field(default_factory=dict)
    """Per level the links that stay at one node (local, or inside one region)."""
    focus: frozenset[str] = frozenset()
    selected: str | None = None
    widths: list[tuple[int, float]] = field(default_factory=list)
    """Width legend: (number of links, line width in pixels), largest first."""

    @property
    def pairs_hidden(self) -> int:
        """Municipality pairs left out by the top-N limit."""
        return self.pairs_total - self.pairs_shown

    @property
    def classes_drawn(self) -> list[str]:
        """The classes of the lines drawn at any level, in legend order."""
        seen = set()
        for table in self.drawn.values():
            seen |= set(table["class"].astype(str)) if len(table) else set()
        return [c for c in CLASSES if c in seen]

    @property
    def roles_drawn(self) -> list[str]:
        """The focus roles (inside, outgoing, incoming) of the lines drawn."""
        seen = set()
        for table in self.drawn.values():
            seen |= set(table["role"].astype(str)) if len(table) else set()
        return [r for r in _ROLES if r in seen]

    @property
    def is_empty(self) -> bool:
        """True when the layer draws no line and no ring."""
        return not any(len(t) for t in self.drawn.values()) and not any(
            len(r) for r in self.rings.values()
        )


def outside_summary(links: pd.DataFrame) -> FlowSummary:
    """Return the partners no line can show (Wallonia, abroad, unknown), flows left at 0.

    Cheap: for a map without flows, which still tells where those partners are.
    """
    region = links["partner_region"].to_numpy(dtype=object)
    wallonia, abroad = region == "wallonia", region == "abroad"
    names = links.get("partner_name", pd.Series("", index=links.index)).to_numpy(dtype=object)
    wallonia_places = pd.Series(names[wallonia], dtype=object).fillna("").value_counts().to_dict()
    abroad_places = pd.Series(names[abroad], dtype=object).fillna("").value_counts().to_dict()
    return FlowSummary(
        pairs_total=0,
        pairs_shown=0,
        links_shown=0,
        links_hidden=0,
        local_municipalities=0,
        local_links=0,
        wallonia=int(wallonia.sum()),
        abroad=int(abroad.sum()),
        unknown=int((links["class"] == "unknown").sum()),
        wallonia_places={str(k): int(v) for k, v in wallonia_places.items()},
        abroad_places={str(k): int(v) for k, v in abroad_places.items()},
    )


def flow_table(links: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Aggregate links per (lead, partner) municipality pair on the map.

    Only links between two municipalities of Flanders/Brussels that are not
    ``local`` are flows; returns ``lead_nis``, ``partner_nis``, ``class``,
    ``links`` (count), ``projects`` (distinct), sorted by ``links`` descending.
    """
    m = reference.municipalities
    on_map = links["lead_nis"].isin(m["nis"]) & links["partner_nis"].isin(m["nis"])
    flows = links[on_map & (links["lead_nis"] != links["partner_nis"])]
    if flows.empty:
        return pd.DataFrame(columns=["lead_nis", "partner_nis", "class", "links", "projects"])
    table = (
        flows.groupby(["lead_nis", "partner_nis", "class"], sort=False)
        .agg(links=("project_id", "size"), projects=("project_id", "nunique"))
        .reset_index()
    )
    return table.sort_values(
        ["links", "lead_nis", "partner_nis"], ascending=[False, True, True], ignore_index=True
    )


def focus_municipalities(reference: Reference, focus: str | Iterable[str] | None) -> frozenset[str]:
    """Return the NIS codes of a focus area (see :func:`flow_layer`'s ``focus``)."""
    return _flowdata.focus_municipalities(reference, focus)


def outside_partners(
    links: pd.DataFrame, reference: Reference, focus: str | Iterable[str]
) -> pd.DataFrame:
    """Return "partners from outside the focus area, by region", with counts.

    One row per region: ``region`` (a referentieregio code, ``BHG``, a Walloon
    province code such as ``50000``, an ISO country code, ``XX`` for other
    countries, or ``unknown``), ``kind`` (``refreg``, ``brussels``, ``wallonia``,
    ``abroad``, ``unknown``), ``links_out`` and ``projects_out`` (partners there
    of projects led inside the area), ``links_in`` and ``projects_in`` (partners
    inside the area of projects led there). Name a region with :func:`region_name`.
    """
    return _flowdata.outside_partners(
        links, reference, _flowdata.focus_municipalities(reference, focus)
    )


def region_name(code: str, reference: Reference, lang: str = "nl") -> str:
    """Return the name of a flow node: a municipality, a region, a province, a country."""
    names = _node_names(reference, lang)
    if code in names:
        return names[code]
    key = f"mp_region_{code}"
    shown = _t(key, lang)
    return shown if shown != key else code


@lru_cache(maxsize=8)
def _node_names(reference: Reference, lang: str) -> dict[str, str]:
    """Every node's name in ``lang``, worked out once: a text table names its
    ~100 lines on every rerun of a map page, and a search per name cost ~0.2 s."""
    m = reference.municipalities
    names: dict[str, str] = {}
    for code, name in zip(m["refreg_code"].astype(str), m["refreg_name"].astype(str), strict=True):
        names.setdefault(code, name)
    for code in _flowdata.region_nodes(reference)["code"].astype(str):
        shown = _t(f"mp_region_{code}", lang)
        if shown != f"mp_region_{code}":
            names[code] = shown  # the catalogue's name wins over the reference's
    names.update(zip(m["nis"].astype(str), m["name_nl"].astype(str), strict=True))
    return names


def _arcs(start: np.ndarray, end: np.ndarray, points: int = 17, bend: float = 0.18) -> np.ndarray:
    """Quadratic Bézier arcs from start to end (lon/lat arrays, shape (n, 2)).

    Every arc bends to the right of its direction, so A→B and B→A do not overlap
    and the curvature itself shows the direction. Computed in a local equirectangular
    frame (longitude scaled by cos(latitude)) so the bend looks the same everywhere.
    The browser draws the same arcs (``OptilMap.arc``).
    """
    scale = math.cos(math.radians(51.0))
    a = start * [scale, 1.0]
    b = end * [scale, 1.0]
    mid = (a + b) / 2
    d = b - a
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1)  # right-hand normal
    ctrl = mid + bend * normal
    t = np.linspace(0.0, 1.0, points)[None, :, None]
    curve = (1 - t) ** 2 * a[:, None, :] + 2 * (1 - t) * t * ctrl[:, None, :] + t**2 * b[:, None, :]
    return curve / [scale, 1.0]


def _nice(n: float) -> int:
    """Round a count to 1, 2 or 5 times a power of ten (for the width legend)."""
    if n <= 1:
        return 1
    power = 10 ** math.floor(math.log10(n))
    return int(max(s * power for s in (1, 2, 5) if s * power <= n))


def _width(count: np.ndarray, top: float) -> np.ndarray:
    return 1.0 + 7.0 * np.sqrt(np.asarray(count, float) / max(top, 1.0))


def _opacity(count: np.ndarray, top: float) -> np.ndarray:
    # Small flows fade (as in FlowmapBlue): the largest is drawn at 0.9, a flow of a
    # tenth of its size at about 0.35, so the few big ones carry the picture.
    return 0.2 + 0.7 * (np.asarray(count, float) / max(top, 1.0)) ** 0.6


@dataclass(frozen=True)
class _Level:
    table: pd.DataFrame
    rings: pd.Series
    total: int
    total_links: int


def _level_flows(
    links: pd.DataFrame,
    reference: Reference,
    *,
    level: str,
    focus: frozenset[str],
    top_n: int,
    selected: str | None,
) -> _Level:
    """The flows of one level, their focus roles, cut to the ``top_n`` largest."""
    lead, partner = _flowdata.link_nodes(links, reference, level=level, focus=focus)
    table = _flowdata.aggregate_flows(links, lead, partner)
    rings = _flowdata.stays(lead, partner)
    if focus:
        members = {code: code in focus for code in set(table["lead"]) | set(table["partner"])}
        table["role"] = _flowdata.focus_roles(table, focus, pd.Series(members)).to_numpy()
        table = table[table["role"] != "other"].reset_index(drop=True)
        rings = rings[rings.index.isin(focus)]
    else:
        table["role"] = ""
    total = len(table)
    total_links = int(table["links"].sum()) if total else 0
    keep = table.index < top_n
    if selected:
        keep |= (table["lead"] == selected) | (table["partner"] == selected)
    return _Level(
        table=table[keep].reset_index(drop=True), rings=rings, total=total, total_links=total_links
    )


def flow_layer(
    links: pd.DataFrame,
    reference: Reference,
    *,
    top_n: int = 250,
    name: str | None = None,
    legend: bool = True,
    lang: str = "nl",
    level: str = "auto",
    region_top_n: int = _REGION_TOP_N,
    focus: str | Iterable[str] | None = None,
    selected: str | None = None,
    label_px: int = 13,
) -> tuple[folium.FeatureGroup, FlowSummary]:
    """Return the flows from lead to partner as a feature group, and what it shows.

    Flows are aggregated per pair of nodes and drawn as arcs bending to the right
    of their direction, with an arrowhead of constant screen size at the partner;
    width by number of links, small flows lighter, colour by class (for a region
    line: its most common class). Links that stay at one node are rings. Nothing
    in this layer takes a click: a click anywhere reaches the municipality below.

    Parameters
    ----------
    links
        The classified links (:func:`optil_geo.build_links`, filtered).
    reference
        The reference geography.
    top_n
        At municipality level, draw only the ``top_n`` largest pairs.
    name
        The layer name (default: "Samenwerkingen" in ``lang``).
    legend
        Add the legend as a map control that follows the layer.
    lang
        Language of the legend and labels.
    level
        ``"regions"``: lines between referentieregio's, Brussels, the Walloon
        provinces and countries; ``"municipalities"``: lines between
        municipalities; ``"auto"`` (default): regions at the first view,
        municipalities once zoomed in one step further (switched in the browser),
        or municipalities only when there are no more pairs than ``region_top_n``.
    region_top_n
        At region level, draw only the ``region_top_n`` largest pairs (default 40).
    focus
        A focus area (see :func:`focus_municipalities`): the map is fitted to it,
        only flows touching it are drawn, dashed by direction (inside solid,
        outgoing long dashes, incoming short dashes); at region level its own
        municipalities stay separate nodes.
    selected
        A municipality (NIS) whose outgoing and incoming flows are highlighted
        while the others are dimmed; its flows are always drawn, and the
        municipality level is shown.
    label_px
        Font size of the labels of places outside Flanders (Walloon provinces,
        countries) at region level.
    """
    if level not in FLOW_LEVELS:
        raise SettingsError(f"`level` was {level!r} but must be one of {list(FLOW_LEVELS)!r}")
    if top_n < 0 or region_top_n < 0:
        raise SettingsError(
            f"`top_n` and `region_top_n` were {top_n!r} and {region_top_n!r} but must be 0 or more"
        )
    name = name or _t("mp_layer_flows", lang)
    focus_set = _flowdata.focus_municipalities(reference, focus)
    selected = str(selected) if selected else None
    if selected is not None and selected not in _flowdata.municipality_regions(reference):
        raise SettingsError(
            f"`selected` was {selected!r} but must be the NIS code of a municipality"
        )
    if selected is not None and level == "auto":
        level = "municipalities"
    levels = ["regions", "municipalities"] if level == "auto" else [level]
    computed = {
        lv: _level_flows(
            links,
            reference,
            level=lv,
            focus=focus_set,
            top_n=region_top_n if lv == "regions" else top_n,
            selected=selected,
        )
        for lv in levels
    }
    few = computed.get("municipalities")
    if (
        level == "auto"
        and few is not None
        and few.total <= region_top_n
        and not _leaves_the_map(computed["regions"].table, reference)
    ):
        # Few enough lines to read as they are (one project, a small selection):
        # no aggregation needed at any zoom. Not when partners in Wallonia or abroad
        # have lines at region level only: a selection of international links would
        # otherwise draw nothing.
        level = "municipalities"
        del computed["regions"]
    top = max((float(c.table["links"].max()) for c in computed.values() if len(c.table)), default=1)
    nodes = _node_positions(reference)
    colour_index = {c: i for i, c in enumerate(CLASSES)}
    payload_flows: dict[str, list[list[Any]]] = {}
    payload_rings: dict[str, list[list[Any]]] = {}
    used: set[str] = set()
    for lv, c in computed.items():
        t = c.table
        # One width scale for both levels, so the width legend holds at every zoom;
        # fading per level, so the largest flows between municipalities stay solid.
        level_top = max(float(t["links"].max()), 1.0) if len(t) else 1.0
        weight = np.round(_width(t["links"].to_numpy(), top), 1)
        opacity = np.round(_opacity(t["links"].to_numpy(), level_top), 2)
        # Smallest first, so the big flows lie on top.
        order = np.argsort(t["links"].to_numpy(), kind="stable")
        lead_codes = t["lead"].to_numpy(dtype=object)
        partner_codes = t["partner"].to_numpy(dtype=object)
        class_codes = t["class"].to_numpy(dtype=object)
        role_codes = t["role"].to_numpy(dtype=object)
        payload_flows[lv] = [
            [
                str(lead_codes[i]),
                str(partner_codes[i]),
                colour_index[str(class_codes[i])],
                float(weight[i]),
                float(opacity[i]),
                str(role_codes[i]),
            ]
            for i in order
        ]
        ring_top = max(float(c.rings.max()), 1.0) if len(c.rings) else 1.0
        payload_rings[lv] = [
            [str(code), round(3.0 + 13.0 * math.sqrt(n / ring_top), 1), int(n)]
            for code, n in c.rings.items()
        ]
        used |= set(t["lead"]) | set(t["partner"]) | set(c.rings.index.astype(str))
    view = _view_bounds(reference, focus_set)
    node_kinds = _node_kinds(reference)
    node_labels = [
        {
            "lat": nodes[code][0],
            "lon": nodes[code][1],
            "text": region_name(code, reference, lang),
            "priority": 1e10,
            "cls": "og-outside",
        }
        for code in sorted(used)
        if node_kinds.get(code) in ("wallonia", "abroad")
    ]
    labels: list[dict[str, Any]] = []
    if focus_set:
        # The focus area's own places, largest first (below the city labels).
        m = reference.municipalities
        inside = m[m["nis"].isin(focus_set) & ~m["is_centrumstad"] & (m["nis"] != _BRUSSELS_NIS)]
        labels = [
            {
                "lat": round(float(lat), 5),
                "lon": round(float(lon), 5),
                "text": str(name),
                "priority": float(pop) / 1e3,
            }
            for lat, lon, name, pop in zip(
                inside["lat"], inside["lon"], inside["name_nl"], inside["population"], strict=True
            )
        ]
    nis_node = dict(_flowdata.municipality_regions(reference))
    for code in focus_set:
        nis_node[code] = code
    cfg = {
        "id": "flows",
        "nodes": {code: nodes[code] for code in sorted(used) if code in nodes},
        "flows": payload_flows,
        "rings": payload_rings,
        "colours": [CLASS_COLOURS[c] for c in CLASSES],
        "ring": CLASS_COLOURS["local"],
        "dashes": _DASHES,
        "level": level,
        "levelBounds": view,
        "view": view,
        "focus": bool(focus_set),  # a focus area is fitted clear of the legend
        "selected": selected,
        "nisNode": nis_node,
        "labels": labels,
        "nodeLabels": node_labels,
        "labelPx": label_px,
    }
    group = folium.FeatureGroup(name=name, control=True)
    group.add_child(_mapjs.Runtime())
    group.add_child(_mapjs.Call("flows", cfg))

    muni = computed.get("municipalities")
    region = computed.get("regions")
    leads = distinct(links["lead_nis"])
    lead_on_map = leads.spread(
        leads.decide(_flowdata.municipality_regions(reference).__contains__), dtype=bool
    )
    local = lead_on_map & (links["class"].to_numpy(dtype=object) == "local")
    summary = replace(
        outside_summary(links),
        pairs_total=muni.total if muni is not None else 0,
        pairs_shown=len(muni.table) if muni is not None else 0,
        links_shown=int(muni.table["links"].sum()) if muni is not None else 0,
        links_hidden=(muni.total_links - int(muni.table["links"].sum()) if muni is not None else 0),
        local_municipalities=len(np.unique(leads.codes[local])),
        local_links=int(local.sum()),
        level=level,
        region_pairs_total=region.total if region is not None else 0,
        region_pairs_shown=len(region.table) if region is not None else 0,
        drawn={
            lv: c.table[["lead", "partner", "class", "links", "projects", "role"]]
            for lv, c in computed.items()
        },
        rings={lv: c.rings for lv, c in computed.items()},
        focus=focus_set,
        selected=selected,
        widths=_width_steps(top),
    )
    if summary.is_empty:
        # No link at all: the general message (shown once with the choropleth's).
        empty = "mp_empty" if links.empty else "mp_empty_flows"
        group.add_child(_mapjs.MessageBox(_t(empty, lang)))
    elif legend:
        _add_legend(group, flow_legend(summary, lang=lang), "bottomleft")
    _stable_ids(group, "flows" + _digest(cfg, summary.wallonia, summary.abroad, lang, legend))
    return group, summary


def _leaves_the_map(table: pd.DataFrame, reference: Reference) -> bool:
    """Whether a region-level flow table has a line to Wallonia or abroad."""
    kinds = _node_kinds(reference)
    return any(kinds.get(code) in ("wallonia", "abroad") for code in table["partner"])


@lru_cache(maxsize=4)
def _node_kinds(reference: Reference) -> dict[str, str]:
    """Every region node's kind (``refreg``, ``brussels``, ``wallonia``, ``abroad``)."""
    nodes = _flowdata.region_nodes(reference)
    return dict(zip(nodes["code"].astype(str), nodes["kind"].astype(str), strict=True))


def _width_steps(top: float) -> list[tuple[int, float]]:
    """Three widths for the legend: the largest flow, a middle one, a single link."""
    counts = sorted({int(top), _nice(top / 4), 1}, reverse=True)
    return [(n, round(float(_width(np.array([n]), top)[0]), 1)) for n in counts if n >= 1]


@lru_cache(maxsize=4)
def _node_positions(reference: Reference) -> dict[str, list[float]]:
    """Every node's [lat, lon]: municipalities (NIS) and regions."""
    m = reference.municipalities
    out = {
        str(n): [round(float(lat), 5), round(float(lon), 5)]
        for n, lat, lon in zip(m["nis"], m["lat"], m["lon"], strict=True)
    }
    nodes = _flowdata.region_nodes(reference)
    for code, lat, lon in zip(nodes["code"], nodes["lat"], nodes["lon"], strict=True):
        out[str(code)] = [round(float(lat), 5), round(float(lon), 5)]
    return out


def _view_bounds(reference: Reference, focus: frozenset[str]) -> list[list[float]]:
    """The extent to show: the focus area with a margin, or Flanders and Brussels."""
    if not focus:
        return _BOUNDS
    web = reference.municipalities_web
    part = web[web["nis"].isin(focus)]
    minx, miny, maxx, maxy = part.total_bounds
    # A margin of 15 % (at least ~3 km) so the flows leaving the area start on screen.
    dx = max((maxx - minx) * 0.15, 0.04)
    dy = max((maxy - miny) * 0.15, 0.03)
    return [
        [round(float(miny - dy), 5), round(float(minx - dx), 5)],
        [round(float(maxy + dy), 5), round(float(maxx + dx), 5)],
    ]


def flow_legend(summary: FlowSummary, *, lang: str = "nl") -> Legend:
    """Return the legend of the flow layer: only what is drawn, widths, what has no line."""
    labels = class_labels(lang)
    if summary.is_empty and summary.drawn:
        return Legend(title=_t("mp_flows_title", lang), rows=[], note=_t("mp_empty_flows", lang))
    rows: list[tuple[str, str, str]] = []
    has_rings = any(len(r) for r in summary.rings.values()) or (
        not summary.drawn and summary.local_links
    )
    if has_rings:  # local first: the one class order of every legend
        ring = {"auto": "mp_ring_auto", "regions": "mp_ring_region"}.get(summary.level, "mp_ring")
        rows.append(("ring", CLASS_COLOURS["local"], _t(ring, lang)))
    rows += [("line", CLASS_COLOURS[c], labels[c]) for c in summary.classes_drawn]
    if summary.roles_drawn:
        rows.append(("heading", "", _t("mp_role_title", lang)))
        rows += [("dash", _DASHES[r], _t(f"mp_role_{r}", lang)) for r in summary.roles_drawn]
    if summary.widths and summary.classes_drawn:
        rows.append(("heading", "", _t("mp_width_title", lang)))
        rows += [
            ("width", str(w), _t("mp_links_n", lang, n=format_number(n, 0, lang=lang)))
            for n, w in summary.widths
        ]
    parts = []
    if summary.level == "auto":
        parts.append(_t("mp_level_regions", lang))
        parts.append(_t("mp_dominant", lang))
    elif summary.level == "regions":
        parts.append(_t("mp_level_regions_fixed", lang))
        parts.append(_t("mp_dominant", lang))
    if summary.pairs_hidden and summary.level == "municipalities":
        parts.append(_t("mp_top", lang, shown=summary.pairs_shown, total=summary.pairs_total))
    outside = [
        _t(f"mp_outside_{key}", lang, n=n)
        for key, n in (("wallonia", summary.wallonia), ("abroad", summary.abroad))
        if n
    ]
    if outside and summary.level == "municipalities":
        parts.append(_t("mp_outside", lang, items=", ".join(outside)))
    if summary.classes_drawn:
        parts.append(_t("mp_faded", lang))
    return Legend(title=_t("mp_flows_title", lang), rows=rows, note=" ".join(parts))


def text_alternative(
    summary: FlowSummary, reference: Reference, *, lang: str = "nl", level: str | None = None
) -> pd.DataFrame:
    """Return the table of what the flow layer draws, in words, for next to the map.

    One row per line drawn at ``level`` (default: the level of the first view),
    largest first, with the places named in ``lang``: from, to, kind, links,
    projects, and the direction when a focus area is set.
    """
    if level is None:
        level = "regions" if summary.level == "auto" else summary.level
    table = summary.drawn.get(level)
    labels = class_labels(lang)
    columns = {
        "lead": _t("mp_col_from", lang),
        "partner": _t("mp_col_to", lang),
        "class": _t("mp_col_class", lang),
        "links": _t("mp_col_links", lang),
        "projects": _t("mp_col_projects", lang),
    }
    if table is None or table.empty:
        return pd.DataFrame(columns=list(columns.values()))
    table = table.sort_values(["links", "lead", "partner"], ascending=[False, True, True])
    out = pd.DataFrame(
        {
            columns["lead"]: [region_name(c, reference, lang) for c in table["lead"]],
            columns["partner"]: [region_name(c, reference, lang) for c in table["partner"]],
            columns["class"]: table["class"].map(labels).to_numpy(),
            columns["links"]: table["links"].astype(int).to_numpy(),
            columns["projects"]: table["projects"].astype(int).to_numpy(),
        }
    )
    if summary.focus:
        out[_t("mp_col_role", lang)] = [
            _t(f"mp_role_{r}", lang) if r else "" for r in table["role"]
        ]
    return out
