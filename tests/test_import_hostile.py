"""Hostile and damaged files: refused quickly with one Dutch line, never an abort.

Every case found by the adversarial run of the import is kept here. The dangerous
ones (a far cell, zip bombs) also run in a subprocess, so that an abort or a memory
blow-up shows as a failed test instead of taking the test run down.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import optil_geo as og
from optil_geo.partnerships import problem_message, workbooks

REPO = Path(__file__).resolve().parent.parent
HEADER = "project_id;title;lead_organisation;lead_municipality;organisation;municipality\n"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main">'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(sheet_data: str, *, dimension: str = "", sheet_bytes: bytes | None = None) -> bytes:
    """Return a minimal XLSX with one sheet (XML written by hand: anything is possible)."""
    sheet = sheet_bytes
    if sheet is None:
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        sheet = f"{_SHEET_HEAD}{dim}<sheetData>{sheet_data}</sheetData></worksheet>".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def _far_cell() -> bytes:
    """2 KB: A1 and XFD1048576 (the reader would allocate 17 billion cells)."""
    rows = f'<row r="1">{_cell("A1", "a")}</row><row r="1048576">{_cell("XFD1048576", "b")}</row>'
    return _xlsx(rows)


def _bomb(size: int) -> bytes:
    """An XLSX whose one cell inflates to ``size`` bytes (it compresses about 1000:1)."""
    head = f'{_SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
    tail = b"</t></is></c></row></sheetData></worksheet>"
    return _xlsx("", sheet_bytes=head + b"A" * size + tail)


def _lying_directory() -> bytes:
    """A zip whose directory declares a small sheet that really inflates to 64 MB."""
    honest = _bomb(64 * 1024 * 1024)
    with zipfile.ZipFile(io.BytesIO(honest)) as archive:
        true_size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    true = true_size.to_bytes(4, "little")
    assert honest.count(true) == 2  # the local header and the central directory
    return honest.replace(true, (2000).to_bytes(4, "little"))


def _refused(data: bytes, match: str) -> str:
    with pytest.raises(og.InputError, match=match) as caught:
        og.read_partnerships(data, source_name="vijandig.xlsx")
    message = str(caught.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- workbooks


def test_far_cell_is_refused_before_the_reader_allocates_it() -> None:
    data = _far_cell()
    assert len(data) < 3000
    message = _refused(data, "rij 1048576 en kolom 16384")
    assert "geweigerd" in message


def test_a_declared_dimension_alone_is_enough_to_refuse() -> None:
    data = _xlsx(f'<row r="1">{_cell("A1", "a")}</row>', dimension="A1:XFD1048576")
    _refused(data, "rij 1048576")


def test_more_rows_than_an_import_takes_are_refused_from_the_references() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in (1, 250_001))
    _refused(_xlsx(rows), "rij 250001")


def test_a_normal_workbook_still_reads(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}">{_cell(f"A{r}", a)}{_cell(f"B{r}", b)}</row>'
        for r, (a, b) in enumerate([("project_id", "title"), ("P1", "Titel")], start=1)
    )
    data = _xlsx(rows, dimension="A1:B2")
    sheets = workbooks._read_workbook(data, "ok.xlsx")
    assert sheets[0].headers == ["project_id", "title"]
    assert sheets[0].columns[1].tolist() == ["Titel"]


def test_zip_bomb_is_refused_from_the_directory() -> None:
    data = _bomb(workbooks.MAX_MEMBER_BYTES + 1024 * 1024)
    assert len(data) < 1024 * 1024  # a bomb: under 1 MB on disk
    _refused(data, "uitgepakt .* MB groot")


def test_high_ratio_member_is_refused_even_under_the_size_cap() -> None:
    data = _bomb(32 * 1024 * 1024)  # 32 MB at about 1000:1
    _refused(data, "mogelijk schadelijk")


def test_a_directory_that_lies_about_the_size_is_caught_while_streaming() -> None:
    _refused(_lying_directory(), "beschadigd")


def test_password_protected_workbook_says_so() -> None:
    # Excel writes an encrypted workbook as an OLE2 container with this stream.
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(og.InputError, match="wachtwoord") as caught:
        og.read_partnerships(ole + b"\x00" * 500, source_name="geheim.xlsx")
    assert caught.value.code == "password"
    assert og.error_message(caught.value, "en") == (
        "File 'geheim.xlsx' is protected with a password; save it without a password and "
        "load it again."
    )


# The child reports its own peak RSS: VmHWM, the high-water mark of its own memory
# map. Not ru_maxrss: Linux keeps that across execve, and subprocess starts the child
# with vfork, so ru_maxrss reports the test process's own peak (1.1 GB in a full test
# run) for every child, however little the child uses.
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from optil_geo.cli import main
start = time.perf_counter()
code = main(["validate", sys.argv[1], "--no-fixes"])
seconds = time.perf_counter() - start
status = Path("/proc/self/status")
peak_kb = (
    next(int(l.split()[1]) for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
    if status.exists()
    else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
)
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak_kb / 1024}))
"""


def _run_child(path: Path, cache: Path, timeout: float = 60) -> tuple[dict[str, float], str]:
    """Validate ``path`` in a fresh process with an empty reference cache."""
    env = {**os.environ, "OPTIL_GEO_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr  # no abort: the child finished and reported
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


@pytest.mark.parametrize(
    "make",
    [_far_cell, lambda: _bomb(workbooks.MAX_MEMBER_BYTES + 1024 * 1024), _lying_directory],
    ids=["far-cell", "zip-bomb", "lying-directory"],
)
def test_cli_refuses_hostile_workbooks_in_a_subprocess(tmp_path: Path, make: object) -> None:
    path = tmp_path / "vijandig.xlsx"
    path.write_bytes(make())  # type: ignore[operator]
    result, stderr = _run_child(path, tmp_path / "cache")
    assert result["code"] == 2
    (line,) = stderr.strip().splitlines()
    assert line.startswith("InputError: Bestand 'vijandig.xlsx'")
    assert result["peak_mb"] < 1024
    assert result["seconds"] < 2


def test_a_normal_upload_in_a_fresh_process_stays_under_1_gb(tmp_path: Path) -> None:
    # The demo workbook, with an empty reference cache: the child prepares the
    # reference geography itself (the first run after a clone).
    demo = REPO / "data" / "demo" / "optil-geo-demo.xlsx"
    result, _ = _run_child(demo, tmp_path / "cache", timeout=120)
    assert result["code"] == 0
    assert (tmp_path / "cache" / "prepared").is_dir()  # the cache was built in the child
    assert result["peak_mb"] < 1024


# --------------------------------------------------------------------------- CSV


def test_a_stray_quote_that_swallows_lines_is_an_error_naming_its_row() -> None:
    body = (
        "P1;T1;CC A;Gent;Org 1;Brugge\n"
        'P1;T1;CC A;Gent;"Org 2;Kortrijk\n'
        "P1;T1;CC A;Gent;Org 3;Leuven\n"
        "P2;T2;CC B;Aalst;Org 4;Mechelen\n"
    )
    data = og.read_partnerships((HEADER + body).encode(), source_name="quote.csv")
    (error,) = [p for p in data.report.errors if p.code == "stray_quote"]
    assert error.row == 3
    assert error.column == "organisation"
    assert error.params == {"n": 2}  # the two lines after it
    assert problem_message(error).startswith("Rij 3, kolom 'organisation': een aanhalingsteken")
    assert problem_message(error, "en").startswith("Row 3, column 'organisation': a quote")


def test_a_line_break_inside_a_closed_quote_is_not_a_stray_quote() -> None:
    title = '"Titel op\ntwee regels"'
    body = f"P1;{title};CC A;Gent;Org 1;Brugge\nP1;{title};CC A;Gent;Org 2;Leuven\n"
    data = og.read_partnerships((HEADER + body).encode(), source_name="ok.csv")
    assert "stray_quote" not in data.report.counts_by_code()
    assert data.projects["title"].tolist() == ["Titel op\ntwee regels"]
    assert data.partners["organisation"].tolist() == ["Org 1", "Org 2"]


def test_the_demo_csv_with_one_stray_quote_reports_it() -> None:
    path = REPO / "data/demo/optil-geo-demo-flat.csv"
    lines = path.read_bytes().split(b"\n")
    cells = lines[100].split(b";")
    assert cells[11] == b"87500"  # a plain number: the quote opens a cell that never closes
    cells[11] = b'"' + cells[11]
    lines[100] = b";".join(cells)
    data = og.read_partnerships(b"\n".join(lines), source_name="demo.csv")
    errors = [p for p in data.report.errors if p.code == "stray_quote"]
    assert [p.row for p in errors] == [101]
    assert not data.ok


def test_cells_beyond_the_last_header_warn_naming_the_row() -> None:
    body = "P1;T1;CC A;Gent;Org 1;Brugge\nP1;T1;CC A;Gent;Org 2;Leuven;extra\n"
    data = og.read_partnerships((HEADER + body).encode(), source_name="ragged.csv")
    (warning,) = [p for p in data.report.warnings if p.code == "cells_beyond_header"]
    assert (warning.row, warning.column, warning.value) == (3, "G", "extra")
    assert len(data.partners) == 2


def test_a_nul_byte_is_stripped_with_a_warning() -> None:
    body = "P1;T1;CC A;Gent;Org\x00 1;Brugge\n"
    data = og.read_partnerships((HEADER + body).encode(), source_name="nul.csv")
    (warning,) = [p for p in data.report.warnings if p.code == "nul_byte"]
    assert warning.row == 2
    assert data.partners["organisation"].tolist() == ["Org 1"]


# --------------------------------------------------------------------------- places and output


def test_beveren_waas_in_brackets_is_beveren_kruibeke_zwijndrecht(ref) -> None:  # type: ignore[no-untyped-def]
    match = og.resolve_place("Beveren (Waas)", reference=ref)
    assert (match.nis, match.status) == ("46030", "alias")
    assert og.resolve_place("Beveren", reference=ref).status == "ambiguous"


def test_measures_to_an_unknown_extension_lists_every_allowed_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from optil_geo.cli import main

    code = main(
        ["measures", str(REPO / "data/demo/optil-geo-demo.xlsx"), "-o", str(tmp_path / "x.shp")]
    )
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    for extension in (".csv", ".xlsx", ".geojson", ".gpkg"):
        assert extension in line
