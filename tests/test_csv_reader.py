"""The vectorised CSV reader reads every file exactly as the csv module does.

``optil_geo.partnerships`` parses well-formed CSV with pyarrow and falls back to Python's
csv module for anything pyarrow might read differently (rows of unequal length, an
unterminated quote, NUL bytes). These tests hold both paths to the same result.
"""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optil_geo._errors import InputError
from optil_geo.partnerships import _text, delimited, organisations, problem_message, sheets
from optil_geo.partnerships.organisations import organisation_key as _organisation_key
from optil_geo.partnerships.organisations import organisation_keys as _organisation_keys


def _slow(data: bytes, name: str = "t.csv") -> sheets._Sheet:
    """The cell-by-cell reader: decode, find the delimiter, csv module, strip."""
    text = delimited._decode_text(data, name)[0]
    delimiter, hinted = delimited._delimiter_of(text)
    rest = text.partition("\n")[2] if hinted else text
    records = [
        [sheets._clean_text(cell) for cell in record]
        for record in csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter)
    ]
    return sheets._sheet_from_cells(name, None, records)


def _as_lists(sheet: sheets._Sheet) -> tuple[object, ...]:
    return (
        sheet.header_row,
        list(sheet.headers),
        sheet.numbers.tolist(),
        [column.tolist() for column in sheet.columns],
    )


def _same(data: bytes) -> sheets._Sheet:
    fast = delimited._read_csv(data, "t.csv")
    assert _as_lists(fast) == _as_lists(_slow(data))
    return fast


def test_python_whitespace_is_what_str_strip_removes() -> None:
    expected = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert expected == _text._PY_WHITESPACE


@pytest.mark.parametrize(
    "text",
    [
        "projectnummer;titel\nP1;A\nP2;B\n",
        "projectnummer;titel\r\nP1;A\r\n\r\nP2;B",  # empty row in between: numbering
        "projectnummer;titel\rP1;A\rP2;B\r",  # old Mac line ends
        'projectnummer;titel\nP1;"met ; en\nnieuwe lijn"\nP2;"zegt ""hallo"""\n',
        'projectnummer;titel\nP1;a"b\nP2;"c"d\n',  # quotes inside a field
        "projectnummer;titel\n  P1 ;\u00a0A\u2003\nP2;\tB\x1c\n",  # every kind of blank
        "projectnummer;titel\nP1;'=1+1\nP2;'-x\nP3;'gewoon\nP4;'\n",  # neutralised cells
        "sep=,\nprojectnummer,titel\nP1,A\n",  # Excel's delimiter line
        "Overzicht;\n;\nprojectnummer;titel\nP1;A\n",  # a title above the header
        "projectnummer;titel;;\nP1;A;;\nP2;B;x;\n",  # unnamed columns
        "projectnummer;titel; \nP1;A;  \nP2;B;\u00a0\n",  # a column of blanks only
        "projectnummer;titel;\u2003\nP1;A;\u3000\n",
        "projectnummer\tgemeente\nP1\tGent\n",
        "projectnummer|gemeente\nP1|Gent\n",
        "projectnummer,titel\n",  # only a header
        "\n\n",
        "projectnummer;titel\nP1;A;extra\nP2\n",  # ragged: the csv module reads it
        'projectnummer;titel\nP1;"open quote\n',  # unterminated quote
        "projectnummer;titel\nP1;Liège\nP2;Ōsaka 🎭\n",
    ],
)
def test_fast_reader_equals_csv_module(text: str) -> None:
    _same(text.encode("utf-8"))
    _same(b"\xef\xbb\xbf" + text.encode("utf-8"))


@pytest.mark.parametrize("before", ["", "P0;" + "x" * 70_000 + "\n"])
def test_a_nul_byte_is_stripped_with_a_warning_naming_its_line(before: str) -> None:
    data = ("projectnummer;titel\n" + before + "P1;A\x00B\nP2;C\n").encode("utf-8")
    sheet = delimited._read_csv(data, "t.csv")
    assert sheet.columns[1].tolist()[-2:] == ["AB", "C"]
    line = 3 if before else 2
    assert [(n.code, n.severity, n.row) for n in sheet.notes] == [("nul_byte", "warning", line)]
    assert problem_message(sheet.notes[0]).startswith(f"Regel {line} bevat een NUL-teken")
    assert problem_message(sheet.notes[0], "en").startswith(f"Line {line} holds a NUL character")


def test_text_full_of_nul_bytes_is_still_not_text() -> None:
    with pytest.raises(InputError, match="geen tekst"):
        delimited._read_csv("projectnummer;titel\nP1;A\n".encode("utf-16-le"), "t.csv")


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_other_encodings(encoding: str) -> None:
    text = "projectnummer;gemeente\r\nP1;Liège\r\nP2;Écaussinnes\r\n"
    sheet = _same(text.encode(encoding))
    assert sheet.columns[1].tolist() == ["Liège", "Écaussinnes"]


def test_rectangular_utf8_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the csv module path was used")

    monkeypatch.setattr(delimited, "_sheet_from_cells", refuse)
    sheet = delimited._read_csv(b"projectnummer;titel\nP1;A\n", "t.csv")
    assert sheet.columns[1].tolist() == ["A"]
    assert str(sheet.columns[1].dtype) == "str"


def test_ragged_rows_take_the_csv_module_path(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = sheets._sheet_from_cells

    def spy(*args: object, **kwargs: object) -> sheets._Sheet:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(delimited, "_sheet_from_cells", spy)
    sheet = delimited._read_csv(b"projectnummer;titel\nP1;A;extra\nP2\n", "t.csv")
    assert calls == [1]
    assert sheet.columns[0].tolist() == ["P1", "P2"]
    assert sheet.columns[1].tolist() == ["A", ""]


_CELL = st.text(
    alphabet=st.sampled_from(list("ab ;,\"'=+-@\t\r\n\u00a0\u2003\u3000\x85éZ1")),
    min_size=0,
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=0, max_size=6),
    delimiter=st.sampled_from([";", ",", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    last=st.sampled_from(["gemeente", "", " ", "\u00a0"]),  # unnamed: maybe blanks only
)
def test_property_fast_equals_slow(
    rows: list[list[str]], delimiter: str, terminator: str, last: str
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(["projectnummer", "titel", last])
    writer.writerows(rows)
    _same(out.getvalue().encode("utf-8"))


def test_organisation_keys_match_one_by_one() -> None:
    names = [
        "CC Gent vzw",
        "cc  GENT",
        "VZW vzw Test",
        "Test vzw vzw",
        "vzw",
        "Café Zénith VZW",
        "Straße 1",
        "ASBL Théâtre de Liège",
        "bv. nv de Zaak",
        "De-Kunst_werf (ivzw)",
        "",
        "   ",
        "Ｇｅｎｔ ｖｚｗ",
        "Ĳzer",
        "a.s.b.l.",
    ]
    series = pd.Series(pd.array(names * 3, dtype=_text.TEXT))
    keys = _organisation_keys(series)
    assert isinstance(keys, np.ndarray)
    assert keys.tolist() == [_organisation_key(n) for n in names * 3]


_NAME_PARTS = st.one_of(
    st.sampled_from(["vzw", "VZW", "ivzw", "bvba", "nv", "a.s.b.l.", "Cc", "Gent", "é", "  "]),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_NAME_PARTS, max_size=6).map("".join), max_size=25), st.integers(0, 3))
def test_organisation_keys_match_one_by_one_for_any_names(names: list[str], skip: int) -> None:
    # Keyed per distinct name and spread back, on a sliced array too (the slice
    # offset must be respected).
    import pyarrow as pa

    cells = pa.array(["x"] * skip + names, type=pa.string()).slice(skip)
    codes, texts = organisations._organisation_key_codes([cells])
    keys = texts.to_pylist()
    assert [keys[c] for c in codes] == [_organisation_key(n) for n in names]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "a", "Gent", "é"])), max_size=30),
    st.integers(0, 3),
)
def test_filled_reads_cell_bounds_like_a_comparison(cells: list[str | None], skip: int) -> None:
    import pyarrow as pa

    # Several chunks, a slice and missing values: as `!= ""` would say.
    arrow = pa.chunked_array(
        [pa.array(["x"] * skip + cells[:5], type=pa.large_string()).slice(skip), cells[5:]],
        type=pa.large_string(),
    )
    column = pd.Series(pd.array(arrow, dtype=_text.TEXT))
    expected = np.asarray(column.astype(object).map(lambda v: v != ""), dtype=bool)
    assert _text._filled(column).tolist() == expected.tolist()


@pytest.mark.parametrize(
    "cells", [[" ", "  "], ["", ""], [" ", ""], ["\u00a0", " "], ["'=1", "  "], []]
)
def test_clean_column_of_blanks(cells: list[str]) -> None:
    import pyarrow as pa

    for column in (pa.array(cells, pa.string()), pa.array(["x", *cells], pa.string()).slice(1)):
        cleaned, filled = delimited._clean_arrow_column(column)
        expected = [c.strip(_text._PY_WHITESPACE) for c in cells]
        expected = [c[1:] if c.startswith("'=") else c for c in expected]
        assert cleaned.to_pylist() == expected
        assert filled.tolist() == [c != "" for c in expected]


def test_clean_column_reads_a_missing_cell_as_empty() -> None:
    import pyarrow as pa

    # A missing cell whose slot still holds bytes ("'=b") beside a neutralised formula.
    validity = pa.py_buffer(bytes([0b01]))
    offsets = pa.py_buffer(np.array([0, 3, 6], dtype=np.int32).tobytes())
    column = pa.Array.from_buffers(pa.string(), 2, [validity, offsets, pa.py_buffer(b"'=a'=b")])
    cleaned, filled = delimited._clean_arrow_column(column)
    assert cleaned.to_pylist() == ["=a", ""]
    assert filled.tolist() == [True, False]


def test_organisation_keys_take_64_bit_offsets() -> None:
    import pyarrow as pa

    names = ["A-b", "vzw Foo", None]
    codes, keys = organisations._organisation_key_codes([pa.array(names, type=pa.large_string())])
    assert [keys.to_pylist()[c] for c in codes] == ["a b", "foo", ""]
