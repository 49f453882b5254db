"""Witte vlekken in Chromium on the demo data: default flags, export order, an empty selection.

The table is a canvas; its rows are read the way a user takes them out of the
browser: the table's own "Download as CSV" button. The page's one XLSX export must
hold the same rows in the same order.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import StreamlitServer, open_app, served_app, wait_for_script_done

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.conftest import PageLog

DEFAULT_APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(scope="module")
def server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The app on a loopback port with its own workspace (after Chromium was found)."""
    del browser  # only to skip before starting a server when Chromium is missing
    with served_app(tmp_path_factory.mktemp("witte_vlekken")) as app:
        yield app


def _table_rows(page: Page, folder: Path) -> list[dict[str, str]]:
    """The rows of the page's main table, as its toolbar's "Download as CSV" gives them."""
    table = page.locator('.st-key-wv_tabel_box [data-testid="stDataFrame"]')
    table.scroll_into_view_if_needed()
    table.hover()
    toolbar = page.locator('.st-key-wv_tabel_box [data-testid="stElementToolbar"]')
    with page.expect_download(timeout=60_000) as info:
        toolbar.get_by_role("button", name="Download as CSV").click()
    target = folder / "table.csv"
    info.value.save_as(target)
    return list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))


def _download(page: Page, label: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_default_flags_and_the_export_keeps_the_table_order(
    server: StreamlitServer, page: Page, page_log: PageLog, tmp_path: Path
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    # The browser's native save dialog would swallow the table's CSV; use a plain download.
    page.context.add_init_script("delete window.showSaveFilePicker;")
    open_app(page, server.url + "/witte-vlekken")
    # The figure labelled "Witte vlekken" itself (not whichever figure is drawn first),
    # once it has its value.
    figure = page.locator('[data-testid="stMetric"]', has_text=re.compile(r"^\s*Witte vlekken"))
    value = figure.locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(re.compile(r"\d+ van 304"), timeout=60_000)
    counted = value.inner_text()
    rows = _table_rows(page, tmp_path)
    assert list(rows[0])[:2] == ["Rang", "Gemeente"]
    names = [row["Gemeente"] for row in rows]
    assert counted == f"{len(names)} van 304"
    assert "Antwerpen" not in names
    assert "Gent" not in names
    assert [int(row["Rang"]) for row in rows] == list(range(1, len(rows) + 1))
    assert names[0] == "Boom"  # no project, the most inhabitants of those

    page.get_by_text("Exporteren", exact=True).click()
    workbook = _download(page, "Excel (.xlsx)", tmp_path)
    book = load_workbook(workbook, read_only=True)
    assert book.sheetnames == ["witte vlekken", "gebieden", "uitleg"]
    exported = list(book["witte vlekken"].iter_rows(values_only=True))
    header = list(exported[0])
    assert [r[header.index("Gemeente")] for r in exported[1:]] == names
    assert [r[header.index("Rang")] for r in exported[1:]] == list(range(1, len(names) + 1))
    uitleg = dict(book["uitleg"].iter_rows(min_row=2, values_only=True))
    assert uitleg["Bron kaartgegevens"] == "Statbel; Provincies in Cijfers"
    assert uitleg["Filters"] == "alle gegevens (geen filters)"
    assert page_log.page_errors == []
    page_log.assert_offline()


def test_empty_selection_shows_a_message_instead_of_figures(
    server: StreamlitServer, page: Page, page_log: PageLog
) -> None:
    open_app(page, server.url + "/witte-vlekken")
    figures = page.locator('[data-testid="stMetricValue"]')
    figures.nth(3).wait_for(timeout=60_000)
    assert figures.count() == 4
    # No demo project of round 2022-2 is aimed at volunteers: pick both in the sidebar.
    for label, option in (("Subsidierondes", "2022-2"), ("Doelgroepen", "Vrijwilligers")):
        page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
            has_text=label
        ).click()
        page.keyboard.type(option)
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        wait_for_script_done(page)
    warning = page.locator('[data-testid="stAlertContentWarning"]')
    warning.wait_for(timeout=30_000)
    assert "Lege selectie" in warning.inner_text()
    assert page.locator('[data-testid="stMetricValue"]').count() == 0
    assert page.get_by_role("button", name="Excel (.xlsx)").count() == 0
    assert page_log.page_errors == []


MAP_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'


def test_the_map_is_named_and_has_a_text_version(
    server: StreamlitServer, page: Page, page_log: PageLog
) -> None:
    open_app(page, server.url + "/witte-vlekken")
    frame_element = page.locator(MAP_FRAME)
    frame_element.wait_for(timeout=60_000)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("path.leaflet-interactive").nth(303).wait_for(state="attached", timeout=60_000)
    # A name for screen readers and the keyboard, not the component's.
    page.wait_for_function(
        "sel => (document.querySelector(sel).getAttribute('title') || '').startsWith('Kaart:')",
        arg=MAP_FRAME,
        timeout=30_000,
    )
    title = frame_element.get_attribute("title") or ""
    assert "witte vlekken" in title and "streamlit" not in title
    # The text version lists what the map colours: one row per witte vlek.
    counted = page.locator('[data-testid="stMetricValue"]').first.inner_text()  # "59 van 304"
    flagged = int(counted.split()[0])
    page.get_by_text("Tekstversie van de kaart").click()
    version = page.locator('[data-testid="stExpander"]').filter(has_text="Tekstversie van de kaart")
    grid = version.locator('[data-testid="stDataFrame"] table[role="grid"]')
    grid.wait_for(state="attached")
    assert grid.get_attribute("aria-rowcount") == str(flagged + 1)  # and the header row
    assert "Gemeente" in grid.inner_text() and "Categorie" in grid.inner_text()
    assert page_log.page_errors == []
