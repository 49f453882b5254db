"""Text columns of the import: pyarrow-backed ``str`` columns, their codes and distinct values.

The small helpers every step shares: build a text column, read which cells are
filled, take cells by position, code texts (equal texts, equal codes) and spread
per-distinct answers back over the rows; and the type aliases of the package.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import IO, Any, BinaryIO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Form = Literal["two_tables", "flat"]


Severity = Literal["error", "warning"]


PathOrBuffer = str | os.PathLike[str] | IO[bytes] | IO[str]


SingleSource = str | os.PathLike[str] | bytes | bytearray | BinaryIO


Source = SingleSource | tuple[SingleSource, SingleSource]


# OWASP "CSV Injection": a cell starting with one of these may be run as a formula by
# a spreadsheet. The full-width forms are folded to ASCII by some spreadsheet apps.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


# Text columns: pandas' pyarrow-backed strings (the ``str`` dtype of pandas 3).
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)


def _text_column(values: Sequence[str] | np.ndarray) -> pd.Series:
    """Return a text column (pyarrow-backed ``str``) of Python strings."""
    return pd.Series(pd.array(np.asarray(values, dtype=object), dtype=TEXT), copy=False)


def _constant_column(value: str, n: int) -> pd.Series:

    return _text_column_from_arrow(pc.fill_null(pa.nulls(n, type=pa.large_string()), value))


# The characters Python's str.strip() removes, so that the vectorised reader strips
# exactly what the cell-by-cell one does (tests/test_dataio.py checks the list).
_PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _text_layout(cells: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return a pyarrow text array's cell bounds and its data buffer (views, no copy).

    Cell ``i`` is ``data[bounds[i]:bounds[i + 1]]``.
    """
    _, offsets, data = cells.buffers()
    kind = np.int64 if pa.types.is_large_string(cells.type) else np.int32
    if offsets is None:
        return np.zeros(len(cells) + 1, dtype=kind), np.zeros(0, dtype=np.uint8)
    bounds = np.frombuffer(offsets, dtype=kind)[cells.offset : cells.offset + len(cells) + 1]
    if data is None:
        return bounds, np.zeros(0, dtype=np.uint8)
    return bounds, np.frombuffer(data, dtype=np.uint8)


def _edge_bytes(bounds: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first and last byte of each cell (meaningless for an empty cell)."""
    top = len(data) - 1
    if top < 0:
        empty = np.zeros(len(bounds) - 1, dtype=np.uint8)
        return empty, empty
    return data.take(np.minimum(bounds[:-1], top)), data.take(np.clip(bounds[1:] - 1, 0, top))


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
    """Return which cells of a text column are not empty (a missing value is not '')."""
    values = column.array
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = _arrow(values)
        chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
        if all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
            # Read off the cell bounds: a cell is filled when it has a byte. (The
            # empty part stands for a column without chunks.)
            parts = [np.zeros(0, dtype=bool)]
            for chunk in chunks:
                bounds, _ = _text_layout(chunk)
                filled = bounds[1:] != bounds[:-1]
                if chunk.null_count:
                    filled |= ~chunk.is_valid().to_numpy(zero_copy_only=False)
                parts.append(filled)
            return np.concatenate(parts)
    return np.asarray(values != "", dtype=bool)


def _arrow(values: pd.Series | pd.api.extensions.ExtensionArray) -> Any:
    """Return the pyarrow array behind a text column (no copy)."""

    return pa.array(values.array if isinstance(values, pd.Series) else values)


def _texts_at(values: pd.Series, index: np.ndarray) -> list[str]:
    """Return the cells of a text column at ``index`` as Python strings."""

    if not len(index):
        return []
    taken = _arrow(values).take(pa.array(index, type=pa.int64())).to_pylist()
    return ["" if v is None else v for v in taken]


def _index_in(values: pd.Series | pd.api.extensions.ExtensionArray, labels: Any) -> np.ndarray:
    """Return the position of each cell among ``labels`` (text), -1 when absent."""

    value_set = pa.array(np.asarray(labels, dtype=object), type=pa.large_string())
    found = pc.index_in(_arrow(values), value_set=value_set)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.intp)


def _first_positions(codes: np.ndarray, n_codes: int, *, missing: int = 0) -> np.ndarray:
    """Return, for each code 0..n_codes-1, the position of its first occurrence."""
    first = np.full(n_codes, missing, dtype=np.intp)
    if len(codes):
        if (np.diff(codes) >= 0).all():  # runs of equal codes: each run starts a code
            at = np.flatnonzero(np.diff(codes, prepend=codes[0] - 1) != 0)
        else:
            at = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
        first[codes[at]] = at
    return first


_NO_ROWS = np.zeros(0, dtype=np.intp)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return per row the position of its text among the distinct texts, and those texts."""
    codes, uniques = pd.factorize(values.array)
    return np.asarray(codes, dtype=np.intp), [str(u) for u in uniques.tolist()]


def _dictionary_codes(values: Any) -> np.ndarray:
    """Return per cell of a pyarrow text array the code of its text (equal texts, equal codes)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)


def _code_of(texts: Any, text: str) -> int:
    """Return the position of ``text`` in the pyarrow text array ``texts``, -1 when absent."""
    return int(pc.index(texts, text).as_py())


def _labels(labels: list[str], codes: np.ndarray) -> Any:
    """Return ``labels[code]`` for every code, as a text column (built in pyarrow)."""

    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.array(taken, dtype=TEXT)


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
