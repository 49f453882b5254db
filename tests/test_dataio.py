"""Tests of reading, validating and writing partnership tables."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optil_geo import _schema
from optil_geo._errors import InputError, SettingsError
from optil_geo.dataio import (
    LOCATION_CLASSES,
    PartnershipData,
    column_help,
    neutralise_formulas,
    partnerships_from_raw,
    read_partnerships,
    read_table,
    to_safe_csv,
    to_safe_xlsx,
    validate_command,
    validate_file,
    write_template,
)
from optil_geo.partnerships import problem_message
from optil_geo.settings import Settings
from optil_geo.store import fix_key
from optil_geo.texts import text as catalogue_text
from optil_geo.vocabulary import load_vocabulary

Rows = list[list[Any]]

PROJECT_HEADERS = [
    "project_id",
    "title",
    "round",
    "year",
    "lead_organisation",
    "lead_municipality",
    "lead_postcode",
    "lead_sector",
    "target_groups",
    "subsidy_eur",
]
PROJECT_ROWS: Rows = [
    ["P001", "Verhalen", "2021-1", "2021", "CC De Werf", "Aalst", "", "cultuurcentrum",
     "senioren; nieuwkomers", "75000"],
    ["P002", "Ritmes", "2021-2", "2021", "Bibliotheek Gent", "Gent", "9000", "bibliotheek",
     "jongeren", "50.000"],
]  # fmt: skip
PARTNER_HEADERS = [
    "project_id",
    "organisation",
    "municipality",
    "postcode",
    "country",
    "sector",
    "role",
]
PARTNER_ROWS: Rows = [
    ["P001", "Bib Denderleeuw", "Denderleeuw", "", "", "bibliotheek", "toeleider"],
    ["P001", "WZC Zonnebloem", "Erpe-Mere", "", "", "woonzorgcentrum", "ondersteuner"],
    ["P002", "Muziekacademie", "Kortrijk", "", "", "DKO", "kennispartner"],
    ["P002", "Lille3000", "Lille", "", "Frankrijk", "kunstenorganisatie", "uitvoerder"],
    ["P002", "Théâtre de Namur", "Namur", "", "", "theater", "kennispartner"],
]
# Where the clean example's 2 leads and 5 partners end up.
CLEAN_LOCATIONS = {"resolved": 5, "ambiguous": 0, "unresolved": 0, "wallonia": 1, "abroad": 1}

FLAT_HEADERS = [
    "projectnummer", "titel", "ronde", "jaar", "aanvrager", "gemeente aanvrager",
    "postcode aanvrager", "sector aanvrager", "doelgroepen", "subsidie",
    "organisatie", "gemeente", "postcode", "land", "sector", "rol",
]  # fmt: skip


def flat_rows() -> Rows:
    """The clean example as one flat table: project columns repeated on every partner row."""
    by_id = {row[0]: row for row in PROJECT_ROWS}
    return [[*by_id[p[0]], *p[1:]] for p in PARTNER_ROWS]


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> Path:
    path.write_bytes(_workbook_bytes(sheets))
    return path


def _workbook_bytes(sheets: Mapping[str, Sequence[Sequence[Any]]]) -> bytes:
    """Write sheets with openpyxl; text that starts with '=' stays text, as typed in Excel."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for cells in ws.iter_rows():
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_csv(path: Path, rows: Rows, *, delimiter: str = ";", encoding: str = "utf-8-sig") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def two_sheet(tmp_path: Path, projects: Rows | None = None, partners: Rows | None = None) -> Path:
    return write_xlsx(
        tmp_path / "two.xlsx",
        {
            "projects": [PROJECT_HEADERS, *(PROJECT_ROWS if projects is None else projects)],
            "partners": [PARTNER_HEADERS, *(PARTNER_ROWS if partners is None else partners)],
        },
    )


def problems(data: PartnershipData, code: str) -> list[Any]:
    return [p for p in data.report.problems if p.code == code]


def only(data: PartnershipData, code: str) -> Any:
    found = problems(data, code)
    assert len(found) == 1, f"expected one {code}, got {found}"
    return found[0]


# --------------------------------------------------------------------------- schema


@pytest.mark.parametrize("kind", ["projects", "partners", "flat"])
def test_no_header_alias_means_two_columns(kind: _schema.TableKind) -> None:
    owners: dict[str, str] = {}
    for column in _schema.columns_of(kind):
        for text in column.accepted():
            key = _schema.header_key(text)
            assert owners.setdefault(key, column.name) == column.name, (kind, text)


def test_flat_lead_columns_have_their_own_headers() -> None:
    flat = _schema.alias_index("flat")
    assert flat["gemeente"] == "municipality"
    assert flat["gemeenteaanvrager"] == "lead_municipality"
    assert flat["sector"] == "sector"
    assert flat["sectoraanvrager"] == "lead_sector"
    projects = _schema.alias_index("projects")
    assert projects["gemeente"] == "lead_municipality"
    assert projects["postcode"] == "lead_postcode"
    assert projects["sector"] == "lead_sector"


# --------------------------------------------------------------------------- readers


def assert_clean(data: PartnershipData, form: str) -> None:
    assert data.form == form
    assert data.report.ok, data.report.errors
    assert data.rows == {"projects": 2, "partners": 5}
    assert data.report.location_counts == CLEAN_LOCATIONS
    assert data.projects["project_id"].tolist() == ["P001", "P002"]
    assert data.partners["organisation"].tolist() == [r[1] for r in PARTNER_ROWS]
    assert data.projects["lead_sector_code"].tolist() == ["cultural_centre", "library"]
    assert data.projects["target_group_codes"].tolist() == [
        ("seniors", "newcomers"),
        ("young_people",),
    ]
    assert data.projects["subsidy"].tolist() == [75000.0, 50000.0]
    assert data.projects["year_int"].tolist() == [2021, 2021]
    assert data.partners["sector_code"].tolist() == [
        "library", "residential_care", "dko", "arts_organisation", "arts_organisation",
    ]  # fmt: skip
    assert data.partners["role_code"].tolist() == [
        "referrer", "supporter", "knowledge_partner", "implementer", "knowledge_partner",
    ]  # fmt: skip
    assert data.partners["partner_location"].tolist() == [
        "resolved", "resolved", "resolved", "abroad", "wallonia",
    ]  # fmt: skip
    assert data.projects["lead_location"].tolist() == ["resolved", "resolved"]


def test_two_sheet_xlsx(tmp_path: Path, nis_of: Any) -> None:
    data = read_partnerships(two_sheet(tmp_path))
    assert_clean(data, "two_tables")
    assert data.source_name == "two.xlsx"
    assert data.projects["lead_nis"].tolist() == [nis_of("Aalst"), nis_of("Gent")]
    assert data.projects["source_sheet"].tolist() == ["projects", "projects"]
    assert data.projects["source_row"].tolist() == [2, 3]
    assert data.partners["source_sheet"].tolist() == ["partners"] * 5
    assert data.partners["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert data.partners["partner_nis"].tolist()[:3] == [
        nis_of("Denderleeuw"), nis_of("Erpe-Mere"), nis_of("Kortrijk"),
    ]  # fmt: skip
    assert data.projects["row_status"].tolist() == ["ok", "ok"]
    assert data.report.warnings == []


def test_two_sheet_xlsx_with_dutch_names_and_messy_headers(tmp_path: Path) -> None:
    projects = [
        ["  PROJECTNUMMER ", "Titel", "Ronde", "jaar", "Aanvrager", "Gemeente", "Post-code",
         "SECTOR", "Doelgroepen", "Subsidie (€)"],
        *PROJECT_ROWS,
    ]  # fmt: skip
    partners = [
        ["Project", "Organisatie", "Plaats", "postcode", "Land", "Sector", "Rôl"],
        *PARTNER_ROWS,
    ]
    path = write_xlsx(tmp_path / "nl.xlsx", {"Projecten": projects, "PARTNERS": partners})
    data = read_partnerships(path)
    assert_clean(data, "two_tables")
    reference = read_partnerships(two_sheet(tmp_path))
    pd.testing.assert_frame_equal(
        data.projects[list(_schema.PROJECT_FIELDS)],
        reference.projects[list(_schema.PROJECT_FIELDS)],
    )


def test_flat_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "flat.xlsx", {"Blad1": [FLAT_HEADERS, *flat_rows()]})
    data = read_partnerships(path)
    assert_clean(data, "flat")
    assert data.partners["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert data.projects["source_row"].tolist() == [2, 4]  # first row of each project
    assert data.projects["source_sheet"].tolist() == ["Blad1", "Blad1"]


def test_two_csv_files(tmp_path: Path) -> None:
    projects = write_csv(tmp_path / "projecten.csv", [PROJECT_HEADERS, *PROJECT_ROWS])
    partners = write_csv(tmp_path / "partners.csv", [PARTNER_HEADERS, *PARTNER_ROWS], delimiter=",")
    data = read_partnerships((projects, partners))
    assert_clean(data, "two_tables")
    assert data.source_name == "projecten.csv + partners.csv"
    assert data.projects["source_file"].tolist() == ["projecten.csv"] * 2
    assert data.partners["source_file"].tolist() == ["partners.csv"] * 5
    assert data.partners["source_sheet"].tolist() == [""] * 5


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_flat_csv_delimiters_and_encodings(tmp_path: Path, delimiter: str, encoding: str) -> None:
    rows = flat_rows()
    rows[0][4] = "Cultuurcentrum Zénith"  # é: two bytes in UTF-8, one in cp1252
    path = write_csv(
        tmp_path / "flat.csv", [FLAT_HEADERS, *rows], delimiter=delimiter, encoding=encoding
    )
    data = read_partnerships(path)
    assert data.form == "flat"
    assert data.report.ok, data.report.errors
    assert data.rows == {"projects": 2, "partners": 5}
    assert data.projects.loc[0, "lead_organisation"] == "Cultuurcentrum Zénith"
    assert data.partners.loc[4, "organisation"] == "Théâtre de Namur"
    # the ';' inside the quoted target-group cell survives every delimiter
    assert data.projects.loc[0, "target_groups"] == "senioren; nieuwkomers"
    assert data.report.location_counts == CLEAN_LOCATIONS


def test_excel_sep_line_and_utf16(tmp_path: Path) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(
        [FLAT_HEADERS, *flat_rows()]
    )
    data = read_partnerships(
        ("sep=\t\r\n" + buffer.getvalue()).encode("utf-16"), source_name="x.csv"
    )
    assert data.report.ok
    assert data.rows == {"projects": 2, "partners": 5}
    assert data.partners["source_row"].tolist() == [2, 3, 4, 5, 6]


def test_bytes_and_file_objects(tmp_path: Path) -> None:
    path = two_sheet(tmp_path)
    from_bytes = read_partnerships(path.read_bytes())
    assert from_bytes.source_name == "upload"
    assert_clean(from_bytes, "two_tables")
    with path.open("rb") as handle:
        from_handle = read_partnerships(handle)
    assert from_handle.source_name == "two.xlsx"
    assert_clean(from_handle, "two_tables")


def test_text_is_kept_as_written(tmp_path: Path) -> None:
    projects = [["007", "Nul nul zeven", "", "", "CC", "Gent", "", "", "", ""]]
    partners = [
        ["007", "=SOM(A1)", "Gent", "", "", "", ""],
        ["007", "'=1+1", "Gent", "", "", "", ""],  # our own neutralised export
    ]
    data = read_partnerships(two_sheet(tmp_path, projects, partners))
    assert data.report.ok
    assert data.projects.loc[0, "project_id"] == "007"
    assert data.partners["organisation"].tolist() == ["=SOM(A1)", "=1+1"]


def test_numeric_cells_read_as_people_see_them(tmp_path: Path) -> None:
    projects = [[12, "T", "2021-1", 2021, "CC", "Gent", 9000, "", "", 75000.5]]
    partners = [["12", "Bib", "Aalst", 9300.0, "", "", ""]]
    data = read_partnerships(two_sheet(tmp_path, projects, partners))
    assert data.report.ok, data.report.errors
    assert data.projects.loc[0, "project_id"] == "12"
    assert data.projects.loc[0, "lead_postcode"] == "9000"
    assert data.projects.loc[0, "subsidy"] == 75000.5
    assert data.partners.loc[0, "postcode"] == "9300"


def test_header_below_a_title_and_blank_rows_keep_row_numbers(tmp_path: Path) -> None:
    rows: Rows = [
        ["Overzicht partners 2021"],
        [],
        PARTNER_HEADERS,
        PARTNER_ROWS[0],
        [],
        PARTNER_ROWS[1],
    ]
    path = write_xlsx(
        tmp_path / "t.xlsx", {"projects": [PROJECT_HEADERS, *PROJECT_ROWS], "partners": rows}
    )
    data = read_partnerships(path)
    assert data.report.ok, data.report.errors
    assert data.partners["source_row"].tolist() == [4, 6]


# --------------------------------------------------------------------------- errors


def test_missing_column_lists_the_aliases(tmp_path: Path) -> None:
    partners = [[r[0], *r[2:]] for r in PARTNER_ROWS]
    path = write_xlsx(
        tmp_path / "m.xlsx",
        {
            "projects": [PROJECT_HEADERS, *PROJECT_ROWS],
            "partners": [[PARTNER_HEADERS[0], *PARTNER_HEADERS[2:]], *partners],
        },
    )
    data = read_partnerships(path)
    assert not data.report.ok
    problem = only(data, "missing_column")
    assert (problem.severity, problem.sheet, problem.row, problem.column, problem.field) == (
        "error", "partners", 1, "organisatie", "organisation",
    )  # fmt: skip
    assert problem.params["accepted"][:4] == [
        "organisation",
        "organisatie",
        "organization",
        "partner",
    ]
    assert problem_message(problem).startswith(
        "Kolom 'organisatie' (Partnerorganisatie) is verplicht maar ontbreekt in blad 'partners'. "
        "Aanvaarde namen: organisation, organisatie, organization, partner"
    )
    assert problem_message(problem, "en").startswith(
        "Column 'organisatie' (Partner organisation) is required but missing in sheet 'partners'. "
        "Accepted names: organisation, organisatie, organization, partner"
    )
    # the rows are still all there, and no per-row flood for the missing column
    assert data.rows == {"projects": 2, "partners": 5}
    assert problems(data, "empty_required") == []


def test_missing_lead_location_names_the_alternative(tmp_path: Path) -> None:
    keep = [
        i for i, h in enumerate(PROJECT_HEADERS) if h not in ("lead_municipality", "lead_postcode")
    ]
    projects = [[row[i] for i in keep] for row in [PROJECT_HEADERS, *PROJECT_ROWS]]
    path = write_xlsx(
        tmp_path / "m.xlsx", {"projects": projects, "partners": [PARTNER_HEADERS, *PARTNER_ROWS]}
    )
    problem = only(read_partnerships(path), "missing_column")
    assert problem.field == "lead_municipality"
    assert problem.params["alternative"] == "postcode"
    assert "of kolom 'postcode' is verplicht" in problem_message(problem)
    assert "or column 'postcode' is required" in problem_message(problem, "en")


def test_empty_required_values(tmp_path: Path) -> None:
    projects = [list(PROJECT_ROWS[0]), list(PROJECT_ROWS[1])]
    projects[1][1] = ""  # title
    projects[1][5] = ""  # lead_municipality
    projects[1][6] = ""  # lead_postcode
    partners = [list(r) for r in PARTNER_ROWS]
    partners[2][1] = ""  # organisation
    data = read_partnerships(two_sheet(tmp_path, projects, partners))
    found = [(p.sheet, p.row, p.column, p.value) for p in problems(data, "empty_required")]
    assert found == [
        ("partners", 4, "organisation", ""),
        ("projects", 3, "title", ""),
        ("projects", 3, "lead_municipality", ""),
    ]
    assert all(p.severity == "error" for p in problems(data, "empty_required"))
    assert data.projects["row_status"].tolist() == ["ok", "error"]


def test_lead_postcode_alone_is_enough(tmp_path: Path) -> None:
    projects = [list(PROJECT_ROWS[0])]
    projects[0][5], projects[0][6] = "", "9300"
    data = read_partnerships(two_sheet(tmp_path, projects, PARTNER_ROWS[:2]))
    assert data.report.ok, data.report.errors
    assert data.projects.loc[0, "lead_name"] == "Aalst"
    assert data.projects.loc[0, "lead_status"] == "postcode"


def test_duplicate_project_id(tmp_path: Path) -> None:
    projects = [
        PROJECT_ROWS[0],
        PROJECT_ROWS[1],
        [*PROJECT_ROWS[0][:1], "Kopie", *PROJECT_ROWS[0][2:]],
    ]
    data = read_partnerships(two_sheet(tmp_path, projects))
    problem = only(data, "duplicate_project_id")
    assert (problem.severity, problem.row, problem.column, problem.value) == (
        "error", 4, "project_id", "P001",
    )  # fmt: skip
    assert problem.params == {"first_row": 2}
    assert "komt al voor in rij 2;" in problem_message(problem)
    assert "already occurs in row 2;" in problem_message(problem, "en")
    assert len(data.projects) == 3  # kept, marked
    assert data.projects["row_status"].tolist() == ["ok", "ok", "error"]


def test_partner_of_unknown_project(tmp_path: Path) -> None:
    partners = [*PARTNER_ROWS, ["P999", "Verdwaald", "Gent", "", "", "", ""]]
    data = read_partnerships(two_sheet(tmp_path, partners=partners))
    problem = only(data, "unknown_project")
    assert (problem.severity, problem.sheet, problem.row, problem.column, problem.value) == (
        "error", "partners", 7, "project_id", "P999",
    )  # fmt: skip
    assert data.partners["row_status"].tolist() == ["ok"] * 5 + ["error"]


def test_only_a_projects_sheet(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", {"projects": [PROJECT_HEADERS, *PROJECT_ROWS]})
    data = read_partnerships(path)
    assert only(data, "missing_sheet").severity == "error"
    assert data.rows == {"projects": 2, "partners": 0}


def test_no_rows_is_an_error(tmp_path: Path) -> None:
    data = read_partnerships(two_sheet(tmp_path, [], []))
    assert only(data, "no_projects").severity == "error"


# --------------------------------------------------------------------------- warnings


def messy(tmp_path: Path) -> PartnershipData:
    """Two projects and eight partner rows with one of each warning."""
    projects = [list(PROJECT_ROWS[0]), list(PROJECT_ROWS[1])]
    projects[0][7] = "gekke sector"  # unknown lead sector
    projects[0][8] = "senioren; marsmannetjes"  # unknown target group
    projects[1][9] = "n.t.b."  # not an amount
    projects[1][3] = "twintig"  # not a year
    partners = [
        ["P001", "WZC De Linde", "Deurne", "", "", "woonzorgcentrum", "toeleider"],  # 2 ambiguous
        ["P001", "Kunstcollectief", "Xyzzy", "", "", "kunstenaar", "toeleider"],  # 3 unresolved
        ["P001", "De Vrienden", "Aalst", "", "", "vriendenclub", "toeleider"],  # 4 unknown sector
        ["P001", "Bib Aalst", "Aalst", "", "", "bibliotheek", "bemoeial"],  # 5 unknown role
        ["P001", "CC De Werf vzw", "Aalst", "", "", "cultuurcentrum", "initiatiefnemer"],  # 6 lead
        ["P002", "Stad Kortrijk", "Kortrjk", "", "", "gemeente", "aanjager"],  # 7 typo
        ["P002", "Stad Kortrijk", "Kortrijk", "", "", "gemeente", "aanjager"],  # 8 twice
        ["P002", "Zonder plaats", "", "", "", "", ""],  # 9 no location
    ]
    return read_partnerships(two_sheet(tmp_path, projects, partners))


@pytest.mark.parametrize(
    ("code", "where"),
    [
        ("ambiguous_location", ("partners", 2, "municipality", "Deurne")),
        ("unresolved_location", ("partners", 3, "municipality", "Xyzzy")),
        ("unresolved_location", ("partners", 9, "municipality", "")),
        ("unknown_sector", ("projects", 2, "lead_sector", "gekke sector")),
        ("unknown_sector", ("partners", 4, "sector", "vriendenclub")),
        ("unknown_role", ("partners", 5, "role", "bemoeial")),
        ("unknown_target_group", ("projects", 2, "target_groups", "marsmannetjes")),
        ("non_numeric_amount", ("projects", 3, "subsidy_eur", "n.t.b.")),
        ("invalid_year", ("projects", 3, "year", "twintig")),
        ("partner_is_lead", ("partners", 6, "organisation", "CC De Werf vzw")),
        ("fuzzy_location", ("partners", 7, "municipality", "Kortrjk")),
        ("duplicate_partner", ("partners", 8, "organisation", "Stad Kortrijk")),
    ],
)
def test_each_warning(tmp_path: Path, code: str, where: tuple[str, int, str, str]) -> None:
    data = messy(tmp_path)
    assert data.report.ok, data.report.errors  # warnings never refuse the import
    found = [(p.sheet, p.row, p.column, p.value) for p in problems(data, code)]
    assert where in found
    assert all(p.severity == "warning" for p in problems(data, code))
    # Worded in both languages, naming the cell's text; no field left unfilled.
    for p in problems(data, code):
        for lang in ("nl", "en"):
            message = problem_message(p, lang)
            assert (p.value or "") in message and "{" not in message, (lang, message)


def test_warnings_leave_their_trace_in_the_data(tmp_path: Path, nis_of: Any) -> None:
    data = messy(tmp_path)
    partners = data.partners
    assert partners.loc[0, "partner_location"] == "ambiguous"
    assert set(partners.loc[0, "partner_candidates"].split(";")) == {
        nis_of("Antwerpen"),
        nis_of("Diest"),
    }
    ambiguous = only(data, "ambiguous_location")
    assert ambiguous.params["candidates"] == [
        f"Antwerpen ({nis_of('Antwerpen')})",
        f"Diest ({nis_of('Diest')})",
    ]
    assert "Antwerpen (" in problem_message(ambiguous, "en")
    assert partners.loc[1, "partner_location"] == "unresolved"
    third = partners.loc[2, ["sector", "sector_code", "sector_group"]].tolist()
    assert third == ["vriendenclub", "unknown", "unknown"]
    assert (partners.loc[3, "role"], partners.loc[3, "role_code"]) == ("bemoeial", "unknown")
    assert partners["is_lead_itself"].tolist() == [False] * 4 + [True] + [False] * 3
    assert partners.loc[5, "partner_status"] == "fuzzy"
    assert partners.loc[5, "partner_nis"] == nis_of("Kortrijk")
    assert np.isnan(data.projects.loc[1, "subsidy"])
    assert data.projects.loc[0, "target_group_codes"] == ("seniors", "marsmannetjes")
    assert pd.isna(data.projects.loc[1, "year_int"])


def test_unknown_columns_are_kept_with_a_warning(tmp_path: Path) -> None:
    partners = [
        [*PARTNER_HEADERS, "Opmerking"],
        *[[*r, f"noot {i}"] for i, r in enumerate(PARTNER_ROWS)],
    ]
    path = write_xlsx(
        tmp_path / "x.xlsx", {"projects": [PROJECT_HEADERS, *PROJECT_ROWS], "partners": partners}
    )
    data = read_partnerships(path)
    problem = only(data, "unknown_column")
    assert (problem.row, problem.column) == (1, "Opmerking")
    assert data.partners["Opmerking"].tolist() == [f"noot {i}" for i in range(5)]
    assert "Opmerking" in data.raw_partners.columns


def test_flat_conflicting_project_values(tmp_path: Path) -> None:
    rows = flat_rows()
    rows[1][1] = "Andere titel"  # second row of P001
    path = write_xlsx(tmp_path / "f.xlsx", {"data": [FLAT_HEADERS, *rows]})
    data = read_partnerships(path)
    problem = only(data, "conflicting_project_values")
    assert (problem.row, problem.column, problem.value, problem.field) == (
        3,
        "titel",
        "Andere titel",
        "title",
    )
    assert data.projects.loc[0, "title"] == "Verhalen"


def test_flat_conflict_in_projects_whose_rows_alternate(ref) -> None:  # type: ignore[no-untyped-def]
    text = "projectnummer,titel,aanvrager,gemeente aanvrager,organisatie,gemeente\n"
    text += "P1,Een,CC Gent,Gent,Bib A,Gent\n"
    text += "P2,Twee,CC Gent,Gent,Bib B,Gent\n"
    text += "P1,Een,CC Gent,Gent,Bib C,Gent\n"
    text += "P2,Drie,CC Gent,Gent,Bib D,Gent\n"
    data = read_partnerships(text.encode(), source_name="t.csv", reference=ref)
    problem = only(data, "conflicting_project_values")
    assert (problem.row, problem.value, problem.params["first_row"]) == (5, "Drie", 3)
    assert data.projects["title"].tolist() == ["Een", "Twee"]


def test_lead_outside_flanders(tmp_path: Path) -> None:
    projects = [list(PROJECT_ROWS[0])]
    projects[0][5] = "Namur"
    data = read_partnerships(two_sheet(tmp_path, projects, PARTNER_ROWS[:1]))
    assert only(data, "lead_outside_flanders").row == 2
    assert data.projects.loc[0, "lead_location"] == "wallonia"


# --------------------------------------------------------------------------- conservation


def test_row_conservation_two_tables(tmp_path: Path) -> None:
    data = messy(tmp_path)
    assert len(data.projects) == 2
    assert len(data.partners) == 8
    assert data.partners["source_row"].tolist() == list(range(2, 10))
    assert data.partners["row_status"].tolist() == ["warning"] * 8  # one warning on each
    assert data.projects["row_status"].tolist() == ["warning", "warning"]
    counts = data.report.location_counts
    assert sum(counts.values()) == len(data.projects) + len(data.partners)
    assert counts == {"resolved": 7, "ambiguous": 1, "unresolved": 2, "wallonia": 0, "abroad": 0}
    located = pd.concat([data.projects["lead_location"], data.partners["partner_location"]])
    assert located.value_counts().reindex(list(LOCATION_CLASSES), fill_value=0).to_dict() == counts


def test_row_conservation_flat_with_project_only_rows_and_errors(tmp_path: Path) -> None:
    rows = flat_rows()
    project_only = [
        *PROJECT_ROWS[0][:1],
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    new_project = ["P003", "Alleen project", "2022-1", "2022", "Stad Lier", "Lier", "", "", "", "",
                   "", "", "", "", "", ""]  # fmt: skip
    orphan = ["", "", "", "", "", "", "", "", "", "", "Zwerver", "Gent", "", "", "", ""]
    rows = [*rows, project_only, new_project, orphan]
    path = write_csv(tmp_path / "flat.csv", [FLAT_HEADERS, *rows])
    data = read_partnerships(path)
    # 5 partner rows + 1 partner row without project; P001 (twice), P002, P003 as projects
    assert data.rows == {"projects": 3, "partners": 6}
    assert data.projects["project_id"].tolist() == ["P001", "P002", "P003"]
    assert data.projects["source_row"].tolist() == [2, 4, 8]
    assert data.partners["source_row"].tolist() == [2, 3, 4, 5, 6, 9]
    assert data.partners["row_status"].tolist()[-1] == "error"
    assert only(data, "empty_required").row == 9
    every_row = set(data.partners["source_row"]) | set(data.projects["source_row"]) | {7}
    assert every_row == set(range(2, 10))  # row 7 merged into project P001
    assert sum(data.report.location_counts.values()) == 9


# --------------------------------------------------------------------------- fixes


def test_fixes_from_the_workspace_are_applied_first(tmp_path: Path, nis_of: Any) -> None:
    partners = [["P001", "Kunstcollectief", "Xyzzy", "", "", "kunstenaar", "toeleider"]]
    path = two_sheet(tmp_path, PROJECT_ROWS[:1], partners)
    before = read_partnerships(path)
    assert before.partners.loc[0, "partner_status"] == "unresolved"
    fixes = {fix_key("Xyzzy", ""): nis_of("Gent")}
    after = read_partnerships(path, fixes=fixes)
    assert after.partners.loc[0, "partner_status"] == "manual"
    assert after.partners.loc[0, "partner_nis"] == nis_of("Gent")
    assert after.partners.loc[0, "partner_location"] == "resolved"
    assert problems(after, "unresolved_location") == []
    again = partnerships_from_raw(
        before.raw_projects, before.raw_partners, source_name=before.source_name, fixes=fixes
    )
    pd.testing.assert_frame_equal(again.partners, after.partners)
    pd.testing.assert_frame_equal(again.projects, after.projects)


def test_a_fix_to_an_unknown_code_does_not_block_the_import(tmp_path: Path, nis_of: Any) -> None:
    partners = [["P001", "Kunstcollectief", "Xyzzy", "", "", "kunstenaar", "toeleider"]]
    path = two_sheet(tmp_path, PROJECT_ROWS[:1], partners)
    fixes = {fix_key("Xyzzy", ""): "99999", fix_key("Aalst", ""): nis_of("Gent")}
    data = read_partnerships(path, fixes=fixes)
    assert data.report.ok
    assert data.partners.loc[0, "partner_status"] == "unresolved"
    assert data.projects.loc[0, "lead_status"] == "manual"
    assert data.projects.loc[0, "lead_nis"] == nis_of("Gent")
    assert validate_file(path, fixes=fixes)[1:] == (0, None)


def test_raw_tables_round_trip_through_text(tmp_path: Path) -> None:
    data = messy(tmp_path)
    # the workspace stores text; reading it back must give the same import
    as_text = data.raw_partners.astype(str)
    again = partnerships_from_raw(
        data.raw_projects.astype(str), as_text, source_name=data.source_name
    )
    pd.testing.assert_frame_equal(again.partners, data.partners)

    # headers as written are not stored, so problems name the Dutch header instead
    def key(p: Any) -> tuple[Any, ...]:
        return (p.severity, p.code, p.file, p.sheet, p.row, p.field, p.value)

    assert [key(p) for p in again.report.problems] == [key(p) for p in data.report.problems]


# --------------------------------------------------------------------------- limits


def test_upload_cap(tmp_path: Path) -> None:
    small = Settings.from_env(max_upload_mb=0.001)
    path = two_sheet(tmp_path)
    with pytest.raises(InputError, match=r"two\.xlsx.*grens is 0,0 MB.*max_upload_mb"):
        read_partnerships(path, settings=small)
    with pytest.raises(InputError, match="upload"):
        read_partnerships(path.read_bytes(), settings=small)
    with path.open("rb") as handle, pytest.raises(InputError, match=r"two\.xlsx"):
        read_partnerships(handle, settings=small)
    assert Settings().max_upload_mb == 25.0


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"", "leeg"),
        (b"\x00\x01\x02binary", "geen tekst"),
        (b"PK\x03\x04garbage", "beschadigd"),
    ],
)
def test_unreadable_input(payload: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_partnerships(payload, source_name="x")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="kan niet gelezen worden"):
        read_partnerships(tmp_path / "nope.xlsx")


# --------------------------------------------------------------------------- CLI contract


def test_validate_json_contract(tmp_path: Path) -> None:
    partners = [*PARTNER_ROWS, ["P999", "Verdwaald", "Deurne", "", "", "", ""]]
    path = two_sheet(tmp_path, partners=partners)
    out, err = io.StringIO(), io.StringIO()
    code = validate_command(path, as_json=True, out=out, err=err)
    assert code == 1
    assert err.getvalue() == ""
    payload = json.loads(out.getvalue())
    assert list(payload) == ["rows", "errors", "warnings", "locations", "columns"]
    assert payload["rows"] == {"projects": 2, "partners": 6}
    assert payload["locations"] == {**CLEAN_LOCATIONS, "ambiguous": 1}
    keys = {
        "severity", "code", "file", "sheet", "row", "column", "field", "value", "params", "message",
    }  # fmt: skip
    assert [set(p) for p in payload["errors"]] == [keys]
    assert payload["errors"][0] == {
        "severity": "error",
        "code": "unknown_project",
        "file": "two.xlsx",
        "sheet": "partners",
        "row": 7,
        "column": "project_id",
        "field": "project_id",
        "value": "P999",
        "params": {},
        "message": "Projectnummer 'P999' bestaat niet bij de projecten; controleer het nummer "
        "of voeg het project toe.",
    }
    assert [p["code"] for p in payload["warnings"]] == ["ambiguous_location"]


def test_validate_exit_codes(tmp_path: Path) -> None:
    messy(tmp_path)  # writes two.xlsx: warnings only
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(tmp_path / "two.xlsx", as_json=False, out=out, err=err) == 0
    text = out.getvalue()
    assert "Waarschuwingen" in text and "Dubbelzinnige locatie" in text and "geen fouten" in text
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not a workbook")
    out, err = io.StringIO(), io.StringIO()
    assert validate_command(garbage, as_json=True, out=out, err=err) == 2
    assert out.getvalue() == ""
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("InputError: ")
    data, code, message = validate_file(garbage)
    assert (data, code) == (None, 2) and message


def test_report_frame_speaks_the_language_asked(tmp_path: Path) -> None:
    report = messy(tmp_path).report
    frame = report.to_frame()
    assert list(frame.columns) == [
        "Ernst", "Soort", "Bestand", "Blad", "Rij", "Kolom", "Waarde", "Melding",
    ]  # fmt: skip
    assert set(frame["Ernst"]) == {"waarschuwing"}
    assert str(frame["Rij"].dtype) == "Int64"
    english = report.to_frame("en")
    assert list(english.columns) == [
        "Severity", "Kind", "File", "Sheet", "Row", "Column", "Value", "Message",
    ]  # fmt: skip
    assert set(english["Severity"]) == {"warning"}
    # The same problems, row for row, each worded in its language.
    assert english["Row"].tolist() == frame["Rij"].tolist()
    at = report.problems.index(next(p for p in report.problems if p.code == "invalid_year"))
    assert frame["Soort"][at] == "Ongeldig jaar" and english["Kind"][at] == "Invalid year"
    assert frame["Melding"][at].startswith("Jaar 'twintig' is geen jaartal")
    assert english["Message"][at].startswith("Year 'twintig' is not a year")


# --------------------------------------------------------------------------- writers


def test_neutralise_formulas() -> None:
    df = pd.DataFrame(
        {
            "text": [
                "=SUM(A1)",
                "+1+2",
                "-2+3",
                "@cmd",
                "\tx",
                "\rx",
                "＝1",
                "gewoon",
                "-12",
                "+3,5",
                None,
            ],
            "number": [-1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        }
    )
    out = neutralise_formulas(df)
    assert out["text"].tolist()[:7] == [
        "'=SUM(A1)",
        "'+1+2",
        "'-2+3",
        "'@cmd",
        "'\tx",
        "'\rx",
        "'＝1",
    ]
    assert out["text"].tolist()[7:10] == ["gewoon", "-12", "+3,5"]
    assert out["text"].isna().tolist()[-1]
    assert out["number"].dtype == df["number"].dtype
    assert out["number"].tolist() == df["number"].tolist()
    assert df.loc[0, "text"] == "=SUM(A1)"  # input untouched
    assert list(neutralise_formulas(pd.DataFrame(columns=["=x"])).columns) == ["'=x"]


def test_neutralise_formulas_strips_control_characters_first() -> None:
    df = pd.DataFrame({"text": ['\x01=HYPERLINK("x")', "\x00\x1f@cmd", "a\x02b", "\t=x"]})
    out = neutralise_formulas(df)
    assert out["text"].tolist() == ['\'=HYPERLINK("x")', "'@cmd", "ab", "'\t=x"]


XLSX_TRICKY = [
    "=1+1",
    '\x01=HYPERLINK("x")',
    "@SUM(A1)",
    "+32 2 123",
    "-Org",
    "\t=cmd",
    "\r=cmd",
    "#N/A",
    "'=al gequoot",
    "-12",
]


def test_to_safe_xlsx_writes_every_text_as_a_string_cell(tmp_path: Path) -> None:
    path = tmp_path / "tricky.xlsx"
    df = pd.DataFrame({"organisation": XLSX_TRICKY, "=kop": range(len(XLSX_TRICKY))})
    to_safe_xlsx({"data": df}, path)
    ws = openpyxl.load_workbook(path).active
    column = [ws.cell(row=i, column=1) for i in range(2, len(XLSX_TRICKY) + 2)]
    assert [c.data_type for c in column] == ["s"] * len(XLSX_TRICKY)
    # As written, minus the control character XLSX cannot hold, and without the
    # apostrophe CSV needs. XML reads a carriage return as a line feed.
    assert [c.value for c in column] == [
        "=1+1",
        '=HYPERLINK("x")',
        "@SUM(A1)",
        "+32 2 123",
        "-Org",
        "\t=cmd",
        "\n=cmd",
        "#N/A",
        "'=al gequoot",
        "-12",
    ]
    assert (ws["B1"].value, ws["B1"].data_type) == ("=kop", "s")
    assert (ws["B2"].value, ws["B2"].data_type) == (0, "n")
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_error_codes_are_openpyxls() -> None:
    from openpyxl.cell.cell import ERROR_CODES

    from optil_geo.partnerships.writers import _XLSX_ERROR_CODES

    assert frozenset(ERROR_CODES) == _XLSX_ERROR_CODES


def test_our_xlsx_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "tricky.xlsx"
    to_safe_xlsx({"data": pd.DataFrame({"organisation": XLSX_TRICKY})}, path)
    back = read_table(path).frame["organisation"].tolist()
    # The readers strip surrounding whitespace (tab, line feed) from every cell.
    assert back == [
        "=1+1",
        '=HYPERLINK("x")',
        "@SUM(A1)",
        "+32 2 123",
        "-Org",
        "=cmd",
        "=cmd",
        "#N/A",
        "=al gequoot",
        "-12",
    ]


def test_to_safe_csv_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "naam": ["Gent", '=HYPERLINK("x")', 'Zénith; "quoted"'],
            "aantal": [1, 2, 3],
            "bedrag": [75000.5, np.nan, -1.25],
            "codes": [("a", "b"), (), ("c",)],
        }
    )
    path = tmp_path / "out.csv"
    to_safe_csv(df, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False,
                       na_values=[""])  # fmt: skip
    assert back["naam"].tolist() == ["Gent", '\'=HYPERLINK("x")', 'Zénith; "quoted"']
    assert back["aantal"].tolist() == [1, 2, 3]
    assert back["bedrag"].tolist()[0] == 75000.5 and np.isnan(back["bedrag"][1])
    assert back["codes"].fillna("").tolist() == ["a; b", "", "c"]
    buffer = io.StringIO()
    to_safe_csv(df, buffer)
    assert buffer.getvalue().startswith("\ufeffnaam;aantal")


def test_to_safe_xlsx_round_trip(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "naam": ["Gent", "=1+1", "tab\x01je"],
            "aantal": pd.array([1, None, 3], dtype="Int64"),
            "bedrag": [1.5, np.nan, 3.0],
            "vlag": [True, False, True],
        }
    )
    path = tmp_path / "out.xlsx"
    to_safe_xlsx({"a/b: een heel lange bladnaam die te lang is": df, "tweede": df.head(1)}, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["a_b_ een heel lange bladnaam di", "tweede"]
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    assert ws["A4"].value == "tabje"
    assert ws["B2"].value == 1 and ws["B3"].value is None
    assert ws["C2"].value == 1.5 and ws["D2"].value is True
    back = pd.read_excel(path, sheet_name=0, engine="calamine")
    assert back["bedrag"].tolist()[0] == 1.5
    assert back["naam"].tolist()[0] == "Gent"


# --------------------------------------------------------------------------- template


def test_template_structure(tmp_path: Path) -> None:
    path = tmp_path / "sjabloon.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["projects", "partners", "uitleg", "lijsten"]
    assert book["lijsten"].sheet_state == "hidden"
    assert book["projects"].freeze_panes == "A2"
    headers = [c.value for c in book["partners"][1]]
    assert headers == [c.header_nl for c in _schema.PARTNER_COLUMNS]
    validations = {
        str(dv.sqref): dv.formula1 for dv in book["partners"].data_validations.dataValidation
    }
    vocab = load_vocabulary()
    assert validations == {
        "F2:F2000": f"=lijsten!$A$2:$A${len(vocab.sectors) + 1}",
        "G2:G2000": f"=lijsten!$B$2:$B${len(vocab.roles) + 1}",
    }
    assert [c.value for c in book["lijsten"]["A"][1:]] == [
        s.label_nl for s in vocab.sectors.values()
    ]
    assert len(book["projects"].data_validations.dataValidation) == 1
    explained = column_help()
    assert len(explained) == len(_schema.PROJECT_COLUMNS) + len(_schema.PARTNER_COLUMNS)
    assert [c.value for c in book["uitleg"][1]] == list(explained.columns)


@pytest.mark.parametrize("form", ["two_tables", "flat"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_column_help_lists_headers_the_import_recognises(form: str, lang: str) -> None:
    # Every header the help names, in either language, is one the import maps to that
    # column; the Dutch help names the template's own header first.
    explained = column_help(form, lang)  # type: ignore[arg-type]
    kinds: tuple[_schema.TableKind, ...] = (
        ("projects", "partners") if form == "two_tables" else ("flat",)
    )
    columns = [c for kind in kinds for c in _schema.columns_of(kind)]
    assert len(explained) == len(columns)
    sheet_kind = {
        "projects": "projects",
        "partners": "partners",
        "partnerschappen": "flat",
        "partnerships": "flat",
    }
    header, also = explained.columns[1], explained.columns[5]
    for col, (_, row) in zip(columns, explained.iterrows(), strict=True):
        index = _schema.alias_index(sheet_kind[row.iloc[0]])  # type: ignore[index]
        named = [row[header], *(a for a in row[also].split(", ") if a)]
        assert {index[_schema.header_key(h)] for h in named} == {col.name}, named
        if lang == "nl":
            assert row[header] == col.header_nl
    assert explained.columns[1] == ("Kolom" if lang == "nl" else "Column")


def test_column_help_words_terms_and_refuses_other_languages() -> None:
    dutch, english = column_help(lang="nl"), column_help(lang="en")
    role_nl = dutch.loc[dutch["Kolom"] == "rol", "Voorbeeld"].item()
    role_en = english.loc[english["Column"] == "role", "Example"].item()
    vocab = load_vocabulary()
    assert (role_nl, role_en) == (
        vocab.roles["referrer"].label_nl,
        vocab.roles["referrer"].label_en,
    )
    with pytest.raises(SettingsError, match="`lang` was 'fr'"):
        column_help(lang="fr")


@pytest.mark.parametrize("form", ["two_tables", "flat"])
def test_filled_template_imports_cleanly(tmp_path: Path, form: str) -> None:
    path = tmp_path / "sjabloon.xlsx"
    write_template(path, form=form)  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    sectors = [c.value for c in book["lijsten"]["A"][1:] if c.value]
    roles = [c.value for c in book["lijsten"]["B"][1:] if c.value]
    places = ["Gent", "Aalst", "Leuven", "Brugge", "Hasselt", "Mechelen"]
    if form == "two_tables":
        book["projects"].append(
            ["P1", "T", "2024-1", "2024", "CC", "Gent", "", sectors[0], "senioren", "1"]
        )
        for i, sector in enumerate(sectors):
            book["partners"].append(
                ["P1", f"Org {i}", places[i % 6], "", "", sector, roles[i % len(roles)]]
            )
    else:
        for i, sector in enumerate(sectors):
            book["partnerschappen"].append(
                ["P1", "T", "2024-1", "2024", "CC", "Gent", "", sectors[0], "senioren", "1",
                 f"Org {i}", places[i % 6], "", "", sector, roles[i % len(roles)]]
            )  # fmt: skip
    book.save(path)
    data = read_partnerships(path)
    assert data.form == form
    assert data.report.ok and data.report.warnings == [], data.report.problems
    assert len(data.partners) == len(sectors)
    assert "unknown" not in set(data.partners["sector_code"])
    assert "unknown" not in set(data.partners["role_code"])


@pytest.mark.parametrize("form", ["two_tables", "flat"])
def test_english_template_speaks_english_and_imports_when_filled(tmp_path: Path, form: str) -> None:
    # The template follows the interface language: English headers, sheets, lists and
    # explanation; filled in with the English labels of its lists it imports cleanly.
    path = tmp_path / "template.xlsx"
    write_template(path, form=form, lang="en")  # type: ignore[arg-type]
    book = openpyxl.load_workbook(path)
    data_sheets = ["projects", "partners"] if form == "two_tables" else ["partnerships"]
    assert book.sheetnames == [*data_sheets, "explanation", "lists"]
    columns = _schema.PROJECT_COLUMNS if form == "two_tables" else _schema.FLAT_COLUMNS
    assert [c.value for c in book[data_sheets[0]][1]] == [c.header_en for c in columns]
    assert [c.value for c in book["explanation"][1]] == list(column_help(form, "en").columns)  # type: ignore[arg-type]
    vocab = load_vocabulary()
    sectors = [c.value for c in book["lists"]["A"][1:] if c.value]
    roles = [c.value for c in book["lists"]["B"][1:] if c.value]
    assert sectors == [s.label_en for s in vocab.sectors.values()]
    validation = book[data_sheets[-1]].data_validations.dataValidation[0]
    assert validation.formula1.startswith("=lists!")
    assert validation.prompt == catalogue_text("tpl_prompt", "en")
    target = vocab.target_groups["families"].label_en
    places = ["Gent", "Aalst", "Leuven", "Brugge", "Hasselt", "Mechelen"]
    project = ["P1", "T", "2024-1", "2024", "CC", "Gent", "", sectors[0], target, "1"]
    for i, sector in enumerate(sectors):
        partner = [f"Org {i}", places[i % 6], "", "", sector, roles[i % len(roles)]]
        if form == "two_tables":
            if i == 0:
                book["projects"].append(project)
            book["partners"].append(["P1", *partner])
        else:
            book["partnerships"].append([*project, *partner])
    book.save(path)
    data = read_partnerships(path)
    assert data.form == form
    assert data.report.ok and data.report.warnings == [], data.report.problems
    assert len(data.partners) == len(sectors)
    assert "unknown" not in set(data.partners["sector_code"])
    assert "unknown" not in set(data.partners["role_code"])
    assert data.projects["target_group_codes"].tolist() == [("families",)]


# --------------------------------------------------------------------------- robustness

_FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _outcome(payload: bytes) -> None:
    try:
        data = read_partnerships(payload, source_name="fuzz")
    except InputError as exc:
        assert str(exc)
        return
    assert isinstance(data, PartnershipData)
    assert sum(data.report.location_counts.values()) == len(data.projects) + len(data.partners)
    json.dumps(data.to_json_dict())


@_FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(payload: bytes) -> None:
    _outcome(payload)


_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "P1", "P2", "Gent", "Deurne", "9000", ";", '"', "\n", "=1+1", "é"]),
)


@_FAST
@given(
    header=st.lists(st.sampled_from([*FLAT_HEADERS, "", "x", "projectnummer"]), max_size=18),
    rows=st.lists(st.lists(_CELL, max_size=18), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_NONE, csv.QUOTE_ALL]),
)
def test_malformed_csv_never_crashes(
    header: list[str], rows: list[list[str]], delimiter: str, encoding: str, quoting: int
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, escapechar="\\")
    for row in [header, *rows]:
        try:
            writer.writerow(row)
        except csv.Error:
            buffer.write(delimiter.join(row) + "\n")
    _outcome(buffer.getvalue().encode(encoding, errors="replace"))


_VALID_XLSX = _workbook_bytes(
    {"projects": [PROJECT_HEADERS, *PROJECT_ROWS], "partners": [PARTNER_HEADERS, *PARTNER_ROWS]}
)


@_FAST
@given(cut=st.integers(min_value=0, max_value=len(_VALID_XLSX)), flips=st.lists(
    st.tuples(st.integers(min_value=0, max_value=len(_VALID_XLSX) - 1), st.integers(0, 255)),
    max_size=4,
))  # fmt: skip
def test_damaged_xlsx_never_crashes(cut: int, flips: list[tuple[int, int]]) -> None:
    payload = bytearray(_VALID_XLSX[:cut] if cut < len(_VALID_XLSX) else _VALID_XLSX)
    for position, value in flips:
        if position < len(payload):
            payload[position] = value
    _outcome(bytes(payload))


_XLSX_CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10),
    st.sampled_from(["P1", "Gent", "Deurne", "9000", "=1+1"]),
)


@settings(max_examples=40, deadline=None)
@given(
    two=st.booleans(),
    header=st.lists(st.sampled_from([*PROJECT_HEADERS, *FLAT_HEADERS, "", "??"]), max_size=12),
    rows=st.lists(st.lists(_XLSX_CELL, max_size=12), max_size=6),
)
def test_random_xlsx_cells_never_crash(two: bool, header: list[str], rows: list[list[Any]]) -> None:
    sheets = (
        {"projects": [header, *rows], "partners": [header, *rows]}
        if two
        else {"x": [header, *rows]}
    )
    _outcome(_workbook_bytes(sheets))


def test_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError):
        read_partnerships(buffer.getvalue(), source_name="zip")


def test_warnings_keep_reading_order_and_survive_pickling(ref) -> None:  # type: ignore[no-untyped-def]
    """The report is plain problems in reading order: pickling and comparing see them all."""
    import pickle

    from optil_geo.dataio import Problem, ValidationReport

    text = (
        "projectnummer,titel,ronde,aanvrager,gemeente aanvrager,subsidie,"
        "organisatie,gemeente,sector\n"
        "P1,T,2021-1,CC Gent,Gent,n.t.b.,Bib A,Kortrjk,raar\n"
        "P1,T,2021-1,CC Gent,Gent,n.t.b.,Bib B,Xyzzy,Bibliotheek\n"
        "P2,U,2021-1,CC Gent,Gent,75000,Bib C,Gent,raar\n"
    )
    data = read_partnerships(text.encode(), source_name="t.csv", reference=ref)
    report = data.report
    restored = pickle.loads(pickle.dumps(report))
    warnings = report.warnings
    rows = [w.row for w in warnings]
    assert rows == sorted(rows)
    codes = {w.code for w in warnings}
    assert {
        "non_numeric_amount",
        "fuzzy_location",
        "unresolved_location",
        "unknown_sector",
    } <= codes
    # Row 2 has a bad amount, a typo'd place and an unknown sector, in the order of the checks.
    assert [w.code for w in warnings if w.row == 2] == [
        "non_numeric_amount",
        "unknown_sector",
        "fuzzy_location",
    ]
    assert restored == report and restored.warnings == warnings
    extra = Problem("warning", "x", {}, "t.csv", None, 9)
    report.add(extra)
    assert report.warnings[-1] is extra
    assert ValidationReport(warnings=[extra]).warnings == [extra]


def test_a_warning_added_after_the_import_goes_last(ref) -> None:  # type: ignore[no-untyped-def]
    from optil_geo.dataio import Problem

    text = "projectnummer,titel,aanvrager,gemeente aanvrager,subsidie,organisatie,gemeente\n"
    text += "P1,T,CC Gent,Gent,n.t.b.,Bib A,Gent\n"
    for read_first in (False, True):
        data = read_partnerships(text.encode(), source_name="t.csv", reference=ref)
        if read_first:
            assert data.report.warnings
        data.report.add(Problem("warning", "mine", {}, "a.csv", None, 1))
        assert [w.code for w in data.report.warnings][-1] == "mine"
