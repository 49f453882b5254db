"""The import as a recipe: read, map, split, check, place, assemble."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from optil_geo import _schema
from optil_geo._errors import InputError
from optil_geo.gazetteer import Gazetteer
from optil_geo.partnerships._text import (
    Form,
    Source,
    _constant_column,
    _row_at,
    _text_series,
)
from optil_geo.partnerships.cells import split_partner_cells
from optil_geo.partnerships.checks import (
    _check_partners,
    _check_projects,
    _Checker,
    _match_vocabulary,
    _numbers,
    _organisation_keys_of,
    _partner_is_lead,
    _ProjectIds,
    _report_vocabulary,
    _Rows,
    _statuses,
)
from optil_geo.partnerships.evidence import (
    PlaceEvidence,
    evidence_messages,
    evidence_statuses,
    find_place_evidence,
)
from optil_geo.partnerships.flat import _split_flat
from optil_geo.partnerships.locations import _LOCATION_OUTPUT, _location_problems, _resolve
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
from optil_geo.partnerships.problems import NO_PARAMS, PartnershipData, Problem, ValidationReport
from optil_geo.partnerships.readers import _name_of, _read_single
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
            remembered=remembered,
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
        tables,
        form,
        name=name,
        report=report,
        fixes=fixes,
        remembered=remembered,
        reference=reference,
        settings=settings,
    )


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
        remembered=remembered,
        reference=reference,
        settings=settings,
    )


def _from_tables(
    tables: list[_Table],
    form: Form,
    *,
    name: str,
    report: ValidationReport,
    fixes: Mapping[tuple[str, str], str] | None,
    remembered: Mapping[str, str] | None,
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
    partners = split_partner_cells(partners, report)
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
    """Validate the text tables, add codes and locations, and build the result."""
    reference = reference if reference is not None else load_reference(settings)
    report = ctx.report
    check = _Checker(ctx)
    prj = _Rows.of("projects", projects, _schema.PROJECT_FIELDS)
    prt = _Rows.of("partners", partners, _schema.PARTNER_FIELDS)
    if len(prj) == 0 and not report.errors:
        report.add(Problem("error", "no_projects", NO_PARAMS, source_name))
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
    # A partner without any place may be placed from its address, an earlier import
    # or its name: the gazetteer resolves that text instead, and the status says so.
    evidence = find_place_evidence(
        partners, Gazetteer.for_reference(reference), remembered=remembered
    )
    if len(evidence.rows):
        places = _with_evidence(places, len(prj) + evidence.rows, evidence)
    located = _resolve(places, fixes=fixes, reference=reference, settings=settings)
    matched = vocabulary.result()
    _report_vocabulary(prj, prt, check, matched)
    lead_sectors, target_codes = matched.lead_sectors, matched.target_codes
    sectors, roles = matched.sectors, matched.roles
    is_lead = _partner_is_lead(prt, check, organisation_keys.result(), ids)
    lead_loc = located.rows(0, len(prj))
    partner_loc = located.rows(len(prj), len(prj) + len(prt))
    municipalities = reference.municipalities
    names = dict(zip(municipalities["nis"], municipalities["name_nl"], strict=True))
    _location_problems(
        prj,
        lead_loc,
        check,
        place_field="lead_municipality",
        postcode_field="lead_postcode",
        names=names,
    )
    _location_problems(
        prt, partner_loc, check, place_field="municipality", postcode_field="postcode", names=names
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
    changes = _mark_evidence(columns, partners, evidence, report) if len(evidence.rows) else {}
    columns["is_lead_itself"] = is_lead
    columns["row_status"] = _statuses(prt.marks)
    for name in (*_schema.SOURCE_FIELDS, *ctx.extras.get("partners", [])):
        columns[name] = _output_column(partners[name])
    out_partners = pd.DataFrame(columns, index=partners.index)

    report.location_counts = located.counts()
    for cls, change in changes.items():
        report.location_counts[cls] += change
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


def _with_evidence(places: pd.DataFrame, at: np.ndarray, evidence: PlaceEvidence) -> pd.DataFrame:
    """The places to resolve, with the evidence's text in the rows it found."""
    place, postcode = places["place"].copy(), places["postcode"].copy()
    place.iloc[at] = evidence.place
    postcode.iloc[at] = evidence.postcode
    return places.assign(place=place, postcode=postcode)


def _mark_evidence(
    columns: dict[str, Any],
    partners: pd.DataFrame,
    evidence: PlaceEvidence,
    report: ValidationReport,
) -> dict[str, int]:
    """Name the evidence in the partner statuses and warn for each row; return count changes.

    A name that means several municipalities (``CC Aalst``) leaves the row ambiguous,
    with those municipalities as candidates, even where the gazetteer alone would
    choose the municipality of that name.
    """
    at = evidence.rows

    def values(name: str) -> np.ndarray:
        return np.asarray(columns[f"partner_{name}"][at], dtype=object)

    def put(name: str, new: np.ndarray) -> None:
        column = columns[f"partner_{name}"].copy()
        column[at] = new
        columns[f"partner_{name}"] = column

    location, status = values("location"), values("status")
    changes: dict[str, int] = {}
    several = np.asarray([bool(c) for c in evidence.candidates], dtype=bool)
    if several.any():
        for old in location[several].tolist():
            changes[old] = changes.get(old, 0) - 1
        changes["ambiguous"] = changes.get("ambiguous", 0) + int(several.sum())
        location[several], status[several] = "ambiguous", "ambiguous"
        for name in ("nis", "name", "region"):
            blanked = values(name)
            blanked[several] = ""
            put(name, blanked)
        candidates = values("candidates")
        candidates[several] = [";".join(c) for c in evidence.candidates if c]
        put("candidates", candidates)
        put("location", location)
    put("status", evidence_statuses(status, location, evidence))
    files = partners["source_file"].to_numpy(dtype=object, na_value="")
    sheets = partners["source_sheet"].to_numpy(dtype=object, na_value="")
    messages = evidence_messages(evidence, values("name"), location)
    for row, (code, params), said in zip(at.tolist(), messages, evidence.said, strict=True):
        report.add(
            Problem(
                "warning",
                code,
                params,
                str(files[row]),
                str(sheets[row]) or None,
                _row_at(partners["source_row"], row),
                None,
                said[:200],
                "municipality",
            )
        )
    return changes
