"""Witte vlekken: municipalities with no or little involvement per inhabitant, rural ones first."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets
from ui import data, gaps
from ui.exports import Categories, export_panel
from ui.layout import demo_banner, guard, number, percent
from ui.text import t


def _headers(metric_label: str) -> dict[str, str]:
    return {
        "nis": "NIS",
        "name": t("t_name"),
        "category": t("t_category"),
        "province": t("t_province"),
        "refreg": t("t_refreg"),
        "population": t("t_population"),
        "hierarchy": t("t_hierarchy"),
        "hierarchy_label": t("t_hierarchy_label"),
        "rural": t("t_rural"),
        "underserved": t("t_gap"),
        "value": metric_label,
        "per_10k": f"{metric_label} {t('t_per_10k')}",
        "rounds": t("t_rounds"),
        "reason": t("t_reason"),
    }


def _figures(measures: pd.DataFrame, *, in_area: bool) -> None:
    gap = measures["underserved"].astype(bool)
    rural = gap & measures["is_rural"].astype(bool)
    pop = measures["population"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        t("g_count"),
        t("g_count_value", n=number(gap.sum()), total=number(len(measures))),
        border=True,
    )
    c2.metric(
        t("g_rural"),
        number(rural.sum()),
        delta=percent(rural.sum(), gap.sum()),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    c3.metric(
        t("g_population"),
        number(pop[gap].sum()),
        delta=t(
            "g_population_delta_area" if in_area else "g_population_delta",
            p=percent(pop[gap].sum(), pop.sum(), 1),
        ),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    rules_metric = measures["projects_involved"] == 0
    c4.metric(t("g_none"), number(int(rules_metric.sum())), border=True)


with guard("witte_vlekken"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_gaps"))
    demo_banner(selection)
    st.caption(t("gaps_intro"))

    with st.container(border=True):
        st.markdown(f"**{t('definition')}**")
        rules = gaps.rules_widgets()
        area = selection.filters.area
        area_size = len(area) if area else None
        st.markdown(gaps.explain(gaps.area_rules(rules, area), area_size=area_size))
        if area_size == 1:
            st.caption(t("gap_area_one"))
        elif area_size:
            st.caption(t("gap_area_note", n=number(area_size)))
        st.caption(t("gap_rural_note"))
    measures = gaps.scoped_measures(selection, rules)
    _figures(measures, in_area=bool(area))

    metric_label = t(f"gap_metric_{rules.metric}")
    # The static map's choropleth covers all 304 (outside the area too, with the links
    # of the selection); the highlighted gaps are the area's.
    per10k = gaps.measures(selection, rules).set_index("nis")[f"{rules.metric}_per_10k"]
    cats = gaps.categories(measures)
    labels = gaps.category_labels(area=bool(area))
    colours = gaps.category_colours(area=bool(area))
    default = gaps.OUTSIDE if area else gaps.SERVED
    tooltip = pd.DataFrame(
        {
            t("t_population"): measures["population"].map(number).to_numpy(),
            t("t_hierarchy"): (
                measures["hierarchy_code"] + " · " + measures["hierarchy_label"]
            ).to_numpy(),
            f"{metric_label} {t('t_per_10k')}": measures[f"{rules.metric}_per_10k"]
            .map(lambda v: number(v, 2))
            .to_numpy(),
        },
        index=measures["nis"].to_numpy(),
    )
    layer, legend = maps.category_layer(
        ref,
        cats,
        colours=colours,
        labels=labels,
        title=t("map_gaps"),
        default=default,
        extra=tooltip,
        legend=False,
    )
    left, right = st.columns([2.6, 1], gap="medium")
    with left:
        st_folium(
            use_local_assets(maps.base_map(ref)),
            key="witte_vlekken_kaart",
            height=520,
            use_container_width=True,
            feature_group_to_add=[layer],
            returned_objects=[],
        )
    with right:
        st.html(legend.html())
        show = st.radio(
            t("show"),
            gaps.SHOW,
            format_func=lambda s: t(f"show_{s}", n=number(len(measures))),
            key="wv_toon",
            bind="query-params",
        )

    table = gaps.gap_table(measures, rules, show or "gaps")
    headers = _headers(metric_label)
    st.caption(t("n_rows", n=number(len(table))))
    cc = st.column_config
    st.dataframe(
        table.rename(columns=headers),
        hide_index=True,
        width="stretch",
        height=420,
        column_order=[
            headers[c]
            for c in (
                "name",
                "category",
                "population",
                "hierarchy",
                "hierarchy_label",
                "value",
                "per_10k",
                "refreg",
                "province",
                "rounds",
                "reason",
            )
        ],
        column_config={
            headers["population"]: cc.NumberColumn(format="localized"),
            headers["per_10k"]: cc.NumberColumn(format="%.2f"),
            headers["rural"]: cc.CheckboxColumn(),
        },
    )
    export_table = table.rename(columns=headers)
    d1, d2, _ = st.columns([1, 1, 2])
    d1.download_button(
        t("list_xlsx"),
        data=lambda: og.table_bytes({"witte vlekken": export_table}, "xlsx"),
        file_name="optil-geo-witte-vlekken.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key="wv_xlsx",
        icon=":material/download:",
    )
    d2.download_button(
        t("list_csv"),
        data=lambda: og.table_bytes({"witte vlekken": export_table}, "csv"),
        file_name="optil-geo-witte-vlekken.csv",
        mime="text/csv",
        on_click="ignore",
        key="wv_csv",
        icon=":material/download:",
    )

    gap_nis = measures.loc[measures["underserved"].astype(bool), "nis"].astype(str).tolist()
    rural_n = int((cats == gaps.RURAL_GAP).sum())
    export_panel(
        selection,
        values=per10k,
        title=t("map_gaps"),
        value_label=f"{metric_label} {t('t_per_10k')}",
        decimals=2,
        highlight=gap_nis,
        highlight_label=f"{t('static_gap_label')} ({len(gap_nis)}; {rural_n} {t('t_rural').lower()})",
        categories=Categories(
            values=cats,
            colours=colours,
            labels=labels,
            title=t("map_gaps"),
            default=default,
        ),
        measures=measures,
        extra_lines=[
            gaps.explain(gaps.area_rules(rules, area), area_size=area_size).replace("**", "")
        ],
        key="wv_exp",
    )
