"""Problems are codes with parameters; the catalogue words them in Dutch or English."""

from __future__ import annotations

import io
import json
import pickle
import zipfile

import openpyxl
import pytest

import optil_geo as og
from optil_geo.partnerships.problems import (
    PROBLEM_CODES,
    Problem,
    problem_message,
    problem_messages,
    problem_title,
)
from optil_geo.texts import catalogue, error_message


def test_every_code_has_a_title_and_a_message_in_both_languages() -> None:
    texts = catalogue()
    for code in PROBLEM_CODES:
        assert f"problem_{code}" in texts, code
        assert f"message_{code}" in texts or any(k.startswith(f"message_{code}_") for k in texts), (
            code
        )
    # Every message belongs to a code (or is a word the messages share).
    shared = ("where", "who", "outside", "suggestions")
    for key in (k for k in texts if k.startswith("message_")):
        rest = key.removeprefix("message_")
        assert rest.startswith(PROBLEM_CODES) or rest.startswith(shared), key


def test_a_message_is_worded_from_the_problem_and_its_params() -> None:
    problem = Problem(
        "warning",
        "duplicate_partner",
        {"project": "P7", "first_row": 4},
        "lijst.xlsx",
        "partners",
        9,
        "organisatie",
        "Bib Gent",
        "organisation",
    )
    assert problem_message(problem) == "Partner 'Bib Gent' staat al bij project 'P7' in rij 4."
    assert problem_message(problem, "en") == (
        "Partner 'Bib Gent' is already listed for project 'P7' in row 4."
    )
    assert problem_title("duplicate_partner", "en") == "Partner listed twice"
    assert problem_title("no_such_code") == "Andere melding"
    with pytest.raises(og.SettingsError, match="lang"):
        problem_message(problem, "fr")


def test_where_follows_the_sheet_or_the_file() -> None:
    in_sheet = Problem("warning", "unknown_column", {}, "a.xlsx", "projects", 1, "kleur")
    in_csv = Problem("warning", "unknown_column", {}, "a.csv", None, 1, "kleur")
    assert "Kolom 'kleur' in blad 'projects' is onbekend" in problem_message(in_sheet)
    assert "Column 'kleur' in 'a.csv' is not known" in problem_message(in_csv, "en")


def test_to_dict_is_json_with_params_and_the_message_in_the_language_asked() -> None:
    problem = Problem(
        "error",
        "duplicate_project_id",
        {"first_row": 2},
        "p.csv",
        None,
        5,
        "id",
        "P1",
        "project_id",
    )
    english = json.loads(json.dumps(problem.to_dict("en")))
    assert english["params"] == {"first_row": 2}
    assert english["message"].startswith("Project id 'P1' already occurs in row 2;")
    assert problem.to_dict()["message"].startswith("Projectnummer 'P1' komt al voor in rij 2;")
    assert problem.to_dict()["params"] == {"first_row": 2}


def test_a_refused_file_is_a_code_worded_in_either_language() -> None:
    with pytest.raises(og.InputError) as caught:
        og.read_partnerships(b"", source_name="leeg.csv")
    exc = caught.value
    assert (exc.code, exc.params) == ("file_empty", {"file": "leeg.csv"})
    assert str(exc) == "Bestand 'leeg.csv' is leeg."
    assert error_message(exc, "en") == "File 'leeg.csv' is empty."
    # The code survives pickling (a cache, a worker process).
    again = pickle.loads(pickle.dumps(exc))
    assert (again.code, str(again)) == ("file_empty", "Bestand 'leeg.csv' is leeg.")
    # An error without a code keeps its own words.
    assert error_message(og.InputError("`x` was 1"), "en") == "`x` was 1"


def _formula_workbook() -> bytes:
    """A workbook written by a program (openpyxl): formulas, no stored values."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Partners & co"
    sheet.append(["projectnummer", "titel", "aanvrager", "gemeente aanvrager", "subsidie"])
    sheet.append(["P1", "Een", "CC Gent", "Gent", "=1000*75"])
    sheet.append(["P2", "Twee", "CC Aalst", '=IF(A2="P1","Aalst","<Gent>")', "500"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_cell_with_a_formula_and_no_stored_value_names_the_formula() -> None:
    data = og.read_partnerships(_formula_workbook(), source_name="f.xlsx")
    found = [p for p in data.report.problems if p.code == "formula_without_value"]
    assert [(p.severity, p.sheet, p.row, p.column, p.params) for p in found] == [
        ("warning", "Partners & co", 2, "E", {"cell": "E2", "formula": "1000*75"}),
        (
            "warning",
            "Partners & co",
            3,
            "D",
            {"cell": "D3", "formula": 'IF(A2="P1","Aalst","<Gent>")'},
        ),
    ]
    assert problem_message(found[0]).startswith(
        "Cel E2 in blad 'Partners & co' bevat de formule =1000*75 maar geen opgeslagen waarde"
    )
    assert problem_message(found[1], "en").startswith(
        "Cell D3 in sheet 'Partners & co' holds the formula "
        '=IF(A2="P1","Aalst","<Gent>") but no stored value, so it is read as empty.'
    )
    # Read as empty, as the message says: the lead of P2 has no place, an error.
    assert data.projects["subsidy"].isna().tolist() == [True, False]
    empty = [p for p in data.report.errors if p.code == "empty_required"]
    assert [(p.row, p.field) for p in empty] == [(3, "lead_municipality")]


def test_a_formula_with_its_stored_value_is_read_without_a_word() -> None:
    # What a spreadsheet saves: the formula and its value (an empty text too). The value
    # is read, and only the cell still without a value is named.
    read = og.read_partnerships(_stored(_formula_workbook()), source_name="saved.xlsx")
    named = [p.params["cell"] for p in read.report.problems if p.code == "formula_without_value"]
    assert named == ["D3"]
    assert read.projects["subsidy"].tolist()[0] == 75000


def _stored(data: bytes) -> bytes:
    """The workbook with E2's formula given the value a spreadsheet would store."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<f>1000*75</f><v />", b"<f>1000*75</f><v>75000</v>")
                # A formula whose stored result is the empty text, as Excel saves it.
                content = content.replace(
                    b'<c r="B3" t="inlineStr"><is><t>Twee</t></is></c>',
                    b'<c r="B3" t="str"><f>IF(1,"")</f><v></v></c>',
                )
                assert b"<v>75000</v>" in content and b"<v></v>" in content
            target.writestr(info.filename, content)
    return out.getvalue()


def test_many_problems_are_worded_as_each_one_alone() -> None:
    # Shared parameters (as a check makes them) and a message that names its row.
    shared: dict[str, object] = {}
    made = [
        Problem("warning", "nul_byte", shared, "a.csv", None, 2),
        Problem("warning", "nul_byte", shared, "a.csv", None, 7),
        Problem("warning", "unknown_sector", shared, "a.csv", None, 3, "sector", "xyz"),
        Problem("warning", "unknown_sector", shared, "a.csv", None, 4, "sector", "xyz"),
        Problem("warning", "unknown_sector", shared, "a.csv", None, 5, "sector", "abc"),
        Problem("error", "empty_required", {"variant": "or_postcode"}, "a.csv", None, 6, "plaats"),
    ]
    for lang in ("nl", "en"):
        assert problem_messages(made, lang) == [problem_message(p, lang) for p in made]
    assert problem_messages(made)[:2] == [
        "Regel 2 bevat een NUL-teken (een beschadigde export); het is verwijderd.",
        "Regel 7 bevat een NUL-teken (een beschadigde export); het is verwijderd.",
    ]
    assert "'abc'" in problem_messages(made, "en")[4]
