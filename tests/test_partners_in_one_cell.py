"""Partners listed in one cell, and places taken from other evidence: each said, none silent."""

from __future__ import annotations

from pathlib import Path

import pytest

import optil_geo as og
from optil_geo.partnerships.cells import split_parts
from optil_geo.partnerships.organisations import organisation_key

HEADER = "projectnummer;titel;aanvrager;gemeente aanvrager;organisatie;gemeente;adres\n"


def _read(body: str, **options: object) -> og.PartnershipData:
    return og.read_partnerships((HEADER + body).encode(), source_name="lijst.csv", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "parts"),
    [
        (
            "CC Westrand (Dilbeek); GC De Rinck (Anderlecht); Gemeente Tervuren",
            ["CC Westrand (Dilbeek)", "GC De Rinck (Anderlecht)", "Gemeente Tervuren"],
        ),
        ("Bib Gent\nCC Brugge", ["Bib Gent", "CC Brugge"]),
        ("Bib Gent / CC Brugge", ["Bib Gent", "CC Brugge"]),
        (
            "CC Hasselt - Hasselt en Bib Leuven (Leuven)",
            ["CC Hasselt - Hasselt", "Bib Leuven (Leuven)"],
        ),
        ("Huis van Cultuur en Erfgoed", ["Huis van Cultuur en Erfgoed"]),  # no places: one name
        ("Cultuur/Erfgoed vzw", ["Cultuur/Erfgoed vzw"]),  # a slash inside a name
    ],
)
def test_split_parts(cell: str, parts: list[str]) -> None:
    assert split_parts(cell) == parts


def test_a_cell_of_partners_becomes_partner_rows_and_is_reported() -> None:
    body = (
        'P1;Samen;CC Westrand;Dilbeek;"CC Westrand (Dilbeek); GC De Rinck (Anderlecht); '
        'Gemeente Tervuren";;\n'
        "P1;Samen;CC Westrand;Dilbeek;Bib Halle;Halle;\n"
    )
    data = _read(body)
    assert data.partners["organisation"].tolist() == [
        "CC Westrand (Dilbeek)",
        "GC De Rinck (Anderlecht)",
        "Gemeente Tervuren",
        "Bib Halle",
    ]
    assert data.partners["source_row"].tolist() == [2, 2, 2, 3]
    (split,) = [p for p in data.report.warnings if p.code == "partners_split"]
    assert (split.row, split.severity) == (2, "warning")
    assert split.params["n"] == 3
    assert "noemt er 3; elk wordt een eigen partnerrij" in og.problem_message(split)
    assert "names 3; each becomes a partner row of its own" in og.problem_message(split, "en")


def test_places_listed_alongside_are_split_with_their_partners() -> None:
    body = 'P1;Samen;CC Westrand;Dilbeek;"Bib A; Bib B";"Gent; Brugge";\n'
    data = _read(body)
    assert data.partners["municipality"].tolist() == ["Gent", "Brugge"]
    assert data.partners["partner_name"].tolist() == ["Gent", "Brugge"]
    assert data.partners["partner_status"].tolist() == ["exact", "exact"]


def test_place_from_the_name_has_its_own_status_and_a_warning() -> None:
    data = _read(
        "P1;T;Bib Genk;Genk;Stad Brugge;;\n"
        "P1;T;Bib Genk;Genk;Bibliotheek Lommel;;\n"
        "P1;T;Bib Genk;Genk;Erfgoedcel Brugge;;\n"
        "P1;T;Bib Genk;Genk;Lommelse Kunstkring;;\n"  # 'Lommelse' is no whole-word place
    )
    assert data.partners["partner_name"].tolist() == ["Brugge", "Lommel", "Brugge", ""]
    assert data.partners["partner_status"].tolist()[:3] == ["from_name"] * 3
    assert data.partners["partner_location"].tolist()[3] == "unresolved"
    warned = [p.row for p in data.report.warnings if p.code == "place_from_name"]
    assert warned == [2, 3, 4]
    assert data.partners["municipality"].tolist() == ["", "", "", ""]  # the input is kept


@pytest.mark.parametrize("name", ["CC Aalst", "Bib Deurne", "Jeugdhuis Beveren"])
def test_an_ambiguous_name_stays_ambiguous(name: str) -> None:
    data = _read(f"P1;T;Bib Genk;Genk;{name};;\n")
    (row,) = data.partners.itertuples()
    assert (row.partner_location, row.partner_status, row.partner_nis) == (
        "ambiguous",
        "ambiguous",
        "",
    )
    assert len(row.partner_candidates.split(";")) >= 2
    assert data.report.location_counts["ambiguous"] == 1
    assert data.report.location_counts["resolved"] == 1  # the lead only
    (warning,) = [p for p in data.report.warnings if p.code == "place_from_name"]
    assert warning.params == {"variant": "unplaced"}
    assert "wijst niet één gemeente aan" in og.problem_message(warning)
    assert "does not point to one municipality" in og.problem_message(warning, "en")


def test_place_from_the_address_postal_code() -> None:
    data = _read("P1;T;Bib Genk;Genk;Huis van Cultuur en Erfgoed;;Kerkstraat 1, 3920 Lommel\n")
    assert data.partners["partner_name"].tolist() == ["Lommel"]
    assert data.partners["partner_status"].tolist() == ["from_address"]
    assert [p.code for p in data.report.warnings if p.code.startswith("place_")] == [
        "place_from_address"
    ]
    assert "unknown_column" not in data.report.counts_by_code()  # the address is used


def test_remembered_organisation_is_placed_and_said(nis_of) -> None:  # type: ignore[no-untyped-def]
    remembered = {organisation_key("Vereniging X vzw"): nis_of("Gent")}
    data = _read("P1;T;Bib Genk;Genk;vereniging x;;\n", remembered=remembered)
    assert data.partners["partner_nis"].tolist() == [nis_of("Gent")]
    assert data.partners["partner_status"].tolist() == ["remembered"]
    assert [p.code for p in data.report.warnings if p.code.startswith("place_")] == [
        "place_remembered"
    ]


def test_a_written_place_always_wins_over_evidence(nis_of) -> None:  # type: ignore[no-untyped-def]
    remembered = {organisation_key("Stad Brugge"): nis_of("Gent")}
    data = _read("P1;T;Bib Genk;Genk;Stad Brugge;Kortrijk;\n", remembered=remembered)
    assert data.partners["partner_name"].tolist() == ["Kortrijk"]
    assert data.partners["partner_status"].tolist() == ["exact"]
    assert not [p for p in data.report.warnings if p.code.startswith("place_")]


def test_only_confirmed_places_are_remembered(tmp_path: Path) -> None:
    data = _read(
        "P1;T;Bib Genk;Genk;Bib Halle;Halle;\n"
        "P1;T;Bib Genk;Genk;Stad Brugge;;\n"  # placed by its name: not confirmed
        "P1;T;Bib Genk;Genk;Bib X;Deurne;\n"  # ambiguous: nothing to remember
    )
    places = og.partnerships.places_to_remember(data.partners)
    assert places == {"bib halle": data.partners["partner_nis"].iat[0]}
    workspace = og.Workspace(tmp_path / "ws.sqlite")
    assert workspace.remembered_places() == {}
    workspace.remember_places(places)
    assert og.Workspace(tmp_path / "ws.sqlite").remembered_places() == places
    with pytest.raises(og.InputError, match="five-digit"):
        workspace.remember_places({"x": "123"})


def test_merged_project_cells_are_filled_down_with_a_warning(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(
        ["projectnummer", "titel", "aanvrager", "gemeente aanvrager", "organisatie", "gemeente"]
    )
    sheet.append(["P1", "Samen", "CC Westrand", "Dilbeek", "Bib Halle", "Halle"])
    sheet.append([None, None, None, None, "Bib Gent", "Gent"])
    sheet.append([None, None, None, None, "Bib Brugge", "Brugge"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}2:{column}4")
    path = tmp_path / "samengevoegd.xlsx"
    book.save(path)
    data = og.read_partnerships(path)
    assert data.ok
    assert data.partners["project_id"].tolist() == ["P1", "P1", "P1"]
    assert len(data.projects) == 1
    merged = [p for p in data.report.warnings if p.code == "merged_cells"]
    assert sorted((p.row, p.column) for p in merged) == [(2, "A"), (2, "B"), (2, "C"), (2, "D")]
    assert any(p.params["span"] == "A2:A4" for p in merged)
    assert any("samengevoegde cellen A2:A4" in og.problem_message(p) for p in merged)
    assert any("merged cells A2:A4" in og.problem_message(p, "en") for p in merged)
