"""A backup of a SQLite database in use does not make the site's writers wait for it."""

import sqlite3

import pytest
from django.db import connection, connections
from django.db.utils import load_backend

from tongxin.backups.archive import write_backup

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock"),
]


@pytest.fixture
def live(data, tmp_path):
    """The test data in a database file set up as the site's (WAL, IMMEDIATE, timeout)."""
    path = tmp_path / "live.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    backend = load_backend(connection.settings_dict["ENGINE"])
    connections["live"] = backend.DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(path)}, "live")
    yield path
    connections["live"].close()
    del connections["live"]


def groups(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM auth_group").fetchone()[0]


def test_writers_commit_while_a_backup_runs(live, media, tmp_path):
    before = groups(live)
    committed = []

    def write(stage):
        """Commit one row from another connection that waits at most a second for the lock."""
        writer = sqlite3.connect(live, timeout=1, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO auth_group (name) VALUES (?)", [f"written {stage}"])
            writer.execute("COMMIT")
            committed.append(stage)
        finally:
            writer.close()

    def during_the_copy():
        if "copy" not in committed:
            write("copy")
        return 0

    def progress(stage):
        raw = connections["live"].connection
        if stage == "snapshot":
            # Called back while SQLite runs the statements that copy the database.
            raw.set_progress_handler(during_the_copy, 50)
            return
        raw.set_progress_handler(None, 0)
        if stage in ("dump matters.matter", "media", "archive"):
            write(stage)

    manifest = write_backup(tmp_path / "backup.tar.gz", using="live", progress=progress)

    assert committed == ["copy", "dump matters.matter", "media", "archive"]
    assert groups(live) == before + 4
    # The archive holds one moment: nothing written after the copy began.
    assert manifest["counts"]["auth.group"] in (before, before + 1)
