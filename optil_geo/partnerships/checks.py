"""The checks of an import, one function per rule family, each adding its problems."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo.partnerships._text import (
    _NO_ROWS,
    Severity,
    _arrow,
    _code_of,
    _dictionary_codes,
    _distinct,
    _filled,
    _first_positions,
    _index_in,
    _labels,
    _texts_at,
)
from optil_geo.partnerships.mapping import _Context
from optil_geo.partnerships.organisations import _organisation_key_codes
from optil_geo.partnerships.problems import NO_PARAMS, Problem
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
    """One table's text columns, with provenance and per-row severity marks."""

    table: str
    text: dict[str, pd.Series]
    files: pd.Series
    sheets: pd.Series
    row_numbers: np.ndarray  # int64; meaningless where row_unknown
    row_unknown: np.ndarray
    marks: np.ndarray

    @classmethod
    def of(cls, table: str, frame: pd.DataFrame, fields: Sequence[str]) -> _Rows:
        numbers = frame["source_row"].astype("Int64")
        return cls(
            table=table,
            text={f: frame[f].reset_index(drop=True) for f in fields},
            files=frame["source_file"].reset_index(drop=True),
            sheets=frame["source_sheet"].reset_index(drop=True),
            row_numbers=numbers.to_numpy(dtype=np.int64, na_value=0),
            row_unknown=np.asarray(numbers.isna(), dtype=bool),
            marks=np.zeros(len(frame), dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.marks)

    def values(self, fld: str, index: np.ndarray) -> list[str]:
        """Return the texts of ``fld`` in the rows at ``index``."""
        return _texts_at(self.text[fld], index)

    def number(self, i: int) -> int | None:
        """Return the spreadsheet row number of row ``i`` (``None`` when unknown)."""
        return None if self.row_unknown[i] else int(self.row_numbers[i])

    def numbers_at(self, index: np.ndarray) -> list[int | None]:
        """Return the spreadsheet row numbers of the rows at ``index``."""
        unknown = self.row_unknown[index].tolist()
        return [
            None if u else n for n, u in zip(self.row_numbers[index].tolist(), unknown, strict=True)
        ]


class _Batch:
    """Problems of one check, reported in the order a row-by-row check finds them.

    Kept column-wise (one list per attribute) so that a check can add thousands of
    problems at once with :meth:`add_many`; a problem's order key is ``(row, sub)``.
    """

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.rows_of: list[int] = []  # the row of each problem
        self.at: list[int] = []  # its order key: (at, sub)
        self.sub: list[int] = []
        self.codes: list[str] = []
        self.fields: list[str] = []
        self.values: list[str] = []
        self.params: list[Mapping[str, Any]] = []
        self.severities: list[Severity] = []

    def add(
        self,
        key: tuple[int, ...],
        i: int,
        code: str,
        *,
        fld: str,
        value: str,
        params: Mapping[str, Any] = NO_PARAMS,
        severity: Severity = "warning",
    ) -> None:
        """Add a problem of row ``i``; ``key`` (``(i,)`` or ``(i, sub)``) orders them."""
        self.at.append(key[0])
        self.sub.append(key[1] if len(key) > 1 else 0)
        self.codes.append(code)
        self.fields.append(fld)
        self.values.append(value)
        self.params.append(params)
        self.severities.append(severity)
        self.rows_of.append(i)

    def add_many(
        self,
        index: Sequence[int],
        code: Sequence[str],
        *,
        fld: Sequence[str],
        value: Sequence[str],
        params: Sequence[Mapping[str, Any]],
        sub: int = 0,
        severity: Severity = "warning",
    ) -> None:
        """Add one problem for every row in ``index``, ordered by ``(row, sub)``."""
        self.at.extend(index)
        self.sub.extend([sub] * len(index))
        self.codes.extend(code)
        self.fields.extend(fld)
        self.values.extend(value)
        self.params.extend(params)
        self.severities.extend([severity] * len(index))
        self.rows_of.extend(index)

    def add_texts(
        self,
        index: np.ndarray,
        code: str,
        *,
        fld: str,
        texts: Sequence[str],
        sub: int = 0,
        severity: Severity = "warning",
    ) -> None:
        """Add a problem for every row in ``index`` whose cell holds ``texts[k]`` (the value)."""
        self.add_many(
            index.tolist(),
            [code] * len(texts),
            fld=[fld] * len(texts),
            value=list(texts),
            params=[NO_PARAMS] * len(texts),
            sub=sub,
            severity=severity,
        )

    def add_rows(
        self,
        mask: np.ndarray,
        sub: int,
        code: str,
        *,
        fld: str,
        params: Mapping[str, Any] = NO_PARAMS,
        severity: Severity = "warning",
    ) -> None:
        """Add the same problem, with an empty value, for every row in ``mask``."""
        index = np.flatnonzero(mask).tolist()
        n = len(index)
        self.add_many(
            index,
            [code] * n,
            fld=[fld] * n,
            value=[""] * n,
            params=[params] * n,
            sub=sub,
            severity=severity,
        )


class _Checker:
    """Collects row problems into the report and marks the rows they belong to."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def flush(self, batch: _Batch) -> None:
        """Report the problems of a check in their row-by-row order."""
        if not batch.at:
            return
        rows = batch.rows
        # A stable sort on (key row, sub): problems with equal keys keep their order.
        order = np.lexsort((np.asarray(batch.sub), np.asarray(batch.at)))
        index = np.asarray(batch.rows_of, dtype=np.intp)[order]
        errors = [s == "error" for s in batch.severities]
        severities = np.where(np.asarray(errors, dtype=bool), 2, 1).astype(np.int8)
        np.maximum.at(rows.marks, index, severities[order])
        headers = {fld: self.ctx.headers.get((rows.table, fld), fld) for fld in set(batch.fields)}

        def make() -> list[Problem]:
            files = _texts_at(rows.files, index)
            sheets = _texts_at(rows.sheets, index)
            numbers = rows.numbers_at(index)
            return [
                Problem(
                    batch.severities[j],
                    batch.codes[j],
                    batch.params[j],
                    files[k],
                    sheets[k] or None,
                    numbers[k],
                    headers[batch.fields[j]],
                    batch.values[j],
                    batch.fields[j],
                )
                for k, j in enumerate(order.tolist())
            ]

        report = self.ctx.report
        if any(errors):
            for problem in make():
                report.add(problem)
        else:
            # Warnings only (the usual case): their objects are made when first read.
            report._add_warnings(make)


@dataclass(frozen=True)
class _ProjectIds:
    """The project ids of both tables as codes: each id hashed once per import."""

    codes: np.ndarray  # per project row: the position of its id among ``ids``
    ids: Any  # the distinct ids of the projects table, in order of appearance
    first: np.ndarray  # per distinct id: its first project row
    partner_codes: np.ndarray  # per partner row: a code of its id text
    at: np.ndarray  # per partner row: the position of its id among ``ids``, -1 if none

    @classmethod
    def of(cls, prj: _Rows, prt: _Rows) -> _ProjectIds:
        codes, ids = pd.factorize(prj.text["project_id"].array)
        codes = np.asarray(codes, dtype=np.intp)
        cells = _arrow(prt.text["project_id"])
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        encoded = pc.dictionary_encode(pc.fill_null(cells, ""))
        partner_codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)
        at = _index_in(encoded.dictionary, ids)[partner_codes]
        if cells.null_count:
            at[~cells.is_valid().to_numpy(zero_copy_only=False)] = -1  # missing matches no id
        return cls(codes, ids, _first_positions(codes, len(ids)), partner_codes, at)


def _check_projects(prj: _Rows, check: _Checker, ids: _ProjectIds) -> None:
    """Report empty required values and duplicate ids."""
    present = check.ctx.present.get("projects", set())
    text = prj.text
    batch = _Batch(prj)
    for sub, fld in enumerate(("project_id", "title", "lead_organisation")):
        if fld in present:
            batch.add_rows(
                ~_filled(text[fld]),
                sub,
                "empty_required",
                fld=fld,
                severity="error",
            )
    if "lead_municipality" in present or "lead_postcode" in present:
        batch.add_rows(
            ~_filled(text["lead_municipality"]) & ~_filled(text["lead_postcode"]),
            3,
            "empty_required",
            fld="lead_municipality",
            severity="error",
            params={"variant": "or_postcode"},
        )
    pid = text["project_id"]
    codes, first = ids.codes, ids.first
    duplicate = _filled(pid) & (first[codes] != np.arange(len(codes)))
    index = np.flatnonzero(duplicate)
    for i, value in zip(index.tolist(), prj.values("project_id", index), strict=True):
        batch.add(
            (i, 4),
            i,
            "duplicate_project_id",
            fld="project_id",
            value=value,
            severity="error",
            params={"first_row": prj.number(int(first[codes[i]]))},
        )
    check.flush(batch)


def _check_partners(
    prt: _Rows, check: _Checker, ids: _ProjectIds, *, project_ids_present: bool
) -> None:
    present = check.ctx.present.get("partners", set())
    pid = prt.text["project_id"]
    empty = ~_filled(pid)
    batch = _Batch(prt)
    if "project_id" in present:
        batch.add_rows(
            empty,
            0,
            "empty_required",
            fld="project_id",
            severity="error",
            params={"variant": "partner_project"},
        )
    if project_ids_present:
        unknown = ~empty & (ids.at < 0)  # an empty id is reported above, not here
        index = np.flatnonzero(unknown)
        batch.add_texts(
            index,
            "unknown_project",
            fld="project_id",
            texts=prt.values("project_id", index),
            severity="error",
        )
    if "organisation" in present:
        batch.add_rows(
            ~_filled(prt.text["organisation"]),
            1,
            "empty_required",
            fld="organisation",
            severity="error",
        )
    check.flush(batch)


def _numbers(prj: _Rows, check: _Checker) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Parse year and subsidy; a round such as 2021-1 gives the year when that is empty."""
    n = len(prj)
    batch = _Batch(prj)
    # Each distinct text is read once: -1 empty, -2 not a year, else the year.
    year_codes, year_texts = _distinct(prj.text["year"])
    year_of = np.array([_year_of(t) for t in year_texts], dtype=np.int64)
    round_codes, round_texts = _distinct(prj.text["round"])
    round_year = np.array([_round_year(t) for t in round_texts], dtype=np.int64)
    years = year_of[year_codes] if n else np.zeros(0, dtype=np.int64)
    from_round = years == -1
    years[from_round] = round_year[round_codes[from_round]]
    invalid = np.flatnonzero(years == -2)
    batch.add_texts(
        invalid,
        "invalid_year",
        fld="year",
        texts=prj.values("year", invalid),
    )
    amount_codes, amount_texts = _distinct(prj.text["subsidy_eur"])
    amounts = [_parse_amount(t) if t else math.nan for t in amount_texts]
    amount_of = np.array([math.nan if a is None else a for a in amounts], dtype=float)
    bad_amount = np.array([a is None for a in amounts], dtype=bool)
    subsidy = amount_of[amount_codes] if n else np.zeros(0, dtype=float)
    not_numeric = np.flatnonzero(bad_amount[amount_codes]) if n else _NO_ROWS
    batch.add_texts(
        not_numeric,
        "non_numeric_amount",
        fld="subsidy_eur",
        texts=prj.values("subsidy_eur", not_numeric),
        sub=1,
    )
    check.flush(batch)
    missing = years < 0
    year_int = pd.arrays.IntegerArray(np.where(missing, 0, years).astype(np.int64), missing)
    return year_int, subsidy


def _year_of(text: str) -> int:
    if not text:
        return -1
    if _YEAR.fullmatch(text) and 1900 <= int(text) <= 2100:
        return int(text)
    return -2


def _round_year(text: str) -> int:
    match = re.match(r"(\d{4})", text)
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    return -3


@dataclass(frozen=True)
class _Matched:
    """Sectors, target groups and roles matched to the vocabulary (nothing reported yet)."""

    lead_sectors: pd.DataFrame
    target_codes: pd.Series
    sectors: pd.DataFrame
    roles: pd.DataFrame


def _match_vocabulary(prj: _Rows, prt: _Rows) -> _Matched:
    """Match sectors, roles and target groups (no report: it can run beside other work)."""
    return _Matched(
        match_sectors(prj.text["lead_sector"]),
        parse_target_groups(prj.text["target_groups"]),
        match_sectors(prt.text["sector"]),
        match_roles(prt.text["role"]),
    )


def _report_vocabulary(prj: _Rows, prt: _Rows, check: _Checker, matched: _Matched) -> None:
    """Report the sectors, target groups and roles that match nothing, row by row."""
    lead_sectors, target_codes = matched.lead_sectors, matched.target_codes
    _report_unknown(prj, check, lead_sectors["sector"], code="unknown_sector", fld="lead_sector")
    # Which parts of a cell are unknown depends on the cell's text only: look at each
    # distinct text once (at its first row), then list the rows that hold it.
    known = load_vocabulary().target_groups
    cell_codes = _dictionary_codes(_arrow(prj.text["target_groups"]))
    n_cells = int(cell_codes.max()) + 1 if len(cell_codes) else 0
    cells = cast(list[tuple[str, ...]], target_codes.tolist())
    distinct = [cells[r] for r in _first_positions(cell_codes, n_cells).tolist()]
    batch = _Batch(prj)
    # Part k of a cell: the rows whose cell has an unknown k-th part, all at once.
    for k in range(max((len(parts) for parts in distinct), default=0)):
        part = np.array([p[k] if k < len(p) else "" for p in distinct], dtype=object)
        unknown = np.array([p != "" and p not in known for p in part], dtype=bool)
        rows = np.flatnonzero(unknown[cell_codes])
        batch.add_texts(
            rows,
            "unknown_target_group",
            fld="target_groups",
            texts=part[cell_codes[rows]].tolist(),
            sub=k,
        )
    check.flush(batch)
    _report_unknown(prt, check, matched.sectors["sector"], code="unknown_sector", fld="sector")
    _report_unknown(prt, check, matched.roles["role"], code="unknown_role", fld="role")


def _report_unknown(
    rows: _Rows, check: _Checker, matched: pd.Series, *, code: str, fld: str
) -> None:
    """Warn for every row whose sector or role text matched nothing in the vocabulary."""
    index = np.flatnonzero(np.asarray(matched == UNKNOWN, dtype=bool))
    batch = _Batch(rows)
    batch.add_texts(index, code, fld=fld, texts=rows.values(fld, index))
    check.flush(batch)


@dataclass(frozen=True)
class _OrganisationKeys:
    """The organisation keys of the project leads and the partners, as codes."""

    lead_keys: np.ndarray  # key code of the lead of each distinct project id (_ProjectIds)
    keys: np.ndarray  # key code of each partner row
    texts: Any  # the keys by code (pyarrow text)


def _organisation_keys_of(prj: _Rows, prt: _Rows, ids: _ProjectIds) -> _OrganisationKeys:
    """Key the leads and partners (pyarrow kernels only: it can run beside other work)."""
    # The lead of each project id (its first project row), compared as organisation key.
    first = ids.first
    # Leads and partners are keyed in one go, so that equal keys get equal codes and
    # the comparisons below are on integers, not on 100,000 Python strings.
    key_codes, key_texts = _organisation_key_codes(
        [
            _arrow(prj.text["lead_organisation"]).take(pa.array(first, type=pa.int64())),
            _arrow(prt.text["organisation"]),
        ]
    )
    return _OrganisationKeys(key_codes[: len(first)], key_codes[len(first) :], key_texts)


def _partner_is_lead(
    prt: _Rows, check: _Checker, keyed: _OrganisationKeys, ids: _ProjectIds
) -> np.ndarray:
    """Flag partners that are their project's lead, and partners listed twice."""
    lead_keys, keys, key_texts = keyed.lead_keys, keyed.keys, keyed.texts
    pid = prt.text["project_id"]
    at = ids.at
    found = at >= 0
    empty_key = _code_of(key_texts, "")
    usable = (keys != empty_key) & _filled(pid)
    same_as_lead = np.zeros(len(pid), dtype=bool)
    same_as_lead[found] = lead_keys[at[found]] == keys[found]
    is_lead = usable & same_as_lead
    # A partner named twice in one project: the same (project id, key) pair again.
    rest = np.flatnonzero(usable & ~is_lead)
    pid_codes = ids.partner_codes
    pair_codes, pairs = pd.factorize(
        pid_codes[rest].astype(np.int64) * max(len(key_texts), 1) + keys[rest]
    )
    pair_codes = np.asarray(pair_codes, dtype=np.intp)
    pair_first = _first_positions(pair_codes, len(pairs))
    repeated = pair_first[pair_codes] != np.arange(len(rest))
    first_row = dict(
        zip(rest[repeated].tolist(), rest[pair_first[pair_codes[repeated]]].tolist(), strict=True)
    )
    batch = _Batch(prt)
    flagged = np.sort(np.concatenate([np.flatnonzero(is_lead), rest[repeated]]))
    orgs = prt.values("organisation", flagged)
    pids = prt.values("project_id", flagged)
    for i, org, p in zip(flagged.tolist(), orgs, pids, strict=True):
        if is_lead[i]:
            batch.add(
                (i,),
                i,
                "partner_is_lead",
                fld="organisation",
                value=org,
                params={"project": p},
            )
        else:
            batch.add(
                (i,),
                i,
                "duplicate_partner",
                fld="organisation",
                value=org,
                params={"project": p, "first_row": prt.number(first_row[i])},
            )
    check.flush(batch)
    return np.asarray(is_lead, dtype=bool)


def _statuses(marks: np.ndarray) -> Any:
    return _labels(["ok", "warning", "error"], marks)


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
