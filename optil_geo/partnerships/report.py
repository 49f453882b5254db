"""The command line's report of an import: ``optil-geo validate`` and its text summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from optil_geo.partnerships.importing import validate_file
from optil_geo.partnerships.mapping import preview_columns
from optil_geo.partnerships.problems import PartnershipData, Problem
from optil_geo.settings import Settings

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
