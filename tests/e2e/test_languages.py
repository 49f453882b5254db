"""One language at a time in a real browser whose own language is the other one.

In English mode the browser is Dutch (``nl-BE``), in Dutch mode English (``en-US``):
every page, the map frame with its legends, layer names and tooltips, and the
exported HTML map must speak the interface language only (the word lists of
:mod:`tests.language_words`), ``<html lang>`` must say it, and the numbers that
``st.dataframe`` draws on its canvas must be formatted by the interface language,
not by the browser's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from optil_geo.texts import format_number, text
from tests.e2e.conftest import (
    DEFAULT_APP,
    StreamlitServer,
    open_app,
    served_app,
    wait_for_script_done,
)
from tests.language_words import foreign_words

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Frame, Page

    from tests.e2e.conftest import PageLog

LANGS = ("nl", "en")
BROWSER_LOCALE = {"nl": "en-US", "en": "nl-BE"}  # the browser speaks the other language
IN_ADDRESS = {"nl": "", "en": "?lang=English"}  # the language widget, bound to the address
MAP_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'

# Every page the app declares, at its own address ("" is the start page, Overzicht).
PATHS = ["", *re.findall(r'url_path="([^"]+)"', DEFAULT_APP.read_text(encoding="utf-8"))]
PATHS.remove("start")  # the start page's own path is never public: it is ""

# Streamlit's own texts that the app cannot word (see the README); left out of the check.
STREAMLIT_OWN = (
    "Drag and drop file here",
    "Browse files",
    "Select all",
    "No results",
    "Running...",
    "Upload",  # the file uploader's button (Streamlit 1.67)
)

# Leaflet's tooltips and popups (worded for each feature), the controls (layer names,
# legends) and the visible text, in every map of a page.
_MAP_TEXTS = """() => {
  const out = [];
  const html = (value) => {
    const box = document.createElement("div");
    box.innerHTML = String(value);
    return box.textContent;
  };
  const content = (item, layer) => {
    let value = item._content;
    if (typeof value === "function") {
      try { value = value(layer); } catch (error) { value = ""; }
    }
    if (value instanceof HTMLElement) return value.textContent;
    return value ? html(value) : "";
  };
  const maps = Object.values(window).filter((v) => v && window.L && v instanceof L.Map);
  for (const map of maps) {
    map.eachLayer((layer) => {
      for (const item of [layer._tooltip, layer._popup]) {
        if (!item) continue;
        if (layer.eachLayer) layer.eachLayer((child) => out.push(content(item, child)));
        else out.push(content(item, layer));
      }
    });
  }
  const controls = document.querySelectorAll(".leaflet-control-container");
  for (const c of controls) out.push(c.textContent);
  out.push(document.body.innerText);
  return out;
}"""

# The visible text of the page without Material icons, whose names are ligature text
# ("groups", "map", an expander's "help") that no one reads.
_VISIBLE_TEXT = """() => {
  const icons = Array.from(document.querySelectorAll(
    '[data-testid="stIconMaterial"], [data-testid="stExpanderIcon"]'
  ));
  for (const icon of icons) icon.style.display = "none";
  const text = document.body.innerText;
  for (const icon of icons) icon.style.display = "";
  return text;
}"""

# Record every text drawn on a canvas (st.dataframe draws its cells on one).
_RECORD_CANVAS = """
window.__drawn = [];
const fill = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (value, ...rest) {
  window.__drawn.push(String(value));
  return fill.call(this, value, ...rest);
};
"""


@pytest.fixture(scope="module")
def server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    del browser  # only to skip before starting a server when Chromium is missing
    with served_app(tmp_path_factory.mktemp("languages")) as app:
        yield app


def _foreign(texts: list[str], lang: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for value in texts:
        shown = value
        for own in STREAMLIT_OWN:
            shown = shown.replace(own, " ")
        bad = foreign_words(shown, lang)
        if bad:
            found[shown[:100]] = sorted(bad)
    return found


def _map_frames(page: Page) -> list[Frame]:
    frames = []
    for handle in page.locator(MAP_FRAME).element_handles():
        frame = handle.content_frame()
        if frame is not None:
            frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
            frames.append(frame)
    return frames


def _page_texts(page: Page) -> tuple[list[str], list[str]]:
    """The page's visible text, and the texts of its map frames."""
    maps: list[str] = []
    for frame in _map_frames(page):
        maps += frame.evaluate(_MAP_TEXTS)
    return [page.evaluate(_VISIBLE_TEXT)], maps


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_and_map_speaks_one_language(
    lang: str,
    server: StreamlitServer,
    page_factory: Callable[..., tuple[Page, PageLog]],
) -> None:
    page, _ = page_factory(locale=BROWSER_LOCALE[lang])
    problems: dict[str, dict[str, list[str]]] = {}
    for path in PATHS:
        open_app(page, f"{server.url}/{path}{IN_ADDRESS[lang]}")
        page.wait_for_timeout(500)
        wait_for_script_done(page)
        page.wait_for_function(f"document.documentElement.lang === {lang!r}", timeout=10_000)
        texts, maps = _page_texts(page)
        assert sum(len(t) for t in texts) > 200, path  # the walk reads the page
        for where, found in (
            (path or "/", _foreign(texts, lang)),
            (f"{path} map", _foreign(maps, lang)),
        ):
            if found:
                problems[where] = found
    assert not problems


def _download(page: Page, label: str, folder: Path) -> Path:
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=label).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


@pytest.mark.parametrize("lang", LANGS)
def test_exported_html_map_speaks_one_language(
    lang: str,
    server: StreamlitServer,
    page_factory: Callable[..., tuple[Page, PageLog]],
    tmp_path: Path,
) -> None:
    page, _ = page_factory(locale=BROWSER_LOCALE[lang])
    open_app(page, f"{server.url}/kaart{IN_ADDRESS[lang]}")
    page.get_by_text(text("export", lang), exact=True).click()
    exported = _download(page, text("dl_html", lang), tmp_path)
    offline, _ = page_factory(allow_loopback=False, locale=BROWSER_LOCALE[lang])
    offline.goto(exported.as_uri(), wait_until="load")
    offline.wait_for_selector("path.leaflet-interactive", state="attached", timeout=30_000)
    texts = offline.evaluate(_MAP_TEXTS)
    assert len(texts) > 300  # a tooltip for every municipality: the walk reads them
    assert not _foreign(texts, lang)


# ------------------------------------------------------------------ numbers in tables

_DUTCH_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_ENGLISH_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_DUTCH_DECIMAL = re.compile(r"^\d+,\d+$")
_ENGLISH_DECIMAL = re.compile(r"^\d+\.\d+$")


def _drawn_numbers(page: Page, url: str) -> list[str]:
    """The texts the page's tables draw (the first table scrolled into view)."""
    open_app(page, url)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    return [t.strip() for t in page.evaluate("window.__drawn")]


@pytest.mark.parametrize("lang", LANGS)
def test_table_numbers_follow_the_interface_not_the_browser(
    lang: str,
    server: StreamlitServer,
    page_factory: Callable[..., tuple[Page, PageLog]],
) -> None:
    page, _ = page_factory(locale=BROWSER_LOCALE[lang])
    page.set_viewport_size({"width": 2560, "height": 1000})  # every column drawn
    page.add_init_script(_RECORD_CANVAS)
    # Witte vlekken: inhabitants (thousands); Spreiding: distances (decimals).
    population = _drawn_numbers(page, f"{server.url}/witte-vlekken{IN_ADDRESS[lang]}")
    distances = _drawn_numbers(page, f"{server.url}/spreiding{IN_ADDRESS[lang]}")
    own_thousands, other_thousands = (
        (_DUTCH_THOUSANDS, _ENGLISH_THOUSANDS)
        if lang == "nl"
        else (_ENGLISH_THOUSANDS, _DUTCH_THOUSANDS)
    )
    own_decimal, other_decimal = (
        (_DUTCH_DECIMAL, _ENGLISH_DECIMAL) if lang == "nl" else (_ENGLISH_DECIMAL, _DUTCH_DECIMAL)
    )
    assert [t for t in population if own_thousands.match(t)], population[:80]
    assert not [t for t in population if other_thousands.match(t)]
    assert [t for t in distances if own_decimal.match(t)], distances[:80]
    assert not [t for t in distances if other_decimal.match(t)]


# ------------------------------------------------------------------ upload limit


@pytest.mark.parametrize("lang", LANGS)
def test_too_big_upload_is_refused_in_the_interface_language(
    lang: str,
    server: StreamlitServer,
    page_factory: Callable[..., tuple[Page, PageLog]],
    tmp_path: Path,
) -> None:
    # Streamlit's server.maxUploadSize (200 MB in .streamlit/config.toml) stays above
    # the app's cap (25 MB): a file between the two reaches the app, which refuses it
    # in the interface language and says how to go on. At 25 MB Streamlit refuses it
    # first, with an English "File must be 25.0MB or smaller." shown only on hover.
    big = tmp_path / "groot.csv"
    row = "P1;Titel;CC Gent;Gent;Bib Aalst;Aalst\n"
    header = "projectnummer;titel;aanvrager;gemeente aanvrager;organisatie;gemeente\n"
    big.write_text(header + row * (26 * 1024 * 1024 // len(row) + 1), encoding="utf-8")
    size_mb = big.stat().st_size / 1024 / 1024
    page, _ = page_factory(locale=BROWSER_LOCALE[lang])
    open_app(page, f"{server.url}/data{IN_ADDRESS[lang]}")
    label = page.locator('[data-testid="stFileUploader"]')
    assert text("upload", lang, cap="25") in label.inner_text()
    label.locator("input[type=file]").set_input_files(big)
    message = text(
        "too_big", lang, name="groot.csv", size=format_number(size_mb, 1, lang=lang), cap="25"
    )
    alert = page.locator('[data-testid="stAlertContentError"]').filter(has_text="groot.csv")
    alert.wait_for(timeout=60_000)
    assert alert.inner_text().strip() == message
    assert "File must be" not in page.evaluate("document.body.innerText")


# ------------------------------------------------------------- switching language


def test_switching_language_rewords_the_dataset_selector(
    server: StreamlitServer, page_factory: Callable[..., tuple[Page, PageLog]]
) -> None:
    # A keyed selectbox keeps the label it was first drawn with when only its
    # format_func changes: the demo stayed "Demodata (fictief)" in English.
    page, _ = page_factory()
    open_app(page, server.url)
    selector = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"] input').first

    def shown() -> str:
        return str(selector.input_value())

    assert shown() == text("demo_label", "nl")
    for lang, button in (("en", "English"), ("nl", "Nederlands")):
        page.locator('[data-testid="stSidebar"]').get_by_text(button, exact=True).click()
        page.wait_for_function(
            "([label]) => [...document.querySelectorAll("
            "'[data-testid=stSidebar] [data-testid=stSelectbox] input')]"
            ".some((e) => e.value === label)",
            arg=[text("demo_label", lang)],
            timeout=30_000,
        )
        assert shown() == text("demo_label", lang)
