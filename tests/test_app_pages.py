"""The pages in Streamlit's AppTest: they run on the demo data and react to their widgets.

Maps are custom components that AppTest does not draw; the browser tests in
``tests/e2e`` cover them. One AppTest per module keeps the reference loaded once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import optil_geo as og
from ui import data, gaps
from ui.layout import number

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = [
    "views/overzicht.py",
    "views/kaart.py",
    "views/spreiding.py",
    "views/witte_vlekken.py",
    "views/sectoren.py",
    "views/data.py",
    "views/presentatie.py",
]
TIMEOUT = 120


def _problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes on the page (the guard turns failures into errors)."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


@pytest.fixture(scope="module")
def app(ref) -> Iterator[AppTest]:  # type: ignore[no-untyped-def]
    del ref  # built once by the session fixture
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    yield at


def _open(page: str, **query: str) -> AppTest:
    """A fresh app on ``page`` with ``query`` in the URL."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not _problems(at), _problems(at)
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_data(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not _problems(app), _problems(app)
    # The demo is fictional and says so (Presentatie with a badge instead of a box).
    if page not in {"views/presentatie.py", "views/data.py"}:
        assert any("fictieve" in i.value for i in app.info)


def test_overzicht_figures_follow_the_filters() -> None:
    at = _open("views/overzicht.py")
    at.multiselect(key="ronde").set_value(["2021-1"]).run()
    assert not _problems(at)
    selection = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters(rounds=("2021-1",)))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Projecten"] == number(len(selection.projects))
    assert metrics["Samenwerkingen"] == number(len(selection.links))
    reached = int((selection.municipalities["projects_involved"] > 0).sum())
    assert metrics["Gemeenten bereikt"] == f"{reached} van 304"
    # The caption is Markdown with the user's text escaped.
    assert any("Selectie: Rondes: 2021-1" in c.value.replace("\\", "") for c in at.caption)
    share = selection.projects_table["has_local_cultural_actor"].mean()
    assert metrics["Met een lokale cultuuractor"] == f"{round(100 * share)}%"


def test_witte_vlekken_recompute_with_the_chosen_rules() -> None:
    at = _open("views/witte_vlekken.py")
    default = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters())
    count = int(default.municipalities["underserved"].sum())
    assert at.metric[0].value == f"{count} van 304"

    at.toggle(key=gaps.KEY_NONE).set_value(False)
    at.slider(key=gaps.KEY_SHARE).set_value(35)
    at.selectbox(key=gaps.KEY_METRIC).set_value("links_total")
    at.selectbox(key=gaps.KEY_PEERS).set_value("refreg")
    at.run()
    assert not _problems(at)
    rules = og.UnderservedRules(
        no_involvement=False, lowest_share=0.35, metric="links_total", peers="refreg"
    )
    expected = og.municipality_measures(
        default.links, default.projects, reference=data.reference(), underserved=rules
    )
    n = int(expected["underserved"].sum())
    areas = int(expected["underserved_area"].nunique())
    assert at.metric[0].value == f"{n} van 304"
    assert at.metric[1].value == str(areas)
    assert any("laagste 35%" in m.value and "referentieregio" in m.value for m in at.markdown)

    gone = int(expected["out_of_view"].sum())
    at.radio(key="wv_toon").set_value("out_of_view").run()
    assert any(c.value == f"{gone} gemeenten" for c in at.caption)

    at.toggle(key=gaps.KEY_LOW).set_value(False).run()
    assert at.metric[0].value == "0 van 304"
    assert any("Beide regels staan uit" in m.value for m in at.markdown)


def test_witte_vlekken_builds_its_map_once_per_content(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    area_layer = gaps.area_layer

    def counted(measures: pd.DataFrame) -> Any:
        built.append(len(measures))
        return area_layer(measures)

    monkeypatch.setattr(gaps, "area_layer", counted)
    # A definition no other test asks for, so the first map is built here.
    at = _open("views/witte_vlekken.py", wv_aandeel="15")
    assert len(built) == 1
    # Another list under the map: the page reruns, the map comes from the cache.
    at.radio(key="wv_toon").set_value("all").run()
    assert not _problems(at)
    assert len(built) == 1
    # Another definition: another map.
    at.slider(key=gaps.KEY_SHARE).set_value(25).run()
    assert len(built) == 2


def test_witte_vlekken_empty_selection_shows_a_message_not_figures() -> None:
    at = _open("views/witte_vlekken.py")
    # No demo project of round 2022-2 is aimed at volunteers.
    at.sidebar.multiselect(key="ronde").set_value(["2022-2"])
    at.sidebar.multiselect(key="dg").set_value(["volunteers"]).run()
    assert not _problems(at)
    assert any("Lege selectie" in w.value for w in at.warning)
    assert len(at.metric) == 0


def test_presentatie_buttons_and_url() -> None:
    at = _open("views/presentatie.py", stap="4")
    assert at.session_state["pres_stap"] == 4
    at.button(key="pres_next").click().run()
    assert at.session_state["pres_stap"] == 5
    assert at.query_params["stap"] == "5"
    assert at.button(key="pres_next").disabled
    at.button(key="pres_prev").click().run()
    at.button(key="pres_prev").click().run()
    assert at.session_state["pres_stap"] == 3
    assert at.query_params["stap"] == "3"
    assert not _problems(at)


@pytest.mark.parametrize("value", ["9", "twee", ""])
def test_presentatie_bad_step_in_url_starts_at_one(value: str) -> None:
    at = _open("views/presentatie.py", stap=value)
    assert at.session_state["pres_stap"] == 1
    assert at.button(key="pres_prev").disabled


def test_presentatie_underserved_step_reads_rules_from_the_url() -> None:
    at = _open("views/presentatie.py", stap="5", wv_geen="false", wv_aandeel="30")
    default = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters())
    rules = og.UnderservedRules(no_involvement=False, lowest_share=0.3)
    expected = og.municipality_measures(
        default.links, default.projects, reference=data.reference(), underserved=rules
    )
    html = " ".join(str(h.proto.body) for h in at.get("html"))
    assert f'<div class="v">{int(expected["underserved"].sum())}</div>' in html


def test_spreiding_search() -> None:
    at = _open("views/spreiding.py")
    total = len(data.select(data.DEMO_KEY, og.LinkRules(), og.Filters()).projects)
    assert any(c.value == f"{number(total)} van {number(total)} projecten" for c in at.caption)
    at.text_input(key="zoek").set_value("kleine makers").run()
    assert any(c.value == f"1 van {number(total)} projecten" for c in at.caption)
    at.text_input(key="zoek").set_value("geen-zo-een-project").run()
    assert any("Geen project gevonden" in i.value for i in at.info)
    assert not _problems(at)


def test_sectoren_switches() -> None:
    at = _open("views/sectoren.py")
    for key, value in (("sd_van", "partner"), ("sd_niveau", "refreg"), ("sd_waarden", "share")):
        at.button_group(key=key).set_value(value).run()
        assert not _problems(at)


def test_kaart_without_flows_still_counts_partners_without_a_line() -> None:
    at = _open("views/kaart.py")
    shown = [m.value for m in at.markdown if m.value.startswith("- ")]
    at.toggle(key="flows").set_value(False).run()
    assert not _problems(at)
    assert [m.value for m in at.markdown if m.value.startswith("- ")] == shown
    assert not any("Ringen" in c.value for c in at.caption)  # no rings drawn, none explained


def test_kaart_text_version_is_built_when_opened() -> None:
    at = _open("views/kaart.py")
    assert len(at.dataframe) == 0  # closed: neither table is made or sent
    at.session_state["kaart_text"] = True  # what a click on the expander sets
    at.run()
    assert not _problems(at)
    lines, values = (d.value for d in at.dataframe)
    assert list(lines.columns[:2]) == ["Van (aanvrager)", "Naar (partner)"]
    selection = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters())
    involved = selection.municipalities["projects_involved"]
    assert len(values) == int((involved > 0).sum())  # one row per municipality with a value


def test_kaart_says_how_partners_outside_flanders_are_drawn_at_the_level_shown() -> None:
    def said(at: AppTest) -> str:
        return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])

    at = _open("views/kaart.py")
    # The first view draws regions, with lines to the Walloon provinces and the
    # countries: the box does not call those partners "without a line".
    assert og.text("kaart_outside_title") in said(at)
    assert og.text("kaart_outside_auto") in said(at)
    assert "zonder lijn" not in said(at)
    at.toggle(key="flows").set_value(False).run()
    assert og.text("kaart_outside_no_flows") in said(at)
    assert og.text("kaart_outside_auto") not in said(at)


def test_presentatie_underserved_step_within_the_focus_area() -> None:
    ref = data.reference()
    m = ref.municipalities
    kempen = m.loc[m["refreg_name"] == "Kempen"]
    at = _open("views/presentatie.py", stap="5")
    at.sidebar.selectbox(key="focus").set_value("refreg").run()
    at.sidebar.selectbox(key="gebied").set_value(kempen["refreg_code"].iloc[0]).run()
    assert not _problems(at)
    html = " ".join(str(h.proto.body) for h in at.get("html"))
    assert f"van de {len(kempen)}" in html
