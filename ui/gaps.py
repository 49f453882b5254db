"""Underserved municipalities (*witte vlekken*): the rules, their recomputation, the categories.

Shared by the pages Witte vlekken and Presentatie. The rules widgets are bound to
the URL, so a funder can share a link to exactly the definition used; a page
without the widgets reads the same keys from the session (or the defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

import optil_geo as og
from optil_geo.measures import INVOLVEMENT_METRICS
from ui import data
from ui.text import t

# Short URL keys: geen = no involvement, laag = lowest-share part on/off,
# aandeel = the share in percent, maat = the involvement metric.
KEY_NONE, KEY_LOW, KEY_SHARE, KEY_METRIC = "wv_geen", "wv_laag", "wv_aandeel", "wv_maat"
SHARE_RANGE = (10, 40)
"""The lowest share, in percent, a user can choose (0.1-0.4 of the 304 municipalities)."""

RURAL_GAP, GAP, SERVED, OUTSIDE = "rural_gap", "gap", "served", "outside"
CATEGORY_COLOURS = {RURAL_GAP: "#B2182B", GAP: "#F4A582", SERVED: "#E4ECF2"}
"""Fill per category: dark red stands out; light salmon and pale blue differ in lightness too."""
OUTSIDE_COLOUR = "#FFFFFF"
"""Municipalities outside the focus area: left white, only their borders drawn."""

METRICS = INVOLVEMENT_METRICS
"""The involvement measures a user can choose for the definition."""


def _metric_label(metric: str) -> str:
    return t(f"gap_metric_{metric}")


def rules_from_state(state: Mapping[str, Any]) -> og.UnderservedRules:
    """Return the underserved rules held in ``state`` (session state), defaults where absent.

    Values that are out of range (an edited URL) fall back to the default.
    """
    default = og.UnderservedRules()
    no_involvement = state.get(KEY_NONE, default.no_involvement)
    low = state.get(KEY_LOW, True)
    share = state.get(KEY_SHARE, round(100 * (default.lowest_share or 0.2)))
    metric = state.get(KEY_METRIC, default.metric)
    try:
        share_f = float(share)
    except (TypeError, ValueError):
        share_f = 100 * (default.lowest_share or 0.2)
    if not SHARE_RANGE[0] <= share_f <= SHARE_RANGE[1]:
        share_f = 100 * (default.lowest_share or 0.2)
    if metric not in METRICS:
        metric = default.metric
    return og.UnderservedRules(
        no_involvement=bool(no_involvement),
        lowest_share=round(share_f / 100, 4) if low else None,
        metric=str(metric),
    )


def rules_widgets() -> og.UnderservedRules:
    """Render the definition controls (bound to the URL) and return the chosen rules."""
    c1, c2, c3 = st.columns([1.2, 1.2, 1])
    c1.toggle(t("gap_none"), value=True, key=KEY_NONE, bind="query-params")
    low = c2.toggle(t("gap_low"), value=True, key=KEY_LOW, bind="query-params")
    c2.slider(
        t("gap_share"),
        SHARE_RANGE[0],
        SHARE_RANGE[1],
        20,
        step=5,
        format="%d%%",
        key=KEY_SHARE,
        bind="query-params",
        disabled=not low,
    )
    c3.selectbox(
        t("gap_metric"), METRICS, format_func=_metric_label, key=KEY_METRIC, bind="query-params"
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
    for key in (KEY_NONE, KEY_LOW):
        if params.get(key) in booleans:
            state[key] = booleans[str(params.get(key))]
    if KEY_SHARE in params:
        state[KEY_SHARE] = params.get(KEY_SHARE)
    if KEY_METRIC in params:
        # The URL holds the label the selectbox showed; map it back to the code.
        by_label = {_metric_label(m): m for m in METRICS}
        state[KEY_METRIC] = by_label.get(str(params.get(KEY_METRIC)), params.get(KEY_METRIC))
    session = st.session_state
    for key in (KEY_NONE, KEY_LOW, KEY_SHARE, KEY_METRIC):
        if key in session:
            state[key] = session[key]
    return rules_from_state(state)


def explain(rules: og.UnderservedRules, *, area_size: int | None = None) -> str:
    """Return the definition in plain language (Markdown), in the interface language.

    ``area_size``: the number of municipalities of the focus area the definition is
    applied within (``None``: all 304).
    """
    parts = []
    if rules.no_involvement:
        parts.append(t("gap_rule_none"))
    if rules.lowest_share is not None:
        scope = t("gap_scope_area", n=area_size) if area_size else t("gap_scope_all")
        parts.append(
            t(
                "gap_rule_low",
                pct=round(rules.lowest_share * 100),
                scope=scope,
                metric=_metric_label(rules.metric).lower(),
            )
        )
    if not parts:
        return t("gap_rule_off")
    return t("gap_rule_intro", rules=t("gap_rule_or").join(parts))


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


def measures(selection: data.Selection, rules: og.UnderservedRules) -> pd.DataFrame:
    """Return the 304 municipality measures of ``selection`` with ``rules`` for underserved."""
    if rules == og.UnderservedRules():
        return selection.municipalities  # computed with the default rules already
    # Only the two underserved columns depend on the rules.
    return og.flag_underserved(selection.municipalities, rules)


def flag_underserved(measures: pd.DataFrame, rules: og.UnderservedRules) -> pd.DataFrame:
    """Recompute ``underserved`` and its reason among the rows of ``measures`` only.

    :func:`optil_geo.flag_underserved` for a subset, e.g. the municipalities of a
    focus area, which the reason names.
    """
    return og.flag_underserved(measures, rules, scope=" van het focusgebied")


def area_rules(rules: og.UnderservedRules, area: tuple[str, ...] | None) -> og.UnderservedRules:
    """Return the rules as applied within ``area``: one municipality has no lowest share."""
    if area is not None and len(area) == 1 and rules.lowest_share is not None:
        return og.UnderservedRules(
            no_involvement=rules.no_involvement, lowest_share=None, metric=rules.metric
        )
    return rules


def scoped_measures(selection: data.Selection, rules: og.UnderservedRules) -> pd.DataFrame:
    """Return the measures the underserved views show: all 304, or the focus area's.

    With a focus area, everything outside it has no links by construction and would
    count as "no involvement"; so only the area's municipalities are kept and the
    underserved flags are recomputed among them (:func:`flag_underserved`).
    """
    area = selection.filters.area
    full = measures(selection, rules)
    if not area:
        return full
    inside = full[full["nis"].isin(area)].reset_index(drop=True)
    return flag_underserved(inside, area_rules(rules, area))


SHOW = ("gaps", "rural", "all")
"""What the table lists: all underserved, the rural underserved only, or all 304."""


def gap_table(measures: pd.DataFrame, rules: og.UnderservedRules, show: str) -> pd.DataFrame:
    """Return the page's table for ``show`` (see :data:`SHOW`), rural underserved first.

    Within a category the lowest involvement per 10,000 inhabitants comes first,
    then the larger population.
    """
    cats = categories(measures).to_numpy()
    labels = category_labels()
    metric = rules.metric
    table = pd.DataFrame(
        {
            "nis": measures["nis"],
            "name": measures["name_nl"],
            "category": [labels[c] for c in cats],
            "province": measures["province_name"],
            "refreg": measures["refreg_name"],
            "population": measures["population"],
            "hierarchy": measures["hierarchy_code"],
            "hierarchy_label": measures["hierarchy_label"],
            "rural": measures["is_rural"].astype(bool),
            "underserved": measures["underserved"].astype(bool),
            "value": measures[metric],
            "per_10k": measures[f"{metric}_per_10k"],
            "rounds": measures["rounds"],
            "reason": measures["underserved_reason"],
            "_order": pd.Series(cats).map({RURAL_GAP: 0, GAP: 1, SERVED: 2}).to_numpy(),
        }
    )
    if show == "gaps":
        table = table[table["underserved"]]
    elif show == "rural":
        table = table[table["underserved"] & table["rural"]]
    table = table.sort_values(["_order", "per_10k", "population"], ascending=[True, True, False])
    return table.drop(columns="_order").reset_index(drop=True)
