"""A restore either completes or leaves the database exactly as it was."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models.signals import post_save

from tongxin.backups.archive import pack, read_archive
from tongxin.backups.tests.conftest import every_row

pytestmark = pytest.mark.django_db(transaction=True)


def repack(source, target, edit, workdir):
    """Copy the archive ``source`` to ``target`` with ``edit(manifest)`` applied, sealed."""
    manifest = read_archive(source, workdir)
    edit(manifest)
    files = {name: workdir / "media" / name for name in manifest["media"]}
    pack(target, manifest, workdir / "data.jsonl", files, workdir=workdir)


def test_an_archive_whose_counts_do_not_match_its_rows_is_refused_and_nothing_changes(
        archive, tmp_path):
    def one_more_matter(manifest):
        manifest["counts"]["matters.matter"] += 1

    wrong = tmp_path / "wrong.tar.gz"
    workdir = tmp_path / "work"
    workdir.mkdir()
    repack(archive, wrong, one_more_matter, workdir)
    before = every_row()
    assert before["matters.matter"] and before["people.person"]
    with pytest.raises(CommandError, match="matters.matter"):
        call_command("restore", str(wrong), force=True)
    assert every_row() == before


def test_a_restore_that_fails_halfway_through_loading_leaves_every_row(archive):
    before = every_row()
    saved = []

    def crash_after_some_rows(sender, raw=False, **kwargs):
        if raw:
            saved.append(sender)
            if len(saved) == 40:
                raise RuntimeError("the restore was killed")

    post_save.connect(crash_after_some_rows, dispatch_uid="crash-mid-restore")
    try:
        with pytest.raises(RuntimeError, match="killed"):
            call_command("restore", str(archive), force=True)
    finally:
        post_save.disconnect(dispatch_uid="crash-mid-restore")
    assert len(saved) == 40
    assert every_row() == before


def test_a_forced_restore_replaces_the_rows(archive):
    from tongxin.matters.models import Matter

    before = every_row()
    Matter.objects.update(title="改过的标题")
    call_command("restore", str(archive), force=True)
    assert every_row() == before
