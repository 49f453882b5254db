"""The command line: contracts of every subcommand, exit codes, output files.

Most commands run in-process through :func:`optil_geo.cli.main`; a few run as a real
process (``python -m optil_geo.cli`` and the console script) to check the entry points.
Every test gets its own empty workspace, so location fixes never leak between tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

import optil_geo as og
from optil_geo.cli import main
from tests.conftest import REPO, xlsx_members

DEMO = REPO / "data" / "demo"
DEMO_XLSX = DEMO / "optil-geo-demo.xlsx"
DEMO_FLAT = DEMO / "optil-geo-demo-flat.csv"

RESOLVE_COLUMNS = ["nis", "municipality", "status", "region", "score", "candidates"]
CLASSIFY_COLUMNS = [
    "project_id",
    "organisation",
    "lead_nis",
    "partner_nis",
    "partner_region",
    "class",
    "reason",
    "distance_km",
    "crosses_province",
    "crosses_region",
]

# A flat file over real places: project A led from Gent, B from Leuven, C from
# Antwerpen, with the rows of A and B interleaved.
SMALL = """\
projectnummer;titel;ronde;aanvrager;gemeente aanvrager;organisatie;gemeente;land;sector;rol
A;Project A;2023-1;CC Gent;Gent;Bib Gent;Gent;;Bibliotheek;Dragende partner
A;Project A;2023-1;CC Gent;Gent;Buurtwerk Merelbeke;Merelbeke-Melle;;Welzijnswerk;Toeleider
B;Project B;2023-1;Stad Leuven;Leuven;Museum M;Leuven;;Museum;Dragende partner
A;Project A;2023-1;CC Gent;Gent;Academie Eeklo;Eeklo;;DKO;Kennispartner
A;Project A;2023-1;CC Gent;Gent;Theater Lokeren;Lokeren;;Kunstenorganisatie;Uitvoerder
B;Project B;2023-1;Stad Leuven;Leuven;School Herent;Herent;;Basisschool;Toeleider
A;Project A;2023-1;CC Gent;Gent;Circus Aalst;Aalst;;Circus;Uitvoerder
A;Project A;2023-1;CC Gent;Gent;Hogeschool Leuven;Leuven;;Hogeschool;Kennispartner
A;Project A;2023-1;CC Gent;Gent;Festival Lille;Lille;Frankrijk;Kunstenorganisatie;Uitvoerder
A;Project A;2023-1;CC Gent;Gent;Collectief X;Xyzzy;;Kunstenaar;Uitvoerder
A;Project A;2023-1;CC Gent;Gent;Maison Namur;Namur;;Kunstenorganisatie;Uitvoerder
C;Project C;2024-1;Bib A;Antwerpen;Erfgoed BKZ;Beveren-Kruibeke-Zwijndrecht;;Erfgoed;Toeleider
"""
SMALL_ORGANISATIONS = [
    "Bib Gent",
    "Buurtwerk Merelbeke",
    "Museum M",
    "Academie Eeklo",
    "Theater Lokeren",
    "School Herent",
    "Circus Aalst",
    "Hogeschool Leuven",
    "Festival Lille",
    "Collectief X",
    "Maison Namur",
    "Erfgoed BKZ",
]
DEFAULT_CLASSES = [
    "local",
    "regional",  # Regio Gent (and a neighbour)
    "local",
    "regional",  # Regio Gent, not a neighbour
    "supra_regional",  # Regio Waasland, 20 km
    "regional",
    "urban",  # Aalst, a centrumstad in another region
    "urban",
    "international",
    "unknown",
    "supra_regional",  # Wallonia
    "regional",  # a neighbour across the province border
]


@pytest.fixture(autouse=True)
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace of this test's own."""
    path = tmp_path / "workspace.sqlite"
    monkeypatch.setenv("OPTIL_GEO_WORKSPACE", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _small(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text(SMALL, encoding="utf-8")
    return path


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(
        path, sep=";", encoding="utf-8-sig", decimal=",", dtype=str, keep_default_na=False
    )


# The command line writes its tables for people, in Dutch unless --lang en: these
# name the columns by their code again, from the same catalogue, for the checks below.
_BY_HEADER = {og.text(f"col_{c}"): c for c in og.LINK_TABLE_COLUMNS}
_CLASS_OF = {label: code for code, label in og.class_labels().items()}


def _links_back(path: Path) -> pd.DataFrame:
    """Read classify's output (CSV or XLSX) with code column names and class codes."""
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name="samenwerkingen", engine="calamine", dtype=str)
    else:
        frame = _read_csv(path)
    frame = frame.rename(columns=_BY_HEADER)
    return frame.assign(**{"class": frame["class"].map(_CLASS_OF)})


def _measures_back(path: Path) -> pd.DataFrame:
    """Read the measures output (CSV or XLSX) with code column names."""
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name="gemeenten", engine="calamine", dtype=str)
    else:
        frame = _read_csv(path)
    texts = og.texts.catalogue()
    by_header = {texts[k]["nl"]: k.removeprefix("col_") for k in texts if k.startswith("col_")}
    return frame.rename(columns=by_header)


def _broken_workbook(tmp_path: Path) -> Path:
    """Two sheets; a partner refers to a project that does not exist (an error)."""
    path = tmp_path / "broken.xlsx"
    projects = pd.DataFrame(
        {
            "projectnummer": ["A"],
            "titel": ["Project A"],
            "aanvrager": ["CC Gent"],
            "gemeente": ["Gent"],
        }
    )
    partners = pd.DataFrame(
        {"projectnummer": ["A", "Z"], "organisatie": ["Bib Gent", "Bib Gent"], "gemeente": "Gent"}
    )
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        projects.to_excel(writer, sheet_name="projects", index=False)
        partners.to_excel(writer, sheet_name="partners", index=False)
    return path


def _junk(tmp_path: Path) -> Path:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\x00\x01\x02 not a table \x00" * 10)
    return path


# =========================================================================== resolve


def test_resolve_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id;place;postcode;note\n1;Gent;;a\n2;Xyzzy;;b\n3;Anvers;;=1+1\n4;;3000;\n")
    out = tmp_path / "out.csv"
    code, stdout, stderr = run(capsys, "resolve", src, "-o", out)
    assert code == 0  # unresolved rows are not a failure
    assert stdout == ""
    (line,) = stderr.splitlines()
    assert line.startswith(f"4 rijen opgezocht -> {out} (")
    assert sorted(line.split(" (", 1)[1].rstrip(")").split(", ")) == [
        "alias 1",
        "exact 1",
        "postcode 1",
        "unresolved 1",
    ]
    back = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert back.columns.tolist() == ["id", "place", "postcode", "note", *RESOLVE_COLUMNS]
    assert back["nis"].tolist() == ["44021", "", "11002", "24062"]
    assert back["municipality"].tolist() == ["Gent", "", "Antwerpen", "Leuven"]
    assert back["status"].tolist() == ["exact", "unresolved", "alias", "postcode"]
    assert back["region"].tolist() == ["flanders", "", "flanders", "flanders"]
    assert back["note"].tolist() == ["a", "b", "'=1+1", ""]  # formulas neutralised
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel, even without one in


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), ("\t", "utf-8"), (";", "cp1252"), (",", "cp1252")],
)
def test_resolve_delimiters_and_encodings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str, encoding: str
) -> None:
    rows = [
        ["place", "country"],
        ["Liège", ""],
        ["Écaussinnes", "België"],
        ["Sint-Genesius-Rode", ""],
    ]
    src = tmp_path / "in.csv"
    src.write_bytes("\r\n".join(delimiter.join(r) for r in rows).encode(encoding))
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, "resolve", src, "-o", out)
    assert code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # always: Excel reads the accents right
    back = pd.read_csv(out, sep=delimiter, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == ["place", "country", *RESOLVE_COLUMNS]
    assert back["place"].tolist() == ["Liège", "Écaussinnes", "Sint-Genesius-Rode"]
    assert back["region"].tolist() == ["wallonia", "wallonia", "flanders"]
    assert back.at[2, "nis"] == "23101"


def test_resolve_replaces_existing_result_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("nis;place;status\nold;Gent;old\n")
    out = tmp_path / "out.csv"
    assert run(capsys, "resolve", src, "-o", out)[0] == 0
    back = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == ["place", *RESOLVE_COLUMNS]
    assert back.loc[0, ["nis", "status"]].tolist() == ["44021", "exact"]


def test_resolve_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = run(capsys, "resolve", tmp_path / "nope.csv", "-o", tmp_path / "o.csv")
    assert code == 2
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("InputError: ")
    assert "nope.csv" in lines[0]
    assert not (tmp_path / "o.csv").exists()


def test_resolve_without_place_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text("naam,postcode\nGent,9000\n")
    code, stdout, stderr = run(capsys, "resolve", src, "-o", tmp_path / "o.csv")
    assert code == 2
    assert stdout == ""
    assert stderr.splitlines() == [
        f"InputError: {src}: geen kolom met de plaats (een van 'place', 'plaats', 'gemeente', "
        "'locatie'); gevonden kolommen: ['naam', 'postcode']"
    ]
    assert not (tmp_path / "o.csv").exists()
    code, _, stderr = run(capsys, "--lang", "en", "resolve", src, "-o", tmp_path / "o.csv")
    assert stderr.splitlines() == [
        f"InputError: {src}: no place column (one of 'place', 'plaats', 'gemeente', "
        "'locatie'); found columns ['naam', 'postcode']"
    ]


@pytest.mark.parametrize(
    ("header", "postcode", "country"),
    [
        ("gemeente", "postcode", "land"),
        ("Plaats", "Postal code", "Country"),
        ("LOCATIE", "zip", "land"),
        ("Gemeente ", "POSTCODE", "Lând"),
    ],
)
def test_resolve_accepts_dutch_and_other_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, postcode: str, country: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(f"id;{header};{postcode};{country}\n1;Deurne;3290;\n2;Lille;;Frankrijk\n")
    out = tmp_path / "out.csv"
    code, _, stderr = run(capsys, "resolve", src, "-o", out)
    assert code == 0, stderr
    back = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    # The headers as written, then the contract columns.
    assert back.columns.tolist() == [
        "id",
        header.strip(),
        postcode,
        country,
        *RESOLVE_COLUMNS,
    ]
    assert back["nis"].tolist() == ["24020", ""]  # Deurne 3290 is in Diest
    assert back["region"].tolist() == ["flanders", "abroad"]


def test_resolve_prefers_place_over_other_aliases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("gemeente;place\nXyzzy;Gent\n")
    out = tmp_path / "out.csv"
    assert run(capsys, "resolve", src, "-o", out)[0] == 0
    back = pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)
    assert back.loc[0, ["gemeente", "place", "nis"]].tolist() == ["Xyzzy", "Gent", "44021"]


@pytest.mark.parametrize("name", ["out.xlsx", "out.txt", "out"])
def test_resolve_refuses_an_output_that_is_not_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nGent\n")
    out = tmp_path / name
    code, stdout, stderr = run(capsys, "resolve", src, "-o", out)
    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [
        f"InputError: kan {str(out)!r} niet schrijven: `resolve` schrijft CSV, dus het "
        "uitvoerbestand moet op .csv eindigen"
    ]
    assert not out.exists()


def test_resolve_accepts_an_upper_case_csv_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("place\nGent\n")
    assert run(capsys, "resolve", src, "-o", tmp_path / "OUT.CSV")[0] == 0
    assert (tmp_path / "OUT.CSV").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "place;place\nGent;Gent\n",
            "kolomnaam 'place' staat twee keer in rij 1 (kolommen A en B)",
        ),
        ("place;;postcode\nGent;x;9000\n", "kolom B heeft waarden maar geen kolomnaam (rij 1)"),
    ],
)
def test_resolve_refuses_duplicate_and_empty_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(text)
    code, stdout, stderr = run(capsys, "resolve", src, "-o", tmp_path / "o.csv")
    assert (code, stdout) == (2, "")
    (line,) = stderr.splitlines()
    assert line.startswith("InputError: Bestand 'in.csv': " + message)


def test_resolve_reads_the_first_visible_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.xlsx"
    with pd.ExcelWriter(src, engine="openpyxl") as writer:
        pd.DataFrame({"place": ["Xyzzy"]}).to_excel(writer, sheet_name="verborgen", index=False)
        pd.DataFrame({"plaats": ["Gent"]}).to_excel(writer, sheet_name="lijst", index=False)
        writer.book["verborgen"].sheet_state = "hidden"
    out = tmp_path / "out.csv"
    assert run(capsys, "resolve", src, "-o", out)[0] == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # from a workbook: UTF-8 with BOM, ';'
    back = pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == ["plaats", *RESOLVE_COLUMNS]
    assert back["nis"].tolist() == ["44021"]


def test_resolve_keeps_the_row_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from optil_geo.partnerships import sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 2)
    src = tmp_path / "in.csv"
    src.write_text("place\nGent\nGenk\nGeel\n")
    code, _, stderr = run(capsys, "resolve", src, "-o", tmp_path / "o.csv")
    assert code == 2
    assert stderr.splitlines() == [
        "InputError: 'in.csv' heeft meer dan 2 rijen; dat is te veel voor één import."
    ]


def test_write_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    src = tmp_path / "in.csv"
    src.write_text("place\nGent\n")
    target = blocker / "x.csv"
    code, stdout, stderr = run(capsys, "resolve", src, "-o", target)
    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [
        f"InputError: kan {str(target)!r} niet schrijven: {str(blocker)!r} is geen bestaande map"
    ]
    for argv in (
        ("classify", _small(tmp_path), "-o", blocker / "links.csv"),
        ("classify", _small(tmp_path), "-o", tmp_path / "nope" / "links.xlsx"),
        ("measures", _small(tmp_path), "-o", blocker / "gemeenten.gpkg"),
        ("measures", _small(tmp_path), "-o", tmp_path / "nope" / "gemeenten.geojson"),
        ("template", "-o", blocker / "sjabloon.xlsx"),
        ("demo", "-o", blocker / "demo"),
    ):
        code, stdout, stderr = run(capsys, *argv)
        assert (code, stdout) == (2, ""), argv
        (line,) = stderr.splitlines()
        assert line.startswith(f"InputError: kan {str(argv[-1])!r} niet schrijven: "), line


def test_unexpected_errors_are_one_line_and_detailed_with_v(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\n  on two lines")

    monkeypatch.setattr(og, "write_template", boom)
    out = tmp_path / "t.xlsx"
    assert run(capsys, "template", "-o", out) == (2, "", "RuntimeError: boom on two lines\n")
    code, _, stderr = run(capsys, "-v", "template", "-o", out)
    assert code == 2
    assert stderr.startswith("RuntimeError: boom on two lines\nTraceback (most recent call last):")


# =========================================================================== reference


def test_reference_info_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "reference", "info", "--json")
    assert code == 0
    assert json.loads(stdout) == {
        "municipalities": 304,
        "flemish": 285,
        "brussels": 19,
        "municipalities_2024": 319,
        "submunicipalities": 1119,
        "referentieregios": 15,
        "centrumsteden": 13,
        "vlaamse_rand": 19,
        "population": 7847398,
    }
    assert len(stdout.splitlines()) == 1


def test_reference_info_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "reference", "info")
    assert code == 0
    assert "inwoners: 7.847.398" in stdout
    assert "gemeenten: 304" in stdout
    assert og.CREDIT in stdout
    code, stdout, _ = run(capsys, "--lang", "en", "reference", "info")
    assert code == 0
    assert "population: 7,847,398" in stdout
    assert "municipalities: 304" in stdout
    assert "Municipal boundaries: Statbel" in stdout


# =========================================================================== validate


def test_validate_demo_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, stderr = run(capsys, "validate", DEMO_XLSX, "--json")
    assert code == 0
    assert stderr == ""
    result = json.loads(stdout)
    assert set(result) == {"rows", "errors", "warnings", "locations", "columns"}
    assert result["rows"] == {"projects": 206, "partners": 1594}
    assert result["errors"] == []
    assert set(result["locations"]) == {"resolved", "ambiguous", "unresolved", "wallonia", "abroad"}
    assert sum(result["locations"].values()) == 206 + 1594
    assert result["warnings"]
    for problem in result["warnings"]:
        assert set(problem) == {
            "severity",
            "code",
            "file",
            "sheet",
            "row",
            "column",
            "field",
            "value",
            "params",
            "message",
        }
        assert problem["severity"] == "warning"
        assert problem["file"] == "optil-geo-demo.xlsx"


def test_validate_demo_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(capsys, "validate", DEMO_XLSX)
    assert code == 0
    assert stdout.startswith("optil-geo-demo.xlsx (twee tabellen): 206 projecten, 1594 partners")
    assert stdout.rstrip().endswith("de gegevens kunnen geïmporteerd worden.")


def test_validate_file_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _broken_workbook(tmp_path)
    code, stdout, _ = run(capsys, "validate", path, "--json")
    assert code == 1
    result = json.loads(stdout)
    assert [(p["code"], p["sheet"], p["row"]) for p in result["errors"]] == [
        ("unknown_project", "partners", 3)
    ]
    code, stdout, _ = run(capsys, "validate", path)
    assert code == 1
    assert "Resultaat: import geweigerd (1 fout)." in stdout


@pytest.mark.parametrize("kind", ["missing", "junk", "directory", "empty"])
def test_validate_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = {
        "missing": tmp_path / "nope.xlsx",
        "junk": _junk(tmp_path),
        "directory": tmp_path,
        "empty": tmp_path / "empty.csv",
    }[kind]
    if kind == "empty":
        path.write_bytes(b"")
    code, stdout, stderr = run(capsys, "validate", path, "--json")
    assert code == 2
    assert stdout == ""
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith("InputError: ")


# =========================================================================== classify


def test_classify_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "links.csv"
    code, stdout, stderr = run(capsys, "classify", _small(tmp_path), "-o", out)
    assert code == 0
    assert stdout == ""
    assert "12 samenwerkingen ingedeeld" in stderr
    raw = _read_csv(out)
    assert raw.columns.tolist()[:2] == ["Projectnummer", "Partner"]
    assert raw["Soort samenwerking"].tolist()[:2] == ["lokaal", "regionaal"]
    assert raw["Over een gewestgrens"].tolist()[10:12] == ["ja", "nee"]
    back = _links_back(out)
    assert set(CLASSIFY_COLUMNS) <= set(back.columns)
    # One row per partner row of the input, in input order.
    assert back["organisation"].tolist() == SMALL_ORGANISATIONS
    assert back["project_id"].tolist() == list("AABAABAAAAAC")
    assert back["class"].tolist() == DEFAULT_CLASSES
    assert back["lead_nis"].tolist()[:3] == ["44021", "44021", "24062"]
    assert back["partner_nis"].tolist()[:2] == ["44021", "44088"]
    assert back["partner_region"].tolist()[8:11] == ["Buitenland", "Onbekend", "Wallonië"]
    assert back["distance_km"].tolist()[:2] == ["0,0", "8,4"]
    assert back["distance_km"].tolist()[8:11] == ["", "", ""]
    assert back["reason"].tolist()[1] == "Zelfde referentieregio (Regio Gent)"
    assert back["reason"].tolist()[11] == (
        "Buurgemeente over de provinciegrens (Beveren-Kruibeke-Zwijndrecht)"
    )
    assert back["crosses_province"].tolist()[11] == "ja"
    assert back["crosses_region"].tolist()[10:12] == ["ja", "nee"]
    assert back["crosses_region"].tolist()[9] == ""  # unknown: no crossing to tell


def test_classify_demo_keeps_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "links.csv"
    assert run(capsys, "classify", DEMO_FLAT, "-o", out)[0] == 0
    source = _read_csv(DEMO_FLAT)
    back = _links_back(out)
    assert len(back) == len(source) == 1594
    assert back["project_id"].tolist() == source["projectnummer"].tolist()
    assert back["organisation"].tolist() == source["organisatie"].tolist()
    assert set(back["class"]) <= set(og.CLASSES)


def test_classify_xlsx_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "links.xlsx"
    assert run(capsys, "classify", _small(tmp_path), "-o", out)[0] == 0
    back = _links_back(out)
    assert back["organisation"].tolist() == SMALL_ORGANISATIONS
    assert back["class"].tolist() == DEFAULT_CLASSES


def _classes(tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str) -> list[str]:
    out = tmp_path / "links.csv"
    code, _, _ = run(capsys, "classify", _small(tmp_path), "-o", out, *options)
    assert code == 0
    return _links_back(out)["class"].tolist()


def test_classify_scheme_province(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _classes(tmp_path, capsys, "--scheme", "province")
    # Lokeren and Aalst lie in Gent's province, Oost-Vlaanderen.
    assert got == [*DEFAULT_CLASSES[:4], "regional", "regional", "regional", *DEFAULT_CLASSES[7:]]


def test_classify_scheme_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _classes(tmp_path, capsys, "--scheme", "none")
    # Only neighbours are regional now: Eeklo (Regio Gent, no neighbour) is not.
    expected = list(DEFAULT_CLASSES)
    expected[3] = "supra_regional"
    assert got == expected


def test_classify_no_neighbours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _classes(tmp_path, capsys, "--no-neighbours")
    expected = list(DEFAULT_CLASSES)
    expected[11] = "supra_regional"  # the neighbour across the region border
    assert got == expected
    got = _classes(tmp_path, capsys, "--scheme", "none", "--no-neighbours")
    assert got.count("regional") == 0


def test_classify_max_km(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got = _classes(tmp_path, capsys, "--max-km", "25")
    expected = list(DEFAULT_CLASSES)
    expected[4] = "regional"  # Lokeren, 20 km from Gent
    assert got == expected
    got = _classes(tmp_path, capsys, "--scheme", "none", "--no-neighbours", "--max-km", "15")
    assert [got[1], got[3], got[5]] == ["regional", "supra_regional", "regional"]  # 8, 19, 5 km
    reasons = _links_back(tmp_path / "links.csv")["reason"].tolist()
    assert reasons[1] == "Binnen 15 km (8 km)"


def test_classify_max_km_zero_means_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _classes(tmp_path, capsys, "--max-km", "0") == DEFAULT_CLASSES
    reasons = _links_back(tmp_path / "links.csv")["reason"].tolist()
    assert not any(r.startswith("Binnen") for r in reasons)


def test_classify_xlsx_never_holds_a_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "small.csv"
    src.write_text(SMALL.replace("Bib Gent;Gent", '\x01=HYPERLINK("http://x");Gent'))
    out = tmp_path / "links.xlsx"
    assert run(capsys, "classify", src, "-o", out)[0] == 0
    ws = load_workbook(out)["samenwerkingen"]
    cell = ws["B2"]
    assert (ws["B1"].value, cell.value, cell.data_type) == (
        "Partner",
        '=HYPERLINK("http://x")',
        "s",
    )
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_classify_invalid_scheme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["classify", str(_small(tmp_path)), "-o", str(tmp_path / "x.csv"), "--scheme", "x"])
    assert exc.value.code == 2
    assert "invalid choice: 'x'" in capsys.readouterr().err


def test_classify_file_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "links.csv"
    code, stdout, stderr = run(capsys, "classify", _broken_workbook(tmp_path), "-o", out)
    assert code == 1
    assert stdout == ""
    assert "Onbekend project" in stderr
    assert stderr.rstrip().endswith("Import geweigerd: los eerst de fouten hierboven op.")
    assert not out.exists()


def test_classify_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "links.csv"
    code, _, stderr = run(capsys, "classify", _junk(tmp_path), "-o", out)
    assert code == 2
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith("InputError: ")
    assert not out.exists()


def test_classify_bad_output_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run(capsys, "classify", _small(tmp_path), "-o", tmp_path / "links.txt")
    assert code == 2
    assert stderr.startswith("InputError: kan ")
    assert "de extensie moet een van ['.csv', '.xlsx'] zijn" in stderr


def test_classify_applies_workspace_fixes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    with og.Workspace(workspace) as ws:
        ws.save_fix("Xyzzy", None, "44021")
    assert _classes(tmp_path, capsys)[9] == "local"  # Collectief X now lies in Gent
    assert _classes(tmp_path, capsys, "--no-fixes")[9] == "unknown"


def test_a_bad_fix_in_the_workspace_does_not_block_validate_or_classify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    with og.Workspace(workspace) as ws:
        ws.save_fix("Gent", None, "99999")  # the store checks the form only
        ws.save_fix("Xyzzy", None, "44021")
    code, _, stderr = run(capsys, "validate", _small(tmp_path))
    assert code == 0, stderr
    assert _classes(tmp_path, capsys)[9] == "local"  # the good fix still applies


# =========================================================================== measures


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson", ".gpkg"])
def test_measures_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    out = tmp_path / f"gemeenten{suffix}"
    code, stdout, stderr = run(capsys, "measures", _small(tmp_path), "-o", out)
    assert code == 0
    assert stdout == ""
    assert stderr.startswith(f"304 gemeenten -> {out} (")
    if suffix in (".csv", ".xlsx"):
        back = _measures_back(out)
    else:
        back = pyogrio.read_dataframe(out)
        assert back.geometry.notna().all()
        assert back.crs.to_epsg() == (4326 if suffix == ".geojson" else 31370)
    assert len(back) == 304
    for col in (
        "nis",
        "underserved",
        "projects_led",
        "partners_located",
        "links_in_local",
        "links_out_urban",
        "projects_involved_per_10k",
        "rounds",
        "hierarchy_code",
    ):
        assert col in back.columns, col
    by_nis = back.set_index("nis")
    assert str(by_nis.at["44021", "projects_led"]) == "1"
    assert str(by_nis.at["24062", "projects_involved"]) == "2"  # leads B, partner in A


def test_measures_file_with_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.csv"
    code, _, _ = run(capsys, "measures", _broken_workbook(tmp_path), "-o", out)
    assert code == 1
    assert not out.exists()
    assert run(capsys, "measures", tmp_path / "nope.xlsx", "-o", out)[0] == 2


def test_measures_options_change_the_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m.csv"
    assert run(capsys, "measures", _small(tmp_path), "-o", out)[0] == 0
    default = _measures_back(out).set_index("nis")
    assert run(capsys, "measures", _small(tmp_path), "-o", out, "--scheme", "province")[0] == 0
    province = _measures_back(out).set_index("nis")
    assert default.at["44021", "links_out_regional"] == "2"  # Merelbeke-Melle, Eeklo
    assert province.at["44021", "links_out_regional"] == "4"  # and Lokeren, Aalst


# =========================================================================== template, demo


@pytest.mark.parametrize(
    ("form", "sheets"),
    [
        (None, ["projects", "partners", "uitleg", "lijsten"]),
        ("flat", ["partnerschappen", "uitleg", "lijsten"]),
    ],
)
def test_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str | None, sheets: list[str]
) -> None:
    out = tmp_path / "sjabloon.xlsx"
    options = ["--form", form] if form else []
    code, _, stderr = run(capsys, "template", "-o", out, *options)
    assert code == 0
    assert stderr.strip() == f"sjabloon geschreven -> {out}"
    book = load_workbook(out)
    assert book.sheetnames == sheets
    assert book["lijsten"].sheet_state == "hidden"
    headers = [c.value for c in book[sheets[0]][1]]
    assert "projectnummer" in [str(h).lower() for h in headers]


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    code, stdout, stderr = run(capsys, "demo", "-o", out)
    assert code == 0
    written = [Path(line) for line in stdout.splitlines()]
    assert sorted(p.name for p in written) == sorted(p.name for p in DEMO.glob("optil-geo-demo*"))
    for path in written:
        assert path.parent == out
        if path.suffix == ".xlsx":
            assert xlsx_members(path) == xlsx_members(DEMO / path.name), path.name
        else:
            assert path.read_bytes() == (DEMO / path.name).read_bytes(), path.name
    assert "FICTIEF" in stderr


# =========================================================================== processes


def test_module_entry_point(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optil_geo.cli", "reference", "info", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["municipalities"] == 304


def test_console_script_exit_codes(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("optil-geo")
    if not script.exists():
        pytest.skip("console script not installed next to the interpreter")
    done = subprocess.run(
        [str(script), "resolve", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("InputError: ")
    done = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"optil-geo {og.__version__}"


def test_validate_in_a_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "optil_geo.cli", "validate", str(_broken_workbook(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert "import geweigerd" in done.stdout
