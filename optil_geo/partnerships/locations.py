"""Place the leads and partners: the gazetteer's answers spread over the rows, with messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from optil_geo.gazetteer import RESULT_COLUMNS, DistinctPlaces, resolve_distinct
from optil_geo.partnerships._text import _first_positions, _labels
from optil_geo.partnerships.checks import _Batch, _Checker, _Rows
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


def _resolve(
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

    def column(self, name: str) -> Any:
        """The output column ``name`` per row."""
        values = self.located.values[name]
        if name == "score":
            return np.asarray(values, dtype=np.int64)[self.codes]
        return _labels(values, self.codes)

    def where(self, name: str, *texts: str) -> np.ndarray:
        """Per distinct place, whether field ``name`` is one of ``texts``."""
        return np.asarray([v in texts for v in self.located.values[name]], dtype=bool)


_BLANK_LOCATION: dict[str, Any] = {
    "nis": "",
    "municipality": "",
    "status": "unresolved",
    "region": "",
    "score": 0,
    "candidates": "",
    "note": "",
}


def _location_problems(
    rows: _Rows,
    loc: _LocatedRows,
    check: _Checker,
    *,
    place_field: str,
    postcode_field: str,
    names: Mapping[str, str],
) -> None:
    """Report lead or partner locations that are not placed, or placed with doubt.

    ``names`` (NIS code → municipality name) names the candidates of an ambiguous place.
    """
    # Flags per distinct place first, then per row through the place codes.
    ambiguous_p = loc.where("location", "ambiguous")
    unresolved_p = loc.where("location", "unresolved")
    wallonia_p = loc.where("location", "wallonia")
    no_text_p = loc.located.no_text
    leads = rows.table == "projects"
    # An empty lead location is already an empty_required error.
    silent_p = unresolved_p & no_text_p & leads
    outside_p = leads & (wallonia_p | loc.where("location", "abroad"))
    fuzzy_p = loc.where("status", "fuzzy")
    reported_p = ambiguous_p | (unresolved_p & ~silent_p) | outside_p | fuzzy_p
    index = np.flatnonzero(reported_p[loc.codes])
    if not len(index):
        return
    # The message of a row depends only on its place (texts, answer, flags), and a
    # file has far fewer places than rows: each place's message is written once (for
    # its first row) and copied to the other rows of that place.
    case, shown_places = pd.factorize(loc.codes[index])  # per row: its place's case
    shown_rows = index[_first_positions(np.asarray(case, dtype=np.intp), len(shown_places))]
    places = rows.values(place_field, shown_rows)
    postcodes = rows.values(postcode_field, shown_rows)
    answer = loc.located.values
    who = "lead" if rows.table == "projects" else "partner"
    cases: list[
        tuple[str, str, str, Mapping[str, Any]]
    ] = []  # per place: code, field, value, params
    for k, p in enumerate(shown_places.tolist()):
        place, postcode = places[k], postcodes[k]
        shown = place or postcode
        fld = place_field if place else postcode_field
        # Which words name the place: the place (with its postcode), or the postcode only.
        written = "postcode_only" if not place else "postcode" if postcode else ""
        named: dict[str, Any] = {"place": place, "postcode": postcode, "who": who}
        if written:
            named["variant"] = written
        candidates = [
            f"{names.get(nis, nis)} ({nis})" for nis in answer["candidates"][p].split(";") if nis
        ]
        if ambiguous_p[p]:
            cases.append(
                (
                    "ambiguous_location",
                    fld,
                    shown,
                    named | {"candidates": candidates},
                )
            )
        elif unresolved_p[p] and no_text_p[p]:
            cases.append(("unresolved_location", place_field, "", {"variant": "no_text"}))
        elif unresolved_p[p]:
            # A place not found may come with the gazetteer's suggestions.
            cases.append(
                (
                    "unresolved_location",
                    fld,
                    shown,
                    named | {"suggestions": candidates},
                )
            )
        elif outside_p[p]:
            outside = "wallonia" if wallonia_p[p] else "abroad"
            cases.append(
                (
                    "lead_outside_flanders",
                    fld,
                    shown,
                    {"outside": outside, "municipality": answer["municipality"][p]},
                )
            )
        else:
            cases.append(
                (
                    "fuzzy_location",
                    fld,
                    shown,
                    {
                        "place": shown,
                        "municipality": answer["municipality"][p],
                        "score": int(answer["score"][p]),
                    },
                )
            )
    # Each row takes its place's case.
    codes, fields, values, params = (
        np.asarray(column, dtype=object)[case].tolist() for column in zip(*cases, strict=True)
    )
    batch = _Batch(rows)
    batch.add_many(index.tolist(), codes, fld=fields, value=values, params=params)
    check.flush(batch)
