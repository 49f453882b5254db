"""Witte vlekken: municipalities and areas the projects do not or hardly reach, like with like."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets
from ui import data, gaps, mapview
from ui.exports import (
    Download,
    MapSpec,
    context_lines,
    dataset_name,
    describe_filters,
    download_columns,
    geo_downloads,
    html_download,
)
from ui.layout import compact_top, demo_banner, guard, html_text, localised, md, number, percent
from ui.text import lang, t


def _definition(
    rules: og.UnderservedRules, measures: pd.DataFrame, area: tuple[str, ...] | None
) -> None:
    area_size = len(area) if area else None
    st.markdown(f"**{t('gap_definition_list')}**")
    sentences = gaps.explain(gaps.area_rules(rules, area), n=len(measures), measures=measures)
    st.markdown("\n".join(f"- {s}" for s in sentences))
    if area_size == 1:
        st.caption(t("gap_area_one"))
    elif area_size:
        st.caption(t("gap_area_note", n=number(area_size)))


def _hierarchy_help() -> None:
    """What the urban-hierarchy codes (a0 … c3) mean, with their counts."""
    with st.expander(t("gap_hierarchy_title"), icon=":material/help:"):
        st.markdown(t("gap_hierarchy_note"))
        counts = data.reference().municipalities["hierarchy_code"].value_counts()
        codes = [*data.reference().hierarchy["code"], "bhg"]
        st.dataframe(
            pd.DataFrame(
                {
                    t("t_hierarchy"): codes,
                    t("t_hierarchy_label"): [t(f"hier_{c}") for c in codes],
                    t("t_hier_count"): [int(counts.get(c, 0)) for c in codes],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _figures(measures: pd.DataFrame, rules: og.UnderservedRules) -> None:
    gap = measures["underserved"].astype(bool)
    sizes = measures.loc[gap, "underserved_area"].value_counts()
    pop = measures["population"]
    gone = measures["out_of_view"].astype(bool)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        t("g_count"),
        t("g_count_value", n=number(gap.sum()), total=number(len(measures))),
        border=True,
    )
    c2.metric(
        t("g_areas"),
        number(len(sizes)),
        delta=t("g_areas_delta", n=number(int(sizes.max()))) if len(sizes) else None,
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    c3.metric(
        t("g_population"),
        number(pop[gap].sum()),
        delta=t(
            "g_population_delta_area" if selection.filters.area else "g_population_delta",
            p=percent(pop[gap].sum(), pop.sum(), 1),
        ),
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    recent = gaps.selection_rounds(selection)[-rules.recent_rounds :]
    c4.metric(
        t("g_out_of_view"),
        number(int(gone.sum())),
        delta=t("g_out_of_view_delta", rounds=", ".join(recent)) if recent else None,
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def _map(measures: pd.DataFrame, rules: og.UnderservedRules) -> None:
    in_area = bool(selection.filters.area)
    metric_label = t(f"gap_metric_{rules.metric}")
    tooltip = pd.DataFrame(
        {
            t("t_population"): measures["population"].map(number).to_numpy(),
            t("t_hierarchy"): measures["hierarchy_code"].astype(str).to_numpy(),
            f"{metric_label} {t('t_per_10k')}": measures[f"{rules.metric}_per_10k"]
            .map(lambda v: number(v, 2))
            .to_numpy(),
            t("t_reason"): og.reason_texts(measures, rules, lang=lang()).to_numpy(),
        },
        index=measures["nis"].to_numpy(),
    )
    cats = gaps.map_categories(gaps.categories(measures), area=in_area, title=t("map_gaps"))

    def build() -> mapview.MapParts:
        layer, legend = cats.layer(ref, lang=lang(), focus=selection.filters.area, extra=tooltip)
        base = use_local_assets(maps.base_map(ref, lang=lang()))
        return mapview.MapParts(base, [layer, gaps.area_layer(measures)], extra=legend)

    left, right = st.columns([2.6, 1], gap="medium")
    with left:
        shown = mapview.show_map(
            "witte_vlekken",
            cache_key=repr((mapview.selection_key(selection), rules, lang())),
            build=build,
            title=t("map_frame_title", what=t("gap_map_what")),
            height=520,
        )
        with st.expander(t("text_version"), icon=":material/table_rows:"):
            st.caption(t("text_version_caption") + " " + t("gap_map_text_note"))
            st.dataframe(gaps.map_table(measures), hide_index=True, width="stretch", height=240)
    with right:
        legend: maps.Legend = shown.extra
        st.html(legend.html())
        st.html(
            f'<div style="font-size:0.85rem;display:flex;align-items:center;gap:8px">'
            f'<span style="display:inline-block;width:22px;height:14px;'
            f'border:2.5px dashed {gaps.AREA_OUTLINE}"></span>{html_text(t("map_areas"))}</div>'
        )
        st.radio(
            t("show"),
            gaps.SHOW,
            format_func=lambda s: t(f"show_{s}", n=number(len(measures))),
            key="wv_toon",
            bind="query-params",
        )


def _table(table: pd.DataFrame, rules: og.UnderservedRules) -> None:
    names = gaps.headers(rules.metric)
    st.caption(t("n_rows", n=number(len(table))))
    cc = st.column_config
    shown = table[list(gaps.SHOWN_COLUMNS)].rename(columns=names)
    decimals = {
        names["rank"]: 0,
        names["area"]: 0,
        names["population"]: 0,
        names["value"]: 0,
        names["per_10k"]: 2,
        names["avg_refreg"]: 2,
        names["avg_hierarchy"]: 2,
        names["avg_region"]: 2,
    }
    with st.container(key="wv_tabel_box"):  # a hook for the browser tests
        st.dataframe(
            localised(shown, decimals),
            hide_index=True,
            width="stretch",
            height=420,
            column_config={
                names["rank"]: cc.Column(width="small"),
                names["area"]: cc.Column(width="small"),
                names["reason"]: cc.TextColumn(width="medium"),
                names["out_of_view"]: cc.CheckboxColumn(),
            },
            key="wv_tabel",
        )


def _exports(
    measures: pd.DataFrame,
    table: pd.DataFrame,
    areas: pd.DataFrame,
    rules: og.UnderservedRules,
) -> None:
    """The page's downloads: the list (XLSX, CSV), the map (PNG, PDF, HTML), the geometry."""
    filters = describe_filters(selection.filters, reference=ref)
    spec = MapSpec(
        values=pd.Series(dtype=float),
        title=t("map_gaps"),
        categories=gaps.map_categories(
            gaps.categories(measures), area=bool(selection.filters.area), title=t("map_gaps")
        ),
        extra_lines=(gaps.short_definition(rules),),
        lang=lang(),
        focus=tuple(selection.filters.area or ()),
    )
    full = gaps.map_measures(gaps.measures(selection, rules), measures)
    language = lang()
    subtitle = [dataset_name(selection), t("selection_line", text=filters)]
    sheets = gaps.export_sheets(
        table,
        areas,
        measures,
        rules,
        filters=filters,
        dataset=dataset_name(selection),
        rounds=gaps.selection_rounds(selection),
    )

    def static(fmt: str) -> bytes:
        return og.underserved_map(
            ref, full, rules=rules, lang=language, subtitle_lines=subtitle, fmt=fmt
        )

    stem, key = "optil-geo-witte-vlekken", "wv"
    lines = context_lines(selection, reference=ref)
    with st.expander(t("export"), icon=":material/download:"):
        st.caption(t("export_gaps_intro") + " " + t("export_wait"))
        download_columns(
            [
                (
                    "",
                    [
                        Download(
                            t("list_xlsx"),
                            lambda: og.table_bytes(sheets, "xlsx"),
                            f"{stem}.xlsx",
                            f"{key}_xlsx",
                            ":material/table:",
                            primary=True,
                        ),
                        Download(
                            t("list_csv"),
                            lambda: og.table_bytes({"t": next(iter(sheets.values()))}, "csv"),
                            f"{stem}.csv",
                            f"{key}_csv",
                            ":material/download:",
                        ),
                    ],
                ),
                (
                    "",
                    [
                        Download(
                            t("dl_png"),
                            lambda: static("png"),
                            f"{stem}.png",
                            f"{key}_png",
                            ":material/image:",
                        ),
                        Download(
                            t("dl_pdf"),
                            lambda: static("pdf"),
                            f"{stem}.pdf",
                            f"{key}_pdf",
                            ":material/picture_as_pdf:",
                        ),
                        html_download(spec, ref, lines, stem=stem, key=key),
                    ],
                ),
                ("", geo_downloads(measures, ref, stem=stem, key=key)),
            ]
        )


with guard("witte_vlekken"):
    selection = data.current()
    ref = data.reference()
    compact_top()
    st.title(t("page_gaps"))
    demo_banner(selection)
    st.caption(t("gaps_intro"))
    notice = st.empty()  # the empty-selection message, above the long definition

    # The definition in one line, always in view; its settings and the full explanation
    # fold away, so the figures and the map are on the first screen (at 1440x900 the
    # open settings took the whole screen).
    summary = st.empty()
    with st.expander(t("gap_definition_adjust"), icon=":material/tune:"):
        rules = gaps.rules_widgets()
        measures = gaps.scoped_measures(selection, rules)
        _definition(rules, measures, selection.filters.area)
    summary.markdown(f"**{t('definition')}:** {md(gaps.short_definition(rules))}")
    _hierarchy_help()

    if gaps.is_empty(measures):
        # Nothing to compare: a message, not "304 of 304 underserved".
        notice.warning(t("gaps_empty"), icon=":material/filter_alt_off:")
    else:
        areas = gaps.area_table(measures)
        _figures(measures, rules)
        _map(measures, rules)
        show = st.session_state.get("wv_toon") or "gaps"
        table = gaps.gap_table(measures, rules, show)
        _table(table, rules)
        st.subheader(t("areas_title"))
        st.caption(t("areas_intro"))
        st.dataframe(
            localised(areas, {t("t_population"): 0}),
            hide_index=True,
            width="stretch",
            height=min(420, 38 + 35 * max(len(areas), 1)),
        )
        _exports(measures, table, areas, rules)
        st.caption(md(t("credit")))
