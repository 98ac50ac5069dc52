"""Back up, wipe, restore: every record count and every uploaded file's checksum survive."""

import io
import json
import shutil
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from tongxin.backups.archive import holds_data, media_files, record_counts, sha256_file
from tongxin.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def jpeg(colour):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def data(media):
    from tongxin.matters.categories import seed_categories
    from tongxin.matters.models import Category
    from tongxin.matters.services import raise_matter
    from tongxin.people.services import create_person

    world = build_world()
    # Residents without a login have no username: ids, not natural keys, must link them.
    create_person(full_name="无账号甲", phone="13911110001", household=world.h2)
    create_person(full_name="无账号乙", phone="13911110002", household=world.h3)
    seed_categories(world.district)
    parking = Category.objects.get(district=world.district, name="乱停乱放")
    matter = raise_matter(by=world.resident, title="小区东门电动车乱停放",
                          description="东门口每天晚上堆满电动车，消防通道被堵住了。",
                          category=parking, photos=[jpeg("red"), jpeg("blue")])
    return world, matter


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
