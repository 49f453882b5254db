"""The validation report: one :class:`Problem` per finding, the report, the imported data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from optil_geo.partnerships._text import Form, Severity

LOCATION_CLASSES = ("resolved", "ambiguous", "unresolved", "wallonia", "abroad")
"""Location classes of a lead or partner, the keys of ``ValidationReport.location_counts``:
``resolved`` = on a Flemish or Brussels municipality, ``wallonia``/``abroad`` = placed
outside, ``ambiguous``/``unresolved`` = not placed yet."""


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


@dataclass(eq=True)
class ValidationReport:
    """Errors and warnings of one import, and where every location ended up.

    Attributes
    ----------
    errors, warnings
        The problems, in reading order (by file, sheet and row; see :meth:`sort`).
    location_counts
        Every project lead and every partner row counted once, by location class
        (see :data:`LOCATION_CLASSES`).
    """

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    location_counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(LOCATION_CLASSES, 0)
    )

    def __post_init__(self) -> None:
        self.errors = list(self.errors)
        self.warnings = list(self.warnings)
        self.location_counts = dict(self.location_counts)

    __hash__ = None  # type: ignore[assignment]

    def sort(self) -> None:
        """Order problems as a person reads the file: by file, sheet, row (file-wide first).

        The sort is stable: problems of one row keep the order the checks found them in.
        """
        self.errors.sort(key=_problem_order)
        self.warnings.sort(key=_problem_order)

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
        else:
            self.warnings.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems, in order, each to the list of its severity."""
        for problem in problems:
            self.add(problem)

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


def _problem_order(p: Problem) -> tuple[str, str, int]:
    return (p.file, p.sheet or "", -1 if p.row is None else p.row)
