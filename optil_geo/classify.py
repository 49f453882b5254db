"""Classify partnership links: local, regional, urban, supra-regional, international.

A link runs from a project's lead municipality *L* to a partner's location *P*.
The default rules of the product brief, first match wins:

1. *P* is abroad → ``international``.
2. *P* (or *L*) could not be resolved → ``unknown`` (kept and reported). A code
   that is neither a municipality of Flanders or Brussels nor marked ``wallonia``
   (``99999``, a code of 2024 such as ``11007``) is not resolved. An *L* abroad
   is ``unknown`` too, with its own reason: with the lead outside Flanders and
   Brussels, local or regional cannot be judged.
3. *P* = *L* → ``local``.
4. *P* lies in *L*'s home region (by default the referentieregio; for a Brussels
   *L* the Brussels-Capital Region), or *P* shares a border with *L*, or — when
   :attr:`LinkRules.max_km` is set — *P* lies closer than that → ``regional``.
5. *P* is in the urban set (the 13 centrumsteden and the 19 Brussels
   municipalities) → ``urban``.
6. Otherwise (elsewhere in Flanders, Brussels or Wallonia) → ``supra_regional``.

``local`` and ``regional`` together form the group ``local_regional``
(*lokaal-regionaal*). Each link also gets its reason as a code with parameters
(``reason_code``, ``reason_place``, ``reason_km``, ``reason_limit_km``: no
sentence in any language; :func:`optil_geo.wording.link_reasons` words them), the
``distance_km`` between the representative points (EPSG:31370), and whether it
crosses a province or region border.

Walloon municipalities have no polygon here: a Walloon partner is never a
neighbour and has no distance; it is ``supra_regional`` unless it is *L* itself.
A location is Walloon only when its region says so (``partner_region`` /
``lead_region`` is ``wallonia``) and it has a code. The crossing flags are NA
when either side is unknown (an unresolved or foreign *L*, an unresolved *P*).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo._distinct import Distinct, distinct
from optil_geo._errors import InputError
from optil_geo.reference import Reference, load_reference, province_of_nis
from optil_geo.settings import LinkRules

__all__ = [
    "CLASSES",
    "CLASS_GROUPS",
    "REASON_CODES",
    "classify_links",
    "urban_municipalities",
]

CLASSES = ("local", "regional", "urban", "supra_regional", "international", "unknown")
"""The link classes, in the order of the legend."""

CLASS_GROUPS = {
    "local": "local_regional",
    "regional": "local_regional",
    "urban": "urban",
    "supra_regional": "supra_regional",
    "international": "international",
    "unknown": "unknown",
}
"""The group code of each class: ``local`` + ``regional`` form ``local_regional``.

The words for classes and groups are in the text catalogue (``class_<code>`` and
``group_<code>``; :func:`optil_geo.wording.class_label`)."""

REASON_CODES = (
    "abroad",
    "partner_not_found",
    "lead_not_found",
    "lead_abroad",
    "same_municipality",
    "same_brussels_region",
    "same_referentieregio",
    "same_province",
    "same_streek",
    "border_region",
    "border_province",
    "border",
    "within_km",
    "urban_brussels",
    "urban_centrumstad",
    "urban_a0",
    "urban_custom",
    "wallonia",
    "outside_brussels",
    "other_referentieregio",
    "other_province",
    "other_streek",
    "no_neighbour",
    "outside_own_region",
)
"""Every ``reason_code`` a link can get; the catalogue words each as ``reason_<code>``.

Parameters: ``reason_place`` names the municipality, region or place as written
(``same_*``, ``border*``, ``urban_*``, ``wallonia``, ``abroad``; ``""`` otherwise),
``reason_km`` the distance in whole kilometres (``within_km``, ``other_*``,
``no_neighbour``, ``outside_brussels``), ``reason_limit_km`` the distance rule's
limit (``within_km`` only)."""

_SCHEME_COLUMNS = {
    "referentieregio": ("refreg_code", "refreg_name"),
    "province": ("province_code", "province_name"),
    "streek": ("streek_code", "streek_name"),
}

_REQUIRED = ("lead_nis", "partner_nis", "partner_region")

OUTPUT_COLUMNS = (
    "class",
    "group",
    "reason_code",
    "reason_place",
    "reason_km",
    "reason_limit_km",
    "distance_km",
    "crosses_province",
    "crosses_region",
)


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
        ``wallonia``, ``abroad`` or empty). Optional: ``lead_region`` (``wallonia``
        makes a lead code outside the reference a Walloon *L*, ``abroad`` marks a
        foreign *L*; without it such a lead is unknown), ``partner_name`` (named in
        the reason of Walloon and foreign partners).
    rules
        The classification rules; the defaults of :class:`LinkRules` when omitted.
    reference
        The reference geography; loaded when omitted.

    Returns
    -------
    pandas.DataFrame
        Aligned on ``links.index``: ``class`` and ``group`` (codes), the reason as
        ``reason_code`` (one of :data:`REASON_CODES`) with ``reason_place`` (text,
        ``""`` when none), ``reason_km`` and ``reason_limit_km`` (float, NaN when
        none), ``distance_km`` (float, NaN when a point is unknown),
        ``crosses_province`` and ``crosses_region`` (nullable booleans, NA when
        unknown). :func:`optil_geo.wording.link_reasons` words the reason in Dutch or
        English.
    """
    return _classify_links(links, rules=rules, reference=reference)


def _classify_links(
    links: pd.DataFrame,
    *,
    rules: LinkRules | None,
    reference: Reference | None,
    known: Mapping[str, _Codes] | None = None,
) -> pd.DataFrame:
    """:func:`classify_links`, with columns already coded (``known``) not coded again."""
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
                "reason_code": pd.Series(dtype=object),
                "reason_place": pd.Series(dtype=object),
                "reason_km": pd.Series(dtype=float),
                "reason_limit_km": pd.Series(dtype=float),
                "distance_km": pd.Series(dtype=float),
                "crosses_province": pd.Series(dtype="boolean"),
                "crosses_region": pd.Series(dtype="boolean"),
            },
            index=links.index,
        )

    known = known or {}

    def codes(column: str) -> _Codes:
        if column in known:
            return known[column]
        if column in links:
            return _Codes.of(links[column])
        return _Codes.blank(len(links))

    # Work on integer codes: each distinct text of a column is looked at once, and
    # reasons are written once per distinct (template, name or distance).
    lead = codes("lead_nis")
    part = codes("partner_nis")
    p_region_in = codes("partner_region")
    l_region_in = codes("lead_region")
    given = codes("partner_name")
    out = _classify_rows(
        lead,
        part,
        p_region_in=p_region_in,
        l_region_in=l_region_in,
        given=given,
        rules=rules,
        ref=reference,
    )
    return pd.DataFrame(out, index=links.index, copy=False)


@dataclass(frozen=True)
class _Codes:
    """A text column as codes into its distinct, stripped texts (missing values are '')."""

    codes: np.ndarray
    texts: np.ndarray  # object array of str

    @classmethod
    def of(cls, values: pd.Series) -> _Codes:
        found = distinct(values)
        texts = np.empty(len(found.values) + 1, dtype=object)
        texts[:-1] = [str(v).strip() for v in found.values]
        texts[-1] = ""  # code -1: a row of blank()
        return cls(found.codes, texts)

    @classmethod
    def blank(cls, n: int) -> _Codes:
        return cls(np.full(n, -1, dtype=np.intp), np.array([""], dtype=object))

    def take(self, at: np.ndarray) -> _Codes:
        """Return the codes of the rows at ``at`` (positions; -1 is the last row)."""
        return _Codes(self.codes[at], self.texts)

    def per_row(self, per_text: np.ndarray) -> np.ndarray:
        """Spread a value computed per distinct text over the rows."""
        return per_text[self.codes]

    def is_(self, text: str) -> np.ndarray:
        return self.per_row(self.texts == text)


class _Tables:
    """Arrays of the reference the classification looks things up in, made once."""

    def __init__(self, ref: Reference) -> None:
        m = ref.municipalities
        self.index = pd.Index(m["nis"])
        self.region = m["region"].to_numpy(dtype=object)
        self.x = m["point_x"].to_numpy(dtype=float)
        self.y = m["point_y"].to_numpy(dtype=float)
        self.names = m["name_nl"].to_numpy(dtype=object)
        self.province_code = m["province_code"].to_numpy(dtype=object)
        self.neighbours = _neighbour_codes(ref)
        self.brussels = (m["region"] == "brussels").to_numpy()
        self.centrumsteden = m["is_centrumstad"].to_numpy(dtype=bool) | self.brussels
        self.a0 = (m["hierarchy_code"] == "a0").to_numpy()
        self.home = {
            scheme: (pd.factorize(m[code])[0], m[name].to_numpy(dtype=object))
            for scheme, (code, name) in _SCHEME_COLUMNS.items()
        }

    @classmethod
    def of(cls, ref: Reference) -> _Tables:
        return ref.derived("classify", cls)


def _classify_rows(
    lead: _Codes,
    part: _Codes,
    *,
    p_region_in: _Codes,
    l_region_in: _Codes,
    given: _Codes,
    rules: LinkRules,
    ref: Reference,
) -> dict[str, Any]:
    m = ref.municipalities
    tables = _Tables.of(ref)
    index = tables.index
    n = len(lead.codes)
    li = lead.per_row(index.get_indexer(lead.texts))
    pi = part.per_row(index.get_indexer(part.texts))
    l_in = li >= 0
    p_in = pi >= 0
    lis = np.where(l_in, li, 0)
    pis = np.where(p_in, pi, 0)

    region = tables.region
    x, y = tables.x, tables.y

    abroad = p_region_in.is_("abroad")
    # Only a code the region calls Walloon is Walloon; any other code outside the
    # reference (a typo, a code of 2024) is unknown.
    p_wallonia = ~p_in & ~part.is_("") & ~abroad & p_region_in.is_("wallonia")
    l_wallonia = ~l_in & ~lead.is_("") & l_region_in.is_("wallonia")
    l_abroad = ~l_in & ~l_wallonia & l_region_in.is_("abroad")
    p_known = p_in | p_wallonia
    l_known = l_in | l_wallonia

    is_international = abroad
    is_unknown = ~abroad & ~(p_known & l_known)
    open_ = ~(is_international | is_unknown)
    # Same text on both sides: compare codes in one vocabulary of both columns.
    _, joint = np.unique(np.concatenate([lead.texts, part.texts]).astype(str), return_inverse=True)
    same_text = lead.per_row(joint[: len(lead.texts)]) == part.per_row(joint[len(lead.texts) :])
    is_local = open_ & same_text
    open_ &= ~is_local

    both = l_in & p_in
    if rules.scheme == "none":
        same_region = np.zeros(n, dtype=bool)
        home_names = np.full(len(m), "", dtype=object)
    else:
        home, home_names = tables.home[rules.scheme]
        same_region = both & (home[lis] == home[pis])

    if rules.neighbours:
        neighbour = both & np.isin(lis.astype(np.int64) * 1000 + pis, tables.neighbours)
    else:
        neighbour = np.zeros(n, dtype=bool)

    dist = np.where(both, np.hypot(x[lis] - x[pis], y[lis] - y[pis]) / 1000.0, np.nan)
    dist = np.round(dist, 1)
    near = both & (dist < rules.max_km) if rules.max_km is not None else np.zeros(n, dtype=bool)

    is_regional = open_ & (same_region | neighbour | near)
    open_ &= ~is_regional
    is_urban = open_ & p_in & _urban_mask(m, rules, tables)[pis]
    is_supra = open_ & ~is_urban
    cls = np.select(
        [is_international, is_unknown, is_local, is_regional, is_urban, is_supra],
        [_CLASS_CODE[c] for c in _CHECK_ORDER],
        default=_CLASS_CODE["unknown"],
    ).astype(np.intp)

    # Crossing flags (NA where a side is unknown).
    region_code = {"flanders": 0, "brussels": 1, "wallonia": 2, "": 3}
    other_region = 4 + pd.factorize(p_region_in.texts)[0]  # any other given text
    p_region_given = p_region_in.per_row(
        np.array([region_code.get(t, -1) for t in p_region_in.texts])
    )
    p_region_given = np.where(
        p_region_given >= 0, p_region_given, p_region_in.per_row(other_region)
    )
    muni_region = np.array([region_code[r] for r in region])
    p_region = np.where(p_in, muni_region[pis], np.where(p_wallonia, 2, p_region_given))
    l_region = np.where(l_in, muni_region[lis], np.where(l_wallonia, 2, 3))
    prov_codes, _ = pd.factorize(
        np.concatenate(
            [
                tables.province_code,
                _province_codes(lead.texts),
                _province_codes(part.texts),
            ]
        )
    )
    n_m, n_l = len(m), len(lead.texts)
    l_prov = np.where(l_in, prov_codes[lis], lead.per_row(prov_codes[n_m : n_m + n_l]))
    p_prov = np.where(p_in, prov_codes[pis], part.per_row(prov_codes[n_m + n_l :]))
    crosses_region = abroad | (l_region != p_region)
    crosses_province = abroad | (l_prov != p_prov)
    # NA where a side is unknown: an unknown link, or a foreign partner of an
    # unresolved or foreign lead.
    flags_na = is_unknown | ~l_known

    reason = _reasons(
        cls=cls,
        lead=lead,
        part=part,
        given=given,
        names=tables.names,
        lis=lis,
        pis=pis,
        l_known=l_known,
        l_abroad=l_abroad,
        p_wallonia=p_wallonia,
        same_region=same_region,
        neighbour=neighbour,
        dist=dist,
        home_names=home_names,
        crosses_province=crosses_province & ~is_unknown,
        crosses_region=crosses_region & ~is_unknown,
        l_in=l_in,
        p_brussels=p_in & tables.brussels[pis],
        l_brussels=l_in & tables.brussels[lis],
        rules=rules,
    )
    return {
        "class": _labels(list(CLASSES), cls),
        "group": _labels([CLASS_GROUPS[c] for c in CLASSES], cls),
        **reason,
        "distance_km": dist,
        "crosses_province": pd.arrays.BooleanArray(crosses_province, flags_na.copy()),
        "crosses_region": pd.arrays.BooleanArray(crosses_region, flags_na.copy()),
    }


_CHECK_ORDER = ("international", "unknown", "local", "regional", "urban", "supra_regional")
_CLASS_CODE = {c: k for k, c in enumerate(CLASSES)}


def _labels(labels: list[str], codes: np.ndarray) -> Any:
    """Return text labels by code, as a pyarrow-backed ``str`` array."""
    return Distinct(np.asarray(codes, dtype=np.intp), labels).as_text()


_TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)


def _province_codes(texts: np.ndarray) -> np.ndarray:
    """Province code of each distinct NIS text ('' when the code names none)."""
    return np.array([province_of_nis(str(t)) for t in texts], dtype=object)


def _neighbour_codes(ref: Reference) -> np.ndarray:
    """Encode every neighbour pair (positions a, b) as a * 1000 + b, sorted."""
    neighbours = ref.municipalities["neighbours"].tolist()
    first = np.repeat(np.arange(len(neighbours), dtype=np.int64), [len(n) for n in neighbours])
    flat = [b for nbs in neighbours for b in nbs]
    second = pd.Index(ref.municipalities["nis"]).get_indexer(flat).astype(np.int64)
    return np.sort(first * 1000 + second)


def urban_municipalities(
    rules: LinkRules | None = None, reference: Reference | None = None
) -> frozenset[str]:
    """Return the NIS codes of the municipalities the rules count as urban.

    The 13 centrumsteden and the 19 Brussels municipalities by default; hierarchy
    ``a0`` or a custom list as ``rules.urban`` says.

    Raises
    ------
    InputError
        When a custom list holds a code that is not a 2025 municipality.
    """
    reference = reference or load_reference()
    m = reference.municipalities
    mask = _urban_mask(m, rules or LinkRules(), _Tables.of(reference))
    return frozenset(m.loc[mask, "nis"])


def _urban_mask(m: pd.DataFrame, rules: LinkRules, tables: _Tables) -> np.ndarray:
    if rules.urban == "centrumsteden":
        mask = tables.centrumsteden
    elif rules.urban == "a0":
        mask = tables.a0
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
    lead: _Codes,
    part: _Codes,
    given: _Codes,
    names: np.ndarray,
    lis: np.ndarray,
    pis: np.ndarray,
    l_known: np.ndarray,
    l_abroad: np.ndarray,
    p_wallonia: np.ndarray,
    same_region: np.ndarray,
    neighbour: np.ndarray,
    dist: np.ndarray,
    home_names: np.ndarray,
    crosses_province: np.ndarray,
    crosses_region: np.ndarray,
    l_in: np.ndarray,
    p_brussels: np.ndarray,
    l_brussels: np.ndarray,
    rules: LinkRules,
) -> dict[str, Any]:
    """Return the reason of each link as a code with its parameters (no words).

    Columns ``reason_code``, ``reason_place``, ``reason_km`` and ``reason_limit_km``
    (see :data:`REASON_CODES`). The place is looked up once per distinct (source,
    position): a municipality, a home region, or a name as written.
    """
    n = len(cls)
    reason = np.full(n, -1, dtype=np.intp)
    # Where the place comes from, and its position there.
    source = np.full(n, _NO_PLACE, dtype=np.int64)
    position = np.zeros(n, dtype=np.int64)
    with_km = np.zeros(n, dtype=bool)
    given_code = np.where(given.codes < 0, len(given.texts) - 1, given.codes)
    part_code = np.where(part.codes < 0, len(part.texts) - 1, part.codes)
    given_filled = given.per_row(given.texts != "")
    # The name of a Walloon or foreign place: as written, else its code.
    outside_source = np.where(given_filled, _GIVEN, _PART_TEXT)
    outside_position = np.where(given_filled, given_code, part_code)
    scheme = rules.scheme

    def put(
        mask: np.ndarray,
        code: str,
        place: tuple[np.ndarray | int, np.ndarray] | None = None,
        *,
        km: bool = False,
    ) -> None:
        reason[mask] = _REASON_CODE[code]
        if place is not None:
            where, at = place
            source[mask] = where[mask] if isinstance(where, np.ndarray) else where
            position[mask] = at[mask]
        with_km[mask] = km

    outside = (outside_source, outside_position)
    sel = cls == _CLASS_CODE["international"]
    put(sel, "abroad", (_GIVEN, given_code))
    sel = cls == _CLASS_CODE["unknown"]
    put(sel & l_known, "partner_not_found")
    put(sel & ~l_known & ~l_abroad, "lead_not_found")
    put(sel & l_abroad, "lead_abroad")
    sel = cls == _CLASS_CODE["local"]
    put(sel & p_wallonia, "same_municipality", outside)
    put(sel & ~p_wallonia, "same_municipality", (_MUNICIPALITY, pis))
    sel = cls == _CLASS_CODE["regional"]
    by_region = sel & same_region
    put(by_region & l_brussels, "same_brussels_region")
    if scheme != "none":  # with no region scheme nothing is in the same region
        put(by_region & ~l_brussels, f"same_{scheme}", (_HOME, lis))
    by_border = sel & ~same_region & neighbour
    put(by_border & crosses_region, "border_region", (_MUNICIPALITY, pis))
    put(by_border & ~crosses_region & crosses_province, "border_province", (_MUNICIPALITY, pis))
    put(by_border & ~crosses_region & ~crosses_province, "border", (_MUNICIPALITY, pis))
    put(sel & ~same_region & ~neighbour, "within_km", km=True)
    sel = cls == _CLASS_CODE["urban"]
    if rules.urban == "centrumsteden":
        put(sel & p_brussels, "urban_brussels", (_MUNICIPALITY, pis))
        put(sel & ~p_brussels, "urban_centrumstad", (_MUNICIPALITY, pis))
    else:
        put(sel, f"urban_{rules.urban}", (_MUNICIPALITY, pis))
    sel = cls == _CLASS_CODE["supra_regional"]
    put(sel & p_wallonia, "wallonia", outside)
    inside = sel & ~p_wallonia & l_in
    other = "no_neighbour" if scheme == "none" else f"other_{scheme}"
    put(inside & l_brussels, "outside_brussels", km=True)
    put(inside & ~l_brussels, other, km=True)
    put(sel & ~p_wallonia & ~l_in, "outside_own_region")

    # Whole kilometres, half to even (as the reasons always rounded them).
    km = np.where(with_km, np.rint(dist), np.nan)
    within = reason == _REASON_CODE["within_km"]
    limit = np.where(within, rules.max_km if rules.max_km is not None else np.nan, np.nan)
    places = {
        _NO_PLACE: np.array([""], dtype=object),
        _GIVEN: given.texts,
        _PART_TEXT: part.texts,
        _MUNICIPALITY: names,
        _HOME: home_names,
    }
    keys, distinct = pd.factorize(
        source * _SOURCE_SPACE + np.where(source == _NO_PLACE, 0, position)
    )
    place_texts = [
        str(places[int(k) // _SOURCE_SPACE][int(k) % _SOURCE_SPACE]) for k in distinct.tolist()
    ]
    return {
        "reason_code": _labels(list(REASON_CODES), reason),
        "reason_place": _labels(place_texts, keys),
        "reason_km": km,
        "reason_limit_km": limit.astype(float),
    }


_REASON_CODE = {c: k for k, c in enumerate(REASON_CODES)}
_SOURCE_SPACE = 1 << 40
_NO_PLACE, _GIVEN, _PART_TEXT, _MUNICIPALITY, _HOME = range(5)


_FROM_PROJECTS = (
    "project_id",
    "round",
    "title",
    "lead_organisation",
    "lead_nis",
    "lead_name",
    "lead_region",
    "target_group_codes",
)
LINK_COLUMNS = (
    *_FROM_PROJECTS,
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
    project_cols = [c for c in _FROM_PROJECTS if c in projects.columns]
    lead = projects[project_cols]
    if projects["project_id"].duplicated().any():
        lead = lead.drop_duplicates("project_id")
    left = partners.reset_index(drop=True)
    # A left join on project_id (the first project of an id), done by position.
    at = _positions_of(left["project_id"], lead["project_id"])
    rows = pa.array(np.where(at < 0, len(lead), at), type=pa.int64())
    columns: dict[str, Any] = {c: left[c] for c in left.columns}
    known: dict[str, _Codes] = {}
    for col in project_cols[1:]:
        name = col if col not in columns else f"{col}_project"
        if name in _AS_TEXT:
            # Text, missing as '' (also for a partner of an unknown project), taken in
            # pyarrow from the (few) projects: no Python object per row.
            per_project = _project_texts(lead[col])
            columns[name] = pd.Series(pd.array(per_project.take(rows), dtype=_TEXT), copy=False)
            if name in ("lead_nis", "lead_region"):
                # Coded per project, not per row: classify need not hash 100,000 texts.
                # Coded as the text shown, so 11002 and 11002.0 differ here as they do
                # in classify_links.
                known[name] = _Codes.of(pd.Series(pd.array(per_project, dtype=_TEXT))).take(at)
        else:
            # Position -1 (no such project) gives a missing value, as the join would.
            taken = pd.api.extensions.take(lead[col].array, at, allow_fill=True)
            columns[name] = pd.Series(taken)
    for col in _AS_TEXT:
        if col in left.columns:
            column = left[col].astype(_TEXT)
            columns[col] = column.where(column.notna(), "")
    keep = [c for c in LINK_COLUMNS if c in columns]
    extra = [c for c in columns if c not in keep]
    # The columns are new or taken from ``partners`` (copy-on-write): no copy needed.
    links = pd.DataFrame({c: columns[c] for c in keep + extra}, index=left.index, copy=False)
    classified = _classify_links(links, rules=rules, reference=reference, known=known)
    return pd.concat([links, classified], axis=1)


_AS_TEXT = ("lead_nis", "lead_region", "lead_name", "round", "title", "lead_organisation")


def _project_texts(values: pd.Series) -> Any:
    """Return a project column as pyarrow text, missing as '', and one more '' at the end.

    The extra '' is the value for a partner row whose project is unknown.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = pa.array(values.array)  # the column's own pyarrow arrays
        chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
        texts = [pc.fill_null(c, "").cast(pa.large_string()) for c in chunks]
        return pa.chunked_array([*texts, pa.array([""], type=pa.large_string())]).combine_chunks()
    objects = values.astype(object).to_numpy()
    objects = np.append(np.where(pd.isna(objects), "", objects), "")
    try:
        return pa.array(objects, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Not all text (a caller's table may hold numbers: round 2021).
        return pa.array(
            [v if isinstance(v, str) else str(v) for v in objects.tolist()], type=pa.large_string()
        )


def _positions_of(keys: pd.Series, labels: pd.Series) -> np.ndarray:
    """Return the position of each key among the (distinct) labels, -1 when absent.

    Missing values match missing values, as in :meth:`pandas.DataFrame.merge`.
    """
    codes, uniques = pd.factorize(
        pd.concat([labels, keys], ignore_index=True), use_na_sentinel=False
    )
    where = np.full(len(uniques), -1, dtype=np.intp)
    where[codes[: len(labels)]] = np.arange(len(labels))
    return where[codes[len(labels) :]]
