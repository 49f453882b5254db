"""Classify partnership links: local, regional, urban, supra-regional, international.

A link runs from a project's lead municipality *L* to a partner's location *P*.
The default rules of the product brief, first match wins:

1. *P* is abroad → ``international``.
2. *P* (or *L*) could not be resolved → ``unknown`` (kept and reported).
3. *P* = *L* → ``local``.
4. *P* lies in *L*'s home region (by default the referentieregio; for a Brussels
   *L* the Brussels-Capital Region), or *P* shares a border with *L*, or — when
   :attr:`LinkRules.max_km` is set — *P* lies closer than that → ``regional``.
5. *P* is in the urban set (the 13 centrumsteden and the 19 Brussels
   municipalities) → ``urban``.
6. Otherwise (elsewhere in Flanders, Brussels or Wallonia) → ``supra_regional``.

``local`` and ``regional`` together form the group *lokaal-regionaal*. Each link
also gets a Dutch ``reason``, the ``distance_km`` between the representative
points (EPSG:31370), and whether it crosses a province or region border.

Walloon municipalities have no polygon here: a Walloon partner is never a
neighbour and has no distance; it is ``supra_regional`` unless it is *L* itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optil_geo._errors import InputError
from optil_geo.reference import Reference, load_reference
from optil_geo.settings import LinkRules

__all__ = [
    "CLASSES",
    "CLASS_GROUPS",
    "CLASS_LABELS",
    "classify_links",
]

CLASSES = ("local", "regional", "urban", "supra_regional", "international", "unknown")
"""The link classes, in the order of the legend."""

CLASS_LABELS = {
    "nl": {
        "local": "lokaal",
        "regional": "regionaal",
        "urban": "stedelijk",
        "supra_regional": "bovenregionaal",
        "international": "internationaal",
        "unknown": "onbekend",
    },
    "en": {
        "local": "local",
        "regional": "regional",
        "urban": "urban",
        "supra_regional": "supra-regional",
        "international": "international",
        "unknown": "unknown",
    },
}
"""Human labels of the classes per language."""

CLASS_GROUPS = {
    "local": "lokaal-regionaal",
    "regional": "lokaal-regionaal",
    "urban": "stedelijk",
    "supra_regional": "bovenregionaal",
    "international": "internationaal",
    "unknown": "onbekend",
}
"""The class group: ``local`` + ``regional`` form *lokaal-regionaal*."""

_SCHEME_COLUMNS = {
    "referentieregio": ("refreg_code", "refreg_name", "referentieregio"),
    "province": ("province_code", "province_name", "provincie"),
    "streek": ("streek_code", "streek_name", "streek"),
}

_REQUIRED = ("lead_nis", "partner_nis", "partner_region")

OUTPUT_COLUMNS = ("class", "group", "reason", "distance_km", "crosses_province", "crosses_region")


def classify_links(
    links: pd.DataFrame,
    *,
    rules: LinkRules | None = None,
    reference: Reference | None = None,
) -> pd.DataFrame:
    """Classify each link from lead municipality to partner location.

    Parameters
    ----------
    links
        One row per link with the columns ``lead_nis`` (2025 NIS of *L*, empty
        when unresolved), ``partner_nis`` (2025 NIS of *P*; empty when abroad or
        unresolved) and ``partner_region`` (``flanders``, ``brussels``,
        ``wallonia``, ``abroad`` or empty). Optional: ``lead_region`` (to tell a
        Walloon *L*), ``partner_name`` (named in the reason of Walloon and foreign
        partners).
    rules
        The classification rules; the defaults of :class:`LinkRules` when omitted.
    reference
        The reference geography; loaded when omitted.

    Returns
    -------
    pandas.DataFrame
        Aligned on ``links.index``: ``class``, ``group``, ``reason``,
        ``distance_km`` (float, NaN when a point is unknown), ``crosses_province``
        and ``crosses_region`` (nullable booleans, NA when unknown).
    """
    rules = rules or LinkRules()
    missing = [c for c in _REQUIRED if c not in links.columns]
    if missing:
        raise InputError(
            f"classify_links needs the columns {list(_REQUIRED)!r}; missing {missing!r}"
        )
    reference = reference or load_reference()
    if links.empty:
        return pd.DataFrame(
            {
                "class": pd.Series(dtype=object),
                "group": pd.Series(dtype=object),
                "reason": pd.Series(dtype=object),
                "distance_km": pd.Series(dtype=float),
                "crosses_province": pd.Series(dtype="boolean"),
                "crosses_region": pd.Series(dtype="boolean"),
            },
            index=links.index,
        )

    # Classify each distinct link once: real data repeats the same pairs a lot.
    keys = pd.DataFrame(
        {
            "lead_nis": _text(links["lead_nis"]),
            "partner_nis": _text(links["partner_nis"]),
            "partner_region": _text(links["partner_region"]),
            "lead_region": _text(links["lead_region"]) if "lead_region" in links else "",
            "partner_name": _text(links["partner_name"]) if "partner_name" in links else "",
        }
    )
    codes, uniques = _factorize_rows(keys)
    result = _classify_distinct(uniques, rules, reference)
    out = result.iloc[codes].set_axis(links.index)
    out["crosses_province"] = out["crosses_province"].astype("boolean")
    out["crosses_region"] = out["crosses_region"].astype("boolean")
    return out


def _text(values: pd.Series) -> np.ndarray:
    """Return the values as stripped text, missing values as ''."""
    s = values.astype(object).where(values.notna(), "")
    return s.astype(str).str.strip().to_numpy(dtype=object)


def _factorize_rows(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    joined = keys["lead_nis"]
    for col in keys.columns[1:]:
        joined = joined + "\x1f" + keys[col]
    codes, _ = pd.factorize(joined)
    first = pd.Series(np.arange(len(keys))).groupby(codes).first().to_numpy()
    return codes, keys.iloc[first].reset_index(drop=True)


def _outside_province(nis: np.ndarray) -> np.ndarray:
    """Province code for a Walloon NIS (Waals-Brabant 25…, else the first digit)."""
    s = pd.Series(nis, dtype=object).astype(str)
    return np.where(s.str[:2] == "25", "25000", s.str[:1] + "0000")


def _classify_distinct(k: pd.DataFrame, rules: LinkRules, ref: Reference) -> pd.DataFrame:
    m = ref.municipalities
    index = pd.Index(m["nis"])
    lead = k["lead_nis"].to_numpy(dtype=object)
    part = k["partner_nis"].to_numpy(dtype=object)
    p_region_in = k["partner_region"].to_numpy(dtype=object)
    li = index.get_indexer(lead)
    pi = index.get_indexer(part)
    l_in = li >= 0
    p_in = pi >= 0
    n = len(k)

    region = m["region"].to_numpy(dtype=object)
    names = m["name_nl"].to_numpy(dtype=object)
    prov = m["province_code"].to_numpy(dtype=object)
    x = m["point_x"].to_numpy(dtype=float)
    y = m["point_y"].to_numpy(dtype=float)

    abroad = p_region_in == "abroad"
    p_wallonia = ~p_in & (part != "") & ~abroad
    l_given_region = k["lead_region"].to_numpy(dtype=object)
    l_wallonia = ~l_in & (lead != "") & ((l_given_region == "wallonia") | (l_given_region == ""))
    p_known = p_in | p_wallonia
    l_known = l_in | l_wallonia

    is_international = abroad
    is_unknown = ~abroad & ~(p_known & l_known)
    open_ = ~(is_international | is_unknown)
    is_local = open_ & (lead == part)
    open_ &= ~is_local

    both = l_in & p_in
    lis = np.where(l_in, li, 0)
    pis = np.where(p_in, pi, 0)

    # Home region.
    if rules.scheme == "none":
        same_region = np.zeros(n, dtype=bool)
        home_names = np.full(len(m), "", dtype=object)
        scheme_word = ""
    else:
        code_col, name_col, scheme_word = _SCHEME_COLUMNS[rules.scheme]
        home = m[code_col].to_numpy(dtype=object)
        home_names = m[name_col].to_numpy(dtype=object)
        same_region = both & (home[lis] == home[pis])

    # Shared border.
    if rules.neighbours:
        nb_codes = _neighbour_codes(ref)
        neighbour = both & np.isin(lis.astype(np.int64) * 1000 + pis, nb_codes)
    else:
        neighbour = np.zeros(n, dtype=bool)

    dist = np.where(both, np.hypot(x[lis] - x[pis], y[lis] - y[pis]) / 1000.0, np.nan)
    dist = np.round(dist, 1)
    near = both & (dist < rules.max_km) if rules.max_km is not None else np.zeros(n, dtype=bool)

    is_regional = open_ & (same_region | neighbour | near)
    open_ &= ~is_regional
    urban_set = _urban_mask(m, rules)
    is_urban = open_ & p_in & urban_set[pis]
    is_supra = open_ & ~is_urban

    cls = np.select(
        [is_international, is_unknown, is_local, is_regional, is_urban, is_supra],
        ["international", "unknown", "local", "regional", "urban", "supra_regional"],
        default="unknown",
    ).astype(object)

    # Crossing flags (NA where a side is unknown).
    p_region = np.where(p_in, region[pis], np.where(p_wallonia, "wallonia", p_region_in))
    l_region = np.where(l_in, region[lis], np.where(l_wallonia, "wallonia", ""))
    p_prov = np.where(p_in, prov[pis], _outside_province(part))
    l_prov = np.where(l_in, prov[lis], _outside_province(lead))
    crosses_region = np.where(abroad & l_known, True, l_region != p_region).astype(object)
    crosses_province = np.where(abroad & l_known, True, l_prov != p_prov).astype(object)
    undefined = is_unknown
    crosses_region[undefined] = None
    crosses_province[undefined] = None

    reason = _reasons(
        cls=cls,
        k=k,
        names=names,
        lis=lis,
        pis=pis,
        l_known=l_known,
        p_wallonia=p_wallonia,
        same_region=same_region,
        neighbour=neighbour,
        near=near,
        dist=dist,
        home_names=home_names,
        scheme_word=scheme_word,
        crosses_province=np.asarray(crosses_province == True),  # noqa: E712 - object array
        crosses_region=np.asarray(crosses_region == True),  # noqa: E712
        l_in=l_in,
        p_brussels=p_in & (region[pis] == "brussels"),
        l_brussels=l_in & (region[lis] == "brussels"),
        rules=rules,
    )
    return pd.DataFrame(
        {
            "class": cls,
            "group": pd.Series(cls).map(CLASS_GROUPS).to_numpy(dtype=object),
            "reason": reason,
            "distance_km": dist,
            "crosses_province": crosses_province,
            "crosses_region": crosses_region,
        }
    )


def _neighbour_codes(ref: Reference) -> np.ndarray:
    """Encode every neighbour pair (positions a, b) as a * 1000 + b, sorted."""
    index = pd.Index(ref.municipalities["nis"])
    codes = [
        a * 1000 + int(index.get_loc(b))
        for a, nbs in enumerate(ref.municipalities["neighbours"])
        for b in nbs
    ]
    return np.array(sorted(codes), dtype=np.int64)


def _urban_mask(m: pd.DataFrame, rules: LinkRules) -> np.ndarray:
    if rules.urban == "centrumsteden":
        mask = m["is_centrumstad"].to_numpy(dtype=bool) | (m["region"] == "brussels").to_numpy()
    elif rules.urban == "a0":
        mask = (m["hierarchy_code"] == "a0").to_numpy()
    else:
        unknown = sorted(set(rules.urban_custom) - set(m["nis"]))
        if unknown:
            raise InputError(
                f"`urban_custom` holds NIS codes that are not 2025 municipalities of Flanders "
                f"or Brussels: {unknown!r}"
            )
        mask = m["nis"].isin(rules.urban_custom).to_numpy()
    return np.asarray(mask, dtype=bool)


def _reasons(
    *,
    cls: np.ndarray,
    k: pd.DataFrame,
    names: np.ndarray,
    lis: np.ndarray,
    pis: np.ndarray,
    l_known: np.ndarray,
    p_wallonia: np.ndarray,
    same_region: np.ndarray,
    neighbour: np.ndarray,
    near: np.ndarray,
    dist: np.ndarray,
    home_names: np.ndarray,
    scheme_word: str,
    crosses_province: np.ndarray,
    crosses_region: np.ndarray,
    l_in: np.ndarray,
    p_brussels: np.ndarray,
    l_brussels: np.ndarray,
    rules: LinkRules,
) -> np.ndarray:
    """Build the Dutch reason of each (distinct) link."""
    pname = pd.Series(names[pis])
    given = pd.Series(k["partner_name"].to_numpy(dtype=object))
    outside_name = given.where(given != "", pd.Series(k["partner_nis"].to_numpy(dtype=object)))
    km = pd.Series(["" if np.isnan(d) else f"{d:.0f} km" for d in dist], dtype=object)
    out = np.full(len(cls), "", dtype=object)

    sel = cls == "international"
    out[sel] = ("Buitenland (" + given[sel] + ")").where(given[sel] != "", "Buitenland")

    sel = cls == "unknown"
    out[sel] = np.where(
        l_known[sel], "Locatie partner niet gevonden", "Locatie aanvrager niet gevonden"
    )

    sel = cls == "local"
    out[sel] = np.where(
        p_wallonia[sel],
        "Zelfde gemeente (" + outside_name[sel] + ")",
        "Zelfde gemeente (" + pname[sel] + ")",
    )

    sel = cls == "regional"
    home = pd.Series(home_names[lis], dtype=object)
    region_word = pd.Series(np.where(l_brussels, "gewest", scheme_word), dtype=object)
    by_region = "Zelfde " + region_word + " (" + home + ")"
    by_border = np.where(
        crosses_region,
        "Buurgemeente over de gewestgrens (" + pname + ")",
        np.where(
            crosses_province,
            "Buurgemeente over de provinciegrens (" + pname + ")",
            "Buurgemeente (" + pname + ")",
        ),
    )
    by_distance = f"Binnen {rules.max_km:g} km (" + km + ")" if rules.max_km else km
    regional_reason = np.where(same_region, by_region, np.where(neighbour, by_border, by_distance))
    out[sel] = regional_reason[sel]

    sel = cls == "urban"
    if rules.urban == "centrumsteden":
        urban_reason = np.where(
            p_brussels,
            "Brussel, buiten de eigen regio (" + pname + ")",
            "Centrumstad buiten de eigen regio (" + pname + ")",
        )
    elif rules.urban == "a0":
        urban_reason = ("Grote of regionale stad buiten de eigen regio (" + pname + ")").to_numpy()
    else:
        urban_reason = ("Stedelijke gemeente buiten de eigen regio (" + pname + ")").to_numpy()
    out[sel] = urban_reason[sel]

    sel = cls == "supra_regional"
    other = "Andere " + scheme_word if scheme_word else "Geen buurgemeente"
    inside = np.where(l_brussels, "Buiten het Brussels gewest, " + km, other + ", " + km)
    walloon = "Wallonië (" + outside_name + ")"
    supra_reason = np.where(p_wallonia, walloon, np.where(l_in, inside, "Buiten de eigen regio"))
    out[sel] = supra_reason[sel]
    return out


LINK_COLUMNS = (
    "project_id",
    "round",
    "title",
    "lead_organisation",
    "lead_nis",
    "lead_name",
    "lead_region",
    "target_group_codes",
    "organisation",
    "sector_code",
    "sector_group",
    "local_cultural_actor",
    "role_code",
    "partner_nis",
    "partner_name",
    "partner_region",
    "partner_location",
)
"""Columns of the links table taken from the projects and partners tables."""


def build_links(
    projects: pd.DataFrame,
    partners: pd.DataFrame,
    *,
    rules: LinkRules | None = None,
    reference: Reference | None = None,
) -> pd.DataFrame:
    """Return the links table: one classified row per partner row, in input order.

    Each partner row is joined with its project (lead municipality, round, title,
    target groups) and classified with :func:`classify_links`. A partner row whose
    project is unknown keeps an empty lead and is classified ``unknown``.

    Parameters
    ----------
    projects, partners
        The imported tables (see :class:`optil_geo.PartnershipData`).
    rules, reference
        Classification rules and reference geography; defaults when omitted.
    """
    project_cols = [
        c
        for c in (
            "project_id",
            "round",
            "title",
            "lead_organisation",
            "lead_nis",
            "lead_name",
            "lead_region",
            "target_group_codes",
        )
        if c in projects.columns
    ]
    lead = projects[project_cols].drop_duplicates("project_id")
    links = partners.reset_index(drop=True).merge(
        lead, on="project_id", how="left", validate="many_to_one", suffixes=("", "_project")
    )
    for col in ("lead_nis", "lead_region", "lead_name", "round", "title", "lead_organisation"):
        if col in links.columns:
            links[col] = links[col].astype(object).where(links[col].notna(), "")
    keep = [c for c in LINK_COLUMNS if c in links.columns]
    extra = [c for c in links.columns if c not in keep]
    links = links[keep + extra]
    classified = classify_links(links, rules=rules, reference=reference)
    return pd.concat([links, classified], axis=1)
