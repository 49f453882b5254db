"""Benchmark the import: ``read_partnerships`` of the demo workbook.

Reads the demo XLSX (the first ``data/demo/*.xlsx``, or ``--file PATH``); without
one, builds a seeded synthetic two-sheet workbook of ``--projects`` projects and
about eight partners each (~220 / ~1,800 by default) in a temporary folder. The
reference geography is loaded and the gazetteer warmed first (the app and the CLI
keep both cached), then ``read_partnerships`` is timed. Baseline, measured in the
same run: the plain library call with its default options,
``pandas.read_excel(path, sheet_name=None)``, which only reads the cells.

Run from the project root::

    python benchmarks/bench_import.py                 # demo file or synthetic
    python benchmarks/bench_import.py --file my.xlsx

Targets: under 0.1 s for the demo workbook with a warm reference cache; a hostile
workbook (a cell at XFD1048576, a zip bomb, a zip whose directory lies) refused
with an ``InputError`` in under 2 s each (timed too, printed below).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from optil_geo import InputError
from optil_geo.dataio import read_partnerships
from optil_geo.gazetteer import resolve_places
from optil_geo.partnerships.workbooks import MAX_MEMBER_BYTES
from optil_geo.reference import Reference, load_reference
from optil_geo.vocabulary import load_vocabulary

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 0.1
HOSTILE_TARGET_S = 2.0

_SECTORS = [
    "Bibliotheek",
    "Cultuurcentrum",
    "Gemeentelijke cultuurdienst",
    "IGS cultuur",
    "Jeugdwerk",
    "Erfgoedcel",
    "Sociaal-cultureel werk",
    "Kunstenaar",
    "DKO",
    "Basisschool",
    "Secundair onderwijs",
    "Hogeschool",
    "Woonzorgcentrum",
    "CAW",
    "Psychiatrie",
    "Gevangenis",
    "Toerisme",
    "Natuurpunt",
    "OCMW",
    "bib",
    "cc",
    "Jeugdhuis",
    "Koepel",
    "vzw zonder type",
]
_ROLES = [
    "Initiatiefnemer",
    "Dragende partner",
    "Aanjager",
    "Toeleider",
    "Ondersteuner",
    "Kennispartner",
    "Uitvoerder",
    "partner",
    "",
]
_TARGETS = [
    "senioren",
    "jongeren",
    "kinderen",
    "gezinnen",
    "mensen met een beperking",
    "nieuwkomers",
    "LGBTQ+",
    "buurtbewoners",
    "gedetineerden",
    "amateurkunstenaars",
    "breed publiek",
]
_ABROAD = [("Lille", "Frankrijk"), ("Maastricht", "Nederland"), ("Aachen", "Duitsland")]
_WALLOON = ["Namur", "Liège", "Mons", "Luik", "Bergen", "Charleroi"]


def build_workbook(ref: Reference, path: Path, projects: int, seed: int = 2025) -> tuple[int, int]:
    """Write a seeded synthetic two-sheet workbook; return (projects, partners)."""
    rng = random.Random(seed)
    names = ref.municipalities["name_nl"].tolist()
    subs = [s for s in ref.submunicipalities["name"].tolist() if s]
    rows_p: list[dict[str, str]] = []
    rows_q: list[dict[str, str]] = []
    for k in range(projects):
        pid = f"{2019 + k // 36}-{1 + (k // 18) % 2}-{k % 36 + 1:02d}"
        lead_place = rng.choice(names)
        rows_p.append(
            {
                "projectnummer": pid,
                "titel": f"Project {k + 1}",
                "ronde": pid[:6],
                "jaar": pid[:4],
                "aanvrager": f"Cultuurcentrum {lead_place}",
                "gemeente": lead_place,
                "postcode": "",
                "sector": rng.choice(_SECTORS[:4]),
                "doelgroepen": "; ".join(rng.sample(_TARGETS, rng.randint(1, 3))),
                "subsidie (EUR)": rng.choice(
                    ["75000", "50.000", "99 500", "€ 82.000,00", "n.t.b."]
                ),
            }
        )
        for _ in range(rng.randint(4, 12)):
            kind = rng.random()
            country = ""
            if kind < 0.7:
                place = rng.choice(names)
            elif kind < 0.85:
                place = rng.choice(subs)
            elif kind < 0.92:
                place = rng.choice(_WALLOON)
            elif kind < 0.97:
                place, country = rng.choice(_ABROAD)
            else:
                place = rng.choice(["Deurne", "Beveren", "Xyzzy", "Kortrjk", ""])
            rows_q.append(
                {
                    "projectnummer": pid,
                    "organisatie": f"Partner {len(rows_q) + 1}",
                    "gemeente": place,
                    "postcode": "",
                    "land": country,
                    "sector": rng.choice(_SECTORS),
                    "rol": rng.choice(_ROLES),
                }
            )
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame(rows_p).to_excel(writer, sheet_name="projects", index=False)
        pd.DataFrame(rows_q).to_excel(writer, sheet_name="partners", index=False)
    return len(rows_p), len(rows_q)


def _demo_file() -> Path | None:
    found = sorted((REPO / "data" / "demo").glob("*.xlsx"))
    return found[0] if found else None


def _zip(sheet: bytes) -> bytes:
    """A zip with one worksheet part: enough for the checks that run before any reader."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def hostile_workbooks() -> dict[str, bytes]:
    """The hostile workbooks of the adversarial run, built in memory."""
    head = b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    tail = b"</t></is></c></row></sheetData></worksheet>"
    far = (
        b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    bomb = _zip(head + b"A" * (MAX_MEMBER_BYTES + 1024 * 1024) + tail)
    lying = bytearray(_zip(head + b"A" * (64 * 1024 * 1024) + tail))
    size = (len(head) + 64 * 1024 * 1024 + len(tail)).to_bytes(4, "little")
    lying = bytearray(bytes(lying).replace(size, (2000).to_bytes(4, "little")))
    return {"far cell": _zip(far), "zip bomb": bomb, "lying directory": bytes(lying)}


def time_refusals() -> dict[str, float]:
    """Seconds to refuse each hostile workbook (it must raise InputError)."""
    seconds = {}
    for name, data in hostile_workbooks().items():
        started = time.perf_counter()
        try:
            read_partnerships(data, source_name=f"{name}.xlsx")
        except InputError:
            seconds[name] = time.perf_counter() - started
        else:
            raise AssertionError(f"the {name} workbook was not refused")
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--file", type=Path, help="workbook to import (default: demo or synthetic)")
    parser.add_argument("--projects", type=int, default=220, help="synthetic: number of projects")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best is reported")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    ref = load_reference()
    t_reference = time.perf_counter() - started
    started = time.perf_counter()
    resolve_places(pd.DataFrame({"place": ["Gent"]}), reference=ref)
    load_vocabulary()
    t_warm = time.perf_counter() - started

    tmp = None
    path = args.file or _demo_file()
    if path is None:
        tmp = tempfile.TemporaryDirectory(prefix="optil-geo-bench-")
        path = Path(tmp.name) / "synthetic.xlsx"
        build_workbook(ref, path, args.projects)
        origin = f"synthetic ({args.projects} projects, seed 2025)"
    else:
        origin = str(path)

    timings, baseline = [], []
    data = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        data = read_partnerships(path, reference=ref)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        with warnings.catch_warnings():
            # pandas 3 announces a change of its default engine; the default is the baseline.
            warnings.simplefilter("ignore")
            pd.read_excel(path, sheet_name=None)
        baseline.append(time.perf_counter() - started)
    assert data is not None
    if tmp is not None:
        tmp.cleanup()

    size_kb = path.stat().st_size / 1024 if path.exists() else float("nan")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"file: {origin} ({size_kb:,.0f} KB)" if tmp is None else f"file: {origin}")
    print(
        f"rows: {len(data.projects):,} projects, {len(data.partners):,} partners; "
        f"{len(data.report.errors)} errors, {len(data.report.warnings)} warnings"
    )
    print("locations:", ", ".join(f"{k}={v:,}" for k, v in data.report.location_counts.items()))
    print(f"load_reference (warm cache or build):       {t_reference:7.3f} s")
    print(f"gazetteer + vocabulary warm-up:             {t_warm:7.3f} s")
    print(f"read_partnerships (best of {args.repeat}):             {min(timings):7.3f} s")
    print(
        f"read_partnerships (median):                 {sorted(timings)[len(timings) // 2]:7.3f} s"
    )
    print(f"baseline pandas.read_excel(sheet_name=None): {min(baseline):7.3f} s")
    command = "python benchmarks/bench_import.py" + (f" --file {args.file}" if args.file else "")
    print(f"reproduce: {command}")
    refusals = time_refusals()
    for name, seconds in refusals.items():
        print(f"hostile workbook refused ({name + '):':<17} {seconds:7.3f} s")
    ok = min(timings) < TARGET_S
    hostile_ok = max(refusals.values()) < HOSTILE_TARGET_S
    print(f"target < {TARGET_S:.1f} s: {'met' if ok else 'MISSED'}")
    print(f"hostile target < {HOSTILE_TARGET_S:.0f} s each: {'met' if hostile_ok else 'MISSED'}")
    return 0 if ok and hostile_ok else 1


if __name__ == "__main__":
    sys.exit(main())
