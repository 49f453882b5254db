"""The map renders with no internet: in Streamlit via st_folium, and from a file."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from optil_geo._assets import standalone_html

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator, Page

    from tests.e2e.conftest import PageLog, StreamlitServer

APP_SOURCE = Path(__file__).parent / "apps" / "offline_map_app.py"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
EXPECTED_PATHS = 5  # three GeoJSON squares, one Polygon, one CircleMarker


def _load_app_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("offline_map_app", APP_SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wait_for_map(frame: Page | FrameLocator, log: PageLog) -> None:
    """Wait until all paths and the default marker are attached; explain a timeout."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        frame.locator("path.leaflet-interactive").nth(EXPECTED_PATHS - 1).wait_for(
            state="attached", timeout=20_000
        )
        frame.locator("img.leaflet-marker-icon").first.wait_for(state="attached")
    except PlaywrightTimeoutError:
        pytest.fail(
            f"the map was not drawn; blocked: {log.blocked_urls}, "
            f"HTTP errors: {log.http_errors}, page errors: {log.page_errors}, "
            f"console errors: {log.console_errors}",
            pytrace=False,
        )
    frame.locator("img.leaflet-marker-icon").first.evaluate("img => img.decode().catch(() => null)")


def _count_drawn(frame: Page | FrameLocator) -> tuple[int, int, int]:
    """Count SVG paths, DivIcon markers and loaded default-marker images."""
    paths = frame.locator("path.leaflet-interactive").count()
    div_icons = frame.locator(".leaflet-marker-icon .optil-label").count()
    images = frame.locator("img.leaflet-marker-icon")
    loaded = sum(
        1
        for index in range(images.count())
        if images.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    )
    return paths, div_icons, loaded


@pytest.mark.parametrize("base_url_path", ["", "optil/geo"], ids=["root", "behind-prefix"])
def test_st_folium_map_loads_leaflet_from_static_serving(
    base_url_path: str,
    *,
    tmp_path: Path,
    streamlit_server: Callable[..., StreamlitServer],
    page: Page,
    page_log: PageLog,
    open_app: Callable[..., None],
) -> None:
    app = tmp_path / "offline_map_app.py"
    shutil.copyfile(APP_SOURCE, app)
    server = streamlit_server(app=app, base_url_path=base_url_path)

    open_app(page, server.url + "/")

    frame = page.frame_locator(MAP_FRAME)
    _wait_for_map(frame, page_log)
    assert _count_drawn(frame) == (EXPECTED_PATHS, 1, 1)
    assert frame.locator(".leaflet-control-layers").count() == 1

    # The popup's HTML goes through folium's `$(...)`, served by our jQuery stand-in.
    frame.locator("path.leaflet-interactive").nth(4).click()
    frame.locator(".leaflet-popup-content", has_text="Hallo popup").wait_for()

    # Static files are served from the app's own folder, next to the main script.
    assert (tmp_path / "static" / "leaflet" / "leaflet.js").is_file()
    leaflet_url = f"{server.url}/app/static/leaflet/leaflet.js"
    assert leaflet_url in page_log.requested_urls
    assert page_log.http_errors == []
    assert page_log.page_errors == []
    assert page_log.console_errors == []
    page_log.assert_offline()

    # The harness restarts a server on the same app folder; the map comes back.
    if not base_url_path:
        server.restart()
        open_app(page, server.url + "/")
        _wait_for_map(page.frame_locator(MAP_FRAME), page_log)
        assert page_log.http_errors == []
        page_log.assert_offline()
    server.stop()
    assert not server.running


def test_standalone_html_draws_from_file_with_network_off(
    tmp_path: Path, page_factory: Callable[..., tuple[Page, PageLog]]
) -> None:
    html_file = tmp_path / "kaart.html"
    html_file.write_text(standalone_html(_load_app_module().squares_map()), encoding="utf-8")
    page, log = page_factory(allow_loopback=False)

    page.goto(html_file.as_uri(), wait_until="load")

    _wait_for_map(page, log)
    assert _count_drawn(page) == (EXPECTED_PATHS, 1, 1)
    page.locator("path.leaflet-interactive").nth(4).click()
    page.locator(".leaflet-popup-content", has_text="Hallo popup").wait_for()
    assert log.page_errors == []
    assert log.console_errors == []
    assert log.blocked_urls == []
    assert all(url.startswith("file:") for url in log.requested_urls), log.requested_urls
