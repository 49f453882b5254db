"""Dutch number formatting: one function, used everywhere in the library."""

from __future__ import annotations

import math

import numpy as np

from optil_geo import _text, dataio, maps, measures


def test_format_number() -> None:
    assert _text.format_number(12345.678, 1) == "12.345,7"
    assert _text.format_number(1234567) == "1.234.567"
    assert _text.format_number(0.5, 2) == "0,50"
    assert _text.format_number(-1234.5, 1) == "-1.234,5"
    assert _text.format_number(np.float64(2.25), 1) == "2,2"  # round half to even
    assert _text.format_number(None) == "–"
    assert _text.format_number(math.nan) == "–"


def test_one_definition() -> None:
    assert maps.format_number is _text.format_number  # re-exported for compatibility
    assert measures.format_number is _text.format_number
    assert dataio.format_number is _text.format_number


def test_sizes_in_messages_use_it() -> None:
    assert dataio._mb(1536 * 1024) == "1,5 MB"
    assert dataio._mb(2048 * 1024 * 1024) == "2.048,0 MB"
