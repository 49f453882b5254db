"""Folium builders: choropleth classes, flows, legends, escaping, stable ids, offline HTML."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from optil_geo import _flowdata, maps
from optil_geo._assets import external_urls
from optil_geo._errors import SettingsError
from optil_geo._flowlayer import _arcs


def _geojson_children(group):  # type: ignore[no-untyped-def]
    return [c for c in group._children.values() if c._name == "GeoJson"]


def _features(group):  # type: ignore[no-untyped-def]
    out = []
    for child in _geojson_children(group):
        out.extend(child.data["features"])
    return out


def flow_config(group):  # type: ignore[no-untyped-def]
    """The data a flow layer hands to the browser (``OptilMap.flows``)."""
    call = next(c for c in group._children.values() if getattr(c, "function", "") == "flows")
    return json.loads(call.payload.replace("<\\/", "</"))


def links_frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(lead_nis, partner_nis, partner_region, class) rows as a links table."""
    frame = pd.DataFrame(rows, columns=["lead_nis", "partner_nis", "partner_region", "class"])
    frame["project_id"] = [f"P{i}" for i in range(len(frame))]
    frame["partner_name"] = ""
    return frame


def test_format_number_is_dutch() -> None:
    assert maps.format_number(12345.678, 1) == "12.345,7"
    assert maps.format_number(0) == "0"
    assert maps.format_number(float("nan")) == "–"


def test_choropleth_has_304_features_with_zero_distinct(ref, nis_of) -> None:
    values = pd.Series({nis_of("Gent"): 10.0, nis_of("Antwerpen"): 5.0, nis_of("Lier"): 1.0})
    group, legend = maps.choropleth_layer(ref, values, title="Projecten", scheme="quantiles", k=3)
    features = _features(group)
    assert len(features) == 304
    by_nis = {f["properties"]["nis"]: f["properties"] for f in features}
    assert by_nis[nis_of("Gent")]["waarde"] == "10"
    zero = {p["fill"] for n, p in by_nis.items() if n not in values.index}
    assert zero == {maps._ZERO_COLOUR}
    coloured = {by_nis[n]["fill"] for n in values.index}
    assert maps._ZERO_COLOUR not in coloured
    assert len(coloured) == 3  # three distinct positive values, three classes
    assert legend.rows[0] == ("box", maps._ZERO_COLOUR, "0 (geen)")
    # Whole numbers get whole-number classes: 1, 2–5, 6–10 (not "> 0 – 1").
    assert [r[2] for r in legend.rows[1:]] == ["1", "2–5", "6–10"]


@pytest.mark.parametrize("scheme", list(maps.CLASSIFIERS))
def test_every_classifier_gives_ordered_classes(ref, scheme: str) -> None:
    rng = np.random.default_rng(3)
    values = pd.Series(
        rng.gamma(2.0, 3.0, len(ref.municipalities)), index=ref.municipalities["nis"]
    )
    group, legend = maps.choropleth_layer(ref, values, title="x", scheme=scheme, k=5)
    # Every value is positive: no "0 (geen)" row, five classes, nothing about fewer classes.
    assert len(legend.rows) == 5
    assert all(r[1] != maps._ZERO_COLOUR for r in legend.rows)
    assert "in plaats van" not in legend.note
    fills = {f["properties"]["fill"] for f in _features(group)}
    assert fills <= set(maps._SEQUENTIAL) | {maps._ZERO_COLOUR}
    # A higher value never gets a lighter class than a lower one.
    order = {c: i for i, c in enumerate(maps._SEQUENTIAL)}
    props = sorted(
        (
            (values[f["properties"]["nis"]], order[f["properties"]["fill"]])
            for f in _features(group)
        ),
    )
    ranks = [r for _, r in props]
    assert ranks == sorted(ranks)


def test_choropleth_rejects_unknown_scheme(ref) -> None:
    with pytest.raises(SettingsError, match="`scheme` was 'jenks'"):
        maps.choropleth_layer(ref, pd.Series(dtype=float), title="x", scheme="jenks")


def test_tooltip_text_is_escaped(ref, nis_of) -> None:
    extra = pd.DataFrame({"Organisatie": {nis_of("Gent"): "<img src=x onerror=alert(1)>"}})
    group, _ = maps.choropleth_layer(ref, pd.Series(dtype=float), title="<b>t</b>", extra=extra)
    gent = next(f for f in _features(group) if f["properties"]["nis"] == nis_of("Gent"))
    assert gent["properties"]["Organisatie"] == "&lt;img src=x onerror=alert(1)&gt;"
    m = maps.base_map(ref)
    group.add_to(m)
    rendered = m.get_root().render()
    assert "<img src=x" not in rendered
    assert "<b>t</b>" not in rendered


# Template syntax as a person may type it in a name or title.
_JINJA_TEXT = "Kunst {{ 7*7 }} {% raw %} {# niet #} {%- endraw %}"


def _map_with_everything(ref, nis_of, text: str = "Projecten"):  # type: ignore[no-untyped-def]
    """A base map with a choropleth (tooltips with ``text``) and flows with a legend."""
    gent, genk = nis_of("Gent"), nis_of("Genk")
    extra = pd.DataFrame({"Organisatie": {gent: text}})
    choro, _ = maps.choropleth_layer(ref, pd.Series({gent: 2.0}), title=text, extra=extra)
    links = links_frame([(gent, genk, "flanders", "urban"), (genk, gent, "abroad", "urban")])
    links["partner_name"] = ["", text]
    flows, _ = maps.flow_layer(links, ref, level="municipalities")
    m = maps.base_map(ref)
    choro.add_to(m)
    flows.add_to(m)
    return m, choro


def test_template_syntax_in_user_text_comes_out_as_written(ref, nis_of) -> None:
    # branca used to parse each rendered script as a template again: "{{ 7*7 }}"
    # in a name came out as 49, and "{% raw %}" stopped the map with an error.
    m, choro = _map_with_everything(ref, nis_of, text=_JINJA_TEXT)
    page = maps.map_html(m, title=_JINJA_TEXT, lines=[_JINJA_TEXT])
    tooltip = next(f for f in _features(choro) if f["properties"]["nis"] == nis_of("Gent"))
    assert _JINJA_TEXT in tooltip["properties"]["tip"]
    assert page.count(_JINJA_TEXT) >= 304 + 2  # every tooltip's title, the title box (twice)
    assert "Kunst 49" not in page


def test_the_page_is_the_text_branca_would_render(ref, nis_of, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import re

    from branca.element import MacroElement

    from optil_geo import _mapjs

    def page() -> str:
        # Only folium's own random ids differ from one build of the map to the next.
        html = _map_with_everything(ref, nis_of)[0].get_root().render()
        return re.sub(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", "id", html)

    ours = page()
    # The same map through branca's own render (the parts parsed a second time).
    monkeypatch.setattr(_mapjs.PlainMacroElement, "render", MacroElement.render)
    assert page() == ours


@pytest.mark.parametrize("text", ["x", "a\n", "a\n\n", "a\r\nb\rc\n", "\n  var a = 1;\n    "])
def test_a_rendered_part_is_what_jinja_makes_of_plain_text(text: str) -> None:
    from branca.element import Element

    from optil_geo._mapjs import _Rendered

    assert _Rendered(text).render() == Element(text).render()


def test_the_flows_and_tooltips_are_not_read_as_templates(ref, nis_of, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import jinja2

    compiled: list[str] = []
    compile_template = jinja2.Environment.compile

    def spy(self, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(str(source))
        return compile_template(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    page = _map_with_everything(ref, nis_of)[0].get_root().render()
    assert page.count("OptilMap.flows(") == 1 and page.count("window.OptilMap = ") >= 1
    assert not [s for s in compiled if "OptilMap.flows(" in s or '"tip":' in s]
    assert not [s for s in compiled if "window.OptilMap = " in s]


def test_layers_have_stable_ids(ref, nis_of) -> None:
    values = pd.Series({nis_of("Gent"): 3.0})
    a, _ = maps.choropleth_layer(ref, values, title="Projecten")
    b, _ = maps.choropleth_layer(ref, values, title="Projecten")
    c, _ = maps.choropleth_layer(ref, pd.Series({nis_of("Gent"): 4.0}), title="Projecten")
    ids = lambda g: [g._id, *[ch._id for ch in g._children.values()]]  # noqa: E731
    assert ids(a) == ids(b)
    assert ids(a) != ids(c)
    # streamlit-folium rewrites variable names with the pattern _[a-z0-9]+.
    assert all(i.isalnum() and i.islower() for i in ids(a))


def test_flows_aggregate_per_pair_and_count_what_has_no_line(ref, nis_of) -> None:
    gent, genk, lier, lille = nis_of("Gent"), nis_of("Genk"), nis_of("Lier"), nis_of("Lille")
    links = links_frame(
        [
            (gent, genk, "flanders", "urban"),
            (gent, genk, "flanders", "urban"),
            (gent, lier, "flanders", "supra_regional"),
            (lier, lille, "flanders", "regional"),
            (gent, gent, "flanders", "local"),
            (gent, gent, "flanders", "local"),
            (gent, "62063", "wallonia", "supra_regional"),
            (gent, "", "abroad", "international"),
            (gent, "", "", "unknown"),
        ]
    )
    table = maps.flow_table(links, ref)
    assert table[["lead_nis", "partner_nis", "class", "links"]].values.tolist() == [
        [gent, genk, "urban", 2],
        [lier, lille, "regional", 1],  # ties are ordered by NIS
        [gent, lier, "supra_regional", 1],
    ]
    group, summary = maps.flow_layer(links, ref, top_n=2, level="municipalities")
    assert (summary.pairs_total, summary.pairs_shown, summary.links_shown) == (3, 2, 3)
    assert (summary.links_hidden, summary.pairs_hidden) == (1, 1)
    assert (summary.wallonia, summary.abroad, summary.unknown) == (1, 1, 1)
    assert (summary.local_municipalities, summary.local_links) == (1, 2)
    cfg = flow_config(group)
    lines = cfg["flows"]["municipalities"]
    assert len(lines) == 2
    assert cfg["rings"]["municipalities"] == [[gent, 16.0, 2]]
    colours = {cfg["colours"][line[2]] for line in lines}
    assert colours == {maps.CLASS_COLOURS["urban"], maps.CLASS_COLOURS["regional"]}
    # Drawn smallest first; the pair with two links is thicker and less faded.
    assert lines[-1][:2] == [gent, genk]
    assert lines[0][3] < lines[-1][3] and lines[0][4] < lines[-1][4]
    legend = maps.flow_legend(summary)
    assert "Top 2 van 3 verbindingen." in legend.note
    assert "Wallonië 1" in legend.note and "buitenland 1" in legend.note
    # Only the classes drawn are in the legend (supra_regional was cut by top_n=2).
    assert [r[2] for r in legend.rows if r[0] == "line"] == ["regionaal", "stedelijk"]


def test_arcs_start_and_end_at_the_points_and_bend_right() -> None:
    start = np.array([[4.0, 51.0]])
    end = np.array([[5.0, 51.0]])
    curve = _arcs(start, end)
    assert np.allclose(curve[0, 0], start[0])
    assert np.allclose(curve[0, -1], end[0])
    # Heading east, the right-hand side is south.
    assert curve[0, len(curve[0]) // 2, 1] < 51.0
    back = _arcs(end, start)
    assert back[0, len(back[0]) // 2, 1] > 51.0


def test_legend_html_escapes() -> None:
    html = maps.Legend(title="<t>", rows=[("box", "#fff", "<b>x</b>")], note="&").html()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;t&gt;" in html and "&amp;" in html


def test_standalone_map_has_no_external_urls(ref, nis_of) -> None:
    m = maps.base_map(ref)
    group, _ = maps.choropleth_layer(ref, pd.Series({nis_of("Gent"): 1.0}), title="P")
    html = maps.map_html(m, layers=[group], title="Titel", lines=["Datum: 26-11-2026"])
    assert external_urls(html) == []
    assert "Statbel; Provincies in Cijfers" in html
    assert json.dumps("Titel")[1:-1] in html


def test_base_map_tiles_only_when_asked(ref) -> None:
    offline = maps.base_map(ref).get_root().render()
    assert "tile.openstreetmap.org" not in offline
    online = maps.base_map(ref, tiles="osm").get_root().render()
    assert "tile.openstreetmap.org" in online
    with pytest.raises(SettingsError, match="`tiles`"):
        maps.base_map(ref, tiles="google")


# --------------------------------------------------------------------------- issue: legible flows


def test_region_level_aggregates_to_regions_provinces_and_countries(ref, nis_of) -> None:
    gent, lier, geel = nis_of("Gent"), nis_of("Lier"), nis_of("Geel")
    links = links_frame(
        [
            (gent, lier, "flanders", "supra_regional"),
            (gent, geel, "flanders", "supra_regional"),
            (gent, geel, "flanders", "urban"),
            (gent, "62063", "wallonia", "supra_regional"),  # Liège, province 60000
            (gent, "", "abroad", "international"),
        ]
    )
    links.loc[4, "partner_name"] = "Maastricht (Nederland)"
    group, summary = maps.flow_layer(links, ref, level="regions")
    drawn = summary.drawn["regions"]
    region = ref.municipalities.set_index("nis")["refreg_code"]
    pairs = {(r.lead, r.partner): (r.links, r["class"]) for _, r in drawn.iterrows()}
    assert pairs == {
        (region[gent], region[lier]): (1, "supra_regional"),
        # Two links, one of each class: a tie goes to the class listed first.
        (region[gent], region[geel]): (2, "urban"),
        (region[gent], "60000"): (1, "supra_regional"),
        (region[gent], "NL"): (1, "international"),
    }
    cfg = flow_config(group)
    assert cfg["level"] == "regions" and len(cfg["flows"]["regions"]) == 4
    # Places outside Flanders are named where their lines end, in the language asked.
    texts = {label["text"] for label in cfg["nodeLabels"]}
    assert texts == {"Luik", "Nederland"}
    _, summary_en = maps.flow_layer(links, ref, level="regions", lang="en")
    table = maps.text_alternative(summary_en, ref, lang="en")
    assert list(table.columns) == ["From (lead)", "To (partner)", "Kind", "Links", "Projects"]
    assert table.iloc[0].tolist()[:4] == ["Regio Gent", "Kempen", "urban", 2]
    assert "Liège" in set(table["To (partner)"]) and "Netherlands" in set(table["To (partner)"])


def test_auto_level_keeps_few_lines_at_the_first_view(ref) -> None:
    m = ref.municipalities
    rng = np.random.default_rng(5)
    rows = [
        (a, b, "flanders", "supra_regional")
        for a, b in zip(rng.choice(m["nis"], 3000), rng.choice(m["nis"], 3000), strict=True)
        if a != b
    ]
    _, summary = maps.flow_layer(links_frame(rows), ref, top_n=500)
    assert summary.level == "auto"
    assert len(summary.drawn["regions"]) == 40 < summary.region_pairs_total
    assert len(summary.drawn["municipalities"]) == 500
    legend = maps.flow_legend(summary)
    # The width legend: the largest flow, a round middle value, one link; thinner each.
    widths = [(label, float(w)) for kind, w, label in legend.rows if kind == "width"]
    assert widths[-1][0] == "1 samenwerking"
    assert [w for _, w in widths] == sorted((w for _, w in widths), reverse=True)


def test_focus_splits_flows_by_direction_and_fits_the_map(ref, nis_of) -> None:
    geel, mol, gent, brussel = nis_of("Geel"), nis_of("Mol"), nis_of("Gent"), nis_of("Brussel")
    links = links_frame(
        [
            (geel, mol, "flanders", "regional"),
            (geel, gent, "flanders", "urban"),
            (gent, mol, "flanders", "supra_regional"),
            (gent, brussel, "brussels", "urban"),  # touches no Kempen place: not drawn
        ]
    )
    group, summary = maps.flow_layer(links, ref, focus="REFREG03", level="municipalities")
    roles = {(r.lead, r.partner): r.role for _, r in summary.drawn["municipalities"].iterrows()}
    assert roles == {(geel, mol): "inside", (geel, gent): "outgoing", (gent, mol): "incoming"}
    cfg = flow_config(group)
    kempen = ref.municipalities_web[ref.municipalities_web["nis"].isin(summary.focus)]
    (south, west), (north, east) = cfg["view"]
    minx, miny, maxx, maxy = kempen.total_bounds
    assert west < minx < maxx < east and south < miny < maxy < north
    assert (east - west) < 1.5 * (maxx - minx)  # a margin, not all of Flanders
    legend = maps.flow_legend(summary)
    assert [r[2] for r in legend.rows if r[0] == "dash"] == [
        "binnen het focusgebied",
        "vanuit het focusgebied naar buiten",
        "van buiten naar het focusgebied",
    ]
    with pytest.raises(SettingsError, match="`focus` was 'Kempen'"):
        maps.flow_layer(links, ref, focus="Kempen")


def test_outside_partners_by_region(ref, nis_of) -> None:
    geel, mol, gent, lier = nis_of("Geel"), nis_of("Mol"), nis_of("Gent"), nis_of("Lier")
    links = links_frame(
        [
            (geel, mol, "flanders", "regional"),  # inside: not counted
            (geel, gent, "flanders", "urban"),
            (mol, gent, "flanders", "supra_regional"),
            (geel, "57081", "wallonia", "supra_regional"),  # Tournai, Hainaut
            (lier, geel, "flanders", "regional"),  # incoming from Rivierenland
            (geel, "", "", "unknown"),
        ]
    )
    table = maps.outside_partners(links, ref, "REFREG03")
    rows = {r.region: (r.kind, r.links_out, r.projects_out, r.links_in) for r in table.itertuples()}
    region = ref.municipalities.set_index("nis")["refreg_code"]
    assert rows == {
        region[gent]: ("refreg", 2, 2, 0),
        "50000": ("wallonia", 1, 1, 0),
        region[lier]: ("refreg", 0, 0, 1),
        "unknown": ("unknown", 1, 1, 0),
    }
    assert next(iter(table["region"])) == region[gent]  # most partners first
    assert maps.region_name("50000", ref, "nl") == "Henegouwen"


def test_every_flow_node_is_named_in_both_languages(ref) -> None:  # type: ignore[no-untyped-def]
    m = ref.municipalities
    codes = _flowdata.region_nodes(ref)["code"].astype(str)
    for lang in ("nl", "en"):
        names = {code: maps.region_name(code, ref, lang) for code in codes}
        assert all(name and name != code for code, name in names.items()), names
        assert maps.region_name(str(m["nis"].iat[0]), ref, lang) == m["name_nl"].iat[0]
    region = m.set_index("nis")["refreg_code"]
    gent = m.loc[m["name_nl"] == "Gent", "nis"].iat[0]
    assert maps.region_name(region[gent], ref, "nl") == "Regio Gent"
    assert maps.region_name("BHG", ref, "en") != maps.region_name("BHG", ref, "nl")
    assert maps.region_name("nowhere", ref, "nl") == "nowhere"  # unknown: the code itself


def test_selected_municipality_is_highlighted_and_always_drawn(ref, nis_of) -> None:
    gent, genk, lier, geel = nis_of("Gent"), nis_of("Genk"), nis_of("Lier"), nis_of("Geel")
    links = links_frame(
        [(gent, genk, "flanders", "urban")] * 3 + [(lier, geel, "flanders", "regional")]
    )
    group, summary = maps.flow_layer(links, ref, top_n=1, selected=geel)
    cfg = flow_config(group)
    assert cfg["selected"] == geel and cfg["level"] == "municipalities"
    drawn = {(r.lead, r.partner) for _, r in summary.drawn["municipalities"].iterrows()}
    assert drawn == {(gent, genk), (lier, geel)}  # beyond top_n=1: Geel's own flow
    # Two pairs need no aggregation: municipality level at every zoom.
    _, few = maps.flow_layer(links, ref)
    assert few.level == "municipalities" and list(few.drawn) == ["municipalities"]
    with pytest.raises(SettingsError, match="`selected`"):
        maps.flow_layer(links, ref, selected="99999")


def test_few_lines_abroad_keep_the_region_level_where_they_are_drawn(ref, nis_of) -> None:
    # Only international links (a class filter): no pair of municipalities at all, but
    # the region level has lines to the countries. Municipalities alone would draw nothing.
    gent, genk = nis_of("Gent"), nis_of("Genk")
    links = links_frame(
        [(gent, "", "abroad", "international"), (genk, "", "abroad", "international")]
    )
    links["partner_name"] = ["Maastricht (Nederland)", "Aken (Duitsland)"]
    group, summary = maps.flow_layer(links, ref)
    assert summary.level == "auto" and not summary.is_empty
    assert set(summary.drawn["regions"]["partner"]) == {"NL", "DE"}
    assert flow_config(group)["level"] == "auto"
    # The same with a line to Wallonia beside one between municipalities.
    mixed = links_frame(
        [(gent, genk, "flanders", "urban"), (gent, "62063", "wallonia", "supra_regional")]
    )
    assert maps.flow_layer(mixed, ref)[1].level == "auto"
    # Without lines leaving the map, few pairs stay at municipality level.
    inside = links_frame([(gent, genk, "flanders", "urban")])
    assert maps.flow_layer(inside, ref)[1].level == "municipalities"


def test_decorations_take_no_clicks(ref, nis_of) -> None:
    links = links_frame([(nis_of("Gent"), nis_of("Genk"), "flanders", "urban")])
    group, _ = maps.flow_layer(links, ref)
    m = maps.base_map(ref)
    group.add_to(m)
    page = m.get_root().render()
    runtime = maps._mapjs.RUNTIME
    # Lines, rings and labels are created non-interactive, in panes without pointer events.
    assert runtime.count("interactive: false") >= 3
    assert 'p.style.pointerEvents = "none"' in runtime
    assert "keyboard: false" in runtime
    # Outlines are non-interactive too; only the municipalities carry a click.
    assert '"interactive": false' in page


def test_empty_selection_says_so(ref) -> None:
    empty = links_frame([])
    assert not maps.has_map_data(pd.Series(0.0, index=["11002"]), empty)
    assert maps.has_map_data(pd.Series({"11002": 1.0}))
    group, legend = maps.choropleth_layer(ref, pd.Series(dtype=float), title="Projecten")
    assert legend.rows == [] and "Geen gegevens" in legend.note
    assert any(c._name == "MessageBox" for c in group._children.values())
    flows, summary = maps.flow_layer(empty, ref, lang="en")
    assert summary.is_empty
    message = next(c for c in flows._children.values() if c._name == "MessageBox")
    assert message.text.startswith("No data in this selection")
    only_local = links_frame([("11002", "11002", "flanders", "local")])
    flows, summary = maps.flow_layer(only_local, ref, level="municipalities", lang="en")
    assert not summary.is_empty  # the ring is drawn
    assert maps.text_alternative(summary, ref).empty


def test_no_mapclassify_warning_and_the_legend_says_fewer_classes(ref, nis_of) -> None:
    values = pd.Series({nis_of("Gent"): 3.0, nis_of("Genk"): 3.0, nis_of("Lier"): 7.0})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scheme in maps.CLASSIFIERS:
            _, legend = maps.choropleth_layer(ref, values, title="P", scheme=scheme, k=5, lang="en")
            assert "2 classes instead of 5" in legend.note
            assert [r[2] for r in legend.rows] == ["0 (none)", "1–3", "4–7"]


def test_neutral_fill_for_a_map_with_flows(ref, nis_of) -> None:
    values = pd.Series({nis_of("Gent"): 3.0, nis_of("Genk"): 5.0, nis_of("Lier"): 7.0})
    group, _legend = maps.choropleth_layer(ref, values, title="P", neutral=True)
    fills = {f["properties"]["fill"] for f in _features(group)}
    assert fills <= set(maps.NEUTRAL_COLOURS) | {maps._ZERO_COLOUR}
    assert len(fills) == 4


def test_projector_base_map_has_large_labels(ref) -> None:
    page = maps.base_map(ref, projector=True).get_root().render()
    assert '"labelPx": 16' in page
    with pytest.raises(SettingsError, match="`label_px`"):
        maps.base_map(ref, label_px=4)


def test_a_choropleth_with_a_focus_fits_the_map_without_flows(ref) -> None:
    group, _ = maps.choropleth_layer(ref, pd.Series(dtype=float), title="P", focus="REFREG03")
    fit = [c for c in group._children.values() if getattr(c, "function", "") == "fit"]
    assert len(fit) == 1
    (south, west), (north, east) = json.loads(fit[0].payload)
    kempen = ref.municipalities_web[
        ref.municipalities_web["nis"].isin(maps.focus_municipalities(ref, "REFREG03"))
    ]
    minx, miny, maxx, maxy = kempen.total_bounds
    assert west < minx < maxx < east and south < miny < maxy < north
    plain, _ = maps.choropleth_layer(ref, pd.Series(dtype=float), title="P")
    assert not [c for c in plain._children.values() if getattr(c, "function", "") == "fit"]
    assert plain._id != group._id


def test_polygons_sent_to_the_browser_are_on_a_grid_below_a_pixel(ref) -> None:  # type: ignore[no-untyped-def]
    sent = gpd.GeoDataFrame.from_features(list(maps._municipality_features(ref)), crs=4326)
    coords = shapely.get_coordinates(sent.geometry.values)
    assert np.allclose(coords * 1e4, np.round(coords * 1e4), rtol=0, atol=1e-6)
    assert sent.is_valid.all() and list(sent["nis"]) == list(ref.municipalities["nis"])
    # Within a few metres of the reference's web polygons (a pixel is ~6 m at zoom 14) ...
    moved = sent.to_crs(31370).geometry.hausdorff_distance(
        ref.municipalities_web.to_crs(31370).geometry, align=False
    )
    assert moved.max() < 12
    # ... and every municipality's point, where a click lands, is still inside it.
    m = ref.municipalities
    points = gpd.GeoSeries(gpd.points_from_xy(m["lon"], m["lat"]), crs=4326)
    assert sent.geometry.contains(points, align=False).all()
