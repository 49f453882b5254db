"""Every page in Chromium on the demo data, offline; the presentation's keys; the exports.

One Streamlit server for the module. Pages may reach 127.0.0.1 only; the exported
HTML map is opened from disk with all networking blocked.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    StreamlitServer,
    assert_no_streamlit_exception,
    open_app,
    served_app,
    wait_for_script_done,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FrameLocator, Page

    from tests.e2e.conftest import PageLog

# By its address: the frame's title names the map (see ui/mapview.py).
MAP_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'
MUNICIPALITIES = 304
GUARD_MESSAGE = "Er liep iets mis"

# Path → does the page show a map right away.
PAGES = {
    "/": True,  # Overzicht, the default page, lives at the root
    "/kaart": True,
    "/spreiding": False,
    "/witte-vlekken": True,
    "/sectoren": False,
    "/data": False,
    "/presentatie": True,
}


@pytest.fixture(scope="module")
def server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The app on a loopback port with its own workspace (after Chromium was found)."""
    del browser  # only to skip before starting a server when Chromium is missing
    with served_app(tmp_path_factory.mktemp("pages")) as app:
        yield app


def _wait_for_map(frame: FrameLocator | Page, at_least: int = MUNICIPALITIES) -> int:
    """Wait until the map drew ``at_least`` SVG paths; return how many it drew."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    paths = frame.locator("path.leaflet-interactive")
    try:
        paths.nth(at_least - 1).wait_for(state="attached", timeout=30_000)
    except PlaywrightTimeoutError:
        pytest.fail(f"the map drew {paths.count()} paths, not {at_least}", pytrace=False)
    return paths.count()


def _no_guard_errors(page: Page) -> None:
    alerts = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    assert not [a for a in alerts if GUARD_MESSAGE in a], alerts


def _settle(page: Page) -> None:
    page.wait_for_timeout(250)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)


@pytest.mark.parametrize("path", list(PAGES), ids=lambda p: p.strip("/") or "overzicht")
def test_page_loads_offline_without_errors(
    path: str, server: StreamlitServer, page: Page, page_log: PageLog
) -> None:
    open_app(page, server.url + path)
    _no_guard_errors(page)
    if PAGES[path]:
        assert _wait_for_map(page.frame_locator(MAP_FRAME)) >= MUNICIPALITIES
    if path == "/spreiding":
        # Select the first project: its partners appear on a small map.
        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for()
        box = table.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
        _settle(page)
        assert _wait_for_map(page.frame_locator(MAP_FRAME)) >= MUNICIPALITIES
        # + its partners, + the text version of its map (in an expander)
        assert page.locator('[data-testid="stDataFrame"]').count() == 3
    _no_guard_errors(page)
    assert page_log.page_errors == []
    assert _real_http_errors(page_log, path) == []
    page_log.assert_offline()


def _real_http_errors(log: PageLog, path: str) -> list[str]:
    """HTTP errors, without Streamlit's own probes of ``<page>/_stcore/...``.

    On a page URL the frontend first tries the page path as the app's base path
    (``/kaart/_stcore/health``), gets a 404, and falls back to the root.
    """
    probe = f"{path.rstrip('/')}/_stcore/"
    return [e for e in log.http_errors if not (path != "/" and probe in e)]


def _title(page: Page) -> str:
    return page.locator(".og-pres-title").inner_text()


def _wait_title(page: Page, prefix: str) -> None:
    page.wait_for_function(
        "prefix => { const el = document.querySelector('.og-pres-title');"
        " return el && el.innerText.startsWith(prefix); }",
        arg=prefix,
        timeout=30_000,
    )
    _settle(page)


def test_presentation_steps_by_button_keyboard_and_url(
    server: StreamlitServer, page: Page, page_log: PageLog
) -> None:
    open_app(page, server.url + "/presentatie")
    assert _title(page).startswith("1 · Overzicht")
    assert "FICTIEF" in _title(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()

    page.locator(".st-key-pres_next button").click()
    _wait_title(page, "2 · Lokaal-regionaal")
    assert page.url.endswith("stap=2")

    page.keyboard.press("ArrowRight")
    _wait_title(page, "3 · Bovenregionaal")
    page.keyboard.press("ArrowLeft")
    _wait_title(page, "2 · Lokaal-regionaal")
    # Presentation clickers send PageDown/PageUp; quick presses are not lost.
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    _wait_title(page, "4 · Stedelijk")
    assert page.url.endswith("stap=4")
    page.locator(".st-key-pres_prev button").click()
    _wait_title(page, "3 · Bovenregionaal")

    # A presenter can jump by URL; at the end, next is off.
    open_app(page, server.url + "/presentatie?stap=5")
    assert _title(page).startswith("5 · Witte vlekken")
    assert page.locator(".st-key-pres_next button").is_disabled()
    assert _wait_for_map(page.frame_locator(MAP_FRAME)) >= MUNICIPALITIES

    # Leaving the presentation brings the sidebar back.
    page.get_by_text("Terug naar de app").click()
    _settle(page)
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
    page.keyboard.press("ArrowRight")  # no presentation here: nothing happens
    _settle(page)
    assert page.locator(".og-pres-title").count() == 0
    assert page_log.page_errors == []
    page_log.assert_offline()


def _download(page: Page, label: str, folder: Path) -> Path:
    """Click a download button and save what it delivers."""
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def _open_exports(page: Page) -> None:
    page.get_by_text("Exporteren", exact=True).click()
    page.get_by_role("button", name="Interactieve kaart (HTML, werkt offline)").wait_for()


def test_exported_html_map_opens_from_disk_offline(
    server: StreamlitServer,
    page: Page,
    page_log: PageLog,
    page_factory: Callable[..., tuple[Page, PageLog]],
    tmp_path: Path,
) -> None:
    open_app(page, server.url + "/kaart")
    _open_exports(page)
    html_file = _download(page, "Interactieve kaart (HTML, werkt offline)", tmp_path)
    assert html_file.suffix == ".html"
    text = html_file.read_text(encoding="utf-8")
    assert "DEMODATA" in text
    assert "Statbel" in text

    offline, log = page_factory(allow_loopback=False)
    offline.goto(html_file.as_uri(), wait_until="load")
    assert _wait_for_map(offline) >= MUNICIPALITIES
    assert offline.locator(".og-title").inner_text().count("\n") >= 3  # title, date, …
    assert offline.locator(".og-legend").count() >= 2  # choropleth and flows
    assert log.blocked_urls == []
    assert log.page_errors == []
    assert all(url.startswith(("file:", "data:")) for url in log.requested_urls)
    page_log.assert_offline()


def test_png_and_geopackage_downloads(
    server: StreamlitServer, page: Page, page_log: PageLog, tmp_path: Path
) -> None:
    import pyogrio

    open_app(page, server.url + "/witte-vlekken")
    _open_exports(page)
    png = _download(page, "Afbeelding (PNG, 2400 px)", tmp_path).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 2000
    assert height > 1000

    gpkg = _download(page, "GeoPackage (QGIS, Lambert 72)", tmp_path)
    frame = pyogrio.read_dataframe(gpkg)
    assert len(frame) == MUNICIPALITIES
    assert {"nis", "underserved", "is_rural", "population"} <= set(frame.columns)
    assert frame.crs.to_epsg() == 31370

    listing = _download(page, "Excel (.xlsx)", tmp_path)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(listing.read_bytes()))["witte vlekken"]
    assert sheet.max_row > 1
    assert_no_streamlit_exception(page)
    assert page_log.page_errors == []
    page_log.assert_offline()
