"""Sectoren & doelgroepen: which sectors partner from where, and which target groups where."""

from __future__ import annotations

from typing import Any, cast

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import vocabulary
from ui import charts, data
from ui.layout import demo_banner, guard
from ui.text import add, lang, t

add(
    {
        "sectors_intro": {
            "nl": "Uit welke sectoren komen de partners, van hoe ver, en vanuit welke regio? "
            "En welke doelgroepen zoeken de projecten in elke regio? Alle cijfers volgen de "
            "filters in de zijbalk.",
            "en": "Which sectors do the partners come from, how far, and from which region? And "
            "which target groups do the projects seek in each region? All figures follow the "
            "filters in the sidebar.",
        },
        "values": {"nl": "Waarden", "en": "Values"},
        "v_count": {"nl": "aantallen", "en": "counts"},
        "v_share": {"nl": "aandeel per rij", "en": "share per row"},
        "side": {"nl": "Regio van", "en": "Region of"},
        "side_lead": {"nl": "de aanvrager", "en": "the lead"},
        "side_partner": {"nl": "de partner", "en": "the partner"},
        "level": {"nl": "Niveau", "en": "Level"},
        "level_province": {"nl": "provincie", "en": "province"},
        "level_refreg": {"nl": "referentieregio", "en": "reference region"},
        "h_sector_class": {
            "nl": "Uit welke sector komen de partners, en hoe ver weg?",
            "en": "Which sector do the partners come from, and how far away?",
        },
        "h_sector_class_caption": {
            "nl": "Links per sectorgroep van de partner en soort samenwerking. Bij 'aandeel per "
            "rij' tellen de soorten per sectorgroep op tot 100%.",
            "en": "Links per sector group of the partner and kind of link. With 'share per row' "
            "the kinds add up to 100% per sector group.",
        },
        "h_sector_region": {
            "nl": "Welke sectoren werken mee, vanuit welke regio?",
            "en": "Which sectors take part, from which region?",
        },
        "h_sector_region_caption": {
            "nl": "Links per regio van {side} en sectorgroep van de partner.",
            "en": "Links per region of {side} and sector group of the partner.",
        },
        "h_targets": {
            "nl": "Doelgroepen per referentieregio van de aanvrager",
            "en": "Target groups per reference region of the lead",
        },
        "h_targets_caption": {
            "nl": "Aantal projecten dat de doelgroep noemt; een project met meerdere doelgroepen "
            "telt bij elk. Bij 'aandeel per rij': deel van de projecten van die regio.",
            "en": "Number of projects naming the target group; a project with several target "
            "groups counts for each. With 'share per row': part of that region's projects.",
        },
        "ax_group": {"nl": "Sectorgroep (partner)", "en": "Sector group (partner)"},
        "ax_kind": {"nl": "Soort samenwerking", "en": "Kind of link"},
        "ax_region": {"nl": "Regio", "en": "Region"},
        "ax_target": {"nl": "Doelgroep", "en": "Target group"},
        "ax_links": {"nl": "Links", "en": "Links"},
        "ax_projects": {"nl": "Projecten", "en": "Projects"},
        "ax_share": {"nl": "Aandeel", "en": "Share"},
        "as_table": {"nl": "Als tabel", "en": "As a table"},
        "no_partners": {
            "nl": "Geen partners in deze selectie: de projecten hebben (nog) geen partnerrijen, "
            "dus er zijn geen sectoren of samenwerkingen te tonen.",
            "en": "No partners in this selection: the projects have no partner rows (yet), so "
            "there are no sectors or links to show.",
        },
        "no_targets": {
            "nl": "Geen doelgroepen ingevuld in deze selectie.",
            "en": "No target groups filled in for this selection.",
        },
    }
)


def _group_order() -> list[str]:
    return [vocabulary.sector_group_label(g, cast(Any, lang())) for g in charts.SECTOR_GROUPS]


def _pivot(frame: pd.DataFrame, rows: str, cols: str, value: str) -> pd.DataFrame:
    return frame.pivot_table(index=rows, columns=cols, values=value, aggfunc="sum", fill_value=0)


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
        class_labels = og.CLASS_LABELS[lang()]
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
                ),
                width="stretch",
            )
            st.caption(t("h_sector_region_caption", side=t(f"side_{side or 'lead'}")))
            with st.expander(t("as_table")):
                st.dataframe(_pivot(sr, "region", "sectorgroep", "links"), width="stretch")

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
                ),
                width="stretch",
            )
            st.caption(t("h_targets_caption"))
            with st.expander(t("as_table")):
                st.dataframe(_pivot(tg, "region", "doelgroep", "projects"), width="stretch")
