"""The browser side of the maps: one small script, and the folium elements that call it.

The script (``RUNTIME``) defines ``window.OptilMap`` once per page. It is added
by :func:`optil_geo.maps.base_map` and again by every flow layer (a guard skips
the second definition): streamlit-folium runs a changed layer's code on its own,
after the map, so a layer must not depend on the map's code having run first.

What it does, all in the browser (no server round trip):

- flows are drawn from node positions and counts as quadratic arcs bending to
  the right, with an SVG arrowhead of constant screen size at the partner;
  they and every other decoration are non-interactive, so a click anywhere
  lands on the municipality below;
- two flow levels (regions, municipalities) switch on zoom, or stay fixed;
- hovering a municipality highlights its flows and dims the others; a click
  keeps that highlight until another municipality is clicked, or empty map
  space (the sea, Wallonia) clears it;
- labels are placed greedily by priority in screen space (right, left, above,
  below the point) and hidden when they would overlap, on every zoom and resize;
- the map container is one named focus stop: shapes and markers leave the tab
  order.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from branca.element import MacroElement
from jinja2 import Template

RUNTIME = (resources.files("optil_geo") / "data" / "optil-map.js").read_text(encoding="utf-8")
"""The script that defines ``window.OptilMap``."""


class Runtime(MacroElement):
    """Define ``window.OptilMap`` (once per page)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}{% raw %}
        """
        + RUNTIME
        + """
        {% endraw %}{% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "OptilRuntime"


class Call(MacroElement):
    """Call ``OptilMap.<function>(<parent layer>, <map or data>)`` after the parent exists."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        OptilMap.{{ this.function }}({{ this._parent.get_name() }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, payload: Any, *, raw: bool = False) -> None:
        super().__init__()
        self._name = "OptilCall"
        self.function = function
        # ``</`` cannot close the script tag when the payload holds user text.
        self.payload = payload if raw else json.dumps(payload).replace("</", "<\\/")


class MessageBox(MacroElement):
    """A message on the map (an empty selection), shown while its parent layer is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var layer = {{ this._parent.get_name() }};
          var box = null;
          function show(map) {
            // One message per text: an empty choropleth and empty flows say it once.
            var text = {{ this.text|tojson }};
            var shown = map.getContainer().querySelectorAll(".og-message");
            for (var i = 0; i < shown.length; i++) {
              if (shown[i].textContent === text) { return; }
            }
            if (!box) { box = OptilMap.message(map, layer, text); }
            if (!box._map) { box.addTo(map); }
          }
          layer.on("add", function (e) { show(e.target._map); });
          layer.on("remove", function () { if (box) { box.remove(); } });
          if (layer._map) { show(layer._map); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "MessageBox"
        self.text = text
