"""Settings in one place: every option with its type, default and a line of doc.

Settings are frozen dataclasses; unknown keys are rejected and values are validated
when an instance is made. ``Settings.from_env()`` reads the ``OPTIL_GEO_*``
environment variables on top of the defaults.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

from optil_geo._errors import SettingsError

__all__ = ["LinkRules", "Settings"]

SCHEMES = ("referentieregio", "province", "streek", "none")
URBAN_SETS = ("centrumsteden", "a0", "custom")
MODES = ("personal", "shared")

_APP = "optil-geo"


def _default_cache_dir() -> Path:
    return platformdirs.user_cache_path(_APP)


def _default_workspace_path() -> Path:
    return platformdirs.user_data_path(_APP) / "workspace.sqlite"


@dataclass(frozen=True, kw_only=True)
class LinkRules:
    """How a partnership link from lead municipality L to partner P is classified.

    The rules, first match wins: P abroad -> ``international``; P (or L) not
    resolved -> ``unknown``; P = L -> ``local``; P in L's home region, or sharing a
    border with L, or (optionally) closer than ``max_km`` -> ``regional``; P in the
    urban set -> ``urban``; otherwise ``supra_regional``.

    Parameters
    ----------
    scheme
        The home region of L: ``"referentieregio"`` (default; the 15 Flemish
        referentieregio's), ``"province"``, ``"streek"`` (the provincial streken)
        or ``"none"`` (no home region; only neighbours and distance count). For a
        Brussels L the home region is always the Brussels-Capital Region (except
        with ``"none"``).
    neighbours
        Count a partner in a municipality sharing a border with L as regional.
    max_km
        When set, a partner whose representative point lies closer than this many
        km to L's also counts as regional.
    urban
        The urban set: ``"centrumsteden"`` (default; the 13 centrumsteden and the
        19 Brussels municipalities), ``"a0"`` (urban hierarchy class a0 only) or
        ``"custom"`` (the NIS codes in ``urban_custom``).
    urban_custom
        NIS codes of the urban set when ``urban="custom"``.
    """

    scheme: Literal["referentieregio", "province", "streek", "none"] = "referentieregio"
    neighbours: bool = True
    max_km: float | None = None
    urban: Literal["centrumsteden", "a0", "custom"] = "centrumsteden"
    urban_custom: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise SettingsError(
                f"`scheme` was {self.scheme!r} but must be one of {list(SCHEMES)!r}"
            )
        if self.urban not in URBAN_SETS:
            raise SettingsError(
                f"`urban` was {self.urban!r} but must be one of {list(URBAN_SETS)!r}"
            )
        if self.max_km is not None and not (
            isinstance(self.max_km, int | float) and self.max_km > 0
        ):
            raise SettingsError(
                f"`max_km` was {self.max_km!r} but must be a positive number or None"
            )
        if not isinstance(self.neighbours, bool):
            raise SettingsError(f"`neighbours` was {self.neighbours!r} but must be True or False")
        bad = [
            c for c in self.urban_custom if not (isinstance(c, str) and len(c) == 5 and c.isdigit())
        ]
        if bad:
            raise SettingsError(f"`urban_custom` holds {bad!r}; expected 5-digit NIS codes as text")
        if self.urban == "custom" and not self.urban_custom:
            raise SettingsError("`urban` is 'custom' but `urban_custom` is empty; give NIS codes")

    def replace(self, **changes: Any) -> LinkRules:
        """Return a copy with ``changes`` applied (validated, unknown keys rejected)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(f"unknown rule(s) {unknown!r}; known rules are {sorted(known)!r}")
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Options of the library, the CLI and the app.

    Parameters
    ----------
    reference_dir
        Folder holding a local copy of the reference files (same layout as the
        manifest paths). Searched first. Environment: ``OPTIL_GEO_REFERENCE_DIR``.
    cache_dir
        Folder for downloaded reference files and the prepared reference tables.
        Environment: ``OPTIL_GEO_CACHE_DIR``. Default: the user's cache directory.
    allow_download
        Download missing reference files from their pinned URLs (verified by
        SHA-256). Environment: ``OPTIL_GEO_ALLOW_DOWNLOAD`` (``0``/``1``).
    reference_mirror
        Base URL of a mirror holding the reference files under their manifest
        paths (e.g. an intranet copy); replaces the pinned public URLs when set.
        Environment: ``OPTIL_GEO_REFERENCE_MIRROR``.
    workspace_path
        The embedded workspace database (imported datasets, location fixes).
        Environment: ``OPTIL_GEO_WORKSPACE``. Default: the user's data directory.
    fuzzy_threshold
        Minimum similarity (0-100) for a misspelt place name to be accepted as
        ``fuzzy``; below it the place stays ``unresolved`` with suggestions.
    max_upload_mb
        Largest file accepted for import, in megabytes.
        Environment: ``OPTIL_GEO_MAX_UPLOAD_MB``.
    mode
        ``"personal"`` (default: one user on a laptop; everything stored is theirs)
        or ``"shared"`` (one instance for many users: what a user stores is theirs
        until they publish it; see the README). Environment: ``OPTIL_GEO_MODE``; the
        app also reads ``mode`` in the ``[optil_geo]`` section of Streamlit's
        ``secrets.toml`` when the variable is not set.
    """

    reference_dir: Path | None = None
    cache_dir: Path = field(default_factory=_default_cache_dir)
    allow_download: bool = True
    reference_mirror: str | None = None
    workspace_path: Path = field(default_factory=_default_workspace_path)
    fuzzy_threshold: float = 88.0
    max_upload_mb: float = 25.0
    mode: Literal["personal", "shared"] = "personal"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SettingsError(f"`mode` was {self.mode!r} but must be one of {list(MODES)!r}")
        if not 50.0 <= self.fuzzy_threshold <= 100.0:
            raise SettingsError(
                f"`fuzzy_threshold` was {self.fuzzy_threshold!r} but must lie between 50 and 100"
            )
        if not self.max_upload_mb > 0:
            raise SettingsError(
                f"`max_upload_mb` was {self.max_upload_mb!r} but must be a positive number"
            )

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Return the defaults, overridden by ``OPTIL_GEO_*`` variables, then by ``overrides``."""
        values: dict[str, Any] = {}
        env = os.environ
        if env.get("OPTIL_GEO_REFERENCE_DIR"):
            values["reference_dir"] = Path(env["OPTIL_GEO_REFERENCE_DIR"])
        if env.get("OPTIL_GEO_CACHE_DIR"):
            values["cache_dir"] = Path(env["OPTIL_GEO_CACHE_DIR"])
        if env.get("OPTIL_GEO_REFERENCE_MIRROR"):
            values["reference_mirror"] = env["OPTIL_GEO_REFERENCE_MIRROR"]
        if env.get("OPTIL_GEO_WORKSPACE"):
            values["workspace_path"] = Path(env["OPTIL_GEO_WORKSPACE"])
        if env.get("OPTIL_GEO_ALLOW_DOWNLOAD"):
            values["allow_download"] = env["OPTIL_GEO_ALLOW_DOWNLOAD"].strip() not in {
                "0",
                "false",
                "no",
            }
        if env.get("OPTIL_GEO_MODE"):
            values["mode"] = env["OPTIL_GEO_MODE"].strip().lower()
        if env.get("OPTIL_GEO_MAX_UPLOAD_MB"):
            raw = env["OPTIL_GEO_MAX_UPLOAD_MB"]
            try:
                values["max_upload_mb"] = float(raw)
            except ValueError:
                raise SettingsError(
                    f"OPTIL_GEO_MAX_UPLOAD_MB was {raw!r} but must be a number of megabytes"
                ) from None
        values.update(overrides)
        return cls.replace_defaults(**values)

    @classmethod
    def replace_defaults(cls, **values: Any) -> Settings:
        """Build settings from keyword values, rejecting unknown keys with a clear message."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(
                f"unknown setting(s) {unknown!r}; known settings are {sorted(known)!r}"
            )
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied (validated, unknown keys rejected)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(
                f"unknown setting(s) {unknown!r}; known settings are {sorted(known)!r}"
            )
        return dataclasses.replace(self, **changes)
