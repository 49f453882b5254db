"""Kaart: the interactive partnership map with a detail panel per municipality."""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import optil_geo as og
from optil_geo import maps
from optil_geo._assets import use_local_assets
from optil_geo.measures import INVOLVEMENT_METRICS as METRICS
from ui import data, mapview
from ui.exports import export_panel
from ui.layout import class_explainer, demo_banner, guard, md, number
from ui.text import lang, t


def _controls() -> tuple[str, bool, str, int, bool, int, str]:
    c1, c2, c3, c4, _c5 = st.columns([1.3, 1, 1.3, 1.7, 0.7])
    metric = c1.selectbox(
        t("metric"), METRICS, format_func=lambda m: t(f"m_{m}"), key="maat", bind="query-params"
    )
    per10k = c1.toggle(t("per_10k"), key="p10k", bind="query-params")
    scheme = c2.selectbox(
        t("breaks"),
        list(maps.CLASSIFIERS),
        format_func=lambda c: maps.classifier_label(c, lang()),
        key="breaks",
        bind="query-params",
    )
    k = c2.slider(t("n_classes"), 3, 7, 5, key="k", bind="query-params")
    flows = c3.toggle(t("show_flows"), value=True, key="flows", bind="query-params")
    top_n = c3.slider(
        t("top_n"), 10, 600, 120, step=10, key="topn", bind="query-params", disabled=not flows
    )
    tiles = c4.selectbox(
        t("background"),
        list(maps.TILE_CHOICES),
        format_func=lambda k: maps.tile_label(k, lang()),
        key="tiles",
        bind="query-params",
    )
    return (
        metric or METRICS[0],
        bool(per10k),
        scheme or "quantiles",
        int(k),
        bool(flows),
        int(top_n),
        tiles or "none",
    )


def _outside_box(summary: maps.FlowSummary, *, flows_shown: bool) -> None:
    st.markdown(f"**{t('outside')}**")
    rows = [
        (t("wallonia"), summary.wallonia, summary.wallonia_places),
        (t("abroad"), summary.abroad, summary.abroad_places),
        (t("unknown_loc"), summary.unknown, {}),
    ]
    for label, count, places in rows:
        detail = ", ".join(f"{md(p)} ({n})" for p, n in list(places.items())[:6])
        st.markdown(f"- {label}: **{number(count)}**" + (f" — {detail}" if detail else ""))
    if summary.pairs_hidden:
        st.caption(
            t(
                "hidden",
                shown=summary.pairs_shown,
                total=summary.pairs_total,
                hidden=number(summary.links_hidden),
            )
        )
    if flows_shown:
        st.caption(t("local_rings"))


def _detail(selection: data.Selection, ref: og.Reference, nis: str) -> None:
    m = ref.municipalities.set_index("nis")
    if nis not in m.index:
        return
    row = m.loc[nis]
    labels = og.class_labels(lang())
    st.subheader(str(row["name_nl"]))
    st.markdown(
        f"{t('region')}: **{md(row['refreg_name'])}** · {t('province')}: {md(row['province_name'])}  \n"
        f"{t('population')}: {number(row['population'])} · {t('hierarchy')}: "
        f"{md(row['hierarchy_code'])} ({md(row['hierarchy_label'])})"
    )
    neighbours = (
        ", ".join(sorted(m.loc[list(row["neighbours"]), "name_nl"])) if row["neighbours"] else "–"
    )
    st.markdown(f"{t('neighbours')}: {md(neighbours)}")

    mm = selection.municipalities.set_index("nis").loc[nis].to_dict()
    st.markdown(f"**{t('links_per_class')}**")
    per_class = pd.DataFrame(
        {
            "": [labels[c] for c in og.CLASSES],
            t("out"): [int(mm[f"links_out_{c}"]) for c in og.CLASSES],
            t("in"): [int(mm[f"links_in_{c}"]) for c in og.CLASSES],
        }
    )
    st.dataframe(per_class, hide_index=True, width="stretch")

    links = selection.links
    led = selection.projects[selection.projects["lead_nis"] == nis]
    st.markdown(f"**{t('led_here')}** ({len(led)})")
    if led.empty:
        st.caption(t("none_here"))
    else:
        st.dataframe(
            led[["project_id", "title", "round", "lead_organisation"]],
            hide_index=True,
            width="stretch",
        )
    located = links[links["partner_nis"] == nis]
    st.markdown(f"**{t('partners_here')}** ({len(located)})")
    if located.empty:
        st.caption(t("none_here"))
    else:
        shown = located.assign(soort=located["class"].map(labels))
        st.dataframe(
            shown[["organisation", "project_id", "lead_name", "soort", "reason"]],
            hide_index=True,
            width="stretch",
        )
    out = links[links["lead_nis"] == nis]
    st.markdown(f"**{t('links_out')}** ({len(out)})")
    if out.empty:
        st.caption(t("none_here"))
    else:
        shown = out.assign(soort=out["class"].map(labels))
        st.dataframe(
            shown[["project_id", "organisation", "partner_name", "soort", "reason"]],
            hide_index=True,
            width="stretch",
        )


with guard("kaart"):
    selection = data.current()
    ref = data.reference()
    st.title(t("page_map"))
    demo_banner(selection)
    class_explainer()
    metric, per10k, scheme, k, show_flows, top_n, tiles = _controls()

    column = f"{metric}_per_10k" if per10k else metric
    values = selection.municipalities.set_index("nis")[column]
    title = t(f"m_{metric}") + (f" {t('per_10k')}" if per10k else "")
    choropleth, _legend = maps.choropleth_layer(
        ref, values, title=title, scheme=scheme, k=k, decimals=2 if per10k else 0, lang=lang()
    )
    # The flows are built only when shown; the side box's counts are cheap either way.
    if show_flows:
        flows, summary = maps.flow_layer(
            selection.links, ref, top_n=top_n, lang=lang(), legend=False
        )
        layers = [choropleth, flows]
    else:
        summary, layers = mapview.outside_summary(selection.links), [choropleth]

    left, right = st.columns([3.2, 1], gap="medium")
    with left:
        result = st_folium(
            use_local_assets(maps.base_map(ref, tiles=tiles)),
            key="kaart",
            height=560,
            use_container_width=True,
            feature_group_to_add=layers,
            layer_control=folium.LayerControl(collapsed=True),
            # The click counter changes on every click, also a second click on the same
            # municipality (after another was chosen in the list below).
            returned_objects=["last_active_drawing", "last_object_clicked_count"],
        )
    seen, clicked = mapview.clicked_municipality(result, st.session_state.get("kaart_click"))
    st.session_state["kaart_click"] = seen
    if clicked:
        st.session_state["gemeente"] = clicked
    with right:
        if show_flows:
            st.html(maps.flow_legend(summary, lang=lang()).html())
        _outside_box(summary, flows_shown=show_flows)
        st.caption(t("click_hint"))
        names = dict(
            sorted(
                zip(ref.municipalities["nis"], ref.municipalities["name_nl"], strict=True),
                key=lambda kv: kv[1],
            )
        )
        chosen = st.selectbox(
            t("choose_municipality"),
            ["", *list(names)],
            format_func=lambda n: names.get(n, "—"),
            key="gemeente",
            bind="query-params",
        )
        if chosen:
            _detail(selection, ref, chosen)
    export_panel(
        selection,
        values=values,
        title=title,
        scheme=scheme,
        k=k,
        decimals=2 if per10k else 0,
        flows=selection.links if show_flows else None,
        top_n=top_n,
        key="kaart_exp",
    )
