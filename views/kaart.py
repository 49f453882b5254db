"""Kaart: the interactive partnership map, with the details of a municipality beside it.

Layout for a laptop screen (1440×900): the main settings and a search box in
one row above the map, the map on the left, and on the right a panel of fixed
height that shows either the legend and the partners without a line, or the
details of the chosen municipality (click on the map or search). Below the
map: the partners across the focus area's border, the text version of the map,
the exports.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets
from optil_geo.measures import INVOLVEMENT_METRICS as METRICS
from ui import data, mapview
from ui.exports import export_panel
from ui.layout import (
    class_explainer,
    compact_top,
    demo_banner,
    empty_selection,
    guard,
    html_text,
    md,
    number,
)
from ui.text import lang, t

MAP_HEIGHT = 540
CLICK_KEY = "kaart_click"
CHOICE_KEY = "gemeente"


def _controls() -> tuple[str, bool, str, int, bool, int, str]:
    c1, c2, c3, c4 = st.columns([1.15, 1.1, 1.15, 1.5], vertical_alignment="bottom")
    metric = c1.selectbox(
        t("metric"), METRICS, format_func=lambda m: t(f"m_{m}"), key="maat", bind="query-params"
    )
    scheme = c2.selectbox(
        t("breaks"),
        list(maps.CLASSIFIERS),
        format_func=lambda c: maps.classifier_label(c, lang()),
        key="breaks",
        bind="query-params",
    )
    with c3.popover(t("map_settings"), icon=":material/tune:", width="stretch"):
        per10k = st.toggle(t("per_10k"), key="p10k", bind="query-params")
        k = st.slider(t("n_classes"), 3, 7, 5, key="k", bind="query-params")
        flows = st.toggle(t("show_flows"), value=True, key="flows", bind="query-params")
        top_n = st.slider(
            t("top_n"), 10, 600, 120, step=10, key="topn", bind="query-params", disabled=not flows
        )
        tiles = st.selectbox(
            t("background"),
            list(maps.TILE_CHOICES),
            format_func=lambda k: maps.tile_label(k, lang()),
            key="tiles",
            bind="query-params",
        )
    with c4:
        _search_box()
    return (
        metric or METRICS[0],
        bool(per10k),
        scheme or "quantiles",
        int(k),
        bool(flows),
        int(top_n),
        tiles or "none",
    )


def _search_box() -> None:
    """The municipality search above the map; a click on the map sets the same value."""
    m = data.reference().municipalities
    names = dict(sorted(zip(m["nis"], m["name_nl"], strict=True), key=lambda kv: kv[1]))
    st.selectbox(
        t("search_municipality"),
        ["", *names],
        format_func=lambda n: names.get(n, ""),
        key=CHOICE_KEY,
        bind="query-params",
        placeholder=t("search_placeholder"),
    )


def _on_map_change(value: dict[str, Any]) -> None:
    """A click on the map chooses its municipality (before the search box is drawn).

    A click on empty map space (the sea, Wallonia) closes the details, as the
    browser already dropped the highlight of the chosen municipality's flows.
    """
    if mapview.clicked_empty_space(value):
        st.session_state[CHOICE_KEY] = ""
        return
    seen, clicked = mapview.clicked_municipality(value, st.session_state.get(CLICK_KEY))
    st.session_state[CLICK_KEY] = seen
    if clicked:
        st.session_state[CHOICE_KEY] = clicked


def _close_details() -> None:
    st.session_state[CHOICE_KEY] = ""


def _outside_note(summary: maps.FlowSummary, *, flows_shown: bool) -> str:
    """How the map shows the partners outside Flanders and Brussels, at the level drawn."""
    if not flows_shown:
        return t("kaart_outside_no_flows")
    return t(f"kaart_outside_{summary.level}")


def _outside_box(summary: maps.FlowSummary, *, flows_shown: bool) -> None:
    """Where the partners are that no municipality on the map stands for, and their lines.

    At the overview (regions) Walloon and foreign partners have lines (to the Walloon
    provinces and the countries); zoomed in to municipalities they have none. Partners
    of unknown location never have one.
    """
    st.markdown(f"**{t('kaart_outside_title')}**")
    for label, count, places in (
        (t("wallonia"), summary.wallonia, summary.wallonia_places),
        (t("abroad"), summary.abroad, summary.abroad_places),
    ):
        # Abroad the country is named in the interface language (the data has it in Dutch).
        detail = ", ".join(
            f"{md(og.abroad_place_label(p, lang()))} ({n})" for p, n in list(places.items())[:6]
        )
        st.markdown(f"- {label}: **{number(count)}**" + (f" — {detail}" if detail else ""))
    st.caption(_outside_note(summary, flows_shown=flows_shown))
    st.markdown(f"- {t('kaart_unknown_line')}: **{number(summary.unknown)}**")
    if summary.pairs_hidden:
        # At the overview the lines run between regions; the limit is on the
        # municipality lines, seen once zoomed in.
        st.caption(
            t(
                "kaart_hidden_auto" if summary.level == "auto" else "hidden",
                shown=summary.pairs_shown,
                total=summary.pairs_total,
                hidden=number(summary.links_hidden),
            )
        )
    if flows_shown:
        st.caption(t("local_rings"))


def _class_table(mm: dict[Any, Any]) -> str:
    """Links per class in and out, as a small HTML table that wraps instead of cutting off."""
    labels = og.class_labels(lang())
    head = "".join(f"<th>{html_text(h)}</th>" for h in (t("d_kind"), t("d_out"), t("d_in")))
    body = []
    total_out = total_in = 0
    for c in og.CLASSES:
        out, inn = int(mm[f"links_out_{c}"]), int(mm[f"links_in_{c}"])
        total_out, total_in = total_out + out, total_in + inn
        body.append(
            f"<tr><td>{html_text(labels[c])}</td><td>{number(out)}</td><td>{number(inn)}</td></tr>"
        )
    body.append(
        f"<tr class='og-total'><td>{html_text(t('d_total'))}</td>"
        f"<td>{number(total_out)}</td><td>{number(total_in)}</td></tr>"
    )
    return (
        "<table class='og-classes'><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _comparison_table(selection: data.Selection, nis: str) -> str:
    """Projects involved per 10,000 inhabitants next to like-for-like averages."""
    rows = og.municipality_comparison(selection.municipalities, nis)
    body = []
    for level, name, per_10k in rows[["level", "name", "per_10k"]].itertuples(index=False):
        label = t(f"uw_level_{level}")
        if level == "refreg":
            label = f"{label} {name}"
        elif level == "hierarchy":
            label = f"{label} ({t(f'hier_{name}')})"
        body.append(f"<tr><td>{html_text(label)}</td><td>{number(per_10k, 1)}</td></tr>")
    head = f"<th>{html_text(t('d_compare_group'))}</th><th>{html_text(t('d_per_10k'))}</th>"
    return (
        "<table class='og-classes'><thead><tr>"
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def _list(items: list[str], limit: int = 60) -> None:
    """A plain bulleted list (already escaped HTML items), cut at ``limit`` with a note."""
    shown = "".join(f"<li>{item}</li>" for item in items[:limit])
    more = (
        f"<div class='og-more'>{html_text(t('d_more', n=number(len(items) - limit)))}</div>"
        if len(items) > limit
        else ""
    )
    st.html(f"<ul class='og-list'>{shown}</ul>{more}")


def _detail(selection: data.Selection, ref: og.Reference, nis: str) -> None:
    m = ref.municipalities.set_index("nis")
    if nis not in m.index:
        return
    row = m.loc[nis]
    labels = og.class_labels(lang())
    head, close = st.columns([2.2, 1], vertical_alignment="center")
    head.subheader(str(row["name_nl"]), anchor=False)
    close.button(
        t("details_back"),
        key="kaart_close",
        icon=":material/close:",
        on_click=_close_details,
        type="tertiary",
    )
    st.markdown(
        f"{t('region')}: **{md(row['refreg_name'])}** · {t('province')}: {md(row['province_name'])}  \n"
        f"{t('population')}: {number(row['population'])} · {t('hierarchy')}: "
        f"{md(row['hierarchy_code'])} ({md(t('hier_' + str(row['hierarchy_code'])))})"
    )
    neighbours = (
        ", ".join(sorted(m.loc[list(row["neighbours"]), "name_nl"])) if row["neighbours"] else "–"
    )
    st.markdown(f"{t('neighbours')}: {md(neighbours)}")
    mm = selection.municipalities.set_index("nis").loc[nis].to_dict()
    st.markdown(
        t(
            "d_facts",
            led=number(mm["projects_led"]),
            located=number(mm["partners_located"]),
            involved=number(mm["projects_involved"]),
        )
    )
    st.markdown(f"**{t('links_per_class')}**")
    st.html(_class_table(mm))
    st.caption(t("d_out_in"))
    st.markdown(f"**{t('d_compare')}**")
    st.html(_comparison_table(selection, nis))

    links = selection.links
    led = selection.projects[selection.projects["lead_nis"] == nis]
    st.markdown(f"**{t('led_here')}** ({number(len(led))})")
    if led.empty:
        st.caption(t("none_here"))
    else:
        _list(
            [
                f"<b>{html_text(r.title)}</b> · {html_text(r.round)} · "
                f"{html_text(r.lead_organisation)}"
                for r in led.itertuples(index=False)
            ]
        )
    located = links[links["partner_nis"] == nis]
    st.markdown(f"**{t('partners_here')}** ({number(len(located))})")
    if located.empty:
        st.caption(t("none_here"))
    else:
        _list(
            [
                html_text(t("d_partner_line", org=org, lead=lead)) + f" · {html_text(labels[c])}"
                for org, lead, c in zip(
                    located["organisation"], located["lead_name"], located["class"], strict=True
                )
            ]
        )
    out = links[links["lead_nis"] == nis]
    st.markdown(f"**{t('links_out')}** ({number(len(out))})")
    if out.empty:
        st.caption(t("none_here"))
    else:
        place = (
            out["partner_name"]
            .astype(str)
            .where(out["partner_name"].astype(str) != "", t("unknown_loc"))
        )
        grouped = (
            pd.DataFrame({"place": place, "class": out["class"].map(labels)})
            .value_counts()
            .reset_index(name="n")
        )
        _list(
            [
                f"{html_text(p)}: {html_text(t('d_with', n=int(n)))} · {html_text(c)}"
                for p, c, n in grouped.itertuples(index=False)
            ]
        )


def _focus_table(selection: data.Selection, ref: og.Reference) -> None:
    area = selection.filters.area
    if not area:
        return
    st.subheader(t("fa_title"), anchor=False)
    table = mapview.outside_partners_table(selection.links, ref, area, lang())
    if table.empty:
        st.caption(t("fa_none"))
        return
    number_column = st.column_config.NumberColumn
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "region": st.column_config.TextColumn(t("fa_region")),
            "links_out": number_column(t("fa_links_out")),
            "projects_out": number_column(t("fa_projects_out")),
            "links_in": number_column(t("fa_links_in")),
            "projects_in": number_column(t("fa_projects_in")),
        },
    )
    st.caption(t("fa_caption"))


def _text_version(
    summary: maps.FlowSummary, values: pd.Series, title: str, decimals: int, *, show_flows: bool
) -> None:
    """What the map draws, as tables: the lines (when drawn) and the values per municipality.

    Built only while the expander is open (it reruns the page when opened): closed,
    it costs neither the server nor the browser two tables on every map change.
    """
    box = st.expander(
        t("text_version"), icon=":material/table_rows:", key="kaart_text", on_change="rerun"
    )
    if not box.open:
        return
    with box:
        st.caption(t("text_version_caption"))
        if show_flows:
            st.dataframe(
                maps.text_alternative(summary, data.reference(), lang=lang()),
                hide_index=True,
                width="stretch",
                height=240,
            )
        st.dataframe(
            mapview.values_table(values, data.reference(), title=title, decimals=decimals),
            hide_index=True,
            width="stretch",
            height=240,
        )


_CSS = (
    mapview.STRIP_CSS
    + """
[data-testid='stMainBlockContainer'] { padding-left: 2.5rem !important; padding-right: 2.5rem !important; }
.st-key-kaart_details p, .st-key-kaart_details li { font-size: .92rem; }
.st-key-kaart_details h3 { font-size: 1.35rem; padding: .2rem 0; }
.og-classes { border-collapse: collapse; width: 100%; font-size: .92rem; }
.og-classes th, .og-classes td { padding: .15rem .4rem; border-bottom: 1px solid #e6e6e6;
  text-align: right; vertical-align: bottom; }
.og-classes th:first-child, .og-classes td:first-child { text-align: left; }
.og-classes th { font-weight: 600; color: #333; }
.og-classes .og-total td { font-weight: 600; border-bottom: none; }
.og-list { margin: 0 0 .3rem 1.1rem; padding: 0; font-size: .92rem; line-height: 1.35; }
.og-list li { margin: 0 0 .2rem; }
.og-more { color: #666; font-size: .85rem; }
"""
)


with guard("kaart"):
    selection = data.current()
    ref = data.reference()
    compact_top()
    st.html(f"<style>{_CSS}</style>")
    st.title(t("page_map"), anchor=False)
    demo_banner(selection)
    class_explainer()
    if not empty_selection(selection, ref):
        metric, per10k, scheme, k, show_flows, top_n, tiles = _controls()
        chosen = str(st.session_state.get(CHOICE_KEY) or "")
        column = f"{metric}_per_10k" if per10k else metric
        values = selection.municipalities.set_index("nis")[column]
        title = t(f"m_{metric}") + (f" {t('per_10k')}" if per10k else "")
        decimals = 2 if per10k else 0

        area = selection.filters.area

        def build() -> mapview.MapParts:
            choropleth, _ = maps.choropleth_layer(
                ref,
                values,
                title=title,
                scheme=scheme,
                k=k,
                decimals=decimals,
                lang=lang(),
                neutral=show_flows,  # the fill steps back when lines are drawn over it
                focus=area,
            )
            layers = [choropleth]
            if show_flows:
                flows, summary = maps.flow_layer(
                    selection.links,
                    ref,
                    top_n=top_n,
                    lang=lang(),
                    legend=False,
                    focus=area,
                    selected=chosen or None,
                )
                layers.append(flows)
            else:
                summary = mapview.outside_summary(selection.links)
            base = use_local_assets(maps.base_map(ref, tiles=tiles, lang=lang()))
            return mapview.MapParts(
                base,
                layers,
                folium.LayerControl(collapsed=True),
                summary,
                base_key=repr((tiles, lang())),  # what base_map above depends on
            )

        map_col, panel = st.columns([1.75, 1], gap="medium")
        details = panel.container(height=MAP_HEIGHT, key="kaart_details", border=True)
        if chosen:
            # Before the map: the details reach the browser while the map is being built.
            with details:
                _detail(selection, ref, chosen)
        with map_col:
            shown = mapview.show_map(
                "kaart",
                cache_key=repr(
                    (
                        mapview.selection_key(selection),
                        metric,
                        per10k,
                        scheme,
                        k,
                        show_flows,
                        top_n,
                        tiles,
                        lang(),
                        chosen,
                    )
                ),
                build=build,
                title=t("map_frame_title", what=t("map_frame_what", measure=title)),
                height=MAP_HEIGHT,
                returned_objects=[
                    "last_active_drawing",
                    "last_object_clicked_count",
                    "last_clicked",
                    "last_object_clicked",
                ],
                on_change=_on_map_change,
            )
            summary: maps.FlowSummary = shown.extra
            if show_flows:
                st.html(mapview.legend_strip(maps.flow_legend(summary, lang=lang())))
            _text_version(summary, values, title, decimals, show_flows=show_flows)
        if not chosen:
            with details:
                st.caption(t("click_hint"))
                _outside_box(summary, flows_shown=show_flows)
        _focus_table(selection, ref)
        export_panel(
            selection,
            values=values,
            title=title,
            scheme=scheme,
            k=k,
            decimals=decimals,
            flows=selection.links if show_flows else None,
            top_n=top_n,
            key="kaart_exp",
        )
