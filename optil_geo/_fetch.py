"""Find, download and verify the reference files listed in the manifest.

The reference geography is not shipped with the package. The manifest
(``data/reference_manifest.csv``, a copy of ``data/municipalities/manifest.csv``)
pins every file by URL and SHA-256. A file is looked up, in order, in:

1. ``Settings.reference_dir`` (environment ``OPTIL_GEO_REFERENCE_DIR``);
2. the download cache ``Settings.cache_dir / "reference"``;
3. ``../shared/reference`` next to the checkout (development and CI);
4. otherwise it is downloaded from its pinned URL (or ``Settings.reference_mirror``)
   into the cache, verified, and only then used.

A file whose hash does not match is never used.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from optil_geo._errors import ReferenceDataError
from optil_geo.settings import Settings

__all__ = [
    "ManifestEntry",
    "fetch_all",
    "locate",
    "manifest",
    "manifest_digest",
]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(path, bytes_done, bytes_total)`` while downloading."""

_CHUNK = 1 << 16
_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ManifestEntry:
    """One pinned reference file."""

    path: str
    sha256: str
    bytes: int
    url: str
    licence: str
    credit: str


@cache
def manifest() -> tuple[ManifestEntry, ...]:
    """Return the pinned reference files, in manifest order."""
    text = resources.files("optil_geo").joinpath("data/reference_manifest.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        ManifestEntry(
            path=row["path"],
            sha256=row["sha256"].lower(),
            bytes=int(row["bytes"]),
            url=row["url"],
            licence=row["licence"],
            credit=row["credit"],
        )
        for row in rows
    )


@cache
def manifest_digest() -> str:
    """Return a short digest of the whole manifest (keys the prepared-table cache)."""
    h = hashlib.sha256()
    for entry in manifest():
        h.update(f"{entry.path}\0{entry.sha256}\n".encode())
    return h.hexdigest()[:16]


def _entry(path: str) -> ManifestEntry:
    for entry in manifest():
        if entry.path == path:
            return entry
    known = [e.path for e in manifest()]
    raise ReferenceDataError(f"{path!r} is not in the reference manifest; known files: {known!r}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _checkout_reference_dir() -> Path:
    # optil_geo/ sits in the checkout root; ../shared/reference is beside the checkout.
    return Path(__file__).resolve().parent.parent.parent / "shared" / "reference"


def search_dirs(settings: Settings) -> list[tuple[str, Path]]:
    """Return the folders searched for a local copy, in order, with a label each."""
    dirs: list[tuple[str, Path]] = []
    if settings.reference_dir is not None:
        dirs.append(("OPTIL_GEO_REFERENCE_DIR", Path(settings.reference_dir)))
    dirs.append(("download cache", Path(settings.cache_dir) / "reference"))
    dirs.append(("../shared/reference", _checkout_reference_dir()))
    return dirs


@cache
def _verified(path: Path, size: int, mtime_ns: int, sha256: str) -> bool:
    # Cached on (path, size, mtime) so a file is hashed once per process.
    return _sha256(path) == sha256


def _is_good(path: Path, entry: ManifestEntry) -> bool | None:
    """Return True (matches), False (present but wrong) or None (absent)."""
    if not path.is_file():
        return None
    stat = path.stat()
    if stat.st_size != entry.bytes:
        return False
    return _verified(path, stat.st_size, stat.st_mtime_ns, entry.sha256)


def _download_url(entry: ManifestEntry, settings: Settings) -> str:
    if settings.reference_mirror:
        return settings.reference_mirror.rstrip("/") + "/" + entry.path
    return entry.url


def _default_progress(path: str, done: int, total: int) -> None:
    if sys.stderr.isatty() or os.environ.get("OPTIL_GEO_PROGRESS") == "1":
        pct = 100 * done // max(total, 1)
        end = "\n" if done >= total else "\r"
        print(
            f"  {path}: {done / 1e6:5.1f} / {total / 1e6:.1f} MB ({pct:3d}%)",
            end=end,
            file=sys.stderr,
        )


def _download(entry: ManifestEntry, target: Path, settings: Settings, progress: Progress) -> None:
    url = _download_url(entry, settings)
    if not url.startswith(("https://", "http://")):
        raise ReferenceDataError(
            f"refusing to download {entry.path!r} from {url!r}: not an http(s) URL"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=_TIMEOUT_S) as resp:  # noqa: S310 - scheme checked above
            done = 0
            progress(entry.path, 0, entry.bytes)
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                h.update(chunk)
                done += len(chunk)
                progress(entry.path, min(done, entry.bytes), entry.bytes)
        if h.hexdigest() != entry.sha256:
            raise ReferenceDataError(
                f"downloaded {entry.path!r} from {url} but its SHA-256 {h.hexdigest()} does not "
                f"match the pinned {entry.sha256}; the file was discarded. The source may have "
                "changed: use a verified local copy (OPTIL_GEO_REFERENCE_DIR)."
            )
        tmp.replace(target)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise ReferenceDataError(
            f"could not download reference file {entry.path!r} from {url}: {exc}. "
            "Without internet, point OPTIL_GEO_REFERENCE_DIR at a local copy of the reference "
            "folder (e.g. ../shared/reference)."
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)


def locate(
    path: str, settings: Settings | None = None, *, progress: Progress | None = None
) -> Path:
    """Return a verified local path for the manifest file ``path``.

    Parameters
    ----------
    path
        The manifest path, e.g. ``"provinciesincijfers/gemeente.shp"``.
    settings
        Where to look and whether downloading is allowed; defaults from the environment.
    progress
        Download progress callback; by default a line on stderr when it is a terminal.

    Raises
    ------
    ReferenceDataError
        When the file is missing everywhere and cannot be downloaded, or when every
        copy found has the wrong hash.
    """
    settings = settings or Settings.from_env()
    entry = _entry(path)
    bad: list[Path] = []
    for _label, folder in search_dirs(settings):
        candidate = folder / entry.path
        good = _is_good(candidate, entry)
        if good:
            return candidate
        if good is False:
            bad.append(candidate)
    if settings.allow_download:
        target = Path(settings.cache_dir) / "reference" / entry.path
        _download(entry, target, settings, progress or _default_progress)
        return target
    where = ", ".join(f"{label} ({folder})" for label, folder in search_dirs(settings))
    if bad:
        raise ReferenceDataError(
            f"reference file {entry.path!r} was found at {', '.join(map(str, bad))} but its "
            f"SHA-256 does not match the pinned {entry.sha256}; it was not used. Replace it with "
            f"the original from {entry.url}"
        )
    raise ReferenceDataError(
        f"reference file {entry.path!r} is missing (looked in {where}) and downloading is "
        "switched off. Run `optil-geo reference fetch` with internet, or set "
        "OPTIL_GEO_REFERENCE_DIR to a folder holding a copy of the reference files."
    )


def fetch_all(
    settings: Settings | None = None,
    *,
    paths: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Locate (downloading where needed) and verify every manifest file; return path → file."""
    settings = settings or Settings.from_env()
    wanted = list(paths) if paths is not None else [e.path for e in manifest()]
    return {p: locate(p, settings, progress=progress) for p in wanted}
