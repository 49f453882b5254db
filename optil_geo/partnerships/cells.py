"""Split a cell that lists several partners into one partner row each.

A project-per-row list often names all partners in one cell: ``CC Westrand
(Dilbeek); GC De Rinck (Anderlecht); Gemeente Tervuren``. Separators are ``;``, a
line break and `` / ``; `` en `` only when every part names its place (in brackets
or after a dash), so that ``Huis van Cultuur en Erfgoed`` stays one organisation.
Each part becomes a partner row with the same source row; a place cell that lists
as many places is split alongside, otherwise it is kept for every part. Each split
cell is reported, naming its row; places in the names are found later, with their
own status (see :mod:`optil_geo.partnerships.evidence`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo._distinct import distinct
from optil_geo.partnerships._text import _row_at, _text_column
from optil_geo.partnerships.problems import Problem, ValidationReport

__all__ = ["split_partner_cells"]

_SEPARATOR = re.compile(r"\s*(?:;|\r?\n|\s/\s)\s*")
_AND = re.compile(r"\s+en\s+")
_MAYBE_SEVERAL = r";|\n|\s/\s|\sen\s"  # what every split needs, for a quick first look
_PLACED = re.compile(r"\([^()]+\)\s*$|\s[-–—]\s+\S.*$")  # '… (Place)' or '… - Place'


def split_parts(cell: str) -> list[str]:
    """Return the partners a cell names (one part when it names one)."""
    parts = [p for p in _SEPARATOR.split(cell) if p]
    out: list[str] = []
    for part in parts:
        pieces = [p for p in _AND.split(part) if p]
        placed = len(pieces) > 1 and all(_PLACED.search(p) for p in pieces)
        out.extend(pieces if placed else [part])
    return out


def split_partner_cells(partners: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    """Return ``partners`` with every multi-partner cell split into partner rows.

    Parameters
    ----------
    partners
        The raw partner table (text columns, ``source_file/sheet/row``).
    report
        Receives one warning per split cell.

    Returns
    -------
    pandas.DataFrame
        The same table when no cell lists several partners; else a new table with
        a fresh index, rows in input order.
    """
    names = partners["organisation"]
    # Only a cell with a separator in it is looked at word by word (most cells name
    # one partner); each distinct such text once.
    maybe = pc.match_substring_regex(pa.array(names.array), _MAYBE_SEVERAL)
    candidates = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    if not len(candidates):
        return partners
    cells = distinct(names.iloc[candidates])
    parts_of = cells.decide(lambda cell: split_parts(str(cell)))
    split: list[list[str]] = [[]] * len(partners)
    repeats = np.ones(len(partners), dtype=np.intp)
    for row, code in zip(candidates.tolist(), cells.codes.tolist(), strict=True):
        split[row] = parts_of[code]
        repeats[row] = max(len(parts_of[code]), 1)
    if (repeats == 1).all():
        return partners
    at = np.repeat(np.arange(len(partners)), repeats)
    out = partners.iloc[at].reset_index(drop=True)
    parts = [part for row in np.flatnonzero(repeats > 1) for part in split[row]]
    multi = np.repeat(repeats > 1, repeats)
    organisation = out["organisation"].to_numpy(dtype=object, na_value="")
    organisation[multi] = parts
    out["organisation"] = _text_column(organisation)
    out["municipality"] = _text_column(_paired_places(partners, repeats, multi))
    _report_splits(partners, report, repeats, split)
    return out


def _paired_places(partners: pd.DataFrame, repeats: np.ndarray, multi: np.ndarray) -> np.ndarray:
    """The place of each output row: a place cell listing as many places is split alongside."""
    places = partners["municipality"].to_numpy(dtype=object, na_value="")
    out = np.repeat(places, repeats)
    position = 0
    for row, k in enumerate(repeats.tolist()):
        if k > 1:
            listed = split_parts(str(places[row]))
            if len(listed) == k:
                out[position : position + k] = listed
        position += k
    assert len(out) == len(multi)
    return out


def _report_splits(
    partners: pd.DataFrame,
    report: ValidationReport,
    repeats: np.ndarray,
    split: list[list[str]],
) -> None:
    files = partners["source_file"].to_numpy(dtype=object, na_value="")
    sheets = partners["source_sheet"].to_numpy(dtype=object, na_value="")
    for i in np.flatnonzero(repeats > 1).tolist():
        parts = split[i]
        row = _row_at(partners["source_row"], i)
        report.add(
            Problem(
                "warning",
                "partners_split",
                {"n": len(parts), "partners": "; ".join(parts)},
                str(files[i]),
                str(sheets[i]) or None,
                row,
                None,
                "; ".join(parts)[:200],
                "organisation",
            )
        )
