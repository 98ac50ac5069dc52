"""Back up, wipe, restore: every record count and every uploaded file's checksum survive."""

import io
import json
import shutil
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from tongxin.backups.archive import holds_data, media_files, record_counts, sha256_file
from tongxin.backups.tests.conftest import every_row

pytestmark = pytest.mark.django_db(transaction=True)


def checksums(root):
    return {name: sha256_file(path) for name, path in media_files(root).items()}


def test_round_trip_keeps_every_record_and_file(data, media, tmp_path, capsys):
    world, matter = data
    before_counts = record_counts()
    before_files = checksums(media)
    assert before_counts["matters.photo"] == 2 and len(before_files) == 2
    assert before_counts["people.person"] > 10 and before_counts["core.event"] > 0

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    assert str(archive) in capsys.readouterr().out

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media)
    assert not holds_data()

    call_command("restore", str(archive))
    assert "verified" in capsys.readouterr().out
    assert record_counts() == before_counts
    assert checksums(media) == before_files

    from tongxin.matters.models import Matter, Photo
    from tongxin.people.models import Person
    from tongxin.places.services import create_place
    restored = Matter.objects.get(pk=matter.pk)
    assert restored.title == matter.title and restored.reporter.username == "resident"
    assert Person.objects.get(username="resident").check_password("a-long-test-password")
    for photo in Photo.objects.all():
        with photo.image.open("rb") as f:  # the restored row finds its restored file
            assert Image.open(f).size == (photo.width, photo.height)
    # Sequences carry on after the restored ids (PostgreSQL: loaddata resets them).
    from tongxin.places.choices import PlaceKind
    new = create_place(kind=PlaceKind.HOUSEHOLD, name="2单元201", parent=world.b1)
    assert new.pk > world.h6.pk


def test_round_trip_gives_back_every_row_exactly(data, media, tmp_path):
    """Every column of every row of every table, times to the microsecond, survives."""
    from tongxin.matters.models import Matter

    matter = Matter.objects.get(pk=data[1].pk)
    # A time with microseconds that are not whole milliseconds, as the clock gives them.
    Matter.objects.filter(pk=matter.pk).update(
        created_at=matter.created_at.replace(microsecond=919031))
    before = every_row()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media)

    call_command("restore", str(archive))
    after = every_row()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    assert Matter.objects.get(pk=matter.pk).created_at.microsecond == 919031


def test_restore_refuses_a_database_with_data_unless_forced(data, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    before = record_counts()
    with pytest.raises(CommandError, match="already holds data.*--force"):
        call_command("restore", str(archive))
    assert record_counts() == before

    call_command("restore", str(archive), force=True)
    assert record_counts() == before


def test_corrupt_or_foreign_archives_are_refused(data, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    call_command("flush", interactive=False, verbosity=0)

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match="corrupt"):
        call_command("restore", str(truncated))

    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        body = json.dumps({"format": "something-else"}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    with pytest.raises(CommandError, match="not a Tongxin backup"):
        call_command("restore", str(foreign))

    with pytest.raises(CommandError, match="No such backup"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
    assert not holds_data()
