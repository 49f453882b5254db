"""Domain exceptions: one base class, caught once at the edge (CLI, pages)."""

from __future__ import annotations

from collections.abc import Mapping

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
    """User input (a file, a column, a value) cannot be used as it is.

    A file the import refuses carries a ``code`` (``too_big``, ``zip_bomb``,
    ``password`` …) and its ``params`` (the file name, sizes, limits); its words come
    from the text catalogue (``refused_<code>``): ``str()`` is the Dutch line, and
    :func:`optil_geo.texts.error_message` words it in any interface language. Other
    input errors (a wrong argument) carry their own message.
    """

    def __init__(
        self, message: str = "", *, code: str = "", params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.params: dict[str, object] = dict(params or {})

    def __str__(self) -> str:
        if self.code:
            from optil_geo.texts import error_message  # noqa: PLC0415 - texts imports this module

            return error_message(self, "nl")
        return super().__str__()


class WorkspaceError(OptilGeoError):
    """The workspace database is locked, corrupt or cannot be written, or access is refused.

    ``code`` says what went wrong in a word the interface can translate: ``locked``,
    ``damaged``, ``foreign`` (another program's database), ``newer`` (a newer schema),
    ``cannot_open``, ``not_wal``, ``missing`` (no such dataset), ``gone`` (deleted),
    ``forbidden`` (not the owner or an editor), ``exists`` (a target file exists) or
    ``other``.
    """

    def __init__(self, message: str, *, code: str = "other") -> None:
        super().__init__(message)
        self.code = code
