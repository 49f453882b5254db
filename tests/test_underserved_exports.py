"""Exports of the witte vlekken that say what they show: the command line and the uitleg sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

import optil_geo as og
from optil_geo.cli import main
from optil_geo.underserved import COMPARISON_COLUMNS
from tests.conftest import REPO

DEMO_XLSX = REPO / "data" / "demo" / "optil-geo-demo.xlsx"
NEW_COLUMNS = (
    "underserved",
    "underserved_reason",
    "underserved_rank",
    "underserved_area",
    *COMPARISON_COLUMNS,
    "first_round",
    "last_round",
    "out_of_view",
)


@pytest.fixture(scope="module")
def demo_measures(ref):  # type: ignore[no-untyped-def]
    data = og.read_partnerships(DEMO_XLSX, reference=ref)
    links = og.build_links(data.projects, data.partners, reference=ref)
    return og.municipality_measures(links, data.projects, reference=ref)


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix
    if suffix == ".csv":
        return pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",", dtype=str)
    if suffix == ".xlsx":
        return pd.read_excel(path, sheet_name="municipalities", engine="calamine", dtype=str)
    return pyogrio.read_dataframe(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson", ".gpkg"])
def test_measures_command_carries_the_underserved_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str, demo_measures: pd.DataFrame
) -> None:
    out = tmp_path / f"gemeenten{suffix}"
    # Tables as codes (GIS layers always are): what a script reads.
    code, err = _run(capsys, "measures", DEMO_XLSX, "-o", out, "--codes")
    assert code == 0, err
    flagged = int(demo_measures["underserved"].sum())
    areas = int(demo_measures["underserved_area"].nunique())
    assert f"({flagged} witte vlekken in {areas} gebieden)" in err  # Dutch by default (--lang)
    back = _read(out)
    assert len(back) == 304
    for col in NEW_COLUMNS:
        assert col in back.columns, col
    # Most underserved first: the file's first rows are ranks 1, 2, 3 … in order.
    ranks = pd.to_numeric(back["underserved_rank"], errors="coerce")
    assert ranks.iloc[:flagged].tolist() == list(range(1, flagged + 1))
    assert ranks.iloc[flagged:].isna().all()
    expected = demo_measures.sort_values("underserved_rank")["nis"].iloc[:flagged]
    assert back["nis"].iloc[:flagged].tolist() == expected.tolist()
    reasons = set(back["underserved_reason"].dropna()) - {""}
    assert reasons == {"no_involvement", "low_in_peers"}
    gent = back.set_index("nis").loc["44021"]
    assert str(gent["first_round"]) == "2020-1"
    assert float(str(gent["avg_flanders_per_10k"]).replace(",", ".")) == pytest.approx(
        float(demo_measures["avg_flanders_per_10k"].iloc[0])
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_measures_table_is_worded_for_people(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, demo_measures: pd.DataFrame
) -> None:
    # Without --codes the table speaks the command's language: headers, hierarchy
    # levels, yes/no and the reason of every flag, the same words as the app's.
    out = tmp_path / "m.csv"
    assert _run(capsys, "--lang", lang, "measures", DEMO_XLSX, "-o", out)[0] == 0
    back = pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    header = {c: og.text(f"col_{c}", lang) for c in ("nis", "hierarchy_label", "underserved")}
    reason, flag = og.text("col_underserved_reason", lang), header["underserved"]
    assert set(header.values()) <= set(back.columns)
    measures = demo_measures.sort_values("underserved_rank", na_position="last", kind="stable")
    rules = og.UnderservedRules()
    expected = og.reason_texts(measures, rules, lang=lang).tolist()
    assert back[reason].tolist() == expected
    assert set(back[flag]) == {og.text("bool_yes", lang), og.text("bool_no", lang)}
    levels = dict(zip(measures["nis"], measures["hierarchy_code"], strict=True))
    gent = back.set_index(header["nis"]).loc["44021"]
    assert gent[og.text("col_hierarchy_label", lang)] == og.text(f"hier_{levels['44021']}", lang)


def test_measures_xlsx_has_an_uitleg_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gemeenten.xlsx"
    assert _run(capsys, "measures", DEMO_XLSX, "-o", out)[0] == 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["gemeenten", "uitleg"]
    rows = [tuple(r) for r in book["uitleg"].iter_rows(values_only=True)]
    assert rows[0] == ("Onderwerp", "Uitleg")
    words = dict(rows[1:])
    definition = [text for topic, text in rows[1:] if topic == "Definitie"]
    assert any("altijd een witte vlek" in line for line in definition)
    assert any("stedelijke hiërarchie" in line for line in definition)
    assert words["Gegevens"] == "optil-geo-demo.xlsx"
    assert words["Bron kaartgegevens"] == "Statbel; Provincies in Cijfers"
    assert words["Filters"]
    assert len(words["Datum"]) == 10


def test_measures_peers_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.csv"
    assert _run(capsys, "measures", DEMO_XLSX, "-o", out, "--peers", "refreg", "--codes")[0] == 0
    back = _read(out)
    low = back[back["underserved_reason"] == "low_in_peers"]
    assert set(low["peer_group"]) <= set(back["refreg_name"])
    with pytest.raises(SystemExit) as refused:
        _run(capsys, "measures", DEMO_XLSX, "-o", out, "--peers", "province")
    assert refused.value.code == 2
    assert "invalid choice: 'province'" in capsys.readouterr().err


def test_explanation_sheet_neutralises_formulas(tmp_path: Path) -> None:
    rows = [("Filters", '=HYPERLINK("http://x")'), ("Gegevens", "+32 2 123")]
    sheets = og.tables_with_explanation({"data": pd.DataFrame({"a": [1]})}, rows, lang="en")
    assert list(sheets) == ["data", "explanation"]
    path = tmp_path / "x.xlsx"
    og.to_safe_xlsx(sheets, path)
    sheet = load_workbook(path)["explanation"]
    assert sheet["A1"].value == "Topic"
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == '=HYPERLINK("http://x")'
    with pytest.raises(og.InputError, match="uitleg"):
        og.tables_with_explanation({"uitleg": pd.DataFrame()}, rows)


def test_static_map_carries_the_definition_and_counts(
    ref, demo_measures: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from optil_geo import staticmap

    seen: dict[str, object] = {}

    def capture(reference, values, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs, values=values)
        return b"png"

    monkeypatch.setattr(staticmap, "render_static_map", capture)
    assert staticmap.underserved_map(ref, demo_measures, subtitle_lines=["Demo"]) == b"png"
    lines = seen["subtitle_lines"]
    assert lines[0] == "Demo"
    flagged = int(demo_measures["underserved"].sum())
    areas = int(demo_measures["underserved_area"].nunique())
    assert lines[1].startswith("Witte vlek = geen betrokkenheid, of bij de laagste 20%")
    assert lines[1].endswith(f"{flagged} van 304 gemeenten, in {areas} gebieden.")
    assert seen["highlight_label"] == f"Witte vlek ({flagged} gemeenten)"
    assert len(seen["highlight"]) == flagged

    empty = demo_measures.assign(projects_involved=0, underserved=False)
    staticmap.underserved_map(ref, empty, lang="en")
    assert seen["subtitle_lines"] == [og.text("uw_empty", "en")]
    assert seen["title"] == "Underserved municipalities: places the projects do not or hardly reach"
    assert seen["highlight"] == []
