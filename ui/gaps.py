"""Underserved municipalities (*witte vlekken*): the rules, their recomputation, tables, exports.

Shared by the pages Witte vlekken and Presentatie. The rules widgets are bound to
the URL, so a funder can share a link to exactly the definition used; a page
without the widgets reads the same keys from the session (or the defaults). The
words come from the text catalogue (``gaps.toml``, ``underserved.toml``); the
library gives codes and numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import folium
import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo.measures import INVOLVEMENT_METRICS
from ui import data
from ui.exports import Categories
from ui.layout import html_text, number
from ui.text import lang, t

# Short URL keys: geen = no involvement, laag = lowest-share rule on/off, aandeel =
# the share in percent, vergelijk = the peer group, top = protect the top quarter,
# maat = the involvement metric, recent = the recent rounds of "uit beeld".
KEY_NONE, KEY_LOW, KEY_SHARE, KEY_METRIC = "wv_geen", "wv_laag", "wv_aandeel", "wv_maat"
KEY_PEERS, KEY_TOP, KEY_RECENT = "wv_vergelijk", "wv_top", "wv_recent"
SHARE_RANGE = (10, 40)
"""The lowest share, in percent, a user can choose."""
RECENT_RANGE = (1, 6)
"""The number of recent rounds a user can choose for "uit beeld geraakt"."""

RURAL_GAP, GAP, SERVED, OUTSIDE = "rural_gap", "gap", "served", "outside"
CATEGORY_COLOURS = {RURAL_GAP: "#B2182B", GAP: "#F4A582", SERVED: "#E4ECF2"}
"""Fill per category: dark red stands out; light salmon and pale blue differ in lightness too."""
OUTSIDE_COLOUR = "#FFFFFF"
"""Municipalities outside the focus area: left white, only their borders drawn."""
AREA_OUTLINE = "#67001F"
AREA_DASH = "7 4"
"""The outline of a witte-vlek area on the map: dashed dark red, unlike the solid region outlines."""

METRICS = INVOLVEMENT_METRICS
"""The involvement measures a user can choose for the definition."""
PEERS = og.PEER_GROUPS
"""The comparison groups a user can choose."""


def _metric_label(metric: str) -> str:
    return t(f"gap_metric_{metric}")


def _peers_label(peers: str) -> str:
    return t(f"gap_peers_{peers}")


def _from_label(value: Any, options: tuple[str, ...], label: Any) -> Any:
    """Map a widget's label in the URL (``?wv_maat=Betrokken projecten``) back to its code."""
    by_label = {label(code): code for code in options}
    return by_label.get(str(value), value)


def rules_from_state(state: Mapping[str, Any]) -> og.UnderservedRules:
    """Return the underserved rules held in ``state`` (session state), defaults where absent.

    Values that are out of range (an edited URL) fall back to the default.
    """
    default = og.UnderservedRules()
    default_share = 100 * (default.lowest_share or 0.2)
    try:
        share = float(state.get(KEY_SHARE, default_share))
    except (TypeError, ValueError):
        share = default_share
    if not SHARE_RANGE[0] <= share <= SHARE_RANGE[1]:
        share = default_share
    try:
        recent = int(state.get(KEY_RECENT, default.recent_rounds))
    except (TypeError, ValueError):
        recent = default.recent_rounds
    if not RECENT_RANGE[0] <= recent <= RECENT_RANGE[1]:
        recent = default.recent_rounds
    metric = state.get(KEY_METRIC, default.metric)
    peers = state.get(KEY_PEERS, default.peers)
    return og.UnderservedRules(
        no_involvement=bool(state.get(KEY_NONE, default.no_involvement)),
        lowest_share=round(share / 100, 4) if state.get(KEY_LOW, True) else None,
        peers=str(peers) if peers in PEERS else default.peers,
        protect_top=default.protect_top if state.get(KEY_TOP, True) else None,
        metric=str(metric) if metric in METRICS else default.metric,
        recent_rounds=recent,
    )


def rules_widgets() -> og.UnderservedRules:
    """Render the definition controls (bound to the URL) and return the chosen rules."""
    default = og.UnderservedRules()
    c1, c2, c3 = st.columns([1.1, 1.3, 1.1])
    c1.toggle(t("gap_none"), value=True, key=KEY_NONE, bind="query-params")
    c1.toggle(
        t("gap_top"),
        value=True,
        key=KEY_TOP,
        bind="query-params",
        help=t("gap_top_help"),
    )
    low = c2.toggle(t("gap_low"), value=True, key=KEY_LOW, bind="query-params")
    c2.selectbox(
        t("gap_peers"),
        PEERS,
        format_func=_peers_label,
        key=KEY_PEERS,
        bind="query-params",
        disabled=not low,
    )
    c2.slider(
        t("gap_share"),
        SHARE_RANGE[0],
        SHARE_RANGE[1],
        round(100 * (default.lowest_share or 0.2)),
        step=5,
        format="%d%%",
        key=KEY_SHARE,
        bind="query-params",
        disabled=not low,
    )
    c3.selectbox(
        t("gap_metric"), METRICS, format_func=_metric_label, key=KEY_METRIC, bind="query-params"
    )
    c3.number_input(
        t("gap_recent"),
        min_value=RECENT_RANGE[0],
        max_value=RECENT_RANGE[1],
        value=default.recent_rounds,
        step=1,
        key=KEY_RECENT,
        bind="query-params",
        help=t("gap_recent_help"),
    )
    return current_rules()


def current_rules() -> og.UnderservedRules:
    """Return the rules of this session: the page's widgets, else the URL, else the defaults.

    Another page (Presentatie) has no widgets for them; there the URL keys of the
    page Witte vlekken (``?wv_aandeel=30&wv_geen=false``) still apply.
    """
    state: dict[str, Any] = {}
    params = st.query_params
    booleans = {"true": True, "false": False}
    for key in (KEY_NONE, KEY_LOW, KEY_TOP):
        if params.get(key) in booleans:
            state[key] = booleans[str(params.get(key))]
    for key in (KEY_SHARE, KEY_RECENT):
        if key in params:
            state[key] = params.get(key)
    if KEY_METRIC in params:
        state[KEY_METRIC] = _from_label(params.get(KEY_METRIC), METRICS, _metric_label)
    if KEY_PEERS in params:
        state[KEY_PEERS] = _from_label(params.get(KEY_PEERS), PEERS, _peers_label)
    session = st.session_state
    for key in (KEY_NONE, KEY_LOW, KEY_SHARE, KEY_METRIC, KEY_PEERS, KEY_TOP, KEY_RECENT):
        if key in session:
            state[key] = session[key]
    return rules_from_state(state)


# ------------------------------------------------------------------------------ measures


def selection_rounds(selection: data.Selection) -> list[str]:
    """The rounds of the selection's projects (for "uit beeld geraakt")."""
    return sorted({str(r) for r in selection.projects["round"].dropna() if str(r)})


def measures(selection: data.Selection, rules: og.UnderservedRules) -> pd.DataFrame:
    """Return the 304 municipality measures of ``selection`` with ``rules`` for underserved."""
    if rules == og.UnderservedRules():
        return selection.municipalities  # computed with the default rules already
    full = og.flag_underserved(
        selection.municipalities,
        rules,
        reference=data.reference(),
        rounds=selection_rounds(selection),
    )
    # The benchmarks follow the metric; they are always those of all 304.
    return og.add_comparison_averages(full, rules.metric)


def area_rules(rules: og.UnderservedRules, area: tuple[str, ...] | None) -> og.UnderservedRules:
    """Return the rules as applied within ``area``: one municipality has nothing to compare."""
    if area is not None and len(area) == 1 and rules.lowest_share is not None:
        return og.UnderservedRules(
            no_involvement=rules.no_involvement,
            lowest_share=None,
            peers=rules.peers,
            protect_top=rules.protect_top,
            metric=rules.metric,
            recent_rounds=rules.recent_rounds,
        )
    return rules


def scoped_measures(selection: data.Selection, rules: og.UnderservedRules) -> pd.DataFrame:
    """Return the measures the underserved views show: all 304, or the focus area's.

    With a focus area, everything outside it has no links by construction and would
    count as "no involvement"; so only the area's municipalities are kept and the
    flags are recomputed among them (peer groups, top quarter and areas within the
    focus area; the benchmarks stay those of all 304).
    """
    area = selection.filters.area
    full = measures(selection, rules)
    if not area:
        return full
    inside = full[full["nis"].isin(area)].reset_index(drop=True)
    return og.flag_underserved(
        inside,
        area_rules(rules, area),
        reference=data.reference(),
        rounds=selection_rounds(selection),
    )


def is_empty(measures: pd.DataFrame) -> bool:
    """Whether the selection holds no involvement at all (show a message, not figures)."""
    return og.selection_is_empty(measures)


def map_measures(full: pd.DataFrame, scoped: pd.DataFrame) -> pd.DataFrame:
    """All 304 rows (the static map's choropleth) with the flags of ``scoped`` (none outside)."""
    flags = scoped.set_index("nis")["underserved"].astype(bool)
    return full.assign(
        underserved=full["nis"].map(flags).fillna(False).astype(bool).to_numpy(),
    )


# ------------------------------------------------------------------------------ categories


def categories(measures: pd.DataFrame) -> pd.Series:
    """Return each municipality's category, indexed by NIS.

    ``rural_gap`` (rural and underserved), ``gap`` (underserved, not rural) or
    ``served``.
    """
    gap = measures["underserved"].astype(bool).to_numpy()
    rural = measures["is_rural"].astype(bool).to_numpy()
    codes = [
        RURAL_GAP if g and r else GAP if g else SERVED for g, r in zip(gap, rural, strict=True)
    ]
    return pd.Series(codes, index=measures["nis"].to_numpy(), name="category", dtype=object)


def category_colours(*, area: bool = False) -> dict[str, str]:
    """Return the fill per category (legend order); with a focus area, also ``outside``."""
    return {**CATEGORY_COLOURS, OUTSIDE: OUTSIDE_COLOUR} if area else dict(CATEGORY_COLOURS)


def category_labels(*, area: bool = False) -> dict[str, str]:
    """Return the category labels in the interface language (legend order)."""
    return {c: t(f"cat_{c}") for c in category_colours(area=area)}


def map_categories(values: pd.Series, *, area: bool, title: str) -> Categories:
    """The witte-vlekken map: ``values`` (see :func:`categories`) with colours and labels.

    With a focus area (``area``), the municipalities outside it are left white.
    """
    return Categories(
        values=values,
        colours=category_colours(area=area),
        labels=category_labels(area=area),
        title=title,
        default=OUTSIDE if area else SERVED,
    )


# ------------------------------------------------------------------------------ words


def explain(
    rules: og.UnderservedRules, *, n: int = 304, measures: pd.DataFrame | None = None
) -> list[str]:
    """Return the definition as plain sentences in the interface language, one per rule.

    ``n``: the number of municipalities compared (304, or those of a focus area).
    ``measures``: when given, the least involvement of the protected top share and
    the rounds are named too.
    """
    least = None
    rounds: list[str] = []
    if measures is not None and len(measures):
        top = measures["top_share"].astype(bool)
        if top.any():
            least = float(measures.loc[top, rules.metric].min())
        rounds = sorted({r for s in measures["rounds"] for r in str(s).split(";") if r})
    return og.rule_sentences(rules, lang=lang(), n=n, top_threshold=least, rounds=rounds)


def short_definition(rules: og.UnderservedRules) -> str:
    """The definition in one line, for the text under a map."""
    return og.short_definition(rules, lang=lang())


SHOW = ("gaps", "out_of_view", "all")
"""What the table lists: the underserved, the municipalities out of view, or all."""


def gap_table(measures: pd.DataFrame, rules: og.UnderservedRules, show: str) -> pd.DataFrame:
    """Return the page's table for ``show`` (see :data:`SHOW`), most underserved first.

    Rows follow the rank (no involvement, then low involvement; the most inhabitants
    first); municipalities that are not flagged follow, the lowest involvement per
    10,000 inhabitants first. The export writes exactly these rows in this order.
    """
    cats = categories(measures).to_numpy()
    labels = category_labels()
    metric = rules.metric
    reasons = og.reason_texts(measures, rules, lang=lang())
    brussels = measures["hierarchy_code"].astype(object) == "bhg"
    table = pd.DataFrame(
        {
            "rank": measures["underserved_rank"],
            "nis": measures["nis"],
            "name": measures["name_nl"],
            "reason": reasons,
            "area": measures["underserved_area"],
            "category": [labels[c] for c in cats],
            "population": measures["population"],
            "hierarchy": measures["hierarchy_code"],
            "hierarchy_label": measures["hierarchy_label"],
            "value": measures[metric],
            "per_10k": measures[f"{metric}_per_10k"],
            "avg_refreg": measures["avg_refreg_per_10k"],
            "avg_hierarchy": measures["avg_hierarchy_per_10k"],
            "avg_region": measures["avg_brussels_per_10k"].where(
                brussels, measures["avg_flanders_per_10k"]
            ),
            "first_round": measures["first_round"],
            "last_round": measures["last_round"],
            "out_of_view": measures["out_of_view"].astype(bool),
            "refreg": measures["refreg_name"],
            "province": measures["province_name"],
            "rounds": measures["rounds"],
            "rural": measures["is_rural"].astype(bool),
            "underserved": measures["underserved"].astype(bool),
        }
    )
    if show == "gaps":
        table = table[table["underserved"]]
    elif show == "out_of_view":
        table = table[table["out_of_view"]]
    table = table.assign(_r=table["rank"].astype("Float64").fillna(1e9)).sort_values(
        ["_r", "per_10k", "population", "name"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    return table.drop(columns="_r").reset_index(drop=True)


def headers(metric: str) -> dict[str, str]:
    """The column headers of :func:`gap_table` in the interface language."""
    label = _metric_label(metric)
    return {
        "rank": t("t_rank"),
        "nis": "NIS",
        "name": t("t_name"),
        "reason": t("t_reason"),
        "area": t("t_area"),
        "category": t("t_category"),
        "population": t("t_population"),
        "hierarchy": t("t_hierarchy"),
        "hierarchy_label": t("t_hierarchy_label"),
        "value": label,
        "per_10k": f"{label} {t('t_per_10k')}",
        "avg_refreg": t("t_avg_refreg"),
        "avg_hierarchy": t("t_avg_hierarchy"),
        "avg_region": t("t_avg_region"),
        "first_round": t("t_first_round"),
        "last_round": t("t_last_round"),
        "out_of_view": t("t_out_of_view"),
        "refreg": t("t_refreg"),
        "province": t("t_province"),
        "rounds": t("t_rounds"),
        "rural": t("t_rural"),
        "underserved": t("t_gap"),
    }


SHOWN_COLUMNS = (
    "rank",
    "name",
    "value",
    "per_10k",
    "avg_hierarchy",
    "avg_refreg",
    "avg_region",
    "reason",
    "area",
    "population",
    "hierarchy",
    "first_round",
    "last_round",
    "out_of_view",
    "refreg",
    "province",
)
"""The table's columns on the page and in the export, in this order."""


def area_table(measures: pd.DataFrame) -> pd.DataFrame:
    """The witte-vlek areas with words for the page and the export (interface language)."""
    areas = og.underserved_areas(measures, reference=data.reference())
    near = [
        ", ".join(f"{name} ({number(km, 1)} km)" for name, km in zip(n, d, strict=True))
        for n, d in zip(areas["nearest_involved"], areas["nearest_km"], strict=True)
    ]
    return pd.DataFrame(
        {
            t("t_area"): areas["area"],
            t("t_area_municipalities"): areas["municipalities"],
            t("t_population"): areas["population"],
            t("t_area_none"): areas["no_involvement"],
            t("t_area_names"): ["; ".join(n) for n in areas["names"]],
            t("t_area_nearest"): near,
        }
    )


def map_table(measures: pd.DataFrame) -> pd.DataFrame:
    """What the map draws, as a table: the witte vlekken, by category, area and name."""
    flagged = measures[measures["underserved"].astype(bool)]
    cats = categories(flagged)
    order = {c: i for i, c in enumerate(CATEGORY_COLOURS)}
    table = pd.DataFrame(
        {
            t("t_name"): flagged["name_nl"].to_numpy(),
            t("t_refreg"): flagged["refreg_name"].to_numpy(),
            t("t_category"): cats.map(category_labels()).to_numpy(),
            t("t_area"): flagged["underserved_area"].to_numpy(),
            "_order": cats.map(order).to_numpy(),
        }
    )
    return (
        table.sort_values(["_order", t("t_area"), t("t_name")], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def area_layer(measures: pd.DataFrame) -> folium.FeatureGroup:
    """A map layer outlining each witte-vlek area, with its number, size and inhabitants."""
    group = folium.FeatureGroup(name=t("map_areas"))
    flagged = measures[measures["underserved"].astype(bool)]
    if flagged.empty:
        return group
    web = data.reference().municipalities_web[["nis", "geometry"]]
    members = web.merge(flagged[["nis", "underserved_area", "population"]], on="nis")
    areas = members.dissolve(
        by="underserved_area", aggfunc={"population": "sum", "nis": "count"}
    ).reset_index()
    areas["label"] = [
        html_text(t("map_area_tip", area=int(a), n=int(n), people=number(int(p))))
        for a, n, p in zip(
            areas["underserved_area"], areas["nis"], areas["population"], strict=True
        )
    ]
    folium.GeoJson(
        areas[["label", "geometry"]].to_json(),
        style_function=lambda _: {
            "fill": False,
            "color": AREA_OUTLINE,
            "weight": 3,
            "opacity": 0.95,
            "dashArray": AREA_DASH,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(group)
    return group


def export_sheets(
    table: pd.DataFrame,
    areas: pd.DataFrame,
    measures: pd.DataFrame,
    rules: og.UnderservedRules,
    *,
    filters: str,
    dataset: str,
    rounds: list[str],
    today: dt.date | None = None,
) -> dict[str, pd.DataFrame]:
    """The sheets of the page's one XLSX: the table as shown, the areas, and the uitleg."""
    language = lang()
    names = headers(rules.metric)
    shown = table[list(SHOWN_COLUMNS)].rename(columns=names)
    rows = og.explanation_rows(
        measures,
        rules,
        lang=language,
        filters=filters,
        dataset=dataset,
        rounds=rounds,
        today=today,
    )
    return og.tables_with_explanation(
        {t("sheet_gaps"): shown, t("sheet_areas"): areas}, rows, lang=language
    )
