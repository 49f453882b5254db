"""Read delimited text (CSV): encoding, delimiter, pyarrow's reader, and what went wrong.

One reader reads every file: pyarrow's CSV reader, every cell as text. A record
with another number of cells than the file's first one is set aside by the reader
and read again with the others of its length, then put back in its place: short
rows are padded with empty cells, cells right of the header are reported. Stray
NUL bytes are stripped and a quote that swallows lines is reported, each naming
its row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import groupby
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from optil_geo._errors import InputError
from optil_geo.partnerships._text import _PY_WHITESPACE, _column_letter, _text_column_from_arrow
from optil_geo.partnerships.problems import NO_PARAMS, Problem
from optil_geo.partnerships.sheets import _check_row_count, _header_position, _Sheet

_SNIFF_CHARS = 64_000


# A cell our own writers neutralised: an apostrophe before a formula trigger.
_NEUTRALISED = "^'[=+\\-@\t\r\n＝＋－＠]"


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


_MAX_COLUMNS = 4096


def _read_csv(data: bytes, name: str) -> _Sheet:
    """Read delimited text (see :func:`_read_delimited`)."""
    return _read_delimited(data, name)[0]


def _read_delimited(data: bytes, name: str) -> tuple[_Sheet, str]:
    """Read delimited text: strip stray NUL bytes, parse, find lines a stray quote merged.

    Returns the sheet (its ``notes`` say what was stripped, merged or cut off) and the
    delimiter.
    """
    data, nul_notes = _strip_nul(data, name)
    text = _utf8(data, name)
    delimiter, text = _delimiter_of(text)
    records, widths = _read_records(text, delimiter, name)
    columns = [_clean(column) for column in records]
    sheet = _sheet_of(columns, widths, name)
    sheet.notes[:0] = nul_notes
    if _line_count(text) > len(columns[0] if columns else []):
        # Fewer records than lines: some cell holds a line break (or a stray quote).
        sheet.notes.extend(_merged_lines(sheet, delimiter))
    return sheet, delimiter


def _strip_nul(data: bytes, name: str) -> tuple[bytes, list[Problem]]:
    """Remove a few NUL bytes (a damaged export), naming their lines; leave binary alone.

    Text with more than 1 % NUL bytes (and more than a few), or with other control
    bytes that no text encoding we read uses, is UTF-16 without a byte order mark or not text
    at all; it is left as it is, to be refused by :func:`_decode_text`.
    """
    if b"\x00" not in data or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data, []
    if data.count(b"\x00") > max(_NAMED_ROWS, len(data) // 100) or _BINARY.search(
        data, 0, _SNIFF_CHARS
    ):
        return data, []
    lines: list[int] = []
    at = data.find(b"\x00")
    while at >= 0 and len(lines) < _NAMED_ROWS:
        line = data.count(b"\n", 0, at) + 1
        if not lines or lines[-1] != line:
            lines.append(line)
        at = data.find(b"\x00", at + 1)
    notes = [
        Problem(
            "warning",
            "nul_byte",
            NO_PARAMS,
            name,
            None,
            line,
        )
        for line in lines
    ]
    return data.replace(b"\x00", b""), notes


_BINARY = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f]")


# Rows named one by one in a reading note; more of the same kind are rare and alike.
_NAMED_ROWS = 20


def _utf8(data: bytes, name: str) -> bytes:
    """Return the text as UTF-8 without a byte order mark.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such, anything else
    as Windows-1252 (Latin-1 where a byte is undefined there).
    """
    if data[:2] in _UTF16_BOMS:
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError(code="bad_utf16", params={"file": name}) from None
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise InputError(code="not_text", params={"file": name})
    body = data.removeprefix(_UTF8_BOM)
    if _is_utf8(body):
        return body
    try:
        return body.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        # Five bytes are undefined in cp1252; Latin-1 maps them to control characters
        # instead of refusing a file that is otherwise readable.
        return body.decode("latin-1").encode("utf-8")


def _is_utf8(data: bytes) -> bool:
    """Return whether the bytes are valid UTF-8 (checked by pyarrow, much faster than decoding)."""
    try:
        pa.array([data], type=pa.large_binary()).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _delimiter_of(text: bytes) -> tuple[str, bytes]:
    """Return the delimiter, and the text without an Excel ``sep=`` line if it had one.

    The delimiter is the candidate that gives the first rows (of the first
    ``_SNIFF_CHARS`` characters) the most equal number of cells, at least two.
    """
    end = text.find(b"\n")
    hint = re.fullmatch(rb"\s*sep=(.)\s*", text if end < 0 else text[:end])
    if hint:
        return hint.group(1).decode("utf-8"), text[end + 1 :] if end >= 0 else b""
    sample = text[: text.rfind(b"\n", 0, _SNIFF_CHARS) + 1] or text[:_SNIFF_CHARS]
    scores = {candidate: _delimiter_score(sample, candidate) for candidate in (";", ",", "\t", "|")}
    return max(scores, key=lambda candidate: scores[candidate]), text


def _delimiter_score(sample: bytes, delimiter: str) -> tuple[float, float, int]:
    """How well ``delimiter`` splits the first 50 non-empty rows of ``sample``.

    ``(at least two cells, share of rows as wide as the first, its width)``.
    """
    widths: list[int] = []
    try:
        table = _parse(sample, delimiter, on_other_width=lambda row: widths.append(row.number))
    except pa.ArrowInvalid:
        return (-1.0, -1.0, -1)
    rows = list(range(1, table.num_rows + len(widths) + 1))[:50]
    width = table.num_columns
    if width < 2:
        return (0.0, 0.0, width)
    body = rows[1:-1] if len(rows) > 2 else rows[1:]
    same = [row for row in body if row not in set(widths)]
    return (1.0, len(same) / len(body) if body else 1.0, width)


def _parse(
    text: bytes,
    delimiter: str,
    *,
    width: int | None = None,
    on_other_width: Callable[[Any], None] | None = None,
    threads: bool = False,
) -> Any:
    """Parse delimited UTF-8 with pyarrow into a table of text columns ``f0, f1, …``.

    Every record has ``width`` cells, or (``None``) as many as the first. A record
    with another number of cells is passed to ``on_other_width`` and left out of the
    table (without ``on_other_width`` it stops the reader). ``threads``: see
    :func:`_parse_uniform`.
    """

    def set_aside(row: Any) -> str:
        if on_other_width is None:
            return "error"
        on_other_width(row)
        return "skip"

    return pacsv.read_csv(
        pa.BufferReader(text),  # reads the bytes in place (BytesIO copies each block)
        read_options=pacsv.ReadOptions(
            autogenerate_column_names=width is None,
            column_names=None if width is None else [f"f{j}" for j in range(width)],
            # One thread: the set-aside records come in order, with their numbers.
            use_threads=threads,
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=not threads,
            ignore_empty_lines=False,
            invalid_row_handler=set_aside,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=_ALL_TEXT, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )


# 32-bit offsets: reading is faster than with large_string (pandas widens them later).
_ALL_TEXT = {f"f{j}": pa.string() for j in range(_MAX_COLUMNS)}


def _read_records(text: bytes, delimiter: str, name: str) -> tuple[list[Any], np.ndarray]:
    """Return every record of delimited UTF-8 text as columns of cells (pyarrow text).

    Records as wide as the first come straight from the reader. The others are read
    again, grouped by their number of cells, and put back in their places; a short
    record is padded with empty cells. Also returns each record's own number of cells.
    """
    if not text:
        return [], np.zeros(0, dtype=np.intp)
    table = _parse_uniform(text, delimiter)
    if table is not None:
        return list(table.columns), np.full(table.num_rows, table.num_columns, dtype=np.intp)
    other: list[Any] = []
    try:
        table = _parse(text, delimiter, on_other_width=other.append)
    except pa.ArrowInvalid as exc:
        raise InputError(code="not_csv", params={"file": name, "reason": str(exc)}) from None
    widths = np.full(table.num_rows + len(other), table.num_columns, dtype=np.intp)
    if not other:
        return list(table.columns), widths
    width = max(table.num_columns, *(row.actual_columns for row in other))
    # Where each record goes: the reader's records in order, around the set-aside ones.
    set_aside = np.asarray([row.number - 1 for row in other], dtype=np.intp)
    kept = np.setdiff1d(np.arange(table.num_rows + len(other)), set_aside)
    widths[set_aside] = [row.actual_columns for row in other]
    pieces, places = [_padded(table, width)], [kept]
    by_width = sorted(other, key=lambda row: (row.actual_columns, row.number))
    for n_cells, rows in groupby(by_width, key=lambda row: row.actual_columns):
        alike = list(rows)
        texts = "\n".join(row.text for row in alike).encode("utf-8")
        again = _parse(texts, delimiter, width=n_cells)
        pieces.append(_padded(again, width))
        places.append(np.asarray([row.number - 1 for row in alike], dtype=np.intp))
    order = pa.array(np.argsort(np.concatenate(places), kind="stable"))
    records = [pa.concat_arrays([p[j] for p in pieces]).take(order) for j in range(width)]
    return records, widths


def _parse_uniform(text: bytes, delimiter: str) -> Any | None:
    """Read the usual file, every record as wide as the first, with all of pyarrow's threads.

    The threads split the text into blocks at line breaks without minding quotes
    (``newlines_in_values=False``). A record of another width, or a quoted line break
    at a block's end, stops the reader: ``None``, and :func:`_read_records` reads the
    file the careful way, in one thread.
    """
    try:
        return _parse(text, delimiter, threads=True)
    except pa.ArrowInvalid:
        return None


def _padded(table: Any, width: int) -> list[Any]:
    """The columns of ``table``, with empty columns added up to ``width``."""
    columns = [column.combine_chunks() for column in table.columns]
    empty = pa.array([""] * table.num_rows, type=pa.string())
    return columns + [empty] * (width - len(columns))


def _clean(cells: Any) -> Any:
    """Strip a column as str.strip() would, and undo formulas our writers neutralised."""
    cells = pc.utf8_trim(cells, characters=_PY_WHITESPACE)
    if not pc.any(pc.starts_with(cells, "'")).as_py():
        return cells  # the usual column: no cell starts with an apostrophe
    neutralised = pc.match_substring_regex(cells, _NEUTRALISED)
    return pc.if_else(neutralised, pc.utf8_slice_codeunits(cells, 1), cells)


def _sheet_of(columns: list[Any], widths: np.ndarray, name: str) -> _Sheet:
    """Find the header among the first non-empty records; keep the non-empty rows after it.

    The header record's number of cells is the sheet's width; cells right of it are
    reported, not read.
    """
    # A record is empty when all its cells are: look further only at records still empty.
    empty = np.arange(len(widths))
    for column in columns:
        cells = column.take(pa.array(empty)) if len(empty) < len(column) else column
        empty = empty[np.asarray(pc.equal(cells, "").to_numpy(zero_copy_only=False), dtype=bool)]
        if not len(empty):
            break
    filled = np.ones(len(widths), dtype=bool)
    filled[empty] = False
    positions = np.flatnonzero(filled)
    _check_row_count(len(positions), name)
    if not len(positions):
        return _Sheet.empty(name, None)
    first_rows = [
        [str(c) for c in row][: widths[at]]
        for at, row in zip(
            positions[:10].tolist(),
            zip(
                *(column.take(pa.array(positions[:10])).to_pylist() for column in columns),
                strict=True,
            ),
            strict=True,
        )
    ]
    header_at = _header_position(first_rows)
    width = int(widths[positions[header_at]])
    body = positions[header_at + 1 :]
    if len(body) and body[-1] - body[0] == len(body) - 1:
        taken = [column.slice(body[0], len(body)) for column in columns]  # no empty rows between
    else:
        taken = [column.take(pa.array(body)) for column in columns]
    sheet = _Sheet(
        name,
        None,
        int(positions[header_at]) + 1,
        first_rows[header_at],
        [_text_column_from_arrow(column) for column in taken[:width]],
        body + 1,
    )
    sheet.notes.extend(_beyond_header(sheet, taken[width:], width))
    return sheet


def _beyond_header(sheet: _Sheet, beyond: list[Any], width: int) -> list[Problem]:
    """Warn for each row with cells right of the header's last column (they are not read)."""
    notes: list[Problem] = []
    if not beyond:
        return notes
    filled = np.column_stack(
        [np.asarray(pc.not_equal(c, "").to_numpy(zero_copy_only=False), dtype=bool) for c in beyond]
    )
    for i in np.flatnonzero(filled.any(axis=1)).tolist():
        first = int(np.argmax(filled[i]))
        letter = _column_letter(width + first)
        value = str(beyond[first][i])
        row = int(sheet.numbers[i])
        notes.append(
            Problem(
                "warning",
                "cells_beyond_header",
                {"shown": value[:40]},
                sheet.file,
                sheet.sheet,
                row,
                letter,
                value[:200],
            )
        )
    return notes


def _line_count(text: bytes) -> int:
    return text.count(b"\n") + (not text.endswith(b"\n"))


def _merged_lines(sheet: _Sheet, delimiter: str) -> list[Problem]:
    """Find cells in which a stray quote swallowed the following lines.

    A quote that opens a cell and never closes makes the reader take the following
    lines into that cell (up to the next quote), so rows vanish without an error.
    Such a cell holds a line break followed by a line with delimiters in it (a piece
    of a row; a real line break in a cell, as in an address, has none): report its row.
    """
    width = max(len(sheet.headers), 2)
    enough = min(2, width - 1)
    notes: list[Problem] = []
    for j, column in enumerate(sheet.columns):
        broken = np.flatnonzero(column.str.contains("\n", regex=False).to_numpy(dtype=bool))
        for i in broken[:_NAMED_ROWS]:
            text = str(column.iloc[i])
            swallowed = [line for line in text.split("\n")[1:] if line.count(delimiter) >= enough]
            if not swallowed:
                continue  # a real line break inside a quoted cell
            row = int(sheet.numbers[i])
            notes.append(
                Problem(
                    "error",
                    "stray_quote",
                    {"n": len(swallowed)},
                    sheet.file,
                    sheet.sheet,
                    row,
                    sheet.headers[j],
                    text[:80],
                )
            )
    return notes
