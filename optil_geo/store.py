"""The embedded workspace database: imported datasets, manual location fixes, an audit log.

The workspace is one SQLite file (``Settings.workspace_path``). It keeps every
imported partnership dataset exactly as it was read, so the app can reopen it after a
restart; the location fixes a user made by hand, so a fix made once applies to every
later import; and what imports taught: the column mapping confirmed for a set of
headers, and where organisations are.

Every dataset, fix, column mapping and remembered place has an *owner*: a user id (the
e-mail address of a signed-in user) or :data:`NETWORK`, the whole network (the only
owner on a personal laptop). A dataset is seen by its owner, by editors, and by everyone
once it is published; publishing, unpublishing and deleting need the owner or an
editor. A fix, mapping or remembered place applies for its owner; the network's apply
for everyone, and so do the mappings and places of a published dataset. Imports,
publishing, deletions, fixes, mappings and remembered places are recorded in an audit
table. A deleted dataset keeps its row
(name, owner, time of deletion) but loses its tables, so an old address to it can say
"deleted" instead of "unknown".

:meth:`Workspace.backup` copies the file with SQLite's online backup API (safe while
the app runs); :meth:`Workspace.restore` puts a backup in place and keeps the old file
aside.

The file is opened in WAL mode with foreign keys on and a busy timeout; every write
runs in one transaction, so a failure leaves earlier data intact. The schema carries a
version (``PRAGMA user_version``) and is brought up to date by an ordered list of
migrations when the workspace is opened; a file of an older schema is first copied
aside (``<name>.schema-<version>-<UTC time>``), since an older optil-geo refuses the
migrated one. A file that is locked, damaged, or written by
a newer optil-geo raises :class:`~optil_geo._errors.WorkspaceError`; the file itself is
never deleted or overwritten.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from optil_geo._errors import InputError, WorkspaceError
from optil_geo.gazetteer import fix_key
from optil_geo.settings import Settings

__all__ = [
    "AUDIT_COLUMNS",
    "DATASET_COLUMNS",
    "FIX_COLUMNS",
    "NETWORK",
    "TEXT_DTYPE",
    "Access",
    "Workspace",
    "fix_key",
]

#: The owner of what belongs to the whole network (and of everything on a laptop).
NETWORK = "network"
#: Columns of :meth:`Workspace.list_datasets`.
DATASET_COLUMNS = (
    "id",
    "name",
    "source_name",
    "created_at",
    "projects",
    "partners",
    "label",
    "owner",
    "published",
)
#: Columns of :meth:`Workspace.fixes`.
FIX_COLUMNS = (
    "place",
    "postcode",
    "nis",
    "note",
    "created_at",
    "place_key",
    "postcode_key",
    "owner",
)
#: Columns of :meth:`Workspace.audit_log`.
AUDIT_COLUMNS = ("at", "actor", "action", "dataset_id", "subject", "detail")
#: What :meth:`Workspace.dataset_access` answers.
Access = Literal["ok", "forbidden", "gone", "missing"]
#: dtype of every column of a loaded table: pandas' text dtype, missing cells are NaN.
TEXT_DTYPE = pd.StringDtype(na_value=np.nan)

_DEFAULT_TIMEOUT_S = 5.0
#: Tokens of :meth:`Workspace.change_token` while the file is missing (never the same twice).
_MISSING_FILE_TOKENS = itertools.count()
#: A number for every connection that watches a workspace file (part of its tokens).
_WATCH_NUMBERS = itertools.count()
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


def _migration_2(conn: sqlite3.Connection) -> None:
    """Add owners, publishing, soft deletion and the audit table.

    What an earlier version stored belonged to whoever used the laptop: it becomes
    the network's, unpublished (on a shared instance only editors see it until an
    editor publishes it).
    """
    conn.execute(f"ALTER TABLE datasets ADD COLUMN owner TEXT NOT NULL DEFAULT '{NETWORK}'")
    conn.execute("ALTER TABLE datasets ADD COLUMN published_at TEXT")
    conn.execute("ALTER TABLE datasets ADD COLUMN deleted_at TEXT")
    # The owner joins the key of a fix: two users may fix the same place differently.
    conn.execute(
        """
        CREATE TABLE location_fixes_owned (
            owner        TEXT NOT NULL,
            place_key    TEXT NOT NULL,
            postcode_key TEXT NOT NULL,
            place        TEXT NOT NULL,
            postcode     TEXT,
            nis          TEXT NOT NULL CHECK (length(nis) = 5),
            note         TEXT,
            created_at   TEXT NOT NULL,
            PRIMARY KEY (owner, place_key, postcode_key)
        )
        """
    )
    conn.execute(
        "INSERT INTO location_fixes_owned"
        " (owner, place_key, postcode_key, place, postcode, nis, note, created_at)"
        " SELECT ?, place_key, postcode_key, place, postcode, nis, note, created_at"
        " FROM location_fixes",
        (NETWORK,),
    )
    conn.execute("DROP TABLE location_fixes")
    conn.execute("ALTER TABLE location_fixes_owned RENAME TO location_fixes")
    # No foreign key to datasets: the history outlives what it describes.
    conn.execute(
        """
        CREATE TABLE audit (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            at         TEXT    NOT NULL,
            actor      TEXT    NOT NULL,
            action     TEXT    NOT NULL,
            dataset_id INTEGER,
            subject    TEXT    NOT NULL,
            detail     TEXT
        )
        """
    )


def _migration_3(conn: sqlite3.Connection) -> None:
    """Give remembered column mappings and organisation places an owner and a source.

    Both tables were created on first use before (so a workspace of version 2 may
    have neither). What they held was remembered on a laptop or by an editor: it
    becomes the network's, with no source dataset.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # dataset_id: the import a row came from (NULL: none); a row of a published dataset
    # applies for everyone. No foreign key: like the audit, it outlives deletions.
    conn.execute(
        """
        CREATE TABLE column_mappings_owned (
            owner      TEXT    NOT NULL,
            header_key TEXT    NOT NULL,
            dataset_id INTEGER,
            mapping    TEXT    NOT NULL,
            updated_at TEXT    NOT NULL
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE remembered_places_owned (
            owner            TEXT    NOT NULL,
            organisation_key TEXT    NOT NULL,
            dataset_id       INTEGER,
            nis              TEXT    NOT NULL CHECK (length(nis) = 5),
            updated_at       TEXT    NOT NULL
        )
        """
    )
    if "column_mappings" in tables:
        conn.execute(
            "INSERT INTO column_mappings_owned (owner, header_key, mapping, updated_at)"
            " SELECT ?, header_key, mapping, updated_at FROM column_mappings",
            (NETWORK,),
        )
        conn.execute("DROP TABLE column_mappings")
    if "remembered_places" in tables:
        conn.execute(
            "INSERT INTO remembered_places_owned (owner, organisation_key, nis, updated_at)"
            " SELECT ?, organisation_key, nis, updated_at FROM remembered_places",
            (NETWORK,),
        )
        conn.execute("DROP TABLE remembered_places")
    conn.execute("ALTER TABLE column_mappings_owned RENAME TO column_mappings")
    conn.execute("ALTER TABLE remembered_places_owned RENAME TO remembered_places")
    conn.execute("CREATE INDEX column_mappings_key ON column_mappings (header_key, owner)")
    conn.execute(
        "CREATE INDEX remembered_places_key ON remembered_places (owner, organisation_key)"
    )


# Append only: migration i (1-based) brings the schema from version i-1 to version i.
_MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _migration_1,
    _migration_2,
    _migration_3,
]


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
        # The one connection kept open: it only asks SQLite whether the file changed.
        self._watch: sqlite3.Connection | None = None
        self._watched_file: tuple[int, int] | None = None
        self._watch_number = -1
        self._watch_lock = threading.Lock()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot create the folder of the workspace database {str(self._path)!r}: {exc}",
                code="cannot_open",
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
        """Stop using the workspace (and close the connection of :meth:`change_token`)."""
        self._closed = True
        with self._watch_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None

    def change_token(self) -> tuple[int, ...]:
        """Return a value that differs whenever the workspace may hold other data.

        For caches of what was read (the app reads the dataset listing, the fixes
        and the remembered places on every page run): equal tokens mean no
        transaction was committed in between, by this process or another, so what
        was read then is still what the file holds. SQLite's ``PRAGMA
        data_version`` says so: on one connection kept open, it changes whenever
        *another* connection commits (every read and write here uses its own).
        A file put in place of the workspace (another device or inode) is watched
        with a new connection, and each connection opened gets its own number in
        the token, so tokens never repeat within a process. While the file is
        missing, every call returns a new token (nothing is cached).

        Raises
        ------
        WorkspaceError
            If the workspace was closed or SQLite cannot read the file.
        """
        if self._closed:
            raise WorkspaceError(f"the workspace {str(self._path)!r} was closed", code="closed")
        try:
            stat = self._path.stat()
        except OSError:
            return (-1, next(_MISSING_FILE_TOKENS))
        ident = (stat.st_dev, stat.st_ino)
        with self._watch_lock:
            try:
                if self._watch is None or self._watched_file != ident:
                    if self._watch is not None:
                        self._watch.close()
                        self._watch = None
                    self._watch = sqlite3.connect(
                        self._path,
                        timeout=self._timeout,
                        isolation_level=None,
                        check_same_thread=False,  # used under this lock by the app's threads
                    )
                    self._watched_file = ident
                    self._watch_number = next(_WATCH_NUMBERS)
                version = int(self._watch.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                raise _translate(exc, self._path) from exc
            return (self._watch_number, version)

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
        owner: str = NETWORK,
    ) -> int:
        """Store an imported dataset as given and return its id.

        Every row and column of both tables is kept, in order. Cells are stored as text
        (values that are not text are converted with ``str``) or null; the index is
        not stored. The dataset starts unpublished; the import is recorded in the
        audit log.

        Parameters
        ----------
        name
            Name shown to the user; need not be unique (see the ``label`` column of
            :meth:`list_datasets`).
        source_name
            Name of the file the dataset was read from.
        projects, partners
            The input tables with canonical column names.
        owner
            Who owns it: a user id, or :data:`NETWORK` (default).

        Returns
        -------
        int
            The id of the new dataset; ids are never reused, also after a deletion.
        """
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"`name` was {name!r} but must be non-empty text")
        if not isinstance(source_name, str):
            raise InputError(f"`source_name` was {source_name!r} but must be text")
        owner = _check_owner(owner, "owner")
        payloads = {
            "projects": _encode_table(projects, "projects"),
            "partners": _encode_table(partners, "partners"),
        }
        with self._connection() as conn, _transaction(conn):
            cursor = conn.execute(
                "INSERT INTO datasets"
                " (name, source_name, created_at, n_projects, n_partners, owner)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (name, source_name, _now(), len(projects), len(partners), owner),
            )
            dataset_id = cursor.lastrowid
            assert dataset_id is not None  # an INSERT always sets it
            conn.executemany(
                "INSERT INTO dataset_tables (dataset_id, kind, payload) VALUES (?, ?, ?)",
                [(dataset_id, kind, payloads[kind]) for kind in _TABLE_KINDS],
            )
            _audit(conn, owner, "import", name, dataset_id=dataset_id, detail=source_name)
        return dataset_id

    def list_datasets(self, *, viewer: str = NETWORK, editor: bool = True) -> pd.DataFrame:
        """Return the datasets ``viewer`` may see, newest first.

        The defaults (the network, as an editor) see every dataset: a laptop's view.

        Parameters
        ----------
        viewer
            The user who looks: sees their own datasets and every published one.
        editor
            Whether the viewer is an editor; an editor sees every dataset.

        Returns
        -------
        pandas.DataFrame
            Columns ``id, name, source_name, created_at, projects, partners, label,
            owner, published``. ``projects`` and ``partners`` are row counts;
            ``label`` is the name with the date, made unique within the listing (the
            time and then ``#2``, ``#3`` … are added where names and dates repeat);
            ``published`` is a bool.
        """
        viewer = _check_owner(viewer, "viewer")
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT id, name, source_name, created_at, n_projects, n_partners,"
                " '' AS label, owner, published_at IS NOT NULL"
                " FROM datasets WHERE deleted_at IS NULL"
                " AND (? OR owner = ? OR published_at IS NOT NULL) ORDER BY id DESC",
                (bool(editor), viewer),
            ).fetchall()
        frame = pd.DataFrame(rows, columns=list(DATASET_COLUMNS), dtype=object)
        frame = frame.astype(
            {
                "id": "int64",
                "name": TEXT_DTYPE,
                "source_name": TEXT_DTYPE,
                "created_at": TEXT_DTYPE,
                "projects": "int64",
                "partners": "int64",
                "owner": TEXT_DTYPE,
                "published": "bool",
            }
        )
        frame["label"] = _unique_labels(frame).astype(TEXT_DTYPE)
        return frame

    def dataset_access(
        self, dataset_id: int, *, viewer: str = NETWORK, editor: bool = True
    ) -> Access:
        """Say whether ``viewer`` may open dataset ``dataset_id``.

        Returns
        -------
        str
            ``"ok"``; ``"forbidden"`` (it exists, unpublished, of someone else);
            ``"gone"`` (it was deleted); ``"missing"`` (there never was one).
        """
        viewer = _check_owner(viewer, "viewer")
        with self._connection() as conn:
            row = conn.execute(
                "SELECT owner, published_at, deleted_at FROM datasets WHERE id = ?",
                (_dataset_id(dataset_id),),
            ).fetchone()
        if row is None:
            return "missing"
        owner, published_at, deleted_at = row
        if deleted_at is not None:
            return "gone"
        if editor or owner == viewer or published_at is not None:
            return "ok"
        return "forbidden"

    def load_dataset(
        self, dataset_id: int, *, viewer: str = NETWORK, editor: bool = True
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the ``(projects, partners)`` tables of a dataset exactly as saved.

        Columns and rows come back in their saved order with a fresh ``RangeIndex``;
        every column has dtype :data:`TEXT_DTYPE`, so missing cells are NaN.

        Raises
        ------
        WorkspaceError
            If no dataset has this id (``code`` ``missing``), it was deleted
            (``gone``), or ``viewer`` may not see it (``forbidden``).
        """
        access = self.dataset_access(dataset_id, viewer=viewer, editor=editor)
        if access != "ok":
            raise self._access_error(dataset_id, access)
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT kind, payload FROM dataset_tables WHERE dataset_id = ?",
                (_dataset_id(dataset_id),),
            ).fetchall()
        payloads = dict(rows)
        if set(payloads) != set(_TABLE_KINDS):
            # Deleted between the two reads.
            raise self._access_error(dataset_id, "gone")
        return _decode_table(payloads["projects"]), _decode_table(payloads["partners"])

    def publish_dataset(
        self, dataset_id: int, *, published: bool = True, actor: str = NETWORK, editor: bool = True
    ) -> None:
        """Publish a dataset (everyone may then see it, read-only) or take it back.

        Raises
        ------
        WorkspaceError
            If the dataset does not exist or was deleted, or ``actor`` is neither its
            owner nor an editor (``code`` ``forbidden``).
        """
        actor = _check_owner(actor, "actor")
        with self._connection() as conn, _transaction(conn):
            name = self._owned_dataset(conn, dataset_id, actor=actor, editor=editor)
            conn.execute(
                "UPDATE datasets SET published_at = ? WHERE id = ?",
                (_now() if published else None, _dataset_id(dataset_id)),
            )
            action = "publish" if published else "unpublish"
            _audit(conn, actor, action, name, dataset_id=_dataset_id(dataset_id))

    def delete_dataset(self, dataset_id: int, *, actor: str = NETWORK, editor: bool = True) -> None:
        """Delete a dataset's tables; its row stays, marked deleted, for old addresses.

        Nothing happens when there is no such dataset or it was deleted before.

        Raises
        ------
        WorkspaceError
            If ``actor`` is neither its owner nor an editor (``code`` ``forbidden``).
        """
        actor = _check_owner(actor, "actor")
        with self._connection() as conn, _transaction(conn):
            try:
                name = self._owned_dataset(conn, dataset_id, actor=actor, editor=editor)
            except WorkspaceError as exc:
                if exc.code in {"missing", "gone"}:
                    return
                raise
            conn.execute(
                "UPDATE datasets SET deleted_at = ?, published_at = NULL WHERE id = ?",
                (_now(), _dataset_id(dataset_id)),
            )
            conn.execute(
                "DELETE FROM dataset_tables WHERE dataset_id = ?", (_dataset_id(dataset_id),)
            )
            _audit(conn, actor, "delete", name, dataset_id=_dataset_id(dataset_id))

    def _owned_dataset(
        self, conn: sqlite3.Connection, dataset_id: int, *, actor: str, editor: bool
    ) -> str:
        """Return the dataset's name when ``actor`` may change it; raise otherwise."""
        row = conn.execute(
            "SELECT name, owner, deleted_at FROM datasets WHERE id = ?",
            (_dataset_id(dataset_id),),
        ).fetchone()
        if row is None:
            raise self._access_error(dataset_id, "missing")
        name, owner, deleted_at = row
        if deleted_at is not None:
            raise self._access_error(dataset_id, "gone")
        if not (editor or owner == actor):
            raise self._access_error(dataset_id, "forbidden")
        return str(name)

    def _access_error(self, dataset_id: int, access: str) -> WorkspaceError:
        reason = {
            "missing": "holds no dataset with that id",
            "gone": "held a dataset with that id, but it was deleted",
            "forbidden": "holds that dataset, but only its owner or an editor may use it"
            " until it is published",
        }[access]
        return WorkspaceError(
            f"`dataset_id` was {dataset_id!r} but the workspace {str(self._path)!r} {reason}",
            code=access,
        )

    # ------------------------------------------------------------------ location fixes

    def save_fix(
        self,
        place: str,
        postcode: str | None,
        nis: str,
        *,
        note: str | None = None,
        owner: str = NETWORK,
    ) -> None:
        """Remember that ``place`` (with ``postcode``) lies in municipality ``nis``.

        A fix of the same owner with the same key (see :func:`fix_key`) is replaced.
        Only the form of ``nis`` is checked here (the store does not know the
        reference geography); :func:`optil_geo.save_location_fix` also checks that it
        is a municipality.

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
        owner
            Whose fix it is: a user id (it applies for that user only) or
            :data:`NETWORK` (default; it applies for everyone).
        """
        place_key, postcode_key = fix_key(place, postcode)
        if not place_key and not postcode_key:
            raise InputError("`place` and `postcode` were both empty; a fix needs at least one")
        if not isinstance(nis, str) or not _NIS_RE.fullmatch(nis.strip()):
            raise InputError(f"`nis` was {nis!r} but must be a 5-digit NIS code such as '44021'")
        if note is not None and not isinstance(note, str):
            raise InputError(f"`note` was {note!r} but must be text or None")
        owner = _check_owner(owner, "owner")
        row = (
            owner,
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
                " (owner, place_key, postcode_key, place, postcode, nis, note, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (owner, place_key, postcode_key) DO UPDATE SET"
                " place = excluded.place, postcode = excluded.postcode, nis = excluded.nis,"
                " note = excluded.note, created_at = excluded.created_at",
                row,
            )
            subject = " ".join(part for part in (place or "", postcode or "") if part)
            _audit(conn, owner, "fix", subject, detail=nis.strip())

    def fixes(self, *, user: str | None = None) -> pd.DataFrame:
        """Return the location fixes that apply for ``user``, sorted by key.

        Parameters
        ----------
        user
            ``None`` (default): the network's fixes. A user id: the network's fixes
            and that user's own (both are listed; the user's own wins in
            :meth:`fix_lookup`).

        Returns
        -------
        pandas.DataFrame
            Columns ``place, postcode, nis, note, created_at, place_key, postcode_key,
            owner``.
        """
        owners = _owners(user)
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT place, postcode, nis, note, created_at, place_key, postcode_key, owner"
                " FROM location_fixes WHERE owner IN (?, ?)"
                " ORDER BY place_key, postcode_key, owner = ? DESC",
                (*owners, NETWORK),
            ).fetchall()
        return pd.DataFrame(rows, columns=list(FIX_COLUMNS), dtype=object).astype(TEXT_DTYPE)

    def delete_fix(self, place: str, postcode: str | None, *, owner: str = NETWORK) -> None:
        """Forget ``owner``'s fix for ``place`` and ``postcode`` (none: nothing happens)."""
        owner = _check_owner(owner, "owner")
        with self._connection() as conn, _transaction(conn):
            cursor = conn.execute(
                "DELETE FROM location_fixes WHERE owner = ? AND place_key = ? AND postcode_key = ?",
                (owner, *fix_key(place, postcode)),
            )
            if cursor.rowcount:
                subject = " ".join(part for part in (place or "", postcode or "") if part)
                _audit(conn, owner, "unfix", subject)

    def fix_lookup(self, *, user: str | None = None) -> dict[tuple[str, str], str]:
        """Return the fixes that apply for ``user`` as ``{fix_key(place, postcode): nis}``.

        The network's fixes apply for everyone; a user's own fix of the same place
        takes precedence for that user. ``user=None`` gives the network's fixes only.
        """
        owners = _owners(user)
        with self._connection() as conn:
            # The network's first, so that the user's own overwrite them in the dict.
            rows = conn.execute(
                "SELECT place_key, postcode_key, nis FROM location_fixes"
                " WHERE owner IN (?, ?) ORDER BY owner = ?",
                (*owners, owners[1]),
            ).fetchall()
        return {(place_key, postcode_key): nis for place_key, postcode_key, nis in rows}

    # ------------------------------------------------------------------ audit

    def audit_log(self, *, limit: int = 500) -> pd.DataFrame:
        """Return who imported, published, fixed or deleted what, and when; newest first.

        Returns
        -------
        pandas.DataFrame
            Columns ``at, actor, action, dataset_id, subject, detail``; ``action`` is
            one of ``import, publish, unpublish, delete, fix, unfix, map, remember``
            (a column mapping, the places of an import's organisations);
            ``dataset_id`` is ``<NA>`` for fixes.
        """
        if not isinstance(limit, int) or limit < 1:
            raise InputError(f"`limit` was {limit!r} but must be a positive whole number")
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT at, actor, action, dataset_id, subject, detail FROM audit"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS), dtype=object)
        text = [c for c in AUDIT_COLUMNS if c != "dataset_id"]
        return frame.astype(dict.fromkeys(text, TEXT_DTYPE) | {"dataset_id": "Int64"})

    def counts(self) -> dict[str, int]:
        """Return key counts: schema version, datasets (published, deleted), fixes,
        column mappings, remembered organisations (per owner), owners."""
        with self._connection() as conn:
            datasets, published, deleted = conn.execute(
                "SELECT count(*) - count(deleted_at), count(published_at), count(deleted_at)"
                " FROM datasets"
            ).fetchone()
            fixes = conn.execute("SELECT count(*) FROM location_fixes").fetchone()[0]
            mappings = conn.execute("SELECT count(*) FROM column_mappings").fetchone()[0]
            places = conn.execute(
                "SELECT count(DISTINCT owner || '\x1f' || organisation_key) FROM remembered_places"
            ).fetchone()[0]
            owners = conn.execute(
                "SELECT count(DISTINCT owner) FROM (SELECT owner FROM datasets"
                " WHERE deleted_at IS NULL UNION SELECT owner FROM location_fixes"
                " UNION SELECT owner FROM column_mappings"
                " UNION SELECT owner FROM remembered_places)"
            ).fetchone()[0]
            version = _user_version(conn)
        return {
            "schema_version": version,
            "datasets": int(datasets),
            "published": int(published),
            "deleted": int(deleted),
            "location_fixes": int(fixes),
            "column_mappings": int(mappings),
            "remembered_places": int(places),
            "owners": int(owners),
        }

    # ------------------------------------------------------------------ backup

    def backup(self, target: Path, *, overwrite: bool = False) -> Path:
        """Copy the workspace to ``target`` with SQLite's online backup API.

        Safe while the app (or another program) reads and writes the workspace: the
        copy is one consistent snapshot, including what sits in the write-ahead log.
        It is written next to ``target`` first and moved into place when complete and
        checked (``PRAGMA integrity_check``), so ``target`` is never half-written.
        The copy is a single file (rollback journal, not WAL).

        Parameters
        ----------
        target
            The backup file.
        overwrite
            Replace ``target`` when it exists (otherwise that is refused).

        Returns
        -------
        pathlib.Path
            ``target``.

        Raises
        ------
        WorkspaceError
            If ``target`` is the workspace itself, exists (and ``overwrite`` is false),
            or cannot be written.
        """
        target = Path(target)
        if target.resolve() == self._path.resolve():
            raise WorkspaceError(
                f"`target` was {str(target)!r}, the workspace itself; name another file",
                code="exists",
            )
        if target.exists() and not overwrite:
            raise WorkspaceError(
                f"`target` was {str(target)!r}, which exists; name a new file or allow"
                " overwriting it",
                code="exists",
            )
        partial = target.with_name(f".{target.name}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            with self._connection() as source:
                _copy_database(source, partial, self._timeout)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise WorkspaceError(
                f"cannot write the backup {str(target)!r}: {exc}", code="cannot_open"
            ) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def restore(
        cls, path: Path, source: Path, *, timeout: float = _DEFAULT_TIMEOUT_S
    ) -> tuple[Workspace, Path | None]:
        """Put the backup ``source`` in place as the workspace ``path``.

        The backup is checked first (an SQLite file, ``PRAGMA integrity_check`` ok, an
        optil-geo workspace of this or an older schema); a newer schema is refused. The
        current workspace, if any, is first copied aside (online backup API) to
        ``<name>.before-restore-<UTC time>`` in the same folder; then the backup is
        copied into the workspace (also with the backup API, so a running app sees
        either the old or the new contents, never a mix) and brought up to this
        version's schema.

        Returns
        -------
        tuple
            The restored :class:`Workspace` and the path of the old file kept aside
            (``None`` when there was none).

        Raises
        ------
        WorkspaceError
            If ``source`` is missing, damaged, not a workspace, or of a newer schema;
            nothing was changed then.
        """
        path, source = Path(path), Path(source)
        if not source.is_file():
            raise WorkspaceError(
                f"`source` was {str(source)!r}, which is not a file", code="cannot_open"
            )
        if source.resolve() == path.resolve():
            raise WorkspaceError(
                f"`source` was {str(source)!r}, the workspace itself; name a backup file",
                code="exists",
            )
        _check_backup(source)
        aside: Path | None = None
        if path.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = path.with_name(f"{path.name}.before-restore-{stamp}")
            cls(path, timeout=timeout).backup(aside)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        except (OSError, sqlite3.Error) as exc:
            raise WorkspaceError(f"cannot read the backup {str(source)!r}: {exc}") from exc
        try:
            writer = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            try:
                writer.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                reader.backup(writer)
            finally:
                writer.close()
        except sqlite3.Error as exc:
            raise _translate(exc, path) from exc
        finally:
            reader.close()
        return cls(path, timeout=timeout), aside

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """Yield a fresh connection; translate SQLite failures into WorkspaceError."""
        if self._closed:
            raise WorkspaceError(f"the workspace {str(self._path)!r} was closed", code="closed")
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
                    " changed.",
                    code="newer",
                )
            check = conn.execute("PRAGMA quick_check(1)").fetchone()
            if check is None or check[0] != "ok":
                raise _corrupt_error(self._path, str(check[0] if check else "no answer"))
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise WorkspaceError(
                    f"the file {str(self._path)!r} is an SQLite database of another program,"
                    " not an optil-geo workspace; set OPTIL_GEO_WORKSPACE to another file."
                    " The file was not changed.",
                    code="foreign",
                )
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise WorkspaceError(
                    f"the workspace database {str(self._path)!r} could not be switched to WAL"
                    f" mode (journal mode is {mode!r}); is it on a network drive?",
                    code="not_wal",
                )
            opened = version
            for target, migration in enumerate(_MIGRATIONS, start=1):
                if target <= version:
                    continue
                with _transaction(conn):
                    # Re-read inside the write lock: another process may have migrated.
                    current = _user_version(conn)
                    if current >= target:
                        continue
                    if current == opened >= 1:
                        # An older optil-geo refuses the migrated file: keep its copy
                        # (once, before the first migration of an existing file).
                        self._copy_before_migrating(current)
                    migration(conn)
                    conn.execute(f"PRAGMA user_version = {target}")
                version = target

    def _copy_before_migrating(self, version: int) -> Path:
        """Copy the workspace of schema ``version`` aside before it is migrated.

        Called while this process holds the write lock, so the copy (read by a second
        connection, which WAL allows) is the file exactly as it was before migrating.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self._path.with_name(f"{self._path.name}.schema-{version}-{stamp}")
        partial = aside.with_name(f".{aside.name}.partial")
        try:
            with self._connection() as reader:
                _copy_database(reader, partial, self._timeout)
            partial.replace(aside)
        except (OSError, WorkspaceError) as exc:
            partial.unlink(missing_ok=True)
            raise WorkspaceError(
                f"the workspace database {str(self._path)!r} has schema version {version} and"
                f" must be brought up to date, but its copy {str(aside)!r} could not be written"
                f" first ({exc}). The file was not changed.",
                code="cannot_open",
            ) from exc
        return aside

    # ------------------------------------------------------------------ column mappings

    def save_column_mapping(
        self,
        header_key: str,
        columns: dict[str, str],
        *,
        owner: str = NETWORK,
        dataset_id: int | None = None,
        source_name: str = "",
    ) -> None:
        """Remember the confirmed column mapping of files with these headers.

        A mapping applies to the imports of its owner; the network's, and that of a
        dataset once it is published, apply to everyone's (see :meth:`column_mapping`).
        The same owner's mapping of the same headers and dataset is replaced. The
        write is recorded in the audit log (action ``map``, the mapping as JSON as
        detail).

        Parameters
        ----------
        header_key
            The key of the file's set of headers
            (:func:`optil_geo.partnerships.mapping.header_set_key`).
        columns
            Field → header as written, e.g. ``{"organisation": "partner_organisation"}``.
        owner
            A user id (the mapping applies for that user only) or :data:`NETWORK`
            (default; it applies for everyone).
        dataset_id
            The stored dataset imported with this mapping, if any: publishing that
            dataset shares the mapping. Must be ``owner``'s (or ``owner`` the network).
        source_name
            The file the mapping was confirmed for, for the audit log.

        Raises
        ------
        InputError
            When ``header_key`` is empty or ``columns`` is not a mapping of text to text.
        WorkspaceError
            When ``dataset_id`` names no dataset of ``owner``.
        """
        if not isinstance(header_key, str) or not header_key:
            raise InputError(f"`header_key` was {header_key!r} but must be a non-empty text")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items()):
            raise InputError(f"`columns` was {dict(columns)!r} but must map text to text")
        owner = _check_owner(owner, "owner")
        ordered = dict(sorted(columns.items()))
        payload = json.dumps(ordered, ensure_ascii=False)
        with self._connection() as conn, _transaction(conn):
            source = self._source_dataset(conn, dataset_id, owner=owner)
            conn.execute(
                "DELETE FROM column_mappings"
                " WHERE owner = ? AND header_key = ? AND dataset_id IS ?",
                (owner, header_key, source),
            )
            conn.execute(
                "INSERT INTO column_mappings (owner, header_key, dataset_id, mapping, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (owner, header_key, source, payload, _now()),
            )
            _audit(conn, owner, "map", str(source_name), dataset_id=source, detail=payload)

    def column_mapping(self, header_key: str, *, user: str | None = None) -> dict[str, str] | None:
        """Return the mapping remembered for files with these headers, or ``None``.

        Parameters
        ----------
        header_key
            The key of the file's set of headers.
        user
            ``None`` (default): the network's mappings (and those of published
            datasets). A user id: those and the user's own; the user's own wins.
            Another user's unpublished mapping never applies.
        """
        owners = _owners(user)
        with self._connection() as conn:
            row = conn.execute(
                # Theirs and the network's, and those of a published dataset.
                "SELECT mapping FROM column_mappings WHERE header_key = ? AND (owner IN (?, ?)"
                " OR dataset_id IN (SELECT id FROM datasets"
                " WHERE published_at IS NOT NULL AND deleted_at IS NULL))"
                " ORDER BY owner = ? DESC, updated_at DESC, rowid DESC LIMIT 1",
                (header_key, *owners, owners[1]),
            ).fetchone()
        if row is None:
            return None
        loaded = json.loads(row[0])
        return {str(k): str(v) for k, v in loaded.items()}

    # ------------------------------------------------------------------ remembered places

    def remember_places(
        self,
        places: dict[str, str],
        *,
        owner: str = NETWORK,
        dataset_id: int | None = None,
        source_name: str = "",
    ) -> None:
        """Remember where organisations are, from an import: organisation key → NIS code.

        A later import of the same owner places a partner without any place by it
        (status ``remembered``, with a warning); the newest import wins. The network's
        places, and those of a dataset once it is published, apply to everyone's
        imports (see :meth:`remembered_places`). The write is recorded in the audit
        log (action ``remember``, the number of organisations as detail).

        Parameters
        ----------
        places
            Organisation key → five-digit NIS code.
        owner
            A user id (the places apply for that user only) or :data:`NETWORK`.
        dataset_id
            The stored dataset the places were read from, if any: publishing it
            shares them. Must be ``owner``'s (or ``owner`` the network).
        source_name
            What the places were read from, for the audit log.

        Raises
        ------
        InputError
            When a key is empty or a code is not five digits.
        WorkspaceError
            When ``dataset_id`` names no dataset of ``owner``.
        """
        owner = _check_owner(owner, "owner")
        rows = []
        for key, nis in places.items():
            if not isinstance(key, str) or not key or not _NIS_RE.fullmatch(str(nis)):
                raise InputError(
                    f"`places` held {key!r}: {nis!r} but must map organisation keys to "
                    "five-digit NIS codes"
                )
            rows.append((key, str(nis)))
        if not rows:
            return
        now = _now()
        with self._connection() as conn, _transaction(conn):
            source = self._source_dataset(conn, dataset_id, owner=owner)
            conn.executemany(
                "DELETE FROM remembered_places"
                " WHERE owner = ? AND organisation_key = ? AND dataset_id IS ?",
                [(owner, key, source) for key, _ in rows],
            )
            conn.executemany(
                "INSERT INTO remembered_places"
                " (owner, organisation_key, dataset_id, nis, updated_at) VALUES (?, ?, ?, ?, ?)",
                [(owner, key, source, nis, now) for key, nis in rows],
            )
            _audit(
                conn, owner, "remember", str(source_name), dataset_id=source, detail=str(len(rows))
            )

    def remembered_places(self, *, user: str | None = None) -> dict[str, str]:
        """Return the remembered organisation key → NIS code that apply for ``user``.

        ``None`` (default): the network's and those of published datasets. A user id:
        those and the user's own, the user's own winning; within each, the newest.
        """
        owners = _owners(user)
        with self._connection() as conn:
            # Oldest first and the user's own last: later rows overwrite in the dict.
            rows = conn.execute(
                "SELECT organisation_key, nis FROM remembered_places WHERE (owner IN (?, ?)"
                " OR dataset_id IN (SELECT id FROM datasets"
                " WHERE published_at IS NOT NULL AND deleted_at IS NULL))"
                " ORDER BY owner = ?, updated_at, rowid",
                (*owners, owners[1]),
            ).fetchall()
        return {str(key): str(nis) for key, nis in rows}

    def _source_dataset(
        self, conn: sqlite3.Connection, dataset_id: int | None, *, owner: str
    ) -> int | None:
        """Check that ``dataset_id`` (if any) is a dataset ``owner`` may attach things to."""
        if dataset_id is None:
            return None
        row = conn.execute(
            "SELECT owner FROM datasets WHERE id = ? AND deleted_at IS NULL",
            (_dataset_id(dataset_id),),
        ).fetchone()
        if row is None:
            raise self._access_error(dataset_id, "missing")
        if owner not in {NETWORK, row[0]}:
            raise self._access_error(dataset_id, "forbidden")
        return _dataset_id(dataset_id)


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


def _check_owner(owner: str, argument: str) -> str:
    if not isinstance(owner, str) or not owner.strip():
        raise InputError(
            f"`{argument}` was {owner!r} but must be a non-empty user id or {NETWORK!r}"
        )
    return owner.strip()


def _owners(user: str | None) -> tuple[str, str]:
    """Return the owners whose fixes apply for ``user``: the network's, then the user's."""
    return (NETWORK, NETWORK if user is None else _check_owner(user, "user"))


def _dataset_id(dataset_id: Any) -> int:
    if isinstance(dataset_id, bool) or not isinstance(dataset_id, int | np.integer):
        raise InputError(f"`dataset_id` was {dataset_id!r} but must be a whole number")
    return int(dataset_id)


def _audit(
    conn: sqlite3.Connection,
    actor: str,
    action: str,
    subject: str,
    *,
    dataset_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Record one action in the audit table, inside the caller's transaction."""
    conn.execute(
        "INSERT INTO audit (at, actor, action, dataset_id, subject, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (_now(), actor, action, dataset_id, subject, detail),
    )


def _unique_labels(frame: pd.DataFrame) -> pd.Series:
    """Return ``name (date)``, with the time where that repeats, then ``#n`` (oldest is #1)."""
    names = frame["name"].astype(str)
    stamps = frame["created_at"].astype(str)
    labels = names + " (" + stamps.str[:10] + ")"
    repeated = labels.duplicated(keep=False)
    if not repeated.any():
        return labels  # the usual case, on every page's run: no further pandas steps
    labels = labels.where(~repeated, names + " (" + stamps.str[:10] + " " + stamps.str[11:16] + ")")
    repeated = labels.duplicated(keep=False)
    # The listing is newest first: count from the oldest so a label never changes later.
    order = frame["id"].groupby(labels).rank(method="first").astype(int)
    return labels.where(~repeated, labels + " #" + order.astype(str))


def _copy_database(source: sqlite3.Connection, target: Path, timeout: float) -> None:
    """Copy ``source`` to the new file ``target`` in one step and check the copy."""
    copy = sqlite3.connect(target, timeout=timeout, isolation_level=None)
    try:
        # pages=-1: one step, one read transaction, one consistent snapshot; copying in
        # steps would restart whenever another connection writes in between.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode = DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise WorkspaceError(
                f"the backup copy {str(target)!r} failed its integrity check: {result[:3]!r}",
                code="damaged",
            )
    finally:
        copy.close()


def _check_backup(source: Path) -> None:
    """Refuse a backup that is damaged, not a workspace, or of a newer schema."""
    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _translate(exc, source) from exc
    try:
        version = _user_version(conn)
        known = len(_MIGRATIONS)
        if version > known:
            raise WorkspaceError(
                f"the backup {str(source)!r} has schema version {version}, newer than this"
                f" version of optil-geo understands ({known}); restore it with a newer"
                " optil-geo. Nothing was changed.",
                code="newer",
            )
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if version < 1 or not {"datasets", "dataset_tables", "location_fixes"} <= tables:
            raise WorkspaceError(
                f"the file {str(source)!r} is not an optil-geo workspace backup. Nothing was"
                " changed.",
                code="foreign",
            )
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise _corrupt_error(source, str(result[:3]))
    except sqlite3.Error as exc:
        raise _translate(exc, source) from exc
    finally:
        conn.close()


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
            " is writing to it. Wait a moment and try again, or close the other program.",
            code="locked",
        )
    damaged = "malformed" in text or "not a database" in text
    if primary in {_SQLITE_CORRUPT, _SQLITE_NOTADB} or damaged:
        return _corrupt_error(path, text)
    if primary == _SQLITE_CANTOPEN:
        return WorkspaceError(
            f"the workspace database {str(path)!r} cannot be opened ({text}); check that the"
            " folder exists and is writable, or set OPTIL_GEO_WORKSPACE to another file.",
            code="cannot_open",
        )
    return WorkspaceError(f"the workspace database {str(path)!r} could not be used: {text}")


def _corrupt_error(path: Path, detail: str) -> WorkspaceError:
    return WorkspaceError(
        f"the workspace database {str(path)!r} is damaged or not an optil-geo workspace"
        f" ({detail}). Move the file aside (rename it or move it to another folder) and"
        " start again to get a new, empty workspace. The file was not changed.",
        code="damaged",
    )
