"""Split a flat sheet (one row per partner, project columns repeated) into the two tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._distinct import distinct
from optil_geo.partnerships._text import _constant_column, _filled
from optil_geo.partnerships.mapping import _Context, _raw_frame, _Table
from optil_geo.partnerships.problems import Problem
from optil_geo.partnerships.sheets import _Sheet


def _split_flat(flat: _Table, ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a flat sheet into projects (one per project_id) and partner rows.

    A row with any partner column filled is a partner row. Rows are grouped into
    projects by project_id (in order of first appearance); a row without project_id
    and without partner columns is a project of its own. A project takes, column by
    column, the first non-empty value of its rows; other values are reported.
    """
    sheet, positions = flat.sheet, flat.positions
    has_partner = np.zeros(len(sheet), dtype=bool)
    for f in _schema.PARTNER_ONLY_FIELDS:
        if f in positions:
            has_partner |= _filled(sheet.columns[positions[f]])
    projects = _FlatProjects.of(sheet, positions.get("project_id"), has_partner)
    columns: dict[str, Any] = {}
    for f in _schema.PROJECT_FIELDS:
        j = positions.get(f)
        if j is None:
            columns[f] = _constant_column("", len(projects.rows)).array
            continue
        columns[f], conflicts = projects.values(sheet.columns[j], keep_first=f == "project_id")
        for conflict in conflicts:
            ctx.report.add(_conflict(sheet, j, f, projects.ids[conflict.project], conflict))
    table = pd.DataFrame(columns, index=pd.RangeIndex(len(projects.rows)))
    table["source_file"] = _constant_column(sheet.file, len(table)).array
    table["source_sheet"] = _constant_column(sheet.sheet or "", len(table)).array
    table["source_row"] = pd.array(sheet.numbers[projects.rows], dtype="Int64")
    partner_rows = None if has_partner.all() else np.flatnonzero(has_partner)
    return table, _raw_frame(flat, _schema.PARTNER_FIELDS, partner_rows)


class _Conflict(NamedTuple):
    """A row of a project whose value differs from the one the project takes."""

    row: int
    project: int  # a position in _FlatProjects.rows
    chosen_row: int
    chosen: str
    other: str


@dataclass(frozen=True)
class _FlatProjects:
    """Which rows of a flat sheet make up which project."""

    rows: np.ndarray  # per project, in sheet order: the row it is read from (its first)
    members: np.ndarray  # the rows with a project id
    project_of: np.ndarray  # per member row: its project (a position in ``rows``)
    ids: list[str]  # per project: its id ("" for a row without one)

    @classmethod
    def of(cls, sheet: _Sheet, id_at: int | None, has_partner: np.ndarray) -> _FlatProjects:
        """Group the rows with a project id by id; a row without id or partner is its own."""
        if id_at is None:
            no_id = np.ones(len(sheet), dtype=bool)
            groups = distinct(pd.Series([], dtype=object))
        else:
            no_id = ~_filled(sheet.columns[id_at])
            groups = distinct(sheet.columns[id_at].iloc[np.flatnonzero(~no_id)])
        members = np.flatnonzero(~no_id)
        singles = np.flatnonzero(no_id & ~has_partner)
        # The projects in sheet order: each group at its first row, and the single rows.
        first = members[groups.first_rows()]
        starts = np.concatenate([first, singles])
        order = np.argsort(starts, kind="stable")
        position = np.empty(len(starts), dtype=np.intp)
        position[order] = np.arange(len(starts))
        ids = [str(v) for v in groups.values] + [""] * len(singles)
        return cls(
            rows=starts[order],
            members=members,
            project_of=position[groups.codes],
            ids=[ids[k] for k in order.tolist()],
        )

    def values(self, column: pd.Series, *, keep_first: bool) -> tuple[Any, list[_Conflict]]:
        """Return one value per project, and the member rows whose value differs.

        A project takes the first non-empty value of its rows.
        """
        at_first_row = column.array.take(self.rows)
        if keep_first or self._same_as_first_row(column):
            return at_first_row, []  # the usual flat file: nothing to choose or report
        member_values = column.iloc[self.members].to_numpy(dtype=object)
        filled = member_values != ""
        # The first filled member of each project chooses its value.
        chooser = np.full(len(self.rows), -1, dtype=np.intp)
        filled_at = np.flatnonzero(filled)
        projects, first = np.unique(self.project_of[filled_at], return_index=True)
        chooser[projects] = filled_at[first]
        chosen = np.where(chooser >= 0, member_values[chooser], "")
        values = np.asarray(at_first_row, dtype=object)
        grouped = self.project_of
        values[grouped] = chosen[grouped]
        differs = filled & (member_values != chosen[grouped])
        conflicts = [
            _Conflict(
                int(self.members[m]),
                int(grouped[m]),
                int(self.members[chooser[grouped[m]]]),
                str(chosen[grouped[m]]),
                str(member_values[m]),
            )
            for m in np.flatnonzero(differs).tolist()
        ]
        return pd.array(values, dtype=at_first_row.dtype), conflicts

    def _same_as_first_row(self, column: pd.Series) -> bool:
        """Whether every member row holds the value of its project's first row."""
        values = column.array
        members = values if len(self.members) == len(values) else values.take(self.members)
        starts = np.diff(self.project_of)  # > 0 where the next member begins another project
        if len(members) > 1 and (starts >= 0).all():
            # The usual flat file, a project's rows one after the other: comparing each
            # row with the one above it, within a project, is enough.
            same = np.asarray(members[1:] == members[:-1], dtype=bool)
            return bool((same | (starts > 0)).all())
        return bool((members == values.take(self.rows[self.project_of])).all())


def _conflict(sheet: _Sheet, j: int, f: str, project_id: str, conflict: _Conflict) -> Problem:
    """Warn that a row of a project holds another value than the one the project takes."""
    row, _, chosen_row, chosen, other = conflict
    return Problem(
        "warning",
        "conflicting_project_values",
        {"project": project_id, "first_row": int(sheet.numbers[chosen_row]), "first_value": chosen},
        sheet.file,
        sheet.sheet,
        int(sheet.numbers[row]),
        sheet.headers[j],
        other,
        f,
    )
