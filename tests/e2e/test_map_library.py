"""The library's maps in a real browser, from a standalone file (no Streamlit).

What a person does with the map, checked where it happens: a click at a
municipality's point reaches that municipality although rings, arrowheads and
flow lines lie on top; the flow level switches on zooming in; hovering
highlights one place's flows; a focus area moves the map; labels never overlap
and Brussel is labelled; Tab meets the map once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import pandas as pd
import pytest

from optil_geo import maps
from optil_geo._assets import standalone_html

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import PageLog

DEMO_XLSX = Path(__file__).resolve().parents[2] / "data" / "demo" / "optil-geo-demo.xlsx"

# Find the Leaflet map of a folium page and record what a click reaches, the way
# streamlit-folium does: a click handler on every layer, reading the feature of
# the layer the click came from (its ``last_active_drawing``).
_HOOK = """
() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  window.__map = map;
  window.__clicks = [];
  for (const id in map._layers) {
    const layer = map._layers[id];
    layer.on("click", e => {
      const f = e.layer && e.layer.feature;
      if (f && f.properties && f.properties.nis) { window.__clicks.push(f.properties.nis); }
    });
  }
  return map.getZoom();
}
"""


@pytest.fixture(scope="module")
def demo_links(ref) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    import optil_geo as og

    data = og.read_partnerships(DEMO_XLSX, reference=ref)
    return og.build_links(data.projects, data.partners, reference=ref)


def _write_map(
    tmp_path: Path, ref: Any, links: pd.DataFrame, name: str, *, kaart: bool = False, **flow: Any
) -> Path:
    """Write the map as a standalone file; ``kaart``: with the Kaart page's folded layer list."""
    values = links.groupby("lead_nis")["project_id"].nunique()
    m = maps.base_map(ref)
    area, _ = maps.choropleth_layer(ref, values, title="Projecten", neutral=True)
    flows, _ = maps.flow_layer(links, ref, **flow)
    path = tmp_path / f"{name}.html"
    if kaart:
        for layer in (area, flows):
            layer.add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)
        html = standalone_html(m)
    else:
        html = maps.map_html(m, layers=[area, flows])
    path.write_text(html, encoding="utf-8")
    return path


def _open(
    page_factory: Callable[..., tuple[Page, PageLog]], path: Path, size: tuple[int, int]
) -> tuple[Page, PageLog]:
    page, log = page_factory(allow_loopback=False)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(path.as_uri(), wait_until="load")
    page.locator("path.og-flow").first.wait_for(state="attached", timeout=20_000)
    page.wait_for_timeout(300)  # the fit on resize and the label placement
    return page, log


def test_a_click_at_any_municipality_point_reaches_it(
    tmp_path: Path, ref, demo_links, page_factory
) -> None:  # type: ignore[no-untyped-def]
    # Municipality level with every ring: the most decoration on the points.
    path = _write_map(tmp_path, ref, demo_links, "clicks", level="municipalities", top_n=600)
    page, log = _open(page_factory, path, (1440, 900))
    page.evaluate(_HOOK)
    m = ref.municipalities
    rng = np.random.default_rng(12)
    # The 20 random ones, and every place with a local ring or many arrowheads on it.
    hubs = demo_links.loc[demo_links["class"] == "local", "lead_nis"].value_counts().index[:10]
    chosen = list(m["nis"].iloc[rng.choice(len(m), 20, replace=False)]) + list(hubs)
    missed = []
    for nis in chosen:
        row = m[m["nis"] == nis].iloc[0]
        point = page.evaluate(
            "([lat, lon]) => { const p = window.__map.latLngToContainerPoint([lat, lon]);"
            " const r = window.__map.getContainer().getBoundingClientRect();"
            " return [p.x + r.left, p.y + r.top]; }",
            [float(row["lat"]), float(row["lon"])],
        )
        before = page.evaluate("window.__clicks.length")
        page.mouse.click(point[0], point[1])
        clicks = page.evaluate("window.__clicks")
        got = clicks[before:]
        if not got or got[-1] != nis:
            missed.append((row["name_nl"], got))
    assert missed == []
    assert log.page_errors == [] and log.console_errors == []


def test_flow_level_follows_zoom_and_hover_highlights_one_place(
    tmp_path: Path, ref, demo_links, page_factory, nis_of
) -> None:  # type: ignore[no-untyped-def]
    path = _write_map(tmp_path, ref, demo_links, "levels")
    page, log = _open(page_factory, path, (1440, 900))
    page.evaluate(_HOOK)
    container = page.locator(".leaflet-container")
    assert container.get_attribute("data-og-level") == "regions"
    regions = page.locator("path.og-flow").count()
    assert 0 < regions <= 60
    # Arrowheads are SVG markers sized in screen pixels, not polygons in map units.
    marker = page.locator("marker").first
    assert marker.get_attribute("markerUnits") == "userSpaceOnUse"

    page.evaluate("window.__map.setZoom(window.__map.getZoom() + 1.5, {animate: false})")
    page.wait_for_function(
        "document.querySelector('.leaflet-container').dataset.ogLevel === 'municipalities'"
    )
    assert page.locator("path.og-flow").count() > regions

    # Hover over Antwerpen (as a person would): only its flows stay bright, with arrowheads.
    antwerpen = ref.municipalities.set_index("nis").loc[nis_of("Antwerpen")]
    page.evaluate(
        "([lat, lon]) => window.__map.setView([lat, lon], window.__map.getZoom(),"
        " {animate: false})",
        [float(antwerpen["lat"]), float(antwerpen["lon"])],
    )
    all_flows = page.locator("path.og-flow").count()
    box = container.bounding_box()
    assert box is not None
    cursor = (box["x"] + box["width"] / 2 + 1, box["y"] + box["height"] / 2 + 1)
    page.mouse.move(*cursor)
    # The tooltip is compact and beside the cursor, not over the place pointed at.
    tip = page.locator(".leaflet-tooltip.og-tip")
    tip.wait_for()
    tip_box = tip.bounding_box()
    assert tip_box is not None
    assert tip_box["width"] <= 222
    assert tip_box["x"] >= cursor[0] + 8
    visible = page.evaluate(
        "[...document.querySelectorAll('path.og-flow')].filter(p => p.dataset.ogDim !== '1').length"
    )
    own = demo_links[
        (demo_links["lead_nis"] == nis_of("Antwerpen"))
        | (demo_links["partner_nis"] == nis_of("Antwerpen"))
    ]
    assert 0 < visible < all_flows
    dimmed = page.locator("path.og-flow[data-og-dim='1']")
    assert dimmed.count() == all_flows - visible
    assert dimmed.first.get_attribute("marker-end") is None
    assert visible <= own[["lead_nis", "partner_nis"]].drop_duplicates().shape[0]
    page.mouse.move(box["x"] + 3, box["y"] + box["height"] - 3)  # off any municipality
    assert log.page_errors == []


def test_focus_area_fits_the_map(tmp_path: Path, ref, demo_links, page_factory) -> None:  # type: ignore[no-untyped-def]
    path = _write_map(tmp_path, ref, demo_links, "kempen", focus="REFREG03")
    page, _ = _open(page_factory, path, (1440, 900))
    page.evaluate(_HOOK)
    west, south, east, north = page.evaluate(
        "(() => { const b = window.__map.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()"
    )
    web = ref.municipalities_web
    minx, miny, maxx, maxy = web[
        web["nis"].isin(maps.focus_municipalities(ref, "REFREG03"))
    ].total_bounds
    # The view holds Kempen, and is not much larger (the map's aspect adds width).
    assert west <= minx and east >= maxx and south <= miny and north >= maxy
    assert north - south < (maxy - miny) * 1.8


@pytest.mark.parametrize("size", [(1440, 900), (1920, 1080), (1280, 720)])
def test_labels_do_not_overlap_and_brussel_is_labelled(
    tmp_path: Path, ref, demo_links, page_factory, size
) -> None:  # type: ignore[no-untyped-def]
    path = _write_map(tmp_path, ref, demo_links, "labels")
    page, _ = _open(page_factory, path, size)
    rects = page.evaluate(
        "[...document.querySelectorAll('.og-label')]"
        ".filter(e => e.style.visibility === 'visible')"
        ".map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent, r.left, r.top, r.right, r.bottom]; })"
    )
    names = [r[0] for r in rects]
    assert "Brussel" in names and "Antwerpen" in names
    overlaps = [
        (a[0], b[0])
        for i, a in enumerate(rects)
        for b in rects[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]
    assert overlaps == []
    # Nor does a label hide under the legends, the zoom buttons or the layer switch.
    controls = page.evaluate(
        "[...document.querySelectorAll('.leaflet-control')]"
        ".map(e => { const r = e.getBoundingClientRect();"
        " return [e.className, r.left, r.top, r.right, r.bottom]; })"
        ".filter(r => r[3] > r[1] && r[4] > r[2])"
    )
    assert controls
    covered = [
        (a[0], c[0])
        for a in rects
        for c in controls
        if a[1] < c[3] and c[1] < a[3] and a[2] < c[4] and c[2] < a[4]
    ]
    assert covered == []


def test_tab_meets_the_map_once_and_it_is_named(
    tmp_path: Path, ref, demo_links, page_factory
) -> None:  # type: ignore[no-untyped-def]
    path = _write_map(tmp_path, ref, demo_links, "tabs", kaart=True)
    page, _ = _open(page_factory, path, (1440, 900))
    container = page.locator(".leaflet-container")
    assert "Kaart" in (container.get_attribute("aria-label") or "")
    # No shape, ring, label or arrow is a tab stop: only the container and the controls.
    stops = page.evaluate(
        "[...document.querySelectorAll('.leaflet-container *')]"
        ".filter(e => e.tabIndex >= 0 && !e.closest('.leaflet-control-container'))"
        ".map(e => e.tagName + '.' + (e.getAttribute('class') || ''))"
    )
    assert stops == []
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("!!document.activeElement.closest('.leaflet-container')"))
    # Container, zoom in, zoom out, the folded layer list: then Tab leaves the map.
    assert seen[:4] == [True] * 4
    assert False in seen[:5]


def test_projector_legends_stay_on_a_1280_by_720_screen(
    tmp_path: Path, ref, demo_links, page_factory
) -> None:  # type: ignore[no-untyped-def]
    values = demo_links.groupby("lead_nis")["project_id"].nunique()
    m = maps.base_map(ref, projector=True)
    area, _ = maps.choropleth_layer(ref, values, title="Projecten", neutral=True)
    flows, _ = maps.flow_layer(demo_links, ref, label_px=16)
    path = tmp_path / "projector.html"
    path.write_text(maps.map_html(m, layers=[area, flows]), encoding="utf-8")
    page, _ = _open(page_factory, path, (1280, 720))
    boxes = page.evaluate(
        "[...document.querySelectorAll('.og-legend-box')].map(e => {"
        " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
    )
    assert len(boxes) == 2
    assert all(b[0] >= 0 and b[1] >= 0 and b[2] <= 1280 and b[3] <= 720 for b in boxes), boxes
    sizes = page.evaluate(
        "[...document.querySelectorAll('.og-label')]"
        ".filter(e => e.style.visibility === 'visible')"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 16
