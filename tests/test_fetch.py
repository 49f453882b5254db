"""Finding, verifying and downloading the pinned reference files (offline: loopback only)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from optil_geo import _fetch
from optil_geo._errors import ReferenceDataError
from optil_geo.settings import Settings

from .conftest import REPO, SHARED_REFERENCE

SMALL = "provinciesincijfers/REFREG.xlsx"


@pytest.fixture
def no_checkout_copy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide ../shared/reference so that only the folders a test sets up are searched."""
    monkeypatch.setattr(_fetch, "_checkout_reference_dir", lambda: tmp_path / "nowhere")


def _copy_reference(target: Path) -> Path:
    shutil.copytree(SHARED_REFERENCE, target, ignore=shutil.ignore_patterns("*.md", "*.csv"))
    shutil.copytree(SHARED_REFERENCE / "statbel", target / "statbel", dirs_exist_ok=True)
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Serve a copy of the reference folder on 127.0.0.1; yield (base URL, served folder)."""
    served = _copy_reference(tmp_path / "served")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_manifest_matches_the_shared_manifest_and_repo_copy() -> None:
    ours = {(e.path, e.sha256, e.bytes, e.url) for e in _fetch.manifest()}
    shared = (SHARED_REFERENCE / "MANIFEST.csv").read_text().splitlines()[1:]
    theirs = {(p, h, int(b), u) for p, h, b, u in (line.split(",") for line in shared)}
    assert ours == theirs
    pkg_copy = (REPO / "optil_geo" / "data" / "reference_manifest.csv").read_bytes()
    assert (REPO / "data" / "municipalities" / "manifest.csv").read_bytes() == pkg_copy
    assert all(e.licence and e.credit for e in _fetch.manifest())


def test_local_copy_is_found_and_verified() -> None:
    path = _fetch.locate(SMALL, Settings.from_env())
    assert path == SHARED_REFERENCE / SMALL


def test_reference_dir_comes_first(tmp_path: Path) -> None:
    mine = _copy_reference(tmp_path / "mine")
    path = _fetch.locate(SMALL, Settings.from_env(reference_dir=mine))
    assert path == mine / SMALL


def test_bad_copy_is_never_used(tmp_path: Path) -> None:
    mine = _copy_reference(tmp_path / "mine")
    target = mine / SMALL
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(data))
    # The corrupted copy is skipped; the good checkout copy is used instead.
    path = _fetch.locate(SMALL, Settings.from_env(reference_dir=mine))
    assert path == SHARED_REFERENCE / SMALL


def test_hash_mismatch_error_names_the_file(tmp_path: Path, no_checkout_copy: None) -> None:
    mine = _copy_reference(tmp_path / "mine")
    target = mine / SMALL
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    settings = Settings.from_env(
        reference_dir=mine, cache_dir=tmp_path / "cache", allow_download=False
    )
    with pytest.raises(ReferenceDataError, match=r"REFREG\.xlsx.*SHA-256 does not match"):
        _fetch.locate(SMALL, settings)


def test_missing_file_error_says_what_to_do(tmp_path: Path, no_checkout_copy: None) -> None:
    settings = Settings.from_env(cache_dir=tmp_path / "cache", allow_download=False)
    with pytest.raises(ReferenceDataError) as info:
        _fetch.locate(SMALL, settings)
    message = str(info.value)
    assert "REFREG.xlsx" in message
    assert "OPTIL_GEO_REFERENCE_DIR" in message
    assert "optil-geo reference fetch" in message


def test_download_on_loopback_verifies_and_caches(
    tmp_path: Path, loopback_server: tuple[str, Path], no_checkout_copy: None
) -> None:
    base, _served = loopback_server
    settings = Settings.from_env(
        cache_dir=tmp_path / "cache", allow_download=True, reference_mirror=base
    )
    seen: list[tuple[str, int, int]] = []
    files = _fetch.fetch_all(settings, progress=lambda p, d, t: seen.append((p, d, t)))
    assert set(files) == {e.path for e in _fetch.manifest()}
    for entry in _fetch.manifest():
        got = files[entry.path]
        assert got == tmp_path / "cache" / "reference" / entry.path
        assert _fetch._sha256(got) == entry.sha256
    # Progress was reported up to the full size of each file.
    finished = {p for p, d, t in seen if d == t}
    assert finished == set(files)
    # A second call finds the cached copies without the server.
    offline = settings.replace(allow_download=False, reference_mirror="http://127.0.0.1:9/")
    assert _fetch.locate(SMALL, offline) == files[SMALL]


def test_download_with_wrong_hash_is_discarded(
    tmp_path: Path, loopback_server: tuple[str, Path], no_checkout_copy: None
) -> None:
    base, served = loopback_server
    target = served / SMALL
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    settings = Settings.from_env(
        cache_dir=tmp_path / "cache", allow_download=True, reference_mirror=base
    )
    with pytest.raises(ReferenceDataError, match=r"REFREG\.xlsx.*does not match"):
        _fetch.locate(SMALL, settings, progress=lambda *a: None)
    cached = tmp_path / "cache" / "reference" / "provinciesincijfers"
    assert not (cached / "REFREG.xlsx").exists()
    assert list(cached.glob("*.part")) == []


def test_unreachable_server_error(tmp_path: Path, no_checkout_copy: None) -> None:
    # Port 9 (discard) on loopback is closed here: the connection is refused at once.
    settings = Settings.from_env(
        cache_dir=tmp_path / "cache", allow_download=True, reference_mirror="http://127.0.0.1:9"
    )
    with pytest.raises(ReferenceDataError, match="could not download"):
        _fetch.locate(SMALL, settings, progress=lambda *a: None)
