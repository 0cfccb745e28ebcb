"""Backups: a consistent copy of the database taken while the app runs, a restore into an empty database,
and a summary (row count and checksum of every table) to prove a restore holds exactly what was backed up.

SQLite is copied with SQLite's online backup API (Python's sqlite3 module: no sqlite3 program needed), which
gives a consistent snapshot even while pupils are writing. PostgreSQL is dumped with pg_dump's custom format
and restored with pg_restore; the password goes to them in PGPASSWORD, never on a command line.

    flask --app esafety backup create [--output FILE | --dir DIR]
    flask --app esafety backup restore FILE [--force]
    flask --app esafety backup summary [--json]
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from .extensions import db


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead, with the reason in words."""


def _url() -> sa.URL:
    return db.engine.url


def dialect() -> str:
    """"sqlite" or "postgresql"."""
    return db.engine.dialect.name


def suffix() -> str:
    """The file extension of this database's backups."""
    return ".sqlite3" if dialect() == "sqlite" else ".dump"


def _sqlite_path() -> str:
    path = _url().database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def _libpq() -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment that carries it."""
    url = _url()
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _tool(name: str) -> str:
    """pg_dump or pg_restore (Debian's wrapper picks the version that matches the server)."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(command: list[str], env: dict) -> None:
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}")


def create(target: Path) -> Path:
    """Write a backup of the app's database to `target` (a new file, readable by its owner only)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    old_umask = os.umask(0o077)
    try:
        if dialect() == "sqlite":
            source = sqlite3.connect(_sqlite_path())
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
        elif dialect() == "postgresql":
            dsn, env = _libpq()
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}",
                  f"--dbname={dsn}"], env)
        else:
            raise BackupError(f"backups of {dialect()} databases are not supported")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        os.umask(old_umask)
    partial.rename(target)
    return target


def is_empty() -> bool:
    """True when no table of the app's database holds a row (a fresh or freshly migrated database)."""
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as connection:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            if connection.execute(sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)).first():
                return False
    return True


def restore(source: Path, force: bool = False) -> None:
    """Replace the app's database with a backup. Refused when the database holds data, unless forced.

    Stop every app server first: a restore replaces the database under them.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not force and not is_empty():
        raise BackupError("the database already holds data; restore into an empty one, or use --force")
    db.session.remove()
    db.engine.dispose()
    if dialect() == "sqlite":
        with sqlite3.connect(source) as check:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not a sound SQLite database")
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path())
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    elif dialect() == "postgresql":
        dsn, env = _libpq()
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={dsn}", str(source)], env)
    else:
        raise BackupError(f"restores into {dialect()} databases are not supported")
    db.engine.dispose()


def _canonical(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    return value


def summary() -> dict[str, dict]:
    """Every table's row count and a SHA-256 of its rows in primary-key order."""
    inspector = sa.inspect(db.engine)
    report = {}
    with db.engine.connect() as connection:
        for table in sorted(inspector.get_table_names()):
            columns = [c["name"] for c in inspector.get_columns(table)]
            keys = inspector.get_pk_constraint(table).get("constrained_columns") or columns
            # Names come from the database's own catalogue; SQLAlchemy quotes them.
            reflected = sa.table(table, *(sa.column(c) for c in columns))
            query = sa.select(*(reflected.c[c] for c in columns)).order_by(*(reflected.c[c] for c in keys))
            digest = hashlib.sha256(json.dumps(columns).encode())
            rows = 0
            for row in connection.execute(query):
                digest.update(json.dumps([_canonical(v) for v in row], sort_keys=True, default=str).encode())
                rows += 1
            report[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return report


# Commands -------------------------------------------------------------------------------------------------


@click.group("backup")
def backup_group():
    """Back up and restore the database (SQLite: online backup API; PostgreSQL: pg_dump)."""


@backup_group.command("create")
@click.option("--output", type=click.Path(path_type=Path), help="The backup file to write.")
@click.option("--dir", "folder", type=click.Path(path_type=Path),
              help="Write a dated file into this folder instead (default: instance/backups).")
def create_command(output: Path | None, folder: Path | None):
    """Back up the database; also write FILE.json with every table's row count and checksum."""
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = (folder or Path(current_app.instance_path) / "backups") / f"esafety-{stamp}{suffix()}"
    started = time.perf_counter()
    try:
        create(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    tables = summary()
    manifest = output.with_name(output.name + ".json")
    old_umask = os.umask(0o077)
    try:
        manifest.write_text(json.dumps({"created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                        "database": dialect(), "tables": tables}, indent=2))
    finally:
        os.umask(old_umask)
    rows = sum(t["rows"] for t in tables.values())
    click.echo(f"{output} ({output.stat().st_size / 1e6:.1f} MB, {rows} rows in {len(tables)} tables, "
               f"{time.perf_counter() - started:.1f} s)")


@backup_group.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(source: Path, force: bool):
    """Restore a backup into this app's database, then check it against the backup's .json summary."""
    started = time.perf_counter()
    try:
        restore(source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    tables = summary()
    rows = sum(t["rows"] for t in tables.values())
    click.echo(f"Restored {source}: {rows} rows in {len(tables)} tables, {time.perf_counter() - started:.1f} s.")
    manifest = source.with_name(source.name + ".json")
    if manifest.exists():
        expected = json.loads(manifest.read_text())["tables"]
        if expected != tables:
            differ = sorted(t for t in set(expected) | set(tables) if expected.get(t) != tables.get(t))
            raise click.ClickException(f"the restored database differs from {manifest.name} in: {', '.join(differ)}")
        click.echo(f"Every table's row count and checksum match {manifest.name}.")


@backup_group.command("summary")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def summary_command(as_json: bool):
    """Row count and checksum of every table (compare two databases, or a database and a backup's .json)."""
    tables = summary()
    if as_json:
        click.echo(json.dumps(tables, indent=2))
        return
    for table, info in tables.items():
        click.echo(f"{table:<20} {info['rows']:>8}  {info['sha256'][:16]}")
