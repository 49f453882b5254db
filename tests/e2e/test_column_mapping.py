"""The Data page's column-mapping step in a real browser: own headers, a classified map.

A file whose headers the accepted names do not know ('Wie', 'Waar') is matched by
hand once; the map then shows its links; a second file with the same headers is
read with the remembered matching, without the step (the first test checks that
the page remembers the matching; the second seeds it, so each runs on its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import optil_geo as og
from optil_geo.partnerships.suggestions import header_set_key
from tests.e2e.conftest import (
    StreamlitServer,
    assert_no_streamlit_exception,
    open_app,
    served_app,
    wait_for_script_done,
)
from tests.e2e.test_kaart_data import map_frame, wait_counts

if TYPE_CHECKING:
    from playwright.sync_api import Page

HEADERS = "dossier;naam project;indiener;gemeente indiener;Wie;Waar\n"
FIRST = HEADERS + (
    "M1;Verhalen langs de Leie;CC Kortrijk;Kortrijk;Bibliotheek Brugge;Brugge\n"
    "M1;Verhalen langs de Leie;CC Kortrijk;Kortrijk;Erfgoedcel Antwerpen;Antwerpen\n"
    "M1;Verhalen langs de Leie;CC Kortrijk;Kortrijk;GC De Rinck;Anderlecht\n"
)
SECOND = HEADERS + (
    "M2;Dansen in Limburg;CC Hasselt;Hasselt;Bibliotheek Genk;Genk\n"
    "M2;Dansen in Limburg;CC Hasselt;Hasselt;Stad Leuven;Leuven\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    with served_app(tmp_path_factory.mktemp("column-mapping")) as app:
        yield app


def _upload(page: Page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def _import(page: Page) -> None:
    page.get_by_role("button", name="Importeren in de werkruimte").click()
    page.get_by_text("Geïmporteerd als", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)


def test_unknown_headers_are_matched_once_and_the_map_shows_the_links(
    server: StreamlitServer, page: Page, tmp_path: Path
) -> None:
    first = tmp_path / "eigen-kolommen.csv"
    first.write_text(FIRST, encoding="utf-8")
    open_app(page, server.url + "/data")
    _upload(page, first)
    step = page.locator('[data-testid="stExpander"]').filter(has_text="Kolommen koppelen")
    step.get_by_text("Nog niet gekoppeld: Partnerorganisatie").wait_for(timeout=30_000)
    assert_no_streamlit_exception(page)
    # The suggestions are filled in: 'Waar' holds municipality names.
    place = step.locator('[data-testid="stSelectbox"]').filter(has_text="Gemeente partner")
    assert place.locator("input").input_value() == "Waar"
    # The raw codes of the import are not shown anywhere.
    assert page.get_by_text("missing_column").count() == 0

    # The one field no evidence names: pick 'Wie' as a person would.
    organisation = step.locator('[data-testid="stSelectbox"]').filter(has_text="Partnerorganisatie")
    organisation.click()
    page.keyboard.type("Wie")
    page.keyboard.press("Enter")
    step.get_by_role("button", name="Koppeling toepassen").click()
    page.get_by_text("3 partnerrijen gelezen", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert page.get_by_text("Nog niet gekoppeld").count() == 0
    # Remembered in the workspace under this set of headers.
    workspace = og.Workspace(Path(server.env["OPTIL_GEO_WORKSPACE"]))
    remembered = workspace.column_mapping(header_set_key(HEADERS.strip().split(";")))
    assert remembered is not None
    assert (remembered["organisation"], remembered["municipality"]) == ("Wie", "Waar")
    _import(page)

    # The new dataset is the one shown; the address names it by its id.
    (new_id,) = workspace.list_datasets().query("name == 'eigen-kolommen'")["id"].tolist()
    assert f"ds={new_id}" in page.url
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Kaart", exact=True).click()
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)
    frame = map_frame(page)
    # Kortrijk → Brugge, Antwerpen and Anderlecht: three links leave Kortrijk.
    _, flows, _ = wait_counts(frame, lambda counts: counts[1] >= 3)
    assert flows == 3


def test_the_matching_is_reused_for_a_file_with_the_same_headers(
    server: StreamlitServer, page: Page, tmp_path: Path
) -> None:
    workspace = og.Workspace(Path(server.env["OPTIL_GEO_WORKSPACE"]))
    headers = HEADERS.strip().split(";")
    workspace.save_column_mapping(
        header_set_key(headers),
        {
            "project_id": "dossier",
            "title": "naam project",
            "lead_organisation": "indiener",
            "lead_municipality": "gemeente indiener",
            "organisation": "Wie",
            "municipality": "Waar",
        },
    )
    second = tmp_path / "volgende.csv"
    second.write_text(SECOND, encoding="utf-8")
    open_app(page, server.url + "/data")
    _upload(page, second)
    page.get_by_text("2 partnerrijen gelezen", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert page.get_by_text("eerder bevestigde", exact=False).count() == 1
    assert page.get_by_text("Nog niet gekoppeld").count() == 0
    _import(page)
