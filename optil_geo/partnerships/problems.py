"""The validation report: one :class:`Problem` per finding, the report, the imported data."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any, cast

import numpy as np
import pandas as pd

from optil_geo.partnerships._text import Form, Severity
from optil_geo.texts import catalogue, check_language, text, text_with

LOCATION_CLASSES = ("resolved", "ambiguous", "unresolved", "wallonia", "abroad")
"""Location classes of a lead or partner, the keys of ``ValidationReport.location_counts``:
``resolved`` = on a Flemish or Brussels municipality, ``wallonia``/``abroad`` = placed
outside, ``ambiguous``/``unresolved`` = not placed yet."""


PROBLEM_CODES = (
    "missing_sheet",
    "empty_sheet",
    "missing_column",
    "unnamed_column",
    "unknown_column",
    "duplicate_column",
    "no_projects",
    "empty_required",
    "duplicate_project_id",
    "unknown_project",
    "conflicting_project_values",
    "invalid_year",
    "non_numeric_amount",
    "unknown_sector",
    "unknown_role",
    "unknown_target_group",
    "partner_is_lead",
    "duplicate_partner",
    "ambiguous_location",
    "unresolved_location",
    "fuzzy_location",
    "lead_outside_flanders",
    "place_from_address",
    "place_remembered",
    "place_from_name",
    "partners_split",
    "merged_cells",
    "formula_without_value",
    "stray_quote",
    "cells_beyond_header",
    "nul_byte",
)
"""Every problem code the import reports; each has a title (``problem_<code>``) and a
message (``message_<code>``, and ``message_<code>_<variant>`` for its variants) in the
text catalogue."""


@dataclass(frozen=True)
class Problem:
    """One problem found in the input: a code and its parameters, never a sentence.

    :func:`problem_message` words it in Dutch or English from the text catalogue.

    Attributes
    ----------
    severity
        ``"error"`` (the import is refused) or ``"warning"`` (the import goes on).
    code
        Stable identifier, one of :data:`PROBLEM_CODES`, e.g. ``missing_column``,
        ``duplicate_project_id``, ``ambiguous_location``.
    params
        What the message needs beyond the attributes below (JSON-ready values: the row
        a value first occurs in, the accepted headers, a formula …); ``variant`` picks
        a variant of the code's message. Not to be changed once made (rows share it).
    file, sheet
        Where (``sheet`` is ``None`` for CSV).
    row
        Row number as the spreadsheet shows it (the header is row 1 unless there are
        rows above it); ``None`` for problems of the whole file.
    column
        Column header as written in the file (or the template's header of a missing
        column, or a column letter where there is no header).
    value
        The offending cell text, ``None`` when there is none.
    field
        Canonical column name, ``None`` when the problem is not about one column.
    """

    severity: Severity
    code: str
    params: Mapping[str, Any] = _field(hash=False)
    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    field: str | None = None

    def to_dict(self, lang: str = "nl") -> dict[str, Any]:
        """Return the problem as a JSON-ready dict, its ``message`` worded in ``lang``."""
        return self._unworded() | {"message": problem_message(self, lang)}

    def _unworded(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "value": self.value,
            "params": dict(self.params),
        }


NO_PARAMS: Mapping[str, Any] = {}
"""The parameters of a problem whose message needs none (shared: never change it)."""


# Parameters that hold a code, worded by the catalogue's ``message_<name>_<code>``.
_CODE_PARAMS = ("who", "outside")


def problem_message(problem: Problem, lang: str = "nl") -> str:
    """Word a problem in ``lang`` from the text catalogue.

    The message is ``message_<code>`` (or ``message_<code>_<variant>``) filled with the
    problem's own ``file``, ``sheet``, ``row``, ``column``, ``value``, its ``params``,
    and a few words made from them: ``where`` (``in blad 'x'`` / ``in 'file.csv'``),
    ``field_label`` (the field's name in ``lang``), ``who`` / ``outside`` (a code
    worded, e.g. ``lead`` → ``de aanvrager``) and ``hint`` (the ``suggestions`` of a
    place not found, as ``(bedoelde u …?)``).

    Examples
    --------
    >>> p = Problem("error", "empty_required", {}, "a.csv", None, 3, "titel", "", "title")
    >>> problem_message(p, "en")
    "Column 'titel' is required but empty."
    """
    check_language(lang)
    params = dict(problem.params)
    variant = params.pop("variant", "")
    key = f"message_{problem.code}" + (f"_{variant}" if variant else "")
    if problem.sheet:
        where = text("message_where_sheet", lang, sheet=problem.sheet)
    else:
        where = text("message_where_file", lang, file=problem.file)
    fields: dict[str, object] = {
        "file": problem.file,
        "sheet": problem.sheet or "",
        "row": "" if problem.row is None else problem.row,
        "column": problem.column or "",
        "value": problem.value or "",
        "where": where,
        "field_label": text(f"field_{problem.field}", lang) if problem.field else "",
    }
    for name in _CODE_PARAMS:
        if name in params:
            params[name] = text(f"message_{name}_{params[name]}", lang)
    suggestions = params.pop("suggestions", None)
    fields["hint"] = (
        text_with("message_suggestions", lang, {"candidates": suggestions}) if suggestions else ""
    )
    return text_with(key, lang, fields | params)


def problem_messages(problems: Sequence[Problem], lang: str = "nl") -> list[str]:
    """Word many problems in ``lang``: each distinct message once.

    Rows of a large import share their problem's words (the parameters of a check
    are shared, the value and column repeat), so a message is made once per distinct
    (code, parameters, value, place) and reused; the row counts only where the
    message names it.
    """
    check_language(lang)
    texts = catalogue()
    names_row: dict[str, bool] = {}
    made: dict[tuple[Any, ...], str] = {}
    out: list[str] = []
    for p in problems:
        variant = p.params.get("variant", "")
        key = f"message_{p.code}" + (f"_{variant}" if variant else "")
        uses_row = names_row.get(key)
        if uses_row is None:
            template = texts.get(key, {}).get(lang, "")
            uses_row = names_row[key] = "row" in {f for _, f, _, _ in _FORMAT.parse(template)}
        memo: tuple[Any, ...] = (key, id(p.params), p.file, p.sheet, p.column, p.value, p.field)
        if uses_row:
            memo += (p.row,)
        message = made.get(memo)
        if message is None:
            message = made[memo] = problem_message(p, lang)
        out.append(message)
    return out


_FORMAT = string.Formatter()


def problem_title(code: str, lang: str = "nl") -> str:
    """Return the short name of a problem code (``missing_column`` → ``Ontbrekende kolom``)."""
    key = f"problem_{code}"
    return text(key if key in catalogue() else "problem_other", lang)


_FRAME_COLUMNS = ("severity", "kind", "file", "sheet", "row", "column", "value", "message")


_TABLE_COLUMNS = ("severity", "code", "params", "file", "sheet", "row", "column", "value", "field")
"""The columns of the report's table: the attributes of :class:`Problem`, in its order."""

_NO_ROW = -1  # the table's row number of a problem of the whole file (``Problem.row`` None)


class ValidationReport:
    """Errors and warnings of one import, and where every location ended up.

    The problems are kept as one table, a column per :class:`Problem` attribute
    (:data:`_TABLE_COLUMNS`), filled column-wise by the checks (:meth:`add_columns`):
    a large import has tens of thousands of warnings, and most callers only count
    them or show a page of them. A :class:`Problem` is made for a row of the table
    when :attr:`errors`, :attr:`warnings` or :attr:`problems` are read, once.

    Parameters
    ----------
    errors, warnings
        Problems to start with.
    location_counts
        See the attribute.

    Attributes
    ----------
    errors, warnings
        The problems, in reading order (by file, sheet and row; see :meth:`sort`).
    location_counts
        Every project lead and every partner row counted once, by location class
        (see :data:`LOCATION_CLASSES`).
    """

    def __init__(
        self,
        errors: Iterable[Problem] = (),
        warnings: Iterable[Problem] = (),
        location_counts: Mapping[str, int] | None = None,
    ) -> None:
        self._columns: dict[str, list[np.ndarray]] = {name: [] for name in _TABLE_COLUMNS}
        self._made: list[Problem | None] = []  # per table row, its Problem once made
        self._order = np.zeros(0, dtype=np.intp)  # the table's rows in reading order
        self.location_counts: dict[str, int] = dict(
            location_counts if location_counts is not None else dict.fromkeys(LOCATION_CLASSES, 0)
        )
        self.extend([*errors, *warnings])

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationReport):
            return NotImplemented
        return (
            self.errors == other.errors
            and self.warnings == other.warnings
            and self.location_counts == other.location_counts
        )

    def __repr__(self) -> str:
        return (
            f"ValidationReport(errors={self.errors!r}, warnings={self.warnings!r}, "
            f"location_counts={self.location_counts!r})"
        )

    def __len__(self) -> int:
        """The number of problems (errors and warnings)."""
        return len(self._made)

    def add_columns(
        self,
        *,
        severity: Sequence[Severity] | np.ndarray,
        code: Sequence[str] | np.ndarray,
        params: Sequence[Mapping[str, Any]] | np.ndarray,
        file: Sequence[str] | np.ndarray,
        sheet: Sequence[str | None] | np.ndarray,
        row: Sequence[int] | np.ndarray,
        column: Sequence[str | None] | np.ndarray,
        value: Sequence[str | None] | np.ndarray,
        field: Sequence[str | None] | np.ndarray,
    ) -> None:
        """Add problems given column by column (equal lengths; ``row`` -1 for none).

        They come after the problems already in the report, in the order given.
        """
        given = (severity, code, params, file, sheet, row, column, value, field)
        n = len(severity)
        for name, values in zip(_TABLE_COLUMNS, given, strict=True):
            if len(values) != n:
                raise ValueError(
                    f"`{name}` has {len(values)} values but `severity` has {n}: "
                    "every column needs one value per problem"
                )
            array = np.empty(n, dtype=np.int64 if name == "row" else object)
            array[:] = values  # (filled in place: a params mapping stays one object)
            self._columns[name].append(array)
        self._made.extend([None] * n)
        self._order = np.concatenate([self._order, np.arange(len(self._order), len(self._made))])

    def add(self, problem: Problem) -> None:
        """Add a problem after the ones already in the report."""
        self.extend([problem])

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems, in order, after the ones already in the report."""
        problems = list(problems)
        if not problems:
            return
        start = len(self._made)
        rows = [
            (
                p.severity,
                p.code,
                p.params,
                p.file,
                p.sheet,
                _NO_ROW if p.row is None else p.row,
                p.column,
                p.value,
                p.field,
            )
            for p in problems
        ]
        self.add_columns(**dict(zip(_TABLE_COLUMNS, zip(*rows, strict=True), strict=True)))
        self._made[start:] = problems  # the very objects given

    def table(self) -> pd.DataFrame:
        """Return the problems as one table in reading order, a column per attribute.

        Columns :data:`_TABLE_COLUMNS` (``row`` is Int64, NA for a problem of the whole
        file); no message: see :meth:`to_frame` for a table worded for people.
        """
        columns = self._column_arrays()
        frame = pd.DataFrame({name: values[self._order] for name, values in columns.items()})
        frame["row"] = frame["row"].astype("Int64").mask(frame["row"] == _NO_ROW)
        return frame

    def _column_arrays(self) -> dict[str, np.ndarray]:
        """Each column of the table as one array (the pieces added so far joined once)."""
        for name, pieces in self._columns.items():
            if len(pieces) > 1:
                self._columns[name] = [np.concatenate(pieces)]
        return {
            name: pieces[0] if pieces else np.zeros(0, np.int64 if name == "row" else object)
            for name, pieces in self._columns.items()
        }

    def sort(self) -> None:
        """Order problems as a person reads the file: by file, sheet, row (file-wide first).

        The sort is stable: problems of one row keep the order the checks found them in.
        """
        columns = self._column_arrays()
        files = pd.factorize(columns["file"], sort=True)[0]
        sheets = pd.factorize(pd.Series(columns["sheet"]).fillna(""), sort=True)[0]
        order = np.lexsort((columns["row"][self._order], sheets[self._order], files[self._order]))
        self._order = self._order[order]

    def _severity_is(self, severity: Severity) -> np.ndarray:
        return self._column_arrays()["severity"][self._order] == severity

    def _problems_at(self, rows: np.ndarray) -> list[Problem]:
        """The problems of the table rows ``rows``, each made once."""
        missing = [i for i in rows.tolist() if self._made[i] is None]
        if missing:
            columns = self._column_arrays()
            at = np.asarray(missing, dtype=np.intp)
            row_numbers = columns["row"][at].tolist()
            made = zip(
                *(columns[name][at].tolist() for name in _TABLE_COLUMNS if name != "row"),
                strict=True,
            )
            for i, number, (severity, code, params, file, sheet, column, value, fld) in zip(
                missing, row_numbers, made, strict=True
            ):
                row = None if number == _NO_ROW else number
                self._made[i] = Problem(
                    severity, code, params, file, sheet, row, column, value, fld
                )
        return [cast(Problem, self._made[i]) for i in rows.tolist()]

    @property
    def errors(self) -> list[Problem]:
        """The errors, in reading order (a new list: add problems with :meth:`add`)."""
        return self._problems_at(self._order[self._severity_is("error")])

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, in reading order (a new list: add problems with :meth:`add`)."""
        return self._problems_at(self._order[~self._severity_is("error")])

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self._severity_is("error").any()

    @property
    def n_errors(self) -> int:
        """The number of errors (counted in the table, without making the problems)."""
        return int(self._severity_is("error").sum())

    @property
    def n_warnings(self) -> int:
        """The number of warnings (counted in the table, without making the problems)."""
        return len(self) - self.n_errors

    @property
    def problems(self) -> list[Problem]:
        """Errors first, then warnings."""
        return [*self.errors, *self.warnings]

    def counts_by_code(self) -> dict[str, int]:
        """Return how often each problem code occurs."""
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.code] = counts.get(problem.code, 0) + 1
        return counts

    def to_frame(self, lang: str = "nl") -> pd.DataFrame:
        """Return the problems as a table for people, worded in ``lang`` (for the app).

        Columns (headers from the catalogue's ``report_<column>``): severity, kind (the
        code's short name), file, sheet, row, column, value, message.
        """
        check_language(lang)
        problems = self.problems
        # Severities and kinds are few: each is worded once.
        severity = {s: text(f"severity_{s}", lang) for s in ("error", "warning")}
        kinds = {c: problem_title(c, lang) for c in {p.code for p in problems}}
        columns = {
            "severity": [severity[p.severity] for p in problems],
            "kind": [kinds[p.code] for p in problems],
            "file": [p.file for p in problems],
            "sheet": [p.sheet or "" for p in problems],
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": [p.column or "" for p in problems],
            "value": [p.value if p.value is not None else "" for p in problems],
            "message": problem_messages(problems, lang),
        }
        return pd.DataFrame({text(f"report_{c}", lang): columns[c] for c in _FRAME_COLUMNS})

    def to_json_dict(self, rows: Mapping[str, int], lang: str = "nl") -> dict[str, Any]:
        """Return the ``optil-geo validate --json`` object.

        Parameters
        ----------
        rows
            ``{"projects": n, "partners": n}``.
        lang
            The language of each problem's ``message``.

        Returns
        -------
        dict
            ``{"rows": {"projects", "partners"}, "errors": [...], "warnings": [...],
            "locations": {"resolved", "ambiguous", "unresolved", "wallonia", "abroad"}}``;
            each problem has ``severity, code, file, sheet, row, column, field, value,
            params, message``.
        """
        check_language(lang)
        return {
            "rows": {"projects": int(rows["projects"]), "partners": int(rows["partners"])},
            "errors": _dicts(self.errors, lang),
            "warnings": _dicts(self.warnings, lang),
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

    def to_json_dict(self, lang: str = "nl") -> dict[str, Any]:
        """Return the ``optil-geo validate --json`` object of this import (messages in ``lang``)."""
        return self.report.to_json_dict(self.rows, lang)


def _dicts(problems: list[Problem], lang: str) -> list[dict[str, Any]]:
    """Return :meth:`Problem.to_dict` of each problem, the messages worded together."""
    messages = problem_messages(problems, lang)
    return [p._unworded() | {"message": m} for p, m in zip(problems, messages, strict=True)]
