"""The app's page logic without a browser: filters, underserved areas, steps, charts, exports.

Hand-made cases run over the real 304 municipalities, with a handful of links whose
expected values can be checked on paper:

=======  =====  ===============  ========  ======
project  lead   partner          class     round
=======  =====  ===============  ========  ======
P1       Gent   Gent             local     2021-1
P1       Gent   Merelbeke-Melle  regional  2021-1
P2       Bever  Gent             urban     2022-1
P2       Bever  Brussel          urban     2022-1
=======  =====  ===============  ========  ======

Bever lies in Halle-Vilvoorde (Vlaams-Brabant) and is rural.
"""

from __future__ import annotations

import io
import re
import struct
from typing import Any

import numpy as np
import pandas as pd
import pytest

import optil_geo as og
from optil_geo import maps
from optil_geo.underserved import COMPARISON_COLUMNS, UNDERSERVED_COLUMNS
from ui import charts, data, exports, figures, gaps, presentation
from ui.layout import number

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tiny(nis_of) -> tuple[pd.DataFrame, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """The links and projects of the table above."""
    gent, merelbeke, bever, brussel = (
        nis_of(n) for n in ("Gent", "Merelbeke-Melle", "Bever", "Brussel")
    )
    projects = pd.DataFrame(
        {
            "project_id": ["P1", "P2"],
            "title": ["Eén", "Twee"],
            "round": ["2021-1", "2022-1"],
            "lead_organisation": ["Bib Gent", "CC Bever"],
            "lead_nis": [gent, bever],
            "lead_name": ["Gent", "Bever"],
            "lead_region": ["flanders", "flanders"],
            "lead_local_cultural_actor": [True, True],
            "target_group_codes": [("seniors",), ("children", "families")],
        }
    )
    links = pd.DataFrame(
        {
            "project_id": ["P1", "P1", "P2", "P2"],
            "round": ["2021-1", "2021-1", "2022-1", "2022-1"],
            "lead_nis": [gent, gent, bever, bever],
            "lead_region": ["flanders"] * 4,
            "partner_nis": [gent, merelbeke, gent, brussel],
            "partner_region": ["flanders", "flanders", "flanders", "brussels"],
            "partner_name": ["Gent", "Merelbeke-Melle", "Gent", "Brussel"],
            "organisation": ["Theater Gent", "Bib Merelbeke", "theater  gent", "Museum Brussel"],
            "class": ["local", "regional", "urban", "urban"],
            "sector_group": ["culture", "culture", "culture", "welfare_care"],
            "local_cultural_actor": [False, True, False, False],
            "distance_km": [0.0, 30.0, 40.0, 20.0],
            "crosses_province": [False, False, True, True],
        }
    )
    return links, projects


def _selection(links: pd.DataFrame, projects: pd.DataFrame, ref: og.Reference) -> data.Selection:
    """A Selection over hand-made tables (default link rules, no filters)."""
    analysis = data.Analysis(key="tiny", data=None, links=links)  # type: ignore[arg-type]
    return data.Selection(
        analysis=analysis,
        filters=og.Filters(),
        rules=og.LinkRules(),
        links=links,
        projects=projects,
        municipalities=og.municipality_measures(links, projects, reference=ref),
        project_table=lambda: og.project_measures(links, projects, reference=ref),
    )


@pytest.fixture(scope="module")
def tiny_selection(tiny, ref) -> data.Selection:  # type: ignore[no-untyped-def]
    return _selection(*tiny, ref)


@pytest.fixture(scope="module")
def demo(ref) -> data.Selection:  # type: ignore[no-untyped-def]
    """The demo data as the app loads it, with no filters."""
    del ref
    return data.select(data.DEMO_KEY, og.LinkRules(), og.Filters())


# ------------------------------------------------------------------ filter descriptions


def test_describe_no_filters(ref) -> None:  # type: ignore[no-untyped-def]
    assert exports.describe_filters(og.Filters(), reference=ref) == "alle gegevens (geen filters)"


def test_describe_rounds_and_sector_groups(ref) -> None:  # type: ignore[no-untyped-def]
    filters = og.Filters(rounds=("2021-2", "2021-1"), sector_groups=("education",))
    text = exports.describe_filters(filters, reference=ref)
    assert text == "Rondes: 2021-1, 2021-2 · Sectorgroepen: Onderwijs"


def test_describe_classes_in_legend_order_and_labels(ref) -> None:  # type: ignore[no-untyped-def]
    filters = og.Filters(classes=("urban", "local"), target_groups=("seniors",))
    text = exports.describe_filters(filters, reference=ref)
    assert text == "Doelgroepen: Senioren · Soort samenwerking: lokaal, stedelijk"


def test_describe_focus_area_by_name(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    m = ref.municipalities
    kempen = tuple(m.loc[m["refreg_name"] == "Kempen", "nis"])
    limburg = tuple(m.loc[m["province_name"] == "Limburg", "nis"])
    describe = exports.describe_filters
    # Limburg is both a province and a referentieregio with the same members.
    assert describe(og.Filters(area=kempen), reference=ref) == "Referentieregio: Kempen"
    assert describe(og.Filters(area=limburg), reference=ref).endswith(": Limburg")
    assert describe(og.Filters(area=(nis_of("Bever"),)), reference=ref) == "Gemeente: Bever"
    two = (nis_of("Gent"), nis_of("Aalst"))
    assert describe(og.Filters(area=two), reference=ref) == "Focusgebied: 2 gemeenten"


def test_describe_rules_only_when_not_default() -> None:
    assert exports.describe_rules(og.LinkRules()) == ""
    text = exports.describe_rules(og.LinkRules(scheme="province", neighbours=False, max_km=20))
    assert text == (
        "Indeling: eigen regio = provincie, buren niet automatisch regionaal, "
        "regionaal binnen 20 km"
    )


def test_context_lines_say_demo_filters_and_credit(demo, ref) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    lines = exports.context_lines(demo, reference=ref, today=dt.date(2025, 3, 9))
    assert lines == [
        "Stand: 09-03-2025",
        "DEMODATA: fictieve projecten en partners",
        "Selectie: alle gegevens (geen filters)",
        og.CREDIT,
    ]


# ------------------------------------------------------------------ key figures


def test_distinct_organisations_ignore_case_and_spaces() -> None:
    names = pd.Series(["Bib Gent", " bib  gent", "BIB GENT", "CC Aalst", "", None])
    assert figures.distinct_organisations(names) == 2


def test_key_figures_of_the_tiny_case(tiny_selection) -> None:  # type: ignore[no-untyped-def]
    f = figures.key_figures(tiny_selection)
    assert (f.projects, f.partner_organisations, f.links) == (2, 3, 4)
    # Gent, Merelbeke-Melle, Bever in Flanders; Brussel (21004) in Brussels.
    assert (f.reached, f.reached_flanders, f.reached_brussels) == (4, 3, 1)
    assert f.group_links == {
        "local_regional": 2,
        "supra_regional": 0,
        "urban": 2,
        "international": 0,
        "unknown": 0,
    }
    assert (f.with_local_actor, f.with_welfare_care, f.with_education) == (2, 1, 0)


def test_key_figures_of_the_demo_match_the_tables(demo) -> None:  # type: ignore[no-untyped-def]
    f = figures.key_figures(demo)
    assert f.reached == int((demo.municipalities["projects_involved"] > 0).sum())
    assert f.reached_flanders + f.reached_brussels == f.reached
    assert sum(f.group_links.values()) == f.links == len(demo.links)
    assert f.with_local_actor == int(demo.projects_table["has_local_cultural_actor"].sum())


# ------------------------------------------------------------------ underserved areas


def test_rules_from_state_defaults_and_choices() -> None:
    assert gaps.rules_from_state({}) == og.UnderservedRules()
    rules = gaps.rules_from_state(
        {
            gaps.KEY_NONE: False,
            gaps.KEY_SHARE: 35,
            gaps.KEY_METRIC: "projects_led",
            gaps.KEY_PEERS: "refreg",
            gaps.KEY_TOP: False,
            gaps.KEY_RECENT: 2,
        }
    )
    assert rules == og.UnderservedRules(
        no_involvement=False,
        lowest_share=0.35,
        metric="projects_led",
        peers="refreg",
        protect_top=None,
        recent_rounds=2,
    )
    assert gaps.rules_from_state({gaps.KEY_LOW: False}).lowest_share is None


@pytest.mark.parametrize("share", [5, 45, "veel", None])
def test_rules_from_state_out_of_range_share_falls_back(share: Any) -> None:
    assert gaps.rules_from_state({gaps.KEY_SHARE: share}).lowest_share == 0.2


def test_rules_from_state_unknown_values_fall_back() -> None:
    assert gaps.rules_from_state({gaps.KEY_METRIC: "inwoners"}).metric == "projects_involved"
    assert gaps.rules_from_state({gaps.KEY_PEERS: "provincie"}).peers == "hierarchy"
    assert gaps.rules_from_state({gaps.KEY_RECENT: 99}).recent_rounds == 3
    assert gaps.rules_from_state({gaps.KEY_RECENT: "x"}).recent_rounds == 3


def test_explain_one_plain_dutch_sentence_per_rule() -> None:
    sentences = gaps.explain(og.UnderservedRules(lowest_share=0.3, metric="links_total"))
    assert "bij geen enkel project betrokken" in sentences[0]
    assert "laagste 30%" in sentences[1] and "stedelijke hiërarchie" in sentences[1]
    assert "samenwerkingen" in sentences[1]
    assert "de 76 van 304" in sentences[2]
    assert all(s.endswith(".") for s in sentences)
    off = gaps.explain(og.UnderservedRules(no_involvement=False, lowest_share=None))
    assert off[0].startswith("Beide regels staan uit")


def test_categories_rural_gap_gap_served() -> None:
    measures = pd.DataFrame(
        {
            "nis": ["1", "2", "3", "4"],
            "underserved": [True, True, False, False],
            "is_rural": [True, False, True, False],
        }
    )
    assert gaps.categories(measures).to_dict() == {
        "1": "rural_gap",
        "2": "gap",
        "3": "served",
        "4": "served",
    }


def test_underserved_no_involvement_only(tiny_selection, nis_of) -> None:  # type: ignore[no-untyped-def]
    rules = og.UnderservedRules(no_involvement=True, lowest_share=None)
    mm = gaps.measures(tiny_selection, rules).set_index("nis")
    involved = {nis_of(n) for n in ("Gent", "Merelbeke-Melle", "Bever", "Brussel")}
    assert set(mm.index[~mm["underserved"]]) == involved
    assert int(mm["underserved"].sum()) == 300
    cats = gaps.categories(mm.reset_index())
    assert cats[nis_of("Bever")] == "served"  # rural, but takes part
    assert cats[nis_of("Antwerpen")] == "gap"  # a city with no project
    rural = mm["is_rural"] & mm["underserved"]
    assert set(cats[cats == "rural_gap"].index) == set(mm.index[rural])


def test_underserved_by_metric_projects_led(tiny_selection, nis_of) -> None:  # type: ignore[no-untyped-def]
    # Only Gent and Bever lead a project; partners no longer count.
    rules = og.UnderservedRules(no_involvement=True, lowest_share=None, metric="projects_led")
    mm = gaps.measures(tiny_selection, rules).set_index("nis")
    assert set(mm.index[~mm["underserved"]]) == {nis_of("Gent"), nis_of("Bever")}


def test_underserved_lowest_share_part_alone(tiny_selection) -> None:  # type: ignore[no-untyped-def]
    # 300 of 304 have 0 projects, so the lowest 10% of every level is 0: the same 300.
    rules = og.UnderservedRules(no_involvement=False, lowest_share=0.1)
    mm = gaps.measures(tiny_selection, rules)
    assert int(mm["underserved"].sum()) == 300
    assert set(mm.loc[mm["underserved"], "underserved_reason"]) == {"low_in_peers"}
    reasons = og.reason_texts(mm, rules, lang="nl")[mm["underserved"]]
    assert all(r.startswith("Bij de laagste 10% van ") for r in reasons)
    assert all(r.endswith("(≤ 0,00 per 10.000 inwoners)") for r in reasons)


def test_underserved_both_parts_off(tiny_selection) -> None:  # type: ignore[no-untyped-def]
    rules = og.UnderservedRules(no_involvement=False, lowest_share=None)
    assert not gaps.measures(tiny_selection, rules)["underserved"].any()


def test_default_rules_reuse_the_selection_measures(tiny_selection) -> None:  # type: ignore[no-untyped-def]
    assert gaps.measures(tiny_selection, og.UnderservedRules()) is tiny_selection.municipalities


def test_gap_table_most_underserved_first(demo) -> None:  # type: ignore[no-untyped-def]
    rules = og.UnderservedRules()
    mm = gaps.measures(demo, rules)
    table = gaps.gap_table(mm, rules, "gaps")
    assert len(table) == int(mm["underserved"].sum())
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    # No involvement first, each block with the most inhabitants first.
    none = table["value"] == 0
    assert none.iloc[: int(none.sum())].all()
    assert table.loc[none, "population"].is_monotonic_decreasing
    assert table.loc[~none, "population"].is_monotonic_decreasing
    assert table["name"].iloc[0] == "Boom"
    assert {"Antwerpen", "Gent"}.isdisjoint(table["name"])
    everything = gaps.gap_table(mm, rules, "all")
    assert len(everything) == 304
    assert everything["name"].iloc[: len(table)].tolist() == table["name"].tolist()
    gone = gaps.gap_table(mm, rules, "out_of_view")
    assert len(gone) == int(mm["out_of_view"].sum())
    assert gone["out_of_view"].all()


def test_gap_table_english_reasons_and_benchmarks(demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(gaps, "lang", lambda: "en")
    rules = og.UnderservedRules()
    table = gaps.gap_table(gaps.measures(demo, rules), rules, "all")
    assert set(table.loc[table["value"] == 0, "reason"]) == {"No involvement in the selection"}
    brussels = table["hierarchy"] == "bhg"
    assert table.loc[brussels, "avg_region"].nunique() == 1
    assert table.loc[~brussels, "avg_region"].nunique() == 1
    assert table.loc[brussels, "avg_region"].iloc[0] != table.loc[~brussels, "avg_region"].iloc[0]


def test_export_sheets_in_the_order_shown_with_uitleg(demo) -> None:  # type: ignore[no-untyped-def]
    rules = og.UnderservedRules()
    mm = gaps.measures(demo, rules)
    table = gaps.gap_table(mm, rules, "gaps")
    sheets = gaps.export_sheets(
        table,
        gaps.area_table(mm),
        mm,
        rules,
        filters="alle gegevens (geen filters)",
        dataset="Demodata",
        rounds=gaps.selection_rounds(demo),
    )
    assert list(sheets) == ["witte vlekken", "gebieden", "uitleg"]
    shown = sheets["witte vlekken"]
    assert shown["Gemeente"].tolist() == table["name"].tolist()
    assert shown["Rang"].tolist() == list(range(1, len(table) + 1))
    uitleg = dict(sheets["uitleg"].itertuples(index=False, name=None))
    assert uitleg["Filters"] == "alle gegevens (geen filters)"
    assert uitleg["Bron kaartgegevens"] == "Statbel; Provincies in Cijfers"


def test_flag_underserved_on_all_304_matches_the_library(demo, ref) -> None:  # type: ignore[no-untyped-def]
    for rules in (
        og.UnderservedRules(),
        og.UnderservedRules(no_involvement=False, lowest_share=0.35, metric="links_total"),
        og.UnderservedRules(lowest_share=None, metric="projects_led", recent_rounds=1),
        og.UnderservedRules(peers="refreg", protect_top=None),
    ):
        expected = og.municipality_measures(
            demo.links, demo.projects, reference=ref, underserved=rules
        )
        ours = gaps.measures(demo, rules)
        columns = [*UNDERSERVED_COLUMNS, *COMPARISON_COLUMNS]
        pd.testing.assert_frame_equal(ours[columns], expected[columns])


def test_scoped_measures_compare_within_the_focus_area(demo, ref) -> None:  # type: ignore[no-untyped-def]
    m = ref.municipalities
    kempen = tuple(m.loc[m["refreg_name"] == "Kempen", "nis"])
    selection = data.Selection(**{**demo.__dict__, "filters": og.Filters(area=kempen)})
    rules = og.UnderservedRules()
    scoped = gaps.scoped_measures(selection, rules)
    assert set(scoped["nis"]) == set(kempen)
    # The top quarter and the peer thresholds are those of the area's municipalities.
    value = scoped["projects_involved"]
    least_of_top = sorted(value, reverse=True)[int(np.ceil(len(scoped) / 4)) - 1]
    assert not scoped.loc[value >= least_of_top, "underserved"].any()
    # Areas are numbered within the focus area, from 1.
    numbers = sorted(scoped["underserved_area"].dropna().unique())
    assert numbers == list(range(1, len(numbers) + 1))
    # One municipality has nothing to compare with: only "no involvement" counts.
    assert gaps.area_rules(rules, ("1",)).lowest_share is None
    assert gaps.area_rules(rules, ("1", "2")) == rules


def test_scoped_measures_keep_the_area_only(tiny, ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    links, projects = tiny
    m = ref.municipalities
    area = tuple(m.loc[m["refreg_name"] == "Regio Gent", "nis"])
    selection = _selection(links, projects, ref)
    scoped = gaps.scoped_measures(
        data.Selection(**{**selection.__dict__, "filters": og.Filters(area=area)}),
        og.UnderservedRules(),
    )
    assert set(scoped["nis"]) == set(area)
    # Bever (outside) does not appear; Gent and Merelbeke-Melle take part.
    assert (
        not scoped.set_index("nis")
        .loc[[nis_of("Gent"), nis_of("Merelbeke-Melle")]]["underserved"]
        .any()
    )
    assert gaps.scoped_measures(selection, og.UnderservedRules()) is selection.municipalities
    sentences = gaps.explain(og.UnderservedRules(), n=len(area))
    k = int(np.ceil(len(area) / 4))
    assert any(f"de {k} van {len(area)}" in s for s in sentences)


def test_empty_selection_is_a_message_not_flags(tiny, ref) -> None:  # type: ignore[no-untyped-def]
    links, projects = tiny
    selection = _selection(links.iloc[:0], projects.iloc[:0], ref)
    measures = gaps.scoped_measures(selection, og.UnderservedRules())
    assert gaps.is_empty(measures)
    assert not measures["underserved"].any()
    content = presentation.step_content(5, selection, ref, og.UnderservedRules())
    assert content.figures == ()
    assert content.subtitle.startswith("Lege selectie")


# ------------------------------------------------------------------ presentation steps


def test_step_arithmetic() -> None:
    assert presentation.step_after(1, -1) == 1
    assert presentation.step_after(1, 1) == 2
    assert presentation.step_after(5, 1) == 5
    assert presentation.step_after(4, 1) == 5
    assert [presentation.clamp_step(v) for v in ("3", 3, "9", "x", None, 0)] == [3, 3, 1, 1, 1, 1]


def test_step_titles() -> None:
    titles = [presentation.step_title(s) for s in presentation.STEPS]
    assert titles == [
        "1 · Overzicht",
        "2 · Lokaal-regionaal",
        "3 · Bovenregionaal",
        "4 · Stedelijk",
        "5 · Witte vlekken",
    ]


def test_touching_counts_local_once(tiny_selection, nis_of) -> None:  # type: ignore[no-untyped-def]
    mm = tiny_selection.municipalities
    lr = presentation.touching(mm, ("local", "regional"))
    # Gent: one local link (once) + one regional link out; Merelbeke-Melle: one in.
    assert lr[nis_of("Gent")] == 2
    assert lr[nis_of("Merelbeke-Melle")] == 1
    urban = presentation.touching(mm, ("urban",))
    assert (urban[nis_of("Bever")], urban[nis_of("Gent")], urban[nis_of("Brussel")]) == (2, 1, 1)


def test_steps_of_the_tiny_case(tiny_selection, ref) -> None:  # type: ignore[no-untyped-def]
    rules = og.UnderservedRules()
    contents = {
        s: presentation.step_content(s, tiny_selection, ref, rules) for s in presentation.STEPS
    }
    assert [f.value for f in contents[1].figures] == ["2", "4", "50%"]
    assert set(contents[2].flows["class"]) == {"local", "regional"}
    assert [f.value for f in contents[2].figures][:2] == ["50%", "100%"]
    assert contents[3].flows.empty
    assert contents[3].figures[0].value == "0%"
    assert set(contents[4].flows["class"]) == {"urban"}
    # Gent and Brussel are both chosen once: the tie goes to the first name.
    assert [f.value for f in contents[4].figures] == ["50%", "2", "Brussel"]
    assert contents[4].figures[2].note == "1 samenwerking"
    assert contents[5].flows is None
    assert contents[5].categories is not None
    assert contents[5].figures[0].value == "300"
    assert all(len(c.figures) <= 3 for c in contents.values())


def test_steps_of_the_demo(demo, ref) -> None:  # type: ignore[no-untyped-def]
    for step in presentation.STEPS:
        content = presentation.step_content(step, demo, ref, og.UnderservedRules())
        assert 1 <= len(content.figures) <= 3
        assert len(content.values) == 304
        classes = presentation.STEP_CLASSES[step]
        if classes:
            assert set(content.flows["class"]) <= set(classes)
    gap = presentation.step_content(5, demo, ref, og.UnderservedRules())
    assert gap.figures[0].value == number(int(demo.municipalities["underserved"].sum()))


# ------------------------------------------------------------------ chart data


def test_links_per_round_data(tiny) -> None:  # type: ignore[no-untyped-def]
    links, _ = tiny
    table = charts.links_per_round_data(links)
    counts = dict(
        zip(zip(table["round"], table["class"], strict=True), table["links"], strict=True)
    )
    assert counts == {
        ("2021-1", "local"): 1,
        ("2021-1", "regional"): 1,
        ("2022-1", "urban"): 2,
    }
    assert set(table["soort"]) == {"lokaal", "regionaal", "stedelijk"}


def test_classes_per_region_share_leaving(tiny, ref) -> None:  # type: ignore[no-untyped-def]
    links, _ = tiny
    table = charts.classes_per_region_data(links, ref).drop_duplicates("region")
    leaving = dict(zip(table["region"], table["leaving"], strict=True))
    # Gent's links stay local-regional; Bever's (Halle-Vilvoorde) both go urban.
    assert leaving == {"Regio Gent": 0.0, "Halle-Vilvoorde": 1.0}


def test_distance_histogram_leaves_out_local_links(tiny) -> None:  # type: ignore[no-untyped-def]
    links, _ = tiny
    table = charts.distance_histogram_data(links)
    assert sorted(table["distance_km"]) == [20.0, 30.0, 40.0]


def test_sector_class_shares_add_up_per_group(tiny) -> None:  # type: ignore[no-untyped-def]
    links, _ = tiny
    table = charts.sector_class_data(links)
    assert np.allclose(table.groupby("group")["share"].sum(), 1.0, atol=1e-3)
    culture = table[table["group"] == "culture"].set_index("class")["links"].to_dict()
    assert culture == {"local": 1, "regional": 1, "urban": 1}


def test_sector_region_by_lead_or_partner(tiny, ref) -> None:  # type: ignore[no-untyped-def]
    links, _ = tiny
    by_lead = charts.sector_region_data(links, ref, side="lead", level="province")
    assert by_lead.groupby("region")["links"].sum().to_dict() == {
        "Oost-Vlaanderen": 2,
        "Vlaams-Brabant": 2,
    }
    by_partner = charts.sector_region_data(links, ref, side="partner", level="province")
    assert by_partner.groupby("region")["links"].sum().to_dict() == {
        "Oost-Vlaanderen": 3,
        "Brussels Hoofdstedelijk Gewest": 1,
    }


def test_region_names_outside_flanders(ref) -> None:  # type: ignore[no-untyped-def]
    names = charts.region_names(
        pd.Series(["62063", "", ""]),
        pd.Series(["wallonia", "abroad", ""]),
        ref,
        level="refreg",
    )
    assert names.tolist() == ["Wallonië", "Buitenland", "Onbekend"]


def test_target_groups_per_region_count_each_group(tiny, ref) -> None:  # type: ignore[no-untyped-def]
    _, projects = tiny
    table = charts.target_region_data(projects, ref)
    counts = {(r.region, r.target): r.projects for r in table.itertuples(index=False)}
    assert counts == {
        ("Regio Gent", "seniors"): 1,
        ("Halle-Vilvoorde", "children"): 1,
        ("Halle-Vilvoorde", "families"): 1,
    }
    assert set(table["share"]) == {1.0}


# ------------------------------------------------------------------ maps and exports


def test_category_layer_legend_counts_and_errors(ref, nis_of) -> None:  # type: ignore[no-untyped-def]
    cats = pd.Series({nis_of("Gent"): "a", nis_of("Aalst"): "b"})
    colours = {"a": "#111111", "b": "#222222", "c": "#eeeeee"}
    labels = {"a": "Eerste", "b": "Tweede", "c": "Rest"}
    _, legend = maps.category_layer(
        ref, cats, colours=colours, labels=labels, title="Soort", default="c"
    )
    assert [row[2] for row in legend.rows] == ["Eerste (1)", "Tweede (1)", "Rest (302)"]
    with pytest.raises(og.SettingsError, match="`default` was 'x'"):
        maps.category_layer(ref, cats, colours=colours, labels=labels, title="", default="x")
    with pytest.raises(og.SettingsError, match="holds \\['z'\\]"):
        maps.category_layer(
            ref, pd.Series({"11001": "z"}), colours=colours, labels=labels, title="", default="c"
        )


def _spec(selection: data.Selection, **options: Any) -> exports.MapSpec:
    values = selection.municipalities.set_index("nis")["projects_involved"]
    return exports.MapSpec(values=values, title="Betrokken projecten", **options)


def test_html_export_is_standalone_with_title_lines_and_credit(demo, ref) -> None:  # type: ignore[no-untyped-def]
    lines = exports.context_lines(demo, reference=ref)
    page = exports.html_bytes(_spec(demo, flows=demo.links), ref, lines).decode("utf-8")
    # Nothing is loaded from elsewhere (an attribution may still link to a site).
    assert not re.search(r"""<script[^>]*\bsrc\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"""<link[^>]*\bhref\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"""url\(\s*["']?(https?:)?//""", page)
    for text in ("Betrokken projecten", "DEMODATA", "alle gegevens (geen filters)", "Statbel"):
        assert text in page
    assert "Samenwerkingen (aanvrager" in page  # the flow legend


def test_html_export_with_categories(tiny_selection, ref) -> None:  # type: ignore[no-untyped-def]
    mm = tiny_selection.municipalities
    cats = exports.Categories(
        values=gaps.categories(mm),
        colours=gaps.CATEGORY_COLOURS,
        labels=gaps.category_labels(),
        title="Witte vlekken",
        default=gaps.SERVED,
    )
    page = exports.html_bytes(_spec(tiny_selection, categories=cats), ref, ["regel", og.CREDIT])
    text = page.decode("utf-8")
    assert "Landelijk" in text
    assert "Witte vlek (niet landelijk)" in text


def test_static_export_png_size_and_pdf(tiny_selection, ref) -> None:  # type: ignore[no-untyped-def]
    spec = _spec(tiny_selection, flows=tiny_selection.links)
    png = exports.static_bytes(spec, ref, ["Stand", "regel", og.CREDIT], "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (2400, 1350)
    pdf = exports.static_bytes(spec, ref, ["Stand", og.CREDIT], "pdf")
    assert pdf.startswith(b"%PDF")


def test_projects_export_words_reasons_in_the_language(demo) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    for language, sheet, reason, example in (
        ("nl", "samenwerkingen", "Reden", "Zelfde referentieregio (Kempen)"),
        ("en", "links", "Reason", "Same reference region (Kempen)"),
    ):
        ws = load_workbook(io.BytesIO(exports.projects_xlsx(demo, language)))[sheet]
        rows = list(ws.iter_rows(values_only=True))
        column = rows[0].index(reason)
        assert example in {row[column] for row in rows[1:]}


def test_geo_and_table_exports_read_back(tiny_selection, ref) -> None:  # type: ignore[no-untyped-def]
    import pyogrio
    from openpyxl import load_workbook

    mm = tiny_selection.municipalities
    for suffix in (".gpkg", ".geojson"):
        blob = exports.geo_bytes(mm, suffix, ref)
        frame = pyogrio.read_dataframe(io.BytesIO(blob))
        assert len(frame) == 304
        assert int(frame["projects_involved"].sum()) == int(mm["projects_involved"].sum())
    book = load_workbook(io.BytesIO(exports.projects_xlsx(tiny_selection)))
    assert book.sheetnames == ["projecten", "samenwerkingen", "uitleg"]
    assert book["samenwerkingen"].max_row == 1 + len(tiny_selection.links)
    headers = [c.value for c in book["samenwerkingen"][1]]
    assert headers[0] == "Projectnummer"
    assert "Soort samenwerking" in headers  # these hand-made links have no reason codes
    # Every exported column is explained on the explanation sheet, in the same words.
    explained = {row[0].value for row in book["uitleg"].iter_rows(min_row=2)}
    assert set(headers) <= explained
    assert {c.value for c in book["projecten"][1]} <= explained
    english = load_workbook(io.BytesIO(exports.projects_xlsx(tiny_selection, "en")))
    assert english.sheetnames == ["projects", "links", "explanation"]
    assert "Kind of link" in {c.value for c in english["links"][1]}
    book = load_workbook(io.BytesIO(exports.measures_xlsx(mm)))
    assert book.sheetnames == ["gemeenten", "uitleg"]
    assert book["gemeenten"].max_row == 305
    assert book["gemeenten"]["A1"].value == "NIS-code"


# ------------------------------------------------------------------ review fixes


def test_distinct_organisations_match_the_validation() -> None:
    # The legal form, accents and punctuation do not make another organisation.
    names = pd.Series(["Bib Gent vzw", "Bib Gent", "BIB GENT VZW", "Élan", "elan", None])
    assert figures.distinct_organisations(names) == 2


def test_class_groups_follow_the_library() -> None:
    assert set(figures._GROUP_OF) == set(og.CLASSES)
    assert set(figures._GROUP_OF.values()) == set(figures.GROUPS)
    assert figures.group_counts(pd.Series(["local", "regional", "urban"]))["local_regional"] == 2
    assert tuple(og.load_vocabulary().groups) == charts.SECTOR_GROUPS


def test_target_groups_none_at_all_give_an_empty_table(tiny, ref) -> None:  # type: ignore[no-untyped-def]
    _, projects = tiny
    none = projects.assign(target_group_codes=[(), ()])
    table = charts.target_region_data(none, ref)
    assert table.empty
    assert list(table.columns) == ["region", "target", "projects", "share", "doelgroep"]
    # Pandas 3 text columns: the share is a number, also when there are rows.
    text = projects.assign(lead_region=pd.array(["flanders", "flanders"], dtype="str"))
    assert charts.target_region_data(text, ref)["share"].dtype == float


def test_a_new_click_on_the_same_municipality_counts() -> None:
    from ui.mapview import clicked_municipality

    def result(count: int | None, nis: str | None) -> dict[str, Any]:
        drawing = {"properties": {"nis": nis}} if nis else None
        return {"last_object_clicked_count": count, "last_active_drawing": drawing}

    seen, nis = clicked_municipality(result(1, "44021"), None)
    assert (seen, nis) == ((1, "44021"), "44021")
    # The same result on a rerun (after another municipality was chosen in the list):
    assert clicked_municipality(result(1, "44021"), seen) == ((1, "44021"), None)
    # A second click on the same polygon raises the count: it counts again.
    assert clicked_municipality(result(2, "44021"), seen) == ((2, "44021"), "44021")
    # A fresh map (no click yet) forgets; a click on a flow line selects nothing.
    assert clicked_municipality(result(None, None), seen) == (None, None)
    assert clicked_municipality(result(3, None), seen) == (None, None)
    assert clicked_municipality(None, seen) == (None, None)


def test_outside_summary_matches_the_flow_layer(demo, ref) -> None:  # type: ignore[no-untyped-def]
    from ui.mapview import outside_summary

    _, full = maps.flow_layer(demo.links, ref, top_n=50)
    cheap = outside_summary(demo.links)
    links = demo.links
    region, names = links["partner_region"], links["partner_name"]
    # Counted here from the links, not by the function under test.
    expected = (
        int((region == "wallonia").sum()),
        int((region == "abroad").sum()),
        int((links["class"] == "unknown").sum()),
    )
    assert expected[0] > 0 and expected[1] > 0
    assert (cheap.wallonia, cheap.abroad, cheap.unknown) == expected
    assert (full.wallonia, full.abroad, full.unknown) == expected
    for place, n in names[region == "wallonia"].value_counts().items():
        assert cheap.wallonia_places[str(place)] == n
    assert sum(cheap.wallonia_places.values()) == expected[0]
    for place, n in names[region == "abroad"].value_counts().items():
        assert cheap.abroad_places[str(place)] == n
    assert sum(cheap.abroad_places.values()) == expected[1]
    assert full.wallonia_places == cheap.wallonia_places
    assert full.abroad_places == cheap.abroad_places
    assert cheap.pairs_hidden == 0


def test_html_export_never_loads_tiles(demo, ref) -> None:  # type: ignore[no-untyped-def]
    assert "tiles" not in {f.name for f in exports.MapSpec.__dataclass_fields__.values()}
    page = exports.html_bytes(_spec(demo), ref, ["regel", og.CREDIT]).decode("utf-8")
    assert "{z}" not in page and "tile.openstreetmap" not in page


def test_filter_codes_once_per_analysis_and_measures_shared() -> None:
    analysis = data.analysis(data.DEMO_KEY, og.LinkRules())
    codes = analysis.filter_codes
    assert analysis.filter_codes is codes  # computed once
    assert codes["sector"] == sorted(set(analysis.links["sector_code"].dropna()) - {""})
    assert "seniors" in codes["target"]
    first = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters(rounds=("2021-1",)))
    again = data.select(data.DEMO_KEY, og.LinkRules(), og.Filters(rounds=("2021-1",)))
    assert again.municipalities is first.municipalities  # shared, not unpickled


def test_urban_figure_follows_the_rules(tiny_selection, ref) -> None:  # type: ignore[no-untyped-def]
    step = presentation.step_content(4, tiny_selection, ref, og.UnderservedRules())
    assert step.figures[1].note == "van de 32"
    a0 = data.Selection(**{**tiny_selection.__dict__, "rules": og.LinkRules(urban="a0")})
    n_a0 = int((ref.municipalities["hierarchy_code"] == "a0").sum())
    step = presentation.step_content(4, a0, ref, og.UnderservedRules())
    assert step.figures[1].note == f"van de {n_a0}"


def test_a_count_of_one_takes_the_singular_text() -> None:
    from ui.text import t

    assert t("fix_rows", n=1) == "1 rij"
    assert t("fix_rows", n=number(1)) == "1 rij"  # formatted counts too
    assert t("fix_rows", n=2) == "2 rijen"
    assert t("fix_rows", n=0) == "0 rijen"
    assert t("fix_rows", n=number(1001)) == "1.001 rijen"
    assert t("fix_rows:1") == "1 rij"


def test_the_project_table_is_worked_out_only_when_a_page_asks(
    ref, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    del ref
    made: list[int] = []
    real = og.project_measures
    monkeypatch.setattr(og, "project_measures", lambda *a, **k: made.append(1) or real(*a, **k))
    filters = og.Filters(rounds=("2021-1",))
    data._projects_table.clear()
    selection = data.select(data.DEMO_KEY, og.LinkRules(), filters)
    assert made == []  # a map page reads the municipalities only
    table = selection.projects_table
    again = data.select(data.DEMO_KEY, og.LinkRules(), filters).projects_table
    assert made == [1] and again is table  # once per filter, shared
    links, projects = selection.links, selection.projects
    pd.testing.assert_frame_equal(table, real(links, projects, reference=data.reference()))


def test_filtered_links_keep_their_own_worded_reasons(demo) -> None:  # type: ignore[no-untyped-def]
    """Reasons are worded once per dataset; a filtered selection must still get its own."""
    rounds = sorted(demo.projects["round"].unique())
    for filters in (og.Filters(rounds=(rounds[-1],)), og.Filters(classes=("supra_regional",))):
        narrowed = data.select(data.DEMO_KEY, og.LinkRules(), filters)
        assert 0 < len(narrowed.links) < len(demo.links)
        expected = og.link_reasons(narrowed.links.drop(columns="reason"), "nl")
        pd.testing.assert_series_equal(
            narrowed.links["reason"], expected, check_names=False, check_dtype=False
        )
