"""Benchmark the reference geography: cold build, warm load, and the web GeoJSON size.

Each measurement runs in a fresh Python process, so the warm figure includes
importing the libraries (what a user waits for when the app or the CLI starts).

Reproduce: ``python benchmarks/bench_reference.py``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

_PROBE = """
import json, time
t0 = time.perf_counter()
from optil_geo.reference import load_reference
t1 = time.perf_counter()
ref = load_reference()
t2 = time.perf_counter()
web = ref.municipalities_web
size = len(web[["nis", "name_nl", "geometry"]].to_json(drop_id=True).encode())
size_all = len(web.to_json(drop_id=True).encode())
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "total": t2 - t0,
                  "geojson": size, "geojson_all": size_all}))
"""


def _run(cache_dir: str) -> dict[str, float]:
    env = {**os.environ, "OPTIL_GEO_CACHE_DIR": cache_dir, "OPTIL_GEO_ALLOW_DOWNLOAD": "0"}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm loads to take the median of")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        cold = _run(cache)
        warm = [_run(cache) for _ in range(args.repeat)]
    print(f"cold build (empty cache), incl. imports:  {cold['total']:.2f} s")
    med = {k: statistics.median(w[k] for w in warm) for k in ("import", "load", "total")}
    print(
        f"warm load, median of {args.repeat}: imports {med['import']:.2f} s "
        f"+ load {med['load']:.2f} s = {med['total']:.2f} s (target < 1.5 s)"
    )
    print(
        f"web GeoJSON of the 304 municipalities (nis, name): {cold['geojson'] / 1000:.0f} KB "
        f"(all web columns: {cold['geojson_all'] / 1000:.0f} KB; budget 600 KB)"
    )
    print("reproduce: python benchmarks/bench_reference.py")


if __name__ == "__main__":
    main()
