"""The map view's plain helpers: clicks, focus extent, legends in lines, cached layer scripts."""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import OrderedDict
from typing import Any

import folium
import pandas as pd
import pytest
import streamlit_folium as sf

import optil_geo as og
from optil_geo import maps
from ui import exports, mapview


@pytest.fixture(scope="module")
def ref() -> og.Reference:
    return og.load_reference()


def _click(count: int, nis: str) -> dict[str, object]:
    return {"last_object_clicked_count": count, "last_active_drawing": {"properties": {"nis": nis}}}


def test_a_click_is_new_once_and_a_second_click_on_the_same_place_counts() -> None:
    seen, clicked = mapview.clicked_municipality(_click(1, "44021"), None)
    assert (seen, clicked) == ((1, "44021"), "44021")
    assert mapview.clicked_municipality(_click(1, "44021"), seen) == (seen, None)
    assert mapview.clicked_municipality(_click(2, "44021"), seen) == ((2, "44021"), "44021")
    assert mapview.clicked_municipality({}, seen) == (None, None)
    assert mapview.clicked_municipality(None, seen) == (None, None)


def test_a_click_on_empty_map_space_is_told_from_a_click_on_a_municipality() -> None:
    here = {"lat": 51.2, "lng": 3.1}
    there = {"lat": 51.5, "lng": 2.6}  # the North Sea
    # A municipality's click moves both points to the same place.
    assert not mapview.clicked_empty_space({"last_clicked": here, "last_object_clicked": here})
    assert mapview.clicked_empty_space({"last_clicked": there, "last_object_clicked": here})
    assert mapview.clicked_empty_space({"last_clicked": there, "last_object_clicked": None})
    # No click yet (a fresh map), or no value at all.
    assert not mapview.clicked_empty_space({"last_clicked": None, "last_object_clicked": None})
    assert not mapview.clicked_empty_space(None)


def test_legend_strip_escapes_and_starts_a_line_per_heading() -> None:
    legend = maps.Legend(
        title="<b>Titel</b>",
        rows=[
            ("line", "#112233", "lokaal & <regionaal>"),
            ("heading", "", "Lijndikte"),
            ("width", "4.5", "10 links"),
            ("dash", "10 6", "uitgaand"),
        ],
        note="Noot <script>",
    )
    html = mapview.legend_strip(legend)
    assert "<b>Titel</b>" not in html and "&lt;b&gt;Titel&lt;/b&gt;" in html
    assert "lokaal &amp; &lt;regionaal&gt;" in html
    assert "<script>" not in html
    assert html.count('class="og-strip-line"') == 2
    assert "border-top:4.5px" in html
    assert "repeating-linear-gradient" in html
    assert "Noot" not in mapview.legend_strip(legend, note=False)


def test_values_table_lists_nonzero_values_largest_first(ref: og.Reference) -> None:
    values = pd.Series({"13008": 3.0, "11002": 7.0, "44021": 0.0})
    table = mapview.values_table(values, ref, title="Projecten")
    assert list(table["Projecten"]) == [7.0, 3.0]
    assert list(table.iloc[:, 0]) == ["Antwerpen", "Geel"]


def test_a_layer_is_rendered_once_per_content(ref: og.Reference) -> None:
    values = pd.Series({"13008": 3.0, "11002": 7.0})
    first, _ = maps.choropleth_layer(ref, values, title="Projecten")
    again, _ = maps.choropleth_layer(ref, values, title="Projecten")
    other, _ = maps.choropleth_layer(ref, values * 2, title="Projecten")
    a = mapview.component_args(maps.base_map(ref), [first], None)
    rendered = len(mapview._LAYER_SCRIPTS)
    b = mapview.component_args(maps.base_map(ref), [again], None)
    assert len(mapview._LAYER_SCRIPTS) == rendered  # served from the cache
    assert a["feature_group"] == b["feature_group"]
    c = mapview.component_args(maps.base_map(ref), [other], None)
    assert c["feature_group"] != a["feature_group"]
    assert a["bounds"]["_southWest"]["lat"] is not None


def test_bounds_are_worked_out_only_when_asked(ref: og.Reference) -> None:
    def layer() -> folium.FeatureGroup:  # a fresh one each time: rendering renames it
        return maps.choropleth_layer(ref, pd.Series({"13008": 3.0}), title="Projecten")[0]

    asked = mapview.component_args(maps.base_map(ref), [layer()], None)
    skipped = mapview.component_args(maps.base_map(ref), [layer()], None, bounds=False)
    south, north = asked["bounds"]["_southWest"], asked["bounds"]["_northEast"]
    assert 49.5 < south["lat"] < north["lat"] < 52.0 and 2.0 < south["lng"] < north["lng"] < 7.0
    assert skipped["bounds"]["_southWest"] == {"lat": None, "lng": None}
    assert skipped["feature_group"] == asked["feature_group"]


def test_the_html_export_opens_on_the_focus_area(ref: og.Reference) -> None:
    values = pd.Series({"13008": 3.0})
    spec = exports.MapSpec(values=values, title="Kaart", focus=("13008",))
    page = exports.html_bytes(spec, ref, ["vandaag", "credit"]).decode()
    nowhere = exports.html_bytes(exports.MapSpec(values=values, title="Kaart"), ref, ["a", "b"])
    # The map opens on Geel's extent, not on all of Flanders.
    assert "_ogFit" in page and page != nowhere.decode()
    geel = ref.municipalities_web[ref.municipalities_web["nis"] == "13008"].total_bounds
    assert f"{geel[1]:.1f}" in page


def test_the_busy_sign_is_a_valid_css_string() -> None:
    assert mapview._css_string("Kaart wordt bijgewerkt…") == '"Kaart wordt bijgewerkt…"'
    assert mapview._css_string('a"b<\\') == '"a\\22 b\\3c \\5c "'


def test_a_base_map_is_rendered_once_per_base_key(
    ref: og.Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    def parts(values: pd.Series) -> tuple[folium.Map, list[folium.FeatureGroup], Any]:
        layer, _ = maps.choropleth_layer(ref, values, title="Projecten")
        return maps.base_map(ref), [layer], folium.LayerControl(collapsed=True)

    renders: list[str] = []
    real = sf._get_map_string
    monkeypatch.setattr(sf, "_get_map_string", lambda m: renders.append("base") or real(m))
    monkeypatch.setattr(mapview, "_BASE_PARTS", OrderedDict())
    monkeypatch.setattr(mapview, "_LAYER_SCRIPTS", OrderedDict())
    mapview.component_args(*parts(pd.Series({"13008": 3.0})), base_key="k")
    reused = mapview.component_args(*parts(pd.Series({"13008": 5.0})), base_key="k")
    assert renders == ["base"]  # the second map's base came from the first
    # The same as rendering everything afresh ...
    monkeypatch.setattr(mapview, "_BASE_PARTS", OrderedDict())
    monkeypatch.setattr(mapview, "_LAYER_SCRIPTS", OrderedDict())
    fresh = mapview.component_args(*parts(pd.Series({"13008": 5.0})))
    assert reused == fresh
    # ... and a layer served from its cache is still listed in the layer control.
    again = mapview.component_args(*parts(pd.Series({"13008": 5.0})))
    assert '"Gemeenten" : feature_group_feature_group_0' in again["layer_control"]
    assert again == fresh


def test_polygons_put_in_after_rendering_give_the_same_script(ref: og.Reference) -> None:
    # Tooltip text that needs escaping, and a tooltip that pretends to be a mark.
    names = ref.municipalities["nis"]
    fake = f'{{"mark": "{maps._MARK}0", "type": "Polygon"}}'
    extra = pd.DataFrame({"Naam <b>&'": ["O'Brien <script>&amp;", fake, *["x"] * (len(names) - 2)]})
    extra.index = names

    def layer() -> folium.FeatureGroup:  # a fresh one each time: rendering renames it
        values = pd.Series({"13008": 3.0, "11002": 7.0})
        return maps.choropleth_layer(ref, values, title="<i>Projecten</i>", extra=extra)[0]

    base = maps.base_map(ref)
    base.get_root().render()
    whole = sf._get_feature_group_string(layer(), map=base, idx=0)
    marked_layer = layer()
    with maps.geometry_marks(marked_layer) as restore:
        marked = sf._get_feature_group_string(marked_layer, map=base, idx=0)
    assert "coordinates" not in marked  # folium and the component never saw them
    assert restore(marked) == whole
    # The layer has its polygons back (exports and bounds read them).
    areas = next(c for c in marked_layer._children.values() if isinstance(c, folium.GeoJson))
    geometry = areas.data["features"][0]["geometry"]
    assert geometry["type"] in {"Polygon", "MultiPolygon"} and geometry["coordinates"]


def test_a_new_filter_renders_the_polygons_through_folium_without_coordinates(
    ref: og.Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    real = sf._get_feature_group_string

    def counted(layer: folium.FeatureGroup, map: folium.Map, idx: int = 0) -> str:
        script = real(layer, map=map, idx=idx)
        rendered.append(script)
        return script

    monkeypatch.setattr(sf, "_get_feature_group_string", counted)
    monkeypatch.setattr(mapview, "_LAYER_SCRIPTS", OrderedDict())
    layer, _ = maps.choropleth_layer(ref, pd.Series({"13008": 4.0}), title="Projecten")
    args = mapview.component_args(maps.base_map(ref), [layer], None)
    # What folium rendered had a mark for every polygon and no coordinates; what the
    # browser gets has every polygon.
    assert len(rendered) == 1 and '"coordinates"' not in rendered[0]
    assert rendered[0].count(maps._MARK) == len(ref.municipalities)
    assert len(rendered[0]) < len(args["feature_group"]) / 3
    assert args["feature_group"].count('"coordinates"') == len(ref.municipalities)
    assert maps._MARK not in args["feature_group"]


def test_sessions_asking_for_the_same_new_map_at_once_build_it_once(ref: og.Reference) -> None:
    # Twenty sessions changing to the same filter ask for the same map at the same
    # moment: the first builds it, the others wait for it (one lock per map, not one
    # for all maps), instead of each building their own.
    builds: list[str] = []
    waiting = threading.Event()
    key = f"same-map-{threading.get_ident()}-{id(builds)}"

    def second_is_waiting() -> bool:
        frames = sys._current_frames()
        return any(
            "_handle_cache_miss" in [f.name for f in traceback.extract_stack(frames[t.ident])]
            for t in threading.enumerate()
            if t.name == "second" and t.ident in frames
        )

    def build() -> mapview.MapParts:
        builds.append("built")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if second_is_waiting():
                waiting.set()  # the second session is waiting for this very map
                break
            time.sleep(0.01)
        layer, _ = maps.choropleth_layer(ref, pd.Series({"13008": 2.0}), title="Projecten")
        return mapview.MapParts(maps.base_map(ref), [layer])

    results: dict[str, Any] = {}

    def ask(name: str) -> None:
        results[name] = mapview._cached_args(key, build, False)

    first = threading.Thread(target=ask, args=("first",), name="first")
    first.start()
    while not builds:
        time.sleep(0.01)
    second = threading.Thread(target=ask, args=("second",), name="second")
    second.start()
    first.join(30)
    second.join(30)
    assert waiting.is_set()
    assert builds == ["built"]
    assert results["first"][0]["feature_group"] == results["second"][0]["feature_group"]
