"""The command line's report of an import: ``optil-geo validate`` and its text summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from optil_geo.partnerships.importing import validate_file
from optil_geo.partnerships.mapping import preview_columns
from optil_geo.partnerships.problems import (
    LOCATION_CLASSES,
    PartnershipData,
    Problem,
    problem_message,
    problem_title,
)
from optil_geo.settings import Settings
from optil_geo.texts import check_language, text

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
    lang: str = "nl",
) -> int:
    """Run ``optil-geo validate FILE [--json]``: print the report, return the exit code.

    Parameters
    ----------
    path
        The file (XLSX with two sheets or one flat sheet, or a flat CSV).
    as_json
        Print one JSON object (the contract of :meth:`ValidationReport.to_json_dict`,
        plus ``columns``: the mapping used and a suggested header per field, with its
        reason) instead of the text summary.
    out, err
        Where the report and the one-line failure go.
    columns, fixes, settings
        As in :func:`read_partnerships` (the CLI passes the workspace's fixes).
    lang
        The language of the summary, the messages and the failure (``nl`` or ``en``).

    Returns
    -------
    int
        0 without errors (warnings allowed), 1 with errors, 2 when unreadable.
    """
    check_language(lang)
    data, code, message = validate_file(
        path, columns=columns, fixes=fixes, settings=settings, lang=lang
    )
    if data is None:
        print(message, file=err)
        return code
    if as_json:
        found = preview_columns(path, settings=settings).suggestions
        result = data.to_json_dict(lang) | {
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
        out.write(format_report(data, lang))
    return code


def format_report(data: PartnershipData, lang: str = "nl") -> str:
    """Return the compact text report of an import in ``lang`` (the CLI's human output).

    A summary line, the location counts, then errors and warnings grouped by kind
    (at most ten of each kind shown, each with its sheet and row), and the result.
    """
    check_language(lang)
    report = data.report
    c = report.location_counts
    lines = [
        text(
            "validate_summary",
            lang,
            name=data.source_name,
            form=text(f"validate_form_{data.form}", lang),
            projects=len(data.projects),
            partners=len(data.partners),
        ),
        text("validate_locations", lang, **{k: c.get(k, 0) for k in LOCATION_CLASSES}),
    ]
    for title, problems in (
        ("validate_errors", report.errors),
        ("validate_warnings", report.warnings),
    ):
        if not problems:
            continue
        lines.append(text(title, lang, n=len(problems)))
        by_code: dict[str, list[Problem]] = {}
        for p in problems:
            by_code.setdefault(p.code, []).append(p)
        for code, group in by_code.items():
            lines.append(f"  {problem_title(code, lang)} ({len(group)}×)")
            for p in group[:_SHOWN_PER_CODE]:
                where = [text("validate_where_sheet", lang, sheet=p.sheet)] if p.sheet else []
                if p.row is not None:
                    where.append(text("validate_where_row", lang, row=p.row))
                lines.append(f"    [{' '.join(where) or p.file}] {problem_message(p, lang)}")
            if len(group) > _SHOWN_PER_CODE:
                lines.append(f"    {text('validate_more', lang, n=len(group) - _SHOWN_PER_CODE)}")
    if report.ok:
        lines.append(text("validate_ok", lang))
    else:
        lines.append(text("validate_refused", lang, n=len(report.errors)))
    return "\n".join(lines) + "\n"
