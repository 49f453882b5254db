"""The Kaart and Data pages in a real browser, with no internet.

One app server per module on a temporary workspace; the restart test starts its
own server so that it can stop it.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    DEFAULT_APP,
    StreamlitServer,
    assert_no_streamlit_exception,
    open_app,
    served_app,
    wait_for_script_done,
)

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

    from tests.e2e.conftest import PageLog

MAP_FRAME_URL = "streamlit_folium.st_folium"
XSS = "<img src=x onerror=alert(1)>"

COUNT_LAYERS = """() => {
    let municipalities = 0, flows = 0, rings = 0;
    window.map.eachLayer((layer) => {
        const f = layer.feature;
        if (f && f.properties && f.properties.nis && f.geometry.type.includes("Polygon")) {
            municipalities += 1;
        } else if (layer instanceof L.Polyline && layer.options.className === "og-flow") {
            flows += 1;  // flow lines are drawn by the map's own script, not as GeoJSON
        } else if (layer instanceof L.CircleMarker) {
            rings += 1;
        }
    });
    return [municipalities, flows, rings];
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    with served_app(tmp_path_factory.mktemp("kaart-data")) as app:
        yield app


def map_frame(page: Page, timeout_s: float = 40.0) -> Frame:
    """Return the st_folium iframe once its Leaflet map exists."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if MAP_FRAME_URL in frame.url:
                try:
                    if frame.evaluate("() => typeof window.map === 'object' && !!window.map"):
                        return frame
                except Exception:  # frame still loading
                    pass
        page.wait_for_timeout(200)
    pytest.fail("the map iframe did not appear", pytrace=False)


def layer_counts(frame: Frame) -> tuple[int, int, int]:
    municipalities, flows, rings = frame.evaluate(COUNT_LAYERS)
    return int(municipalities), int(flows), int(rings)


def wait_counts(
    frame: Frame, predicate: Callable[[tuple[int, int, int]], bool], timeout_s: float = 30
) -> tuple[int, int, int]:
    deadline = time.monotonic() + timeout_s
    counts = layer_counts(frame)
    while time.monotonic() < deadline:
        counts = layer_counts(frame)
        if predicate(counts):
            return counts
        frame.page.wait_for_timeout(100)
    pytest.fail(f"map layers never reached the expected state; last counts {counts}", pytrace=False)


def test_kaart_draws_municipalities_and_flows_offline(
    server: StreamlitServer, page: Page, page_log: PageLog
) -> None:
    open_app(page, server.url + "/kaart")
    frame = map_frame(page)
    municipalities, flows, rings = wait_counts(frame, lambda c: c[0] == 304 and c[1] > 0)
    assert municipalities == 304
    assert 0 < flows <= 120  # the default top-N
    assert rings > 0  # local partnerships
    # 304 municipality shapes are real SVG paths on screen, and the only ones that take
    # a click: flow lines lie on top without catching it.
    assert frame.locator("path.leaflet-interactive").count() == 304
    assert frame.locator("path.og-flow").count() == flows
    # Walloon and foreign partners are counted beside the map, not dropped.
    side = page.get_by_text("Partners buiten Vlaanderen en Brussel")
    assert side.count() == 1
    assert (
        page.get_by_text("Wallonië: 53").count() >= 1 or page.locator("text=Wallonië").count() >= 1
    )
    leaflet = f"{server.url}/app/static/leaflet/leaflet.js"
    assert leaflet in page_log.requested_urls
    page_log.assert_offline()
    assert page_log.page_errors == []


def test_clicking_a_municipality_opens_its_details(server: StreamlitServer, page: Page) -> None:
    # Without flows nothing lies on top of the municipalities.
    open_app(page, server.url + "/kaart?flows=false")
    frame = map_frame(page)
    wait_counts(frame, lambda c: c[0] == 304)
    _click_municipality(frame, "Lommel")
    page.get_by_role("heading", name="Lommel").wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)
    assert (
        page.get_by_text("Referentieregio: Limburg").count() + page.get_by_text("Limburg").count()
        > 0
    )
    assert page.get_by_text("Buurgemeenten:").count() == 1
    assert page.get_by_text("Projecten met aanvrager hier").count() == 1
    assert "gemeente=" in page.url  # the chosen municipality is part of the shareable URL

    # Choose another municipality in the list, then click Lommel again: it opens again.
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stSelectbox"]').filter(has_text="Gemeente").click()
    page.keyboard.type("Gent")
    page.get_by_role("option", name="Gent", exact=True).click()
    page.get_by_role("heading", name="Gent", exact=True).wait_for(timeout=30_000)
    wait_for_script_done(page)
    _click_municipality(map_frame(page), "Lommel")
    page.get_by_role("heading", name="Lommel").wait_for(timeout=30_000)
    assert_no_streamlit_exception(page)


def _click_municipality(frame: Frame, name: str) -> None:
    """Click a municipality's polygon on the map, as a user does."""
    # Dispatch a click on the SVG path at its centre point, as the browser does for a
    # user's click (Playwright's mouse positions are unreliable inside Streamlit's
    # scrolling container + component iframe). Leaflet turns it into a layer click.
    client = frame.evaluate(
        """(name) => {
            let target = null;
            window.map.eachLayer((layer) => {
                const f = layer.feature;
                if (f && f.properties && f.properties.naam === name) { target = layer; }
            });
            target._path.setAttribute("data-test", "clicked");
            const centre = window.map.latLngToContainerPoint(target.getCenter());
            const map = window.map.getContainer().getBoundingClientRect();
            return [centre.x + map.left, centre.y + map.top];
        }""",
        name,
    )
    for kind in ("mousedown", "mouseup", "click"):
        frame.locator('path[data-test="clicked"]').dispatch_event(
            kind, {"clientX": client[0], "clientY": client[1], "bubbles": True, "button": 0}
        )


def test_changing_a_filter_changes_the_flows(server: StreamlitServer, page: Page) -> None:
    open_app(page, server.url + "/kaart?topn=600")
    frame = map_frame(page)
    wait_counts(frame, lambda c: c[0] == 304 and c[1] > 0)
    # Zoom in to the municipality level (the Flanders view shows at most 40 region lines).
    frame.evaluate("window.map.setZoom(window.map.getZoom() + 1.5, {animate: false})")
    frame.wait_for_function(
        "document.querySelector('.leaflet-container').dataset.ogLevel === 'municipalities'"
    )
    before = wait_counts(frame, lambda c: c[0] == 304 and c[1] > 40)
    sidebar = page.locator('[data-testid="stSidebar"]')
    rounds = sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Subsidierondes")
    rounds.locator("input").click()
    page.keyboard.type("2020-1")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    after = wait_counts(frame, lambda c: c[0] == 304 and 0 < c[1] < before[1])
    assert after[1] < before[1]
    assert "ronde=2020-1" in page.url


def _flat_csv_with_xss() -> bytes:
    rows = [
        [
            "projectnummer",
            "titel",
            "ronde",
            "aanvrager",
            "gemeente aanvrager",
            "organisatie",
            "gemeente",
            "sector",
            "rol",
        ],
        [
            "X-1",
            "Test <b>vet</b>",
            "2024-1",
            "Bibliotheek Gent",
            "Gent",
            XSS,
            "Gent",
            "bibliotheek",
            "dragende partner",
        ],
        [
            "X-1",
            "Test <b>vet</b>",
            "2024-1",
            "Bibliotheek Gent",
            "Gent",
            '=HYPERLINK("http://x")',
            "Nergenshuizen",
            "jeugdwerk",
            "toeleider",
        ],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_upload_shows_untrusted_names_as_text(
    server: StreamlitServer, page: Page, tmp_path: Path
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    upload = tmp_path / "xss.csv"
    upload.write_bytes(_flat_csv_with_xss())
    open_app(page, server.url + "/data")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    page.get_by_text("2 partnerrijen", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)
    page.get_by_text("Zo werd het bestand gelezen").click()
    page.get_by_text(XSS, exact=True).first.wait_for(timeout=10_000)
    # The name is shown as text: no <img src="x"> element was created anywhere.
    assert page.locator('img[src="x"]').count() == 0
    # The unresolved place is reported as a warning; the import is allowed.
    assert page.get_by_text("Nergenshuizen").count() >= 1
    page.get_by_role("button", name="Importeren in de werkruimte").click()
    page.get_by_text("Geïmporteerd als", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)
    # The uploader is empty again: the same file cannot be imported twice by accident.
    assert page.get_by_role("button", name="Importeren in de werkruimte").count() == 0
    # Look at the imported data on the map page too.
    open_app(page, server.url + "/kaart")
    map_frame(page)
    page.wait_for_timeout(500)
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []


def test_too_large_upload_is_refused_with_a_message(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    folder = tmp_path_factory.mktemp("cap")
    app = StreamlitServer(
        DEFAULT_APP,
        log_path=folder / "streamlit.log",
        env={"OPTIL_GEO_WORKSPACE": str(folder / "w.sqlite"), "OPTIL_GEO_MAX_UPLOAD_MB": "0.01"},
    )
    app.start()
    try:
        big = folder / "groot.csv"
        big.write_bytes(b"projectnummer;titel\n" + b"P;" + b"x" * 20_000 + b"\n")
        open_app(page, app.url + "/data")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(big))
        page.get_by_text("de limiet is", exact=False).wait_for(timeout=30_000)
        assert_no_streamlit_exception(page)
    finally:
        app.stop()


def test_a_location_fix_survives_a_restart(
    tmp_path_factory: pytest.TempPathFactory, page: Page
) -> None:
    folder = tmp_path_factory.mktemp("restart")
    app = StreamlitServer(
        DEFAULT_APP,
        log_path=folder / "streamlit.log",
        env={"OPTIL_GEO_WORKSPACE": str(folder / "workspace.sqlite")},
    )
    app.start()
    try:
        open_app(page, app.url + "/data")
        form = page.locator('[data-testid="stForm"]')
        assert form.get_by_text("te bepalen").count() == 1
        assert form.get_by_text("Deurne").count() == 1
        assert form.get_by_text(re.compile("dubbelzinnig · 1 rij(?!en)")).count() == 1
        # Pick Antwerpen for 'Deurne' (it is starred as a candidate) and save.
        row_select = form.locator('[data-testid="stSelectbox"]').first
        row_select.click()
        page.keyboard.type("Antwerpen (11002)")
        page.keyboard.press("Enter")
        form.get_by_role("button", name="Herstellingen bewaren").click()
        page.get_by_text("1 herstelling bewaard", exact=False).wait_for(timeout=30_000)
        wait_for_script_done(page)
        assert page.locator('[data-testid="stForm"]').get_by_text("Deurne").count() == 0

        app.restart()
        open_app(page, app.url + "/data")
        form = page.locator('[data-testid="stForm"]')
        assert form.get_by_text("te bepalen").count() == 1
        assert form.get_by_text("Deurne").count() == 0
        page.get_by_text("Bewaarde herstellingen (1)").wait_for()
    finally:
        app.stop()
