"""Portable backup archives: the database as JSON lines plus the uploaded files.

An archive is a ``.tar.gz`` holding

* ``manifest.json`` – format name and version, creation time, database vendor, the
  applied migrations per app, the record count of every backed-up table (many-to-many
  tables included), the sha256 and size of ``data.jsonl`` and of every media file;
* ``data.jsonl`` – one line per row, Django's JSON-lines serialization with two
  changes that make a round trip exact: times keep their microseconds (Django's
  encoder cuts them to milliseconds) and many-to-many rows are rows of their own table,
  with their ids. It loads into SQLite or PostgreSQL alike. Rows keep their primary
  keys, content types and permissions included: natural keys cannot be used because a
  Person's natural key (username) is empty for residents without a login, and keeping
  the content type ids means generic relations point at the same models;
* ``media/…`` – every file under the default storage's location (MEDIA_ROOT).

The whole file is sealed: its gzip header carries, as the gzip comment, the sha256 of
every byte after the header, and a header checksum (FHCRC) guards the header itself. A
restore checks the seal before it reads anything, so an archive with one byte changed,
cut short or lengthened is refused whatever survives of its contents; then each member
is checked against the manifest. ``tar`` and ``gzip`` read the file as usual.

Left out: sessions (a restore signs everyone out).
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import struct
import tarfile
import tempfile
import uuid
import zlib
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.management.sql import sql_flush
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLinesSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone

FORMAT = "tongxin-backup"
VERSION = 2
# Version 1 (no seal, times cut to milliseconds, m2m rows inside their parents) still
# restores: its members are checked against the manifest and its gzip stream to the end.
READABLE = {1, 2}
EXCLUDE = ["sessions"]
# Rows ``migrate`` creates by itself: they do not make a database "hold data", and a
# restore replaces them with the archive's own (same ids as the rows pointing at them).
REGENERATED = {"contenttypes.contenttype", "auth.permission", "auth.group_permissions"}
CHUNK = 1024 * 1024
SEAL = b"tongxin-backup sha256="
FHCRC, FCOMMENT = 0x02, 0x10


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backed_up_models():
    """Return {label: model} for every table a backup holds (auto m2m tables included)."""
    excluded_apps = {e for e in EXCLUDE if "." not in e}
    excluded_models = {e for e in EXCLUDE if "." in e}
    found = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.app_label in excluded_apps:
            continue
        if meta.label_lower in excluded_models:
            continue
        found[meta.label_lower] = model
    return dict(sorted(found.items()))


def record_counts(using=DEFAULT_DB_ALIAS):
    return {label: model._base_manager.using(using).count()
            for label, model in backed_up_models().items()}


def media_root():
    """Return the local directory of the default storage, or refuse a remote storage."""
    storage = storages["default"]
    location = getattr(storage, "location", None)
    if not location:
        raise CommandError(
            f"The default storage ({type(storage).__name__}) is not a local directory; "
            "back its files up with that storage's own tools."
        )
    return Path(location)


def media_files(root):
    """Return {posix relative path: absolute Path} of every file under ``root``."""
    files = {}
    if root.is_dir():
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                if path.is_file() and not path.is_symlink():
                    files[path.relative_to(root).as_posix()] = path
    return dict(sorted(files.items()))


def applied_migrations(using=DEFAULT_DB_ALIAS):
    latest = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        latest.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(latest.items())}


# --- Backup ----------------------------------------------------------------------

class ExactJSONEncoder(DjangoJSONEncoder):
    """Keep every microsecond: DjangoJSONEncoder cuts times to milliseconds (ECMA-262)."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and o.utcoffset() is None:
            return o.isoformat()
        return super().default(o)


class RowSerializer(JSONLinesSerializer):
    """Django's JSON lines, without many-to-many lists: their tables are written as rows."""

    def handle_m2m_field(self, obj, field):
        pass


@contextmanager
def snapshot(using=DEFAULT_DB_ALIAS, workdir=None, progress=None):
    """Yield the alias of a database that holds one moment of ``using`` and changes no more.

    SQLite: ``VACUUM INTO`` copies the database into a file in ``workdir`` inside one
    read transaction; in WAL mode (settings) writers carry on meanwhile, and the slow
    part, reading every row, then reads the copy, holding no lock on the live database.
    PostgreSQL: one REPEATABLE READ READ ONLY transaction, which blocks no writer.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        raise CommandError("backup must not run inside a transaction")
    if connection.vendor != "sqlite":
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield using
        return
    copy = Path(workdir) / "snapshot.sqlite3"
    connection.ensure_connection()
    if progress:
        progress("snapshot")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    # A connection of this process only, not a configured database: nothing else sees it.
    alias = f"backup-snapshot-{uuid.uuid4().hex}"
    backend = load_backend(connection.settings_dict["ENGINE"])
    connections[alias] = backend.DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(copy), "OPTIONS": {}, "CONN_MAX_AGE": 0},
        alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


def dump_rows(using, path, progress=None):
    """Write every backed-up row of ``using`` to ``path``, table by table, in key order."""
    with open(path, "w", encoding="utf-8") as stream:
        for label, model in backed_up_models().items():
            rows = model._base_manager.using(using).order_by(model._meta.pk.name)
            RowSerializer().serialize(rows.iterator(chunk_size=2000), stream=stream,
                                      cls=ExactJSONEncoder)
            if progress:
                progress(f"dump {label}")


def write_backup(output, *, using=DEFAULT_DB_ALIAS, progress=None):
    """Write an archive of database ``using`` to ``output``; return its manifest.

    ``progress(stage)``, if given, is called as the work goes on ("snapshot" just
    before the copy of a SQLite database, "dump <table>" after each table, "media",
    "archive"); tests use it to write to the live database while a backup runs.
    """
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    root = media_root()
    with tempfile.TemporaryDirectory(prefix="tongxin-backup-") as tmp:
        data_path = Path(tmp) / "data.jsonl"
        with snapshot(using, tmp, progress) as source:
            migrations = applied_migrations(source)
            counts = record_counts(source)
            dump_rows(source, data_path, progress)
        if progress:
            progress("media")
        # Uploaded files are content-addressed and never rewritten, so reading them
        # after the database snapshot still gives every file that snapshot refers to.
        files = media_files(root)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connections[using].vendor,
            "migrations": migrations,
            "counts": counts,
            "data": {"name": "data.jsonl", "sha256": sha256_file(data_path),
                     "size": data_path.stat().st_size},
            "media": {name: {"sha256": sha256_file(path), "size": path.stat().st_size}
                      for name, path in files.items()},
        }
        if progress:
            progress("archive")
        pack(output, manifest, data_path, files, workdir=tmp)
    return manifest


def pack(output, manifest, data_path, files, *, workdir):
    """Write the sealed archive ``output`` from a manifest, the rows and the media files."""
    body = Path(workdir) / "archive.body"
    mtime = int(timezone.now().timestamp())
    with open(body, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                text = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(text)
                info.mtime = mtime
                tar.addfile(info, io.BytesIO(text))
                tar.add(data_path, arcname="data.jsonl")
                for name, path in files.items():
                    tar.add(path, arcname=f"media/{name}")
    # GzipFile wrote a plain 10-byte header (no name, no comment); put the seal in its place.
    digest = hashlib.sha256()
    with open(body, "rb") as f:
        plain = f.read(10)
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    header = (plain[:3] + bytes([FCOMMENT | FHCRC]) + plain[4:10]
              + SEAL + digest.hexdigest().encode() + b"\0")
    header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    partial = output.with_name(output.name + ".partial")
    with open(body, "rb") as src, open(partial, "wb") as dst:
        dst.write(header)
        src.seek(10)
        for chunk in iter(lambda: src.read(CHUNK), b""):
            dst.write(chunk)
    os.replace(partial, output)


# --- Restore ---------------------------------------------------------------------

def _safe_name(name):
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in ("", ".")


def read_seal(path):
    """Check the seal over the whole file; return False for an unsealed (version 1) file.

    Raise CommandError if the file is not gzip, or is sealed and any byte of it differs
    from what was written: cut short, lengthened or altered anywhere, header included.
    """
    with open(path, "rb") as f:
        head = f.read(10)
        if len(head) < 10 or head[:3] != b"\x1f\x8b\x08":
            raise CommandError(f"{path} is corrupt or not a Tongxin backup (not gzip)")
        if head[3] != FCOMMENT | FHCRC:
            return False
        comment = f.read(len(SEAL) + 64 + 1)
        (header_crc,) = struct.unpack("<H", f.read(2).ljust(2, b"\0"))
        if (not comment.startswith(SEAL) or not comment.endswith(b"\0")
                or zlib.crc32(head + comment) & 0xFFFF != header_crc):
            raise CommandError(f"{path} is corrupt: its header is damaged")
        digest = hashlib.sha256()
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    if digest.hexdigest().encode() != comment[len(SEAL):-1]:
        raise CommandError(f"{path} is corrupt: its checksum does not match (the file was "
                           "cut short, lengthened or altered)")
    return True


def _extract(path, into):
    """Extract every member into ``into``; read the gzip stream to its end (CRC, length)."""
    names = set()
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            if (not _safe_name(member.name) or not (member.isfile() or member.isdir())
                    or member.name in names):
                raise CommandError(f"{path} is not a Tongxin backup: unexpected entry "
                                   f"{member.name!r}")
            names.add(member.name)
            if member.isfile():
                target = Path(into) / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as dst:
                    for chunk in iter(lambda: src.read(CHUNK), b""):
                        dst.write(chunk)
        # tarfile stops at the end-of-archive blocks; gzip checks its CRC and length
        # only at the end of the stream, so read it to the end.
        while tar.fileobj.read(CHUNK):
            pass
    return {name for name in names if (Path(into) / name).is_file()}


def read_archive(path, into):
    """Check an archive and extract it into the directory ``into``; return its manifest.

    Nothing is written to the database or the media directory here: a restore calls
    this (and ``check_rows``) before it touches anything.
    """
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"No such backup: {path}")
    sealed = read_seal(path)
    try:
        members = _extract(path, into)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise CommandError(f"{path} is corrupt or not a Tongxin backup ({error})") from error
    try:
        manifest = json.loads((Path(into) / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"{path} is not a Tongxin backup: no readable manifest.json") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CommandError(f"{path} is not a Tongxin backup (wrong manifest format)")
    if manifest.get("version") not in READABLE:
        raise CommandError(f"{path} is backup format version {manifest.get('version')}; "
                           f"this Tongxin reads versions {', '.join(map(str, sorted(READABLE)))}")
    if manifest["version"] >= 2 and not sealed:
        raise CommandError(f"{path} is corrupt: its seal is missing")
    expected = {"manifest.json", "data.jsonl", *(f"media/{name}" for name in manifest["media"])}
    if members != expected:
        odd = sorted(members ^ expected)
        raise CommandError(f"{path} is corrupt: {len(odd)} member(s) missing or unexpected, "
                           f"e.g. {odd[0]}")
    if sha256_file(Path(into) / "data.jsonl") != manifest["data"]["sha256"]:
        raise CommandError(f"{path} is corrupt: data.jsonl does not match its checksum")
    bad = [name for name, meta in manifest["media"].items()
           if sha256_file(Path(into) / "media" / name) != meta["sha256"]]
    if bad:
        raise CommandError(f"{path} is corrupt: {len(bad)} media file(s) damaged, "
                           f"e.g. {bad[0]}")
    return manifest


def check_rows(manifest, data_path):
    """Refuse rows whose count per table differs from the manifest, or of unknown tables."""
    models = backed_up_models()
    found = {}
    with open(data_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                label = row["model"]
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError("The backup's data.jsonl holds a line that is not a row") \
                    from error
            model = models.get(label)
            if model is None:
                raise CommandError(f"The backup holds rows of {label}, a table this Tongxin "
                                   "does not have; upgrade before restoring.")
            found[label] = found.get(label, 0) + 1
            # Version 1 wrote many-to-many rows as lists inside their parent row.
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through._meta
                if through.auto_created and field.name in row.get("fields", {}):
                    found[through.label_lower] = (found.get(through.label_lower, 0)
                                                  + len(row["fields"][field.name]))
    expected = {label: n for label, n in manifest["counts"].items() if n}
    wrong = [f"{label}: manifest {expected.get(label, 0)}, rows {found.get(label, 0)}"
             for label in sorted(set(expected) | set(found))
             if expected.get(label, 0) != found.get(label, 0)]
    if wrong:
        raise CommandError("The backup's rows do not match its manifest, nothing was "
                           "changed: " + "; ".join(wrong[:10]))


def check_migrations(manifest):
    """Refuse an archive made by a newer Tongxin (migrations this code does not have)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    unknown = [f"{app}.{name}" for app, names in manifest["migrations"].items()
               for name in names if (app, name) not in known
               and app in installed]
    if unknown:
        raise CommandError("The backup was made by a newer version of Tongxin (unknown "
                           f"migrations: {', '.join(unknown[:5])}); upgrade before restoring.")


def holds_data():
    return {label: n for label, n in record_counts().items() if n and label not in REGENERATED}


def empty_database(using=DEFAULT_DB_ALIAS):
    """Delete every row of every table, inside the caller's transaction.

    Unlike ``flush`` this is undone with the transaction (DELETE on SQLite, TRUNCATE
    on PostgreSQL: both transactional) and makes no content types or permissions.
    """
    from django.contrib.contenttypes.models import ContentType

    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("empty_database() must run inside the restore's transaction")
    statements = sql_flush(no_style(), connection, reset_sequences=True, allow_cascade=False)
    connection.ops.execute_sql_flush(statements)
    ContentType.objects.clear_cache()


def load_rows(data_path, using=DEFAULT_DB_ALIAS, verbosity=0):
    call_command("loaddata", str(data_path), database=using, verbosity=verbosity)


def add_missing_regenerated_rows(using=DEFAULT_DB_ALIAS):
    """Create content types and permissions for models newer than the backup."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db=using)


def count_mismatches(expected, using=DEFAULT_DB_ALIAS):
    actual = record_counts(using)
    labels = sorted(set(expected) | set(actual))
    return [f"{label}: backup {expected.get(label, 0)}, restored {actual.get(label, 0)}"
            for label in labels if expected.get(label, 0) != actual.get(label, 0)]


def restore_media(manifest, extracted, root):
    for name in manifest["media"]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        with open(Path(extracted) / "media" / name, "rb") as src, open(tmp, "wb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                dst.write(chunk)
        os.replace(tmp, target)
    return [name for name, meta in manifest["media"].items()
            if not (root / name).is_file() or sha256_file(root / name) != meta["sha256"]]
