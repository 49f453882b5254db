"""Read, validate and write partnership tables (CSV, XLSX).

Reading
-------
:func:`read_partnerships` accepts the two forms of PRODUCT.md:

- **two tables**: a workbook with the sheets ``projects`` and ``partners`` (also
  ``projecten``; any case), or a pair ``(projects CSV, partners CSV)``;
- **flat**: one sheet or one CSV with a row per partner and the project columns
  repeated. A flat row whose partner columns are all empty describes only its
  project.

Files are recognised by their content, not their name: XLSX/XLSM/ODS (zip) and XLS
(OLE2) are read with python-calamine, anything else as delimited text (``;``, ``,``,
tab or ``|``; UTF-8 with or without BOM, UTF-16 with BOM, else cp1252). Every cell is
read as text, so project codes keep their leading zeros and nothing is guessed
before validation. Headers are matched with the aliases of :mod:`optil_geo._schema`
(case, accents, spaces and punctuation do not matter); the header row is the first
row that names at least two known columns (else the first non-empty row).

Large files are handled column-wise: well-formed CSV is parsed by pyarrow's C
reader (ragged rows, unterminated quotes and the like go through Python's csv
module, which reads them the same way), text columns are pyarrow-backed ``str``
columns, checks are vectorised and every distinct value (place, sector, amount,
organisation name) is looked at once; only the rows with a problem are visited one
by one, to write their message.

A file that cannot be read at all (not a spreadsheet, not text, too large, a
broken zip) raises :class:`~optil_geo.InputError`. Everything else ends up in the
:class:`ValidationReport`: errors refuse the import, warnings do not. Every input
row survives: each partner row is exactly one row of ``partners`` and each project
one row of ``projects``, each with a ``row_status`` (``ok``/``warning``/``error``)
and, for locations, a status (resolved, ambiguous, unresolved, wallonia, abroad).

Writing
-------
:func:`to_safe_csv` and :func:`to_safe_xlsx` are the writers for every table the
project exports; both neutralise spreadsheet formulas (see
:func:`neutralise_formulas`). :func:`write_template` writes the empty input
workbook with explanations and drop-down lists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo._schema import Column, TableKind, header_key
from optil_geo.gazetteer import RESULT_COLUMNS, DistinctPlaces, Gazetteer, resolve_distinct
from optil_geo.partnerships import mapping, workbooks
from optil_geo.partnerships.workbooks import MAX_ROWS, MAX_SHEET_CELLS
from optil_geo.reference import Reference, load_reference
from optil_geo.settings import Settings
from optil_geo.texts import format_number
from optil_geo.vocabulary import (
    UNKNOWN,
    load_vocabulary,
    match_roles,
    match_sectors,
    normalise_term,
    parse_target_groups,
)

__all__ = [
    "LOCATION_CLASSES",
    "ColumnPreview",
    "PartnershipData",
    "Problem",
    "TextTable",
    "ValidationReport",
    "column_help",
    "format_report",
    "neutralise_formulas",
    "partnerships_from_raw",
    "preview_columns",
    "read_partnerships",
    "read_table",
    "to_safe_csv",
    "to_safe_xlsx",
    "validate_command",
    "validate_file",
    "write_template",
]

Form = Literal["two_tables", "flat"]
Severity = Literal["error", "warning"]
PathOrBuffer = str | os.PathLike[str] | IO[bytes] | IO[str]
SingleSource = str | os.PathLike[str] | bytes | bytearray | BinaryIO
Source = SingleSource | tuple[SingleSource, SingleSource]

LOCATION_CLASSES = ("resolved", "ambiguous", "unresolved", "wallonia", "abroad")
"""Location classes of a lead or partner, the keys of ``ValidationReport.location_counts``:
``resolved`` = on a Flemish or Brussels municipality, ``wallonia``/``abroad`` = placed
outside, ``ambiguous``/``unresolved`` = not placed yet."""

_SNIFF_CHARS = 64_000
_MB = 1024 * 1024

# OWASP "CSV Injection": a cell starting with one of these may be run as a formula by
# a spreadsheet. The full-width forms are folded to ASCII by some spreadsheet apps.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LEGAL_FORMS = frozenset({"vzw", "ivzw", "asbl", "aisbl", "bv", "bvba", "nv", "cv", "cvba", "vof"})
_YEAR = re.compile(r"\d{4}")
# Text columns: pandas' pyarrow-backed strings (the ``str`` dtype of pandas 3).
TEXT = pd.StringDtype(storage="pyarrow", na_value=np.nan)


# =========================================================================== report


@dataclass(frozen=True)
class Problem:
    """One problem found in the input.

    Attributes
    ----------
    severity
        ``"error"`` (the import is refused) or ``"warning"`` (the import goes on).
    code
        Stable identifier, e.g. ``missing_column``, ``duplicate_project_id``,
        ``unknown_project``, ``empty_required``, ``ambiguous_location``,
        ``unresolved_location``, ``unknown_sector``, ``unknown_role``,
        ``non_numeric_amount``, ``partner_is_lead``.
    message
        What is wrong and what was expected, in Dutch.
    file, sheet
        Where (``sheet`` is ``None`` for CSV).
    row
        Row number as the spreadsheet shows it (the header is row 1 unless there are
        rows above it); ``None`` for problems of the whole file.
    column
        Column header as written in the file (or the Dutch header of a missing column).
    value
        The offending cell text, ``None`` when there is none.
    field
        Canonical column name, ``None`` when the problem is not about one column.
    """

    severity: Severity
    code: str
    message: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict."""
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "message": self.message,
        }


def _build_problems(parts: Iterable[Problem | Callable[[], list[Problem]]]) -> list[Problem]:
    """Return the problems of ``parts``: problems, or batches that make them, in order."""
    built: list[Problem] = []
    for part in parts:
        if isinstance(part, Problem):
            built.append(part)
        else:
            built.extend(part())
    return built


_FRAME_HEADERS_NL = {
    "severity": "Ernst",
    "code": "Code",
    "file": "Bestand",
    "sheet": "Blad",
    "row": "Rij",
    "column": "Kolom",
    "value": "Waarde",
    "message": "Melding",
}
_SEVERITY_NL = {"error": "fout", "warning": "waarschuwing"}


class ValidationReport:
    """Errors and warnings of one import, and where every location ended up.

    Attributes
    ----------
    errors, warnings
        The problems, in input order.
    location_counts
        Every project lead and every partner row counted once, by location class
        (see :data:`LOCATION_CLASSES`).

    A large import can have tens of thousands of warnings. They are kept as the
    column-wise batches the checks produce and become :class:`Problem` objects only
    when :attr:`warnings` is first read; errors are always objects.
    """

    def __init__(
        self,
        errors: Iterable[Problem] = (),
        warnings: Iterable[Problem] = (),
        location_counts: Mapping[str, int] | None = None,
    ) -> None:
        self.errors: list[Problem] = list(errors)
        # In the order they were added: problems, or batches that make problems.
        self._parts: list[Problem | Callable[[], list[Problem]]] = list(warnings)
        self._warnings: list[Problem] | None = None
        self.location_counts: dict[str, int] = (
            dict(location_counts)
            if location_counts is not None
            else dict.fromkeys(LOCATION_CLASSES, 0)
        )

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, in input order (built on first use)."""
        if self._warnings is None:
            self._warnings = _build_problems(self._parts)
            self._parts = []
        return self._warnings

    def _add_warnings(self, make: Callable[[], list[Problem]]) -> None:
        """Add a batch of warnings that ``make`` builds when they are first needed."""
        if self._warnings is not None:
            self._warnings.extend(make())
        else:
            self._parts.append(make)

    def _sort(self) -> None:
        """Order problems as a person reads the file: by file, sheet, row (file-wide first)."""
        self.errors.sort(key=_problem_order)
        if self._warnings is not None:
            self._warnings.sort(key=_problem_order)
            return
        parts = self._parts

        def build_sorted() -> list[Problem]:
            return sorted(_build_problems(parts), key=_problem_order)

        # What is there now is sorted when built; a problem added later goes after it.
        self._parts = [build_sorted]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationReport):
            return NotImplemented
        return (
            self.errors == other.errors
            and self.warnings == other.warnings
            and self.location_counts == other.location_counts
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ValidationReport(errors={self.errors!r}, warnings={self.warnings!r}, "
            f"location_counts={self.location_counts!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        # Batches are closures: pickle (the app's cache) the problems themselves.
        return {
            "errors": self.errors,
            "warnings": self.warnings,
            "location_counts": self.location_counts,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["errors"], state["warnings"], state["location_counts"]
        )

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors

    @property
    def problems(self) -> list[Problem]:
        """Errors first, then warnings."""
        return [*self.errors, *self.warnings]

    def add(self, problem: Problem) -> None:
        """Add a problem to the list of its severity."""
        if problem.severity == "error":
            self.errors.append(problem)
        elif self._warnings is not None:
            self._warnings.append(problem)
        else:
            self._parts.append(problem)

    def counts_by_code(self) -> dict[str, int]:
        """Return how often each problem code occurs."""
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.code] = counts.get(problem.code, 0) + 1
        return counts

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a table with Dutch column headers (for the app).

        Columns: Ernst, Code, Bestand, Blad, Rij, Kolom, Waarde, Melding.
        """
        records = [
            {
                "Ernst": _SEVERITY_NL[p.severity],
                "Code": p.code,
                "Bestand": p.file,
                "Blad": p.sheet or "",
                "Rij": p.row,
                "Kolom": p.column or "",
                "Waarde": p.value if p.value is not None else "",
                "Melding": p.message,
            }
            for p in self.problems
        ]
        frame = pd.DataFrame(records, columns=list(_FRAME_HEADERS_NL.values()))
        frame["Rij"] = frame["Rij"].astype("Int64")
        return frame

    def to_json_dict(self, rows: Mapping[str, int]) -> dict[str, Any]:
        """Return the ``optil-geo validate --json`` object.

        Parameters
        ----------
        rows
            ``{"projects": n, "partners": n}``.

        Returns
        -------
        dict
            ``{"rows": {"projects", "partners"}, "errors": [...], "warnings": [...],
            "locations": {"resolved", "ambiguous", "unresolved", "wallonia", "abroad"}}``;
            each problem has ``severity, code, file, sheet, row, column, field, value,
            message``.
        """
        return {
            "rows": {"projects": int(rows["projects"]), "partners": int(rows["partners"])},
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "locations": {k: int(self.location_counts.get(k, 0)) for k in LOCATION_CLASSES},
        }


@dataclass
class PartnershipData:
    """An imported partnership dataset.

    Attributes
    ----------
    projects
        One row per project: the canonical input columns as text (``str``), then ``year_int``
        (Int64), ``subsidy`` (float, NaN when empty or not a number),
        ``lead_sector_code``, ``lead_sector_group``, ``lead_local_cultural_actor``,
        ``target_group_codes`` (tuple), ``lead_nis``, ``lead_name``, ``lead_status``,
        ``lead_region``, ``lead_score``, ``lead_candidates``, ``lead_note``,
        ``lead_location`` (a :data:`LOCATION_CLASSES` value), ``row_status``,
        ``source_file``, ``source_sheet``, ``source_row``; then extra input columns.
    partners
        One row per input partner row, in input order: the canonical columns as text,
        then ``sector_code``, ``sector_group``, ``local_cultural_actor``,
        ``role_code``, ``partner_nis``, ``partner_name``, ``partner_status``,
        ``partner_region``, ``partner_score``, ``partner_candidates``,
        ``partner_note``, ``partner_location``, ``is_lead_itself``, ``row_status``,
        ``source_file``, ``source_sheet``, ``source_row``; then extra input columns.
    report
        The validation report.
    source_name
        Name of the file(s) read.
    form
        ``"two_tables"`` or ``"flat"``.
    raw_projects, raw_partners
        The text tables as read (canonical columns, extra columns, source columns):
        what the workspace stores, and what :func:`partnerships_from_raw` re-imports
        with new location fixes.
    """

    projects: pd.DataFrame
    partners: pd.DataFrame
    report: ValidationReport
    source_name: str
    form: Form
    raw_projects: pd.DataFrame
    raw_partners: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when the import has no errors."""
        return self.report.ok

    @property
    def rows(self) -> dict[str, int]:
        """Return ``{"projects": n, "partners": n}``."""
        return {"projects": len(self.projects), "partners": len(self.partners)}

    def to_json_dict(self) -> dict[str, Any]:
        """Return the ``optil-geo validate --json`` object of this import."""
        return self.report.to_json_dict(self.rows)


# =========================================================================== reading


@dataclass
class _Sheet:
    """One table as read: its headers and its data rows as text columns.

    ``columns[j]`` holds the cells under ``headers[j]`` (text, stripped, ``""`` when
    empty; one entry per data row) and ``numbers`` the row number a spreadsheet shows
    for each data row.
    """

    file: str
    sheet: str | None
    header_row: int
    headers: list[str]
    columns: list[pd.Series]
    numbers: np.ndarray
    notes: list[Problem] = field(default_factory=list)  # found while reading

    @classmethod
    def empty(cls, file: str, sheet: str | None) -> _Sheet:
        """Return a sheet without a header row and without data."""
        return cls(file, sheet, 1, [], [], np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass
class _Table:
    """A sheet mapped on the schema."""

    sheet: _Sheet
    kind: TableKind
    positions: dict[str, int]  # canonical name -> column position
    extras: dict[str, int]  # extra output column name -> column position


@dataclass
class _Context:
    """Everything the assembling step needs besides the two text tables."""

    report: ValidationReport
    headers: dict[tuple[str, str], str]  # (table, field) -> header as written
    present: dict[str, set[str]]  # table -> canonical columns present in the input
    extras: dict[str, list[str]] = field(default_factory=dict)


def read_partnerships(
    source: Source,
    *,
    source_name: str | None = None,
    columns: Mapping[str, str] | None = None,
    fixes: Mapping[tuple[str, str], str] | None = None,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> PartnershipData:
    """Read and validate a partnership file (two tables or flat; XLSX, XLS, ODS or CSV).

    Parameters
    ----------
    source
        A path, the file's bytes, a binary file object, or a pair ``(projects,
        partners)`` of those (two CSV files).
    source_name
        Name used in the report; default: the file name (``"upload"`` for bytes).
    columns
        The file's own headers for fields, ``{field: header}`` (e.g.
        ``{"organisation": "partner_organisation"}``; see :func:`preview_columns`
        for suggestions). They win over the accepted names; fields not named are
        found by their accepted names as usual.
    fixes
        Manual location fixes ``(place key, postcode key) → NIS`` (see
        :meth:`optil_geo.store.Workspace.fix_lookup`), applied before anything else.
    reference
        The reference geography; loaded when omitted.
    settings
        ``max_upload_mb`` (the size cap) and the gazetteer's settings; default
        :meth:`Settings.from_env`.

    Returns
    -------
    PartnershipData
        The tables, the validation report and the raw text tables. Check
        ``result.report.ok`` before using the data.

    Raises
    ------
    InputError
        When the file cannot be read at all: missing, empty, larger than
        ``settings.max_upload_mb``, not a spreadsheet or text, a damaged workbook.
    """
    settings = settings if settings is not None else Settings.from_env()
    if isinstance(source, tuple | list):
        if len(source) != 2:
            raise InputError(
                f"`source` was a tuple of {len(source)} items but must be a pair "
                "(projects, partners)"
            )
        names = [_name_of(part, None) for part in source]
        sheets = [
            _read_single(part, name, settings)[0] for part, name in zip(source, names, strict=True)
        ]
        _check_columns(columns, sheets)
        report = ValidationReport()
        _report_notes(sheets, report)
        tables = [
            _map_table(sheets[0], "projects", report, columns=columns),
            _map_table(sheets[1], "partners", report, columns=columns),
        ]
        name = source_name or f"{names[0]} + {names[1]}"
        return _from_tables(
            tables,
            "two_tables",
            name=name,
            report=report,
            fixes=fixes,
            reference=reference,
            settings=settings,
        )

    name = _name_of(source, source_name)
    sheets = _read_single(source, name, settings)
    _check_columns(columns, sheets)
    report = ValidationReport()
    _report_notes(sheets, report)
    form, tables = _choose_tables(sheets, name, report, columns=columns)
    return _from_tables(
        tables, form, name=name, report=report, fixes=fixes, reference=reference, settings=settings
    )


def partnerships_from_raw(
    raw_projects: pd.DataFrame,
    raw_partners: pd.DataFrame,
    *,
    source_name: str,
    form: Form = "two_tables",
    fixes: Mapping[tuple[str, str], str] | None = None,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> PartnershipData:
    """Validate and enrich stored raw tables again, e.g. after new location fixes.

    Parameters
    ----------
    raw_projects, raw_partners
        Text tables with canonical column names, as in ``PartnershipData.raw_projects``
        and ``raw_partners`` (or as the workspace returns them). Missing canonical
        columns are treated as empty; ``source_file``/``source_sheet``/``source_row``
        are used when present.
    source_name, form
        As in the original import.
    fixes, reference, settings
        As in :func:`read_partnerships`.

    Returns
    -------
    PartnershipData
    """
    settings = settings if settings is not None else Settings.from_env()
    report = ValidationReport()
    frames = []
    present: dict[str, set[str]] = {}
    extras: dict[str, list[str]] = {}
    for table, raw, fields in (
        ("projects", raw_projects, _schema.PROJECT_FIELDS),
        ("partners", raw_partners, _schema.PARTNER_FIELDS),
    ):
        if not isinstance(raw, pd.DataFrame):
            raise InputError(f"`raw_{table}` was a {type(raw).__name__} but must be a DataFrame")
        frame = pd.DataFrame(index=pd.RangeIndex(len(raw)))
        for name in (*fields, *_schema.SOURCE_FIELDS):
            values = raw[name] if name in raw.columns else pd.Series([""] * len(raw))
            frame[name] = _text_series(values.reset_index(drop=True))
        frame["source_row"] = pd.to_numeric(frame["source_row"], errors="coerce").astype("Int64")
        extra = [c for c in raw.columns if c not in frame.columns]
        for name in extra:
            frame[name] = _text_series(raw[name].reset_index(drop=True))
        present[table] = {c for c in fields if c in raw.columns}
        extras[table] = [str(c) for c in extra]
        frames.append(frame)
    headers = _default_headers(form)
    ctx = _Context(report=report, headers=headers, present=present, extras=extras)
    return _assemble(
        frames[0],
        frames[1],
        ctx=ctx,
        form=form,
        source_name=source_name,
        fixes=fixes,
        reference=reference,
        settings=settings,
    )


# --------------------------------------------------------------------------- bytes


def _name_of(source: object, given: str | None) -> str:
    if given:
        return given
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return Path(name).name
    return "upload"


def _check_columns(columns: Mapping[str, str] | None, sheets: Sequence[_Sheet]) -> None:
    if columns:
        mapping.apply_columns_check(columns, [h for s in sheets for h in s.headers])


def _report_notes(sheets: Iterable[_Sheet], report: ValidationReport) -> None:
    for sheet in sheets:
        for problem in sheet.notes:
            report.add(problem)


def _read_single(source: object, name: str, settings: Settings) -> list[_Sheet]:
    """Return the sheets of one file (one for CSV)."""
    data = _load_nonempty(source, name, settings)
    if _is_workbook(data):
        return _read_workbook(data, name)
    return [_read_csv(data, name)]


def _load_nonempty(source: object, name: str, settings: Settings) -> bytes:
    data = _load_bytes(source, name, settings)
    if not data:
        raise InputError(f"Bestand '{name}' is leeg.")
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
            raise InputError(
                f"Bestand '{path}' kan niet gelezen worden: {exc.strerror or exc}."
            ) from None
        if path.is_dir():
            raise InputError(f"'{path}' is een map, geen bestand.")
        _check_size(size, cap, name, settings)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"Bestand '{path}' kan niet gelezen worden: {exc.strerror or exc}."
            ) from None
    read = getattr(source, "read", None)
    if callable(read):
        try:
            # One byte more than allowed tells us the file is too large without
            # reading all of it.
            chunk = read(cap + 1)
        except Exception as exc:
            raise InputError(f"Bestand '{name}' kan niet gelezen worden: {exc}.") from None
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        if not isinstance(chunk, bytes | bytearray):
            raise InputError(f"Bestand '{name}' gaf {type(chunk).__name__} in plaats van bytes.")
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
        raise InputError(
            f"Bestand '{name}' is {_mb(size)} groot; de grens is {_mb(cap)} "
            f"(instelling max_upload_mb = {settings.max_upload_mb:g}). "
            "Splits het bestand of verhoog de grens."
        )


def _mb(size: int) -> str:
    return f"{format_number(size / _MB, 1)} MB"


# --------------------------------------------------------------------------- workbooks


def _read_workbook(data: bytes, name: str) -> list[_Sheet]:
    """Read every visible worksheet of an XLSX/XLSM/ODS/XLS file as text."""
    import python_calamine as calamine  # noqa: PLC0415 - only needed for workbooks

    if workbooks.is_zip(data):
        # Before calamine sees it: a zip bomb or a far cell would abort the process.
        workbooks.check_archive(data, name)
    elif workbooks.is_encrypted_ole(data):
        raise InputError(
            f"Bestand '{name}' is met een wachtwoord beveiligd; "
            "sla het op zonder wachtwoord en laad het opnieuw."
        )
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
                    raise InputError(
                        f"Blad '{meta.name}' in '{name}' is te groot ({n_rows} rijen × "
                        f"{n_cols} kolommen); maximaal {MAX_ROWS} rijen."
                    )
            cells = sheet.to_python(skip_empty_area=False) if end is not None else []
            sheets.append(
                _sheet_from_cells(name, meta.name, ([_cell_text(v) for v in row] for row in cells))
            )
    except InputError:
        raise
    except BaseException as exc:
        # python-calamine raises its own errors, and pyo3 turns a Rust panic into a
        # BaseException; any of them means: this workbook cannot be read.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
            raise
        raise InputError(
            f"Bestand '{name}' kan niet gelezen worden als Excel-bestand: "
            f"{type(exc).__name__}: {str(exc)[:200]}."
        ) from None
    if not sheets:
        raise InputError(f"Bestand '{name}' bevat geen zichtbaar werkblad.")
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


def _clean_text(text: str) -> str:
    text = text.strip()
    # A cell our own writers neutralised ("'=SUM(…)") reads back as it was meant.
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_TRIGGERS:
        return text[1:]
    return text


def _sheet_from_cells(file: str, sheet: str | None, rows: Iterable[list[str]]) -> _Sheet:
    """Find the header row and keep every non-empty data row with its row number."""
    numbered = [(i, row) for i, row in enumerate(rows, start=1) if any(row)]
    _check_row_count(len(numbered), file)
    if not numbered:
        return _Sheet.empty(file, sheet)
    header_at = _header_position([row for _, row in numbered[:10]])
    header_row, headers = numbered[header_at]
    width = len(headers)
    body = numbered[header_at + 1 :]
    columns = [
        _text_column([row[j] if j < len(row) else "" for _, row in body]) for j in range(width)
    ]
    numbers = np.fromiter((n for n, _ in body), dtype=np.int64, count=len(body))
    notes = [
        _beyond_header(file, sheet, n, width, row[width:]) for n, row in body if any(row[width:])
    ]
    return _Sheet(file, sheet, header_row, headers, columns, numbers, notes)


def _beyond_header(
    file: str, sheet: str | None, row: int, width: int, extra: Sequence[str]
) -> Problem:
    """Warn that a row has cells right of the header's last column (they are not read)."""
    first = next(j for j, cell in enumerate(extra) if cell)
    letter = _column_letter(width + first)
    return Problem(
        "warning",
        "cells_beyond_header",
        f"Rij {row} heeft waarden rechts van de laatste kolomnaam (vanaf kolom {letter}: "
        f"{extra[first][:40]!r}); die worden niet gelezen. Staat er een scheidingsteken "
        "te veel in de rij?",
        file,
        sheet,
        row,
        letter,
        extra[first][:200],
    )


def _check_row_count(non_empty_rows: int, file: str) -> None:
    if non_empty_rows > MAX_ROWS + 1:
        raise InputError(
            f"'{file}' heeft meer dan {MAX_ROWS} rijen; dat is te veel voor één import."
        )


@cache
def _header_keys() -> frozenset[str]:
    return frozenset(_schema.alias_index("flat")) | frozenset(_schema.alias_index("projects"))


def _header_position(first_rows: Sequence[Sequence[str]]) -> int:
    """Return which of the first non-empty rows is the header (names two known columns)."""
    keys = _header_keys()
    for k, row in enumerate(first_rows[:10]):
        if sum(header_key(cell) in keys for cell in row if cell) >= 2:
            return k
    return 0


def _text_column(values: Sequence[str] | np.ndarray) -> pd.Series:
    """Return a text column (pyarrow-backed ``str``) of Python strings."""
    return pd.Series(pd.array(np.asarray(values, dtype=object), dtype=TEXT), copy=False)


def _constant_column(value: str, n: int) -> pd.Series:

    return _text_column_from_arrow(pc.fill_null(pa.nulls(n, type=pa.large_string()), value))


# --------------------------------------------------------------------------- CSV

# The characters Python's str.strip() removes, so that the vectorised reader strips
# exactly what the cell-by-cell one does (tests/test_dataio.py checks the list).
_PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
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
            f"Regel {line} bevat een NUL-teken (een beschadigde export); het is verwijderd.",
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
                    f"Rij {row}, kolom '{sheet.headers[j]}': een aanhalingsteken (\") opent "
                    f"een cel die niet sluit, waardoor {len(swallowed)} volgende regel(s) "
                    "in deze cel terechtkwamen. Verwijder het aanhalingsteken of zet de cel "
                    "tussen twee aanhalingstekens.",
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
        raise InputError(f"Bestand '{name}' is geen leesbare CSV: {exc}.") from None
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


def _text_layout(cells: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return a pyarrow text array's cell bounds and its data buffer (views, no copy).

    Cell ``i`` is ``data[bounds[i]:bounds[i + 1]]``.
    """
    _, offsets, data = cells.buffers()
    kind = np.int64 if pa.types.is_large_string(cells.type) else np.int32
    if offsets is None:
        return np.zeros(len(cells) + 1, dtype=kind), np.zeros(0, dtype=np.uint8)
    bounds = np.frombuffer(offsets, dtype=kind)[cells.offset : cells.offset + len(cells) + 1]
    if data is None:
        return bounds, np.zeros(0, dtype=np.uint8)
    return bounds, np.frombuffer(data, dtype=np.uint8)


def _edge_bytes(bounds: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first and last byte of each cell (meaningless for an empty cell)."""
    top = len(data) - 1
    if top < 0:
        empty = np.zeros(len(bounds) - 1, dtype=np.uint8)
        return empty, empty
    return data.take(np.minimum(bounds[:-1], top)), data.take(np.clip(bounds[1:] - 1, 0, top))


def _text_column_from_arrow(values: Any) -> pd.Series:
    return pd.Series(pd.array(values, dtype=TEXT), copy=False)


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; and which."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(
                f"Bestand '{name}' begint als UTF-16 maar is geen geldige UTF-16-tekst."
            ) from None
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise InputError(
            f"Bestand '{name}' is geen tekst (CSV) en geen Excel-bestand; "
            "bewaar het als .xlsx of als CSV (UTF-8 of Windows-1252)."
        )
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


# --------------------------------------------------------------------------- plain tables


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
        raise InputError(f"Bestand '{name}' bevat geen rijen.")
    columns: dict[str, pd.Series] = {}
    for j, header in enumerate(sheet.headers):
        column = sheet.columns[j]
        where = f"'{name}'" + (f", blad '{sheet.sheet}'" if sheet.sheet else "")
        letter = _column_letter(j)
        if not header:
            if not column.astype(bool).any():
                continue  # an empty column after a trailing delimiter
            raise InputError(
                f"Bestand {where}: kolom {letter} heeft waarden maar geen kolomnaam "
                f"(rij {sheet.header_row}); geef elke kolom een naam."
            )
        if header in columns:
            first = _column_letter(sheet.headers.index(header))
            raise InputError(
                f"Bestand {where}: kolomnaam {header!r} staat twee keer in rij "
                f"{sheet.header_row} (kolommen {first} en {letter}); geef elke kolom "
                "een eigen naam."
            )
        columns[header] = column.reset_index(drop=True)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(sheet)))
    return TextTable(frame=frame, delimiter=delimiter, bom=bom)


# --------------------------------------------------------------------------- column preview


@dataclass(frozen=True)
class ColumnPreview:
    """What the mapping step shows: the file's headers, first rows and suggested fields.

    Attributes
    ----------
    form
        ``"flat"`` or ``"two_tables"``, as the import would read the file.
    fields
        The fields to map, in template order (projects' then partners' for two tables).
    required
        The fields an import cannot do without (``lead_municipality`` may be left
        out when ``lead_postcode`` is there).
    headers
        Every header of the sheets read, in file order, each once.
    rows
        The first rows of the main sheet (flat, or partners), under its headers.
    suggestions
        Field → suggested header (see :func:`optil_geo.partnerships.mapping.suggest_columns`).
    key
        The key of this set of headers, under which a confirmed mapping is remembered.
    """

    form: Form
    fields: tuple[str, ...]
    required: tuple[str, ...]
    headers: tuple[str, ...]
    rows: pd.DataFrame
    suggestions: dict[str, mapping.ColumnSuggestion]
    key: str

    def mapping(self) -> dict[str, str]:
        """Return the suggestions as a ``columns`` mapping (field → header)."""
        return {f: s.header for f, s in self.suggestions.items()}

    def missing(self, columns: Mapping[str, str]) -> list[str]:
        """Return the required fields that ``columns`` leaves without a header."""
        absent = [f for f in self.required if not columns.get(f)]
        if "lead_municipality" in absent and columns.get("lead_postcode"):
            absent.remove("lead_municipality")
        return absent


def preview_columns(
    source: SingleSource,
    *,
    source_name: str | None = None,
    rows: int = 5,
    reference: Reference | None = None,
    settings: Settings | None = None,
) -> ColumnPreview:
    """Read a file's headers and first rows, and suggest a header for each field.

    Parameters
    ----------
    source
        A path, the file's bytes or a binary file object (as :func:`read_partnerships`).
    source_name
        Name used in messages; default: the file name.
    rows
        How many data rows to keep for the preview.
    reference
        The reference geography (to see which columns hold municipality names);
        loaded when omitted.
    settings
        As in :func:`read_partnerships`.

    Returns
    -------
    ColumnPreview

    Raises
    ------
    InputError
        As :func:`read_partnerships`, when the file cannot be read at all.
    """
    settings = settings if settings is not None else Settings.from_env()
    name = _name_of(source, source_name)
    sheets = _read_single(source, name, settings)
    form, tables = _choose_tables(sheets, name, ValidationReport())
    gazetteer = Gazetteer.for_reference(reference if reference is not None else load_reference())

    def place_share(values: Sequence[str]) -> float:
        # Only plain names count: '3920' or 'CC Westrand (Dilbeek)' is no place column.
        named = [
            gazetteer.resolve(v).status in ("exact", "alias")
            for v in values
            if not any(ch.isdigit() or ch in "()" for ch in v)
        ]
        return sum(named) / len(values)

    suggestions: dict[str, mapping.ColumnSuggestion] = {}
    fields: list[str] = []
    headers: dict[str, None] = {}
    for table in tables:
        sheet = table.sheet
        samples = {h: _sample(sheet.columns[j]) for j, h in enumerate(sheet.headers) if h}
        found = mapping.suggest_columns(sheet.headers, samples, table.kind, is_place=place_share)
        for field_name, suggestion in found.items():
            suggestions.setdefault(field_name, suggestion)
        fields += [f for f in mapping.fields_of(table.kind) if f not in fields]
        headers.update(dict.fromkeys(h for h in sheet.headers if h))
    main = tables[-1].sheet
    head = pd.DataFrame(
        {h: main.columns[j].head(rows).tolist() for j, h in enumerate(main.headers) if h},
        index=pd.RangeIndex(min(rows, len(main))),
    )
    required = [c.name for t in tables for c in _schema.columns_of(t.kind) if c.required]
    return ColumnPreview(
        form=form,
        fields=tuple(fields),
        required=tuple(dict.fromkeys(required)),
        headers=tuple(headers),
        rows=head,
        suggestions=suggestions,
        key=mapping.header_set_key(list(headers)),
    )


def _sample(column: pd.Series) -> list[str]:
    """Return up to 40 distinct non-empty values from the first 200 rows."""
    head = column.head(200)
    return [str(v) for v in head[head != ""].unique()[:40]]


# --------------------------------------------------------------------------- mapping


def _choose_tables(
    sheets: list[_Sheet],
    name: str,
    report: ValidationReport,
    *,
    columns: Mapping[str, str] | None = None,
) -> tuple[Form, list[_Table]]:
    by_key = {header_key(s.sheet): s for s in reversed(sheets) if s.sheet is not None}
    projects = next((by_key[k] for k in _schema.PROJECT_SHEET_NAMES if k in by_key), None)
    partners = next((by_key[k] for k in _schema.PARTNER_SHEET_NAMES if k in by_key), None)
    if projects is not None and partners is not None:
        return "two_tables", [
            _map_table(projects, "projects", report, columns=columns),
            _map_table(partners, "partners", report, columns=columns),
        ]
    if projects is not None:
        report.add(
            Problem(
                "error",
                "missing_sheet",
                f"Het bestand heeft een blad '{projects.sheet}' maar geen blad 'partners'. "
                "Gebruik twee bladen 'projects' en 'partners', of één plat blad met een rij "
                "per partner.",
                name,
            )
        )
        return "two_tables", [
            _map_table(projects, "projects", report, columns=columns),
            _map_table(_Sheet.empty(name, "partners"), "partners", report, quiet=True),
        ]
    data_sheets = [s for s in sheets if s.headers]
    flat = data_sheets[0] if data_sheets else sheets[0]
    return "flat", [_map_table(flat, "flat", report, columns=columns)]


def _map_table(
    sheet: _Sheet,
    kind: TableKind,
    report: ValidationReport,
    *,
    quiet: bool = False,
    columns: Mapping[str, str] | None = None,
) -> _Table:
    """Map the headers of a sheet on canonical columns; report missing, unknown and doubled ones.

    ``columns`` (field → header) are the user's own mapping: they come first.
    """
    index = _schema.alias_index(kind)
    canonical_names = {c.name for c in _schema.columns_of(kind)}
    chosen = {
        sheet.headers.index(header): name
        for name, header in (columns or {}).items()
        if name in canonical_names and header in sheet.headers
    }
    positions: dict[str, int] = {name: j for j, name in chosen.items()}
    extras: dict[str, int] = {}
    where = _where(sheet)
    for j, header in enumerate(sheet.headers):
        if j in chosen:
            continue
        if not header:
            if j < len(sheet.columns) and _filled(sheet.columns[j]).any():
                report.add(
                    Problem(
                        "warning",
                        "unnamed_column",
                        f"Kolom {_column_letter(j)} {where} heeft geen kopnaam maar wel waarden; "
                        "ze wordt bewaard maar niet gebruikt.",
                        sheet.file,
                        sheet.sheet,
                        sheet.header_row,
                        _column_letter(j),
                        None,
                    )
                )
                extras[
                    _unique_name(f"kolom {_column_letter(j)}", canonical_names | set(extras))
                ] = j
            continue
        name = index.get(header_key(header))
        if name is None:
            report.add(
                Problem(
                    "warning",
                    "unknown_column",
                    f"Kolom '{header}' {where} is onbekend; ze wordt bewaard maar niet gebruikt.",
                    sheet.file,
                    sheet.sheet,
                    sheet.header_row,
                    header,
                    header,
                )
            )
            extras[_unique_name(header, canonical_names | set(extras))] = j
        elif name in positions:
            first = sheet.headers[positions[name]]
            report.add(
                Problem(
                    "warning",
                    "duplicate_column",
                    f"Kolom '{header}' {where} betekent hetzelfde als kolom '{first}' ({name}); "
                    f"alleen '{first}' wordt gebruikt.",
                    sheet.file,
                    sheet.sheet,
                    sheet.header_row,
                    header,
                    header,
                    name,
                )
            )
            extras[_unique_name(header, canonical_names | set(extras))] = j
        else:
            positions[name] = j
    if not quiet:
        _report_missing(sheet, kind, positions, report)
    return _Table(sheet, kind, positions, extras)


def _report_missing(
    sheet: _Sheet, kind: TableKind, positions: Mapping[str, int], report: ValidationReport
) -> None:
    where = _where(sheet)
    if not sheet.headers:
        report.add(
            Problem(
                "error",
                "empty_sheet",
                f"{where[0].upper()}{where[1:]} is leeg: er is geen kopregel met kolomnamen.",
                sheet.file,
                sheet.sheet,
                None,
            )
        )
        return
    for col in _schema.columns_of(kind):
        if not col.required or col.name in positions:
            continue
        alternative = _schema.LEAD_LOCATION_ALTERNATIVE.get(col.name)
        if alternative is not None and alternative in positions:
            continue
        accepted = ", ".join(col.accepted())
        also = ""
        if alternative is not None:
            alt = _schema.column(kind, alternative)
            also = f" (of kolom '{alt.header_nl}')"
        report.add(
            Problem(
                "error",
                "missing_column",
                f"Kolom '{col.header_nl}'{also} is verplicht maar ontbreekt {where}. "
                f"Aanvaarde namen: {accepted}.",
                sheet.file,
                sheet.sheet,
                sheet.header_row,
                col.header_nl,
                None,
                col.name,
            )
        )


def _where(sheet: _Sheet) -> str:
    return f"in blad '{sheet.sheet}'" if sheet.sheet is not None else f"in '{sheet.file}'"


def _column_letter(j: int) -> str:
    letters = ""
    j += 1
    while j:
        j, rem = divmod(j - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    return candidate


# --------------------------------------------------------------------------- raw tables


def _raw_frame(
    table: _Table, fields: Sequence[str], rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Build the text frame of the canonical ``fields`` (empty when absent) + extras + source.

    ``rows`` selects data rows of the sheet by position (default: all, in order).
    """
    sheet = table.sheet
    n = len(sheet) if rows is None else len(rows)

    def cells(j: int) -> Any:
        values = sheet.columns[j].array
        return values if rows is None else values.take(rows)

    columns: dict[str, Any] = {}
    blank: pd.Series | None = None
    for name in fields:
        j = table.positions.get(name)
        if j is None:
            blank = _constant_column("", n) if blank is None else blank
            columns[name] = blank.array
        else:
            columns[name] = cells(j)
    for name, j in table.extras.items():
        columns[name] = cells(j)
    columns["source_file"] = _constant_column(sheet.file, n).array
    columns["source_sheet"] = _constant_column(sheet.sheet or "", n).array
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    numbers = sheet.numbers if rows is None else sheet.numbers[rows]
    frame["source_row"] = pd.array(numbers, dtype="Int64")
    return frame


def _from_tables(
    tables: list[_Table],
    form: Form,
    *,
    name: str,
    report: ValidationReport,
    fixes: Mapping[tuple[str, str], str] | None,
    reference: Reference | None,
    settings: Settings,
) -> PartnershipData:
    headers: dict[tuple[str, str], str] = _default_headers(form)
    present: dict[str, set[str]] = {}
    extras: dict[str, list[str]] = {}
    if form == "two_tables":
        projects_t, partners_t = tables
        for table_name, t in (("projects", projects_t), ("partners", partners_t)):
            for f, j in t.positions.items():
                headers[(table_name, f)] = t.sheet.headers[j]
            present[table_name] = set(t.positions)
            extras[table_name] = list(t.extras)
        projects = _raw_frame(projects_t, _schema.PROJECT_FIELDS)
        partners = _raw_frame(partners_t, _schema.PARTNER_FIELDS)
        ctx = _Context(report, headers, present, extras)
    else:
        (flat,) = tables
        for f, j in flat.positions.items():
            for table_name in ("projects", "partners"):
                headers[(table_name, f)] = flat.sheet.headers[j]
        present = {
            "projects": {f for f in flat.positions if f in _schema.PROJECT_FIELDS},
            "partners": {f for f in flat.positions if f in _schema.PARTNER_FIELDS},
        }
        extras = {"projects": [], "partners": list(flat.extras)}
        ctx = _Context(report, headers, present, extras)
        projects, partners = _split_flat(flat, ctx)
    return _assemble(
        projects,
        partners,
        ctx=ctx,
        form=form,
        source_name=name,
        fixes=fixes,
        reference=reference,
        settings=settings,
    )


def _default_headers(form: Form) -> dict[tuple[str, str], str]:
    headers: dict[tuple[str, str], str] = {}
    project_cols = _schema.FLAT_COLUMNS if form == "flat" else _schema.PROJECT_COLUMNS
    for col in project_cols:
        if col.name in _schema.PROJECT_FIELDS:
            headers[("projects", col.name)] = col.header_nl
    for col in _schema.PARTNER_COLUMNS:
        headers[("partners", col.name)] = col.header_nl
    return headers


def _split_flat(flat: _Table, ctx: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a flat sheet into projects (one per project_id) and partner rows.

    A row with any partner column filled is a partner row. Rows are grouped into
    projects by project_id (in order of first appearance); a row without project_id
    and without partner columns is a project of its own. A project takes, column by
    column, the first non-empty value of its rows; other values are reported.
    """
    sheet = flat.sheet
    pos = flat.positions
    n = len(sheet)
    has_partner = np.zeros(n, dtype=bool)
    for f in _schema.PARTNER_ONLY_FIELDS:
        j = pos.get(f)
        if j is not None:
            has_partner |= _filled(sheet.columns[j])
    key_at = pos.get("project_id")
    has_key = _filled(sheet.columns[key_at]) if key_at is not None else np.zeros(n, dtype=bool)
    keyed = np.flatnonzero(has_key)
    if key_at is not None:
        group_of, group_ids = pd.factorize(sheet.columns[key_at].array.take(keyed))
        group_of = np.asarray(group_of, dtype=np.intp)
    else:
        group_of, group_ids = np.zeros(0, dtype=np.intp), []
    n_groups = len(group_ids)
    # Codes follow first appearance, so the first member of group g is keyed[first[g]].
    group_first = keyed[_first_positions(group_of, n_groups)]
    singles = np.flatnonzero(~has_partner & ~has_key)
    item_rows = np.concatenate([group_first, singles])
    order = np.argsort(item_rows, kind="stable")
    rank = np.empty(len(item_rows), dtype=np.intp)
    rank[order] = np.arange(len(item_rows))
    project_rows = item_rows[order]
    is_group = order < n_groups
    group_at = np.where(is_group, order, 0)

    problems: list[tuple[tuple[int, int, int], Problem]] = []
    columns: dict[str, Any] = {}  # pyarrow text, or an object array where merged
    for k, f in enumerate(_schema.PROJECT_FIELDS):
        j = pos.get(f)
        if j is None:
            continue
        values = sheet.columns[j].array
        if f == "project_id" or not n_groups or _same_within_runs(values, keyed, group_of):
            columns[f] = values.take(project_rows)  # stays pyarrow text
            continue
        merged = np.asarray(values.take(project_rows), dtype=object)
        # Compare codes of distinct texts, not the texts themselves.
        codes, texts = pd.factorize(values)
        texts = np.asarray(texts, dtype=object)
        member_codes = np.asarray(codes, dtype=np.intp)[keyed]
        filled = (texts != "")[member_codes]
        with_value = np.flatnonzero(filled)
        seen = _first_positions(group_of[with_value], n_groups, missing=-1)
        has = seen >= 0
        chosen_at = np.full(n_groups, -1, dtype=np.intp)
        chosen_at[has] = keyed[with_value[seen[has]]]
        chosen_code = np.full(n_groups, -1, dtype=np.intp)
        chosen_code[has] = member_codes[with_value[seen[has]]]
        chosen = np.full(n_groups, "", dtype=object)
        chosen[has] = texts[chosen_code[has]]
        merged[is_group] = chosen[group_at[is_group]]
        differs = filled & (member_codes != chosen_code[group_of])
        for m in np.flatnonzero(differs).tolist():
            g = int(group_of[m])
            row = int(keyed[m])
            chosen_number = sheet.numbers[chosen_at[g]] if has[g] else sheet.numbers[row]
            other = texts[member_codes[m]]
            problems.append(
                (
                    (int(rank[g]), k, row),
                    Problem(
                        "warning",
                        "conflicting_project_values",
                        f"Project '{group_ids[g]}' heeft in rij {chosen_number} "
                        f"{sheet.headers[j]} '{chosen[g]}' maar hier '{other}'; "
                        "de eerste waarde wordt gebruikt.",
                        sheet.file,
                        sheet.sheet,
                        int(sheet.numbers[row]),
                        sheet.headers[j],
                        other,
                        f,
                    ),
                )
            )
        columns[f] = merged
    problems.sort(key=lambda item: item[0])
    for _, problem in problems:
        ctx.report.add(problem)

    m = len(project_rows)
    frame_columns: dict[str, Any] = {}
    for f in _schema.PROJECT_FIELDS:
        if f not in columns:
            frame_columns[f] = _constant_column("", m)
        elif isinstance(columns[f], np.ndarray):
            frame_columns[f] = _text_column(columns[f])
        else:
            frame_columns[f] = pd.Series(columns[f], copy=False)
    projects = pd.DataFrame(
        {name: column.array for name, column in frame_columns.items()}, index=pd.RangeIndex(m)
    )
    projects["source_file"] = _constant_column(sheet.file, m).array
    projects["source_sheet"] = _constant_column(sheet.sheet or "", m).array
    projects["source_row"] = pd.array(sheet.numbers[project_rows], dtype="Int64")
    partner_rows = None if has_partner.all() else np.flatnonzero(has_partner)
    partners = _raw_frame(flat, _schema.PARTNER_FIELDS, partner_rows)
    return projects, partners


def _same_within_runs(values: Any, keyed: np.ndarray, group_of: np.ndarray) -> bool:
    """Return whether every project's rows are consecutive and hold one and the same value.

    The usual flat file: then each project simply takes the value of its first row,
    and there is nothing to report, which is quick to establish.
    """

    if len(keyed) < 2:
        return True
    step = np.diff(group_of)
    if (step < 0).any():
        return False
    cells = _arrow(values)
    if len(keyed) != len(values) or keyed[-1] != len(keyed) - 1:
        cells = cells.take(pa.array(keyed, type=pa.int64()))
    equal = pc.equal(cells.slice(1), cells.slice(0, len(cells) - 1))
    equal = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
    return bool((equal | (step != 0)).all())


def _filled(column: pd.Series) -> np.ndarray:
    """Return which cells of a text column are not empty (a missing value is not '')."""
    values = column.array
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        cells = _arrow(values)
        chunks = cells.chunks if isinstance(cells, pa.ChunkedArray) else [cells]
        if all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
            # Read off the cell bounds: a cell is filled when it has a byte. (The
            # empty part stands for a column without chunks.)
            parts = [np.zeros(0, dtype=bool)]
            for chunk in chunks:
                bounds, _ = _text_layout(chunk)
                filled = bounds[1:] != bounds[:-1]
                if chunk.null_count:
                    filled |= ~chunk.is_valid().to_numpy(zero_copy_only=False)
                parts.append(filled)
            return np.concatenate(parts)
    return np.asarray(values != "", dtype=bool)


def _arrow(values: pd.Series | pd.api.extensions.ExtensionArray) -> Any:
    """Return the pyarrow array behind a text column (no copy)."""

    return pa.array(values.array if isinstance(values, pd.Series) else values)


def _texts_at(values: pd.Series, index: np.ndarray) -> list[str]:
    """Return the cells of a text column at ``index`` as Python strings."""

    if not len(index):
        return []
    taken = _arrow(values).take(pa.array(index, type=pa.int64())).to_pylist()
    return ["" if v is None else v for v in taken]


def _index_in(values: pd.Series | pd.api.extensions.ExtensionArray, labels: Any) -> np.ndarray:
    """Return the position of each cell among ``labels`` (text), -1 when absent."""

    value_set = pa.array(np.asarray(labels, dtype=object), type=pa.large_string())
    found = pc.index_in(_arrow(values), value_set=value_set)
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.intp)


def _first_positions(codes: np.ndarray, n_codes: int, *, missing: int = 0) -> np.ndarray:
    """Return, for each code 0..n_codes-1, the position of its first occurrence."""
    first = np.full(n_codes, missing, dtype=np.intp)
    if len(codes):
        if (np.diff(codes) >= 0).all():  # runs of equal codes: each run starts a code
            at = np.flatnonzero(np.diff(codes, prepend=codes[0] - 1) != 0)
        else:
            at = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
        first[codes[at]] = at
    return first


# =========================================================================== assemble


@dataclass
class _Rows:
    """One table's text columns, with provenance and per-row severity marks."""

    table: str
    text: dict[str, pd.Series]
    files: pd.Series
    sheets: pd.Series
    row_numbers: np.ndarray  # int64; meaningless where row_unknown
    row_unknown: np.ndarray
    marks: np.ndarray

    @classmethod
    def of(cls, table: str, frame: pd.DataFrame, fields: Sequence[str]) -> _Rows:
        numbers = frame["source_row"].astype("Int64")
        return cls(
            table=table,
            text={f: frame[f].reset_index(drop=True) for f in fields},
            files=frame["source_file"].reset_index(drop=True),
            sheets=frame["source_sheet"].reset_index(drop=True),
            row_numbers=numbers.to_numpy(dtype=np.int64, na_value=0),
            row_unknown=np.asarray(numbers.isna(), dtype=bool),
            marks=np.zeros(len(frame), dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.marks)

    def values(self, fld: str, index: np.ndarray) -> list[str]:
        """Return the texts of ``fld`` in the rows at ``index``."""
        return _texts_at(self.text[fld], index)

    def number(self, i: int) -> int | None:
        """Return the spreadsheet row number of row ``i`` (``None`` when unknown)."""
        return None if self.row_unknown[i] else int(self.row_numbers[i])

    def numbers_at(self, index: np.ndarray) -> list[int | None]:
        """Return the spreadsheet row numbers of the rows at ``index``."""
        unknown = self.row_unknown[index].tolist()
        return [
            None if u else n for n, u in zip(self.row_numbers[index].tolist(), unknown, strict=True)
        ]


class _Batch:
    """Problems of one check, reported in the order a row-by-row check finds them.

    Kept column-wise (one list per attribute) so that a check can add thousands of
    problems at once with :meth:`add_many`; a problem's order key is ``(row, sub)``.
    """

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows
        self.rows_of: list[int] = []  # the row of each problem
        self.at: list[int] = []  # its order key: (at, sub)
        self.sub: list[int] = []
        self.codes: list[str] = []
        self.fields: list[str] = []
        self.values: list[str] = []
        self.messages: list[str] = []
        self.severities: list[Severity] = []

    def add(
        self,
        key: tuple[int, ...],
        i: int,
        code: str,
        *,
        fld: str,
        value: str,
        message: str,
        severity: Severity = "warning",
    ) -> None:
        """Add a problem of row ``i``; ``key`` (``(i,)`` or ``(i, sub)``) orders them."""
        self.at.append(key[0])
        self.sub.append(key[1] if len(key) > 1 else 0)
        self.codes.append(code)
        self.fields.append(fld)
        self.values.append(value)
        self.messages.append(message)
        self.severities.append(severity)
        self.rows_of.append(i)

    def add_many(
        self,
        index: Sequence[int],
        code: Sequence[str],
        *,
        fld: Sequence[str],
        value: Sequence[str],
        message: Sequence[str],
        sub: int = 0,
        severity: Severity = "warning",
    ) -> None:
        """Add one problem for every row in ``index``, ordered by ``(row, sub)``."""
        self.at.extend(index)
        self.sub.extend([sub] * len(index))
        self.codes.extend(code)
        self.fields.extend(fld)
        self.values.extend(value)
        self.messages.extend(message)
        self.severities.extend([severity] * len(index))
        self.rows_of.extend(index)

    def add_texts(
        self,
        index: np.ndarray,
        code: str,
        *,
        fld: str,
        texts: Sequence[str],
        message: Callable[[str], str],
        sub: int = 0,
        severity: Severity = "warning",
    ) -> None:
        """Add a problem for every row in ``index`` whose cell holds ``texts[k]``.

        The message depends on the text only, so it is written once per distinct text.
        """
        messages = {text: message(text) for text in dict.fromkeys(texts)}
        self.add_many(
            index.tolist(),
            [code] * len(texts),
            fld=[fld] * len(texts),
            value=list(texts),
            message=[messages[text] for text in texts],
            sub=sub,
            severity=severity,
        )

    def add_rows(
        self,
        mask: np.ndarray,
        sub: int,
        code: str,
        *,
        fld: str,
        message: str,
        severity: Severity = "warning",
    ) -> None:
        """Add the same problem, with an empty value, for every row in ``mask``."""
        index = np.flatnonzero(mask).tolist()
        n = len(index)
        self.add_many(
            index,
            [code] * n,
            fld=[fld] * n,
            value=[""] * n,
            message=[message] * n,
            sub=sub,
            severity=severity,
        )


class _Checker:
    """Collects row problems into the report and marks the rows they belong to."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def flush(self, batch: _Batch) -> None:
        """Report the problems of a check in their row-by-row order."""
        if not batch.at:
            return
        rows = batch.rows
        # A stable sort on (key row, sub): problems with equal keys keep their order.
        order = np.lexsort((np.asarray(batch.sub), np.asarray(batch.at)))
        index = np.asarray(batch.rows_of, dtype=np.intp)[order]
        errors = [s == "error" for s in batch.severities]
        severities = np.where(np.asarray(errors, dtype=bool), 2, 1).astype(np.int8)
        np.maximum.at(rows.marks, index, severities[order])
        headers = {fld: self.ctx.headers.get((rows.table, fld), fld) for fld in set(batch.fields)}

        def make() -> list[Problem]:
            files = _texts_at(rows.files, index)
            sheets = _texts_at(rows.sheets, index)
            numbers = rows.numbers_at(index)
            return [
                Problem(
                    batch.severities[j],
                    batch.codes[j],
                    batch.messages[j],
                    files[k],
                    sheets[k] or None,
                    numbers[k],
                    headers[batch.fields[j]],
                    batch.values[j],
                    batch.fields[j],
                )
                for k, j in enumerate(order.tolist())
            ]

        report = self.ctx.report
        if any(errors):
            for problem in make():
                report.add(problem)
        else:
            # Warnings only (the usual case): their objects are made when first read.
            report._add_warnings(make)

    def column(self, table: str, fld: str) -> str:
        """Return "Kolom 'header'" for a message."""
        return f"Kolom '{self.ctx.headers.get((table, fld), fld)}'"


def _assemble(
    projects: pd.DataFrame,
    partners: pd.DataFrame,
    *,
    ctx: _Context,
    form: Form,
    source_name: str,
    fixes: Mapping[tuple[str, str], str] | None,
    reference: Reference | None,
    settings: Settings,
) -> PartnershipData:
    """Validate the text tables, add codes and locations, and build the result."""
    report = ctx.report
    check = _Checker(ctx)
    prj = _Rows.of("projects", projects, _schema.PROJECT_FIELDS)
    prt = _Rows.of("partners", partners, _schema.PARTNER_FIELDS)
    if len(prj) == 0 and not report.errors:
        report.add(
            Problem(
                "error",
                "no_projects",
                "Er staan geen projecten in het bestand: onder de kopregel zijn alle rijen leeg.",
                source_name,
            )
        )
    # Keying organisations and matching the vocabulary (mostly pyarrow kernels, which
    # release the GIL) run beside the gazetteer (Python) below. Problems are still
    # reported in the order a reader checks a row.
    ids = _ProjectIds.of(prj, prt)  # coded once, for the checks and the lead keys
    pool = ThreadPoolExecutor(max_workers=1)
    vocabulary = pool.submit(_match_vocabulary, prj, prt)  # needed first
    organisation_keys = pool.submit(_organisation_keys_of, prj, prt, ids)
    pool.shutdown(wait=False)  # the submitted work goes on; nothing more is accepted
    _check_projects(prj, check, ids)
    _check_partners(
        prt,
        check,
        ids,
        project_ids_present="project_id" in ctx.present.get("projects", set()),
    )
    year_int, subsidy = _numbers(prj, check)

    # One gazetteer call for leads and partners: each distinct place is resolved once.
    places = pd.DataFrame(
        {
            "place": _concat_text(prj.text["lead_municipality"], prt.text["municipality"]),
            "postcode": _concat_text(prj.text["lead_postcode"], prt.text["postcode"]),
            "country": _concat_text(_constant_column("", len(prj)), prt.text["country"]),
        }
    )
    located = _resolve(places, fixes=fixes, reference=reference, settings=settings)
    matched = vocabulary.result()
    _report_vocabulary(prj, prt, check, matched)
    lead_sectors, target_codes = matched.lead_sectors, matched.target_codes
    sectors, roles = matched.sectors, matched.roles
    is_lead = _partner_is_lead(prt, check, organisation_keys.result(), ids)
    lead_loc = located.rows(0, len(prj))
    partner_loc = located.rows(len(prj), len(prj) + len(prt))
    _location_problems(
        prj, lead_loc, check, place_field="lead_municipality", postcode_field="lead_postcode"
    )
    _location_problems(
        prt, partner_loc, check, place_field="municipality", postcode_field="postcode"
    )

    columns: dict[str, Any] = {f: projects[f].array for f in _schema.PROJECT_FIELDS}
    columns["year_int"] = year_int
    columns["subsidy"] = subsidy
    columns["lead_sector_code"] = lead_sectors["sector"].array
    columns["lead_sector_group"] = lead_sectors["sector_group"].array
    columns["lead_local_cultural_actor"] = lead_sectors["local_cultural_actor"].to_numpy(dtype=bool)
    columns["target_group_codes"] = target_codes.to_numpy(dtype=object)
    for name, column in _LOCATION_OUTPUT.items():
        columns[f"lead_{name}"] = lead_loc.column(column)
    columns["row_status"] = _statuses(prj.marks)
    for name in (*_schema.SOURCE_FIELDS, *ctx.extras.get("projects", [])):
        columns[name] = _output_column(projects[name])
    out_projects = pd.DataFrame(columns, index=projects.index)

    columns = {f: partners[f].array for f in _schema.PARTNER_FIELDS}
    columns["sector_code"] = sectors["sector"].array
    columns["sector_group"] = sectors["sector_group"].array
    columns["local_cultural_actor"] = sectors["local_cultural_actor"].to_numpy(dtype=bool)
    columns["role_code"] = roles["role"].array
    for name, column in _LOCATION_OUTPUT.items():
        columns[f"partner_{name}"] = partner_loc.column(column)
    columns["is_lead_itself"] = is_lead
    columns["row_status"] = _statuses(prt.marks)
    for name in (*_schema.SOURCE_FIELDS, *ctx.extras.get("partners", [])):
        columns[name] = _output_column(partners[name])
    out_partners = pd.DataFrame(columns, index=partners.index)

    report.location_counts = located.counts()
    report._sort()
    return PartnershipData(
        projects=out_projects,
        partners=out_partners,
        report=report,
        source_name=source_name,
        form=form,
        raw_projects=projects.copy(),
        raw_partners=partners.copy(),
    )


def _output_column(values: pd.Series) -> Any:
    """Return a source or extra column for the output: text as text, row numbers as numbers."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.array
    return values.to_numpy()


def _concat_text(first: pd.Series, second: pd.Series) -> pd.Series:
    return pd.concat([first, second], ignore_index=True)


@dataclass(frozen=True)
class _ProjectIds:
    """The project ids of both tables as codes: each id hashed once per import."""

    codes: np.ndarray  # per project row: the position of its id among ``ids``
    ids: Any  # the distinct ids of the projects table, in order of appearance
    first: np.ndarray  # per distinct id: its first project row
    partner_codes: np.ndarray  # per partner row: a code of its id text
    at: np.ndarray  # per partner row: the position of its id among ``ids``, -1 if none

    @classmethod
    def of(cls, prj: _Rows, prt: _Rows) -> _ProjectIds:
        codes, ids = pd.factorize(prj.text["project_id"].array)
        codes = np.asarray(codes, dtype=np.intp)
        cells = _arrow(prt.text["project_id"])
        if isinstance(cells, pa.ChunkedArray):
            cells = cells.combine_chunks()
        encoded = pc.dictionary_encode(pc.fill_null(cells, ""))
        partner_codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)
        at = _index_in(encoded.dictionary, ids)[partner_codes]
        if cells.null_count:
            at[~cells.is_valid().to_numpy(zero_copy_only=False)] = -1  # missing matches no id
        return cls(codes, ids, _first_positions(codes, len(ids)), partner_codes, at)


def _check_projects(prj: _Rows, check: _Checker, ids: _ProjectIds) -> None:
    """Report empty required values and duplicate ids."""
    present = check.ctx.present.get("projects", set())
    text = prj.text
    batch = _Batch(prj)
    for sub, fld in enumerate(("project_id", "title", "lead_organisation")):
        if fld in present:
            batch.add_rows(
                ~_filled(text[fld]),
                sub,
                "empty_required",
                fld=fld,
                severity="error",
                message=f"{check.column('projects', fld)} is verplicht maar leeg.",
            )
    if "lead_municipality" in present or "lead_postcode" in present:
        batch.add_rows(
            ~_filled(text["lead_municipality"]) & ~_filled(text["lead_postcode"]),
            3,
            "empty_required",
            fld="lead_municipality",
            severity="error",
            message=f"{check.column('projects', 'lead_municipality')} is verplicht (of de "
            "postcode van de aanvrager) maar leeg.",
        )
    pid = text["project_id"]
    codes, first = ids.codes, ids.first
    duplicate = _filled(pid) & (first[codes] != np.arange(len(codes)))
    index = np.flatnonzero(duplicate)
    for i, value in zip(index.tolist(), prj.values("project_id", index), strict=True):
        batch.add(
            (i, 4),
            i,
            "duplicate_project_id",
            fld="project_id",
            value=value,
            severity="error",
            message=f"Projectnummer '{value}' komt al voor in rij "
            f"{prj.number(int(first[codes[i]]))}; "
            "elk project moet een eigen, uniek nummer hebben.",
        )
    check.flush(batch)


def _check_partners(
    prt: _Rows, check: _Checker, ids: _ProjectIds, *, project_ids_present: bool
) -> None:
    present = check.ctx.present.get("partners", set())
    pid = prt.text["project_id"]
    empty = ~_filled(pid)
    batch = _Batch(prt)
    if "project_id" in present:
        batch.add_rows(
            empty,
            0,
            "empty_required",
            fld="project_id",
            severity="error",
            message=f"{check.column('partners', 'project_id')} is verplicht maar leeg: bij "
            "welk project hoort deze partner?",
        )
    if project_ids_present:
        unknown = ~empty & (ids.at < 0)  # an empty id is reported above, not here
        index = np.flatnonzero(unknown)
        batch.add_texts(
            index,
            "unknown_project",
            fld="project_id",
            texts=prt.values("project_id", index),
            message=lambda value: (
                f"Projectnummer '{value}' bestaat niet bij de projecten; "
                "controleer het nummer of voeg het project toe."
            ),
            severity="error",
        )
    if "organisation" in present:
        batch.add_rows(
            ~_filled(prt.text["organisation"]),
            1,
            "empty_required",
            fld="organisation",
            severity="error",
            message=f"{check.column('partners', 'organisation')} is verplicht maar leeg.",
        )
    check.flush(batch)


def _numbers(prj: _Rows, check: _Checker) -> tuple[pd.api.extensions.ExtensionArray, np.ndarray]:
    """Parse year and subsidy; a round such as 2021-1 gives the year when that is empty."""
    n = len(prj)
    batch = _Batch(prj)
    # Each distinct text is read once: -1 empty, -2 not a year, else the year.
    year_codes, year_texts = _distinct(prj.text["year"])
    year_of = np.array([_year_of(t) for t in year_texts], dtype=np.int64)
    round_codes, round_texts = _distinct(prj.text["round"])
    round_year = np.array([_round_year(t) for t in round_texts], dtype=np.int64)
    years = year_of[year_codes] if n else np.zeros(0, dtype=np.int64)
    from_round = years == -1
    years[from_round] = round_year[round_codes[from_round]]
    invalid = np.flatnonzero(years == -2)
    batch.add_texts(
        invalid,
        "invalid_year",
        fld="year",
        texts=prj.values("year", invalid),
        message=lambda text: f"Jaar '{text}' is geen jaartal; verwacht vier cijfers, bv. 2021.",
    )
    amount_codes, amount_texts = _distinct(prj.text["subsidy_eur"])
    amounts = [_parse_amount(t) if t else math.nan for t in amount_texts]
    amount_of = np.array([math.nan if a is None else a for a in amounts], dtype=float)
    bad_amount = np.array([a is None for a in amounts], dtype=bool)
    subsidy = amount_of[amount_codes] if n else np.zeros(0, dtype=float)
    not_numeric = np.flatnonzero(bad_amount[amount_codes]) if n else _NO_ROWS
    batch.add_texts(
        not_numeric,
        "non_numeric_amount",
        fld="subsidy_eur",
        texts=prj.values("subsidy_eur", not_numeric),
        message=lambda text: (
            f"Subsidie '{text}' is geen bedrag; verwacht een getal in "
            "euro, bv. 75000 of 75.000,00. Het bedrag blijft leeg."
        ),
        sub=1,
    )
    check.flush(batch)
    missing = years < 0
    year_int = pd.arrays.IntegerArray(np.where(missing, 0, years).astype(np.int64), missing)
    return year_int, subsidy


_NO_ROWS = np.zeros(0, dtype=np.intp)


def _distinct(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Return per row the position of its text among the distinct texts, and those texts."""
    codes, uniques = pd.factorize(values.array)
    return np.asarray(codes, dtype=np.intp), [str(u) for u in uniques.tolist()]


def _year_of(text: str) -> int:
    if not text:
        return -1
    if _YEAR.fullmatch(text) and 1900 <= int(text) <= 2100:
        return int(text)
    return -2


def _round_year(text: str) -> int:
    match = re.match(r"(\d{4})", text)
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    return -3


@dataclass(frozen=True)
class _Matched:
    """Sectors, target groups and roles matched to the vocabulary (nothing reported yet)."""

    lead_sectors: pd.DataFrame
    target_codes: pd.Series
    sectors: pd.DataFrame
    roles: pd.DataFrame


def _match_vocabulary(prj: _Rows, prt: _Rows) -> _Matched:
    """Match sectors, roles and target groups (no report: it can run beside other work)."""
    return _Matched(
        match_sectors(prj.text["lead_sector"]),
        parse_target_groups(prj.text["target_groups"]),
        match_sectors(prt.text["sector"]),
        match_roles(prt.text["role"]),
    )


def _report_vocabulary(prj: _Rows, prt: _Rows, check: _Checker, matched: _Matched) -> None:
    """Report the sectors, target groups and roles that match nothing, row by row."""
    lead_sectors, target_codes = matched.lead_sectors, matched.target_codes
    _report_unknown(prj, check, lead_sectors["sector"], code="unknown_sector", fld="lead_sector")
    # Which parts of a cell are unknown depends on the cell's text only: look at each
    # distinct text once (at its first row), then list the rows that hold it.
    known = load_vocabulary().target_groups
    cell_codes = _dictionary_codes(_arrow(prj.text["target_groups"]))
    n_cells = int(cell_codes.max()) + 1 if len(cell_codes) else 0
    cells = cast(list[tuple[str, ...]], target_codes.tolist())
    distinct = [cells[r] for r in _first_positions(cell_codes, n_cells).tolist()]
    batch = _Batch(prj)
    # Part k of a cell: the rows whose cell has an unknown k-th part, all at once.
    for k in range(max((len(parts) for parts in distinct), default=0)):
        part = np.array([p[k] if k < len(p) else "" for p in distinct], dtype=object)
        unknown = np.array([p != "" and p not in known for p in part], dtype=bool)
        rows = np.flatnonzero(unknown[cell_codes])
        batch.add_texts(
            rows,
            "unknown_target_group",
            fld="target_groups",
            texts=part[cell_codes[rows]].tolist(),
            message=lambda code: (
                f"Doelgroep '{code}' is niet bekend; ze blijft zo staan. "
                "Scheid doelgroepen met ';'."
            ),
            sub=k,
        )
    check.flush(batch)
    _report_unknown(prt, check, matched.sectors["sector"], code="unknown_sector", fld="sector")
    _report_unknown(prt, check, matched.roles["role"], code="unknown_role", fld="role")


_UNKNOWN_TERM = {"unknown_sector": "Sector", "unknown_role": "Rol"}


def _report_unknown(
    rows: _Rows, check: _Checker, matched: pd.Series, *, code: str, fld: str
) -> None:
    """Warn for every row whose sector or role text matched nothing in the vocabulary."""
    index = np.flatnonzero(np.asarray(matched == UNKNOWN, dtype=bool))
    term = _UNKNOWN_TERM[code]
    batch = _Batch(rows)
    batch.add_texts(
        index,
        code,
        fld=fld,
        texts=rows.values(fld, index),
        message=lambda text: (
            f"{term} '{text}' is niet bekend; ze blijft zo staan en telt als "
            "'onbekend'. Kies een waarde uit de lijst van het sjabloon."
        ),
    )
    check.flush(batch)


@dataclass(frozen=True)
class _OrganisationKeys:
    """The organisation keys of the project leads and the partners, as codes."""

    lead_keys: np.ndarray  # key code of the lead of each distinct project id (_ProjectIds)
    keys: np.ndarray  # key code of each partner row
    texts: Any  # the keys by code (pyarrow text)


def _organisation_keys_of(prj: _Rows, prt: _Rows, ids: _ProjectIds) -> _OrganisationKeys:
    """Key the leads and partners (pyarrow kernels only: it can run beside other work)."""
    # The lead of each project id (its first project row), compared as organisation key.
    first = ids.first
    # Leads and partners are keyed in one go, so that equal keys get equal codes and
    # the comparisons below are on integers, not on 100,000 Python strings.
    key_codes, key_texts = _organisation_key_codes(
        [
            _arrow(prj.text["lead_organisation"]).take(pa.array(first, type=pa.int64())),
            _arrow(prt.text["organisation"]),
        ]
    )
    return _OrganisationKeys(key_codes[: len(first)], key_codes[len(first) :], key_texts)


def _partner_is_lead(
    prt: _Rows, check: _Checker, keyed: _OrganisationKeys, ids: _ProjectIds
) -> np.ndarray:
    """Flag partners that are their project's lead, and partners listed twice."""
    lead_keys, keys, key_texts = keyed.lead_keys, keyed.keys, keyed.texts
    pid = prt.text["project_id"]
    at = ids.at
    found = at >= 0
    empty_key = _code_of(key_texts, "")
    usable = (keys != empty_key) & _filled(pid)
    same_as_lead = np.zeros(len(pid), dtype=bool)
    same_as_lead[found] = lead_keys[at[found]] == keys[found]
    is_lead = usable & same_as_lead
    # A partner named twice in one project: the same (project id, key) pair again.
    rest = np.flatnonzero(usable & ~is_lead)
    pid_codes = ids.partner_codes
    pair_codes, pairs = pd.factorize(
        pid_codes[rest].astype(np.int64) * max(len(key_texts), 1) + keys[rest]
    )
    pair_codes = np.asarray(pair_codes, dtype=np.intp)
    pair_first = _first_positions(pair_codes, len(pairs))
    repeated = pair_first[pair_codes] != np.arange(len(rest))
    first_row = dict(
        zip(rest[repeated].tolist(), rest[pair_first[pair_codes[repeated]]].tolist(), strict=True)
    )
    batch = _Batch(prt)
    flagged = np.sort(np.concatenate([np.flatnonzero(is_lead), rest[repeated]]))
    orgs = prt.values("organisation", flagged)
    pids = prt.values("project_id", flagged)
    for i, org, p in zip(flagged.tolist(), orgs, pids, strict=True):
        if is_lead[i]:
            batch.add(
                (i,),
                i,
                "partner_is_lead",
                fld="organisation",
                value=org,
                message=f"Partner '{org}' is ook de aanvrager van project '{p}'; de aanvrager "
                "hoeft niet als partner vermeld te worden. De rij blijft, gemarkeerd als "
                "aanvrager.",
            )
        else:
            batch.add(
                (i,),
                i,
                "duplicate_partner",
                fld="organisation",
                value=org,
                message=f"Partner '{org}' staat al bij project '{p}' in rij "
                f"{prt.number(first_row[i])}.",
            )
    check.flush(batch)
    return np.asarray(is_lead, dtype=bool)


_LOCATION_OUTPUT = {
    "nis": "nis",
    "name": "municipality",
    "status": "status",
    "region": "region",
    "score": "score",
    "candidates": "candidates",
    "note": "note",
    "location": "location",
}


def _statuses(marks: np.ndarray) -> Any:
    return _labels(["ok", "warning", "error"], marks)


def _problem_order(p: Problem) -> tuple[str, str, int]:
    return (p.file, p.sheet or "", -1 if p.row is None else p.row)


def _organisation_key(name: object) -> str:
    """Compare organisation names without case, accents, punctuation or legal form (vzw)."""
    words = [w for w in normalise_term(name).split(" ") if w and w not in _LEGAL_FORMS]
    return " ".join(words)


def _organisation_keys(names: pd.Series) -> np.ndarray:
    """Return :func:`_organisation_key` of every name (an object array)."""
    codes, texts = _organisation_key_codes([_arrow(names)])
    keys = np.asarray(texts.to_pylist(), dtype=object)
    return keys[codes] if len(keys) else np.zeros(len(codes), dtype=object)


def _organisation_key_codes(parts: Sequence[Any]) -> tuple[np.ndarray, Any]:
    """Key the names of the pyarrow text arrays ``parts``, concatenated.

    Returns, per name, a code and the keys by code (a pyarrow array): two names have
    the same code exactly when their :func:`_organisation_key` is the same.

    Each distinct name is keyed once: ASCII names, nearly all of them, with
    :func:`_ascii_organisation_keys`, other names one by one.
    """
    chunks: list[Any] = []
    for part in parts:
        text = part.cast(pa.large_string())
        chunks.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
    names = pa.chunked_array(chunks, type=pa.large_string()).combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(names, ""))
    texts = encoded.dictionary.cast(pa.string())  # the kernels below take 32-bit offsets
    ascii_mask = pc.string_is_ascii(texts)
    keys = texts
    if pc.any(ascii_mask).as_py():
        keys = pc.replace_with_mask(
            keys, ascii_mask, _ascii_organisation_keys(pc.filter(texts, ascii_mask))
        )
    other = pc.invert(ascii_mask)
    if pc.any(other).as_py():
        by_hand = [_organisation_key(t) for t in pc.filter(texts, other).to_pylist()]
        keys = pc.replace_with_mask(keys, other, pa.array(by_hand, type=pa.string()))
    keyed = pc.dictionary_encode(keys)
    key_of_text = keyed.indices.to_numpy(zero_copy_only=False)
    codes = np.asarray(key_of_text[encoded.indices.to_numpy(zero_copy_only=False)], dtype=np.intp)
    return codes, keyed.dictionary


def _ascii_organisation_keys(texts: Any) -> Any:
    """Return :func:`_organisation_key` of each ASCII name of a pyarrow text array.

    What :func:`normalise_term` does to ASCII (lowercase; anything but letters and
    digits a space) is one byte table over the text; the words are then split on
    spaces, empty words and legal forms dropped, and the rest joined by one space.
    A missing name keys as an empty one.
    """
    texts = pc.fill_null(texts.cast(pa.string()), "")  # the byte table reads 32-bit offsets
    _, data = _text_layout(texts)
    if not len(data):
        return pa.array([""] * len(texts), type=pa.string())
    spaced = pa.StringArray.from_buffers(
        len(texts), texts.buffers()[1], pa.py_buffer(_ASCII_KEY_BYTES[data]), offset=texts.offset
    )
    lists = pc.split_pattern(spaced, " ")
    words = pc.list_flatten(lists)
    owner = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    keep = pc.and_(pc.not_equal(words, ""), pc.invert(pc.is_in(words, value_set=_LEGAL_FORM_TEXTS)))
    kept_owner = owner[keep.to_numpy(zero_copy_only=False)]
    offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(np.bincount(kept_owner, minlength=len(texts)), out=offsets[1:])
    kept = pa.ListArray.from_arrays(pa.array(offsets), words.filter(keep))
    return pc.binary_join(kept, " ")


_ASCII_KEY_BYTES = np.full(256, ord(" "), dtype=np.uint8)
for _byte in b"0123456789abcdefghijklmnopqrstuvwxyz":
    _ASCII_KEY_BYTES[_byte] = _byte
for _byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_KEY_BYTES[_byte] = _byte + 32
_LEGAL_FORM_TEXTS = pa.array(sorted(_LEGAL_FORMS), type=pa.string())


def _dictionary_codes(values: Any) -> np.ndarray:
    """Return per cell of a pyarrow text array the code of its text (equal texts, equal codes)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(pc.fill_null(values, ""))
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.intp)


def _code_of(texts: Any, text: str) -> int:
    """Return the position of ``text`` in the pyarrow text array ``texts``, -1 when absent."""
    return int(pc.index(texts, text).as_py())


def _parse_amount(text: str) -> float | None:
    """Read an amount in euro: 75000, 75.000, 75 000, € 75.000,50, 75,000.50, 1,5."""
    t = re.sub(r"(?i)eur(o)?|€|\s|'|’", "", text)
    if not t or not re.fullmatch(r"[+-]?[\d.,]+", t) or not re.search(r"\d", t):
        return None
    if "," in t and "." in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif "," in t:
        t = t.replace(",", "") if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
    elif "." in t and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", t):
        # Flemish thousands: 75.000 is seventy-five thousand euro, not 75.
        t = t.replace(".", "")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _resolve(
    places: pd.DataFrame,
    *,
    fixes: Mapping[tuple[str, str], str] | None,
    reference: Reference | None,
    settings: Settings,
) -> _Located:
    """Resolve every (place, postcode, country) with the gazetteer; add the location class.

    Everything is decided per distinct place; rows only carry a code.
    """
    found = resolve_distinct(
        places,
        place="place",
        postcode="postcode",
        country="country",
        fixes=fixes,
        reference=reference,
        settings=settings,
    )
    values = {name: found.values(name) for name in RESULT_COLUMNS}
    # Per distinct place (a missing cell, NA, counts as written, as _filled has it).
    blank = [all(v == "" for v in triple) for triple in found.triples]
    if any(blank):
        # A row without any location text is unresolved and has nothing to note (it is
        # reported elsewhere). The gazetteer answers it so already, only with a note,
        # unless a fix was given for the empty text.
        reset = _BLANK_LOCATION if fixes and ("", "") in fixes else {"note": ""}
        for name, empty in reset.items():
            values[name] = [empty if b else v for v, b in zip(values[name], blank, strict=True)]
    values["location"] = [
        _location_class(status, region)
        for status, region in zip(values["status"], values["region"], strict=True)
    ]
    no_text = [place == "" and postcode == "" for place, postcode, _ in found.triples]
    return _Located(found, values, np.asarray(no_text, dtype=bool))


def _location_class(status: str, region: str) -> str:
    """The :data:`LOCATION_CLASSES` value of a gazetteer answer."""
    if status == "ambiguous":
        return "ambiguous"
    if region == "abroad":
        return "abroad"
    if status == "unresolved":
        return "unresolved"
    if region in ("flanders", "brussels"):
        return "resolved"
    if region == "wallonia":
        return "wallonia"
    return "unresolved"


@dataclass(frozen=True)
class _Located:
    """The gazetteer's answers per distinct place, and which place each row has."""

    found: DistinctPlaces
    values: dict[str, list[Any]]  # per distinct place: RESULT_COLUMNS and "location"
    no_text: np.ndarray  # per distinct place: neither a place nor a postal code written

    def rows(self, start: int, stop: int) -> _LocatedRows:
        return _LocatedRows(self, self.found.codes[start:stop])

    def counts(self) -> dict[str, int]:
        """Every row counted once, by location class."""
        per_place = np.bincount(self.found.codes, minlength=len(self.found.triples))
        counts = dict.fromkeys(LOCATION_CLASSES, 0)
        for cls, n in zip(self.values["location"], per_place.tolist(), strict=True):
            counts[cls] += n
        return counts


@dataclass(frozen=True)
class _LocatedRows:
    """The locations of some rows (leads or partners)."""

    located: _Located
    codes: np.ndarray  # per row: its distinct place

    def column(self, name: str) -> Any:
        """The output column ``name`` per row."""
        values = self.located.values[name]
        if name == "score":
            return np.asarray(values, dtype=np.int64)[self.codes]
        return _labels(values, self.codes)

    def where(self, name: str, *texts: str) -> np.ndarray:
        """Per distinct place, whether field ``name`` is one of ``texts``."""
        return np.asarray([v in texts for v in self.located.values[name]], dtype=bool)


def _labels(labels: list[str], codes: np.ndarray) -> Any:
    """Return ``labels[code]`` for every code, as a text column (built in pyarrow)."""

    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.array(taken, dtype=TEXT)


_BLANK_LOCATION: dict[str, Any] = {
    "nis": "",
    "municipality": "",
    "status": "unresolved",
    "region": "",
    "score": 0,
    "candidates": "",
    "note": "",
}


def _location_problems(
    rows: _Rows,
    loc: _LocatedRows,
    check: _Checker,
    *,
    place_field: str,
    postcode_field: str,
) -> None:
    """Report lead or partner locations that are not placed, or placed with doubt."""
    # Flags per distinct place first, then per row through the place codes.
    ambiguous_p = loc.where("location", "ambiguous")
    unresolved_p = loc.where("location", "unresolved")
    wallonia_p = loc.where("location", "wallonia")
    no_text_p = loc.located.no_text
    leads = rows.table == "projects"
    # An empty lead location is already an empty_required error.
    silent_p = unresolved_p & no_text_p & leads
    outside_p = leads & (wallonia_p | loc.where("location", "abroad"))
    fuzzy_p = loc.where("status", "fuzzy")
    reported_p = ambiguous_p | (unresolved_p & ~silent_p) | outside_p | fuzzy_p
    index = np.flatnonzero(reported_p[loc.codes])
    if not len(index):
        return
    # The message of a row depends only on its place (texts, answer, flags), and a
    # file has far fewer places than rows: each place's message is written once (for
    # its first row) and copied to the other rows of that place.
    case, shown_places = pd.factorize(loc.codes[index])  # per row: its place's case
    shown_rows = index[_first_positions(np.asarray(case, dtype=np.intp), len(shown_places))]
    places = rows.values(place_field, shown_rows)
    postcodes = rows.values(postcode_field, shown_rows)
    answer = loc.located.values
    who = "de aanvrager" if rows.table == "projects" else "de partner"
    cases: list[tuple[str, str, str, str]] = []  # per place: code, field, value, message
    for k, p in enumerate(shown_places.tolist()):
        place, postcode, note = places[k], postcodes[k], answer["note"][p]
        shown = place or postcode
        fld = place_field if place else postcode_field
        if place:
            what = f"'{place}'" + (f" (postcode {postcode})" if postcode else "")
        else:
            what = f"met postcode '{postcode}'"
        if ambiguous_p[p]:
            cases.append(
                (
                    "ambiguous_location",
                    fld,
                    shown,
                    f"Locatie {what} van {who} is dubbelzinnig: "
                    f"{note or 'meerdere gemeenten mogelijk'}. Vul de postcode in of kies de "
                    "gemeente bij 'Locaties herstellen'.",
                )
            )
        elif unresolved_p[p] and no_text_p[p]:
            cases.append(
                (
                    "unresolved_location",
                    place_field,
                    "",
                    "Geen gemeente en geen postcode ingevuld voor de partner; de partner "
                    "staat niet op de kaart tot de locatie is aangevuld.",
                )
            )
        elif unresolved_p[p]:
            cases.append(
                (
                    "unresolved_location",
                    fld,
                    shown,
                    f"Locatie {what} van {who} is niet gevonden"
                    + (f" ({note})" if note and "niet gevonden" not in note else "")
                    + ". Verwacht een gemeente, deelgemeente, postcode of NIS-code; herstel de "
                    "locatie bij 'Locaties herstellen'.",
                )
            )
        elif outside_p[p]:
            where = "in Wallonië" if wallonia_p[p] else "in het buitenland"
            cases.append(
                (
                    "lead_outside_flanders",
                    fld,
                    shown,
                    f"De aanvrager ligt {where} ({answer['municipality'][p]}); "
                    "aanvragers horen in Vlaanderen of Brussel gevestigd te zijn.",
                )
            )
        else:
            cases.append(
                (
                    "fuzzy_location",
                    fld,
                    shown,
                    f"Locatie {what} gelezen als {answer['municipality'][p]} "
                    f"(zekerheid {answer['score'][p]} %); "
                    "controleer dit.",
                )
            )
    # Each row takes its place's case.
    codes, fields, values, messages = (
        np.asarray(column, dtype=object)[case].tolist() for column in zip(*cases, strict=True)
    )
    batch = _Batch(rows)
    batch.add_many(index.tolist(), codes, fld=fields, value=values, message=messages)
    check.flush(batch)


def _text_series(values: pd.Series) -> pd.Series:
    """Return values as stripped text (``str``); missing values as ``""``."""
    if isinstance(values.dtype, pd.StringDtype):
        text = values.astype(TEXT).fillna("").str.strip(_PY_WHITESPACE)
        return text.reset_index(drop=True)
    obj = values.astype(object)
    stripped = obj.where(obj.notna(), "").map(lambda v: str(v).strip())
    return _text_column(stripped.to_numpy(dtype=object))


# =========================================================================== CLI


def validate_file(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    fixes: Mapping[tuple[str, str], str] | None = None,
    settings: Settings | None = None,
) -> tuple[PartnershipData | None, int, str | None]:
    """Read and validate a file for the command line (``columns`` as in :func:`read_partnerships`).

    Returns
    -------
    tuple
        ``(data, exit_code, message)``: exit code 0 without errors (warnings allowed),
        1 with errors, 2 when the file cannot be read (``data`` is ``None`` and
        ``message`` is the one-line reason).
    """
    try:
        data = read_partnerships(path, columns=columns, fixes=fixes, settings=settings)
    except InputError as exc:
        return None, 2, f"InputError: {' '.join(str(exc).split())}"
    return data, (0 if data.report.ok else 1), None


_CODE_TITLES_NL = {
    "missing_column": "Ontbrekende kolommen",
    "missing_sheet": "Ontbrekend blad",
    "empty_sheet": "Leeg blad",
    "no_projects": "Geen projecten",
    "empty_required": "Verplichte waarde leeg",
    "duplicate_project_id": "Dubbel projectnummer",
    "unknown_project": "Onbekend project",
    "ambiguous_location": "Dubbelzinnige locatie",
    "unresolved_location": "Locatie niet gevonden",
    "fuzzy_location": "Locatie met tikfout verbeterd",
    "lead_outside_flanders": "Aanvrager buiten Vlaanderen en Brussel",
    "unknown_sector": "Onbekende sector",
    "unknown_role": "Onbekende rol",
    "unknown_target_group": "Onbekende doelgroep",
    "non_numeric_amount": "Bedrag is geen getal",
    "invalid_year": "Ongeldig jaar",
    "partner_is_lead": "Partner is de aanvrager zelf",
    "duplicate_partner": "Partner dubbel vermeld",
    "conflicting_project_values": "Tegenstrijdige projectgegevens",
    "unknown_column": "Onbekende kolom",
    "unnamed_column": "Kolom zonder naam",
    "duplicate_column": "Dubbele kolom",
}
_SHOWN_PER_CODE = 10


def validate_command(
    path: Path,
    *,
    as_json: bool,
    out: TextIO,
    err: TextIO,
    columns: Mapping[str, str] | None = None,
    fixes: Mapping[tuple[str, str], str] | None = None,
    settings: Settings | None = None,
) -> int:
    """Run ``optil-geo validate FILE [--json]``: print the report, return the exit code.

    Parameters
    ----------
    path
        The file (XLSX with two sheets or one flat sheet, or a flat CSV).
    as_json
        Print one JSON object (the contract of :meth:`ValidationReport.to_json_dict`,
        plus ``columns``: the mapping used and a suggested header per field, with its
        reason) instead of the Dutch summary.
    out, err
        Where the report and the one-line failure go.
    columns, fixes, settings
        As in :func:`read_partnerships` (the CLI passes the workspace's fixes).

    Returns
    -------
    int
        0 without errors (warnings allowed), 1 with errors, 2 when unreadable.
    """
    data, code, message = validate_file(path, columns=columns, fixes=fixes, settings=settings)
    if data is None:
        print(message, file=err)
        return code
    if as_json:
        found = preview_columns(path, settings=settings).suggestions
        result = data.to_json_dict() | {
            "columns": {
                "used": dict(columns or {}),
                "suggested": {
                    f: {"header": s.header, "reason": s.reason, "score": s.score}
                    for f, s in found.items()
                },
            }
        }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        out.write(format_report(data))
    return code


def format_report(data: PartnershipData) -> str:
    """Return the compact Dutch text report of an import (the CLI's human output)."""
    report = data.report
    form = "twee tabellen" if data.form == "two_tables" else "één plat blad"
    c = report.location_counts
    lines = [
        f"{data.source_name} ({form}): {len(data.projects)} projecten, "
        f"{len(data.partners)} partners",
        f"Locaties: {c['resolved']} geplaatst, {c['ambiguous']} dubbelzinnig, "
        f"{c['unresolved']} niet gevonden, {c['wallonia']} in Wallonië, "
        f"{c['abroad']} in het buitenland",
    ]
    for title, problems in (("Fouten", report.errors), ("Waarschuwingen", report.warnings)):
        if not problems:
            continue
        lines.append(f"{title}: {len(problems)}")
        by_code: dict[str, list[Problem]] = {}
        for p in problems:
            by_code.setdefault(p.code, []).append(p)
        for code, group in by_code.items():
            lines.append(f"  {_CODE_TITLES_NL.get(code, code)} ({len(group)}×)")
            for p in group[:_SHOWN_PER_CODE]:
                where = " ".join(
                    part
                    for part in (
                        f"blad {p.sheet}" if p.sheet else "",
                        f"rij {p.row}" if p.row is not None else "",
                    )
                    if part
                )
                lines.append(f"    [{where or p.file}] {p.message}")
            if len(group) > _SHOWN_PER_CODE:
                lines.append(f"    … en nog {len(group) - _SHOWN_PER_CODE}")
    if report.ok:
        lines.append("Resultaat: geen fouten, de gegevens kunnen geïmporteerd worden.")
    else:
        n = len(report.errors)
        lines.append(f"Resultaat: import geweigerd ({n} {'fout' if n == 1 else 'fouten'}).")
    return "\n".join(lines) + "\n"


# =========================================================================== writing


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


# --------------------------------------------------------------------------- template


def column_help(form: Form = "two_tables") -> pd.DataFrame:
    """Return the Dutch explanation of every input column (the template's ``uitleg`` sheet).

    Columns: Blad, Kolom, Verplicht, Uitleg, Voorbeeld, Aanvaarde kolomnamen.
    """
    records = []
    parts: list[tuple[str, tuple[Column, ...]]] = (
        [("projects", _schema.PROJECT_COLUMNS), ("partners", _schema.PARTNER_COLUMNS)]
        if form == "two_tables"
        else [("partnerschappen", _schema.FLAT_COLUMNS)]
    )
    for sheet, columns in parts:
        for col in columns:
            required = "ja" if col.required else "nee"
            if col.name in _schema.LEAD_LOCATION_ALTERNATIVE:
                required = "ja, of de postcode"
            records.append(
                {
                    "Blad": sheet,
                    "Kolom": col.header_nl,
                    "Verplicht": required,
                    "Uitleg": col.description_nl,
                    "Voorbeeld": col.example,
                    "Aanvaarde kolomnamen": ", ".join(col.accepted()),
                }
            )
    return pd.DataFrame(records)


_TEMPLATE_ROWS = 2000


def write_template(path: str | os.PathLike[str] | IO[bytes], *, form: Form = "two_tables") -> None:
    """Write the empty input workbook: data sheets, an explanation and drop-down lists.

    The data sheets (``projects`` and ``partners``, or one ``partnerschappen`` sheet
    for the flat form) carry the Dutch headers, which are accepted aliases, so a
    filled-in template imports as it is. The ``uitleg`` sheet explains every column
    (required?, example, accepted header names); the hidden ``lijsten`` sheet holds
    the Dutch sector, role and target-group labels that feed the drop-down lists of
    the sector and role columns. Other text is still allowed (a warning in Excel,
    "onbekend" in optil-geo).

    Parameters
    ----------
    path
        Where to write the ``.xlsx`` (a path or a binary buffer).
    form
        ``"two_tables"`` (default) or ``"flat"``.
    """
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl loads slowly; only for export
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415
    from openpyxl.worksheet.datavalidation import DataValidation  # noqa: PLC0415

    if form not in ("two_tables", "flat"):
        raise InputError(f"`form` was {form!r} but must be one of ['two_tables', 'flat']")
    vocab = load_vocabulary()
    book = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    data_sheets: list[tuple[str, tuple[Column, ...]]] = (
        [("projects", _schema.PROJECT_COLUMNS), ("partners", _schema.PARTNER_COLUMNS)]
        if form == "two_tables"
        else [("partnerschappen", _schema.FLAT_COLUMNS)]
    )
    lists = {
        "sector": [s.label_nl for s in vocab.sectors.values()],
        "rol": [r.label_nl for r in vocab.roles.values()],
        "doelgroep": [t.label_nl for t in vocab.target_groups.values()],
    }
    first = True
    for title, columns in data_sheets:
        ws = book.active if first else book.create_sheet()
        first = False
        ws.title = title
        ws.freeze_panes = "A2"
        for j, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=j, value=col.header_nl)
            cell.font = bold
            cell.fill = fill
            ws.column_dimensions[get_column_letter(j)].width = max(len(col.header_nl) + 4, 16)
            if col.name in ("lead_sector", "sector", "role"):
                kind = "rol" if col.name == "role" else "sector"
                letter = "B" if kind == "rol" else "A"
                dv = DataValidation(
                    type="list",
                    formula1=f"=lijsten!${letter}$2:${letter}${len(lists[kind]) + 1}",
                    allow_blank=True,
                    showErrorMessage=True,
                    errorStyle="warning",
                    errorTitle="Niet in de lijst",
                    error="Deze waarde staat niet in de lijst. Toch bewaren? "
                    "optil-geo telt ze dan als 'onbekend'.",
                    promptTitle=col.header_nl,
                    prompt="Kies uit de lijst (andere tekst mag ook).",
                    showInputMessage=True,
                )
                column_letter = get_column_letter(j)
                dv.add(f"{column_letter}2:{column_letter}{_TEMPLATE_ROWS}")
                ws.add_data_validation(dv)

    help_ws = book.create_sheet("uitleg")
    help_frame = column_help(form)
    help_ws.append(list(help_frame.columns))
    for cell in help_ws[1]:
        cell.font = bold
        cell.fill = fill
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
    help_ws.cell(row=note_row, column=1, value="Tip").font = bold
    help_ws.cell(
        row=note_row,
        column=4,
        value="Doelgroepen: scheid meerdere doelgroepen met ';'. Bekende doelgroepen: "
        + "; ".join(lists["doelgroep"])
        + ".",
    ).alignment = Alignment(wrap_text=True, vertical="top")

    lists_ws = book.create_sheet("lijsten")
    for j, (header, values) in enumerate(lists.items(), start=1):
        lists_ws.cell(row=1, column=j, value=header).font = bold
        for i, value in enumerate(values, start=2):
            lists_ws.cell(row=i, column=j, value=value)
        lists_ws.column_dimensions[get_column_letter(j)].width = 45
    lists_ws.sheet_state = "hidden"
    if isinstance(path, str | os.PathLike):
        book.save(str(path))
    else:
        book.save(path)
