"""The wording layer: turn the codes of the analysis into Dutch or English.

The analysis (:mod:`optil_geo.classify`, :mod:`optil_geo.measures`) returns codes
and numbers; this module words them with the one text catalogue
(:mod:`optil_geo.texts`), in the language the caller names. The app, the command
line and every export word their tables here, so a class or a reason reads the
same everywhere.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from babel import Locale

from optil_geo import vocabulary
from optil_geo.classify import CLASSES
from optil_geo.texts import _LOCALES, catalogue, check_language, format_number, text

__all__ = [
    "LINK_TABLE_COLUMNS",
    "abroad_place_label",
    "class_label",
    "class_labels",
    "column_explanations",
    "group_label",
    "link_reasons",
    "link_table",
    "location_status_label",
    "people_table",
    "region_label",
]

LINK_TABLE_COLUMNS = (
    "project_id",
    "title",
    "round",
    "lead_organisation",
    "lead_nis",
    "lead_name",
    "organisation",
    "sector",
    "sector_group",
    "role",
    "partner_nis",
    "partner_name",
    "partner_region",
    "class",
    "group",
    "reason",
    "distance_km",
    "crosses_province",
    "crosses_region",
    "source_row",
)
"""The columns of the links table for people (exports, the command line), in order."""

_REASON_COLUMNS = ("reason_code", "reason_place", "reason_km", "reason_limit_km")


def class_label(code: str, lang: str = "nl") -> str:
    """Return the word for a link class (``supra_regional`` → ``bovenregionaal``)."""
    return _word("class", code, lang)


def class_labels(lang: str = "nl") -> dict[str, str]:
    """Return the word of every link class, in the fixed order of :data:`CLASSES`."""
    return {code: class_label(code, lang) for code in CLASSES}


def group_label(code: str, lang: str = "nl") -> str:
    """Return the word for a class group (``local_regional`` → ``lokaal-regionaal``)."""
    return _word("group", code, lang)


def region_label(code: str, lang: str = "nl") -> str:
    """Return the word for a location's region code (``wallonia`` → ``Wallonië``).

    An empty code is a location not found: ``Onbekend`` / ``Unknown``.
    """
    return _word("region", code or "unknown", lang)


@functools.cache
def _territories(locale: str) -> dict[str, str]:
    """CLDR's country names (ISO 3166 alpha-2 code → name) in ``locale``."""
    names = Locale.parse(locale).territories
    return {code: str(name) for code, name in names.items() if len(code) == 2 and code.isalpha()}


@functools.cache
def _country_codes_nl() -> dict[str, str]:
    """The ISO code of every Dutch country name (lower case), CLDR's reverse lookup."""
    return {name.casefold(): code for code, name in _territories(_LOCALES["nl"]).items()}


_IN_COUNTRY = re.compile(r"^(?P<place>.*\S)\s*\((?P<country>[^()]+)\)$")


def abroad_place_label(name: str, lang: str = "nl") -> str:
    """Word the country of a place abroad in ``lang`` (``Rotterdam (Nederland)`` in English).

    The location of a place abroad names its country in Dutch, alone
    (``Nederland``) or after the place. The country is found by its Dutch name
    in CLDR (Babel) and named in ``lang`` from there; the place stays as written
    (no list of foreign place names in other languages exists here). A name
    without a known country is returned as it is.
    """
    locale = _LOCALES[check_language(lang)]
    codes = _country_codes_nl()
    code = codes.get(name.strip().casefold())
    if code:
        return _territories(locale)[code]
    match = _IN_COUNTRY.match(name.strip())
    if match and (code := codes.get(match["country"].strip().casefold())):
        return f"{match['place']} ({_territories(locale)[code]})"
    return name


def location_status_label(code: str, lang: str = "nl") -> str:
    """Return the words for how a location was matched (``alias`` → ``andere schrijfwijze``).

    ``code`` is one of :data:`optil_geo.gazetteer.STATUSES`; an empty or unknown
    code gives an empty text, never the code itself.
    """
    key = f"lstatus_{code}"
    return text(key, lang) if code and key in catalogue() else ""


def _word(kind: str, code: str, lang: str) -> str:
    key = f"{kind}_{code}"
    if key not in catalogue():
        # A code the catalogue does not know is shown as the unknown one, never raw.
        key = f"{kind}_unknown"
    return text(key, lang)


def link_reasons(links: pd.DataFrame, lang: str = "nl") -> pd.Series:
    """Word the reason of every classified link, e.g. ``Zelfde referentieregio (Kempen)``.

    Parameters
    ----------
    links
        A classified links table: the columns ``reason_code``, ``reason_place``,
        ``reason_km`` and ``reason_limit_km`` of :func:`optil_geo.classify_links`.
    lang
        ``nl`` or ``en``.

    Returns
    -------
    pandas.Series
        Text aligned on ``links.index``; each distinct reason is worded once.
    """
    check_language(lang)
    missing = [c for c in _REASON_COLUMNS if c not in links.columns]
    if missing:
        msg = f"link_reasons needs the columns {list(_REASON_COLUMNS)!r}; missing {missing!r}"
        raise KeyError(msg)
    if links.empty:
        return pd.Series([], index=links.index, dtype=object)
    # Code each parameter column, join the codes into one key per row, and word each
    # distinct key once (a few hundred for 100,000 links).
    coded = [
        pd.factorize(links["reason_code"].fillna("").astype(str)),
        pd.factorize(links["reason_place"].fillna("").astype(str)),
        # -1 stands for "none", so that missing values code like the others.
        pd.factorize(links["reason_km"].astype(float).fillna(-1.0)),
        pd.factorize(links["reason_limit_km"].astype(float).fillna(-1.0)),
    ]
    key = np.zeros(len(links), dtype=np.int64)
    for codes, uniques in coded:
        key = key * len(uniques) + codes
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    (code, code_u), (place, place_u), (km, km_u), (limit, limit_u) = coded
    worded = [
        _reason(
            str(code_u[code[i]]),
            str(place_u[place[i]]),
            float(km_u[km[i]]),
            float(limit_u[limit[i]]),
            lang,
        )
        for i in first.tolist()
    ]
    return pd.Series(np.asarray(worded, dtype=object)[inverse], index=links.index, dtype=object)


def _reason(code: str, place: str, km: float, limit: float, lang: str) -> str:
    key = f"reason_{code}"
    if not place and f"{key}_unnamed" in catalogue():
        key = f"{key}_unnamed"
    if key not in catalogue():
        return ""
    return text(
        key,
        lang,
        place=place,
        km=format_number(km, 0, lang=lang) if km >= 0 else "",
        limit=format_number(limit, 0 if float(limit).is_integer() else 1, lang=lang),
    )


def _abroad_names(links: pd.DataFrame, lang: str) -> pd.Series:
    """``partner_name`` with the country of the places abroad worded in ``lang``."""
    names = links["partner_name"].astype(object).fillna("").astype(str)
    if "partner_region" not in links.columns:
        return names
    abroad = links["partner_region"].astype(object) == "abroad"
    if not abroad.any():
        return names
    worded = _per_distinct(names[abroad], lambda n: abroad_place_label(n, lang))
    return names.where(~abroad, worded.reindex(names.index))


def link_table(
    links: pd.DataFrame, lang: str = "nl", *, columns: Sequence[str] = LINK_TABLE_COLUMNS
) -> pd.DataFrame:
    """Return the links as a table for people: worded values under worded headers.

    Classes, groups, regions, sectors and roles become words, the reason a
    sentence, the crossing flags ``ja``/``nee`` (``yes``/``no``); names, numbers and
    NIS codes stay as they are. Columns of ``columns`` that ``links`` lacks are left
    out; ``sector`` and ``role`` are the vocabulary's words for ``sector_code`` and
    ``role_code``, ``reason`` is worded from the reason codes.

    Parameters
    ----------
    links
        The links table of :func:`optil_geo.build_links`.
    lang
        ``nl`` or ``en``.
    columns
        Which columns, in this order (default :data:`LINK_TABLE_COLUMNS`).
    """
    check_language(lang)
    picked: dict[str, pd.Series] = {}
    for column in columns:
        if column == "reason":
            if "reason_code" in links.columns:
                picked[column] = link_reasons(links, lang)
        elif column in ("sector", "role") and f"{column}_code" in links.columns:
            picked[column] = links[f"{column}_code"]
        elif column == "partner_name" and column in links.columns:
            picked[column] = _abroad_names(links, lang)
        elif column in links.columns:
            picked[column] = links[column]
    return people_table(pd.DataFrame(picked, index=links.index), lang)


_WORDERS: dict[str, Any] = {
    "class": class_label,
    "group": group_label,
    "partner_region": region_label,
    "lead_region": region_label,
    "sector": vocabulary.sector_label,
    "sector_code": vocabulary.sector_label,
    "sector_group": lambda c, lang: vocabulary.sector_group_label(c, lang) if c else "",
    "sector_groups": lambda c, lang: "; ".join(
        vocabulary.sector_group_label(g, lang) for g in c.split(";") if g
    ),
    "role": vocabulary.role_label,
    "role_code": vocabulary.role_label,
    "partner_status": location_status_label,
    "lead_status": location_status_label,
}
"""How a code column of the library's tables is worded, by column name."""


def people_table(frame: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Word a table of the library for people (an export, the command line's output).

    Headers become the catalogue's ``col_<column>`` (kept as they are when it has
    none), code columns (classes, groups, regions, sectors, roles) words, and true/
    false flags ``ja``/``nee`` (``yes``/``no``; empty when unknown). Numbers, names
    and NIS codes are left as they are: the file format writes the numbers.
    """
    check_language(lang)
    language = cast(Any, lang)
    texts = catalogue()
    out: dict[str, pd.Series] = {}
    for column in frame.columns:
        values = frame[column]
        worder = _WORDERS.get(str(column))
        if column == "hierarchy_label" and "hierarchy_code" in frame.columns:
            # The reference's labels are Dutch; the catalogue words their codes.
            values, worder = frame["hierarchy_code"], _hierarchy_word
        if worder is not None:
            values = _per_distinct(
                values.astype(object).fillna("").astype(str),
                lambda c, worder=worder: worder(c, language),
            )
        elif pd.api.types.is_bool_dtype(values.dtype):
            values = _yes_no(values, lang)
        key = f"col_{column}"
        out[text(key, lang) if key in texts else str(column)] = values
    return pd.DataFrame(out, index=frame.index)


def _hierarchy_word(code: str, lang: str) -> str:
    """The urban-hierarchy level of a code (``c2``) in ``lang`` (catalogue ``hier_<code>``)."""
    return text(f"hier_{code}", lang) if code and f"hier_{code}" in catalogue() else code


def _yes_no(values: pd.Series, lang: str) -> pd.Series:
    flags = values.astype("boolean")
    yes, no = text("bool_yes", lang), text("bool_no", lang)
    worded = np.where(flags.isna(), "", np.where(flags.fillna(False), yes, no))
    return pd.Series(worded, index=values.index, dtype=object)


def _per_distinct(values: pd.Series, word: Any) -> pd.Series:
    codes, distinct = pd.factorize(values)
    worded = np.asarray([word(v) for v in distinct.tolist()] + [""], dtype=object)
    return pd.Series(worded[codes], index=values.index, dtype=object)


def column_explanations(columns: Sequence[str], lang: str = "nl") -> pd.DataFrame:
    """Return the explanation sheet of a worded table: each header with its meaning.

    ``columns`` are the codes of the columns (e.g. :data:`LINK_TABLE_COLUMNS`); a
    column without an explanation in the catalogue gets an empty one.
    """
    check_language(lang)
    texts = catalogue()
    return pd.DataFrame(
        {
            text("explain_column", lang): [text(f"col_{c}", lang) for c in columns],
            text("explain_meaning", lang): [
                text(f"help_{c}", lang) if f"help_{c}" in texts else "" for c in columns
            ],
        }
    )
