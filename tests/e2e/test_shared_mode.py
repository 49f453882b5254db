"""Shared mode in a real browser: two people, two browser contexts, one server.

The server runs with ``[optil_geo] mode = "shared"`` and an editor passphrase in a
temporary secrets file (passed with ``--secrets.files``; nothing is written to the
checkout). Person A unlocks the editor rights and imports a dataset; person B is a
visitor who is not signed in.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import (
    DEFAULT_APP,
    StreamlitServer,
    assert_no_streamlit_exception,
    open_app,
    wait_for_script_done,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.e2e.conftest import PageLog

PASSPHRASE = "drie blauwe fietsen op de markt"
DATASET = "Ronde Zuid"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-mode")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[StreamlitServer]:
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f'[optil_geo]\nmode = "shared"\neditor_passphrase = "{PASSPHRASE}"\n', encoding="utf-8"
    )
    app = StreamlitServer(
        DEFAULT_APP,
        log_path=folder / "streamlit.log",
        env={"OPTIL_GEO_WORKSPACE": str(folder / "workspace.sqlite")},
        extra_args=["--secrets.files", str(secrets)],
    )
    app.start()
    yield app
    app.stop()


def _flat_csv(title: str, place: str) -> bytes:
    rows = [
        ["projectnummer", "titel", "ronde", "aanvrager", "gemeente aanvrager", "organisatie",
         "gemeente", "sector", "rol"],
        ["Z-1", title, "2024-1", "Bibliotheek Kortrijk", "Kortrijk", "CC Wevelgem", place,
         "cultuurcentrum", "dragende partner"],
        ["Z-1", title, "2024-1", "Bibliotheek Kortrijk", "Kortrijk", "OCMW Menen", "Menen",
         "welzijn", "toeleider"],
    ]  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _datasets_in_workspace(folder: Path) -> list[tuple[int, str, str, int, int]]:
    with sqlite3.connect(folder / "workspace.sqlite") as conn:
        return conn.execute(
            "SELECT id, name, owner, published_at IS NOT NULL, deleted_at IS NOT NULL"
            " FROM datasets ORDER BY id"
        ).fetchall()


def _sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def _main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def _dataset_choices(page: Page) -> list[str]:
    """Open the sidebar's dataset list and return its options, as a user sees them."""
    box = _sidebar(page).locator('[data-testid="stSelectbox"]').filter(has_text="Dataset")
    box.click()
    options = page.get_by_role("option")
    options.first.wait_for()
    texts = options.all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def _dataset_table(page: Page) -> list[str]:
    """The cells of the Data page's dataset table (its accessible grid), as text."""
    heading = page.get_by_role("heading", name="Datasets in de werkruimte")
    heading.scroll_into_view_if_needed()
    grid = _main(page).locator('[data-testid="stDataFrame"]').filter(has_text="Partnerrijen")
    if page.get_by_text("Nog geen geïmporteerde datasets").count():
        return []
    grid.scroll_into_view_if_needed()
    grid.locator("td").first.wait_for(state="attached", timeout=10_000)
    return grid.locator("td").all_inner_texts()


def _upload(page: Page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("2 partnerrijen", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    _main(page).get_by_label("Naam van de dataset").fill(DATASET)
    page.get_by_role("button", name="Importeren in de werkruimte").click()
    page.get_by_text("Geïmporteerd als", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)


def _manage(page: Page, label_part: str) -> None:
    box = _main(page).locator('[data-testid="stSelectbox"]').filter(has_text="Dataset beheren")
    box.click()
    page.keyboard.type(label_part)  # filters the list, as a person types
    page.keyboard.press("Enter")
    wait_for_script_done(page)
    page.get_by_role("button", name=re.compile("Verwijderen")).wait_for(timeout=30_000)


def test_two_people_on_one_shared_instance(
    server: StreamlitServer,
    folder: Path,
    page_factory: Callable[..., tuple[Page, PageLog]],
    tmp_path: Path,
) -> None:
    a, a_log = page_factory()
    b, b_log = page_factory()

    # --- A unlocks the editor rights: the passphrase never reaches the address bar.
    open_app(a, server.url + "/data")
    _sidebar(a).get_by_text("Redacteur", exact=True).click()
    _sidebar(a).get_by_label("Wachtwoordzin van de redactie").fill("fout geraden")
    _sidebar(a).get_by_role("button", name="Ontgrendelen").click()
    a.get_by_text("Die wachtwoordzin klopt niet").wait_for(timeout=30_000)
    _sidebar(a).get_by_label("Wachtwoordzin van de redactie").fill(PASSPHRASE)
    _sidebar(a).get_by_role("button", name="Ontgrendelen").click()
    _sidebar(a).get_by_text("Je bent redacteur", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(a)
    assert "fietsen" not in a.url and "fout" not in a.url

    # --- A imports a dataset: stored, unpublished, and its address holds its id.
    upload = tmp_path / "zuid.csv"
    upload.write_bytes(_flat_csv("Zuid verbindt", "Wevelgem"))
    _upload(a, upload)
    (row,) = _datasets_in_workspace(folder)
    dataset_id = row[0]
    assert row[1:] == (DATASET, "network", 0, 0)
    assert re.search(rf"[?&]ds={dataset_id}(&|$)", a.url), a.url
    bookmark = f"{server.url}/data?ds={dataset_id}"

    # --- B does not see it: not in any list, not by its address.
    open_app(b, bookmark)
    b.get_by_text(f"(nr. {dataset_id}) is niet gepubliceerd", exact=False).wait_for()
    assert b.get_by_text("Je ziet nu de demodata", exact=False).count() == 1
    assert not [c for c in _dataset_choices(b) if DATASET in c]
    assert _dataset_table(b) == []
    assert _main(b).get_by_text(DATASET).count() == 0
    # ... and cannot delete it: B has nothing to manage.
    assert _main(b).get_by_text("Dataset beheren").count() == 0
    assert b.get_by_role("button", name=re.compile("Verwijderen")).count() == 0

    # --- B's own upload stays in B's browser session: nothing is stored.
    mine = tmp_path / "eigen.csv"
    mine.write_bytes(_flat_csv("Van B", "Menen"))
    assert (
        b.get_by_text("deze import blijft alleen in deze browsersessie", exact=False).count() == 0
    )
    b.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(mine))
    b.get_by_text("deze import blijft alleen in deze browsersessie", exact=False).wait_for()
    b.get_by_role("button", name="Importeren in de werkruimte").click()
    b.get_by_text("Geïmporteerd als", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(b)
    assert [r[0] for r in _datasets_in_workspace(folder)] == [dataset_id]
    assert "ds=" not in b.url  # a session upload has no address to share
    # (A keeps the same page: editor rights last as long as the browser session.)
    assert not [c for c in _dataset_choices(a) if "(alleen in deze sessie)" in c]

    # --- A publishes it.
    _manage(a, DATASET)
    a.get_by_role("button", name=re.compile("Publiceren")).click()
    a.get_by_text("is gepubliceerd", exact=False).wait_for(timeout=30_000)
    assert _datasets_in_workspace(folder)[0][3] == 1

    # --- Now B sees it, read-only.
    open_app(b, bookmark)
    assert b.get_by_text("niet gepubliceerd", exact=False).count() == 0
    assert [c for c in _dataset_choices(b) if DATASET in c]
    _sidebar(b).get_by_text("Gepubliceerd door het netwerk · alleen lezen").wait_for()
    cells = _dataset_table(b)
    row = cells[cells.index(next(c for c in cells if c.startswith(DATASET))) :][:3]
    assert row[1:] == ["het netwerk", "gepubliceerd · alleen lezen"], cells
    # B's session upload ended with that session (this is a new page load), and B
    # may change nothing that is left: the page says so and offers no control.
    assert not [c for c in cells if c.startswith("Van B") or "(alleen in deze sessie)" in c]
    assert _main(b).get_by_text("je kunt ze bekijken, niet wijzigen", exact=False).count() == 1
    assert _main(b).get_by_text("Dataset beheren").count() == 0
    assert b.get_by_role("button", name=re.compile("Verwijderen|Publicatie intrekken")).count() == 0

    # --- A deletes it: first a confirmation that names it.
    _manage(a, DATASET)
    a.get_by_role("button", name=re.compile("Verwijderen")).click()
    question = a.get_by_text("definitief verwijderen?", exact=False)
    question.wait_for(timeout=30_000)
    assert DATASET in question.inner_text()
    assert _datasets_in_workspace(folder)[0][4] == 0  # asking deleted nothing
    a.get_by_role("button", name=re.compile(f"Ja, verwijder ‘{DATASET}")).click()
    a.get_by_text("is verwijderd", exact=False).first.wait_for(timeout=30_000)
    wait_for_script_done(a)
    assert _datasets_in_workspace(folder)[0][4] == 1

    # --- B's bookmark now says the dataset was deleted.
    open_app(b, bookmark)
    b.get_by_text(f"(nr. {dataset_id}) is verwijderd", exact=False).wait_for()
    assert b.get_by_text("Je ziet nu de demodata", exact=False).count() == 1

    # --- Nothing went wrong on the way, and the server said nothing worrying.
    for log in (a_log, b_log):
        log.assert_offline()
        assert log.page_errors == []
    text = server.log_tail(400)
    assert "no static folder found" not in text
    assert "WARNING" not in text
    assert PASSPHRASE not in text and "fout geraden" not in text
    assert_no_streamlit_exception(a)
    assert_no_streamlit_exception(b)


OWN_HEADERS = "dossier;naam project;indiener;gemeente indiener;Wie;Waar\n"


def _own_headers_file(path: Path, project: str) -> Path:
    path.write_text(
        OWN_HEADERS + f"{project};Langs de Leie;CC Kortrijk;Kortrijk;Vzw Klankbord;Brugge\n",
        encoding="utf-8",
    )
    return path


def _mappings_in_workspace(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "workspace.sqlite") as conn:
        return conn.execute("SELECT owner, mapping FROM column_mappings").fetchall()


def _match_wie(page: Page, path: Path) -> None:
    """Upload a file with own headers and match 'Wie' to the partner organisation by hand."""
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    step = page.locator('[data-testid="stExpander"]').filter(has_text="Kolommen koppelen")
    step.get_by_text("Nog niet gekoppeld: Partnerorganisatie").wait_for(timeout=30_000)
    organisation = step.locator('[data-testid="stSelectbox"]').filter(has_text="Partnerorganisatie")
    organisation.click()
    page.keyboard.type("Wie")
    page.keyboard.press("Enter")
    step.get_by_role("button", name="Koppeling toepassen").click()
    page.get_by_text("1 partnerrijen gelezen", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(page)
    assert_no_streamlit_exception(page)


def test_a_visitors_column_matching_stays_theirs_and_an_editors_is_everyones(
    server: StreamlitServer,
    folder: Path,
    page_factory: Callable[..., tuple[Page, PageLog]],
    tmp_path: Path,
) -> None:
    before = _mappings_in_workspace(folder)
    visitor, _ = page_factory()
    editor, _ = page_factory()

    # The visitor matches their own headers: used in their session, stored nowhere.
    open_app(visitor, server.url + "/data")
    _match_wie(visitor, _own_headers_file(tmp_path / "eerste.csv", "E1"))
    assert _mappings_in_workspace(folder) == before
    _own_headers_file(tmp_path / "tweede.csv", "E2")
    visitor.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(tmp_path / "tweede.csv")
    )
    visitor.get_by_text("eerder bevestigde", exact=False).wait_for(timeout=30_000)

    # The editor meets the same headers: the visitor's matching does not apply.
    open_app(editor, server.url + "/data")
    _sidebar(editor).get_by_text("Redacteur", exact=True).click()
    _sidebar(editor).get_by_label("Wachtwoordzin van de redactie").fill(PASSPHRASE)
    _sidebar(editor).get_by_role("button", name="Ontgrendelen").click()
    _sidebar(editor).get_by_text("Je bent redacteur", exact=False).wait_for(timeout=30_000)
    wait_for_script_done(editor)
    _match_wie(editor, _own_headers_file(tmp_path / "redactie.csv", "R1"))
    assert editor.get_by_text("eerder bevestigde", exact=False).count() == 0
    # ... and the editor's matching is the network's: a new visitor gets it at once.
    added = [m for m in _mappings_in_workspace(folder) if m not in before]
    assert [owner for owner, _ in added] == ["network"]
    assert '"organisation": "Wie"' in added[0][1]
    newcomer, _ = page_factory()
    open_app(newcomer, server.url + "/data")
    newcomer.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        str(_own_headers_file(tmp_path / "nieuw.csv", "N1"))
    )
    newcomer.get_by_text("eerder bevestigde", exact=False).wait_for(timeout=30_000)
    assert newcomer.get_by_text("Nog niet gekoppeld").count() == 0
