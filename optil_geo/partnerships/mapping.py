"""Map a file's headers on the fields: accepted names, the user's own mapping, the two forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._schema import TableKind, header_key
from optil_geo.gazetteer import Gazetteer
from optil_geo.partnerships import suggestions
from optil_geo.partnerships._text import (
    Form,
    SingleSource,
    _column_letter,
    _constant_column,
    _filled,
)
from optil_geo.partnerships.evidence import ADDRESS_HEADERS
from optil_geo.partnerships.problems import NO_PARAMS, Problem, ValidationReport
from optil_geo.partnerships.readers import read_file
from optil_geo.partnerships.sheets import _Sheet
from optil_geo.reference import Reference, load_reference
from optil_geo.settings import Settings


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


def _check_columns(columns: Mapping[str, str] | None, sheets: Sequence[_Sheet]) -> None:
    if columns:
        suggestions.apply_columns_check(columns, [h for s in sheets for h in s.headers])


def _report_notes(sheets: Iterable[_Sheet], report: ValidationReport) -> None:
    for sheet in sheets:
        for problem in sheet.notes:
            report.add(problem)


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
        Field → suggested header (see :func:`optil_geo.partnerships.suggestions.suggest_columns`).
    key
        The key of this set of headers, under which a confirmed mapping is remembered.
    """

    form: Form
    fields: tuple[str, ...]
    required: tuple[str, ...]
    headers: tuple[str, ...]
    rows: pd.DataFrame
    suggestions: dict[str, suggestions.ColumnSuggestion]
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
    source, source_name
        As in :func:`read_file` (a :class:`ReadFile` is not read again).
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
    read = read_file(source, source_name=source_name, settings=settings)
    form, tables = _choose_tables(list(read.sheets), read.name, ValidationReport())
    gazetteer = Gazetteer.for_reference(reference if reference is not None else load_reference())
    by_field: dict[str, suggestions.ColumnSuggestion] = {}
    fields: list[str] = []
    headers: dict[str, None] = {}
    for table in tables:
        for field_name, suggestion in _suggest(table, gazetteer).items():
            by_field.setdefault(field_name, suggestion)
        fields += [f for f in suggestions.fields_of(table.kind) if f not in fields]
        headers.update(dict.fromkeys(h for h in table.sheet.headers if h))
    required = [c.name for t in tables for c in _schema.columns_of(t.kind) if c.required]
    return ColumnPreview(
        form=form,
        fields=tuple(fields),
        required=tuple(dict.fromkeys(required)),
        headers=tuple(headers),
        rows=_first_rows(tables[-1].sheet, rows),
        suggestions=by_field,
        key=suggestions.header_set_key(list(headers)),
    )


def _suggest(table: _Table, gazetteer: Gazetteer) -> dict[str, suggestions.ColumnSuggestion]:
    """Suggest a header for each field of one table, from its headers and sample values."""
    sheet = table.sheet
    samples = {h: _sample(sheet.columns[j]) for j, h in enumerate(sheet.headers) if h}

    def place_share(values: Sequence[str]) -> float:
        # Only plain names count: '3920' or 'CC Westrand (Dilbeek)' is no place column.
        named = [
            gazetteer.resolve(v).status in ("exact", "alias")
            for v in values
            if not any(ch.isdigit() or ch in "()" for ch in v)
        ]
        return sum(named) / len(values)

    return suggestions.suggest_columns(sheet.headers, samples, table.kind, is_place=place_share)


def _first_rows(sheet: _Sheet, rows: int) -> pd.DataFrame:
    """The first ``rows`` data rows of a sheet, under its (named) headers."""
    return pd.DataFrame(
        {h: sheet.columns[j].head(rows).tolist() for j, h in enumerate(sheet.headers) if h},
        index=pd.RangeIndex(min(rows, len(sheet))),
    )


def _sample(column: pd.Series) -> list[str]:
    """Return up to 40 distinct non-empty values from the first 200 rows."""
    head = column.head(200)
    return [str(v) for v in head[head != ""].unique()[:40]]


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
                {"found": projects.sheet},
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
    for j, header in enumerate(sheet.headers):
        if j in chosen:
            continue
        name = index.get(header_key(header)) if header else None
        if name is not None and name not in positions:
            positions[name] = j
            continue
        # Not a field (or a field already found): kept under its own name, maybe reported.
        problem = _not_a_field(sheet, j, kind, name, positions)
        if problem is not None:
            report.add(problem)
        if header or problem is not None:  # an unnamed column without values is dropped
            own = header or f"kolom {_column_letter(j)}"
            extras[_unique_name(own, canonical_names | set(extras))] = j
    if not quiet:
        _report_missing(sheet, kind, positions, report)
    return _Table(sheet, kind, positions, extras)


def _not_a_field(
    sheet: _Sheet, j: int, kind: TableKind, name: str | None, positions: Mapping[str, int]
) -> Problem | None:
    """The problem of a column that is no field: unnamed, unknown, or a field found twice.

    ``None`` for an address column (read for postal codes, see
    :mod:`~optil_geo.partnerships.evidence`) and for an unnamed column without values.
    """
    header = sheet.headers[j]
    if not header:
        if j < len(sheet.columns) and _filled(sheet.columns[j]).any():
            return Problem(
                "warning",
                "unnamed_column",
                NO_PARAMS,
                sheet.file,
                sheet.sheet,
                sheet.header_row,
                _column_letter(j),
                None,
            )
        return None
    if name is None and kind != "projects" and header_key(header) in ADDRESS_HEADERS:
        return None
    if name is None:
        return Problem(
            "warning",
            "unknown_column",
            NO_PARAMS,
            sheet.file,
            sheet.sheet,
            sheet.header_row,
            header,
            header,
        )
    first = sheet.headers[positions[name]]
    return Problem(
        "warning",
        "duplicate_column",
        {"first": first},
        sheet.file,
        sheet.sheet,
        sheet.header_row,
        header,
        header,
        name,
    )


def _report_missing(
    sheet: _Sheet, kind: TableKind, positions: Mapping[str, int], report: ValidationReport
) -> None:
    if not sheet.headers:
        report.add(
            Problem(
                "error",
                "empty_sheet",
                NO_PARAMS,
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
        params: dict[str, Any] = {"accepted": list(col.accepted())}
        if alternative is not None:
            alt = _schema.column(kind, alternative)
            params |= {"variant": "or", "alternative": alt.header_nl}
        report.add(
            Problem(
                "error",
                "missing_column",
                params,
                sheet.file,
                sheet.sheet,
                sheet.header_row,
                col.header_nl,
                None,
                col.name,
            )
        )


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    return candidate


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


def _default_headers(form: Form) -> dict[tuple[str, str], str]:
    headers: dict[tuple[str, str], str] = {}
    project_cols = _schema.FLAT_COLUMNS if form == "flat" else _schema.PROJECT_COLUMNS
    for col in project_cols:
        if col.name in _schema.PROJECT_FIELDS:
            headers[("projects", col.name)] = col.header_nl
    for col in _schema.PARTNER_COLUMNS:
        headers[("partners", col.name)] = col.header_nl
    return headers
