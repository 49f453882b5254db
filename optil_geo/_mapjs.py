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
import re
from importlib import resources
from typing import Any

from branca.element import Element, Figure, MacroElement
from jinja2 import Template

RUNTIME = (resources.files("optil_geo") / "data" / "optil-map.js").read_text(encoding="utf-8")
"""The script that defines ``window.OptilMap``."""

_NEWLINES = re.compile(r"\r\n|\r")


class _Rendered(Element):
    """A part of the page already rendered: it renders as the text it was given.

    branca adds a macro's output as ``Element(text)``, which compiles that text as
    a Jinja template and renders it again. Our parts hold user text (names in
    tooltips, titles, legends), where ``{{ … }}`` was then evaluated and ``{%``
    broke the map, and large payloads that Jinja re-read on every new map.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Rendered"
        # What Jinja makes of text without template syntax: newlines as "\n", one
        # trailing newline dropped (so the page is the same text as before).
        text = _NEWLINES.sub("\n", text)
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs: Any) -> str:
        """Return the text (``kwargs`` are not used: nothing is left to fill in)."""
        return self.text


class PlainMacroElement(MacroElement):
    """A ``MacroElement`` whose rendered ``header``, ``html`` and ``script`` go in as text.

    branca's :meth:`MacroElement.render` would parse each rendered part as a
    template a second time (see :class:`_Rendered`): user text in it was
    evaluated as Jinja, and a map's scripts were compiled twice. Every element of
    this library's maps derives from this class; folium's own elements are left
    as they are.
    """

    # (branca types ``Element.render`` as returning text; a MacroElement's returns None)
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Add the rendered parts to the page (as branca does, without the second parse)."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError(f"{type(self).__name__} can only be rendered inside a Figure")
        module = self._template.module.__dict__
        for part, target in (
            ("header", figure.header),
            ("html", figure.html),
            ("script", figure.script),
        ):
            macro = module.get(part)
            if macro is not None:
                target.add_child(_Rendered(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class Runtime(PlainMacroElement):
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


class Call(PlainMacroElement):
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


class MessageBox(PlainMacroElement):
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
