"""Text columns of the import (pyarrow-backed ``str``) and the type aliases of the package.

The small helpers every step shares: build a text column, tell which cells are
filled, read stored tables back as text. Deciding per distinct value lives in
:mod:`optil_geo._distinct`.
"""

from __future__ import annotations

import os
import re
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo._distinct import TEXT, text_column

Form = Literal["two_tables", "flat"]


Severity = Literal["error", "warning"]


PathOrBuffer = str | os.PathLike[str] | IO[bytes] | IO[str]


if TYPE_CHECKING:
    from optil_geo.partnerships.sheets import ReadFile

# A file as a path, its bytes or a binary file object, or already read (ReadFile).
SingleSource: TypeAlias = "str | os.PathLike[str] | bytes | bytearray | BinaryIO | ReadFile"


Source: TypeAlias = "SingleSource | tuple[SingleSource, SingleSource]"


# OWASP "CSV Injection": a cell starting with one of these may be run as a formula by
# a spreadsheet. The full-width forms are folded to ASCII by some spreadsheet apps.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


_text_column = text_column


def _constant_column(value: str, n: int) -> pd.Series:
    """Return a text column of ``n`` times ``value``."""
    return _text_column_from_arrow(pc.fill_null(pa.nulls(n, type=pa.large_string()), value))


# The characters Python's str.strip() removes, so that CSV cells are stripped as
# workbook cells are (tests/test_csv_reader.py checks the list).
_PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _text_column_from_arrow(values: Any) -> pd.Series:
    return pd.Series(pd.array(values, dtype=TEXT), copy=False)


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _filled(column: pd.Series) -> np.ndarray:
    """Return which cells of a text column are not empty."""
    return (column != "").to_numpy(dtype=bool, copy=True)


def _text_series(values: pd.Series) -> pd.Series:
    """Return values as stripped text (``str``); missing values as ``""``."""
    if isinstance(values.dtype, pd.StringDtype):
        text = values.astype(TEXT).fillna("").str.strip(_PY_WHITESPACE)
        return text.reset_index(drop=True)
    obj = values.astype(object)
    stripped = obj.where(obj.notna(), "").map(lambda v: str(v).strip())
    return _text_column(stripped.to_numpy(dtype=object))


def _row_at(rows: pd.Series, i: int) -> int | None:
    """Return the spreadsheet row number at position ``i`` of a ``source_row`` column."""
    value: Any = rows.iat[i]
    return None if pd.isna(value) else int(value)
