"""Place the leads and partners: the gazetteer's answers spread over the rows, with messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optil_geo._distinct import Distinct, distinct
from optil_geo.gazetteer import RESULT_COLUMNS, DistinctPlaces, resolve_distinct
from optil_geo.partnerships.checks import _Found, _Rows
from optil_geo.partnerships.problems import LOCATION_CLASSES
from optil_geo.reference import Reference
from optil_geo.settings import Settings

_LOCATION_OUTPUT = {
    "nis": "nis",
    "name": "municipality",
    "status": "status",
    "region": "region",
    "score": "score",
    "candidates": "candidates",
    "note": "note",
    "location": "location",
}


def resolve_rows(
    places: pd.DataFrame,
    *,
    fixes: Mapping[tuple[str, str], str] | None,
    reference: Reference | None,
    settings: Settings,
) -> _Located:
    """Resolve every (place, postcode, country) with the gazetteer; add the location class.

    Everything is decided per distinct place; rows only carry a code.
    """
    found = resolve_distinct(
        places,
        place="place",
        postcode="postcode",
        country="country",
        fixes=fixes,
        reference=reference,
        settings=settings,
    )
    values = {name: found.values(name) for name in RESULT_COLUMNS}
    # Per distinct place (a missing cell, NA, counts as written, as _filled has it).
    blank = [all(v == "" for v in triple) for triple in found.triples]
    if any(blank):
        # A row without any location text is unresolved and has nothing to note (it is
        # reported elsewhere). The gazetteer answers it so already, only with a note,
        # unless a fix was given for the empty text.
        reset = _BLANK_LOCATION if fixes and ("", "") in fixes else {"note": ""}
        for name, empty in reset.items():
            values[name] = [empty if b else v for v, b in zip(values[name], blank, strict=True)]
    values["location"] = [
        _location_class(status, region)
        for status, region in zip(values["status"], values["region"], strict=True)
    ]
    no_text = [place == "" and postcode == "" for place, postcode, _ in found.triples]
    return _Located(found, values, np.asarray(no_text, dtype=bool))


def _location_class(status: str, region: str) -> str:
    """The :data:`LOCATION_CLASSES` value of a gazetteer answer."""
    if status == "ambiguous":
        return "ambiguous"
    if region == "abroad":
        return "abroad"
    if status == "unresolved":
        return "unresolved"
    if region in ("flanders", "brussels"):
        return "resolved"
    if region == "wallonia":
        return "wallonia"
    return "unresolved"


@dataclass(frozen=True)
class _Located:
    """The gazetteer's answers per distinct place, and which place each row has."""

    found: DistinctPlaces
    values: dict[str, list[Any]]  # per distinct place: RESULT_COLUMNS and "location"
    no_text: np.ndarray  # per distinct place: neither a place nor a postal code written

    def rows(self, start: int, stop: int) -> _LocatedRows:
        return _LocatedRows(self, self.found.codes[start:stop])

    def counts(self) -> dict[str, int]:
        """Every row counted once, by location class."""
        per_place = np.bincount(self.found.codes, minlength=len(self.found.triples))
        counts = dict.fromkeys(LOCATION_CLASSES, 0)
        for cls, n in zip(self.values["location"], per_place.tolist(), strict=True):
            counts[cls] += n
        return counts


@dataclass(frozen=True)
class _LocatedRows:
    """The locations of some rows (leads or partners)."""

    located: _Located
    codes: np.ndarray  # per row: its distinct place

    def frame(self) -> pd.DataFrame:
        """The location columns of these rows (the keys of :data:`_LOCATION_OUTPUT`)."""
        return pd.DataFrame(
            {name: self.column(column) for name, column in _LOCATION_OUTPUT.items()},
            index=pd.RangeIndex(len(self.codes)),
        )

    def column(self, name: str) -> Any:
        """The gazetteer's column ``name`` per row."""
        per_place = Distinct(self.codes, self.located.values[name])
        if name == "score":
            return per_place.spread(per_place.values, dtype=np.int64)
        return per_place.as_text()


_BLANK_LOCATION: dict[str, Any] = {
    "nis": "",
    "municipality": "",
    "status": "unresolved",
    "region": "",
    "score": 0,
    "candidates": "",
    "note": "",
}


def location_problems(
    rows: _Rows,
    loc: _LocatedRows,
    *,
    place_field: str,
    postcode_field: str,
    names: Mapping[str, str],
) -> _Found:
    """Lead or partner locations that are not placed, or placed with doubt.

    ``names`` (NIS code → municipality name) names the candidates of an ambiguous
    place. The problem of a row depends only on its place (texts, answer), and a file
    has far fewer places than rows: each place's problem is made once, for its first
    row, and given to the other rows of that place (they share its parameters).
    """
    leads = rows.table == "projects"
    answers = loc.located.values
    case_of = [
        _case(location, status, no_text, leads=leads)
        for location, status, no_text in zip(
            answers["location"], answers["status"], loc.located.no_text.tolist(), strict=True
        )
    ]
    index = np.flatnonzero(np.asarray([c is not None for c in case_of], dtype=bool)[loc.codes])
    found = _Found(rows)
    if not len(index):
        return found
    shown = distinct(pd.Series(loc.codes[index]))  # the places of the reported rows
    first = index[shown.first_rows()]
    problems = [
        _problem(
            case_of[p],
            place,
            postcode,
            {name: values[p] for name, values in answers.items()},
            who="lead" if leads else "partner",
            place_field=place_field,
            postcode_field=postcode_field,
            names=names,
        )
        for p, place, postcode in zip(
            shown.values,
            rows.values(place_field, first),
            rows.values(postcode_field, first),
            strict=True,
        )
    ]
    codes, fields, values, params = (
        shown.spread(column).tolist() for column in zip(*problems, strict=True)
    )
    found.add_many(index.tolist(), codes, fld=fields, value=values, params=params)
    return found


def _case(location: str, status: str, no_text: bool, *, leads: bool) -> str | None:
    """Which location problem a place is, ``None`` when it is none."""
    if location == "ambiguous":
        return "ambiguous"
    if location == "unresolved":
        if no_text:
            # An empty lead location is already an empty_required error.
            return None if leads else "no_text"
        return "unresolved"
    if leads and location in ("wallonia", "abroad"):
        return "outside"
    if status == "fuzzy":
        return "fuzzy"
    return None


def _problem(
    case: str | None,
    place: str,
    postcode: str,
    answer: dict[str, Any],
    *,
    who: str,
    place_field: str,
    postcode_field: str,
    names: Mapping[str, str],
) -> tuple[str, str, str, Mapping[str, Any]]:
    """The code, field, value and parameters of a place's location problem."""
    shown = place or postcode
    fld = place_field if place else postcode_field
    # Which words name the place: the place (with its postcode), or the postcode only.
    written = "postcode_only" if not place else "postcode" if postcode else ""
    named: dict[str, Any] = {"place": place, "postcode": postcode, "who": who}
    if written:
        named["variant"] = written
    candidates = [
        f"{names.get(nis, nis)} ({nis})" for nis in str(answer["candidates"]).split(";") if nis
    ]
    if case == "ambiguous":
        return "ambiguous_location", fld, shown, named | {"candidates": candidates}
    if case == "no_text":
        return "unresolved_location", place_field, "", {"variant": "no_text"}
    if case == "unresolved":
        # A place not found may come with the gazetteer's suggestions.
        return "unresolved_location", fld, shown, named | {"suggestions": candidates}
    if case == "outside":
        outside = "wallonia" if answer["location"] == "wallonia" else "abroad"
        return (
            "lead_outside_flanders",
            fld,
            shown,
            {"outside": outside, "municipality": answer["municipality"]},
        )
    return (
        "fuzzy_location",
        fld,
        shown,
        {"place": shown, "municipality": answer["municipality"], "score": int(answer["score"])},
    )
