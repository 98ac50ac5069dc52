"""Fixtures shared by the backup tests: a small world with uploaded photos, on local disk."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from tongxin.backups.archive import backed_up_models
from tongxin.conftest import build_world


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


def every_row(using="default"):
    """Return {table label: [every row as a tuple of all its columns, in key order]}."""
    rows = {}
    for label, model in backed_up_models().items():
        columns = [field.attname for field in model._meta.concrete_fields]
        rows[label] = list(model._base_manager.using(using).order_by("pk")
                           .values_list(*columns))
    return rows


@pytest.fixture
def archive(data, media, tmp_path):
    """A backup of the world and its media, written to a file."""
    path = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(path))
    return path
