"""Showing a folium map on a page: cached, titled, with a busy sign, and the clicks it returns.

Every map page calls :func:`show_map`. The map's HTML and JavaScript are built
once per *what the map shows* (:func:`st.cache_data`, keyed on the caller's
``cache_key``): a rerun that does not change the map (a click that opens the
details, a table sorted) sends the cached strings to the browser instead of
rendering 304 polygons and the flows again. The map component is
streamlit-folium's own; the arguments are built the way ``st_folium`` builds
them (its helper functions), so the browser side is unchanged.

Also here: the map frame's title for screen readers (not
"streamlit_folium.st_folium"), a "map is being updated" sign over a map while
the script reruns, a height that follows the window (Presentatie), and the
clicked municipality.
"""

from __future__ import annotations

import contextlib
import html
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import branca
import folium
import pandas as pd
import streamlit as st
import streamlit_folium as sf
from jinja2 import Template

import optil_geo as og
from optil_geo import maps
from optil_geo._mapjs import PlainMacroElement
from ui import data
from ui.text import t


@dataclass
class MapParts:
    """What a page builds for :func:`show_map`: a base map, its changing layers, more."""

    base: folium.Map
    layers: Sequence[folium.FeatureGroup]
    control: folium.LayerControl | None = None
    extra: Any = None
    """Anything the page needs beside the map and wants cached with it (a flow summary)."""
    base_key: str | None = None
    """Everything ``base`` depends on, as text (``repr((tiles, lang))``), when the page
    knows it: maps with the same ``base_key`` then share one rendering of the base
    map, and a filter change renders only the layers."""


@dataclass(frozen=True)
class ShownMap:
    """What :func:`show_map` returns: the user's clicks and the builder's ``extra``."""

    value: dict[str, Any]
    extra: Any


Builder = Callable[[], MapParts]


# ------------------------------------------------------------------ the frame's title


class FrameTitle(PlainMacroElement):
    """Name the map's frame (for screen readers and the keyboard) from inside the map.

    The map lives in an iframe of the same origin; its script names the frame
    element it runs in. In a standalone export there is no frame, and nothing
    happens. With ``fill``, the map fills the frame's height whatever height the
    page gave it (the frame itself is sized by the page's CSS).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {% if this.fill %}<style>html, body { overflow: hidden; }
        #map_div { height: 100vh !important; }</style>{% endif %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
          var title = {{ this.title|tojson }};
          document.title = title;
          try {
            if (window.frameElement) { window.frameElement.setAttribute("title", title); }
          } catch (e) { /* another origin: leave it */ }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, *, fill: bool = False) -> None:
        super().__init__()
        self._name = "FrameTitle"
        self.title = title
        self.fill = fill


# ------------------------------------------------------------------ cached component args


def selection_key(selection: data.Selection) -> str:
    """Return a short text that changes whenever the selection's data change."""
    return repr(
        (
            selection.analysis.key,
            data.inputs_digest(),
            selection.rules,
            selection.filters,
        )
    )


def _assets(m: folium.Map) -> tuple[list[str], list[str]]:
    """The CSS and JS files the map's elements ask for (as ``st_folium`` collects them)."""
    css: list[str] = []
    js: list[str] = []

    def walk(element: Any) -> Iterable[Any]:
        if isinstance(element, folium.elements.JSCSSMixin | branca.colormap.ColorMap):
            yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(m):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return list(dict.fromkeys(css)), list(dict.fromkeys(js))


def component_args(
    m: folium.Map,
    layers: Sequence[folium.FeatureGroup],
    layer_control: folium.LayerControl | None,
    *,
    bounds: bool = True,
    base_key: str | None = None,
) -> dict[str, Any]:
    """Return what the map component needs: base map script, layers' script, assets, bounds.

    The same steps as ``st_folium`` (its own helper functions), without sending
    anything: the result is plain text and can be cached. With ``bounds=False``
    the map's bounds are left empty: folium finds them by walking every vertex
    of every outline in Python (0.1-0.3 s a map), and they are only the start
    value of the ``bounds`` a page may ask the map to return. With a ``base_key``
    (see :attr:`MapParts.base_key`) the base map and the layer control are
    rendered once per key and layer names, not once per map.
    """
    key = (
        base_key,
        tuple(str(getattr(layer, "layer_name", "")) for layer in layers),
        json.dumps(layer_control.options, sort_keys=True, default=str) if layer_control else None,
    )
    with _BASE_LOCK:
        cached = _BASE_PARTS.get(key) if base_key is not None else None
    if cached is None:
        m.get_root().render()
        m.render()
        html_part = sf._get_html(m)
        header = sf._get_header(m)
        script = sf._get_map_string(m)  # also names the base map's elements for the control
        css, js = _assets(m)
        base = {
            "script": script,
            "header": header,
            "html": html_part,
            "id": sf.get_full_id(m),
            "css_links": css,
            "js_links": js,
            "zoom": m.options.get("zoom"),
        }
        layers_script = "".join(_layer_script(layer, m, i) for i, layer in enumerate(layers))
        control = sf._get_layer_control_string(layer_control, m) if layer_control else None
        if base_key is not None:
            with _BASE_LOCK:
                _BASE_PARTS[key] = (base, control)
                while len(_BASE_PARTS) > _BASE_PARTS_MAX:
                    _BASE_PARTS.popitem(last=False)
    else:
        base, control = cached
        layers_script = "".join(_layer_script(layer, m, i) for i, layer in enumerate(layers))
    south = west = north = east = None
    if bounds:
        with contextlib.suppress(AttributeError, TypeError, ValueError):
            (south, west), (north, east) = m.get_bounds()
    return {
        **base,
        "feature_group": layers_script or None,
        "layer_control": control,
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
    }


# The base maps' rendered parts, by base key and layer names (a few per page and language).
_BASE_PARTS: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], str | None]] = OrderedDict()
_BASE_PARTS_MAX = 16
_BASE_LOCK = threading.Lock()


_LAYER_SCRIPTS: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_LAYER_SCRIPTS_MAX = 64


def _layer_script(layer: folium.FeatureGroup, m: folium.Map, idx: int) -> str:
    """A layer's JavaScript, rendered once per content.

    The library names every layer and its children after their content (ids from
    a digest of what they draw), so the same ids mean the same script: a click
    that only changes the flows does not render the 304 polygons again.
    """
    key = (idx, layer._id, *(child._id for child in layer._children.values()))
    with _BASE_LOCK:
        script = _LAYER_SCRIPTS.get(key)
        if script is not None:
            _LAYER_SCRIPTS.move_to_end(key)
    if script is None:
        # The polygons' coordinates are put in after folium and the component's
        # own steps: those handle only the tooltips and colours (see geometry_marks).
        with maps.geometry_marks(layer) as restore:
            script = restore(sf._get_feature_group_string(layer, map=m, idx=idx))
        with _BASE_LOCK:
            _LAYER_SCRIPTS[key] = script
            while len(_LAYER_SCRIPTS) > _LAYER_SCRIPTS_MAX:
                _LAYER_SCRIPTS.popitem(last=False)
    else:
        # Named and placed as st_folium does, so that the layer control still lists it.
        layer._id = f"feature_group_{idx}"
        layer.add_to(m)
    return script


@st.cache_data(max_entries=48, show_spinner=False)
def _cached_args(cache_key: str, _build: Builder, bounds: bool) -> tuple[dict[str, Any], Any]:
    """The component arguments of the map ``cache_key`` names (built by ``_build`` once)."""
    del cache_key  # the cache key only: the caller names everything the map depends on
    parts = _build()
    args = component_args(
        parts.base, parts.layers, parts.control, bounds=bounds, base_key=parts.base_key
    )
    return args, parts.extra


def show_map(
    name: str,
    *,
    cache_key: str,
    build: Builder,
    title: str,
    height: int = 560,
    returned_objects: Sequence[str] = (),
    fill_height: str | None = None,
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> ShownMap:
    """Draw a map on the page; return what the user did with it (clicks) and the ``extra``.

    Parameters
    ----------
    name
        A short name unique on the page (``"kaart"``): the widget key and the CSS
        hook ``.st-key-ogmap-<name>`` of the map's container.
    cache_key
        Everything the map depends on, as text: the same text returns the same
        map without building it again.
    build
        Makes the base map, its changing layers and an optional layer control
        (called only when ``cache_key`` is new).
    title
        The frame's accessible name, e.g. ``"Kaart van de samenwerkingen"``.
    height
        Height in pixels (the frame's own; see ``fill_height``).
    returned_objects
        The ``st_folium`` values to return (e.g. ``"last_active_drawing"``).
    fill_height
        A CSS height (``"calc(100vh - 16rem)"``) that the map takes instead of
        ``height``: it follows the window, as on a projector.
    on_change
        Called with the map's new value when the user clicks, before the page
        reruns (so it may set the value of a widget drawn above the map).
    """

    def titled() -> MapParts:
        parts = build()
        parts.base.add_child(FrameTitle(title, fill=fill_height is not None))
        if parts.base_key is not None:
            parts.base_key = f"{parts.base_key}|{title}|{fill_height is not None}"
        return parts

    args, extra = _cached_args(
        f"{cache_key}|{title}|{fill_height is not None}", titled, "bounds" in returned_objects
    )
    hash_key = sf.generate_js_hash(args["script"], name, False)
    defaults: dict[str, Any] = {
        "last_clicked": None,
        "last_object_clicked": None,
        # What the map itself reports once drawn (no click yet: 0). The same value
        # here means the component has nothing new to send, so a freshly drawn map
        # does not make the whole page run a second time.
        "last_object_clicked_count": 0,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": args["bounds"],
        "zoom": args["zoom"],
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    returned = list(returned_objects)

    def changed() -> None:
        value = st.session_state.get(hash_key) or {}
        st.session_state[name] = value
        if on_change is not None:
            on_change(value)

    css = _busy_css(name) + (_fill_css(name, fill_height) if fill_height else "")
    st.html(f"<style>{css}</style>")
    with st.container(key=f"ogmap-{name}"):
        result = sf._component_func(
            script=args["script"],
            header=args["header"],
            html=args["html"],
            id=args["id"],
            key=hash_key,
            height=height,
            width=None,
            returned_objects=returned,
            default={k: v for k, v in defaults.items() if k in returned},
            zoom=None,
            center=None,
            feature_group=args["feature_group"],
            return_on_hover=False,
            layer_control=args["layer_control"],
            pixelated=False,
            css_links=args["css_links"],
            js_links=args["js_links"],
            on_change=changed,
            wrap_longitude=False,
        )
    return ShownMap(value=result if isinstance(result, dict) else {}, extra=extra)


def _css_string(text: str) -> str:
    """Quote text for a CSS ``content`` value (CSS escapes, not JSON's ``\\u2026``)."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>' or ord(ch) < 32 else ch for ch in text)
    return f'"{escaped}"'


def _busy_css(name: str) -> str:
    """A sign over the map while the page reruns for longer than a moment."""
    box = f".st-key-ogmap-{name}"
    running = f'[data-test-script-state="running"] {box}'
    return f"""
{box} {{ position: relative; }}
{box}::after {{
  content: {_css_string(t("map_busy"))}; position: absolute; z-index: 5;
  top: 45%; left: 50%; transform: translate(-50%, -50%);
  padding: .55rem 1.1rem .55rem 2.6rem; border-radius: .5rem;
  background: rgba(255, 255, 255, .95) no-repeat .9rem 50% / 1.1rem 1.1rem
    radial-gradient(circle, #0072B2 0 35%, transparent 40%);
  box-shadow: 0 1px 6px rgba(0, 0, 0, .3); color: #1f1f1f; white-space: nowrap;
  font: 600 1.05rem/1.3 "Source Sans", system-ui, sans-serif;
  pointer-events: none; opacity: 0; visibility: hidden;
}}
{running}::after {{ animation: og-busy .2s linear .3s forwards, og-pulse 1s ease-in-out .5s infinite; }}
@keyframes og-busy {{ to {{ opacity: 1; visibility: visible; }} }}
@keyframes og-pulse {{ 50% {{ background-size: .6rem .6rem; }} }}
"""


def _fill_css(name: str, height: str) -> str:
    return f".st-key-ogmap-{name} iframe {{ height: {height} !important; }}"


# ------------------------------------------------------------------ clicks


def clicked_municipality(result: object, seen: object) -> tuple[tuple[int, str] | None, str | None]:
    """Return the click to remember and the municipality newly clicked (or None).

    ``st_folium`` returns the last click on every rerun; a click is new when its
    count (``last_object_clicked_count``, raised by every click, also a second one
    on the same municipality) differs from the one ``seen`` before. A freshly
    mounted map has no click yet: then nothing is remembered, so its first click
    always counts.
    """
    if not isinstance(result, dict):
        return None, None
    count = result.get("last_object_clicked_count")
    drawing = result.get("last_active_drawing")
    props = drawing.get("properties") if isinstance(drawing, dict) else None
    nis = props.get("nis") if isinstance(props, dict) else None
    if not count or not nis:
        return None, None
    key = (int(count), str(nis))
    if isinstance(seen, tuple | list) and tuple(seen) == key:
        return key, None
    return key, str(nis)


def clicked_empty_space(result: object) -> bool:
    """Return whether the map's last click fell outside every municipality (sea, Wallonia).

    Needs ``last_clicked`` and ``last_object_clicked`` among the returned objects.
    A click on a municipality sets both to the same point; a click on empty map
    space moves only ``last_clicked``.
    """
    if not isinstance(result, dict):
        return False
    where = result.get("last_clicked")
    return bool(where) and where != result.get("last_object_clicked")


# ------------------------------------------------------------------ partners without a line


# The partners without a line (Wallonia, abroad, unknown), without building the flows.
outside_summary = maps.outside_summary


# ------------------------------------------------------------------ focus area


def outside_partners_table(
    links: pd.DataFrame, reference: og.Reference, area: Sequence[str], lang: str
) -> pd.DataFrame:
    """The library's partners across the focus area's border, by region, with names."""
    table = maps.outside_partners(links, reference, area)
    if table.empty:
        return table
    named = table.assign(region=[maps.region_name(c, reference, lang) for c in table["region"]])
    return named[["region", "links_out", "projects_out", "links_in", "projects_in"]]


def values_table(
    values: pd.Series, reference: og.Reference, *, title: str, decimals: int = 0
) -> pd.DataFrame:
    """The values a choropleth colours, as a table: municipality, referentieregio, value.

    Largest first; municipalities with 0 are left out (the map shows them in grey).
    """
    m = reference.municipalities
    numbers = pd.to_numeric(values, errors="coerce").reindex(m["nis"]).fillna(0.0).to_numpy()
    table = pd.DataFrame(
        {
            t("col_municipality"): m["name_nl"].to_numpy(),
            t("region"): m["refreg_name"].to_numpy(),
            title: numbers.round(decimals),
        }
    )
    table = table[table[title] != 0]
    return table.sort_values([title, t("col_municipality")], ascending=[False, True])


def legend_strip(legend: maps.Legend, *, note: bool = True) -> str:
    """Return a legend as a few lines of swatches (under a map), escaped HTML.

    Each heading row starts a new line; the note, when asked for, follows in grey.
    """
    groups: list[list[str]] = [[f"<b>{html.escape(legend.title)}</b>"]]
    for kind, colour, label in legend.rows:
        if kind == "heading":
            groups.append([f"<b>{html.escape(label)}</b>"])
            continue
        if kind == "dash":
            swatch = f'<span class="og-sw" style="{_dash_css(colour)}"></span>'
        else:
            css = {
                "line": f"width:1.6rem;height:0;border-top:.28rem solid {colour}",
                "ring": f"width:.6rem;height:.6rem;border:.16rem solid {colour};border-radius:50%",
                "width": f"width:1.6rem;height:0;border-top:{_px(colour)}px solid #555",
            }.get(kind, f"width:1rem;height:.7rem;border:1px solid #999;background:{colour}")
            swatch = f'<span class="og-sw" style="{css}"></span>'
        groups[-1].append(f'<span class="og-key">{swatch}{html.escape(label)}</span>')
    lines = "".join(f'<div class="og-strip-line">{"".join(g)}</div>' for g in groups)
    shown_note = (
        f'<div class="og-key-note">{html.escape(legend.note)}</div>' if note and legend.note else ""
    )
    return f'<div class="og-strip">{lines}{shown_note}</div>'


def _dash_css(pattern: str) -> str:
    """A dashed line swatch from an SVG dash pattern (``"8 5"``; empty: solid), in CSS."""
    parts = [float(p) for p in pattern.replace(",", " ").split() if p.replace(".", "").isdigit()]
    if len(parts) < 2:
        return "width:1.6rem;height:.2rem;background:#444"
    on, off = parts[0], parts[1]
    return (
        "width:1.6rem;height:.2rem;"
        f"background:repeating-linear-gradient(90deg,#444 0 {on:g}px,transparent {on:g}px "
        f"{on + off:g}px)"
    )


def _px(value: str) -> str:
    try:
        return f"{float(value):.1f}"
    except ValueError:
        return "2"


STRIP_CSS = """
.og-strip { font: 400 .9rem/1.5 "Source Sans", system-ui, sans-serif; color: #222; }
.og-strip b { font-weight: 600; }
.og-strip-line { display: flex; flex-wrap: wrap; align-items: center; gap: 0 .8rem; }
/* A key moves to the next line whole; only a key longer than the line wraps its words
   (the ring's "partner in the same region (zoomed in: municipality)" ran off the edge). */
.og-strip .og-key { display: inline-flex; align-items: center; max-width: 100%; }
.og-strip .og-sw { display: inline-block; flex: none; margin-right: .35rem; }
.og-strip .og-key-note { color: #555; font-size: .85rem; line-height: 1.35; }
"""
