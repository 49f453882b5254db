"""Split a flat sheet (one row per partner, project columns repeated) into the two tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo import _schema
from optil_geo.partnerships._text import (
    _arrow,
    _constant_column,
    _filled,
    _first_positions,
    _text_column,
)
from optil_geo.partnerships.mapping import _Context, _raw_frame, _Table
from optil_geo.partnerships.problems import Problem


def _split_flat(flat: _Table, ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a flat sheet into projects (one per project_id) and partner rows.

    A row with any partner column filled is a partner row. Rows are grouped into
    projects by project_id (in order of first appearance); a row without project_id
    and without partner columns is a project of its own. A project takes, column by
    column, the first non-empty value of its rows; other values are reported.
    """
    sheet = flat.sheet
    pos = flat.positions
    n = len(sheet)
    has_partner = np.zeros(n, dtype=bool)
    for f in _schema.PARTNER_ONLY_FIELDS:
        j = pos.get(f)
        if j is not None:
            has_partner |= _filled(sheet.columns[j])
    key_at = pos.get("project_id")
    has_key = _filled(sheet.columns[key_at]) if key_at is not None else np.zeros(n, dtype=bool)
    keyed = np.flatnonzero(has_key)
    if key_at is not None:
        group_of, group_ids = pd.factorize(sheet.columns[key_at].array.take(keyed))
        group_of = np.asarray(group_of, dtype=np.intp)
    else:
        group_of, group_ids = np.zeros(0, dtype=np.intp), []
    n_groups = len(group_ids)
    # Codes follow first appearance, so the first member of group g is keyed[first[g]].
    group_first = keyed[_first_positions(group_of, n_groups)]
    singles = np.flatnonzero(~has_partner & ~has_key)
    item_rows = np.concatenate([group_first, singles])
    order = np.argsort(item_rows, kind="stable")
    rank = np.empty(len(item_rows), dtype=np.intp)
    rank[order] = np.arange(len(item_rows))
    project_rows = item_rows[order]
    is_group = order < n_groups
    group_at = np.where(is_group, order, 0)

    problems: list[tuple[tuple[int, int, int], Problem]] = []
    columns: dict[str, Any] = {}  # pyarrow text, or an object array where merged
    for k, f in enumerate(_schema.PROJECT_FIELDS):
        j = pos.get(f)
        if j is None:
            continue
        values = sheet.columns[j].array
        if f == "project_id" or not n_groups or _same_within_runs(values, keyed, group_of):
            columns[f] = values.take(project_rows)  # stays pyarrow text
            continue
        merged = np.asarray(values.take(project_rows), dtype=object)
        # Compare codes of distinct texts, not the texts themselves.
        codes, texts = pd.factorize(values)
        texts = np.asarray(texts, dtype=object)
        member_codes = np.asarray(codes, dtype=np.intp)[keyed]
        filled = (texts != "")[member_codes]
        with_value = np.flatnonzero(filled)
        seen = _first_positions(group_of[with_value], n_groups, missing=-1)
        has = seen >= 0
        chosen_at = np.full(n_groups, -1, dtype=np.intp)
        chosen_at[has] = keyed[with_value[seen[has]]]
        chosen_code = np.full(n_groups, -1, dtype=np.intp)
        chosen_code[has] = member_codes[with_value[seen[has]]]
        chosen = np.full(n_groups, "", dtype=object)
        chosen[has] = texts[chosen_code[has]]
        merged[is_group] = chosen[group_at[is_group]]
        differs = filled & (member_codes != chosen_code[group_of])
        for m in np.flatnonzero(differs).tolist():
            g = int(group_of[m])
            row = int(keyed[m])
            chosen_number = sheet.numbers[chosen_at[g]] if has[g] else sheet.numbers[row]
            other = texts[member_codes[m]]
            problems.append(
                (
                    (int(rank[g]), k, row),
                    Problem(
                        "warning",
                        "conflicting_project_values",
                        {
                            "project": group_ids[g],
                            "first_row": int(chosen_number),
                            "first_value": chosen[g],
                        },
                        sheet.file,
                        sheet.sheet,
                        int(sheet.numbers[row]),
                        sheet.headers[j],
                        other,
                        f,
                    ),
                )
            )
        columns[f] = merged
    problems.sort(key=lambda item: item[0])
    for _, problem in problems:
        ctx.report.add(problem)

    m = len(project_rows)
    frame_columns: dict[str, Any] = {}
    for f in _schema.PROJECT_FIELDS:
        if f not in columns:
            frame_columns[f] = _constant_column("", m)
        elif isinstance(columns[f], np.ndarray):
            frame_columns[f] = _text_column(columns[f])
        else:
            frame_columns[f] = pd.Series(columns[f], copy=False)
    projects = pd.DataFrame(
        {name: column.array for name, column in frame_columns.items()}, index=pd.RangeIndex(m)
    )
    projects["source_file"] = _constant_column(sheet.file, m).array
    projects["source_sheet"] = _constant_column(sheet.sheet or "", m).array
    projects["source_row"] = pd.array(sheet.numbers[project_rows], dtype="Int64")
    partner_rows = None if has_partner.all() else np.flatnonzero(has_partner)
    partners = _raw_frame(flat, _schema.PARTNER_FIELDS, partner_rows)
    return projects, partners


def _same_within_runs(values: Any, keyed: np.ndarray, group_of: np.ndarray) -> bool:
    """Return whether every project's rows are consecutive and hold one and the same value.

    The usual flat file: then each project simply takes the value of its first row,
    and there is nothing to report, which is quick to establish.
    """

    if len(keyed) < 2:
        return True
    step = np.diff(group_of)
    if (step < 0).any():
        return False
    cells = _arrow(values)
    if len(keyed) != len(values) or keyed[-1] != len(keyed) - 1:
        cells = cells.take(pa.array(keyed, type=pa.int64()))
    equal = pc.equal(cells.slice(1), cells.slice(0, len(cells) - 1))
    equal = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
    return bool((equal | (step != 0)).all())
