"""Check a workbook before anything expands it: zip caps and declared sheet sizes.

A workbook (XLSX/XLSM/ODS) is a zip archive of XML parts. Two kinds of hostile file
cost memory before a single cell is read:

- a **zip bomb**: a member that inflates to gigabytes (a 1 MB file holding a 1 GiB
  cell). The zip directory declares every member's size; we refuse a file whose
  declared sizes or compression ratio are out of bounds *before reading any member*,
  then read each member once, streamed and stopped at its declared size (the CRC
  check catches a directory that lies);
- a **far cell**: one cell at ``XFD1048576`` makes the spreadsheet reader allocate a
  dense grid of 17 billion cells. We read the declared ``<dimension>`` and every
  cell and row reference of each worksheet, streamed, and refuse a sheet larger
  than :data:`MAX_SHEET_CELLS` before the reader sees it.

The same pass notes the cells that hold a formula but no stored value (a workbook
written by a program, never saved by a spreadsheet): the reader sees them as empty,
so the import names each such cell and its formula.

Both raise :class:`~optil_geo.InputError` with a code (the catalogue words it in one line).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterator

from optil_geo._errors import InputError
from optil_geo.partnerships._text import _column_letter
from optil_geo.partnerships.problems import Problem
from optil_geo.partnerships.sheets import MAX_ROWS, _clean_text, _Sheet, _sheet_from_cells

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_SHEET_CELLS",
    "MAX_TOTAL_BYTES",
    "check_archive",
    "is_encrypted_ole",
    "is_zip",
]

MAX_SHEET_CELLS = 5_000_000
"""Largest sheet (rows × columns, as the reader would allocate it)."""
MAX_COLUMNS = 4096
MAX_MEMBER_BYTES = 200 * 1024 * 1024
"""Largest uncompressed part of a workbook."""
MAX_TOTAL_BYTES = 300 * 1024 * 1024
"""Largest uncompressed workbook (all parts together)."""
MAX_RATIO = 150
"""Largest compression ratio of a part over :data:`_RATIO_FROM` bytes (XLSX XML is 5–20)."""
_RATIO_FROM = 4 * 1024 * 1024
_MB = 1024 * 1024
_CHUNK = _MB
_OVERLAP = 64  # a reference cut at a chunk boundary is read whole in the next chunk

_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,4})(\d{1,9})(?::([A-Z]{1,4})(\d{1,9}))?"'
)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,4})(\d{1,9})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d{1,9})"')
# A cell whose formula has no stored value: <c r="B2"><f>SUM(A1:A3)</f><v/></c>. A cell
# with a type (t="str") and an empty value holds a stored empty text: not matched.
_FORMULA_ONLY = re.compile(
    rb'<(?:\w+:)?c\b(?![^>]*\st=")[^>]*?\sr="([A-Z]{1,4}\d{1,9})"[^>]*>\s*'
    rb"<(?:\w+:)?f\b[^>/]*>([^<]+)</(?:\w+:)?f>\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_FORMULA_TAIL = 4096  # a formula cell cut at a chunk boundary is read whole in the next one
_NAMED_CELLS = 20  # formula cells named one by one, per sheet
_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


def is_zip(data: bytes) -> bool:
    """Return whether the bytes start like a zip archive (XLSX, XLSM, ODS)."""
    return data[:4] == b"PK\x03\x04"


def is_encrypted_ole(data: bytes) -> bool:
    """Return whether the bytes are a password-protected Office file.

    Excel saves a workbook with a password as an OLE2 container holding an
    ``EncryptedPackage`` stream instead of a zip; its directory names that stream.
    """
    return data[:8] == _OLE_MAGIC and _ENCRYPTED_STREAM in data


def check_archive(data: bytes, name: str) -> dict[str, list[tuple[str, str]]]:
    """Refuse a zip workbook that would expand beyond the caps, or is damaged.

    Parameters
    ----------
    data
        The workbook's bytes (a zip archive).
    name
        The file name, for messages.

    Returns
    -------
    dict
        Per sheet name, the cells (``B2``) that hold a formula but no stored value,
        with the formula (at most :data:`_NAMED_CELLS` per sheet); usually empty.

    Raises
    ------
    InputError
        A damaged archive, a zip bomb (declared sizes or ratio beyond the caps, or a
        member that inflates beyond its declared size), or a worksheet that declares
        or references more cells than :data:`MAX_SHEET_CELLS`.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_directory(members, name)
            formulas: dict[str, list[tuple[str, str]]] = {}
            for info in members:
                sheet = _WORKSHEET.fullmatch(info.filename) is not None
                extent = _read_member(archive, info, sheet=sheet)
                if sheet:
                    _check_extent(extent, info.filename, name)
                    if extent.formulas:
                        formulas[info.filename] = list(extent.formulas.items())
            return _by_sheet_name(archive, formulas) if formulas else {}
    except InputError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        ValueError,
        OSError,
        NotImplementedError,
    ) as exc:
        raise InputError(code="damaged_zip", params={"file": name, "reason": str(exc)}) from None


def _check_directory(members: list[zipfile.ZipInfo], name: str) -> None:
    """Check the sizes the zip directory declares, before reading any member."""
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise InputError(code="password", params={"file": name})
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > _RATIO_FROM and ratio > MAX_RATIO
        ):
            raise _bomb(name, info.file_size)
    if total > MAX_TOTAL_BYTES:
        raise _bomb(name, total)


def _bomb(name: str, size: int) -> InputError:
    params = {"file": name, "size": size // _MB, "cap": MAX_TOTAL_BYTES // _MB}
    return InputError(code="zip_bomb", params=params)


class _Extent:
    """The largest row and column a worksheet declares or references (1-based)."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns = 0
        self.cells = 0  # cell elements seen (a sheet without references counts this way)
        self.formulas: dict[str, str] = {}  # cell → formula, of cells without a stored value

    def add_column(self, letters: bytes) -> None:
        self.columns = max(self.columns, _column_number(letters))

    def add_row(self, number: bytes) -> None:
        self.rows = max(self.rows, int(number))


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, sheet: bool) -> _Extent:
    """Inflate one member, streamed and capped at its declared size; scan a worksheet."""
    extent = _Extent()
    tail = b""
    for chunk in _chunks(archive, info):
        if sheet:
            window = tail + chunk
            _scan(window, extent)
            extent.cells += _count_cells(chunk)
            if len(extent.formulas) < _NAMED_CELLS:
                _scan_formulas(window, extent)
            tail = window[-_FORMULA_TAIL:]
    return extent


def _scan_formulas(window: bytes, extent: _Extent) -> None:
    """Note the cells in ``window`` that hold a formula but no stored value."""
    if b"<f" not in window and b":f" not in window:
        return
    for match in _FORMULA_ONLY.finditer(window):
        if len(extent.formulas) >= _NAMED_CELLS:
            return
        ref, formula = match.group(1).decode("ascii"), match.group(2)
        extent.formulas.setdefault(ref, html.unescape(formula.decode("utf-8", "replace")))


def _by_sheet_name(
    archive: zipfile.ZipFile, by_part: dict[str, list[tuple[str, str]]]
) -> dict[str, list[tuple[str, str]]]:
    """Key the worksheet parts' findings by the sheet names the workbook gives them."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in _RELATIONSHIP.findall(rels):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode("utf-8", "replace").lstrip("/")
        targets[attributes.get(b"Id", b"")] = target if target.startswith("xl/") else f"xl/{target}"
    named = {}
    for tag in _SHEET_ENTRY.findall(book):
        attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(tag)}
        part = targets.get(attributes.get(b"id", b""))
        if part in by_part:
            sheet = html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
            named[sheet] = by_part[part]
    return named


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    # zipfile stops at the declared size and checks the CRC at the end: a member that
    # inflates beyond what the directory says fails here instead of filling memory.
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _scan(window: bytes, extent: _Extent) -> None:
    """Add the references in ``window`` (may repeat the previous chunk's tail) to ``extent``."""
    for match in _DIMENSION.finditer(window):
        first_col, first_row, last_col, last_row = match.groups()
        extent.add_column(last_col or first_col)
        extent.add_row(last_row or first_row)
    for letters in set(_CELL_REF.findall(window)):
        extent.add_column(letters[0])
        extent.add_row(letters[1])
    rows = _ROW_REF.findall(window)
    if rows:
        extent.rows = max(extent.rows, *map(int, rows))


def _count_cells(chunk: bytes) -> int:
    return chunk.count(b"<c ") + chunk.count(b"<c>") + chunk.count(b"<c/>")


def _check_extent(extent: _Extent, member: str, name: str) -> None:
    cells = extent.rows * extent.columns
    if extent.rows > MAX_ROWS + 1 or extent.columns > MAX_COLUMNS or cells > MAX_SHEET_CELLS:
        params = {"file": name, "part": member.rsplit("/", 1)[-1], "rows": extent.rows}
        params |= {"columns": extent.columns, "max_rows": float(MAX_ROWS)}
        raise InputError(
            code="sheet_too_far", params=params | {"max_cells": float(MAX_SHEET_CELLS)}
        )
    if extent.cells > 2 * MAX_SHEET_CELLS:
        params = {"file": name, "part": member.rsplit("/", 1)[-1]}
        raise InputError(
            code="too_many_cells", params=params | {"max_cells": float(MAX_SHEET_CELLS)}
        )


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + (byte - 64)
    return number


# --------------------------------------------------------------------------- reading


def _read_workbook(data: bytes, name: str) -> list[_Sheet]:
    """Read every visible worksheet of an XLSX/XLSM/ODS/XLS file as text."""
    import python_calamine as calamine  # noqa: PLC0415 - only needed for workbooks

    formulas: dict[str, list[tuple[str, str]]] = {}
    if is_zip(data):
        # Before calamine sees it: a zip bomb or a far cell would abort the process.
        formulas = check_archive(data, name)
    elif is_encrypted_ole(data):
        raise InputError(code="password", params={"file": name})
    sheets: list[_Sheet] = []
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in book.sheets_metadata:
            visible = meta.visible == calamine.SheetVisibleEnum.Visible
            if not visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            end = sheet.end
            if end is not None:
                n_rows, n_cols = end[0] + 1, end[1] + 1
                if n_rows * n_cols > MAX_SHEET_CELLS or n_rows > MAX_ROWS + 1:
                    params = {"file": name, "sheet": meta.name, "rows": n_rows}
                    params |= {"columns": n_cols, "max_rows": float(MAX_ROWS)}
                    raise InputError(code="sheet_too_big", params=params)
            cells = sheet.to_python(skip_empty_area=False) if end is not None else []
            rows = [[_cell_text(v) for v in row] for row in cells]
            merged = _fill_merged(rows, sheet.merged_cell_ranges or [], name, meta.name)
            read = _sheet_from_cells(name, meta.name, rows)
            read.notes.extend(merged)
            read.notes.extend(_formula_notes(formulas.get(meta.name, []), name, meta.name))
            sheets.append(read)
    except InputError:
        raise
    except BaseException as exc:
        # python-calamine raises its own errors, and pyo3 turns a Rust panic into a
        # BaseException; any of them means: this workbook cannot be read.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
            raise
        reason = f"{type(exc).__name__}: {str(exc)[:200]}"
        raise InputError(
            code="unreadable_workbook", params={"file": name, "reason": reason}
        ) from None
    if not sheets:
        raise InputError(code="no_visible_sheet", params={"file": name})
    return sheets


def _cell_text(value: object) -> str:
    """Return a cell as the text a person sees (integers without '.0', ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return _clean_text(str(value))


def _fill_merged(
    rows: list[list[str]],
    ranges: list[tuple[tuple[int, int], tuple[int, int]]],
    file: str,
    sheet: str,
) -> list[Problem]:
    """Fill each merged range with its first cell's value, and say so per range.

    A project-per-row list often merges a project's cells over its partner rows;
    the spreadsheet shows the value in every row, the file stores it once.
    """
    notes: list[Problem] = []
    for (top, left), (bottom, right) in ranges:
        if top >= len(rows) or left >= len(rows[top]) or not rows[top][left]:
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            for c in range(left, min(right, len(rows[r]) - 1) + 1):
                rows[r][c] = value
        span = f"{_column_letter(left)}{top + 1}:{_column_letter(right)}{bottom + 1}"
        notes.append(
            Problem(
                "warning",
                "merged_cells",
                {"span": span, "shown": value[:60]},
                file,
                sheet,
                top + 1,
                _column_letter(left),
                value[:200],
            )
        )
    return notes


def _formula_notes(cells: list[tuple[str, str]], file: str, sheet: str) -> list[Problem]:
    """Name each cell that holds a formula but no stored value (it reads as empty)."""
    notes: list[Problem] = []
    for ref, formula in cells:
        letters = ref.rstrip("0123456789")
        params = {"cell": ref, "formula": formula[:200]}
        row = int(ref[len(letters) :])
        notes.append(
            Problem(
                "warning", "formula_without_value", params, file, sheet, row, letters, "=" + formula
            )
        )
    return notes
