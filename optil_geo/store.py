"""The embedded workspace database: imported datasets and manual location fixes.

The workspace is one SQLite file (``Settings.workspace_path``). It keeps every
imported partnership dataset exactly as it was read, so the app can reopen it after a
restart, and the location fixes a user made by hand, so a fix made once applies to
every later import.

The file is opened in WAL mode with foreign keys on and a busy timeout; every write
runs in one transaction, so a failure leaves earlier data intact. The schema carries a
version (``PRAGMA user_version``) and is brought up to date by an ordered list of
migrations when the workspace is opened. A file that is locked, damaged, or written by
a newer optil-geo raises :class:`~optil_geo._errors.WorkspaceError`; the file itself is
never deleted or overwritten.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np
import pandas as pd

from optil_geo._errors import InputError, WorkspaceError
from optil_geo.settings import Settings

__all__ = ["DATASET_COLUMNS", "FIX_COLUMNS", "TEXT_DTYPE", "Workspace", "fix_key"]

#: Columns of :meth:`Workspace.list_datasets`.
DATASET_COLUMNS = ("id", "name", "source_name", "created_at", "projects", "partners")
#: Columns of :meth:`Workspace.fixes`.
FIX_COLUMNS = ("place", "postcode", "nis", "note", "created_at", "place_key", "postcode_key")
#: dtype of every column of a loaded table: pandas' text dtype, missing cells are NaN.
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)

_DEFAULT_TIMEOUT_S = 5.0
_NIS_RE = re.compile(r"[0-9]{5}")
_TABLE_KINDS = ("projects", "partners")


# --------------------------------------------------------------------------- migrations


def _migration_1(conn: sqlite3.Connection) -> None:
    """Create the dataset and location-fix tables."""
    # Payloads live apart from the dataset row so listing datasets never reads them.
    conn.execute(
        """
        CREATE TABLE datasets (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            name        TEXT    NOT NULL,
            source_name TEXT    NOT NULL,
            created_at  TEXT    NOT NULL,
            n_projects  INTEGER NOT NULL,
            n_partners  INTEGER NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE dataset_tables (
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            kind       TEXT    NOT NULL CHECK (kind IN ('projects', 'partners')),
            payload    TEXT    NOT NULL,
            PRIMARY KEY (dataset_id, kind)
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE location_fixes (
            place_key    TEXT NOT NULL,
            postcode_key TEXT NOT NULL,
            place        TEXT NOT NULL,
            postcode     TEXT,
            nis          TEXT NOT NULL CHECK (length(nis) = 5),
            note         TEXT,
            created_at   TEXT NOT NULL,
            PRIMARY KEY (place_key, postcode_key)
        )
        """
    )


# Append only: migration i (1-based) brings the schema from version i-1 to version i.
_MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migration_1]


# --------------------------------------------------------------------------- keys


def fix_key(place: str | None, postcode: str | None) -> tuple[str, str]:
    """Return the lookup key of a location fix: normalised place text and postcode.

    The place text is Unicode-normalised (NFC), lowercased and its whitespace
    collapsed; accents are kept, because ``Sint-Agatha-Berchem`` and a name that
    differs only by an accent may be different places. The postcode is stripped;
    a missing postcode becomes ``""``.

    Parameters
    ----------
    place
        Place text as written in the input (``None`` for none).
    postcode
        Postal code as written in the input (``None`` for none).

    Returns
    -------
    tuple of str
        ``(normalised place, postcode or "")``.
    """
    return _normalise_text(place, "place").lower(), _normalise_text(postcode, "postcode")


def _normalise_text(value: str | None, argument: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"`{argument}` was {value!r} but must be text or None")
    return " ".join(unicodedata.normalize("NFC", value).split())


# --------------------------------------------------------------------------- workspace


class Workspace:
    """The workspace database: imported datasets and manual location fixes.

    Opening creates the file (and its parent folders) if needed and applies pending
    schema migrations. Usable as a context manager; after :meth:`close` every call
    raises :class:`WorkspaceError`.

    Parameters
    ----------
    path
        The SQLite file.
    timeout
        Seconds to wait for another writer before giving up with a ``WorkspaceError``.

    Raises
    ------
    WorkspaceError
        If the file is locked, damaged, not an optil-geo workspace, or written by a
        newer version of optil-geo.
    """

    # One connection per call instead of one shared connection: a cached Workspace is
    # shared by Streamlit's script threads, and sqlite3 connections must not be used
    # from several threads without a lock. Opening a connection costs well under a
    # millisecond, and SQLite's own locking (WAL + busy timeout) then serialises writers
    # across threads, browser tabs and processes alike.

    def __init__(self, path: Path, *, timeout: float = _DEFAULT_TIMEOUT_S) -> None:
        self._path = Path(path)
        self._timeout = float(timeout)
        self._closed = False
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot create the folder of the workspace database {str(self._path)!r}: {exc}"
            ) from exc
        self._open_and_migrate()

    @classmethod
    def open(cls, settings: Settings | None = None) -> Workspace:
        """Open the workspace at ``settings.workspace_path`` (default: ``Settings.from_env()``)."""
        settings = settings if settings is not None else Settings.from_env()
        return cls(settings.workspace_path)

    @property
    def path(self) -> Path:
        """The SQLite file of this workspace."""
        return self._path

    def close(self) -> None:
        """Stop using the workspace; there is no connection left open to release."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self._path)!r})"

    # ------------------------------------------------------------------ datasets

    def save_dataset(
        self,
        name: str,
        *,
        source_name: str,
        projects: pd.DataFrame,
        partners: pd.DataFrame,
    ) -> int:
        """Store an imported dataset as given and return its id.

        Every row and column of both tables is kept, in order. Cells are stored as text
        (values that are not text are converted with ``str``) or null; the index is
        not stored.

        Parameters
        ----------
        name
            Name shown to the user; need not be unique.
        source_name
            Name of the file the dataset was read from.
        projects, partners
            The input tables with canonical column names.

        Returns
        -------
        int
            The id of the new dataset.
        """
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"`name` was {name!r} but must be non-empty text")
        if not isinstance(source_name, str):
            raise InputError(f"`source_name` was {source_name!r} but must be text")
        payloads = {
            "projects": _encode_table(projects, "projects"),
            "partners": _encode_table(partners, "partners"),
        }
        with self._connection() as conn, _transaction(conn):
            cursor = conn.execute(
                "INSERT INTO datasets (name, source_name, created_at, n_projects, n_partners)"
                " VALUES (?, ?, ?, ?, ?)",
                (name, source_name, _now(), len(projects), len(partners)),
            )
            dataset_id = cursor.lastrowid
            assert dataset_id is not None  # an INSERT always sets it
            conn.executemany(
                "INSERT INTO dataset_tables (dataset_id, kind, payload) VALUES (?, ?, ?)",
                [(dataset_id, kind, payloads[kind]) for kind in _TABLE_KINDS],
            )
        return dataset_id

    def list_datasets(self) -> pd.DataFrame:
        """Return the stored datasets, newest first.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, name, source_name, created_at, projects, partners`` (the last
            two are row counts).
        """
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT id, name, source_name, created_at, n_projects, n_partners"
                " FROM datasets ORDER BY id DESC"
            ).fetchall()
        frame = pd.DataFrame(rows, columns=list(DATASET_COLUMNS), dtype=object)
        return frame.astype(
            {
                "id": "int64",
                "name": TEXT_DTYPE,
                "source_name": TEXT_DTYPE,
                "created_at": TEXT_DTYPE,
                "projects": "int64",
                "partners": "int64",
            }
        )

    def load_dataset(self, dataset_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the ``(projects, partners)`` tables of a dataset exactly as saved.

        Columns and rows come back in their saved order with a fresh ``RangeIndex``;
        every column has dtype :data:`TEXT_DTYPE`, so missing cells are NaN.

        Raises
        ------
        WorkspaceError
            If no dataset has this id.
        """
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT kind, payload FROM dataset_tables WHERE dataset_id = ?",
                (int(dataset_id),),
            ).fetchall()
        payloads = dict(rows)
        if set(payloads) != set(_TABLE_KINDS):
            raise WorkspaceError(
                f"`dataset_id` was {dataset_id!r} but the workspace {str(self._path)!r}"
                " holds no dataset with that id"
            )
        return _decode_table(payloads["projects"]), _decode_table(payloads["partners"])

    def delete_dataset(self, dataset_id: int) -> None:
        """Delete a dataset and its tables; nothing happens if it does not exist."""
        with self._connection() as conn, _transaction(conn):
            conn.execute("DELETE FROM datasets WHERE id = ?", (int(dataset_id),))

    # ------------------------------------------------------------------ location fixes

    def save_fix(
        self, place: str, postcode: str | None, nis: str, *, note: str | None = None
    ) -> None:
        """Remember that ``place`` (with ``postcode``) lies in municipality ``nis``.

        A fix with the same key (see :func:`fix_key`) is replaced. Only the form of
        ``nis`` is checked here (the store does not know the reference geography);
        :func:`optil_geo.save_location_fix` also checks that it is a municipality.

        Parameters
        ----------
        place
            Place text as written in the input.
        postcode
            Postal code as written in the input, or ``None``.
        nis
            The 5-digit NIS code of the municipality, e.g. ``"44021"``.
        note
            Free text, e.g. who made the fix and why.
        """
        place_key, postcode_key = fix_key(place, postcode)
        if not place_key and not postcode_key:
            raise InputError("`place` and `postcode` were both empty; a fix needs at least one")
        if not isinstance(nis, str) or not _NIS_RE.fullmatch(nis.strip()):
            raise InputError(f"`nis` was {nis!r} but must be a 5-digit NIS code such as '44021'")
        if note is not None and not isinstance(note, str):
            raise InputError(f"`note` was {note!r} but must be text or None")
        row = (
            place_key,
            postcode_key,
            place or "",
            postcode.strip() if postcode and postcode.strip() else None,
            nis.strip(),
            note,
            _now(),
        )
        with self._connection() as conn, _transaction(conn):
            conn.execute(
                "INSERT INTO location_fixes"
                " (place_key, postcode_key, place, postcode, nis, note, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (place_key, postcode_key) DO UPDATE SET"
                " place = excluded.place, postcode = excluded.postcode, nis = excluded.nis,"
                " note = excluded.note, created_at = excluded.created_at",
                row,
            )

    def fixes(self) -> pd.DataFrame:
        """Return the location fixes, sorted by key.

        Returns
        -------
        pandas.DataFrame
            Columns ``place, postcode, nis, note, created_at, place_key, postcode_key``.
        """
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT place, postcode, nis, note, created_at, place_key, postcode_key"
                " FROM location_fixes ORDER BY place_key, postcode_key"
            ).fetchall()
        return pd.DataFrame(rows, columns=list(FIX_COLUMNS), dtype=object).astype(TEXT_DTYPE)

    def delete_fix(self, place: str, postcode: str | None) -> None:
        """Forget the fix for ``place`` and ``postcode``; nothing happens if there is none."""
        with self._connection() as conn, _transaction(conn):
            conn.execute(
                "DELETE FROM location_fixes WHERE place_key = ? AND postcode_key = ?",
                fix_key(place, postcode),
            )

    def fix_lookup(self) -> dict[tuple[str, str], str]:
        """Return every fix as ``{fix_key(place, postcode): nis}``."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT place_key, postcode_key, nis FROM location_fixes"
            ).fetchall()
        return {(place_key, postcode_key): nis for place_key, postcode_key, nis in rows}

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """Yield a fresh connection; translate SQLite failures into WorkspaceError."""
        if self._closed:
            raise WorkspaceError(f"the workspace {str(self._path)!r} was closed")
        try:
            # isolation_level=None: transactions are begun explicitly (see _transaction).
            conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, self._path) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            yield conn
        except sqlite3.Error as exc:
            raise _translate(exc, self._path) from exc
        finally:
            conn.close()

    def _open_and_migrate(self) -> None:
        """Check the file is a workspace we understand, switch to WAL, apply migrations."""
        with self._connection() as conn:
            # Read-only checks first: a damaged or newer file must not be written to.
            version = _user_version(conn)
            known = len(_MIGRATIONS)
            if version > known:
                raise WorkspaceError(
                    f"the workspace database {str(self._path)!r} has schema version {version},"
                    f" newer than this version of optil-geo understands ({known}); upgrade"
                    " optil-geo or set OPTIL_GEO_WORKSPACE to another file. The file was not"
                    " changed."
                )
            check = conn.execute("PRAGMA quick_check(1)").fetchone()
            if check is None or check[0] != "ok":
                raise _corrupt_error(self._path, str(check[0] if check else "no answer"))
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise WorkspaceError(
                    f"the file {str(self._path)!r} is an SQLite database of another program,"
                    " not an optil-geo workspace; set OPTIL_GEO_WORKSPACE to another file."
                    " The file was not changed."
                )
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise WorkspaceError(
                    f"the workspace database {str(self._path)!r} could not be switched to WAL"
                    f" mode (journal mode is {mode!r}); is it on a network drive?"
                )
            for target, migration in enumerate(_MIGRATIONS, start=1):
                if target <= version:
                    continue
                with _transaction(conn):
                    # Re-read inside the write lock: another process may have migrated.
                    current = _user_version(conn)
                    if current >= target:
                        continue
                    migration(conn)
                    conn.execute(f"PRAGMA user_version = {target}")
                version = target

    # ------------------------------------------------------------------ column mappings

    # Created on first use rather than by a numbered migration: a table nobody depends
    # on at open time, added without renumbering anyone's migrations.
    _COLUMN_MAPPINGS = """
        CREATE TABLE IF NOT EXISTS column_mappings (
            header_key TEXT PRIMARY KEY,
            mapping    TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """

    def save_column_mapping(self, header_key: str, columns: dict[str, str]) -> None:
        """Remember the confirmed column mapping of files with these headers.

        Parameters
        ----------
        header_key
            The key of the file's set of headers
            (:func:`optil_geo.partnerships.mapping.header_set_key`).
        columns
            Field → header as written, e.g. ``{"organisation": "partner_organisation"}``.

        Raises
        ------
        InputError
            When ``header_key`` is empty or ``columns`` is not a mapping of text to text.
        """
        if not isinstance(header_key, str) or not header_key:
            raise InputError(f"`header_key` was {header_key!r} but must be a non-empty text")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise InputError(f"`columns` was {dict(columns)!r} but must map text to text")
        payload = json.dumps(dict(sorted(columns.items())), ensure_ascii=False)
        with self._connection() as conn, _transaction(conn):
            conn.execute(self._COLUMN_MAPPINGS)
            conn.execute(
                "INSERT INTO column_mappings (header_key, mapping, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (header_key) DO UPDATE SET mapping = excluded.mapping,"
                " updated_at = excluded.updated_at",
                (header_key, payload, _now()),
            )

    def column_mapping(self, header_key: str) -> dict[str, str] | None:
        """Return the mapping remembered for files with these headers, or ``None``."""
        with self._connection() as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'column_mappings'"
            ).fetchone()
            if exists is None:
                return None
            row = conn.execute(
                "SELECT mapping FROM column_mappings WHERE header_key = ?", (header_key,)
            ).fetchone()
        if row is None:
            return None
        loaded = json.loads(row[0])
        return {str(k): str(v) for k, v in loaded.items()}

    # ------------------------------------------------------------------ remembered places

    _REMEMBERED_PLACES = """
        CREATE TABLE IF NOT EXISTS remembered_places (
            organisation_key TEXT PRIMARY KEY,
            nis              TEXT NOT NULL CHECK (length(nis) = 5),
            updated_at       TEXT NOT NULL
        )
        """

    def remember_places(self, places: dict[str, str]) -> None:
        """Remember where organisations are, from an import: organisation key → NIS code.

        A later import places a partner without any place by it (status
        ``remembered``, with a warning). The newest import wins.

        Raises
        ------
        InputError
            When a key is empty or a code is not five digits.
        """
        rows = []
        for key, nis in places.items():
            if not isinstance(key, str) or not key or not _NIS_RE.fullmatch(str(nis)):
                raise InputError(
                    f"`places` held {key!r}: {nis!r} but must map organisation keys to "
                    "five-digit NIS codes"
                )
            rows.append((key, str(nis), _now()))
        with self._connection() as conn, _transaction(conn):
            conn.execute(self._REMEMBERED_PLACES)
            conn.executemany(
                "INSERT INTO remembered_places (organisation_key, nis, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (organisation_key) DO UPDATE SET nis = excluded.nis,"
                " updated_at = excluded.updated_at",
                rows,
            )

    def remembered_places(self) -> dict[str, str]:
        """Return every remembered organisation key → NIS code."""
        with self._connection() as conn:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'remembered_places'"
            ).fetchone()
            if exists is None:
                return {}
            rows = conn.execute("SELECT organisation_key, nis FROM remembered_places").fetchall()
        return {str(key): str(nis) for key, nis in rows}


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block in one write transaction; roll it back if anything fails."""
    # BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout):
    # a deferred transaction that upgrades from reading to writing in WAL mode fails at
    # once with SQLITE_BUSY instead of waiting, which `with conn:` would risk.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite may already have rolled back on its own (e.g. a full disk).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _encode_table(frame: pd.DataFrame, argument: str) -> str:
    """Return a table as JSON ``{"columns": [...], "rows": [[...], ...]}`` of text or null."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"`{argument}` was a {type(frame).__name__} but must be a DataFrame")
    columns = [str(column) for column in frame.columns]
    cells = frame.to_numpy(dtype=object).tolist()
    rows = [[_cell_text(value) for value in row] for row in cells]
    return json.dumps({"columns": columns, "rows": rows}, ensure_ascii=False)


def _cell_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    # None, NaN, pd.NA and NaT all mean an empty cell.
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return str(value)


def _decode_table(payload: str) -> pd.DataFrame:
    table = json.loads(payload)
    columns: Sequence[str] = table["columns"]
    rows: list[list[str | None]] = table["rows"]
    # An explicit index keeps the row count of a table without columns.
    frame = pd.DataFrame(rows, columns=list(columns), index=pd.RangeIndex(len(rows)), dtype=object)
    return frame.astype(TEXT_DTYPE)


# SQLite primary result codes (the low byte of the extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 5, 6, 11, 14, 26


def _translate(exc: sqlite3.Error, path: Path) -> WorkspaceError:
    """Turn an SQLite failure into a WorkspaceError that tells the user what to do."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if primary in {_SQLITE_BUSY, _SQLITE_LOCKED} or "locked" in text or "busy" in text:
        return WorkspaceError(
            f"the workspace database {str(path)!r} is locked: another program or browser tab"
            " is writing to it. Wait a moment and try again, or close the other program."
        )
    damaged = "malformed" in text or "not a database" in text
    if primary in {_SQLITE_CORRUPT, _SQLITE_NOTADB} or damaged:
        return _corrupt_error(path, text)
    if primary == _SQLITE_CANTOPEN:
        return WorkspaceError(
            f"the workspace database {str(path)!r} cannot be opened ({text}); check that the"
            " folder exists and is writable, or set OPTIL_GEO_WORKSPACE to another file."
        )
    return WorkspaceError(f"the workspace database {str(path)!r} could not be used: {text}")


def _corrupt_error(path: Path, detail: str) -> WorkspaceError:
    return WorkspaceError(
        f"the workspace database {str(path)!r} is damaged or not an optil-geo workspace"
        f" ({detail}). Move the file aside (rename it or move it to another folder) and"
        " start again to get a new, empty workspace. The file was not changed."
    )
