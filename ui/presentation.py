"""The presentation's steps: what each shows (map values, flows, at most three figures).

No rendering here: :func:`step_content` returns plain data, so the sequence can be
tested without a browser; ``views/presentatie.py`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import optil_geo as og
from optil_geo.classify import urban_municipalities
from ui import gaps
from ui.data import Selection
from ui.figures import key_figures
from ui.layout import number, percent
from ui.text import t

STEPS = (1, 2, 3, 4, 5)
"""The fixed sequence: overview, local-regional, supra-regional, urban, underserved."""

STEP_KEYS = {1: "overview", 2: "local_regional", 3: "supra_regional", 4: "urban", 5: "gaps"}
STEP_CLASSES: dict[int, tuple[str, ...] | None] = {
    1: None,  # all classes
    2: ("local", "regional"),
    3: ("supra_regional",),
    4: ("urban",),
    5: (),  # no flows
}
"""The link classes whose flows a step draws (``None``: all; empty: none)."""


@dataclass(frozen=True)
class Figure:
    """One big number with a short label and an optional note."""

    value: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class StepContent:
    """What a step shows."""

    step: int
    title: str
    subtitle: str
    values: pd.Series
    value_label: str
    decimals: int
    flows: pd.DataFrame | None
    figures: tuple[Figure, ...]
    categories: pd.Series | None = None


def clamp_step(value: object) -> int:
    """Return a valid step for any value (an edited URL falls back to step 1)."""
    try:
        step = int(str(value))
    except (TypeError, ValueError):
        return STEPS[0]
    return step if step in STEPS else STEPS[0]


def step_after(step: int, delta: int) -> int:
    """Return the step ``delta`` steps on from ``step``, kept within the sequence."""
    return min(max(clamp_step(step) + delta, STEPS[0]), STEPS[-1])


def step_title(step: int) -> str:
    """Return the short title of a step, e.g. ``"2 · Lokaal-regionaal"``."""
    return f"{step} · {t('st_' + STEP_KEYS[step])}"


def class_links(links: pd.DataFrame, classes: tuple[str, ...] | None) -> pd.DataFrame:
    """Return the links of the given classes (all for ``None``)."""
    if classes is None:
        return links
    return links[links["class"].isin(classes)]


def touching(measures: pd.DataFrame, classes: tuple[str, ...]) -> pd.Series:
    """Links of ``classes`` touching each municipality (as lead or partner; local once)."""
    total = pd.Series(0, index=measures.index, dtype="int64")
    for c in classes:
        total = total + measures[f"links_out_{c}"]
        if c != "local":  # a local link is both out and in: count it once
            total = total + measures[f"links_in_{c}"]
    return pd.Series(total.to_numpy(), index=measures["nis"].to_numpy())


def step_content(
    step: int, selection: Selection, reference: og.Reference, rules: og.UnderservedRules
) -> StepContent:
    """Return the map values, flows and (at most three) figures of ``step``."""
    step = clamp_step(step)
    key = STEP_KEYS[step]
    links = selection.links
    mm = selection.municipalities
    n_links = len(links)
    classes = STEP_CLASSES[step]
    flows = class_links(links, classes) if classes != () else None
    title, subtitle = step_title(step), t("sh_" + key)
    if step == 1:
        f = key_figures(selection)
        lr = f.group_links["local_regional"]
        return StepContent(
            step=step,
            title=title,
            subtitle=subtitle,
            values=pd.Series(mm["projects_involved"].to_numpy(), index=mm["nis"].to_numpy()),
            value_label=t("mv_overview"),
            decimals=0,
            flows=flows,
            figures=(
                Figure(
                    number(f.projects),
                    t("pf_projects"),
                    t("pf_partners", n=number(f.partner_organisations)),
                ),
                Figure(number(f.reached), t("pf_reached"), t("pf_of_304")),
                Figure(percent(lr, n_links), t("pf_lr_share")),
            ),
        )
    if step in (2, 3, 4):
        assert classes  # steps 2-4 always name classes
        chosen = class_links(links, classes)
        share = Figure(
            percent(len(chosen), n_links),
            t("pf_share_of_links"),
            t("pf_links_of", n=number(len(chosen)), total=number(n_links)),
        )
        values = touching(mm, classes)
        if step == 2:
            f = key_figures(selection)
            actor = Figure(
                percent(f.with_local_actor, f.projects),
                t("pf_local_actor"),
                t("pf_x_in_10", x=number(round(10 * f.with_local_actor / f.projects)))
                if f.projects
                else "",
            )
            munis = Figure(number(int((values > 0).sum())), t("pf_munis_lr"), t("pf_of_304"))
            figures: tuple[Figure, ...] = (share, actor, munis)
        elif step == 3:
            crossing = int(chosen["crosses_province"].fillna(False).astype(bool).sum())
            km = chosen["distance_km"].mean()
            figures = (
                share,
                Figure(number(crossing), t("pf_cross_province"), percent(crossing, len(chosen))),
                Figure(number(float(km) if pd.notna(km) else float("nan")), t("pf_mean_km")),
            )
        else:
            m = reference.municipalities
            # The urban set of the classification rules in force (centrumsteden and
            # Brussels by default; hierarchy a0 or a custom list when chosen): the
            # library's own definition, so the figure matches the link classes.
            urban_set = urban_municipalities(selection.rules, reference)
            partners = chosen["partner_nis"].astype(str)
            cities = partners[partners.isin(urban_set)]
            names = m.set_index("nis")["name_nl"]
            # The most chosen city; a tie goes to the first name in the alphabet.
            ranked = sorted(
                cities.value_counts().items(), key=lambda kv: (-kv[1], str(names.get(kv[0])))
            )
            top_name, top_n = (
                (str(names.get(ranked[0][0])), int(ranked[0][1])) if ranked else ("–", 0)
            )
            figures = (
                share,
                Figure(
                    number(cities.nunique()),
                    t("pf_cities"),
                    t("pf_of_n", n=number(len(urban_set))),
                ),
                Figure(
                    top_name,
                    t("pf_top_city"),
                    f"{number(top_n)} {t('pf_links', n=top_n)}" if ranked else "",
                ),
            )
        return StepContent(
            step=step,
            title=title,
            subtitle=subtitle,
            values=values,
            value_label=t("mv_" + key),
            decimals=0,
            flows=flows,
            figures=figures,
        )
    return _gaps_content(step, title, selection, rules)


def _gaps_content(
    step: int, title: str, selection: Selection, rules: og.UnderservedRules
) -> StepContent:
    """Step 5: the witte vlekken, their areas and inhabitants; a message when nothing to show.

    The subtitle is the definition in one line (the same line as under the exported
    map), so the audience sees what a witte vlek is; an empty selection says so
    instead of showing figures.
    """
    full = gaps.measures(selection, rules)
    measures = gaps.scoped_measures(selection, rules)  # the focus area's, when one is set
    values = pd.Series(full[f"{rules.metric}_per_10k"].to_numpy(), index=full["nis"].to_numpy())
    value_label = t("gap_metric_" + rules.metric) + " " + t("t_per_10k")
    cats = gaps.categories(measures)
    if gaps.is_empty(measures):
        return StepContent(
            step=step,
            title=title,
            subtitle=t("pst_gaps_empty"),
            values=values,
            value_label=value_label,
            decimals=2,
            flows=None,
            figures=(),
            categories=cats,
        )
    gap = measures["underserved"].astype(bool)
    pop = measures["population"]
    areas = measures.loc[gap, "underserved_area"]
    largest = int(areas.value_counts().max()) if len(areas) else 0
    return StepContent(
        step=step,
        title=title,
        subtitle=gaps.short_definition(rules) or t("sh_gaps"),
        # The values cover all 304 (the static export's choropleth); the categories
        # and figures are those of the focus area when one is set.
        values=values,
        value_label=value_label,
        decimals=2,
        flows=None,
        figures=(
            Figure(number(int(gap.sum())), t("pf_gaps"), t("pf_of_n", n=number(len(measures)))),
            Figure(
                number(int(areas.nunique())),
                t("pf_areas"),
                t("pf_largest_area", n=number(largest)) if largest else "",
            ),
            Figure(
                number(float(pop[gap].sum())),
                t("pf_people"),
                t(
                    "pf_of_area_people" if selection.filters.area else "pf_of_all_people",
                    p=percent(float(pop[gap].sum()), float(pop.sum()), 1),
                ),
            ),
        ),
        categories=cats,
    )
