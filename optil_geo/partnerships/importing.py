"""The import as a recipe: read, map, split, check, place, assemble."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optil_geo import _schema
from optil_geo._distinct import TEXT
from optil_geo._errors import InputError
from optil_geo._schema import TableKind
from optil_geo.gazetteer import Gazetteer
from optil_geo.partnerships._text import Form, Source, _constant_column, _row_at, _text_series
from optil_geo.partnerships.cells import split_partner_cells
from optil_geo.partnerships.checks import (
    _Matched,
    _ProjectIds,
    _Rows,
    check_partner_names,
    check_partners,
    check_projects,
    check_vocabulary,
    match_vocabulary,
    parse_numbers,
    row_statuses,
)
from optil_geo.partnerships.evidence import (
    PlaceEvidence,
    evidence_messages,
    evidence_statuses,
    find_place_evidence,
)
from optil_geo.partnerships.flat import _split_flat
from optil_geo.partnerships.locations import _LOCATION_OUTPUT, location_problems, resolve_rows
from optil_geo.partnerships.mapping import (
    _check_columns,
    _choose_tables,
    _Context,
    _default_headers,
    _map_table,
    _raw_frame,
    _report_notes,
    _Table,
)
from optil_geo.partnerships.problems import (
    LOCATION_CLASSES,
    NO_PARAMS,
    PartnershipData,
    Problem,
    ValidationReport,
)
from optil_geo.partnerships.readers import _name_of, _read_single, read_file
from optil_geo.partnerships.sheets import _Sheet
from optil_geo.reference import Reference, load_reference
from optil_geo.settings import Settings
from optil_geo.texts import error_message


def read_partnerships(
    source: Source,
    *,
    source_name: str | None = None,
    columns: Mapping[str, str] | None = None,
    fixes: Mapping[tuple[str, str], str] | None = None,
    remembered: Mapping[str, str] | None = None,
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
    remembered
        Organisation key → NIS code of organisations placed in earlier imports (see
        :meth:`optil_geo.store.Workspace.remembered_places`): a partner without any
        place is placed by it, with status ``remembered`` and a warning.
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
    # 1. Read the file(s) as sheets of text; notes found while reading go in the report.
    name, sheets = _read_sheets(source, source_name, settings)
    _check_columns(columns, sheets)
    report = ValidationReport()
    _report_notes(sheets, report)
    # 2. Map the headers on fields: two tables (a pair of files, or two sheets) or flat.
    if isinstance(source, tuple | list):
        form: Form = "two_tables"
        tables = [
            _map_table(sheet, kind, report, columns=columns)
            for sheet, kind in zip(sheets, _KINDS, strict=True)
        ]
    else:
        form, tables = _choose_tables(sheets, name, report, columns=columns)
    # 3. One text table of projects, one of partner rows (a flat sheet is split).
    projects, partners, ctx = _text_tables(tables, form, report)
    partners = split_partner_cells(partners, report)
    # 4. Check, place and assemble.
    return _assemble(
        projects,
        partners,
        ctx=ctx,
        form=form,
        source_name=name,
        fixes=fixes,
        remembered=remembered,
        reference=reference,
        settings=settings,
    )


_KINDS: tuple[TableKind, TableKind] = ("projects", "partners")


def _read_sheets(
    source: Source, source_name: str | None, settings: Settings
) -> tuple[str, list[_Sheet]]:
    """Return the name to report and the sheets of one file, or the first sheet of each of two."""
    if not isinstance(source, tuple | list):
        read = read_file(source, source_name=source_name, settings=settings)
        return read.name, list(read.sheets)
    if len(source) != 2:
        raise InputError(
            f"`source` was a tuple of {len(source)} items but must be a pair (projects, partners)"
        )
    names = [_name_of(part, None) for part in source]
    sheets = [_read_single(part, n, settings)[0] for part, n in zip(source, names, strict=True)]
    return source_name or f"{names[0]} + {names[1]}", sheets


def _text_tables(
    tables: list[_Table], form: Form, report: ValidationReport
) -> tuple[pd.DataFrame, pd.DataFrame, _Context]:
    """Return the projects and partners as text tables, with the headers they had."""
    headers = _default_headers(form)
    present: dict[str, set[str]]
    extras: dict[str, list[str]]
    if form == "flat":
        (flat,) = tables
        for f, j in flat.positions.items():
            headers[("projects", f)] = headers[("partners", f)] = flat.sheet.headers[j]
        present = {
            "projects": {f for f in flat.positions if f in _schema.PROJECT_FIELDS},
            "partners": {f for f in flat.positions if f in _schema.PARTNER_FIELDS},
        }
        ctx = _Context(report, headers, present, {"projects": [], "partners": list(flat.extras)})
        projects, partners = _split_flat(flat, ctx)
        return projects, partners, ctx
    present, extras = {}, {}
    for kind, table in zip(_KINDS, tables, strict=True):
        for f, j in table.positions.items():
            headers[(kind, f)] = table.sheet.headers[j]
        present[kind] = set(table.positions)
        extras[kind] = list(table.extras)
    projects = _raw_frame(tables[0], _schema.PROJECT_FIELDS)
    partners = _raw_frame(tables[1], _schema.PARTNER_FIELDS)
    return projects, partners, _Context(report, headers, present, extras)


def partnerships_from_raw(
    raw_projects: pd.DataFrame,
    raw_partners: pd.DataFrame,
    *,
    source_name: str,
    form: Form = "two_tables",
    fixes: Mapping[tuple[str, str], str] | None = None,
    remembered: Mapping[str, str] | None = None,
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
    fixes, remembered, reference, settings
        As in :func:`read_partnerships`.

    Returns
    -------
    PartnershipData
    """
    settings = settings if settings is not None else Settings.from_env()
    report = ValidationReport()
    projects, present_projects, extra_projects = _stored_table(
        raw_projects, "projects", _schema.PROJECT_FIELDS
    )
    partners, present_partners, extra_partners = _stored_table(
        raw_partners, "partners", _schema.PARTNER_FIELDS
    )
    ctx = _Context(
        report=report,
        headers=_default_headers(form),
        present={"projects": present_projects, "partners": present_partners},
        extras={"projects": extra_projects, "partners": extra_partners},
    )
    return _assemble(
        projects,
        partners,
        ctx=ctx,
        form=form,
        source_name=source_name,
        fixes=fixes,
        remembered=remembered,
        reference=reference,
        settings=settings,
    )


def _stored_table(
    raw: pd.DataFrame, table: str, fields: tuple[str, ...]
) -> tuple[pd.DataFrame, set[str], list[str]]:
    """Return a stored raw table as text, which fields it has, and its extra columns."""
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
    return frame, {c for c in fields if c in raw.columns}, [str(c) for c in extra]


def _assemble(
    projects: pd.DataFrame,
    partners: pd.DataFrame,
    *,
    ctx: _Context,
    form: Form,
    source_name: str,
    fixes: Mapping[tuple[str, str], str] | None,
    remembered: Mapping[str, str] | None,
    reference: Reference | None,
    settings: Settings,
) -> PartnershipData:
    """Check the text tables, add codes and locations, and build the result."""
    reference = reference if reference is not None else load_reference(settings)
    report = ctx.report
    prj = _Rows.of("projects", projects, _schema.PROJECT_FIELDS, ctx)
    prt = _Rows.of("partners", partners, _schema.PARTNER_FIELDS, ctx)
    if len(prj) == 0 and report.ok:
        report.add(Problem("error", "no_projects", NO_PARAMS, source_name))
    # 1. The rules, in the order a reader checks a row (the report is sorted by row).
    ids = _ProjectIds.of(prj, prt)
    check_projects(prj, ids, ctx.present.get("projects", set())).record(report)
    check_partners(
        prt,
        ids,
        ctx.present.get("partners", set()),
        project_ids_present="project_id" in ctx.present.get("projects", set()),
    ).record(report)
    year_int, subsidy, found = parse_numbers(prj)
    found.record(report)
    matched = match_vocabulary(prj, prt)
    for found in check_vocabulary(prj, prt, matched):
        found.record(report)
    is_lead, found = check_partner_names(prt, prj, ids)
    found.record(report)
    # 2. Places: every lead and partner, each distinct place resolved once.
    leads, partner_places = _place(
        prj, prt, report, fixes=fixes, remembered=remembered, reference=reference, settings=settings
    )
    # 3. The output tables, and how many locations of each class.
    out_projects = _project_table(
        projects, prj, year_int=year_int, subsidy=subsidy, matched=matched, places=leads, ctx=ctx
    )
    out_partners = _partner_table(
        partners, prt, matched=matched, places=partner_places, is_lead=is_lead, ctx=ctx
    )
    report.location_counts = _location_counts(
        out_projects["lead_location"], out_partners["partner_location"]
    )
    report.sort()
    return PartnershipData(
        projects=out_projects,
        partners=out_partners,
        report=report,
        source_name=source_name,
        form=form,
        raw_projects=projects.copy(),
        raw_partners=partners.copy(),
    )


def _place(
    prj: _Rows,
    prt: _Rows,
    report: ValidationReport,
    *,
    fixes: Mapping[tuple[str, str], str] | None,
    remembered: Mapping[str, str] | None,
    reference: Reference,
    settings: Settings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place the leads and the partners; report the places in doubt.

    One gazetteer call for leads and partners: each distinct place is resolved once.
    A partner without any place may be placed from its address, an earlier import
    or its name: the gazetteer resolves that text instead, and the status says so.
    Returns the location columns (:data:`_LOCATION_OUTPUT`) of the leads and partners.
    """
    gazetteer = Gazetteer.for_reference(reference)
    evidence = find_place_evidence(prt.frame, gazetteer, remembered=remembered)
    places = pd.DataFrame(
        {
            "place": _stack(
                prj.text["lead_municipality"],
                _replace_at(prt.text["municipality"], evidence.rows, evidence.place),
            ),
            "postcode": _stack(
                prj.text["lead_postcode"],
                _replace_at(prt.text["postcode"], evidence.rows, evidence.postcode),
            ),
            "country": _stack(_constant_column("", len(prj)), prt.text["country"]),
        }
    )
    located = resolve_rows(places, fixes=fixes, reference=reference, settings=settings)
    leads = located.rows(0, len(prj))
    partners = located.rows(len(prj), len(prj) + len(prt))
    municipalities = reference.municipalities
    names = dict(zip(municipalities["nis"], municipalities["name_nl"], strict=True))
    location_problems(
        prj, leads, place_field="lead_municipality", postcode_field="lead_postcode", names=names
    ).record(report)
    location_problems(
        prt, partners, place_field="municipality", postcode_field="postcode", names=names
    ).record(report)
    partner_places = partners.frame()
    if len(evidence.rows):
        partner_places = _apply_evidence(partner_places, evidence)
        report.extend(_evidence_warnings(prt.frame, evidence, partner_places))
    return leads.frame(), partner_places


def _stack(first: pd.Series, second: pd.Series) -> pd.Series:
    """One column of the leads' cells, then the partners'."""
    return pd.concat([first, second], ignore_index=True)


def _replace_at(column: pd.Series, at: np.ndarray, values: Sequence[str] | np.ndarray) -> pd.Series:
    """Return the text ``column`` with the cells at positions ``at`` replaced by ``values``."""
    if not len(at):
        return column
    order = np.argsort(at, kind="stable")  # pyarrow takes the new values in row order
    put = np.zeros(len(column), dtype=bool)
    put[at] = True
    cells = pa.array(column.array)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    new = pa.array(np.asarray(values, dtype=object)[order], type=cells.type)
    replaced = pc.replace_with_mask(cells, put, new)
    return pd.Series(pd.array(replaced, dtype=TEXT), index=column.index)


def _apply_evidence(places: pd.DataFrame, evidence: PlaceEvidence) -> pd.DataFrame:
    """Name the evidence in the statuses of the rows it placed (``places`` is changed).

    A name that means several municipalities (``CC Aalst``) leaves the row ambiguous,
    with those municipalities as candidates, even where the gazetteer alone would
    choose the municipality of that name.
    """
    several = np.asarray([bool(c) for c in evidence.candidates], dtype=bool)
    ambiguous = evidence.rows[several]
    if len(ambiguous):
        places.loc[ambiguous, ["nis", "name", "region"]] = ""
        places.loc[ambiguous, ["location", "status"]] = "ambiguous"
        places.loc[ambiguous, "candidates"] = [";".join(c) for c in evidence.candidates if c]
    at = evidence.rows
    statuses = evidence_statuses(
        places["status"].iloc[at].to_numpy(dtype=object),
        places["location"].iloc[at].to_numpy(dtype=object),
        evidence,
    )
    places["status"] = _replace_at(places["status"], at, statuses)
    return places


def _evidence_warnings(
    partners: pd.DataFrame, evidence: PlaceEvidence, places: pd.DataFrame
) -> list[Problem]:
    """One warning per partner row placed by evidence, asking to confirm the place."""
    at = evidence.rows
    files = partners["source_file"].iloc[at].tolist()
    sheets = partners["source_sheet"].iloc[at].tolist()
    names = places["name"].iloc[at].to_numpy(dtype=object)
    messages = evidence_messages(evidence, names, places["location"].iloc[at].to_numpy(object))
    problems = []
    for k, (row, (code, params), said) in enumerate(
        zip(at.tolist(), messages, evidence.said, strict=True)
    ):
        problems.append(
            Problem(
                "warning",
                code,
                params,
                str(files[k]),
                str(sheets[k]) or None,
                _row_at(partners["source_row"], row),
                None,
                said[:200],
                "municipality",
            )
        )
    return problems


def _project_table(
    projects: pd.DataFrame,
    prj: _Rows,
    *,
    year_int: pd.api.extensions.ExtensionArray,
    subsidy: np.ndarray,
    matched: _Matched,
    places: pd.DataFrame,
    ctx: _Context,
) -> pd.DataFrame:
    """The projects as imported: text, numbers, codes, the lead's place, status, source."""
    sectors = matched.lead_sectors
    columns: dict[str, Any] = {f: projects[f].array for f in _schema.PROJECT_FIELDS}
    columns["year_int"] = year_int
    columns["subsidy"] = subsidy
    columns["lead_sector_code"] = sectors["sector"].array
    columns["lead_sector_group"] = sectors["sector_group"].array
    columns["lead_local_cultural_actor"] = sectors["local_cultural_actor"].to_numpy(dtype=bool)
    columns["target_group_codes"] = matched.target_codes.to_numpy(dtype=object)
    columns.update({f"lead_{name}": places[name].array for name in _LOCATION_OUTPUT})
    columns["row_status"] = row_statuses(prj.marks)
    for name in (*_schema.SOURCE_FIELDS, *ctx.extras.get("projects", [])):
        columns[name] = _output_column(projects[name])
    return pd.DataFrame(columns, index=projects.index)


def _partner_table(
    partners: pd.DataFrame,
    prt: _Rows,
    *,
    matched: _Matched,
    places: pd.DataFrame,
    is_lead: np.ndarray,
    ctx: _Context,
) -> pd.DataFrame:
    """The partner rows as imported: text, codes, the partner's place, status, source."""
    sectors = matched.sectors
    columns: dict[str, Any] = {f: partners[f].array for f in _schema.PARTNER_FIELDS}
    columns["sector_code"] = sectors["sector"].array
    columns["sector_group"] = sectors["sector_group"].array
    columns["local_cultural_actor"] = sectors["local_cultural_actor"].to_numpy(dtype=bool)
    columns["role_code"] = matched.roles["role"].array
    columns.update({f"partner_{name}": places[name].array for name in _LOCATION_OUTPUT})
    columns["is_lead_itself"] = is_lead
    columns["row_status"] = row_statuses(prt.marks)
    for name in (*_schema.SOURCE_FIELDS, *ctx.extras.get("partners", [])):
        columns[name] = _output_column(partners[name])
    return pd.DataFrame(columns, index=partners.index)


def _output_column(values: pd.Series) -> Any:
    """Return a source or extra column for the output: text as text, row numbers as numbers."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.array
    return values.to_numpy()


def _location_counts(*locations: pd.Series) -> dict[str, int]:
    """Every lead and partner row counted once, by location class."""
    counts = dict.fromkeys(LOCATION_CLASSES, 0)
    for column in locations:
        for cls, n in column.value_counts().items():
            counts[str(cls)] += int(n)
    return counts


def validate_file(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    fixes: Mapping[tuple[str, str], str] | None = None,
    remembered: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    lang: str = "nl",
) -> tuple[PartnershipData | None, int, str | None]:
    """Read and validate a file for the command line (``columns`` as in :func:`read_partnerships`).

    Returns
    -------
    tuple
        ``(data, exit_code, message)``: exit code 0 without errors (warnings allowed),
        1 with errors, 2 when the file cannot be read (``data`` is ``None`` and
        ``message`` is the one-line reason, in ``lang``).
    """
    try:
        data = read_partnerships(
            path, columns=columns, fixes=fixes, remembered=remembered, settings=settings
        )
    except InputError as exc:
        return None, 2, f"InputError: {' '.join(error_message(exc, lang).split())}"
    return data, (0 if data.report.ok else 1), None
