"""Spreiding: the spread of each project (searchable table, partners on a map) and charts."""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import maps, vocabulary
from optil_geo._assets import use_local_assets
from ui import charts, data, mapview
from ui.layout import demo_banner, empty_selection, guard, localised, md, number
from ui.text import lang, t

_LEAD, _PARTNER, _BOTH, _OTHER = "lead", "partner", "both", "other"
_ROLE_COLOURS = {_LEAD: "#0c2c84", _BOTH: "#225ea8", _PARTNER: "#7fcdbb", _OTHER: "#f4f3ef"}


def _partner_names(links: pd.DataFrame) -> pd.Series:
    """All partner organisation names of a project in one lower-case string (for search)."""
    return (
        links.assign(_o=links["organisation"].astype(str).str.casefold())
        .groupby("project_id")["_o"]
        .agg(" | ".join)
    )


def _table(selection: data.Selection) -> pd.DataFrame:
    prj = selection.projects_table
    groups = prj["sector_groups"].map(
        lambda s: ", ".join(
            vocabulary.sector_group_label(g, cast(Any, lang())) for g in s.split(";") if g
        )
    )
    labels = og.class_labels(lang())
    out = pd.DataFrame(
        {
            "project_id": prj["project_id"],
            "title": prj["title"],
            "round": prj["round"],
            "lead_organisation": prj["lead_organisation"],
            "lead_name": prj["lead_name"],
            "partners": prj["partners"],
            "municipalities": prj["municipalities"],
            **{labels[c].capitalize(): prj[f"links_{c}"] for c in og.CLASSES if c != "unknown"},
            "share_lr": (100 * prj["share_local_regional"]).round(0),
            "max_km": prj["max_km"],
            "mean_km": prj["mean_km"],
            "refregs": prj["refregs_reached"],
            "provinces": prj["provinces_reached"],
            "sectors": groups,
        }
    )
    return out


def _search(table: pd.DataFrame, selection: data.Selection, query: str) -> pd.DataFrame:
    q = query.strip().casefold()
    if not q:
        return table
    names = _partner_names(selection.links).reindex(table["project_id"]).fillna("").to_numpy()
    haystack = (
        table[["project_id", "title", "lead_organisation", "lead_name"]]
        .astype(str)
        .agg(" | ".join, axis=1)
        .str.casefold()
        + " | "
        + names
    )
    return table[haystack.str.contains(q, regex=False).to_numpy()]


def _column_config() -> dict[str, Any]:
    cc = st.column_config
    return {
        "project_id": cc.TextColumn(t("c_id")),
        "title": cc.TextColumn(t("c_title"), width="medium"),
        "round": cc.TextColumn(t("c_round"), width="small"),
        "lead_organisation": cc.TextColumn(t("c_lead"), width="medium"),
        "lead_name": cc.TextColumn(t("c_lead_mun")),
        "partners": cc.NumberColumn(t("c_partners"), width="small"),
        "municipalities": cc.NumberColumn(t("c_municipalities"), width="small"),
        "share_lr": cc.ProgressColumn(
            t("c_share_lr"), help=t("c_share_lr_help"), format="%d%%", min_value=0, max_value=100
        ),
        "max_km": cc.NumberColumn(t("c_max_km")),
        "mean_km": cc.NumberColumn(t("c_mean_km")),
        "refregs": cc.NumberColumn(t("c_refregs"), help=t("c_refregs_help"), width="small"),
        "provinces": cc.NumberColumn(t("c_provinces"), width="small"),
        "sectors": cc.TextColumn(t("c_sectors")),
    }


def _project_map(selection: data.Selection, ref: og.Reference, project_id: str) -> None:
    links = selection.links[selection.links["project_id"] == project_id]
    project = selection.projects_table.set_index("project_id").loc[project_id].to_dict()
    lead = str(project["lead_nis"])
    partners = set(links["partner_nis"].astype(str)) - {""}
    roles = pd.Series(_PARTNER, index=sorted(partners), dtype=object)
    roles[lead] = _BOTH if lead in partners else _LEAD
    role_labels = {
        _LEAD: t("lead_here"),
        _BOTH: t("lead_and_partner"),
        _PARTNER: t("partner_here"),
        _OTHER: t("other_mun"),
    }

    def build() -> mapview.MapParts:
        area, _ = maps.category_layer(
            ref,
            roles,
            colours=_ROLE_COLOURS,
            labels=role_labels,
            title=t("role_map"),
            default=_OTHER,
            name=t("role_map"),
            legend=False,
            lang=lang(),
        )
        flows, summary = maps.flow_layer(
            links,
            ref,
            top_n=200,
            lang=lang(),
            legend=False,
            level="municipalities",
            focus=selection.filters.area,
        )
        base = use_local_assets(maps.base_map(ref, labels=False, lang=lang()))
        return mapview.MapParts(base, [area, flows], extra=summary)

    st.markdown(f"#### {md(project['title'])}")
    st.markdown(
        t(
            "facts",
            round=md(project["round"]),
            lead=md(project["lead_organisation"]),
            mun=md(project["lead_name"]),
            partners=number(float(project["partners"])),
            muns=number(float(project["municipalities"])),
            km=number(float(project["max_km"]), 1),
        )
    )
    left, right = st.columns([2.4, 1], gap="medium")
    with left:
        shown = mapview.show_map(
            "spreiding",
            cache_key=repr((mapview.selection_key(selection), project_id, lang())),
            build=build,
            title=t("map_frame_title", what=t("sp_map_what", title=project["title"])),
            height=420,
        )
        with st.expander(t("text_version"), icon=":material/table_rows:"):
            st.caption(t("text_version_caption"))
            st.dataframe(
                maps.text_alternative(shown.extra, ref, lang=lang()),
                hide_index=True,
                width="stretch",
            )
    with right:
        st.html(maps.flow_legend(shown.extra, lang=lang()).html())
        rows = [(c, role_labels[k]) for k, c in _ROLE_COLOURS.items() if k != _OTHER]
        swatches = "".join(
            f'<div><span style="display:inline-block;width:16px;height:11px;margin-right:6px;'
            f'border:1px solid #999;background:{c}"></span>{label}</div>'
            for c, label in rows
        )
        st.html(f'<div style="font:13px/1.5 system-ui,sans-serif;margin-top:8px">{swatches}</div>')
    labels = og.class_labels(lang())
    language = cast(Any, lang())
    partners_table = pd.DataFrame(
        {
            t("p_org"): links["organisation"],
            t("p_sector"): links["sector_code"].map(lambda c: vocabulary.sector_label(c, language)),
            t("p_role"): links["role_code"].map(lambda c: vocabulary.role_label(c, language)),
            t("p_place"): links["partner_name"].where(
                links["partner_name"].astype(str) != "", links["municipality"]
            ),
            t("p_class"): links["class"].map(labels),
            t("p_reason"): links["reason"],
            t("p_km"): links["distance_km"],
        }
    )
    st.dataframe(localised(partners_table), hide_index=True, width="stretch")


def _charts(selection: data.Selection) -> None:
    st.subheader(t("charts_title"))
    links = selection.links
    c1, c2 = st.columns(2, gap="large")
    with c1:
        st.markdown(f"**{t('ch_rounds')}**")
        share = st.toggle(t("ch_share"), key="spr_share")
        st.altair_chart(
            charts.links_per_round(links, lang=lang(), normalize=share), width="stretch"
        )
    with c2:
        st.markdown(f"**{t('ch_leave')}**")
        st.altair_chart(
            charts.classes_per_region(links, data.reference(), lang=lang()), width="stretch"
        )
        st.caption(t("ch_leave_caption"))
    st.markdown(f"**{t('ch_dist')}**")
    st.altair_chart(charts.distance_histogram(links, lang=lang()), width="stretch")
    st.caption(t("ch_dist_caption"))


with guard("spreiding"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_spread"))
    demo_banner(selection)
    st.caption(t("spread_intro"))
    if not empty_selection(selection, ref):
        table = _table(selection)
        query = st.text_input(
            t("search"), key="zoek", bind="query-params", placeholder=t("search_ph")
        )
        shown = _search(table, selection, query or "").reset_index(drop=True)
        st.caption(t("n_found", n=number(len(shown)), total=number(len(table))))
        if shown.empty:
            st.info(t("none_found", q=md(query)))
        # A new key when the rows change, so that a stale row selection never points
        # at another project.
        digest = hashlib.sha1(
            "\n".join(shown["project_id"].astype(str)).encode(), usedforsecurity=False
        ).hexdigest()[:10]
        event = st.dataframe(
            localised(shown),
            key=f"spr_tabel_{digest}",
            on_select="rerun",
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            height=360,
            column_config=_column_config(),
        )
        rows = list(event.selection.rows) if event is not None else []
        if rows and rows[0] < len(shown):
            _project_map(selection, ref, str(shown["project_id"].iat[rows[0]]))
        else:
            st.info(t("pick_hint"), icon=":material/touch_app:")
        _charts(selection)
