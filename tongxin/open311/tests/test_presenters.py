"""Tongxin's states as Open311's open/closed, and the small words on the way out."""

import pytest

from tongxin.matters.choices import Status
from tongxin.open311.forms import contact_name, title_from
from tongxin.open311.presenters import open311_status, scrub, statuses_for

OPEN311_STATUS = {
    Status.NEW: "open",
    Status.IN_PROGRESS: "open",
    Status.AWAITING_DELIBERATION: "open",
    Status.WHISTLED: "open",
    Status.RESOLVED: "open",  # still to be inspected and rated
    Status.RECTIFYING: "open",
    Status.CLOSED: "closed",
    Status.CLOSED_UNSOLVED: "closed",
    Status.REJECTED: "closed",
    Status.MERGED: "closed",
}


def test_every_tongxin_status_maps_to_open_or_closed():
    assert set(OPEN311_STATUS) == set(Status)
    assert {status: open311_status(status) for status in Status} == OPEN311_STATUS


def test_asking_for_open_or_closed_selects_the_statuses_behind_them():
    assert set(statuses_for({"open"})) == {s for s, o in OPEN311_STATUS.items() if o == "open"}
    assert set(statuses_for({"open", "closed"})) == set(Status)


@pytest.mark.parametrize(("text", "shown"), [
    ("电话13912345678", "电话139****5678"),
    ("+86 13912345678", "+86 139****5678"),
    ("+8613912345678", "+86139****5678"),
    ("身份证11010119900307451X号", "身份证110***********451X号"),
    ("订单号 2026112312345678901234", "订单号 2026112312345678901234"),  # too long for either
    ("3号楼101室", "3号楼101室"),
])
def test_phone_and_id_card_numbers_typed_into_text_are_masked(text, shown):
    assert scrub(text) == shown


@pytest.mark.parametrize(("first", "last", "name"), [
    ("小明", "张", "张小明"),
    ("John", "Smith", "John Smith"),
    ("", "王", "王"),
    ("Li", "", "Li"),
])
def test_first_and_last_name_join_as_the_name_is_written(first, last, name):
    assert contact_name(first, last) == name


def test_a_title_is_the_first_line_of_the_description_cut_short():
    assert title_from("路灯不亮\n已经三天", "公共设施") == "路灯不亮"
    assert title_from("   ", "公共设施") == "公共设施"
    assert len(title_from("很" * 80, "x")) == 30
