"""The shared sidebar: language, dataset, filters and rules, bound to the URL.

Every widget here has a short key and ``bind="query-params"``: its value lives
in the address bar, so a view can be bookmarked or shared, and it survives page
changes. Values that are not valid for the current dataset are ignored. The
dataset is the exception: ``?ds=`` holds its stable id, written by
:func:`ui.workspace.choose_dataset`, because a bound selectbox writes its label.
"""

from __future__ import annotations

from typing import Any, cast

import streamlit as st

import optil_geo as og
from optil_geo import vocabulary
from optil_geo.settings import SCHEMES
from ui import data, workspace
from ui.text import LANGS, lang, t

FOCUS_KINDS = ("none", "refreg", "province", "municipality")

_FILTER_KEYS = ("ronde", "sg", "sector", "rol", "dg", "klasse", "focus", "gebied")


_LABELLERS = {
    "sector": vocabulary.sector_label,
    "group": vocabulary.sector_group_label,
    "role": vocabulary.role_label,
    "target": vocabulary.target_group_label,
}


def _labels(kind: str, codes: list[str]) -> dict[str, str]:
    """Return code → label in the interface language."""
    label = _LABELLERS[kind]
    return {c: label(c, cast(Any, lang())) for c in codes}


def sidebar() -> data.Selection:
    """Render the shared sidebar and return the current selection."""
    with st.sidebar:
        st.segmented_control(
            t("language"),
            list(LANGS),
            format_func=lambda k: LANGS[k],
            key="lang",
            default="nl",
            bind="query-params",
            required=True,
        )
        workspace.access_panel()
        # ?ds= holds the dataset's id, not its label (see ui.workspace.choose_dataset).
        key = workspace.choose_dataset(data.dataset_options())
        workspace.dataset_caption(key)

        rules = _rules_widgets()
        base = data.analysis(key, rules)
        filters = _filter_widgets(base)
        st.caption(t("share_hint"))
        with st.expander(t("about_data")):
            st.markdown(t("about_text"))
            st.caption(t("credit"))
    return data.select(key, rules, filters)


def _rules_widgets() -> og.LinkRules:
    with st.sidebar.expander(t("rules")):
        scheme = st.selectbox(
            t("scheme"),
            SCHEMES,
            format_func=lambda s: t(f"scheme_{s}"),
            key="schema",
            bind="query-params",
        )
        neighbours = st.checkbox(t("neighbours_rule"), value=True, key="buren", bind="query-params")
        km = st.number_input(
            t("max_km"), min_value=0, max_value=100, value=0, step=5, key="km", bind="query-params"
        )
    return og.LinkRules(
        scheme=cast(Any, scheme or "referentieregio"),
        neighbours=bool(neighbours),
        max_km=float(km) if km else None,
    )


def _filter_widgets(base: data.Analysis) -> og.Filters:
    projects = base.data.projects
    codes = base.filter_codes
    ref = data.reference()
    st.subheader(t("filters"))
    class_labels = og.class_labels(lang())
    # The vocabulary's own order of the sector groups.
    group_codes = [g for g in og.load_vocabulary().groups if g in codes["group"]]
    # (URL key, label, option code -> shown text) per multi-select filter, in sidebar order.
    choices: list[tuple[str, str, dict[str, str]]] = [
        (
            "ronde",
            "rounds",
            {r: r for r in sorted({r for r in projects["round"].astype(str) if r})},
        ),
        ("sg", "sector_groups", _labels("group", group_codes)),
        ("sector", "sectors", _labels("sector", codes["sector"])),
        ("rol", "roles", _labels("role", codes["role"])),
        ("dg", "target_groups", _labels("target", codes["target"])),
        ("klasse", "classes", {c: class_labels[c] for c in og.CLASSES}),
    ]
    chosen: dict[str, tuple[str, ...] | None] = {}
    for key, label, options in choices:
        picked = st.multiselect(
            t(label),
            list(options),
            format_func=options.__getitem__,
            key=key,
            bind="query-params",
            placeholder=t("all"),
        )
        chosen[key] = tuple(picked) or None
    focus = st.selectbox(
        t("focus"),
        FOCUS_KINDS,
        format_func=lambda k: t(f"focus_{k}" if k != "refreg" else "focus_refreg"),
        key="focus",
        bind="query-params",
    )
    area: tuple[str, ...] | None = None
    m = ref.municipalities
    if focus == "refreg":
        regions = dict(
            sorted(zip(m["refreg_code"], m["refreg_name"], strict=True), key=lambda kv: kv[1])
        )
        code = st.selectbox(
            t("focus_refreg"),
            list(regions),
            format_func=lambda c: regions.get(c, c),
            key="gebied",
            bind="query-params",
        )
        area = tuple(m.loc[m["refreg_code"] == code, "nis"])
    elif focus == "province":
        provinces = dict(zip(m["province_code"], m["province_name"], strict=True))
        code = st.selectbox(
            t("focus_province"),
            list(provinces),
            format_func=lambda c: provinces.get(c, c),
            key="gebied",
            bind="query-params",
        )
        area = tuple(m.loc[m["province_code"] == code, "nis"])
    elif focus == "municipality":
        names = dict(sorted(zip(m["nis"], m["name_nl"], strict=True), key=lambda kv: kv[1]))
        code = st.selectbox(
            t("focus_municipality"),
            list(names),
            format_func=lambda c: names.get(c, c),
            key="gebied",
            bind="query-params",
        )
        area = (code,) if code else None
    if st.button(t("reset"), key="reset_filters"):
        for k in _FILTER_KEYS:
            st.session_state.pop(k, None)
        st.rerun()
    return og.Filters(
        rounds=chosen["ronde"],
        sector_groups=chosen["sg"],
        sectors=chosen["sector"],
        roles=chosen["rol"],
        target_groups=chosen["dg"],
        classes=chosen["klasse"],
        area=area,
    )
