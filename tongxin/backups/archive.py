"""Portable backup archives: the database as Django JSON lines plus the uploaded files.

An archive is a ``.tar.gz`` holding

* ``manifest.json`` – format name and version, creation time, database vendor, the
  latest applied migration per app, the record count of every backed-up model
  (including many-to-many tables), the sha256 of ``data.jsonl`` and the sha256 and
  size of every media file;
* ``data.jsonl`` – ``dumpdata --format jsonl --all`` output, so it loads into SQLite
  or PostgreSQL alike. Rows keep their primary keys, content types and permissions
  included: natural keys cannot be used because a Person's natural key (username) is
  empty for residents without a login, and keeping the content type ids means
  generic relations (core.Event.subject_type, admin log) point at the same models;
* ``media/…`` – every file under the default storage's location (MEDIA_ROOT).

Left out: sessions (a restore signs everyone out).
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "tongxin-backup"
VERSION = 1
EXCLUDE = ["sessions"]
# Rows ``migrate`` creates by itself: they do not make a database "hold data", and a
# restore replaces them with the archive's own (same ids as the rows pointing at them).
REGENERATED = {"contenttypes.contenttype", "auth.permission", "auth.group_permissions"}
CHUNK = 1024 * 1024


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


def record_counts():
    return {label: model._base_manager.count() for label, model in backed_up_models().items()}


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


def applied_migrations():
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(latest.items())}


def _snapshot(data_path):
    """Dump every row and count them inside ONE transaction.

    On PostgreSQL the transaction is REPEATABLE READ, so the dump and the counts see
    one snapshot while the site keeps writing. On SQLite the transaction is opened
    with BEGIN (IMMEDIATE, see settings), which holds the write lock: writers wait
    for the backup, so again the dump is of one moment.
    """
    if connection.in_atomic_block:
        raise CommandError("backup must not run inside a transaction")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        migrations = applied_migrations()
        counts = record_counts()
        call_command("dumpdata", format="jsonl", exclude=EXCLUDE,
                     use_base_manager=True, output=str(data_path), verbosity=0)
    return migrations, counts


def write_backup(output):
    """Write an archive to ``output``; return its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    root = media_root()
    with tempfile.TemporaryDirectory(prefix="tongxin-backup-") as tmp:
        data_path = Path(tmp) / "data.jsonl"
        migrations, counts = _snapshot(data_path)
        # Uploaded files are content-addressed and never rewritten, so reading them
        # after the database snapshot still gives every file that snapshot refers to.
        files = media_files(root)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": migrations,
            "counts": counts,
            "data": {"name": "data.jsonl", "sha256": sha256_file(data_path),
                     "size": data_path.stat().st_size},
            "media": {name: {"sha256": sha256_file(path), "size": path.stat().st_size}
                      for name, path in files.items()},
        }
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            info.mtime = int(timezone.now().timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(data_path, arcname="data.jsonl")
            for name, path in files.items():
                tar.add(path, arcname=f"media/{name}")
        os.replace(partial, output)
    return manifest


# --- Restore ---------------------------------------------------------------------

def _safe_name(name):
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in ("", ".")


def read_archive(path, into):
    """Extract and check an archive into the directory ``into``; return its manifest."""
    path = Path(path)
    if not path.is_file():
        raise CommandError(f"No such backup: {path}")
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if not _safe_name(member.name) or not (member.isfile() or member.isdir()):
                    raise CommandError(f"{path} is not a Tongxin backup: unexpected entry "
                                       f"{member.name!r}")
                if member.isfile():
                    target = Path(into) / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(target, "wb") as dst:
                        for chunk in iter(lambda: src.read(CHUNK), b""):
                            dst.write(chunk)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise CommandError(f"{path} is corrupt or not a Tongxin backup ({error})") from error
    try:
        manifest = json.loads((Path(into) / "manifest.json").read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"{path} is not a Tongxin backup: no readable manifest.json") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CommandError(f"{path} is not a Tongxin backup (wrong manifest format)")
    if manifest.get("version") != VERSION:
        raise CommandError(f"{path} is backup format version {manifest.get('version')}; "
                           f"this Tongxin reads version {VERSION}")
    data = Path(into) / "data.jsonl"
    if not data.is_file() or sha256_file(data) != manifest["data"]["sha256"]:
        raise CommandError(f"{path} is corrupt: data.jsonl does not match its checksum")
    bad = [name for name, meta in manifest["media"].items()
           if not (Path(into) / "media" / name).is_file()
           or sha256_file(Path(into) / "media" / name) != meta["sha256"]]
    if bad:
        raise CommandError(f"{path} is corrupt: {len(bad)} media file(s) missing or damaged, "
                           f"e.g. {bad[0]}")
    return manifest


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


def drop_regenerated_rows():
    """Delete the content types and permissions ``migrate`` made (the archive brings its own)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    Permission.objects.all().delete()
    ContentType.objects.all().delete()
    ContentType.objects.clear_cache()


def add_missing_regenerated_rows():
    """Create content types and permissions for models newer than the backup."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)


def count_mismatches(expected):
    actual = record_counts()
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
