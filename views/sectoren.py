"""Sectoren & doelgroepen: which sectors partner from where, and which target groups where."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import vocabulary
from ui import charts, data
from ui.layout import demo_banner, guard, localised
from ui.text import lang, t


def _group_order() -> list[str]:
    return [vocabulary.sector_group_label(g, cast(Any, lang())) for g in charts.SECTOR_GROUPS]


def _pivot(frame: pd.DataFrame, rows: str, cols: str, value: str) -> pd.DataFrame:
    """A table of ``value`` by ``rows`` × ``cols``, its row header worded (the region)."""
    table = frame.pivot_table(index=rows, columns=cols, values=value, aggfunc="sum", fill_value=0)
    table.index.name = t("ax_region")
    table.columns.name = None
    return table


with guard("sectoren"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_sectors"))
    demo_banner(selection)
    st.caption(t("sectors_intro"))
    links = selection.links
    if selection.projects.empty:
        st.warning(t("no_data_selection"))
    else:
        c1, c2, c3 = st.columns(3)
        share = (
            c1.segmented_control(
                t("values"),
                ("count", "share"),
                format_func=lambda v: t(f"v_{v}"),
                default="count",
                required=True,
                key="sd_waarden",
                bind="query-params",
            )
            == "share"
        )
        side = c2.segmented_control(
            t("side"),
            ("lead", "partner"),
            format_func=lambda v: t(f"side_{v}"),
            default="lead",
            required=True,
            key="sd_van",
            bind="query-params",
        )
        level = c3.segmented_control(
            t("level"),
            ("province", "refreg"),
            format_func=lambda v: t(f"level_{v}"),
            default="province",
            required=True,
            key="sd_niveau",
            bind="query-params",
        )
        value = "share" if share else "links"
        value_title = t("ax_share") if share else t("ax_links")
        class_labels = og.class_labels(lang())
        class_order = [class_labels[c] for c in og.CLASSES]

        if links.empty:
            st.info(t("no_partners"))
        else:
            st.subheader(t("h_sector_class"))
            sc = charts.sector_class_data(links, lang=lang())
            st.altair_chart(
                charts.heatmap(
                    sc,
                    row="sectorgroep",
                    column="soort",
                    value=value,
                    row_title=t("ax_group"),
                    column_title=t("ax_kind"),
                    value_title=value_title,
                    row_order=_group_order(),
                    column_order=class_order,
                    percent=share,
                    lang=lang(),
                ),
                width="stretch",
            )
            st.caption(t("h_sector_class_caption"))

            st.subheader(t("h_sector_region"))
            sr = charts.sector_region_data(
                links, ref, side=side or "lead", level=level or "province", lang=lang()
            )
            region_order = (
                sr.groupby("region")["links"].sum().sort_values(ascending=False).index.tolist()
            )
            st.altair_chart(
                charts.heatmap(
                    sr,
                    row="region",
                    column="sectorgroep",
                    value=value,
                    row_title=t("ax_region"),
                    column_title=t("ax_group"),
                    value_title=value_title,
                    row_order=region_order,
                    column_order=_group_order(),
                    percent=share,
                    lang=lang(),
                ),
                width="stretch",
            )
            st.caption(t("h_sector_region_caption", side=t(f"side_{side or 'lead'}")))
            with st.expander(t("as_table")):
                st.dataframe(
                    localised(_pivot(sr, "region", "sectorgroep", "links")), width="stretch"
                )

        st.subheader(t("h_targets"))
        tg = charts.target_region_data(selection.projects, ref, lang=lang())
        if tg.empty:
            st.info(t("no_targets"))
        else:
            target_order = (
                tg.groupby("doelgroep")["projects"].sum().sort_values(ascending=False).index
            ).tolist()
            st.altair_chart(
                charts.heatmap(
                    tg,
                    row="region",
                    column="doelgroep",
                    value="share" if share else "projects",
                    row_title=t("ax_region"),
                    column_title=t("ax_target"),
                    value_title=t("ax_share") if share else t("ax_projects"),
                    row_order=sorted(tg["region"].unique()),
                    column_order=target_order,
                    percent=share,
                    label_angle=-35,
                    lang=lang(),
                ),
                width="stretch",
            )
            st.caption(t("h_targets_caption"))
            with st.expander(t("as_table")):
                st.dataframe(
                    localised(_pivot(tg, "region", "doelgroep", "projects")), width="stretch"
                )
