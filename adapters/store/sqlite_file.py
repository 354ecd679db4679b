"""An SQLite store file, looked at before anything opens it: a store, something else, read-only.

The library would open any file it is given: a YAML file fails deep inside it (`file is not a
database`), and another application's database whose `stored_events` table has other columns
fails later still (`IndexError`). Both are refused here, by reading the file (through SQLite,
read-only) and the table's columns without writing a byte. A file (or directory) that cannot be
written, such as an auditor's copy on a read-only filesystem, is opened read-only: commands
that only read work on it, and one that writes is refused with a clear error instead of failing
half-way.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from core import InvalidStoreUrlError

EVENTS_TABLE = "stored_events"
EVENT_COLUMNS = frozenset({"originator_id", "originator_version", "topic", "state"})
"""The columns the library's events table has (it may have more, never fewer)."""


@dataclass(frozen=True)
class SqliteFile:
    """What to open: `database` (a path, or a read-only `file:` URI) and whether it is read-only."""

    database: str
    read_only: bool = False


def inspect_sqlite_file(url: str, path: str) -> SqliteFile:
    """Check the file a `sqlite:///` URL names; raise `InvalidStoreUrlError` if it is not a store.

    A file that does not exist yet is fine: it becomes a new store on first use. The file is
    read only through SQLite, never opened directly: closing a descriptor of a file drops every
    POSIX lock this process holds on it, SQLite's included, and an engine that already has
    the store open would then write past another process's locks.
    """
    file = Path(path)
    if not file.exists():
        return SqliteFile(path)
    if file.is_dir():
        raise InvalidStoreUrlError(url, f"{path!r} is a directory, not an SQLite database file")
    read_only = not (os.access(file, os.W_OK) and os.access(file.parent, os.W_OK))
    uri = _read_only_uri(file)
    _refuse_foreign_events_table(url, path, uri)
    return SqliteFile(uri if read_only else path, read_only)


def _read_only_uri(file: Path) -> str:
    """A URI that opens the file without writing; `immutable` where SQLite could not even make
    its shared-memory file (`-shm`) beside it, as on a read-only filesystem."""
    location = quote(str(file.resolve()))
    if Path(f"{file}-shm").exists() or os.access(file.parent, os.W_OK):
        return f"file:{location}?mode=ro"
    log = Path(f"{file}-wal")
    if log.exists() and log.stat().st_size > 0:
        raise InvalidStoreUrlError(
            f"sqlite:///{file}",
            f"this read-only copy has a write-ahead log ({log.name}) but not its -shm file, so "
            "its latest events cannot be read: copy the store once its writers have closed it, "
            "or copy the -shm file too",
        )
    return f"file:{location}?immutable=1"


def _refuse_foreign_events_table(url: str, path: str, uri: str) -> None:
    """Refuse a file that is no SQLite database, or whose `stored_events` table belongs to
    another application (read through `uri`, read-only)."""
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            rows = connection.execute(f"PRAGMA table_info({EVENTS_TABLE})").fetchall()
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise InvalidStoreUrlError(
                url, f"{path!r} is not an SQLite database (it is another kind of file)"
            ) from None
        raise InvalidStoreUrlError(url, f"{path!r} cannot be read as a database: {error}") from None
    columns = {str(row[1]) for row in rows}
    if columns and not columns >= EVENT_COLUMNS:
        raise InvalidStoreUrlError(
            url,
            f"{path} has a {EVENTS_TABLE} table of another application "
            f"(columns {', '.join(sorted(columns))}): it is not a planledger store",
        )
