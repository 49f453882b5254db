"""Spread measures per project and per municipality, filters, and underserved areas.

The input is the *links table*: one row per partner row of the imported data
with the project's attributes repeated (see :func:`optil_geo.build_links`), and
the *projects table*. Both are filtered together by :func:`apply_filters`, so
every measure respects the same selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo._errors import SettingsError
from optil_geo.classify import CLASSES
from optil_geo.reference import Reference, load_reference
from optil_geo.underserved import (
    INVOLVEMENT_METRICS,
    UnderservedRules,
    add_comparison_averages,
    flag_underserved,
)

__all__ = [
    "INVOLVEMENT_METRICS",
    "Filters",
    "UnderservedRules",
    "apply_filters",
    "flag_underserved",
    "municipality_measures",
    "project_measures",
]


_RURAL_CODES = ("c0", "c1", "c2", "c3")


@dataclass(frozen=True, kw_only=True)
class Filters:
    """A selection of the data; ``None`` (or empty) means no restriction.

    Project filters (``rounds``, ``target_groups``) keep whole projects and their
    links. Link filters (``sector_groups``, ``sectors``, ``roles``, ``classes``)
    keep matching links; when one is active, only projects with at least one
    remaining link stay. ``area`` (a set of NIS codes) keeps links whose lead or
    partner lies in the area, and the projects they belong to.
    """

    rounds: tuple[str, ...] | None = None
    target_groups: tuple[str, ...] | None = None
    sector_groups: tuple[str, ...] | None = None
    sectors: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None
    area: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in (
            "rounds",
            "target_groups",
            "sector_groups",
            "sectors",
            "roles",
            "classes",
            "area",
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, str) or not isinstance(value, tuple | list | set | frozenset):
                hint = f", e.g. ({value!r},)" if isinstance(value, str) else ""
                raise SettingsError(
                    f"`{name}` was {value!r} but must be a tuple of codes or None{hint}"
                )
            # A list or set from a widget is fine; keep the frozen dataclass hashable.
            object.__setattr__(self, name, tuple(value))
        bad = sorted(set(self.classes or ()) - set(CLASSES))
        if bad:
            raise SettingsError(f"`classes` holds {bad!r}; allowed: {list(CLASSES)!r}")

    @property
    def project_filters_active(self) -> bool:
        """Whether a filter on project attributes (rounds, target groups) is set."""
        return bool(self.rounds) or bool(self.target_groups)

    @property
    def link_filters_active(self) -> bool:
        """Whether a filter on link attributes restricts the projects too."""
        return any(
            bool(v) for v in (self.sector_groups, self.sectors, self.roles, self.classes, self.area)
        )


def _isin(values: pd.Series, allowed: Iterable[str]) -> np.ndarray:
    # A fresh, writable array: with copy-on-write, Series.to_numpy() may be read-only,
    # and the masks are combined in place.
    return np.array(values.astype(object).isin(list(allowed)), dtype=bool)


def _has_any(values: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """Rows whose tuple of codes holds at least one wanted code."""
    wanted_set = set(wanted)
    return np.fromiter(
        (
            bool(wanted_set.intersection(v)) if isinstance(v, tuple | list) else False
            for v in values
        ),
        dtype=bool,
        count=len(values),
    )


def apply_filters(
    links: pd.DataFrame, projects: pd.DataFrame, filters: Filters | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the links and projects kept by ``filters`` (both in their original order)."""
    if filters is None:
        return links, projects
    keep_p = np.ones(len(projects), dtype=bool)
    if filters.rounds:
        keep_p &= _isin(projects["round"], filters.rounds)
    if filters.target_groups:
        keep_p &= _has_any(projects["target_group_codes"], filters.target_groups)
    projects = projects[keep_p]
    # Links follow their projects only when a project filter is set; otherwise a link
    # whose project is unknown stays, as without filters.
    if filters.project_filters_active:
        keep_l = _isin(links["project_id"], projects["project_id"])
    else:
        keep_l = np.ones(len(links), dtype=bool)
    if filters.sector_groups:
        keep_l &= _isin(links["sector_group"], filters.sector_groups)
    if filters.sectors:
        keep_l &= _isin(links["sector_code"], filters.sectors)
    if filters.roles:
        keep_l &= _isin(links["role_code"], filters.roles)
    if filters.classes:
        keep_l &= _isin(links["class"], filters.classes)
    if filters.area:
        keep_l &= _isin(links["lead_nis"], filters.area) | _isin(links["partner_nis"], filters.area)
    links = links[keep_l]
    if filters.link_filters_active:
        projects = projects[_isin(projects["project_id"], links["project_id"])]
    return links, projects


def project_measures(
    links: pd.DataFrame,
    projects: pd.DataFrame,
    *,
    reference: Reference | None = None,
) -> pd.DataFrame:
    """Return one row per project with its spread measures.

    Columns: the project's ``project_id``, ``title``, ``round``,
    ``lead_organisation``, ``lead_nis``, ``lead_name``; ``partners`` (partner
    rows), ``municipalities`` (distinct partner municipalities, Wallonia
    included), ``links_<class>`` for every class, ``share_local_regional``,
    ``max_km``, ``mean_km``, ``refregs_reached`` and ``provinces_reached`` (by
    the lead and its partners in Flanders and Brussels), ``sector_groups``
    (``;``-joined) and ``n_sector_groups``, ``has_local_cultural_actor`` (the lead
    or a partner), ``has_welfare_care``, ``has_education``.
    """
    reference = reference or load_reference()
    m = reference.municipalities.set_index("nis")
    base = projects[
        ["project_id", "title", "round", "lead_organisation", "lead_nis", "lead_name"]
    ].reset_index(drop=True)
    pid = links["project_id"]
    counts = pd.crosstab(pid, links["class"]).reindex(columns=list(CLASSES), fill_value=0)
    counts.columns = [f"links_{c}" for c in counts.columns]
    placed = links["partner_nis"].astype(object).where(links["partner_nis"].astype(object) != "")
    grouped = links.assign(_placed=placed).groupby("project_id", sort=False)
    per = pd.DataFrame(
        {
            "partners": grouped.size(),
            "municipalities": grouped["_placed"].nunique(),
            "max_km": grouped["distance_km"].max(),
            "mean_km": grouped["distance_km"].mean().round(1),
        }
    )
    # Regions and provinces reached: the lead and every partner placed on the map.
    lead_pairs = pd.DataFrame({"project_id": projects["project_id"], "nis": projects["lead_nis"]})
    partner_pairs = pd.DataFrame({"project_id": pid, "nis": links["partner_nis"]})
    pairs = pd.concat([lead_pairs, partner_pairs], ignore_index=True)
    pairs = pairs[pairs["nis"].isin(m.index)]
    pairs = pairs.assign(
        refreg=m["refreg_code"].reindex(pairs["nis"]).to_numpy(),
        province=m["province_code"].reindex(pairs["nis"]).to_numpy(),
    )
    reach = pairs.groupby("project_id").agg(
        refregs_reached=("refreg", "nunique"), provinces_reached=("province", "nunique")
    )
    sector_sets = links.groupby("project_id")["sector_group"].agg(
        lambda s: ";".join(sorted({g for g in s if g and g != "unknown"}))
    )
    local_partner = links.groupby("project_id")["local_cultural_actor"].any()

    out = base.set_index("project_id")
    out = out.join(per).join(counts).join(reach).join(sector_sets.rename("sector_groups"))
    out = out.join(local_partner.rename("_local_partner"))
    int_cols = [
        "partners",
        "municipalities",
        *counts.columns,
        "refregs_reached",
        "provinces_reached",
    ]
    out[int_cols] = out[int_cols].fillna(0).astype("int64")
    out["sector_groups"] = out["sector_groups"].fillna("")
    out["n_sector_groups"] = out["sector_groups"].map(lambda s: len(s.split(";")) if s else 0)
    placed_links = out["partners"] - out["links_unknown"]
    local_regional = out["links_local"] + out["links_regional"]
    out["share_local_regional"] = (local_regional / placed_links.where(placed_links > 0)).round(3)
    lead_local = projects.set_index("project_id")["lead_local_cultural_actor"].fillna(False)
    out["has_local_cultural_actor"] = out["_local_partner"].fillna(False).astype(
        bool
    ) | lead_local.reindex(out.index).astype(bool)
    out["has_welfare_care"] = out["sector_groups"].str.contains("welfare_care", regex=False)
    out["has_education"] = out["sector_groups"].str.contains("education", regex=False)
    return out.drop(columns="_local_partner").reset_index()


def municipality_measures(
    links: pd.DataFrame,
    projects: pd.DataFrame,
    *,
    reference: Reference | None = None,
    underserved: UnderservedRules | None = None,
) -> pd.DataFrame:
    """Return one row per 2025 municipality (all 304) with its involvement.

    Columns: ``nis``, ``name_nl``, ``province_name``, ``refreg_name``,
    ``hierarchy_code``, ``hierarchy_label``, ``is_rural`` (hierarchy class c:
    outside the sphere of a centrumstad), ``is_centrumstad``, ``population``;
    ``projects_led``, ``partners_located``, ``links_out_<class>`` (links whose
    lead is here) and ``links_in_<class>`` (links whose partner is here; a local
    link counts in both), ``links_out``, ``links_in``, ``links_total`` (distinct
    links touching the municipality), ``projects_involved`` (led here or with a
    partner here); per 10,000 inhabitants (``*_per_10k``) the projects led,
    partners located, ``links_out``, ``links_in``, ``links_total`` and projects
    involved; ``rounds`` (``;``-joined) and ``n_rounds``; the like-for-like
    benchmarks of the rules' metric (:data:`optil_geo.underserved.COMPARISON_COLUMNS`)
    and the underserved flags, ranks, areas and trends of
    :func:`optil_geo.underserved.flag_underserved`.
    """
    reference = reference or load_reference()
    rules = underserved or UnderservedRules()
    m = reference.municipalities
    # Columns are gathered in a dict and become a frame once: 50 column insertions
    # into a DataFrame cost more than all the counting.
    out: dict[str, Any] = {
        "nis": m["nis"].to_numpy(),
        "name_nl": m["name_nl"].to_numpy(),
        "province_name": m["province_name"].to_numpy(),
        "refreg_name": m["refreg_name"].to_numpy(),
        "hierarchy_code": m["hierarchy_code"].to_numpy(),
        "hierarchy_label": m["hierarchy_label"].to_numpy(),
        "is_rural": m["hierarchy_code"].isin(_RURAL_CODES).to_numpy(),
        "is_centrumstad": m["is_centrumstad"].to_numpy(),
        "population": m["population"].to_numpy(),
    }
    nis = m["nis"].to_numpy(dtype=object)
    n_m = len(nis)
    # Everything is counted on positions in the municipality table: fast on many links.
    lead_at = _positions(links["lead_nis"], nis)
    part_at = _positions(links["partner_nis"], nis)
    class_at = _positions(links["class"], np.asarray(CLASSES, dtype=object))
    led_at = _positions(projects["lead_nis"], nis)
    out["projects_led"] = _count(led_at, n_m)
    out["partners_located"] = _count(part_at, n_m)
    n_c = len(CLASSES)
    for direction, at in (("out", lead_at), ("in", part_at)):
        ok = (at >= 0) & (class_at >= 0)
        table = np.bincount(at[ok] * n_c + class_at[ok], minlength=n_m * n_c).reshape(n_m, n_c)
        for k, cls in enumerate(CLASSES):
            out[f"links_{direction}_{cls}"] = table[:, k]
        out[f"links_{direction}"] = table.sum(axis=1)
    local = _count(np.where(lead_at == part_at, lead_at, -1), n_m)
    out["links_total"] = out["links_out"] - local + out["links_in"]

    # Involvement: the lead of each project, and every partner row.
    where = np.concatenate([led_at, part_at])
    project_codes, project_ids = pd.factorize(
        pd.concat([projects["project_id"], links["project_id"]], ignore_index=True)
    )
    ok = (where >= 0) & (project_codes >= 0)
    pairs = pd.unique(where[ok].astype(np.int64) * len(project_ids) + project_codes[ok])
    out["projects_involved"] = _count(pairs // max(len(project_ids), 1), n_m)
    round_codes, round_values = pd.factorize(
        pd.concat([projects["round"], links["round"]], ignore_index=True)
    )
    named = np.array([isinstance(r, str) and r != "" for r in round_values], dtype=bool)
    ok = (where >= 0) & (round_codes >= 0)
    ok[ok] = named[round_codes[ok]]
    n_r = max(len(round_values), 1)
    pairs = pd.unique(where[ok].astype(np.int64) * n_r + round_codes[ok])
    round_names = [str(r) for r in round_values]
    per_municipality: dict[int, list[str]] = {}
    for pair in pairs.tolist():
        per_municipality.setdefault(pair // n_r, []).append(round_names[pair % n_r])
    out["rounds"] = np.array(
        [";".join(sorted(per_municipality.get(k, []))) for k in range(n_m)], dtype=object
    )
    out["n_rounds"] = np.array([len(per_municipality.get(k, [])) for k in range(n_m)])

    per = 10_000 / np.asarray(out["population"], dtype=float)
    for col in (*INVOLVEMENT_METRICS, "links_out", "links_in"):
        out[f"{col}_per_10k"] = np.round(out[col] * per, 3)

    frame = add_comparison_averages(pd.DataFrame(out), rules.metric)
    rounds = projects["round"].astype(object).dropna()
    return flag_underserved(
        frame, rules, reference=reference, rounds=[str(r) for r in rounds.unique() if r]
    )


def _positions(values: pd.Series, labels: np.ndarray) -> np.ndarray:
    """Return the position of each value among ``labels`` (distinct), -1 when absent."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # pyarrow's hash lookup, on the column's own buffers.
        found = pc.index_in(pa.array(values.array), value_set=pa.array(list(labels), pa.string()))
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
    return np.asarray(pd.Index(labels, dtype=object).get_indexer(values.astype(object)), np.intp)


def _count(at: np.ndarray, n: int) -> np.ndarray:
    """Count the positions 0..n-1 (negative positions are not counted)."""
    return np.bincount(at[at >= 0], minlength=n).astype(np.int64)
