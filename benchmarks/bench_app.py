"""Benchmark the Kaart page in a real browser: first map, payload, filter, click, hover.

Starts the app on a free port on 127.0.0.1 (temporary workspace, demo data),
drives Debian's Chromium with Playwright (every non-loopback request blocked)
at 1440x900 and prints:

- time to first map: from navigation to the 304 municipalities drawn, for a
  cold server (first visit builds the caches) and a warm one (a new browser
  tab each time, as a user opening the page);
- payload of the map: the HTML/JS sent for the map (computed with
  streamlit-folium's own functions, as in the app), and the bytes the browser
  received over the websocket for the whole page;
- filter change -> map redrawn: from choosing a round in the sidebar to the new
  municipality layer on the map (every polygon object replaced);
- click -> details: from a click at a municipality's representative point to its
  name in the details panel beside the map;
- hover: websocket frames the browser sends while the pointer moves over
  municipalities (0 means the highlight needs no server round trip), and the
  hover events the map handled meanwhile.

Reproduce: ``python benchmarks/bench_app.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import folium
import streamlit_folium as sf
from _server import CHROMIUM, COUNT_LAYERS, MARK_DRAWN, REDRAWN, REPO, start_server
from _server import CHROMIUM_ARGS as ARGS
from playwright.sync_api import sync_playwright

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets

COUNT = COUNT_LAYERS


POINT = """([lat, lon]) => {
    const p = window.map.latLngToContainerPoint([lat, lon]);
    const size = window.map.getSize();
    const box = window.map.getContainer().getBoundingClientRect();
    const inside = p.x > 2 && p.y > 2 && p.x < size.x - 2 && p.y < size.y - 2;
    const hit = inside && document.elementFromPoint(box.left + p.x, box.top + p.y);
    return [box.left + p.x, box.top + p.y, inside && !!hit && !hit.closest(".leaflet-control")];
}"""


def _map_frame(page: Any, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url:
                try:
                    if frame.evaluate("() => !!window.map"):
                        return frame
                except Exception:
                    continue
        # Not time.sleep: Playwright's sync API serves routes only while it is called.
        page.wait_for_timeout(20)
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_app_failure.png"))
    raise SystemExit(f"no map frame; frames: {[f.url[:80] for f in page.frames]}")


def _wait(frame: Any, predicate: Any, timeout_s: float = 60) -> tuple[int, int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        counts = tuple(frame.evaluate(COUNT))
        if predicate(counts):
            return counts
        frame.page.wait_for_timeout(20)
    raise SystemExit(f"map never reached the expected state (last {counts})")


class _ByteCounter:
    """Count the bytes of every websocket frame a page receives, and the frames it sends."""

    def __init__(self) -> None:
        self.total = 0
        self.sent = 0

    def watch(self, ws: Any) -> None:
        ws.on("framereceived", self.add)
        ws.on("framesent", self.count_sent)

    def add(self, payload: str | bytes) -> None:
        self.total += len(payload)

    def count_sent(self, _payload: str | bytes) -> None:
        self.sent += 1


def _python_payload() -> dict[str, int]:
    """Bytes of the map's HTML/JS as st_folium sends them for the demo, no filters."""
    ref = og.load_reference()
    data = og.read_partnerships(REPO / "data" / "demo" / "optil-geo-demo.xlsx", reference=ref)
    links = og.build_links(data.projects, data.partners, reference=ref)
    mun = og.municipality_measures(links, data.projects, reference=ref)
    choro, _ = maps.choropleth_layer(
        ref, mun.set_index("nis")["projects_involved"], title="Projecten"
    )
    flows, _ = maps.flow_layer(links, ref, top_n=600, legend=False)
    m = use_local_assets(maps.base_map(ref))
    m.get_root().render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    layers = "".join(sf._get_feature_group_string(fg, m, i) for i, fg in enumerate([choro, flows]))
    control = sf._get_layer_control_string(folium.LayerControl(collapsed=True), m)
    parts = {
        "base map script": len(script.encode()),
        "feature groups": len(layers.encode()),
        "html + header + control": len((html + header + control).encode()),
    }
    parts["total"] = sum(parts.values())
    return parts


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route(
        "**/*",
        lambda route, request: (
            route.continue_()
            if "127.0.0.1" in request.url or request.url.startswith("data:")
            else route.abort()
        ),
    )
    return context


def _details_name(page: Any) -> str:
    heading = page.locator(".st-key-kaart_details h3")
    return heading.first.inner_text().strip() if heading.count() else ""


def _click_to_details(page: Any, frame: Any, rows: Any) -> list[float]:
    """Click each municipality at its point; seconds until its name is in the details panel."""
    times = []
    for row in rows:
        x, y, free = frame.evaluate(POINT, [float(row.lat), float(row.lon)])
        if not free:
            continue  # under a legend: a person would not click there
        box = page.locator('iframe[src*="streamlit_folium"]').bounding_box()
        started = time.perf_counter()
        page.mouse.click(box["x"] + x, box["y"] + y)
        deadline = started + 30
        while _details_name(page) != row.name_nl and time.perf_counter() < deadline:
            page.wait_for_timeout(10)
        if _details_name(page) != row.name_nl:
            raise SystemExit(f"a click on {row.name_nl} opened nothing within 30 s")
        times.append(time.perf_counter() - started)
        page.wait_for_timeout(600)  # let the rerun finish before the next click
    return times


def _hover(page: Any, frame: Any, rows: Any, counter: _ByteCounter) -> tuple[int, int]:
    """Move over municipalities; return websocket frames sent and hover events handled."""
    frame.evaluate(
        "() => { window.__hovers = 0;"
        " window.map.on('og:hover', (e) => { if (e.nis) window.__hovers += 1; }); }"
    )
    page.wait_for_timeout(500)
    before = counter.sent
    box = page.locator('iframe[src*="streamlit_folium"]').bounding_box()
    for row in rows:
        x, y, free = frame.evaluate(POINT, [float(row.lat), float(row.lon)])
        if free:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
            page.wait_for_timeout(120)
    page.wait_for_timeout(1000)
    return counter.sent - before, int(frame.evaluate("() => window.__hovers"))


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm loads and filter changes")
    parser.add_argument("--clicks", type=int, default=10, help="municipalities clicked")
    args = parser.parse_args()

    payload = _python_payload()
    municipalities = og.load_reference().municipalities
    picked = municipalities.iloc[random.Random(7).sample(range(len(municipalities)), args.clicks)]
    rounds = ["2020-1", "2020-2", "2021-1", "2021-2", "2022-1", "2022-2"]
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "workspace.sqlite")
        url = server.url
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                loads: list[float] = []
                ws_bytes: list[int] = []
                updates: list[float] = []
                clicks: list[float] = []
                hover = (0, 0)
                for run in range(args.repeat + 1):
                    context = _context(browser)
                    page = context.new_page()
                    received = _ByteCounter()
                    page.on("websocket", received.watch)
                    started = time.perf_counter()
                    page.goto(url + "/kaart")
                    frame = _map_frame(page)
                    _wait(frame, lambda c: c[0] == 304)
                    loads.append(time.perf_counter() - started)
                    ws_bytes.append(received.total)
                    if run == 0:
                        context.close()
                        continue  # the cold load; the rest is measured warm
                    page.wait_for_timeout(1500)
                    # Filter change -> every municipality polygon replaced by the new layer.
                    frame.evaluate(MARK_DRAWN)
                    box = page.locator(
                        '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'
                    ).filter(has_text="Subsidierondes")
                    box.locator("input").click()
                    page.keyboard.type(rounds[run % len(rounds)])
                    started = time.perf_counter()
                    page.keyboard.press("Enter")
                    deadline = started + 60
                    while not frame.evaluate(REDRAWN) and time.perf_counter() < deadline:
                        page.wait_for_timeout(10)
                    updates.append(time.perf_counter() - started)
                    page.keyboard.press("Escape")
                    if run == 1:
                        page.goto(url + "/kaart")
                        frame = _map_frame(page)
                        _wait(frame, lambda c: c[0] == 304)
                        page.wait_for_timeout(1500)
                        hover = _hover(page, frame, picked.itertuples(), received)
                        clicks = _click_to_details(page, frame, picked.itertuples())
                    context.close()
                browser.close()
        finally:
            server.stop()

    warm = statistics.median(loads[1:])
    print("Kaart page, demo dataset, default settings, Chromium 1440x900 on 127.0.0.1")
    print(f"time to first map, cold server:             {loads[0]:.2f} s")
    print(
        f"time to first map, warm (median of {len(loads) - 1}):      {warm:.2f} s "
        f"(max {max(loads[1:]):.2f} s)"
    )
    for name, size in payload.items():
        print(f"map payload, {name + ':':<28}   {size / 1e6:.3f} MB")
    print(
        "websocket bytes for the whole page (warm):  "
        f"{statistics.median(ws_bytes[1:]) / 1e6:.3f} MB"
    )
    print(
        f"filter change -> map redrawn (median of {len(updates)}): "
        f"{statistics.median(updates):.2f} s (max {max(updates):.2f} s)"
    )
    if clicks:
        print(
            f"click -> details visible (median of {len(clicks)}):  "
            f"{statistics.median(clicks):.2f} s (max {max(clicks):.2f} s)"
        )
    print(
        f"hover over {len(picked)} municipalities: {hover[1]} highlight events in the map, "
        f"{hover[0]} websocket frames sent to the server"
    )
    print("budget: first map warm <= 3 s, filter -> map <= 1.0 s, click -> details <= 1.0 s,")
    print("        hover: 0 frames sent (no server round trip)")
    print("reproduce: python benchmarks/bench_app.py")


if __name__ == "__main__":
    main()
