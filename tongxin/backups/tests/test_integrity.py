"""A damaged archive is refused before anything is touched, whatever survives of its contents."""

import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tongxin.backups.tests.conftest import every_row

pytestmark = pytest.mark.django_db(transaction=True)


def refused(path):
    """Restore ``path`` over the live data; return the error (the data must be untouched)."""
    before = every_row()
    with pytest.raises(CommandError) as error:
        call_command("restore", str(path), force=True)
    assert every_row() == before
    return str(error.value)


def test_an_archive_missing_its_last_bytes_is_refused(archive, tmp_path):
    whole = archive.read_bytes()
    damaged = tmp_path / "damaged.tar.gz"
    for cut in range(1, 21):
        damaged.write_bytes(whole[:-cut])
        assert "corrupt" in refused(damaged), cut


def test_an_archive_with_one_flipped_byte_is_refused(archive, tmp_path):
    whole = archive.read_bytes()
    damaged = tmp_path / "damaged.tar.gz"
    # The gzip header's time stamp, somewhere in the middle, and the gzip trailer.
    for position in (5, len(whole) // 3, len(whole) // 2, len(whole) - 6, len(whole) - 1):
        flipped = bytearray(whole)
        flipped[position] ^= 0x01
        damaged.write_bytes(bytes(flipped))
        assert "corrupt" in refused(damaged), position


def test_an_archive_with_bytes_appended_is_refused(archive, tmp_path):
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(archive.read_bytes() + b"\x00" * 16)
    assert "corrupt" in refused(damaged)


def test_the_intact_archive_restores_and_common_tools_read_it(archive):
    # The seal lives in the gzip header's comment: gzip and tar still read the file.
    assert subprocess.run(["gzip", "-t", str(archive)]).returncode == 0
    listing = subprocess.run(["tar", "tzf", str(archive)], capture_output=True, text=True)
    assert listing.returncode == 0 and "manifest.json" in listing.stdout.split()
    before = every_row()
    call_command("restore", str(archive), force=True)
    assert every_row() == before
