"""The app's non-map logic with Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

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
