"""Underserved municipalities (*witte vlekken*): flags a funder can defend, areas, benchmarks.

The default definition compares like with like:

1. a municipality with no involvement in the selection is always flagged
   (reason ``no_involvement``);
2. a municipality whose involvement per 10,000 inhabitants is among the lowest
   ``lowest_share`` of its *peer group* is flagged (reason ``low_in_peers``). The
   peer group is the same level of the urban hierarchy (uitrustingsgraad ``a0`` …
   ``c3``; the 19 Brussels municipalities, which the Flemish hierarchy does not
   grade, form their own group ``bhg``), or the own referentieregio (Brussels: the
   Brussels-Capital Region), or, as the old option, all municipalities at once;
3. a municipality among the ``protect_top`` share with the most *absolute*
   involvement is never flagged by rule 2: a big city with many projects is not
   underserved because it has many inhabitants.

Flagged municipalities that share a border form an *area* (connected components
of the reference's neighbour graph). The library returns codes and numbers; the
words, in Dutch or English, come from the text catalogue
(``data/texts/underserved.toml``) through the ``*_text`` functions below.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optil_geo._errors import SettingsError
from optil_geo.reference import Reference, load_reference
from optil_geo.texts import check_language, format_number, format_percent, text

__all__ = [
    "COMPARISON_COLUMNS",
    "INVOLVEMENT_METRICS",
    "PEER_GROUPS",
    "REASONS",
    "UNDERSERVED_COLUMNS",
    "UnderservedRules",
    "add_comparison_averages",
    "explanation_rows",
    "flag_underserved",
    "municipality_comparison",
    "reason_texts",
    "rule_sentences",
    "selection_is_empty",
    "short_definition",
    "underserved_areas",
]

INVOLVEMENT_METRICS = (
    "projects_involved",
    "projects_led",
    "partners_located",
    "links_total",
)
"""Metrics that can measure a municipality's involvement (absolute; ``_per_10k`` is derived)."""

PEER_GROUPS = ("hierarchy", "refreg", "all")
"""Whom a municipality's involvement per inhabitant is compared with."""

REASONS = ("no_involvement", "low_in_peers")
"""The reason codes of a flag, most severe first (the ranking follows this order)."""

BRUSSELS_PEERS = "bhg"
"""The hierarchy peer group of the 19 Brussels municipalities (not graded by the Flemish one)."""

UNDERSERVED_COLUMNS = (
    "underserved",
    "underserved_reason",
    "underserved_rank",
    "underserved_area",
    "peer_group",
    "peer_threshold_per_10k",
    "top_share",
    "first_round",
    "last_round",
    "out_of_view",
)
"""The columns :func:`flag_underserved` (re)writes."""

COMPARISON_COLUMNS = (
    "avg_refreg_per_10k",
    "avg_hierarchy_per_10k",
    "avg_flanders_per_10k",
    "avg_brussels_per_10k",
)
"""The like-for-like benchmarks :func:`add_comparison_averages` writes."""

_NEEDED = ("nis", "name_nl", "population", "hierarchy_code", "refreg_name", "rounds")


@dataclass(frozen=True, kw_only=True)
class UnderservedRules:
    """When a municipality counts as underserved (a *witte vlek*).

    Parameters
    ----------
    no_involvement
        Flag municipalities with no involvement at all in the selection.
    lowest_share
        Flag municipalities whose involvement per 10,000 inhabitants is at or
        below this quantile of their peer group (default 0.2: the lowest fifth).
        ``None`` switches this rule off.
    peers
        The peer group of that comparison: ``"hierarchy"`` (the same level of the
        urban hierarchy; Brussels among itself; the default), ``"refreg"`` (the own
        referentieregio; Brussels among itself) or ``"all"`` (all municipalities
        at once, which flags big cities for their many inhabitants).
    protect_top
        Never flag, by the lowest-share rule, a municipality among this share with
        the most absolute involvement (default 0.25: the top quarter; with 304
        municipalities the 76 with the most, and any tied with the 76th). ``None``
        switches the protection off.
    metric
        The involvement measure, one of :data:`INVOLVEMENT_METRICS`.
    recent_rounds
        A municipality involved in earlier rounds of the selection but in none of
        its ``recent_rounds`` most recent rounds is *out of view* (uit beeld
        geraakt). Default 3: with two calls a year about a year and a half, since
        a project runs up to three years and one quiet call says little.
    """

    no_involvement: bool = True
    lowest_share: float | None = 0.2
    peers: str = "hierarchy"
    protect_top: float | None = 0.25
    metric: str = "projects_involved"
    recent_rounds: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.no_involvement, bool | np.bool_):
            raise SettingsError(
                f"`no_involvement` was {self.no_involvement!r} but must be True or False"
            )
        for name in ("lowest_share", "protect_top"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                raise SettingsError(
                    f"`{name}` was {value!r} but must be a number between 0 and 1, or None"
                )
        if self.peers not in PEER_GROUPS:
            raise SettingsError(
                f"`peers` was {self.peers!r} but must be one of {list(PEER_GROUPS)!r}"
            )
        if self.metric not in INVOLVEMENT_METRICS:
            raise SettingsError(
                f"`metric` was {self.metric!r} but must be one of {list(INVOLVEMENT_METRICS)!r}"
            )
        if (
            isinstance(self.recent_rounds, bool)
            or not isinstance(self.recent_rounds, int | np.integer)
            or self.recent_rounds < 1
        ):
            raise SettingsError(
                f"`recent_rounds` was {self.recent_rounds!r} "
                "but must be a whole number of 1 or more"
            )


# ------------------------------------------------------------------------------ flags


def selection_is_empty(measures: pd.DataFrame) -> bool:
    """Return whether no municipality of ``measures`` takes part in any project.

    Then there is nothing to compare: :func:`flag_underserved` flags nothing, and a
    page or an export should say the selection is empty instead of showing figures.
    """
    return not bool(np.asarray(measures["projects_involved"], dtype=float).sum() > 0)


def flag_underserved(
    measures: pd.DataFrame,
    rules: UnderservedRules | None = None,
    *,
    reference: Reference | None = None,
    rounds: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return ``measures`` with the underserved flags, ranks, areas and trends, among its rows.

    Every comparison (peer thresholds, the top share, the areas) is made among the
    rows given: all 304 municipalities, or those of a focus area.

    Parameters
    ----------
    measures
        Rows of :func:`optil_geo.municipality_measures`.
    rules
        The definition; the defaults when omitted.
    reference
        The reference geography (its neighbour graph makes the areas).
    rounds
        The rounds of the selection, for *out of view*; by default the rounds in
        which any of the rows took part.

    Returns
    -------
    pandas.DataFrame
        ``measures`` with the columns of :data:`UNDERSERVED_COLUMNS`:
        ``underserved`` (bool), ``underserved_reason`` (a code of :data:`REASONS`,
        ``""`` when not flagged), ``underserved_rank`` (1 = most underserved:
        no involvement before low involvement, then the most inhabitants; empty
        when not flagged), ``underserved_area`` (area number, 1 = the area with the
        most inhabitants; empty when not flagged), ``peer_group`` (the code of the
        group compared with: a hierarchy code, a referentieregio name or ``all``),
        ``peer_threshold_per_10k`` (the group's lowest-share threshold),
        ``top_share`` (among the protected share with the most involvement),
        ``first_round``/``last_round`` with involvement, ``out_of_view``.
    """
    rules = rules or UnderservedRules()
    missing = [
        c
        for c in (*_NEEDED, rules.metric, f"{rules.metric}_per_10k", "projects_involved")
        if c not in measures.columns
    ]
    if missing:
        raise SettingsError(
            f"`measures` lacks the column(s) {missing!r}; pass the table of municipality_measures"
        )
    out = measures.drop(columns=[c for c in UNDERSERVED_COLUMNS if c in measures.columns])
    out = out.reset_index(drop=True)
    value = out[rules.metric].to_numpy(dtype=float)
    per_10k = out[f"{rules.metric}_per_10k"].to_numpy(dtype=float)
    peers = _peer_keys(out, rules.peers)
    threshold = _peer_thresholds(per_10k, peers, rules.lowest_share)
    top = _top_share(value, rules.protect_top)

    none = (value == 0) & rules.no_involvement
    low = (per_10k <= threshold) & ~top  # NaN thresholds (rule off) compare False
    if selection_is_empty(out):
        none = low = np.zeros(len(out), dtype=bool)
    flagged = none | low
    reason = np.where(none, REASONS[0], np.where(low, REASONS[1], ""))
    rank = _rank(out, none, low)
    area = _areas(out, flagged, rank, reference or load_reference())
    first, last, out_of_view = _trends(out["rounds"], rounds, rules.recent_rounds)
    return out.assign(
        underserved=flagged,
        underserved_reason=reason.astype(object),
        underserved_rank=rank,
        underserved_area=area,
        peer_group=peers,
        peer_threshold_per_10k=threshold,
        top_share=top,
        first_round=first,
        last_round=last,
        out_of_view=out_of_view,
    )


def _peer_keys(measures: pd.DataFrame, peers: str) -> np.ndarray:
    if peers == "hierarchy":
        return measures["hierarchy_code"].astype(object).fillna(BRUSSELS_PEERS).to_numpy()
    if peers == "refreg":
        return measures["refreg_name"].astype(object).to_numpy()
    return np.full(len(measures), "all", dtype=object)


def _peer_thresholds(per_10k: np.ndarray, peers: np.ndarray, share: float | None) -> np.ndarray:
    """The ``share`` quantile of each peer group, an observed value ("lower"); NaN when off."""
    if share is None or not len(per_10k):
        return np.full(len(per_10k), np.nan)
    frame = pd.DataFrame({"v": per_10k, "g": peers})
    # An observed value, so the threshold shown is one a municipality of the group has.
    by_group = frame.groupby("g")["v"].quantile(share, interpolation="lower")
    return by_group.reindex(peers).to_numpy(dtype=float)


def _top_share(value: np.ndarray, share: float | None) -> np.ndarray:
    """Rows among the ``share`` with the most involvement (ties with the last one included)."""
    if share is None or not len(value):
        return np.zeros(len(value), dtype=bool)
    k = max(1, math.ceil(share * len(value)))
    kth_highest = np.sort(value)[::-1][k - 1]
    return (value >= kth_highest) & (value > 0)


def _rank(measures: pd.DataFrame, none: np.ndarray, low: np.ndarray) -> pd.Series:
    """1 = most underserved: no involvement first, then low; within each, most inhabitants."""
    severity = np.where(none, 0, np.where(low, 1, 2))
    order = np.lexsort(
        (
            measures["name_nl"].astype(str).to_numpy(),
            -measures["population"].to_numpy(dtype=float),
            severity,
        )
    )
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return pd.Series(rank, dtype="Int64").where(severity < 2)


def _areas(
    measures: pd.DataFrame, flagged: np.ndarray, rank: pd.Series, reference: Reference
) -> pd.Series:
    """Number the connected groups of flagged rows in the neighbour graph (1 = most inhabitants)."""
    # scipy loads in a few tenths of a second: only when there is something to group.
    from scipy.sparse import coo_matrix  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    at = np.flatnonzero(flagged)
    result = pd.Series(pd.NA, index=measures.index, dtype="Int64")
    if not len(at):
        return result
    nis = measures["nis"].astype(str).to_numpy()[at]
    local = {code: i for i, code in enumerate(nis)}
    neighbours = reference.municipalities["neighbours"].to_numpy()[
        [reference.position(code) for code in nis]
    ]
    rows, cols = [], []
    for i, near in enumerate(neighbours):
        for other in near if isinstance(near, tuple | list | np.ndarray) else ():
            j = local.get(str(other))
            if j is not None:
                rows.append(i)
                cols.append(j)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(at), len(at)))
    _, labels = connected_components(graph, directed=False)
    pop = measures["population"].to_numpy(dtype=float)[at]
    first_rank = rank.to_numpy(dtype=float)[at]
    groups = pd.DataFrame({"label": labels, "pop": pop, "rank": first_rank})
    summary = groups.groupby("label").agg(pop=("pop", "sum"), rank=("rank", "min"))
    summary = summary.sort_values(["pop", "rank"], ascending=[False, True])
    number = pd.Series(np.arange(1, len(summary) + 1), index=summary.index)
    result.iloc[at] = number.reindex(labels).to_numpy()
    return result


def _trends(
    municipal_rounds: pd.Series, rounds: Sequence[str] | None, recent: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First and last round of each row, and whether it fell out of the recent rounds."""
    per_row = [
        tuple(sorted(r for r in str(s).split(";") if r)) if isinstance(s, str) else ()
        for s in municipal_rounds
    ]
    every = sorted({r for rs in per_row for r in rs} if rounds is None else set(rounds) - {""})
    recent_set = set(every[-recent:])
    earlier_set = set(every[:-recent]) if len(every) > recent else set()
    first = np.array([rs[0] if rs else "" for rs in per_row], dtype=object)
    last = np.array([rs[-1] if rs else "" for rs in per_row], dtype=object)
    gone = np.array(
        [bool(earlier_set.intersection(rs)) and not recent_set.intersection(rs) for rs in per_row],
        dtype=bool,
    )
    return first, last, gone


# ------------------------------------------------------------------------------ areas


def underserved_areas(
    measures: pd.DataFrame,
    *,
    reference: Reference | None = None,
    metric: str = "projects_involved",
    nearest: int = 3,
) -> pd.DataFrame:
    """Return one row per witte-vlek area of :func:`flag_underserved`'s result.

    Columns: ``area`` (its number), ``municipalities`` (count), ``nis`` and
    ``names`` (tuples, most underserved first), ``population`` (total
    inhabitants), ``no_involvement`` (members without any involvement),
    ``nearest_involved`` (names of the ``nearest`` municipalities with involvement
    that are not flagged, among the rows given, closest first) and ``nearest_km``
    (their distance in km to the nearest member, between representative points in
    EPSG:31370).
    """
    reference = reference or load_reference()
    flagged = measures[measures["underserved"].astype(bool)].sort_values("underserved_rank")
    columns = [
        "area",
        "municipalities",
        "nis",
        "names",
        "population",
        "no_involvement",
        "nearest_involved",
        "nearest_km",
    ]
    if flagged.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    # Plain arrays first: a pandas selection per area costs more than the distances.
    m = reference.municipalities
    xy = m[["point_x", "point_y"]].to_numpy(dtype=float)
    at_all = np.array([reference.position(str(n)) for n in measures["nis"]], dtype=np.intp)
    served = ~measures["underserved"].astype(bool).to_numpy()
    involved = (measures[metric].to_numpy(dtype=float) > 0) & served
    inv_at = at_all[involved]
    inv_names = measures["name_nl"].astype(str).to_numpy()[involved]
    order = flagged.index.to_numpy()
    label = measures.loc[order, "underserved_area"].to_numpy(dtype=np.int64)
    f_at = at_all[measures.index.get_indexer(pd.Index(order))]
    f_nis = measures.loc[order, "nis"].astype(str).to_numpy()
    f_names = measures.loc[order, "name_nl"].astype(str).to_numpy()
    f_pop = measures.loc[order, "population"].to_numpy(dtype=np.int64)
    f_none = (measures.loc[order, "underserved_reason"] == REASONS[0]).to_numpy()
    rows = []
    for number in np.unique(label):
        mine = label == number
        names: tuple[str, ...] = ()
        km: tuple[float, ...] = ()
        if len(inv_at):
            # Distance from each involved municipality to the nearest member, in km.
            diff = xy[inv_at, None, :] - xy[None, f_at[mine], :]
            d = np.sqrt((diff**2).sum(axis=2)).min(axis=1)
            closest = np.argsort(d, kind="stable")[:nearest]
            names = tuple(inv_names[closest].tolist())
            km = tuple(np.round(d[closest] / 1000, 1).tolist())
        rows.append(
            {
                "area": int(number),
                "municipalities": int(mine.sum()),
                "nis": tuple(f_nis[mine].tolist()),
                "names": tuple(f_names[mine].tolist()),
                "population": int(f_pop[mine].sum()),
                "no_involvement": int(f_none[mine].sum()),
                "nearest_involved": names,
                "nearest_km": km,
            }
        )
    return pd.DataFrame(rows, columns=columns)


# ------------------------------------------------------------------------------ benchmarks


def add_comparison_averages(
    measures: pd.DataFrame, metric: str = "projects_involved"
) -> pd.DataFrame:
    """Return ``measures`` with its like-for-like benchmarks of ``metric`` per 10,000 inhabitants.

    For every row: the value of its referentieregio (Brussels: the Brussels-Capital
    Region), of its urban-hierarchy class (Brussels: the 19 Brussels
    municipalities), of Flanders, and of Brussels (for Brussels rows only; empty
    for the others). A group's value is its total involvement per 10,000 of its
    inhabitants (the group as a whole, so large and small municipalities weigh by
    their population). Pass all 304 rows: the groups are formed from the rows given.
    """
    if metric not in INVOLVEMENT_METRICS:
        raise SettingsError(
            f"`metric` was {metric!r} but must be one of {list(INVOLVEMENT_METRICS)!r}"
        )
    value = np.nan_to_num(measures[metric].to_numpy(dtype=float), nan=0.0)
    pop = np.nan_to_num(measures["population"].to_numpy(dtype=float), nan=0.0)
    brussels = _is_brussels(measures)

    def group_rate(keys: pd.Series) -> np.ndarray:
        # Totals per group with one bincount each (a few groups, 304 rows); a row
        # without a group (-1) gets no value, a missing value counts as 0.
        group, _ = pd.factorize(keys)
        known = group >= 0
        total_value = np.bincount(group[known], weights=value[known])
        total_pop = np.bincount(group[known], weights=pop[known])
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.round(10_000 * total_value / np.where(total_pop > 0, total_pop, np.nan), 3)
        out = np.full(len(group), np.nan)
        out[known] = rate[group[known]]
        return out

    region = pd.Series(np.where(brussels, "brussels", "flanders"), index=measures.index)
    by_region = group_rate(region)
    flanders = float(by_region[~brussels][0]) if (~brussels).any() else math.nan
    return measures.assign(
        avg_refreg_per_10k=group_rate(measures["refreg_name"].astype(object)),
        avg_hierarchy_per_10k=group_rate(
            measures["hierarchy_code"].astype(object).fillna(BRUSSELS_PEERS)
        ),
        avg_flanders_per_10k=flanders,
        avg_brussels_per_10k=np.where(brussels, by_region, np.nan),
    )


def _is_brussels(measures: pd.DataFrame) -> np.ndarray:
    return (measures["hierarchy_code"].astype(object) == BRUSSELS_PEERS).to_numpy(dtype=bool)


def municipality_comparison(
    measures: pd.DataFrame, nis: str, *, metric: str = "projects_involved"
) -> pd.DataFrame:
    """Return one municipality's involvement next to its like-for-like benchmarks.

    For a details panel. ``measures`` are all 304 rows of
    :func:`optil_geo.municipality_measures`. Rows (``level``): ``municipality``,
    ``refreg``, ``hierarchy``, ``flanders`` and, for a Brussels municipality,
    ``brussels``. Columns: ``level``, ``name`` (the municipality, the
    referentieregio, the hierarchy code, or ``""`` for the regions: the interface
    names those), ``per_10k`` (``metric`` per 10,000 inhabitants), ``municipalities``
    (in the group).

    Raises
    ------
    KeyError
        When ``nis`` is not among the rows.
    """
    found = measures.index[measures["nis"].astype(str) == str(nis)]
    if not len(found):
        raise KeyError(f"`nis` was {nis!r}, which is not among the municipalities of `measures`")
    bench = add_comparison_averages(measures, metric)
    row = bench.loc[found[0]]
    brussels = bool(_is_brussels(bench.loc[[found[0]]])[0])
    flemish = ~_is_brussels(bench)
    levels = [
        ("municipality", str(row["name_nl"]), float(row[f"{metric}_per_10k"]), 1),
        (
            "refreg",
            str(row["refreg_name"]),
            float(row["avg_refreg_per_10k"]),
            int((bench["refreg_name"] == row["refreg_name"]).sum()),
        ),
        (
            "hierarchy",
            str(row["hierarchy_code"]),
            float(row["avg_hierarchy_per_10k"]),
            int((bench["hierarchy_code"] == row["hierarchy_code"]).sum()),
        ),
        ("flanders", "", float(row["avg_flanders_per_10k"]), int(flemish.sum())),
    ]
    if brussels:
        levels.append(("brussels", "", float(row["avg_brussels_per_10k"]), int((~flemish).sum())))
    return pd.DataFrame(levels, columns=["level", "name", "per_10k", "municipalities"])


# ------------------------------------------------------------------------------ words


def _pct(share: float | None) -> str:
    return format_number(round(100 * (share or 0)), 0)


def _peer_label(peers: str, group: str, lang: str) -> str:
    if peers == "hierarchy":
        key = "uw_peer_brussels" if group == BRUSSELS_PEERS else "uw_peer_hierarchy"
        return text(key, lang, code=group)
    if peers == "refreg":
        return text("uw_peer_refreg", lang, name=group)
    return text("uw_peer_all", lang)


def reason_texts(measures: pd.DataFrame, rules: UnderservedRules, *, lang: str = "nl") -> pd.Series:
    """Return the reason of each row's flag in words (``""`` when not flagged).

    ``no_involvement`` → "Geen betrokkenheid in de selectie"; ``low_in_peers`` →
    "Bij de laagste 20% van hiërarchieniveau c1 (≤ 1,23 per 10.000 inwoners)".
    """
    check_language(lang)
    keys = pd.DataFrame(
        {
            "code": measures["underserved_reason"].astype(object).fillna(""),
            "group": measures["peer_group"].astype(object).fillna(""),
            "threshold": measures["peer_threshold_per_10k"].astype(float),
        }
    )
    distinct = keys.drop_duplicates()
    words = {}
    for code, group, threshold in distinct.itertuples(index=False):
        if code == REASONS[0]:
            words[(code, group, threshold)] = text("uw_reason_no_involvement", lang)
        elif code == REASONS[1]:
            words[(code, group, threshold)] = text(
                "uw_reason_low_in_peers",
                lang,
                pct=_pct(rules.lowest_share),
                peers=_peer_label(rules.peers, str(group), lang),
                threshold=format_number(threshold, 2, lang=lang),
            )
        else:
            words[(code, group, threshold)] = ""
    return pd.Series(
        [words[k] for k in keys.itertuples(index=False, name=None)],
        index=measures.index,
        dtype=object,
    )


def rule_sentences(
    rules: UnderservedRules,
    *,
    lang: str = "nl",
    n: int = 304,
    top_threshold: float | None = None,
    rounds: Sequence[str] = (),
) -> list[str]:
    """Return the definition in plain sentences, one per rule in force, in ``lang``.

    Parameters
    ----------
    rules
        The definition.
    lang
        ``nl`` or ``en``.
    n
        The number of municipalities compared (304, or those of a focus area).
    top_threshold
        The least absolute involvement of the protected top share, when known.
    rounds
        The rounds of the selection (names the recent rounds of *out of view*).
    """
    check_language(lang)
    metric = text(f"gap_metric_{rules.metric}", lang).lower()
    out = []
    if rules.no_involvement:
        out.append(text("uw_rule_no_involvement", lang, metric=metric))
    if rules.lowest_share is not None:
        out.append(
            text(f"uw_rule_low_{rules.peers}", lang, pct=_pct(rules.lowest_share), metric=metric)
        )
    if rules.protect_top is not None and rules.lowest_share is not None:
        k = max(1, math.ceil(rules.protect_top * n))
        least = (
            text("uw_rule_top_least", lang, value=format_number(top_threshold, 0, lang=lang))
            if top_threshold is not None and top_threshold > 0
            else ""
        )
        out.append(text("uw_rule_top", lang, pct=_pct(rules.protect_top), k=k, n=n, least=least))
    if not out:
        out.append(text("uw_rule_off", lang))
    out.append(text("uw_rule_areas", lang))
    out.append(text("uw_rule_rank", lang))
    recent = sorted(set(rounds) - {""})[-rules.recent_rounds :]
    out.append(
        text(
            "uw_rule_out_of_view",
            lang,
            k=rules.recent_rounds,
            rounds=", ".join(recent) if recent else "–",
        )
    )
    return out


def explanation_rows(
    measures: pd.DataFrame,
    rules: UnderservedRules,
    *,
    lang: str = "nl",
    filters: str = "",
    dataset: str = "",
    rounds: Sequence[str] | None = None,
    today: dt.date | None = None,
) -> list[tuple[str, str]]:
    """Return the ``uitleg`` of an underserved export as (topic, text) pairs, in ``lang``.

    The definition in words (one sentence per rule), the rules' parameters, the
    filters, the data set, the date, the counts, and the credit.
    """
    check_language(lang)
    day = today or dt.datetime.now().astimezone().date()
    every = (
        sorted({r for s in measures["rounds"] for r in str(s).split(";") if r})
        if rounds is None
        else sorted(set(rounds) - {""})
    )
    value = measures[rules.metric].to_numpy(dtype=float)
    top = measures["top_share"].to_numpy(dtype=bool) if "top_share" in measures else None
    least = float(value[top].min()) if top is not None and top.any() else None
    rows: list[tuple[str, str]] = [(text("uw_topic_title", lang), text("uw_title", lang))]
    if selection_is_empty(measures):
        rows.append((text("uw_topic_note", lang), text("uw_empty", lang)))
    for sentence in rule_sentences(
        rules, lang=lang, n=len(measures), top_threshold=least, rounds=every
    ):
        rows.append((text("uw_topic_definition", lang), sentence))
    rows.append((text("uw_topic_parameters", lang), _parameters(rules, lang)))
    rows.append((text("uw_topic_filters", lang), filters or text("no_filters", lang)))
    if dataset:
        rows.append((text("uw_topic_data", lang), dataset))
    rows.append((text("uw_topic_date", lang), f"{day:%d-%m-%Y}"))
    flagged = measures["underserved"].astype(bool)
    areas = measures.loc[flagged, "underserved_area"].nunique()
    rows.append(
        (
            text("uw_topic_counts", lang),
            text(
                "uw_counts",
                lang,
                n=format_number(int(flagged.sum()), lang=lang),
                total=format_number(len(measures), lang=lang),
                areas=format_number(int(areas), lang=lang),
                gone=format_number(int(measures["out_of_view"].astype(bool).sum()), lang=lang),
            ),
        )
    )
    rows.append((text("uw_topic_credit", lang), "Statbel; Provincies in Cijfers"))
    return rows


def _parameters(rules: UnderservedRules, lang: str) -> str:
    def onoff(value: float | None) -> str:
        return text("uw_off", lang) if value is None else format_percent(value, lang=lang)

    return text(
        "uw_parameters",
        lang,
        none=text("yes", lang) if rules.no_involvement else text("no", lang),
        share=onoff(rules.lowest_share),
        peers=text(f"uw_peers_{rules.peers}", lang),
        top=onoff(rules.protect_top),
        metric=rules.metric,
        recent=rules.recent_rounds,
    )


def short_definition(rules: UnderservedRules, *, lang: str = "nl") -> str:
    """Return the definition in one line, for the text under a map (``""`` when all is off)."""
    check_language(lang)
    if rules.lowest_share is None:
        return text("uw_short_none_only", lang) if rules.no_involvement else ""
    top = (
        text("uw_short_top", lang, pct=_pct(rules.protect_top))
        if rules.protect_top is not None
        else ""
    )
    return text(
        "uw_short" if rules.no_involvement else "uw_short_low_only",
        lang,
        pct=_pct(rules.lowest_share),
        peers=text(f"uw_short_peers_{rules.peers}", lang),
        top=top,
    )
