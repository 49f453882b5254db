"""One table as read from a file (:class:`_Sheet`): header row, text columns, row numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo._schema import header_key
from optil_geo.partnerships._text import _FORMULA_TRIGGERS, _column_letter, _text_column
from optil_geo.partnerships.problems import Problem

MAX_ROWS = 200_000
"""Most data rows in one import (a file, or a sheet of a workbook)."""


@dataclass
class _Sheet:
    """One table as read: its headers and its data rows as text columns.

    ``columns[j]`` holds the cells under ``headers[j]`` (text, stripped, ``""`` when
    empty; one entry per data row) and ``numbers`` the row number a spreadsheet shows
    for each data row.
    """

    file: str
    sheet: str | None
    header_row: int
    headers: list[str]
    columns: list[pd.Series]
    numbers: np.ndarray
    notes: list[Problem] = field(default_factory=list)  # found while reading

    @classmethod
    def empty(cls, file: str, sheet: str | None) -> _Sheet:
        """Return a sheet without a header row and without data."""
        return cls(file, sheet, 1, [], [], np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass(frozen=True)
class ReadFile:
    """A file read once, as sheets of text (see :func:`read_file`).

    :func:`preview_columns` and :func:`read_partnerships` take it in place of the
    file itself, so that the mapping step and the import read an upload once.

    Attributes
    ----------
    name
        The file's name, as the report names it.
    sheets
        Its sheets as read (one for delimited text); not to be changed.
    """

    name: str
    sheets: tuple[_Sheet, ...]


def _clean_text(text: str) -> str:
    text = text.strip()
    # A cell our own writers neutralised ("'=SUM(…)") reads back as it was meant.
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_TRIGGERS:
        return text[1:]
    return text


def _sheet_from_cells(file: str, sheet: str | None, rows: Iterable[list[str]]) -> _Sheet:
    """Find the header row and keep every non-empty data row with its row number."""
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(row)]
    _check_row_count(len(numbered), file)
    if not numbered:
        return _Sheet.empty(file, sheet)
    header_at = _header_position([row for _, row in numbered[:10]])
    header_row, headers = numbered[header_at]
    width = len(headers)
    body = numbered[header_at + 1 :]
    columns = [
        _text_column([row[j] if j < len(row) else "" for _, row in body]) for j in range(width)
    ]
    numbers = np.fromiter((n for n, _ in body), dtype=np.int64, count=len(body))
    notes = [
        _beyond_header(file, sheet, n, width, row[width:]) for n, row in body if any(row[width:])
    ]
    return _Sheet(file, sheet, header_row, headers, columns, numbers, notes)


def _beyond_header(
    file: str, sheet: str | None, row: int, width: int, extra: Sequence[str]
) -> Problem:
    """Warn that a row has cells right of the header's last column (they are not read)."""
    first = next(j for j, cell in enumerate(extra) if cell)
    letter = _column_letter(width + first)
    return Problem(
        "warning",
        "cells_beyond_header",
        {"shown": extra[first][:40]},
        file,
        sheet,
        row,
        letter,
        extra[first][:200],
    )


def _check_row_count(non_empty_rows: int, file: str) -> None:
    if non_empty_rows > MAX_ROWS + 1:
        raise InputError(code="too_many_rows", params={"file": file, "max_rows": float(MAX_ROWS)})


@cache
def _header_keys() -> frozenset[str]:
    return frozenset(_schema.alias_index("flat")) | frozenset(_schema.alias_index("projects"))


def _header_position(first_rows: Sequence[Sequence[str]]) -> int:
    """Return which of the first non-empty rows is the header (names two known columns)."""
    keys = _header_keys()
    for k, row in enumerate(first_rows[:10]):
        if sum(header_key(cell) in keys for cell in row if cell) >= 2:
            return k
    return 0
