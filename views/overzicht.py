"""Overzicht: the key figures of the current selection and a compact map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optil_geo import maps
from optil_geo._assets import use_local_assets
from ui import data, mapview
from ui.exports import describe_filters, export_panel
from ui.figures import GROUPS, key_figures
from ui.layout import class_explainer, demo_banner, empty_selection, guard, md, number, percent
from ui.text import lang, t


def _figures_row(selection: data.Selection) -> None:
    f = key_figures(selection)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("k_projects"), number(f.projects), border=True)
    c2.metric(
        t("k_partners"), number(f.partner_organisations), help=t("k_partners_help"), border=True
    )
    c3.metric(t("k_links"), number(f.links), help=t("k_links_help"), border=True)
    c4.metric(
        t("k_reached"),
        t("k_reached_value", n=number(f.reached)),
        help=t("k_reached_help"),
        border=True,
    )
    c4.caption(t("k_reached_split", fl=number(f.reached_flanders), bxl=number(f.reached_brussels)))

    st.subheader(t("kinds_title"))
    cols = st.columns(4)
    for col, group in zip(cols, [g for g in GROUPS if g != "unknown"], strict=True):
        n = f.group_links[group]
        col.metric(
            t(f"g_{group}"),
            percent(n, f.links),
            delta=t("of_links", n=number(n)),
            delta_color="off",
            delta_arrow="off",
            help=t(f"g_help_{group}"),
            border=True,
        )
    if f.group_links["unknown"]:
        st.caption(t("unknown_links", n=number(f.group_links["unknown"])))

    st.subheader(t("who_title"))
    d1, d2, d3 = st.columns(3)
    d1.metric(
        t("k_local_actor"),
        percent(f.with_local_actor, f.projects),
        delta=t("k_local_actor_delta", x=number(round(10 * f.with_local_actor / f.projects)))
        if f.projects
        else None,
        delta_color="off",
        delta_arrow="off",
        help=t("k_local_actor_help"),
        border=True,
    )
    d2.metric(
        t("k_welfare"),
        percent(f.with_welfare_care, f.projects),
        delta=t("of_projects", n=number(f.with_welfare_care)),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    d3.metric(
        t("k_education"),
        percent(f.with_education, f.projects),
        delta=t("of_projects", n=number(f.with_education)),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def _top(selection: data.Selection, n: int = 10) -> pd.DataFrame:
    mm = selection.municipalities
    top = mm[mm["projects_involved"] > 0].nlargest(n, ["projects_involved", "population"])
    return pd.DataFrame(
        {
            t("col_municipality"): top["name_nl"],
            t("col_projects"): top["projects_involved"],
            t("col_per_10k"): top["projects_involved_per_10k"].map(lambda v: number(v, 1)),
        }
    )


def _map_row(selection: data.Selection) -> None:
    ref = data.reference()
    st.subheader(t("map_title"))
    values = selection.municipalities.set_index("nis")["projects_involved"]
    left, right = st.columns([2.6, 1], gap="medium")
    with left:

        def build() -> mapview.MapParts:
            choropleth, _legend = maps.choropleth_layer(
                ref, values, title=t("col_projects"), k=5, lang=lang(), focus=selection.filters.area
            )
            base = use_local_assets(maps.base_map(ref, lang=lang()))
            return mapview.MapParts(base, [choropleth])

        mapview.show_map(
            "overzicht",
            cache_key=repr((mapview.selection_key(selection), lang())),
            build=build,
            title=t("map_frame_title", what=t("ov_map_what")),
            height=470,
        )
        st.caption(t("map_caption"))
        with st.expander(t("text_version"), icon=":material/table_rows:"):
            st.caption(t("text_version_caption"))
            st.dataframe(
                mapview.values_table(values, ref, title=t("col_projects")),
                hide_index=True,
                width="stretch",
                height=240,
            )
    with right:
        st.markdown(f"**{t('top_title')}**")
        st.dataframe(_top(selection), hide_index=True, width="stretch")

    export_panel(
        selection,
        values=values,
        title=t("map_title"),
        value_label=t("col_projects"),
        key="overzicht_exp",
    )


with guard("overzicht"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_overview"))
    st.caption(t("tagline"))
    demo_banner(selection)
    class_explainer()
    st.caption(t("selection_line", text=md(describe_filters(selection.filters, reference=ref))))
    if not empty_selection(selection, ref):
        _figures_row(selection)
        _map_row(selection)
