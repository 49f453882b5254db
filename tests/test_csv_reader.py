"""The CSV reader (pyarrow's, alone) reads every file as Python's csv module does.

The csv module is the reference here, not a second reader: rows of unequal length,
an unterminated quote, every kind of blank, neutralised formulas and encodings are
held to what it reads, cell by cell.
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
from optil_geo.partnerships import _text, delimited, problem_message, sheets
from optil_geo.partnerships.organisations import organisation_key as _organisation_key
from optil_geo.partnerships.organisations import organisation_keys as _organisation_keys


def _slow(data: bytes, name: str = "t.csv") -> sheets._Sheet:
    """The reference, cell by cell: decode, find the delimiter, csv module, strip."""
    delimiter, rest_bytes = delimited._delimiter_of(delimited._utf8(data, name))
    rest = rest_bytes.decode("utf-8")
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


def test_ragged_rows_are_padded_or_cut_with_a_warning() -> None:
    sheet = delimited._read_csv(b"projectnummer;titel\nP1;A;extra\nP2\n", "t.csv")
    assert sheet.columns[0].tolist() == ["P1", "P2"]
    assert sheet.columns[1].tolist() == ["A", ""]
    assert [(n.code, n.row, n.column, n.value) for n in sheet.notes] == [
        ("cells_beyond_header", 2, "C", "extra")
    ]
    assert str(sheet.columns[1].dtype) == "str"


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


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("CC Gent vzw", "cc gent"),
        ("cc  GENT", "cc gent"),
        ("VZW vzw Test", "test"),
        ("Test vzw vzw", "test"),
        ("vzw", ""),
        ("Café Zénith VZW", "cafe zenith"),
        ("Straße 1", "strasse 1"),
        ("ASBL Théâtre de Liège", "theatre de liege"),
        ("bv. nv de Zaak", "de zaak"),
        ("De-Kunst_werf (ivzw)", "de kunst werf"),
        ("nvidia", "nvidia"),
        ("", ""),
        ("   ", ""),
        ("Ｇｅｎｔ ｖｚｗ", "gent"),
        ("Ĳzer", "ijzer"),
        ("a.s.b.l.", "a s b l"),
        (None, ""),
    ],
)
def test_organisation_key(name: str | None, key: str) -> None:
    assert _organisation_key(name) == key


def test_organisation_keys_are_the_key_of_each_name() -> None:
    names = ["CC Gent vzw", "cc  GENT", None, "Café Zénith VZW", "CC Gent vzw"]
    series = pd.Series(pd.array(names, dtype=_text.TEXT))
    keys = _organisation_keys(series)
    assert isinstance(keys, np.ndarray)
    assert keys.tolist() == ["cc gent", "cc gent", "", "cafe zenith", "cc gent"]


@pytest.mark.parametrize(
    "cells", [[" ", "  "], ["", ""], [" ", ""], ["\u00a0", " "], ["'=1", "  "], []]
)
def test_clean_column_of_blanks(cells: list[str]) -> None:
    import pyarrow as pa

    for column in (pa.array(cells, pa.string()), pa.array(["x", *cells], pa.string()).slice(1)):
        expected = [c.strip(_text._PY_WHITESPACE) for c in cells]
        expected = [c[1:] if c.startswith("'=") else c for c in expected]
        assert delimited._clean(column).to_pylist() == expected
