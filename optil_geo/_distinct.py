"""Decide once per distinct value, then spread the answers over the rows.

A column of 100,000 cells holds a few thousand distinct places, sectors or names.
The gazetteer, the vocabulary, the classification and the import each look at a
value once: :func:`distinct` factorizes the column (``pandas.factorize``), the
caller decides for each of :attr:`Distinct.values`, and :meth:`Distinct.spread`
puts the answers back on the rows by their codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["TEXT", "Distinct", "distinct", "distinct_rows", "text_column"]

T = TypeVar("T")

TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)
"""Text columns: pandas' pyarrow-backed strings (the ``str`` dtype of pandas 3)."""


@dataclass(frozen=True)
class Distinct:
    """A column as codes into its distinct values: row ``i`` holds ``values[codes[i]]``.

    Attributes
    ----------
    codes
        Per row, the position of its value in :attr:`values` (``intp``).
    values
        Each distinct value once, in order of first appearance.
    """

    codes: np.ndarray
    values: list[Any]

    def decide(self, decide: Callable[[Any], T]) -> list[T]:
        """Return ``decide(value)`` for each distinct value, in the order of :attr:`values`."""
        return [decide(value) for value in self.values]

    def spread(self, answers: Sequence[Any], dtype: Any = object) -> np.ndarray:
        """Return, per row, the answer of its value (``answers`` follows :attr:`values`)."""
        per_value = np.empty(len(answers), dtype=dtype)
        per_value[:] = answers  # (filled in place: a list of tuples stays one object each)
        return per_value[self.codes] if len(per_value) else np.zeros(len(self.codes), dtype)

    def spread_text(self, answers: Sequence[str]) -> pd.api.extensions.ExtensionArray:
        """Return, per row, the text answer of its value, as a text column's array.

        Taken in pyarrow, so that no Python string is made per row.
        """
        per_value = pa.array(list(answers), type=pa.large_string())
        taken = per_value.take(pa.array(self.codes, type=pa.int64()))
        return pd.array(taken, dtype=TEXT)

    def as_text(self) -> pd.api.extensions.ExtensionArray:
        """Return the column itself, each row's value, as a text column's array."""
        return self.spread_text([str(value) for value in self.values])

    def first_rows(self) -> np.ndarray:
        """Return, per distinct value, the first row that holds it."""
        first = np.zeros(len(self.values), dtype=np.intp)
        seen, at = np.unique(self.codes, return_index=True)
        first[seen] = at
        return first


def distinct(values: pd.Series, *, missing: Any = "") -> Distinct:
    """Factorize ``values``: its distinct values and, per row, which one it holds.

    Parameters
    ----------
    values
        A column (any dtype; each value must be hashable).
    missing
        What a missing value (``None``, ``NaN``, ``NA``) counts as.

    Returns
    -------
    Distinct
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    found = uniques.tolist()
    for at in np.flatnonzero(pd.isna(uniques)).tolist():  # at most one or two
        found[at] = missing
    return Distinct(np.asarray(codes, dtype=np.intp), found)


def distinct_rows(*columns: Distinct) -> Distinct:
    """Combine factorized columns of one table: its distinct rows (tuples of values).

    Two code columns at a time are joined into one number per row and factorized
    again, so that the numbers never grow beyond the number of rows squared.
    """
    codes = columns[0].codes
    for column in columns[1:]:
        joined = codes.astype(np.int64) * len(column.values) + column.codes
        codes = np.asarray(pd.factorize(joined)[0], dtype=np.intp)
    first = Distinct(codes, [None] * (int(codes.max()) + 1 if len(codes) else 0)).first_rows()
    cells = [[c.values[k] for k in c.codes[first].tolist()] for c in columns]
    return Distinct(codes, list(zip(*cells, strict=True)))


def text_column(values: Sequence[str] | np.ndarray) -> pd.Series:
    """Return a text column (pyarrow-backed ``str``) of Python strings."""
    return pd.Series(pd.array(np.asarray(values, dtype=object), dtype=TEXT), copy=False)
