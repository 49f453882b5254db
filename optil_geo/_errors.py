"""Domain exceptions: one base class, caught once at the edge (CLI, pages)."""

from __future__ import annotations

__all__ = [
    "InputError",
    "OptilGeoError",
    "ReferenceDataError",
    "SettingsError",
    "WorkspaceError",
]


class OptilGeoError(Exception):
    """Base class of every error optil-geo raises on purpose."""


class SettingsError(OptilGeoError, ValueError):
    """A setting has a value outside what is allowed."""


class ReferenceDataError(OptilGeoError):
    """A reference file is missing, unreadable or does not match its pinned hash."""


class InputError(OptilGeoError):
    """User input (a file, a column, a value) cannot be used as it is."""


class WorkspaceError(OptilGeoError):
    """The workspace database is locked, corrupt or cannot be written."""
