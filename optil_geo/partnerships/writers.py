"""Write tables safely (CSV and XLSX without runnable formulas) and the empty import template."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, cast

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo._schema import Column
from optil_geo.partnerships._text import _FORMULA_TRIGGERS, _PLAIN_NUMBER, Form, PathOrBuffer
from optil_geo.texts import check_language, text
from optil_geo.vocabulary import Language, load_vocabulary

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy in which no text cell can run as a spreadsheet formula.

    Follows the OWASP *CSV Injection* advice: a text cell that starts with ``=``,
    ``+``, ``-``, ``@``, a tab, a carriage return or a line feed (or a full-width
    ``＝ ＋ － ＠``) gets a leading apostrophe ``'``, which spreadsheets show as
    text. Text that is a plain number (``-12``, ``+3,5``) is left alone because it
    cannot run anything, and numeric columns are never touched, so numbers stay
    numbers. Column names are neutralised too (they may come from user headers).
    Control characters that no spreadsheet cell can hold (U+0000–U+001F except
    tab, line feed and carriage return) are removed first, so that they cannot
    hide a formula (``"\x01=HYPERLINK(…)"``). The readers of this module drop the
    apostrophe again on import.
    """
    out = df.copy()
    out.columns = [_neutral(c) if isinstance(c, str) else c for c in out.columns]
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(j, column.map(_neutral, na_action="ignore").astype(column.dtype).array)
    return out


def _neutral(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = _XLSX_ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_safe_csv(df: pd.DataFrame, path_or_buffer: PathOrBuffer) -> None:
    """Write a table as Excel-friendly CSV: ``;``-separated, decimal comma, UTF-8 with BOM.

    Formulas are neutralised (:func:`neutralise_formulas`); numbers stay numbers,
    written with a decimal comma so that Excel with Belgian settings reads them as
    numbers. Lines end with CRLF. A text buffer receives the BOM as ``\\ufeff``.

    Parameters
    ----------
    df
        The table; tuples are written as ``a; b``.
    path_or_buffer
        A path, a binary buffer or a text buffer.
    """
    frame = neutralise_formulas(_flatten_for_export(df))
    text = frame.to_csv(sep=";", index=False, decimal=",", lineterminator="\r\n")
    payload = "\ufeff" + text
    if isinstance(path_or_buffer, str | os.PathLike):
        Path(path_or_buffer).write_bytes(payload.encode("utf-8"))
    elif isinstance(path_or_buffer, io.TextIOBase):
        path_or_buffer.write(payload)
    else:
        cast(IO[bytes], path_or_buffer).write(payload.encode("utf-8"))


def to_safe_xlsx(
    sheets: Mapping[str, pd.DataFrame], path_or_buffer: str | os.PathLike[str] | IO[bytes]
) -> None:
    """Write tables to an XLSX workbook, one sheet each, with formulas neutralised.

    Headers are bold, the first row is frozen, column widths follow the content
    (8–60 characters). Text cells are stripped of the control characters XLSX
    cannot hold and written as explicit string cells, so that no text (``=1+1``,
    ``-Org``, ``+32 2 …``, ``#N/A``) can ever be a formula or an error value; it
    shows exactly as written, without the apostrophe CSV needs. Numbers, booleans
    and dates keep their type; missing values are empty cells; tuples become ``a; b``.

    Parameters
    ----------
    sheets
        Sheet name → table. Names are cut to 31 characters and made valid and unique.
    path_or_buffer
        A path or a binary buffer.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl loads slowly; only for export
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    if not sheets:
        raise InputError("`sheets` was empty but must hold at least one table")
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for raw_name, df in sheets.items():
        frame = _flatten_for_export(df)
        ws = book.create_sheet(_sheet_title(str(raw_name), used))
        ws.freeze_panes = "A2"
        headers = [_xlsx_value(c) for c in frame.columns]
        for j in range(frame.shape[1]):
            sample = [str(headers[j])] + [
                str(v) for v in frame.iloc[:, j].head(500) if not _missing(v)
            ]
            width = max((len(s) for s in sample), default=8)
            ws.column_dimensions[get_column_letter(j + 1)].width = min(max(width + 2, 8), 60)
        header_cells = []
        for h in headers:
            c = WriteOnlyCell(ws, value=h)
            if isinstance(h, str):
                c.data_type = "s"  # a header '=x' is text too
            c.font = bold
            header_cells.append(c)
        ws.append(header_cells)
        for row in frame.itertuples(index=False, name=None):
            ws.append([_xlsx_cell(ws, _xlsx_value(v), WriteOnlyCell) for v in row])
    if isinstance(path_or_buffer, str | os.PathLike):
        # Built in memory first: a path that cannot be written fails with a plain
        # OSError and leaves no half-written workbook behind.
        buffer = io.BytesIO()
        book.save(buffer)
        Path(path_or_buffer).write_bytes(buffer.getvalue())
    else:
        book.save(path_or_buffer)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _xlsx_value(value: Any) -> Any:
    if _missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, bool | int | float | dt.date | dt.time | dt.timedelta):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        return value
    text = value if isinstance(value, str) else str(value)
    return _XLSX_ILLEGAL.sub("", text)


def _xlsx_cell(ws: Any, value: Any, make_cell: Any) -> Any:
    """Return a value that openpyxl writes as a string cell if it is text.

    openpyxl types text itself as a string cell, except text that starts with
    ``=`` (a formula) and the error codes (``#N/A``, …): those become explicit
    string cells, shown as written. Only they pay for a cell object of their own.
    """
    if not isinstance(value, str) or not (value.startswith("=") or value in _XLSX_ERROR_CODES):
        return value
    cell = make_cell(ws, value=value)
    cell.data_type = "s"
    return cell


# What openpyxl would write as an error value instead of text (openpyxl.cell.cell).
_XLSX_ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def _flatten_for_export(frame: pd.DataFrame) -> pd.DataFrame:
    """Write tuples and lists (target groups, candidates) as ``a; b``."""
    out = frame.copy()
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object and column.map(lambda v: isinstance(v, tuple | list)).any():
            out.isetitem(
                j,
                column.map(
                    lambda v: "; ".join(map(str, v)) if isinstance(v, tuple | list) else v
                ).to_numpy(dtype=object),
            )
    return out


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "blad"
    title = title[:31]
    candidate, k = title, 2
    while candidate.lower() in used:
        suffix = f" ({k})"
        candidate, k = title[: 31 - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate


def column_help(form: Form = "two_tables", lang: str = "nl") -> pd.DataFrame:
    """Return the explanation of every input column in ``lang`` (the template's ``uitleg`` sheet).

    One row per column with its sheet, its header, whether it is required, what it
    holds, an example, and the headers accepted in ``lang`` (Dutch: the template's
    header first; English: the English header and the canonical name). Headers in
    the other languages are recognised too; :func:`column_help_note` says so in words.
    The words come from the text catalogue.

    Parameters
    ----------
    form
        ``"two_tables"`` (default: the ``projects`` and ``partners`` sheets) or ``"flat"``.
    lang
        ``"nl"`` (default) or ``"en"``.
    """
    language = cast(Language, check_language(lang))
    if form not in ("two_tables", "flat"):
        raise InputError(f"`form` was {form!r} but must be one of ['two_tables', 'flat']")
    vocab = load_vocabulary()
    terms = {"sectors": vocab.sectors, "roles": vocab.roles, "target_groups": vocab.target_groups}
    parts: list[tuple[str, tuple[Column, ...]]] = (
        [("projects", _schema.PROJECT_COLUMNS), ("partners", _schema.PARTNER_COLUMNS)]
        if form == "two_tables"
        else [(text("tpl_sheet_flat", lang), _schema.FLAT_COLUMNS)]
    )
    rows = []
    for sheet, columns in parts:
        for col in columns:
            required = "column_required" if col.required else "column_optional"
            if col.name in _schema.LEAD_LOCATION_ALTERNATIVE:
                required = "column_required_or_postcode"
            example = col.example
            if col.terms is not None:
                entries = terms[col.terms]
                example = "; ".join(entries[code].label(language) for code in example.split(";"))
            accepted = col.recognised(lang)
            rows.append(
                (
                    sheet,
                    accepted[0],
                    text(required, lang),
                    text(col.help_key, lang),
                    example,
                    ", ".join(accepted[1:]),
                )
            )
    headers = ("sheet", "column", "required", "meaning", "example", "also_accepted")
    return pd.DataFrame(rows, columns=[text(f"column_help_{h}", lang) for h in headers])


def column_help_note(lang: str = "nl") -> str:
    """Return the sentence under :func:`column_help`: headers in other languages work too."""
    return text("column_help_note", check_language(lang))


_TEMPLATE_ROWS = 2000


def write_template(
    path: str | os.PathLike[str] | IO[bytes], *, form: Form = "two_tables", lang: str = "nl"
) -> None:
    """Write the empty input workbook: data sheets, an explanation and drop-down lists.

    The data sheets (``projects`` and ``partners``, or one ``partnerschappen`` /
    ``partnerships`` sheet for the flat form) carry the headers of ``lang``, which
    the import recognises, so a filled-in template imports as it is. The ``uitleg``
    (``explanation``) sheet explains every column (required?, example, accepted
    header names); the hidden ``lijsten`` (``lists``) sheet holds the sector, role
    and target-group labels of ``lang`` that feed the drop-down lists of the sector
    and role columns. Other text is still allowed (a warning in Excel, "unknown" in
    optil-geo).

    Parameters
    ----------
    path
        Where to write the ``.xlsx`` (a path or a binary buffer).
    form
        ``"two_tables"`` (default) or ``"flat"``.
    lang
        ``"nl"`` (default) or ``"en"``: headers, sheet names, lists and explanation.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl loads slowly; only for export

    language = cast(Language, check_language(lang))
    if form not in ("two_tables", "flat"):
        raise InputError(f"`form` was {form!r} but must be one of ['two_tables', 'flat']")
    vocab = load_vocabulary()
    # Sector, role and target-group labels in ``lang``, under their worded headers.
    lists = [
        (text("tpl_list_sector", lang), [s.label(language) for s in vocab.sectors.values()]),
        (text("tpl_list_role", lang), [r.label(language) for r in vocab.roles.values()]),
        (text("tpl_list_target", lang), [t.label(language) for t in vocab.target_groups.values()]),
    ]
    book = Workbook()
    book.remove(book.active)
    data_sheets: list[tuple[str, tuple[Column, ...]]] = (
        [("projects", _schema.PROJECT_COLUMNS), ("partners", _schema.PARTNER_COLUMNS)]
        if form == "two_tables"
        else [(text("tpl_sheet_flat", lang), _schema.FLAT_COLUMNS)]
    )
    for title, columns in data_sheets:
        _template_data_sheet(book.create_sheet(title), columns, lists, lang)
    _template_help_sheet(book.create_sheet(text("explain_sheet", lang)), form, lists, lang)
    _template_lists_sheet(book.create_sheet(text("tpl_sheet_lists", lang)), lists)
    if isinstance(path, str | os.PathLike):
        book.save(str(path))
    else:
        book.save(path)


def _template_data_sheet(
    ws: Any, columns: tuple[Column, ...], lists: list[tuple[str, list[str]]], lang: str
) -> None:
    """A data sheet of the template: bold headers, drop-down lists for sector and role."""
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    ws.freeze_panes = "A2"
    lists_title = text("tpl_sheet_lists", lang)
    for j, col in enumerate(columns, start=1):
        header = col.recognised(lang)[0]  # the header of ``lang`` (nl: header_nl)
        cell = ws.cell(row=1, column=j, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[get_column_letter(j)].width = max(len(header) + 4, 16)
        if col.name in ("lead_sector", "sector", "role"):
            letter, size = (
                ("B", len(lists[1][1])) if col.name == "role" else ("A", len(lists[0][1]))
            )
            dv = DataValidation(
                type="list",
                formula1=f"={lists_title}!${letter}$2:${letter}${size + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=text("tpl_invalid_title", lang),
                error=text("tpl_invalid_text", lang),
                promptTitle=header,
                prompt=text("tpl_prompt", lang),
                showInputMessage=True,
            )
            column_letter = get_column_letter(j)
            dv.add(f"{column_letter}2:{column_letter}{_TEMPLATE_ROWS}")
            ws.add_data_validation(dv)


def _template_help_sheet(
    help_ws: Any, form: Form, lists: list[tuple[str, list[str]]], lang: str
) -> None:
    """The ``uitleg`` sheet: every column explained, and a tip on target groups, in ``lang``."""
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415

    bold = Font(bold=True)
    help_frame = column_help(form, lang)
    help_ws.append(list(help_frame.columns))
    for cell in help_ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in help_frame.itertuples(index=False, name=None):
        help_ws.append(list(row))
    widths = {"A": 16, "B": 22, "C": 18, "D": 70, "E": 24, "F": 70}
    for letter, width in widths.items():
        help_ws.column_dimensions[letter].width = width
    for row_cells in help_ws.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_ws.freeze_panes = "A2"
    note_row = help_ws.max_row + 2
    help_ws.cell(row=note_row, column=1, value=text("tpl_tip", lang)).font = bold
    help_ws.cell(
        row=note_row,
        column=4,
        value=text("tpl_tip_targets", lang, targets="; ".join(lists[2][1])),
    ).alignment = Alignment(wrap_text=True, vertical="top")
    help_ws.cell(row=note_row + 1, column=4, value=column_help_note(lang)).alignment = Alignment(
        wrap_text=True, vertical="top"
    )


def _template_lists_sheet(lists_ws: Any, lists: list[tuple[str, list[str]]]) -> None:
    """The hidden ``lijsten`` (``lists``) sheet that feeds the drop-down lists."""
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    for j, (header, values) in enumerate(lists, start=1):
        lists_ws.cell(row=1, column=j, value=header).font = Font(bold=True)
        for i, value in enumerate(values, start=2):
            lists_ws.cell(row=i, column=j, value=value)
        lists_ws.column_dimensions[get_column_letter(j)].width = 45
    lists_ws.sheet_state = "hidden"
