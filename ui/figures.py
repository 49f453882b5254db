"""Key figures of a selection, shared by Overzicht and Presentatie (no rendering here)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import optil_geo as og
from optil_geo.partnerships import organisation_keys
from ui.data import Selection

GROUPS = tuple(dict.fromkeys(og.CLASS_GROUPS[c] for c in og.CLASSES))
"""Class groups in the fixed order of the classes: local_regional, urban,
supra_regional, international, unknown (``local`` + ``regional`` form
*local_regional*)."""

_GROUP_OF = dict(og.CLASS_GROUPS)


@dataclass(frozen=True)
class KeyFigures:
    """The headline numbers of a selection."""

    projects: int
    partner_organisations: int
    links: int
    reached: int
    reached_flanders: int
    reached_brussels: int
    group_links: dict[str, int]
    with_local_actor: int
    with_welfare_care: int
    with_education: int


def distinct_organisations(names: pd.Series) -> int:
    """Count distinct organisations the way the validation compares them.

    ``Bib Gent vzw``, ``bib gent`` and ``Bib  Gent`` are one organisation: case,
    accents, punctuation and the legal form are ignored.
    """
    # The import's own key, so that the overview and the validation report never
    # count organisations differently.
    keys = pd.Series(organisation_keys(names), dtype=object)
    return int(keys[keys != ""].nunique())


def group_counts(classes: pd.Series) -> dict[str, int]:
    """Count links per class group (every group present, zero when absent)."""
    groups = classes.astype(object).map(_GROUP_OF).fillna("unknown")
    counts = groups.value_counts()
    return {g: int(counts.get(g, 0)) for g in GROUPS}


def key_figures(selection: Selection) -> KeyFigures:
    """Return the key figures of ``selection`` (all computed from its tables)."""
    mm = selection.municipalities
    reached = mm["projects_involved"] > 0
    # Brussels municipalities have NIS codes 21xxx; everything else here is Flemish.
    brussels = mm["nis"].astype(str).str.startswith("21")
    prj = selection.projects_table
    return KeyFigures(
        projects=len(selection.projects),
        partner_organisations=distinct_organisations(selection.links["organisation"]),
        links=len(selection.links),
        reached=int(reached.sum()),
        reached_flanders=int((reached & ~brussels).sum()),
        reached_brussels=int((reached & brussels).sum()),
        group_links=group_counts(selection.links["class"]),
        with_local_actor=int(prj["has_local_cultural_actor"].sum()),
        with_welfare_care=int(prj["has_welfare_care"].sum()),
        with_education=int(prj["has_education"].sum()),
    )
