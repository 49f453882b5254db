"""Read delimited text (CSV): encoding, delimiter, pyarrow's parser, and what went wrong.

Well-formed UTF-8 is parsed by pyarrow's multi-threaded reader; ragged rows and
an unterminated quote go through Python's csv module, which reads them the same
way. Stray NUL bytes are stripped and a quote that swallows lines is reported,
each naming its row.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from optil_geo._errors import InputError
from optil_geo.partnerships._text import (
    _PY_WHITESPACE,
    _edge_bytes,
    _text_column_from_arrow,
    _text_layout,
)
from optil_geo.partnerships.problems import NO_PARAMS, Problem
from optil_geo.partnerships.sheets import (
    _check_row_count,
    _clean_text,
    _header_position,
    _Sheet,
    _sheet_from_cells,
)

_SNIFF_CHARS = 64_000


# A cell our own writers neutralised: an apostrophe before a formula trigger.
_NEUTRALISED = "^'[=+\\-@\t\r\n＝＋－＠]"


_UTF8_BOM = b"\xef\xbb\xbf"


_MAX_COLUMNS = 4096


def _read_csv(data: bytes, name: str) -> _Sheet:
    """Read delimited text (see :func:`_read_delimited`)."""
    return _read_delimited(data, name)[0]


def _read_delimited(data: bytes, name: str) -> tuple[_Sheet, str]:
    """Read delimited text: strip stray NUL bytes, parse, find lines a stray quote merged.

    Returns the sheet (its ``notes`` say what was stripped or merged) and the delimiter.
    """
    data, nul_notes = _strip_nul(data, name)
    sheet, delimiter = _parse_delimited(data, name)
    sheet.notes[:0] = nul_notes
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


def _parse_delimited(data: bytes, name: str) -> tuple[_Sheet, str]:
    """Parse delimited text; the C parser of pyarrow, else (ragged rows…) the csv module.

    Both read a file the same way; the fast path gives up (returns ``None``) on
    anything it might read differently: NUL bytes, rows of unequal length, an
    unterminated quote, text that is not UTF-8. Returns the sheet and the delimiter.
    """
    found = _utf8_body(data)
    if found is not None:
        body, head = found
        delimiter, hinted = _delimiter_of(head)
        sheet = _parse_fast(_after_hint(body, hinted), delimiter, name)
        if sheet is not None:
            return sheet, delimiter
    text, encoding = _decode_text(data, name)
    delimiter, hinted = _delimiter_of(text[: 4 * _SNIFF_CHARS])
    if encoding != "utf-8":
        sheet = _parse_fast(_after_hint(text.encode("utf-8"), hinted), delimiter, name)
        if sheet is not None:
            return sheet, delimiter
    rest = text.partition("\n")[2] if hinted else text
    try:
        records = [
            [_clean_text(cell) for cell in record]
            for record in csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise InputError(code="not_csv", params={"file": name, "reason": str(exc)}) from None
    sheet = _sheet_from_cells(name, None, records)
    sheet.notes.extend(_merged_lines(sheet, delimiter))
    return sheet, delimiter


def _utf8_body(data: bytes) -> tuple[bytes, str] | None:
    """Return the bytes without BOM and the decoded head, if the file may be UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:_SNIFF_CHARS]:
        return None
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    head = body[: 4 * _SNIFF_CHARS + 4]  # at least _SNIFF_CHARS characters
    try:
        return body, head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) < len(body) and exc.start >= len(head) - 3:
            return body, head[: exc.start].decode("utf-8", errors="strict")
        return None


def _after_hint(raw: bytes, hinted: bool) -> bytes:
    if not hinted:
        return raw
    end = raw.find(b"\n")
    return raw[end + 1 :] if end >= 0 else b""


def _parse_fast(raw: bytes, delimiter: str, name: str) -> _Sheet | None:
    """Parse with pyarrow's multi-threaded CSV reader; ``None`` when it might differ."""

    if not raw or b"\x00" in raw:
        return None
    table = _arrow_csv(raw, delimiter, newlines_in_values=False)
    if table is None:
        # A quoted value spanning lines, cut at a block boundary: pyarrow says it got
        # out of sync. Read again with the (slower) quote-aware block splitting.
        table = _arrow_csv(raw, delimiter, newlines_in_values=True)
    if table is None or table.num_columns == 0:
        return None
    if any(t != pa.string() for t in table.schema.types):
        return None
    # The kernels release the GIL: clean the columns on all cores (at most four).
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        cleaned = list(pool.map(_clean_arrow_column, table.columns))
    columns = [cells for cells, _ in cleaned]
    non_empty = np.zeros(table.num_rows, dtype=bool)
    for _, filled in cleaned:
        non_empty |= filled
    positions = np.flatnonzero(non_empty)
    _check_row_count(len(positions), name)
    if not len(positions):
        return _Sheet.empty(name, None)
    first = pa.array(positions[:10])
    # Slice first: a take from the whole column would join its chunks.
    head = [c.slice(0, positions[:10][-1] + 1).take(first).to_pylist() for c in columns]
    first_rows = [list(row) for row in zip(*head, strict=True)]
    header_at = _header_position(first_rows)
    body = positions[header_at + 1 :]
    if len(body) and body[-1] - body[0] == len(body) - 1:
        # No empty rows in between (the usual case): a slice, not a copy.
        kept = [c.slice(body[0], len(body)) for c in columns]
    else:
        index = pa.array(body)
        kept = [c.take(index) for c in columns]
    taken = [_text_column_from_arrow(c) for c in kept]
    sheet = _Sheet(
        name, None, int(positions[header_at]) + 1, first_rows[header_at], taken, body + 1
    )
    lines = raw.count(b"\n") + (not raw.endswith(b"\n"))
    if lines != table.num_rows:
        # Fewer records than lines: some cell holds a line break (or a stray quote).
        sheet.notes.extend(_merged_lines(sheet, delimiter))
    return sheet


def _arrow_csv(raw: bytes, delimiter: str, *, newlines_in_values: bool) -> Any:
    """Return the cells of delimited UTF-8 as a pyarrow table of text, ``None`` if unreadable."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(raw),  # reads the bytes in place (BytesIO copies each block)
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=newlines_in_values,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=_ALL_TEXT,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # ragged rows, an unterminated quote, bytes that are not UTF-8


# 32-bit offsets: reading is faster than with large_string (pandas widens them later).
_ALL_TEXT = {f"f{j}": pa.string() for j in range(_MAX_COLUMNS)}


def _clean_arrow_column(column: Any) -> tuple[Any, np.ndarray]:
    """Strip a column as str.strip() would, undo neutralised formulas; and which are filled.

    The kernels run only where needed: whether a cell may start or end with
    whitespace, or start with an apostrophe, is read off its first and last bytes.
    """
    cells = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if cells.null_count:
        cells = pc.fill_null(cells, "")  # the reader reads none; a missing cell is empty
    bounds, data = _text_layout(cells)
    used = data[bounds[0] : bounds[-1]]
    if not len(used):
        return cells, np.zeros(len(cells), dtype=bool)  # every cell empty
    filled = bounds[1:] != bounds[:-1]
    first, last = _edge_bytes(bounds, data)
    if used.min() >= 0x20 and used.max() < 0x80:
        # Printable ASCII only: the whitespace to strip is the space, which the
        # (faster) ASCII kernel strips alike.
        ascii_only = True
        may_need_trim = (first == 0x20) | (last == 0x20)
    else:
        # Loose: any cell ending in a continuation byte (é, À…) counts, which only
        # costs time.
        ascii_only = False
        may_need_trim = _MAY_START_WHITESPACE[first] | _MAY_END_WHITESPACE[last]
    if (may_need_trim & filled).any():
        if ascii_only:
            cells = pc.ascii_trim_whitespace(cells)
        else:
            cells = pc.utf8_trim(cells, characters=_PY_WHITESPACE)
        bounds, data = _text_layout(cells)
        filled = bounds[1:] != bounds[:-1]
        first, _ = _edge_bytes(bounds, data)
    quoted = np.flatnonzero(filled & (first == _APOSTROPHE))
    if len(quoted):
        candidates = cells.take(pa.array(quoted))
        neutralised = pc.match_substring_regex(candidates, _NEUTRALISED)
        if pc.any(neutralised).as_py():
            mask = np.zeros(len(cells), dtype=bool)
            mask[quoted[neutralised.to_numpy(zero_copy_only=False)]] = True
            unquoted = pc.utf8_slice_codeunits(candidates.filter(neutralised), 1)
            cells = pc.replace_with_mask(cells, pa.array(mask), unquoted)
    return cells, filled


_APOSTROPHE = ord("'")


# Bytes that may begin or end a whitespace character of _PY_WHITESPACE in UTF-8.
_MAY_START_WHITESPACE = np.zeros(256, dtype=bool)


_MAY_START_WHITESPACE[[ch.encode()[0] for ch in _PY_WHITESPACE]] = True


_MAY_END_WHITESPACE = np.zeros(256, dtype=bool)


_MAY_END_WHITESPACE[[ch.encode()[-1] for ch in _PY_WHITESPACE]] = True


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; and which."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(code="bad_utf16", params={"file": name}) from None
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise InputError(code="not_text", params={"file": name})
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Five bytes are undefined in cp1252; Latin-1 maps them to control characters
        # instead of refusing a file that is otherwise readable.
        return data.decode("latin-1"), "latin-1"


def _delimiter_of(text: str) -> tuple[str, bool]:
    """Return the delimiter, and whether the first line is an Excel ``sep=`` line.

    Only the first line and the first ``_SNIFF_CHARS`` characters of ``text`` are used.
    """
    first = text.partition("\n")[0]
    hint = re.fullmatch(r"\s*sep=(.)\s*", first)
    if hint:
        return hint.group(1), True
    sample = text[:_SNIFF_CHARS]
    best, best_score = ";", (-1.0, -1.0, -1)
    for candidate in (";", ",", "\t", "|"):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=candidate)
        try:
            # The first 50 non-empty rows decide; reading further changes nothing.
            rows = list(itertools.islice(filter(None, reader), 50))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            score = (0.0, 0.0, width)
        else:
            body = rows[1:-1] if len(rows) > 2 else rows[1:]
            same = sum(len(r) == width for r in body)
            score = (1.0, same / len(body) if body else 1.0, width)
        if score > best_score:
            best, best_score = candidate, score
    return best, False
