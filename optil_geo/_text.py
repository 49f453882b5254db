"""Text helpers shared by the library (plumbing; not part of the public API)."""

from __future__ import annotations

import math

__all__ = ["format_number"]


def format_number(value: float | None, decimals: int = 0) -> str:
    """Format a number the Dutch way: ``12.345,6`` (``–`` for a missing value).

    Parameters
    ----------
    value
        The number; ``None`` or NaN gives an en dash.
    decimals
        Digits after the decimal comma.

    Examples
    --------
    >>> format_number(12345.6, 1)
    '12.345,6'
    >>> format_number(1.5, 2)
    '1,50'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
