"""The app's non-map logic with Streamlit's AppTest (no browser)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import optil_geo as og

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own workspace; Streamlit's caches live per process, so clear them."""
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(tmp_path / "workspace.sqlite"))
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _multiselect(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(m for m in at.sidebar.multiselect if m.label == label)


def test_landing_page_and_sidebar(app: AppTest) -> None:
    assert [t.value for t in app.title] == ["Overzicht"]
    labels = [m.label for m in app.sidebar.multiselect]
    assert labels == [
        "Subsidierondes",
        "Sectorgroepen (partners)",
        "Sectoren (partners)",
        "Rollen",
        "Doelgroepen",
        "Soort samenwerking",
    ]
    selection = app.session_state["selection"]
    assert selection.analysis.is_demo
    assert len(selection.projects) == 206
    assert len(selection.links) == 1594
    assert len(selection.municipalities) == 304


def test_filters_reach_every_page(app: AppTest) -> None:
    _multiselect(app, "Subsidierondes").set_value(["2020-1"]).run()
    selection = app.session_state["selection"]
    assert selection.filters.rounds == ("2020-1",)
    assert set(selection.projects["round"]) == {"2020-1"}
    assert set(selection.links["project_id"]) <= set(selection.projects["project_id"])
    # The filter survives a page change.
    app.switch_page("views/kaart.py").run()
    assert not app.exception
    assert app.session_state["selection"].filters.rounds == ("2020-1",)

    _multiselect(app, "Soort samenwerking").set_value(["local"]).run()
    selection = app.session_state["selection"]
    assert set(selection.links["class"]) == {"local"}
    # A link filter also drops projects without a remaining link.
    assert set(selection.projects["project_id"]) == set(selection.links["project_id"])


def test_focus_area_and_rules(app: AppTest, nis_of) -> None:
    app.sidebar.selectbox(key="focus").set_value("municipality").run()
    app.sidebar.selectbox(key="gebied").set_value(nis_of("Gent")).run()
    selection = app.session_state["selection"]
    assert selection.filters.area == (nis_of("Gent"),)
    touches = (selection.links["lead_nis"] == nis_of("Gent")) | (
        selection.links["partner_nis"] == nis_of("Gent")
    )
    assert touches.all() and len(selection.links) > 0

    app.sidebar.selectbox(key="schema").set_value("province").run()
    assert app.session_state["selection"].rules == og.LinkRules(scheme="province")


def test_kaart_detail_panel(app: AppTest, nis_of) -> None:
    app.switch_page("views/kaart.py").run()
    app.selectbox(key="gemeente").set_value(nis_of("Gent")).run()
    assert not app.exception
    assert "Gent" in [s.value for s in app.subheader]
    texts = " ".join(m.value for m in app.markdown)
    assert "Regio Gent" in texts
    assert "Buurgemeenten" in texts


def test_english_interface() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert _multiselect(at, "Funding rounds").label == "Funding rounds"


def test_data_page_saves_a_location_fix(app: AppTest, tmp_path: Path, nis_of) -> None:
    app.switch_page("views/data.py").run()
    assert not app.exception
    form_selects = [s for s in app.selectbox if str(s.key).startswith("fix_")]
    assert len(form_selects) == 2  # 'Deurne' (ambiguous) and 'te bepalen' (unresolved)
    # The first form line is 'Deurne'; its candidates are listed first, starred.
    deurne = form_selects[0]
    assert deurne.options[1:3] == ["Antwerpen (11002) ★", "Diest (24020) ★"]
    deurne.set_value(nis_of("Antwerpen"))
    next(b for b in app.button if "Herstellingen" in str(b.label)).click().run()
    assert not app.exception
    fixes = og.Workspace(tmp_path / "workspace.sqlite").fixes()
    assert len(fixes) == 1
    assert fixes.iloc[0]["nis"] == nis_of("Antwerpen")


# --------------------------------------------------------------------------- review fixes


def _save(tmp_path: Path, name: str, projects: pd.DataFrame, partners: pd.DataFrame) -> str:
    """Save a dataset to the test's workspace; return its key for the ``ds`` selectbox."""
    ws = og.Workspace(tmp_path / "workspace.sqlite")
    new_id = ws.save_dataset(name, source_name=f"{name}.csv", projects=projects, partners=partners)
    return str(new_id)


_PROJECTS = pd.DataFrame(
    {
        "project_id": ["P1", "P2"],
        "title": ["Een", "Twee"],
        "round": ["2024-1", "2024-1"],
        "lead_organisation": ["Bib Gent", "CC Bever"],
        "lead_municipality": ["Gent", "Bever"],
    }
)
_PARTNERS = pd.DataFrame(
    {
        "project_id": ["P1", "P2", "P2", "P1"],
        "organisation": ["Vooruit", "OCMW Gent", "Jeugdhuis", "Buurtwerk"],
        "municipality": ["Gent", "Nergenshuizen", "Xyzdorp", None],
        "postcode": [None, None, None, None],
    }
)


def _on(at: AppTest, key: str, page: str) -> AppTest:
    at.run()  # the sidebar lists the datasets saved since
    at.sidebar.selectbox(key="ds_nl").set_value(key).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_sectoren_without_target_groups_or_partners(app: AppTest, tmp_path: Path) -> None:
    plain = _save(tmp_path, "zonder doelgroepen", _PROJECTS, _PARTNERS.iloc[:1])
    alone = _save(tmp_path, "zonder partners", _PROJECTS, _PARTNERS.iloc[:0])
    at = _on(app, plain, "views/sectoren.py")
    assert not at.error, [e.value for e in at.error]
    assert [i.value for i in at.info] == ["Geen doelgroepen ingevuld in deze selectie."]
    assert at.subheader[0].value.startswith("Uit welke sector")
    at = _on(app, alone, "views/sectoren.py")
    assert not at.error and not at.warning
    assert "Geen partners in deze selectie" in at.info[0].value


def test_fix_form_without_place_and_one_failing_fix(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nis_of
) -> None:
    key = _save(tmp_path, "te herstellen", _PROJECTS, _PARTNERS)
    at = _on(app, key, "views/data.py")
    selects = [s for s in at.selectbox if str(s.key).startswith("fix_")]
    # 'Nergenshuizen' and 'Xyzdorp'; the row with neither place nor postcode is not offered.
    assert len(selects) == 2
    assert any("1 rij heeft geen plaats en geen postcode" in i.value for i in at.info)
    # Offered: the 304 municipalities of 2025 after the empty choice, nothing else.
    assert len(selects[0].options) == 1 + 304

    real = og.save_location_fix

    def flaky(workspace, place, postcode, nis, **kw):  # type: ignore[no-untyped-def]
        if place == "Nergenshuizen":
            raise og.InputError("kapot")
        real(workspace, place, postcode, nis, **kw)

    monkeypatch.setattr(og, "save_location_fix", flaky)
    for select in selects:
        select.set_value(nis_of("Gent"))
    next(b for b in at.button if "Herstellingen" in str(b.label)).click().run()
    assert not at.exception
    assert any(
        "Nergenshuizen" in e.value and "1 herstelling kon niet bewaard" in e.value for e in at.error
    )
    fixes = og.Workspace(tmp_path / "workspace.sqlite").fixes()
    assert fixes["place"].tolist() == ["Xyzdorp"]  # the other fix was saved all the same
    left = [s for s in at.selectbox if str(s.key).startswith("fix_") and s.key != "fix_delete"]
    assert len(left) == 1  # the form now offers 'Nergenshuizen' only


def test_static_serving_off_says_how_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import config

    before = config.get_option("server.enableStaticServing")
    config.set_option("server.enableStaticServing", False)
    try:
        at = AppTest.from_file(APP, default_timeout=120).run()
    finally:
        config.set_option("server.enableStaticServing", before)
    assert not at.exception
    assert any("De kaarten blijven leeg" in e.value for e in at.error)


def test_read_only_static_folder_gives_a_dutch_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import optil_geo._assets

    def refuse(folder: object) -> None:
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(optil_geo._assets, "install_static_assets", refuse)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert any("konden niet naar de map" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["Overzicht"]  # the app goes on


def test_upload_cap_is_the_apps_own(app: AppTest) -> None:
    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] >= 200  # Streamlit never refuses first
    app.switch_page("views/data.py").run()
    uploader = app.file_uploader[0]
    assert "hoogstens 25 MB" in uploader.proto.label
    assert "hoogstens 25 MB" in uploader.proto.help


def _flat_csv() -> bytes:
    return (
        "projectnummer;titel;ronde;aanvrager;gemeente aanvrager;organisatie;gemeente\n"
        "X-1;Test;2024-1;Bib Gent;Gent;Vooruit;Gent\n"
        "X-1;Test;2024-1;Bib Gent;Gent;Jeugdhuis;Aalst\n"
    ).encode("utf-8-sig")


def test_upload_read_once_and_import_resets_the_uploader(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_read, real_template = og.read_partnerships, og.write_template

    def counting_read(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append(str(kw.get("source_name")))
        return real_read(*args, **kw)

    def counting_template(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append("template")
        return real_template(*args, **kw)

    monkeypatch.setattr(og, "read_partnerships", counting_read)
    monkeypatch.setattr(og, "write_template", counting_template)
    app.switch_page("views/data.py").run()
    assert "template" not in calls  # the downloads are made only when clicked
    assert len(app.download_button) >= 5
    app.file_uploader[0].upload("proef.csv", _flat_csv(), "text/csv").run()
    assert not app.exception
    assert any("2 partnerrijen gelezen" in m.value for m in app.markdown)
    app.text_input[0].set_value("Mijn proef").run()
    app.text_input[0].set_value("Mijn proef 2").run()
    assert calls.count("proef.csv") == 1  # typing the name does not re-read the file

    next(b for b in app.button if b.label == "Importeren in de werkruimte").click().run()
    assert not app.exception
    assert any("Geïmporteerd als 'Mijn proef 2'" in s.value for s in app.success)
    # The uploader is empty again: no report and no second import button.
    assert not any(b.label == "Importeren in de werkruimte" for b in app.button)
    assert not any("partnerrijen gelezen" in m.value for m in app.markdown)
    assert len(app.session_state["selection"].projects) == 1
    app.run()
    assert not any("Geïmporteerd als" in s.value for s in app.success)  # said once


def test_failing_sidebar_never_shows_the_previous_selection(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import state

    assert "selection" in app.session_state

    def broken() -> None:
        raise RuntimeError("kapot")

    monkeypatch.setattr(state, "sidebar", broken)
    app.run()
    assert not app.exception
    assert "selection" not in app.session_state
    errors = [e.value for e in app.error]
    assert any("zie de foutmelding hierboven" in e for e in errors)
    assert not app.metric  # no figures of old data


def test_error_messages_are_not_markdown() -> None:
    def page() -> None:
        import optil_geo as og
        from ui.layout import guard

        with guard("test"):
            raise og.InputError("Bestand ![x](http://example.com/x.png) is leeg")

    at = AppTest.from_function(page).run()
    assert at.error[0].value == r"Bestand \!\[x\]\(http\://example\.com/x\.png\) is leeg"


def test_witte_vlekken_within_the_focus_area(app: AppTest) -> None:
    from ui import data

    app.sidebar.selectbox(key="focus").set_value("province").run()
    m = data.reference().municipalities
    code = m.loc[m["province_name"] == "Limburg", "province_code"].iloc[0]
    app.sidebar.selectbox(key="gebied").set_value(code).run()
    app.switch_page("views/witte_vlekken.py").run()
    assert not app.exception and not app.error
    n = int((m["province_code"] == code).sum())
    count = app.metric[0].value
    assert count.endswith(f" van {n}")
    assert int(count.split(" ")[0]) < n / 2  # not everything outside the area
    assert any("binnen het focusgebied" in c.value for c in app.caption)
    # The top quarter is counted among the area's municipalities, not all 304.
    assert any(f"van {n} met de meeste" in md.value for md in app.markdown)


def test_kaart_details_compare_like_with_like(app: AppTest, nis_of) -> None:
    app.switch_page("views/kaart.py").run()
    gent = nis_of("Gent")
    app.selectbox(key="gemeente").set_value(gent).run()
    assert not app.exception
    tables = " ".join(el.proto.body for el in app.get("html"))
    assert "Vergelijking met gelijkaardige gemeenten" in " ".join(m.value for m in app.markdown)
    measures = app.session_state["selection"].municipalities.set_index("nis")
    own = measures.loc[gent, "projects_involved"] / measures.loc[gent, "population"] * 10_000
    flemish = measures[~measures.index.str.startswith("21")]  # Brussels NIS codes start 21
    flanders = flemish["projects_involved"].sum() / flemish["population"].sum() * 10_000
    assert f"<td>{og.format_number(own, 1)}</td>" in tables
    assert f"Vlaanderen</td><td>{og.format_number(flanders, 1)}</td>" in tables
    assert "grote en regionale steden" in tables  # the hierarchy level in words, not a0 alone
