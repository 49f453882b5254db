"""Load a file's bytes within the size cap, and read it as sheets (workbook or text)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pandas as pd

from optil_geo._errors import InputError
from optil_geo.partnerships._text import SingleSource, Source, _column_letter
from optil_geo.partnerships.delimited import _UTF8_BOM, _read_csv, _read_delimited
from optil_geo.partnerships.sheets import ReadFile, _Sheet
from optil_geo.partnerships.workbooks import _read_workbook
from optil_geo.settings import Settings

_MB = 1024 * 1024


def read_file(
    source: SingleSource, *, source_name: str | None = None, settings: Settings | None = None
) -> ReadFile:
    """Read a file once as sheets of text, for :func:`preview_columns` and the import.

    Parameters
    ----------
    source
        A path, the file's bytes or a binary file object (as :func:`read_partnerships`).
    source_name
        Name used in messages; default: the file name (``"upload"`` for bytes).
    settings
        ``max_upload_mb``, the size cap; default :meth:`Settings.from_env`.

    Returns
    -------
    ReadFile

    Raises
    ------
    InputError
        As :func:`read_partnerships`, when the file cannot be read at all.
    """
    settings = settings if settings is not None else Settings.from_env()
    name = _name_of(source, source_name)
    return ReadFile(name, tuple(_read_single(source, name, settings)))


def _name_of(source: object, given: str | None) -> str:
    if given:
        return given
    if isinstance(source, ReadFile):
        return source.name
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return Path(name).name
    return "upload"


def _read_single(source: object, name: str, settings: Settings) -> list[_Sheet]:
    """Return the sheets of one file (one for CSV); a file already read is not read again."""
    if isinstance(source, ReadFile):
        return list(source.sheets)
    data = _load_nonempty(source, name, settings)
    if _is_workbook(data):
        return _read_workbook(data, name)
    return [_read_csv(data, name)]


def _load_nonempty(source: object, name: str, settings: Settings) -> bytes:
    data = _load_bytes(source, name, settings)
    if not data:
        raise InputError(code="file_empty", params={"file": name})
    return data


def _is_workbook(data: bytes) -> bool:
    """Return whether the bytes are a zip (XLSX/XLSM/ODS) or an OLE file (XLS)."""
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _load_bytes(source: object, name: str, settings: Settings) -> bytes:
    cap = int(settings.max_upload_mb * _MB)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(len(data), cap, name, settings)
        return data
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            reason = str(exc.strerror or exc)
            raise InputError(
                code="cannot_read", params={"file": str(path), "reason": reason}
            ) from None
        if path.is_dir():
            raise InputError(code="is_folder", params={"file": str(path)})
        _check_size(size, cap, name, settings)
        try:
            return path.read_bytes()
        except OSError as exc:
            reason = str(exc.strerror or exc)
            raise InputError(
                code="cannot_read", params={"file": str(path), "reason": reason}
            ) from None
    read = getattr(source, "read", None)
    if callable(read):
        try:
            # One byte more than allowed tells us the file is too large without
            # reading all of it.
            chunk = read(cap + 1)
        except Exception as exc:
            raise InputError(
                code="cannot_read", params={"file": name, "reason": str(exc)}
            ) from None
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if not isinstance(chunk, bytes | bytearray):
            kind = type(chunk).__name__
            raise InputError(code="not_bytes", params={"file": name, "kind": kind})
        if len(chunk) > cap:
            size = _stream_size(source, len(chunk))
            _check_size(size, cap, name, settings)
        return bytes(chunk)
    raise InputError(
        f"`source` was a {type(source).__name__} but must be a path, bytes, a binary file "
        "object or a pair (projects, partners) of those"
    )


def _stream_size(source: object, read_so_far: int) -> int:
    size = getattr(source, "size", None)  # Streamlit's UploadedFile
    if isinstance(size, int):
        return size
    try:
        seek = cast(Any, source).seek
        return int(seek(0, io.SEEK_END))
    except Exception:
        return read_so_far


def _check_size(size: int, cap: int, name: str, settings: Settings) -> None:
    if size > cap:
        params = {"file": name, "size": size / _MB, "cap": cap / _MB}
        raise InputError(code="too_big", params=params | {"setting": float(settings.max_upload_mb)})


@dataclass(frozen=True)
class TextTable:
    """A plain table as read by :func:`read_table`: text cells and how the file was written."""

    frame: pd.DataFrame
    delimiter: str
    bom: bool


def read_table(
    source: Source, *, source_name: str | None = None, settings: Settings | None = None
) -> TextTable:
    """Read a plain table (CSV with ``,`` ``;`` ``|`` or tab, UTF-8/BOM/cp1252; or a workbook).

    Read as partnership files are (the same size and row limits, encodings and
    delimiter detection): the header is the first non-empty row, or within the
    first ten the row that names two known columns; every cell is text, stripped
    (empty cells are ``""``). For a workbook the first *visible* worksheet is read.
    Columns without a header and without any value (a trailing delimiter) are
    dropped. Used by commands that take a simple table, such as ``optil-geo resolve``.

    Returns
    -------
    TextTable
        The frame (text columns under the headers as written), the delimiter
        (``";"`` for a workbook) and whether the file began with a byte order mark
        (``True`` for a workbook, so that a CSV written from it opens well in Excel).

    Raises
    ------
    InputError
        When the file is missing, empty, too large or not readable as a table, or a
        header is empty (with values under it) or appears twice.
    """
    settings = settings or Settings.from_env()
    name = _name_of(source, source_name)
    data = _load_nonempty(source, name, settings)
    if _is_workbook(data):
        sheet, delimiter, bom = _read_workbook(data, name)[0], ";", True
    else:
        sheet, delimiter = _read_delimited(data, name)
        bom = data.startswith((_UTF8_BOM, b"\xff\xfe", b"\xfe\xff"))
    if not sheet.headers:
        raise InputError(code="no_rows", params={"file": name})
    columns: dict[str, pd.Series] = {}
    for j, header in enumerate(sheet.headers):
        column = sheet.columns[j]
        # Where, for a refusal: the file, and its sheet when it has one.
        where = {"file": name} | ({"sheet": sheet.sheet, "variant": "sheet"} if sheet.sheet else {})
        letter = _column_letter(j)
        if not header:
            if not column.astype(bool).any():
                continue  # an empty column after a trailing delimiter
            raise InputError(
                code="unnamed_header",
                params=where | {"letter": letter, "row": sheet.header_row},
            )
        if header in columns:
            first = _column_letter(sheet.headers.index(header))
            params = {"header": header, "row": sheet.header_row, "first": first}
            raise InputError(code="duplicate_header", params=where | params | {"letter": letter})
        columns[header] = column.reset_index(drop=True)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(sheet)))
    return TextTable(frame=frame, delimiter=delimiter, bom=bom)
