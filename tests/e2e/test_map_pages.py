"""The map pages in Chromium, as a person uses them: click, search, focus, keyboard, projector.

One app server for the module (demo data, its own workspace). Clicks happen where a
person clicks: at a municipality's representative point, projected to the screen by
the map's own Leaflet object; sizes and positions are read from the rendered page.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

import optil_geo as og
from tests.e2e.conftest import (
    DEFAULT_APP,
    StreamlitServer,
    assert_no_streamlit_exception,
    open_app,
    served_app,
    wait_for_script_done,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Frame, Page

MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
DETAILS = ".st-key-kaart_details"
EMPTY_HINT = "Verruim de filters"


@pytest.fixture(scope="module")
def server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The app on a loopback port with its own workspace (after Chromium was found)."""
    del browser  # only to skip before starting a server when Chromium is missing
    with served_app(tmp_path_factory.mktemp("map-pages")) as app:
        yield app


@pytest.fixture(scope="module")
def ref() -> og.Reference:
    return og.load_reference()


def _sized(browser: Browser, width: int, height: int) -> Page:
    """A page of the given viewport that may reach 127.0.0.1 only."""
    context = browser.new_context(viewport={"width": width, "height": height})
    context.route(
        "**/*",
        lambda route, request: (
            route.continue_()
            if request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else route.abort("blockedbyclient")
        ),
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _map(page: Page, timeout_s: float = 45.0) -> Frame:
    """The map's frame once Leaflet drew the 304 municipalities."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium.st_folium" not in frame.url:
                continue
            try:
                drawn = frame.evaluate(
                    """() => {
                        if (!window.map) return 0;
                        let n = 0;
                        window.map.eachLayer((l) => {
                            const p = l.feature && l.feature.properties;
                            if (p && p.nis && l.feature.geometry.type.includes("Polygon")) n += 1;
                        });
                        return n;
                    }"""
                )
            except Exception:  # the frame is still loading
                drawn = 0
            if drawn == 304:
                return frame
        page.wait_for_timeout(150)
    pytest.fail("the map did not draw 304 municipalities", pytrace=False)


def _settled_bounds(frame: Frame) -> list[float]:
    """The map's [south, west, north, east] once it stopped moving (fit on load)."""
    last: list[float] = []
    for _ in range(40):
        bounds = frame.evaluate(
            "() => { const b = window.map.getBounds();"
            " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"
        )
        if bounds == last:
            return bounds
        last = bounds
        frame.page.wait_for_timeout(150)
    return last


def _screen_point(page: Page, frame: Frame, lat: float, lon: float) -> tuple[float, float]:
    """Where a point of the map is on the page; panned into view when a control covers it."""
    for _ in range(2):
        x, y, covered = frame.evaluate(
            """([lat, lon]) => {
                const p = window.map.latLngToContainerPoint([lat, lon]);
                const size = window.map.getSize();
                const inside = p.x > 2 && p.y > 2 && p.x < size.x - 2 && p.y < size.y - 2;
                const box = window.map.getContainer().getBoundingClientRect();
                const hit = inside && document.elementFromPoint(box.left + p.x, box.top + p.y);
                const covered = !inside || !hit || !!hit.closest(".leaflet-control");
                return [box.left + p.x, box.top + p.y, covered];
            }""",
            [lat, lon],
        )
        if not covered:
            frame_box = page.locator(MAP_IFRAME).bounding_box()
            assert frame_box is not None
            return frame_box["x"] + x, frame_box["y"] + y
        # As a person would: move the map so the place is not under the legend.
        frame.evaluate("([lat, lon]) => window.map.panTo([lat, lon], {animate: false})", [lat, lon])
        page.wait_for_timeout(100)
    pytest.fail(f"the point {lat}, {lon} stays under a map control", pytrace=False)


def _details_name(page: Page) -> str:
    heading = page.locator(f"{DETAILS} h3")
    return heading.first.inner_text().strip() if heading.count() else ""


def _inside_viewport(page: Page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["x"] >= 0 and box["y"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= size["width"] + 0.5, (selector, box, size)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (selector, box, size)


# ------------------------------------------------------------------ clicks and search


def test_a_click_at_the_point_of_20_municipalities_opens_their_details(
    server: StreamlitServer, browser: Browser, ref: og.Reference
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/kaart")
    frame = _map(page)
    _settled_bounds(frame)
    m = ref.municipalities
    chosen = random.Random(20261206).sample(range(len(m)), 20)
    for i in chosen:
        row = m.iloc[i]
        x, y = _screen_point(page, frame, float(row["lat"]), float(row["lon"]))
        page.mouse.click(x, y)
        deadline = time.monotonic() + 20
        while _details_name(page) != row["name_nl"] and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert _details_name(page) == row["name_nl"], f"clicked {row['name_nl']} at {x:.0f},{y:.0f}"
        wait_for_script_done(page)
        assert_no_streamlit_exception(page)
        # The panel shows the whole story: region, neighbours, counts in and out.
        panel = page.locator(DETAILS).inner_text()
        assert str(row["refreg_name"]) in panel
        assert "Buurgemeenten" in panel and "Als aanvrager" in panel and "Als partner" in panel
        _inside_viewport(page, DETAILS)
    assert "gemeente=" in page.url  # the chosen municipality is part of the shareable URL
    page.context.close()


def test_the_search_box_above_the_map_chooses_too(
    server: StreamlitServer, browser: Browser
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/kaart")
    _map(page)  # the map is drawn after the controls: measure both once they are there
    search = page.locator('[data-testid="stSelectbox"]').filter(has_text="Zoek een gemeente")
    map_box = page.locator(MAP_IFRAME).bounding_box()
    search_box = search.bounding_box()
    assert map_box is not None and search_box is not None
    assert search_box["y"] + search_box["height"] <= map_box["y"]  # above the map
    search.locator("input").click()
    page.keyboard.type("Tessenderlo")
    page.keyboard.press("Enter")
    page.locator(f"{DETAILS} h3", has_text="Tessenderlo-Ham").wait_for()
    wait_for_script_done(page)
    panel = page.locator(DETAILS).inner_text()
    # Catalogue headers, never field names.
    for raw in ("project_id", "lead_organisation", "partner_name", "reason", "links_out_"):
        assert raw not in panel
    _inside_viewport(page, DETAILS)
    # Closing the details brings back the hint and the partners outside Flanders.
    page.locator(DETAILS).get_by_role("button", name="Sluiten").click()
    page.get_by_text("Partners buiten Vlaanderen en Brussel").wait_for()
    page.context.close()


SEA = (51.42, 2.72)
"""A point of the North Sea off De Panne and Koksijde, in view at the first map."""


def _dimmed(frame: Frame) -> int:
    """How many lines and rings are dimmed because another place is highlighted."""
    return int(frame.evaluate("() => document.querySelectorAll('[data-og-dim=\"1\"]').length"))


def _click_empty_space(page: Page, frame: Frame) -> None:
    """Click the sea, after checking that no municipality lies under that point."""
    x, y = _screen_point(page, frame, *SEA)
    frame_box = page.locator(MAP_IFRAME).bounding_box()
    assert frame_box is not None
    hit = frame.evaluate(
        """([x, y]) => { const el = document.elementFromPoint(x, y);
            return el ? el.tagName + "." + (el.getAttribute("class") || "") : ""; }""",
        [x - frame_box["x"], y - frame_box["y"]],
    )
    assert "leaflet-interactive" not in hit, hit  # not a municipality's shape
    page.mouse.click(x, y)


def _wait_dimmed(page: Page, frame: Frame, *, some: bool, timeout_s: float = 20.0) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            n = _dimmed(frame)
        except Exception:  # the layer is being replaced
            n = -1
        if n >= 0 and (n > 0) == some:
            return n
        page.wait_for_timeout(50)
    pytest.fail(f"lines dimmed: expected {'some' if some else 'none'}", pytrace=False)


def test_a_click_on_empty_map_space_clears_the_selection_and_closes_the_details(
    server: StreamlitServer, browser: Browser, ref: og.Reference
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/kaart")
    frame = _map(page)
    _settled_bounds(frame)
    row = ref.municipalities.set_index("name_nl").loc["Herentals"]
    x, y = _screen_point(page, frame, float(row["lat"]), float(row["lon"]))
    page.mouse.click(x, y)
    page.locator(f"{DETAILS} h3", has_text="Herentals").wait_for()
    wait_for_script_done(page)
    frame = _map(page)
    _wait_dimmed(page, frame, some=True)  # Herentals' own flows stand out
    _click_empty_space(page, frame)
    # The details close (the hint and the partners box come back), the URL forgets
    # the municipality, and no line stays dimmed.
    page.get_by_text("Klik op een gemeente op de kaart").wait_for()
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)
    assert _details_name(page) == ""
    assert "gemeente=" not in page.url
    _wait_dimmed(page, _map(page), some=False)
    page.context.close()


def test_a_click_on_empty_map_space_clears_the_highlight_in_the_browser(
    server: StreamlitServer, browser: Browser, ref: og.Reference
) -> None:
    # Presentatie keeps no selection on the server: what is dimmed is the browser's own.
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/presentatie?stap=1")
    frame = _map(page)
    _settled_bounds(frame)
    row = ref.municipalities.set_index("name_nl").loc["Gent"]
    x, y = _screen_point(page, frame, float(row["lat"]), float(row["lon"]))
    page.mouse.click(x, y)
    _wait_dimmed(page, frame, some=True)
    _click_empty_space(page, frame)
    _wait_dimmed(page, frame, some=False, timeout_s=2.0)
    # A click on the place selects it again.
    page.mouse.click(x, y)
    _wait_dimmed(page, frame, some=True, timeout_s=2.0)
    page.context.close()


# ------------------------------------------------------------------ focus area


def _kempen(ref: og.Reference) -> tuple[list[float], str]:
    """Kempen's [south, west, north, east] in degrees, and its name."""
    m = ref.municipalities
    members = set(m.loc[m["refreg_name"] == "Kempen", "nis"])
    web = ref.municipalities_web
    west, south, east, north = web[web["nis"].isin(members)].total_bounds
    return [float(south), float(west), float(north), float(east)], "Kempen"


def _choose_first_project(page: Page) -> None:
    """On Spreiding: tick the first row of the project table, as a person does."""
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for()
    box = table.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the row's selection box
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)


@pytest.mark.parametrize(
    "path",
    [
        "/kaart",
        "/",
        "/presentatie?stap=2",
        "/presentatie?stap=5",
        "/spreiding",
        "/witte-vlekken",
    ],
    ids=str,
)
def test_focus_area_kempen_zooms_the_map(
    path: str, server: StreamlitServer, browser: Browser, ref: og.Reference
) -> None:
    page = _sized(browser, 1440, 900)
    glue = "&" if "?" in path else "?"
    open_app(page, f"{server.url}{path}{glue}focus=Referentieregio&gebied=Kempen")
    if path == "/spreiding":
        _choose_first_project(page)  # its map opens on the focus area
    frame = _map(page)
    south, west, north, east = _settled_bounds(frame)
    (k_south, k_west, k_north, k_east), _ = _kempen(ref)
    # The controls in the map's top-right corner (a legend, the layer switch), in
    # pixels from the right and the top, and Kempen's box on screen.
    corner_w, corner_h, width, height, (left, top, right, bottom) = frame.evaluate(
        """([s, w, n, e]) => {
            const m = window.map, c = m.getContainer(), f = c.getBoundingClientRect();
            const k = c.querySelector(".leaflet-top.leaflet-right").getBoundingClientRect();
            const a = m.latLngToContainerPoint([n, w]), b = m.latLngToContainerPoint([s, e]);
            const room = k.width && k.height;
            return [room ? f.right - k.left : 0, room ? k.bottom - f.top : 0,
                    f.width, f.height, [a.x, a.y, b.x, b.y]];
        }""",
        [k_south, k_west, k_north, k_east],
    )
    # The view may be wider than Kempen in one direction (the frame's shape differs:
    # Spreiding's low, wide frame leaves room beside the tall Kempen), and it leaves
    # room beside or below the corner's controls, but stays within Kempen plus its
    # larger side (as seen on screen) and that room; all of Flanders (2.54-5.91
    # degrees east) does not.
    shrink = math.cos(math.radians((k_south + k_north) / 2))  # a degree east, on screen
    side = max(k_north - k_south, (k_east - k_west) * shrink)
    dy, dx = side, side / shrink
    room_e = corner_w * (east - west) / width
    room_n = corner_h * (north - south) / height
    assert k_south - dy <= south and north <= k_north + dy + room_n, (south, north)
    assert k_west - dx <= west and east <= k_east + dx + room_e, (west, east)
    # All of Kempen is in view, and the corner's controls cover none of it.
    assert south <= k_south and west <= k_west and north >= k_north and east >= k_east
    covered = right > width - corner_w and top < corner_h
    assert not covered, ((left, top, right, bottom), (corner_w, corner_h), (width, height))
    page.context.close()


def test_focus_area_table_of_partners_from_outside(
    server: StreamlitServer, browser: Browser
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/kaart?focus=Referentieregio&gebied=Kempen")
    page.get_by_text("Samenwerkingen over de grens van het focusgebied, per regio").wait_for()
    # The table's column headers (Streamlit draws the cells on a canvas, with an
    # accessible grid beside it).
    for header in ("Regio of land", "Uitgaand: partners daar", "Inkomend: partners hier"):
        page.get_by_role("columnheader", name=header, include_hidden=True).wait_for(
            state="attached"
        )
    page.context.close()


# ------------------------------------------------------------------ empty selection


def _empty_query(ref: og.Reference) -> str:
    """A filter combination with no project: a round without links of unknown place."""
    data = og.read_partnerships(DEFAULT_APP.parent / "data/demo/optil-geo-demo.xlsx", reference=ref)
    links = og.build_links(data.projects, data.partners, reference=ref)
    rounds = sorted(set(links["round"].astype(str)) - {""})
    for r in rounds:
        chosen, _ = og.apply_filters(
            links, data.projects, og.Filters(rounds=(r,), classes=("unknown",))
        )
        if chosen.empty:
            return f"ronde={r}&klasse={og.class_label('unknown', 'nl')}"
    pytest.fail("the demo data have no round without unknown places", pytrace=False)


@pytest.fixture(scope="module")
def empty_query(ref: og.Reference) -> str:
    return _empty_query(ref)


@pytest.mark.parametrize(
    "path",
    ["/", "/kaart", "/spreiding", "/witte-vlekken", "/sectoren", "/presentatie"],
    ids=lambda p: p.strip("/") or "overzicht",
)
def test_an_empty_selection_says_so_on_every_page(
    path: str, server: StreamlitServer, browser: Browser, empty_query: str
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, f"{server.url}{path}?{empty_query}")
    page.get_by_text(EMPTY_HINT, exact=False).filter(visible=True).first.wait_for()
    assert page.locator(MAP_IFRAME).count() == 0  # no grey map
    assert page.locator('[data-testid="stMetric"]').count() == 0  # no figures of zero
    page.context.close()


# ------------------------------------------------------------------ keyboard


def test_tab_leaves_the_kaart_map_in_five_presses(
    server: StreamlitServer, browser: Browser
) -> None:
    page = _sized(browser, 1440, 900)
    open_app(page, server.url + "/kaart")
    _map(page)
    title = page.locator(MAP_IFRAME).get_attribute("title") or ""
    assert title.startswith("Kaart:") and "streamlit" not in title
    # Start at the search box just above the map, as a keyboard user does.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Zoek een gemeente").locator(
        "input"
    ).focus()
    entered = left = None
    for press in range(1, 40):
        page.keyboard.press("Tab")
        page.wait_for_timeout(40)
        inside = page.evaluate(
            "(sel) => !!document.activeElement && document.activeElement.matches(sel)", MAP_IFRAME
        )
        if inside and entered is None:
            entered = press
        if entered is not None and not inside:
            left = press
            break
    assert entered is not None, "Tab never reached the map"
    assert left is not None, "Tab never left the map"
    assert left - entered <= 5, f"{left - entered} presses inside the map"
    page.context.close()


# ------------------------------------------------------------------ projector


def _font_px(frame_or_page: Any, selector: str) -> list[float]:
    return frame_or_page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
            .filter((el) => el.offsetParent !== null && el.textContent.trim())
            .map((el) => parseFloat(getComputedStyle(el).fontSize))""",
        selector,
    )


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentatie_fits_a_projector(
    size: tuple[int, int], server: StreamlitServer, browser: Browser
) -> None:
    width, height = size
    page = _sized(browser, width, height)
    open_app(page, server.url + "/presentatie?stap=1")
    for step in range(1, 6):
        if step > 1:
            page.locator(".st-key-pres_next button").click()
            page.locator(".og-pres-title", has_text=f"{step} ·").wait_for()
            wait_for_script_done(page)
        frame = _map(page)
        _wait_for_page_style(page)
        assert_no_streamlit_exception(page)
        # Every legend and key on screen, no scrolling; no key runs past the screen's edge.
        for selector in (".og-pres-legend", ".og-pres-legend .og-strip", ".og-pres-legend .og-key"):
            for i in range(page.locator(selector).count()):
                box = page.locator(selector).nth(i).bounding_box()
                assert box is not None
                assert box["y"] >= 0 and box["y"] + box["height"] <= height, (step, selector, box)
                assert box["x"] + box["width"] <= width, (step, selector, box)
        # The map uses at least 70 % of the height, and all of it is on screen.
        map_box = page.locator(MAP_IFRAME).bounding_box()
        assert map_box is not None
        assert map_box["height"] >= 0.7 * height, (step, map_box)
        assert map_box["y"] + map_box["height"] <= height + 0.5, (step, map_box)
        # Slide text at least 20 px; map labels at least 16 px.
        for selector in (".og-pres-sub", ".og-fig .v", ".og-fig .l", ".og-pres-legend .og-key"):
            sizes = _font_px(page, selector)
            assert sizes and min(sizes) >= 20, (step, selector, sizes)
        labels = _font_px(frame, ".og-label")
        assert labels and min(labels) >= 16, (step, labels)
    page.context.close()


def _horizontal_overflow(page: Page) -> list[str]:
    """What reaches past the right edge of the window, or makes the page scroll sideways."""
    return page.evaluate(
        """() => {
            const out = [];
            const width = document.documentElement.clientWidth;
            const main = document.querySelector('[data-testid="stMain"]');
            for (const el of [document.documentElement, main]) {
                if (el && el.scrollWidth > el.clientWidth + 1) {
                    out.push(`${el.tagName} scrolls: ${el.scrollWidth} > ${el.clientWidth}`);
                }
            }
            const parts = '.st-key-pres_stap button, .og-pres-legend .og-key';
            for (const el of document.querySelectorAll(parts)) {
                const r = el.getBoundingClientRect();
                if (r.width && (r.left < -1 || r.right > width + 1)) {
                    const where = `${Math.round(r.left)}-${Math.round(r.right)}`;
                    out.push(`${el.textContent.trim()}: ${where}`);
                }
            }
            return out;
        }"""
    )


def _wait_for_page_style(page: Page, timeout_ms: float = 5000) -> None:
    """Wait until Presentatie's own style is in force (its step bar wraps).

    On a first load Streamlit paints the widgets a few hundred milliseconds before the
    page's style element is drawn; layout measured in that moment is not what stays.
    """
    page.wait_for_function(
        """() => {
            const bar = document.querySelector(
                '.st-key-pres_stap [data-testid="stButtonGroup"] > div');
            return !!bar && getComputedStyle(bar).flexWrap === "wrap";
        }""",
        timeout=timeout_ms,
    )


def _settled_overflow(page: Page, timeout_s: float = 5.0) -> list[str]:
    """:func:`_horizontal_overflow` once the layout has settled (empty), or its last value.

    While a page loads, Streamlit paints its widgets for a few hundred milliseconds
    before the page's own style is in place (seen in CI, and reproduced: the step bar
    at its natural width, 637 px on a 390 px screen). What a user keeps seeing is the
    settled layout; an overflow that lasts ``timeout_s`` fails the test.
    """
    deadline = time.monotonic() + timeout_s
    found = _horizontal_overflow(page)
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = _horizontal_overflow(page)
    return found


def test_presentatie_has_no_sideways_overflow_on_a_phone(
    server: StreamlitServer, browser: Browser
) -> None:
    page = _sized(browser, 390, 844)
    open_app(page, server.url + "/presentatie?stap=1")
    for step in range(1, 6):
        if step > 1:
            page.locator(".st-key-pres_next button").click()
            page.locator(".og-pres-title", has_text=f"{step} ·").wait_for()
            wait_for_script_done(page)
        _map(page)
        assert page.locator(".st-key-pres_stap button").count() == 5
        assert _settled_overflow(page) == [], step
    page.context.close()


@pytest.mark.parametrize("path", ["/kaart", "/presentatie?stap=1"], ids=str)
def test_flanders_fills_the_map_width_on_a_phone(
    path: str, server: StreamlitServer, browser: Browser
) -> None:
    page = _sized(browser, 390, 844)
    open_app(page, server.url + path)
    frame = _map(page)
    south, west, north, east = _settled_bounds(frame)
    # Flanders and Brussels span about 2.54-5.91 degrees east: all of it is in view,
    # and not much more (the map is fitted to its width, not left at zoom 8).
    assert west <= 2.56 and east >= 5.9, (west, east)
    # Fitted, not merely zoomed out: Flanders takes at least three quarters of the width
    # (the zoom moves in quarter steps and the fit keeps a 12 px margin on each side).
    assert (5.91 - 2.54) / (east - west) >= 0.75, (west, east)
    del south, north
    page.context.close()
