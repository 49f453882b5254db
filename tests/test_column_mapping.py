"""Column mapping: files with their own headers are read once a person confirms the fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import optil_geo as og
from optil_geo.cli import main
from optil_geo.partnerships.suggestions import header_set_key, suggest_columns

# The columns of a real list of approved projects gathered from public sources.
REAL = (
    "project_id,project_title,round,lead_organisation,lead_place,"
    "partner_organisation,partner_place,partner_country\n"
    "P1,Verhalen van de Schelde,2021-1,CC De Werf,Aalst,Bibliotheek Lommel,Lommel,\n"
    "P1,Verhalen van de Schelde,2021-1,CC De Werf,Aalst,GC De Rinck,Anderlecht,\n"
    "P2,Kunst in de wijk,2021-2,Stad Brugge,Brugge,Erfgoedcel Brugge,Brugge,\n"
    "P2,Kunst in de wijk,2021-2,Stad Brugge,Brugge,Théâtre X,Lille,Frankrijk\n"
)


@pytest.fixture
def real_csv(tmp_path: Path) -> Path:
    path = tmp_path / "goedgekeurd.csv"
    path.write_text(REAL, encoding="utf-8")
    return path


def test_without_a_mapping_the_real_file_is_refused(real_csv: Path) -> None:
    data = og.read_partnerships(real_csv)
    assert [p.field for p in data.report.errors if p.code == "missing_column"] == ["organisation"]


def test_suggestions_read_prefixes_and_names(real_csv: Path, ref) -> None:  # type: ignore[no-untyped-def]
    preview = og.preview_columns(real_csv, reference=ref)
    assert preview.form == "flat"
    assert preview.mapping() == {
        "project_id": "project_id",
        "title": "project_title",
        "round": "round",
        "lead_organisation": "lead_organisation",
        "lead_municipality": "lead_place",
        "organisation": "partner_organisation",
        "municipality": "partner_place",
        "country": "partner_country",
    }
    assert preview.suggestions["organisation"].reason == "name"
    assert preview.suggestions["project_id"].reason == "alias"
    assert preview.missing(preview.mapping()) == []
    assert preview.rows["partner_place"].tolist()[:2] == ["Lommel", "Anderlecht"]


def test_the_suggested_mapping_imports_every_row_and_place(real_csv: Path, ref) -> None:  # type: ignore[no-untyped-def]
    columns = og.preview_columns(real_csv, reference=ref).mapping()
    data = og.read_partnerships(real_csv, columns=columns, reference=ref)
    assert data.ok
    assert data.partners["organisation"].tolist()[0] == "Bibliotheek Lommel"
    assert data.partners["partner_name"].tolist()[:3] == ["Lommel", "Anderlecht", "Brugge"]
    assert data.partners["partner_location"].tolist()[3] == "abroad"
    assert data.report.location_counts["resolved"] == 5  # 3 partners + 2 leads
    assert data.report.location_counts["abroad"] == 1


def test_a_file_read_once_serves_the_preview_and_the_import(real_csv: Path, ref) -> None:  # type: ignore[no-untyped-def]
    read = og.read_file(real_csv)
    real_csv.unlink()  # what follows cannot read the file again
    preview = og.preview_columns(read, reference=ref)
    assert preview.mapping()["organisation"] == "partner_organisation"
    data = og.read_partnerships(read, columns=preview.mapping(), reference=ref)
    assert data.ok and data.source_name == "goedgekeurd.csv"
    assert data.partners["organisation"].tolist() == [
        "Bibliotheek Lommel",
        "GC De Rinck",
        "Erfgoedcel Brugge",
        "Théâtre X",
    ]
    assert data.partners["source_row"].tolist() == [2, 3, 4, 5]
    again = og.read_partnerships(REAL.encode(), source_name="goedgekeurd.csv", reference=ref)
    refused = og.read_partnerships(read, reference=ref)  # the same file, no mapping
    assert refused.report == again.report


def test_a_column_of_municipality_names_is_a_place_column(ref) -> None:  # type: ignore[no-untyped-def]
    from optil_geo.gazetteer import Gazetteer

    gazetteer = Gazetteer.for_reference(ref)

    def share(values: list[str]) -> float:
        return sum(gazetteer.resolve(v).status in ("exact", "alias") for v in values) / len(values)

    headers = ["dossier", "wie", "waar", "code"]
    samples = {
        "wie": ["Bibliotheek Lommel", "CC Westrand"],
        "waar": ["Lommel", "Dilbeek", "Gent", "Ixelles"],
        "code": ["3920", "1700"],
    }
    found = suggest_columns(headers, samples, "flat", is_place=share)
    assert (found["municipality"].header, found["municipality"].reason) == ("waar", "values")
    assert (found["postcode"].header, found["postcode"].reason) == ("code", "values")
    assert "wie" not in {s.header for s in found.values()}  # organisation names: no guess


def test_lead_words_point_at_lead_fields() -> None:
    found = suggest_columns(["Plaats penvoerder", "Organisatie partner", "Woonplaats"], {}, "flat")
    assert found["lead_municipality"].header == "Plaats penvoerder"
    assert found["organisation"].header == "Organisatie partner"
    assert found["municipality"].header == "Woonplaats"


def test_two_sides_in_one_header_is_no_guess() -> None:
    assert suggest_columns(["partner of aanvrager"], {}, "flat") == {}


def test_a_mapping_that_names_a_missing_header_or_field_is_refused(real_csv: Path) -> None:
    with pytest.raises(og.InputError, match=r"'Partner'.*not in the file"):
        og.read_partnerships(real_csv, columns={"organisation": "Partner"})
    with pytest.raises(og.InputError, match="field 'organistion'"):
        og.read_partnerships(real_csv, columns={"organistion": "partner_organisation"})


def test_the_same_headers_share_a_key_in_any_order_or_case() -> None:
    assert header_set_key(["Partner_Place", "project_id"]) == header_set_key(
        ["project id", "partner place"]
    )
    assert header_set_key(["a", "b"]) != header_set_key(["a", "c"])


def test_the_workspace_remembers_a_mapping_per_header_set(tmp_path: Path) -> None:
    workspace = og.Workspace(tmp_path / "ws.sqlite")
    key = header_set_key(["partner_place"])
    assert workspace.column_mapping(key) is None
    workspace.save_column_mapping(key, {"municipality": "partner_place"})
    assert workspace.column_mapping(key) == {"municipality": "partner_place"}
    workspace.save_column_mapping(key, {"municipality": "partner_place", "country": "land"})
    assert og.Workspace(tmp_path / "ws.sqlite").column_mapping(key) == {
        "country": "land",
        "municipality": "partner_place",
    }
    assert workspace.column_mapping(header_set_key(["other"])) is None


def test_cli_columns_option_and_file(
    real_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(real_csv), "--no-fixes"]) == 1
    capsys.readouterr()
    option = "organisation=partner_organisation,municipality=partner_place,country=partner_country"
    assert main(["validate", str(real_csv), "--no-fixes", "--columns", option]) == 0
    mapping_file = tmp_path / "kolommen.json"
    mapping_file.write_text(json.dumps({"organisation": "partner_organisation"}))
    out = tmp_path / "links.csv"
    code = main(
        [
            "classify",
            str(real_csv),
            "-o",
            str(out),
            "--no-fixes",
            "--columns-file",
            str(mapping_file),
        ]
    )
    assert code == 0
    capsys.readouterr()
    code = main(["validate", str(real_csv), "--no-fixes", "--columns", "organisation=Nope"])
    assert code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "'Nope'" in line


def test_validate_json_reports_the_suggestions(
    real_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(real_csv), "--json", "--no-fixes"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["columns"]["used"] == {}
    assert result["columns"]["suggested"]["organisation"] == {
        "header": "partner_organisation",
        "reason": "name",
        "score": 90,
    }
    assert result["errors"][0]["code"] == "missing_column"
