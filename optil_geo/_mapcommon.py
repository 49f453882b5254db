"""What every map builder shares: class colours, the extent, stable element ids, legends.

Private plumbing of :mod:`optil_geo.maps` (which re-exports the public names).
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import Any

from branca.element import Element
from jinja2 import Template

from optil_geo._mapjs import PlainMacroElement

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


class _LegendControl(PlainMacroElement):
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
