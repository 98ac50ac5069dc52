"""What the loop's notices say: they name the matter and the step (which hop, to whom),
a result sent back for rework tells the handler who must redo it, and the timeline's
escalation line does not double its punctuation."""

import pytest
from django.utils import translation

from tongxin.matters import services
from tongxin.matters.choices import Kind, Level, Satisfaction
from tongxin.matters.models import MatterEvent
from tongxin.matters.notices import NoticeKind
from tongxin.matters.presenters import present
from tongxin.notices.models import Notice
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

TITLE = "小区东门电动车乱停放"


def texts(person, matter, kind=None):
    notices = Notice.objects.about(matter).filter(recipient=person).order_by("pk")
    if kind is not None:
        notices = notices.filter(kind=kind)
    with translation.override("en"):
        return [n.text for n in notices]


def test_each_hop_of_a_matter_tells_the_reporter_where_it_went(world, new_matter):
    grid, street = world.by_role[Role.GRID_WORKER], world.by_role[Role.STREET_OFFICER]
    district = world.by_role[Role.DISTRICT_OFFICER]
    matter = new_matter(title=TITLE)
    services.triage(matter, by=grid, kind=Kind.PENDING)
    services.escalate(matter, by=grid, reason="涉及多个楼栋", to_level=Level.STREET)
    services.escalate(matter, by=street, reason="需要区里协调")
    services.whistle(matter, by=district, departments=[world.department])

    said = texts(world.resident, matter, NoticeKind.STATUS)
    assert len(said) == 4 and len(set(said)) == 4, said
    assert all(matter.number in text and TITLE in text for text in said), said
    heard, to_street, to_district, whistled = said
    assert world.g1.name in heard
    assert world.street_a.name in to_street
    assert world.district.name in to_district
    assert world.department.name in whistled


def test_the_handler_is_told_which_matter_is_theirs_and_why(world, new_matter):
    grid, street = world.by_role[Role.GRID_WORKER], world.by_role[Role.STREET_OFFICER]
    matter = new_matter(title=TITLE)
    [raised] = texts(grid, matter, NoticeKind.ASSIGNED)
    assert TITLE in raised and matter.number in raised
    services.escalate(matter, by=grid, reason="涉及多个楼栋", to_level=Level.STREET)
    [escalated] = texts(street, matter, NoticeKind.ASSIGNED)
    assert TITLE in escalated and "escalated" in escalated and world.street_a.name in escalated


def test_a_long_title_is_cut_short_in_a_notice(world, new_matter):
    title = "东门口每天晚上堆满电动车消防通道被堵住了物业说管不了希望社区出面协调解决一下"
    matter = new_matter(title=title)
    [text] = texts(world.resident, matter, NoticeKind.RAISED)
    assert title[:20] + "…" in text and title not in text


def resolved(world, new_matter):
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter(title=TITLE)
    services.triage(matter, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid, what_was_done="划定了停放区", basis="物业管理规定",
                     standard="通道畅通")
    return matter


def test_a_failed_inspection_tells_the_handler_to_redo_it(world, new_matter):
    matter = resolved(world, new_matter)
    services.inspect(matter, by=world.by_role[Role.OWNERS_COMMITTEE], passed=False,
                     note="东门还是堵着")
    [text] = texts(world.by_role[Role.GRID_WORKER], matter, NoticeKind.REWORK)
    assert TITLE in text and "东门还是堵着" in text and "rework" in text


def test_an_unsatisfied_rating_tells_the_handler_to_redo_it(world, new_matter):
    matter = resolved(world, new_matter)
    services.rate(matter, by=world.resident, satisfaction=Satisfaction.UNSATISFIED,
                  comment="晚上又停满了")
    [text] = texts(world.by_role[Role.GRID_WORKER], matter, NoticeKind.REWORK)
    assert TITLE in text and "晚上又停满了" in text


def test_the_one_who_recorded_the_result_hears_of_rework_even_above_the_owner(world,
                                                                            new_matter):
    district = world.by_role[Role.DISTRICT_OFFICER]
    matter = new_matter(title=TITLE)
    services.triage(matter, by=district, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=district, what_was_done="划定了停放区", basis="规定",
                     standard="通道畅通")
    services.inspect(matter, by=world.by_role[Role.BUILDING_HEAD], passed=False, note="没改")
    assert texts(district, matter, NoticeKind.REWORK)
    assert texts(world.by_role[Role.GRID_WORKER], matter, NoticeKind.REWORK)


def test_an_older_notice_without_a_title_still_reads(world, new_matter):
    matter = new_matter()
    notice = Notice.objects.create(recipient=world.resident, kind=NoticeKind.STATUS,
                                   params={"number": matter.number, "status": "in_progress"})
    with translation.override("en"):
        assert notice.text == f"Matter {matter.number}: Being handled."


@pytest.mark.parametrize("reason", ["需要区里协调城管/住建。", "需要协调！", "Needs the street."])
def test_the_escalation_line_does_not_double_its_punctuation(world, new_matter, reason):
    matter = new_matter()
    services.escalate(matter, by=world.by_role[Role.GRID_WORKER], reason=reason)
    event = MatterEvent.objects.get(matter=matter, action="escalated")
    with translation.override("zh-hans"):
        summary = present(event).summary
    assert reason.rstrip("。！.") in summary
    for doubled in ("。，", "！，", ".，", "。。"):
        assert doubled not in summary, summary


def test_an_automatic_escalation_reads_as_one_sentence(world, new_matter):
    matter = new_matter()
    with translation.override("zh-hans"):
        services.escalate(matter, by=None, reason=services._("Deadline passed: escalated "
                                                             "automatically."))
        summary = present(MatterEvent.objects.get(matter=matter, action="escalated")).summary
    assert "。，" not in summary and ".，" not in summary, summary


@pytest.mark.parametrize("title", ["请打13800100001找我", "电话138 0010 0001", "电话１３８００１００００１"])
def test_a_phone_number_in_the_title_is_masked_in_notices(world, new_matter, title):
    matter = new_matter(title=title)
    [text] = texts(world.by_role[Role.GRID_WORKER], matter, NoticeKind.ASSIGNED)
    assert "138****0001" in text and "0010" not in text and "００１０" not in text, text
