"""The checks of an import: one function per rule family, each returning its problems.

A check looks at whole columns (each distinct text once where a verdict depends on
the text) and returns a :class:`_Found`: its problems, each with the row it is
about. The import records them in the report, which marks the row's status.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from optil_geo._distinct import Distinct, distinct
from optil_geo.partnerships._text import Severity, _filled
from optil_geo.partnerships.mapping import _Context
from optil_geo.partnerships.organisations import organisation_key_codes
from optil_geo.partnerships.problems import NO_PARAMS, ValidationReport
from optil_geo.vocabulary import (
    UNKNOWN,
    load_vocabulary,
    match_roles,
    match_sectors,
    parse_target_groups,
)

_YEAR = re.compile(r"\d{4}")


@dataclass
class _Rows:
    """One table's text columns, where each row came from, and the worst problem per row."""

    table: str  # "projects" or "partners"
    frame: pd.DataFrame  # the text table as read (fields, extra columns, source)
    text: dict[str, pd.Series]
    headers: dict[str, str]  # field -> the header as written in the file
    files: pd.Series
    sheets: pd.Series
    numbers: pd.Series  # the row number a spreadsheet shows (Int64; NA when unknown)
    marks: np.ndarray  # per row: 0 no problem, 1 a warning, 2 an error

    @classmethod
    def of(cls, table: str, frame: pd.DataFrame, fields: Sequence[str], ctx: _Context) -> _Rows:
        return cls(
            table=table,
            frame=frame,
            text={f: frame[f].reset_index(drop=True) for f in fields},
            headers={f: ctx.headers.get((table, f), f) for f in fields},
            files=frame["source_file"].reset_index(drop=True),
            sheets=frame["source_sheet"].reset_index(drop=True),
            numbers=frame["source_row"].astype("Int64").reset_index(drop=True),
            marks=np.zeros(len(frame), dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.marks)

    def values(self, fld: str, index: np.ndarray) -> list[str]:
        """Return the texts of ``fld`` in the rows at ``index``."""
        return self.text[fld].iloc[index].tolist()

    @cached_property
    def where(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: its file, its sheet (``None`` for CSV) and its row number (-1: unknown)."""
        files, sheets = distinct(self.files), distinct(self.sheets)
        sheet_names = [sheet or None for sheet in sheets.values]
        return (
            np.asarray(files.values, dtype=object)[files.codes],
            np.asarray(sheet_names, dtype=object)[sheets.codes],
            self.numbers.to_numpy(dtype=np.int64, na_value=-1),
        )

    def number(self, i: int) -> int | None:
        """Return the spreadsheet row number of row ``i`` (``None`` when unknown)."""
        value: Any = self.numbers.iat[i]
        return None if pd.isna(value) else int(value)


class _Found:
    """The problems one check found in the rows of one table, column by column.

    Each problem is about one row; :meth:`record` adds them to the report's table
    and marks each row with its worst severity.
    """

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.at: list[np.ndarray] = []  # the row of each problem
        self.columns: list[tuple[Any, ...]] = []  # per call: severity, then one list per column

    def add(
        self,
        i: int,
        code: str,
        *,
        fld: str,
        value: str,
        params: Mapping[str, Any] = NO_PARAMS,
        severity: Severity = "warning",
    ) -> None:
        """Add a problem of row ``i``."""
        self.add_many([i], [code], fld=[fld], value=[value], params=[params], severity=severity)

    def add_many(
        self,
        index: Sequence[int] | np.ndarray,
        code: Sequence[str],
        *,
        fld: Sequence[str],
        value: Sequence[str],
        params: Sequence[Mapping[str, Any]],
        severity: Severity = "warning",
    ) -> None:
        """Add one problem for every row in ``index``."""
        header_of = {f: self.rows.headers.get(f, f) for f in set(fld)}
        columns = list(map(header_of.__getitem__, fld))
        self._add(index, severity, code, params, columns, value, fld)

    def _add(self, index: Sequence[int] | np.ndarray, *columns: Any) -> None:
        """Keep the problems of rows ``index``: severity, then the columns of :meth:`record`."""
        self.at.append(np.asarray(index, dtype=np.intp))
        self.columns.append(columns)

    def add_texts(
        self,
        index: np.ndarray,
        code: str,
        *,
        fld: str,
        texts: Sequence[str],
        severity: Severity = "warning",
    ) -> None:
        """Add a problem for every row in ``index`` whose cell holds ``texts[k]`` (the value)."""
        n = len(texts)
        header = [self.rows.headers.get(fld, fld)] * n
        self._add(index, severity, [code] * n, [NO_PARAMS] * n, header, texts, [fld] * n)

    def add_rows(
        self,
        mask: np.ndarray,
        code: str,
        *,
        fld: str,
        params: Mapping[str, Any] = NO_PARAMS,
        severity: Severity = "warning",
    ) -> None:
        """Add the same problem, with an empty value, for every row in ``mask``."""
        index = np.flatnonzero(mask)
        n = len(index)
        header = [self.rows.headers.get(fld, fld)] * n
        self._add(index, severity, [code] * n, [params] * n, header, [""] * n, [fld] * n)

    def record(self, report: ValidationReport) -> None:
        """Add the problems to ``report`` and mark each row with its worst severity."""
        files, sheets, numbers = self.rows.where
        for at, (severity, code, params, headers, value, fld) in zip(
            self.at, self.columns, strict=True
        ):
            marks = self.rows.marks
            marks[at] = np.maximum(marks[at], 2 if severity == "error" else 1)
            report.add_columns(
                severity=[severity] * len(at),
                code=code,
                params=params,
                file=files[at],
                sheet=sheets[at],
                row=numbers[at],
                column=headers,
                value=value,
                field=fld,
            )


@dataclass(frozen=True)
class _ProjectIds:
    """The project ids of both tables, as positions among the projects' distinct ids."""

    of_project: np.ndarray  # per project row: the position of its id
    first_row: np.ndarray  # per distinct id: its first project row
    of_partner: np.ndarray  # per partner row: the position of its id, -1 when no project has it

    @classmethod
    def of(cls, prj: _Rows, prt: _Rows) -> _ProjectIds:
        # Both tables' ids factorized together: the projects' ids come first, so the
        # codes of the projects' distinct ids are 0..n-1, and a partner's code of n or
        # more is an id no project has.
        both = pd.concat([prj.text["project_id"], prt.text["project_id"]], ignore_index=True)
        codes = distinct(both.fillna("")).codes
        of_project, of_partner = codes[: len(prj)], codes[len(prj) :]
        n_ids = int(of_project.max()) + 1 if len(of_project) else 0
        first_row = Distinct(of_project, [None] * n_ids).first_rows()
        return cls(of_project, first_row, np.where(of_partner < n_ids, of_partner, -1))


def check_projects(prj: _Rows, ids: _ProjectIds, present: set[str]) -> _Found:
    """Empty required values and duplicate project ids of the projects table."""
    text = prj.text
    found = _Found(prj)
    for fld in ("project_id", "title", "lead_organisation"):
        if fld in present:
            found.add_rows(
                ~_filled(text[fld]),
                "empty_required",
                fld=fld,
                severity="error",
            )
    if "lead_municipality" in present or "lead_postcode" in present:
        found.add_rows(
            ~_filled(text["lead_municipality"]) & ~_filled(text["lead_postcode"]),
            "empty_required",
            fld="lead_municipality",
            severity="error",
            params={"variant": "or_postcode"},
        )
    first_row = ids.first_row[ids.of_project]
    duplicate = _filled(text["project_id"]) & (first_row != np.arange(len(prj)))
    index = np.flatnonzero(duplicate)
    for i, value in zip(index.tolist(), prj.values("project_id", index), strict=True):
        found.add(
            i,
            "duplicate_project_id",
            fld="project_id",
            value=value,
            severity="error",
            params={"first_row": prj.number(int(first_row[i]))},
        )
    return found


def check_partners(
    prt: _Rows, ids: _ProjectIds, present: set[str], *, project_ids_present: bool
) -> _Found:
    """Partner rows without a project, with a project that does not exist, or without a name."""
    empty = ~_filled(prt.text["project_id"])
    found = _Found(prt)
    if "project_id" in present:
        found.add_rows(
            empty,
            "empty_required",
            fld="project_id",
            severity="error",
            params={"variant": "partner_project"},
        )
    if project_ids_present:
        unknown = ~empty & (ids.of_partner < 0)  # an empty id is reported above, not here
        index = np.flatnonzero(unknown)
        found.add_texts(
            index,
            "unknown_project",
            fld="project_id",
            texts=prt.values("project_id", index),
            severity="error",
        )
    if "organisation" in present:
        found.add_rows(
            ~_filled(prt.text["organisation"]),
            "empty_required",
            fld="organisation",
            severity="error",
        )
    return found


def parse_numbers(prj: _Rows) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray, _Found]:
    """Parse year and subsidy; a round such as 2021-1 gives the year when that is empty.

    Returns the years (Int64), the amounts (float, NaN when empty or not a number)
    and the problems: texts that are no year or no amount.
    """
    found = _Found(prj)
    # Each distinct text is read once, then spread over the rows.
    year = distinct(prj.text["year"])
    years = year.spread(year.decide(_year_of), dtype=np.int64)
    from_round = years == _NO_YEAR
    rounds = distinct(prj.text["round"])
    years[from_round] = rounds.spread(rounds.decide(_round_year), dtype=np.int64)[from_round]
    invalid = np.flatnonzero(years == _NOT_A_YEAR)
    found.add_texts(
        invalid,
        "invalid_year",
        fld="year",
        texts=prj.values("year", invalid),
    )
    amount = distinct(prj.text["subsidy_eur"])
    parsed = amount.decide(_amount_of)
    not_numeric = np.flatnonzero(amount.spread([a is None for a in parsed], dtype=bool))
    found.add_texts(
        not_numeric,
        "non_numeric_amount",
        fld="subsidy_eur",
        texts=prj.values("subsidy_eur", not_numeric),
    )
    subsidy = amount.spread([math.nan if a is None else a for a in parsed], dtype=float)
    missing = years < 0
    year_int = pd.arrays.IntegerArray(np.where(missing, 0, years), missing)
    return year_int, subsidy, found


_NO_YEAR = -1
_NOT_A_YEAR = -2


def _year_of(text: str) -> int:
    """The year a year cell names, else _NO_YEAR (empty) or _NOT_A_YEAR."""
    if not text:
        return _NO_YEAR
    if _YEAR.fullmatch(text) and 1900 <= int(text) <= 2100:
        return int(text)
    return _NOT_A_YEAR


def _round_year(text: str) -> int:
    """The year a round such as 2021-1 begins with, else _NO_YEAR."""
    match = re.match(r"(\d{4})", text)
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    return _NO_YEAR


def _amount_of(text: str) -> float | None:
    """The amount of a subsidy cell: NaN when empty, None when it is no amount."""
    return _parse_amount(text) if text else math.nan


@dataclass(frozen=True)
class _Matched:
    """Sectors, target groups and roles matched to the vocabulary (nothing reported yet)."""

    lead_sectors: pd.DataFrame
    target_codes: pd.Series
    sectors: pd.DataFrame
    roles: pd.DataFrame


def match_vocabulary(prj: _Rows, prt: _Rows) -> _Matched:
    """Match sectors, roles and target groups to the vocabulary."""
    return _Matched(
        match_sectors(prj.text["lead_sector"]),
        parse_target_groups(prj.text["target_groups"]),
        match_sectors(prt.text["sector"]),
        match_roles(prt.text["role"]),
    )


def check_vocabulary(prj: _Rows, prt: _Rows, matched: _Matched) -> list[_Found]:
    """Sectors, target groups and roles that match nothing, project rows first."""
    return [
        _unknown(prj, matched.lead_sectors["sector"], code="unknown_sector", fld="lead_sector"),
        _unknown_target_groups(prj, matched.target_codes),
        _unknown(prt, matched.sectors["sector"], code="unknown_sector", fld="sector"),
        _unknown(prt, matched.roles["role"], code="unknown_role", fld="role"),
    ]


def _unknown_target_groups(prj: _Rows, target_codes: pd.Series) -> _Found:
    """Warn for every part of a target-group cell that is not a known target group."""
    known = load_vocabulary().target_groups
    # Which parts of a cell are unknown depends on the cell's text only: each
    # distinct cell is looked at once (its parts, as matched, at its first row).
    cells = distinct(prj.text["target_groups"])
    per_row = target_codes.tolist()
    matched = [per_row[i] for i in cells.first_rows().tolist()]
    unknown = [[code for code in codes if code not in known] for codes in matched]
    # One problem per unknown part, row by row and in the order of the parts.
    counts = cells.spread([len(parts) for parts in unknown], dtype=np.intp)
    rows = np.repeat(np.arange(len(prj)), counts)
    texts = [part for k in cells.codes[np.flatnonzero(counts)].tolist() for part in unknown[k]]
    found = _Found(prj)
    found.add_texts(
        rows,
        "unknown_target_group",
        fld="target_groups",
        texts=texts,
    )
    return found


def _unknown(rows: _Rows, matched: pd.Series, *, code: str, fld: str) -> _Found:
    """Warn for every row whose sector or role text matched nothing in the vocabulary."""
    index = np.flatnonzero(np.asarray(matched == UNKNOWN, dtype=bool))
    found = _Found(rows)
    found.add_texts(index, code, fld=fld, texts=rows.values(fld, index))
    return found


def check_partner_names(prt: _Rows, prj: _Rows, ids: _ProjectIds) -> tuple[np.ndarray, _Found]:
    """Flag partners that are their project's lead, and partners listed twice in a project.

    Names are compared by their organisation key (case, accents and legal form
    ignored). Returns which partner rows are the lead itself, and the problems.
    """
    project_id = prt.text["project_id"]
    # The lead of each project id (its first project row) and the partners, keyed in
    # one go: equal keys get equal codes, and the comparisons are on integers.
    leads = prj.text["lead_organisation"].iloc[ids.first_row]
    keyed = organisation_key_codes(pd.concat([leads, prt.text["organisation"]], ignore_index=True))
    lead_keys, keys = keyed.codes[: len(leads)], keyed.codes[len(leads) :]
    named = (keys != _code_of(keyed, "")) & _filled(project_id)
    has_project = ids.of_partner >= 0
    is_lead = named & has_project
    is_lead[has_project] &= lead_keys[ids.of_partner[has_project]] == keys[has_project]
    # A partner named twice in one project: the same (project id, key) again.
    pairs = pd.DataFrame({"project": distinct(project_id).codes, "key": keys})[named & ~is_lead]
    twice = pairs[pairs.duplicated(keep=False)]
    again = twice.duplicated(keep="first").to_numpy()
    first = twice[~again]
    first_row = dict(zip(first.itertuples(index=False, name=None), first.index, strict=True))
    repeated = twice.index[again].to_numpy()
    pair_of = dict(zip(twice.index, twice.itertuples(index=False, name=None), strict=True))
    found = _Found(prt)
    flagged = np.sort(np.concatenate([np.flatnonzero(is_lead), repeated]))
    orgs = prt.values("organisation", flagged)
    pids = prt.values("project_id", flagged)
    for i, org, p in zip(flagged.tolist(), orgs, pids, strict=True):
        if is_lead[i]:
            found.add(
                i,
                "partner_is_lead",
                fld="organisation",
                value=org,
                params={"project": p},
            )
        else:
            found.add(
                i,
                "duplicate_partner",
                fld="organisation",
                value=org,
                params={"project": p, "first_row": prt.number(first_row[pair_of[i]])},
            )
    return np.asarray(is_lead, dtype=bool), found


def _code_of(found: Distinct, value: str) -> int:
    """The code of ``value`` among the distinct values, -1 when none holds it."""
    return found.values.index(value) if value in found.values else -1


def row_statuses(marks: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The ``row_status`` column: the worst problem of each row."""
    return Distinct(np.asarray(marks, dtype=np.intp), ["ok", "warning", "error"]).as_text()


def _parse_amount(text: str) -> float | None:
    """Read an amount in euro: 75000, 75.000, 75 000, € 75.000,50, 75,000.50, 1,5."""
    t = re.sub(r"(?i)eur(o)?|€|\s|'|’", "", text)
    if not t or not re.fullmatch(r"[+-]?[\d.,]+", t) or not re.search(r"\d", t):
        return None
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif "," in t:
        t = t.replace(",", "") if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
    elif "." in t and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", t):
        # Flemish thousands: 75.000 is seventy-five thousand euro, not 75.
        t = t.replace(".", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
