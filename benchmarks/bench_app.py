"""Benchmark the Kaart page in a real browser: first map, payload, update after a filter.

Starts the app on a free port on 127.0.0.1 (temporary workspace, demo data),
drives Debian's Chromium with Playwright (every non-loopback request blocked)
and prints:

- time to first map: from navigation to 304 municipalities and the flows drawn,
  for a cold server (first visit builds the caches) and a warm one;
- payload of the map: the HTML/JS that st_folium sends for the map (computed
  with streamlit-folium's own functions, as in the app), and the bytes the
  browser received over the websocket for the whole page;
- time to update after a filter change: from choosing a round in the sidebar to
  the new flows on the map.

Reproduce: ``python benchmarks/bench_app.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import folium
import streamlit_folium as sf
from playwright.sync_api import sync_playwright

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("OPTIL_GEO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COUNT = """() => {
    if (!window.map) return [0, 0];
    let municipalities = 0, flows = 0;
    window.map.eachLayer((layer) => {
        const f = layer.feature;
        if (f && f.properties && f.properties.nis && f.geometry.type.includes("Polygon")) {
            municipalities += 1;
        } else if (f && f.geometry.type === "LineString") {
            flows += 1;
        }
    });
    return [municipalities, flows];
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(workspace: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "OPTIL_GEO_WORKSPACE": str(workspace)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with opener.open(url + "/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("the app did not start within 60 s")


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
    """Count the bytes of every websocket frame a page receives."""

    def __init__(self) -> None:
        self.total = 0

    def watch(self, ws: Any) -> None:
        ws.on("framereceived", self.add)

    def add(self, payload: str | bytes) -> None:
        self.total += len(payload)


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


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm loads and filter changes")
    args = parser.parse_args()

    payload = _python_payload()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start_server(Path(tmp) / "workspace.sqlite")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                loads: list[float] = []
                ws_bytes: list[int] = []
                updates: list[float] = []
                for run in range(args.repeat + 1):
                    context = browser.new_context(viewport={"width": 1400, "height": 950})
                    context.route(
                        "**/*",
                        lambda route, request: (
                            route.continue_()
                            if "127.0.0.1" in request.url or request.url.startswith("data:")
                            else route.abort()
                        ),
                    )
                    page = context.new_page()
                    received = _ByteCounter()
                    page.on("websocket", received.watch)
                    started = time.perf_counter()
                    page.goto(url + "/kaart?topn=600")
                    frame = _map_frame(page)
                    first = _wait(frame, lambda c: c[0] == 304 and c[1] > 0)
                    loads.append(time.perf_counter() - started)
                    ws_bytes.append(received.total)
                    if run == 0:
                        context.close()
                        continue  # the cold load; the filter change is measured warm
                    time.sleep(1.0)
                    rounds = page.locator(
                        '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'
                    ).filter(has_text="Subsidierondes")
                    rounds.locator("input").click()
                    page.keyboard.type("2021-2")
                    started = time.perf_counter()
                    page.keyboard.press("Enter")
                    _wait(frame, lambda c, n=first[1]: c[0] == 304 and 0 < c[1] != n)
                    updates.append(time.perf_counter() - started)
                    context.close()
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)

    print("Kaart page, demo dataset, no filters (top-N 600 flows), Chromium on 127.0.0.1")
    print(f"time to first map, cold server:        {loads[0]:.2f} s")
    warm = statistics.median(loads[1:])
    print(f"time to first map, warm (median of {len(loads) - 1}): {warm:.2f} s")
    for name, size in payload.items():
        print(f"map payload, {name + ':':<28} {size / 1e6:.3f} MB")
    print(
        f"websocket bytes for the whole page (warm): {statistics.median(ws_bytes[1:]) / 1e6:.3f} MB"
    )
    print(
        f"update after a filter change (median of {len(updates)}): "
        f"{statistics.median(updates):.2f} s (max {max(updates):.2f} s)"
    )
    print("budget: payload <= 1.5 MB, update <= 1.5 s")
    print("reproduce: python benchmarks/bench_app.py")


if __name__ == "__main__":
    main()
