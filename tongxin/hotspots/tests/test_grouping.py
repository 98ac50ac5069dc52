"""Grouping items into hot issues and ranking them, without the database."""

from datetime import datetime, timedelta

import pytest

from tongxin.hotspots import grouping
from tongxin.hotspots.grouping import Item, extract_places, group_items, heat, parse_time

START = datetime(2026, 3, 2, 9, 0)

# Four residents of 幸福小区 about one problem, in their own words; the same kind of
# problem in two other compounds; and unrelated matters.
PARAPHRASES = [
    ("p1", "幸福小区东门电动车乱停放", "东门口每天晚上堆满电动车，消防通道被堵住了。"),
    ("p2", "东门消防通道被电动车堵死", "幸福小区东门那里电动车乱停，消防车根本进不来，请尽快整治。"),
    ("p3", "电动车堵住小区东门消防通道", "我们小区东门口电瓶车停得到处都是，把消防通道堵了，晚上尤其严重。"),
    ("p4", "东门电瓶车乱停占了消防通道", "小区东门外电瓶车越停越多，消防通道被占，出了事救护车都进不来。"),
]
ELSEWHERE = [
    ("o1", "安居小区电动车乱停放", "安居小区南门电动车乱停，消防通道被占用。", "安居小区"),
    ("o2", "光明小区电动车乱停乱放", "光明小区北门口电动车乱停乱放，堵住了消防通道。", "光明小区"),
]
UNRELATED = [
    ("n1", "3号楼路灯坏了", "幸福小区3号楼前的路灯坏了一个星期，晚上很黑。", "幸福小区"),
    ("n2", "广场舞音响太吵", "每天晚上小区广场跳舞的音响声音太大，影响休息。", "幸福小区"),
    ("n3", "垃圾清运不及时", "小区垃圾桶满了好几天没人清运，臭气熏天。", "安居小区"),
    ("n4", "楼上漏水到我家", "楼上卫生间漏水，我家天花板都发霉了，物业不管。", "光明小区"),
]


def matter_like(days_apart=1):
    """Items as matters give them: each knows the compound it was raised in."""
    rows = [(k, t, d, "幸福小区") for k, t, d in PARAPHRASES] + ELSEWHERE + UNRELATED
    return [Item(key=key, title=title, text=text, at=START + timedelta(days=n * days_apart),
                 reporter=f"r{n}", places=frozenset({place}), place_label=place)
            for n, (key, title, text, place) in enumerate(rows)]


def message_like(rows, *, start=START, **fields):
    """Items as board messages give them: the place only in the words."""
    return [Item(key=key, title=title, text=text, at=start + timedelta(days=n), reporter=f"u{n}",
                 **fields) for n, (key, title, text, *_place) in enumerate(rows)]


def keys_of(groups):
    return sorted(sorted(group.keys) for group in groups)


def group_with(groups, key):
    return next(group for group in groups if key in group.keys)


def test_paraphrases_of_one_complaint_in_one_compound_make_one_group():
    groups = group_items(matter_like())
    assert sorted(group_with(groups, "p1").keys) == ["p1", "p2", "p3", "p4"]


def test_the_same_kind_of_complaint_in_other_compounds_stays_apart():
    groups = group_items(matter_like())
    assert ["o1"] in keys_of(groups)
    assert ["o2"] in keys_of(groups)
    assert len(groups) == 1 + 2 + 4  # the paraphrases, the two other compounds, the rest


def test_messages_naming_the_same_compound_are_grouped_and_other_compounds_are_not():
    named = [PARAPHRASES[0], PARAPHRASES[1], *ELSEWHERE]
    groups = group_items(message_like(named + UNRELATED))
    assert sorted(group_with(groups, "p1").keys) == ["p1", "p2"]
    assert ["o1"] in keys_of(groups) and ["o2"] in keys_of(groups)
    assert group_with(groups, "p1").place == "幸福"


def test_the_same_complaint_months_later_is_a_new_issue():
    groups = group_items(matter_like(days_apart=70))  # beyond the 60-day window
    assert all([key] in keys_of(groups) for key in ("p1", "p2", "p3", "p4"))


def test_a_complaint_raised_again_and_again_stays_one_issue():
    groups = group_items(matter_like(days_apart=40))  # each within the window of the last
    assert sorted(group_with(groups, "p1").keys) == ["p1", "p2", "p3", "p4"]


def test_matters_kept_apart_are_never_grouped_again():
    groups = group_items(matter_like(), kept_apart=[("p4", "p1"), ("p4", "p2"), ("p4", "p3")])
    assert sorted(group_with(groups, "p1").keys) == ["p1", "p2", "p3"]
    assert group_with(groups, "p4").keys == ["p4"]


def test_an_unrelated_matter_in_the_same_compound_is_not_grouped():
    groups = group_items(matter_like())
    assert group_with(groups, "n1").keys == ["n1"]
    assert group_with(groups, "n2").keys == ["n2"]


def test_near_copies_are_grouped_even_without_a_place():
    rows = [("a", "咨询公积金贷款额度如何计算", "请问本市住房公积金贷款额度是怎么计算的？"),
            ("b", "咨询公积金贷款额度如何计算？", "请问本市住房公积金贷款额度是怎么计算的，谢谢。"),
            ("c", "地铁站出口太少", "地铁站只有一个出口，早高峰非常拥挤。")]
    groups = group_items(message_like(rows))
    assert sorted(group_with(groups, "a").keys) == ["a", "b"]


def test_every_item_is_in_exactly_one_group():
    items = matter_like()
    groups = group_items(items)
    assert sorted(k for g in groups for k in g.keys) == sorted(i.key for i in items)
    assert group_items([]) == []


def test_groups_come_hottest_first():
    groups = group_items(matter_like())
    heats = [g.heat for g in groups]
    assert heats == sorted(heats, reverse=True)
    assert groups[0].count == 4


def _one(at, reporter="a", supporters=0, votes_for=0, votes_against=0, key=None):
    return Item(key=key or f"{reporter}{at}", title="t", text="t", at=at, reporter=reporter,
                supporters=supporters, votes_for=votes_for, votes_against=votes_against)


def test_heat_counts_people_supporters_votes_spread_and_recency():
    now = START + timedelta(days=1)
    one = heat([_one(START)], now=now)
    assert heat([_one(START), _one(START, reporter="b")], now=now) > one
    # the same person twice counts less than two people
    assert (heat([_one(START), _one(START, key="again")], now=now)
            < heat([_one(START), _one(START, reporter="b")], now=now))
    assert heat([_one(START, supporters=3)], now=now) > one
    assert heat([_one(START, votes_for=100)], now=now) > heat([_one(START, votes_for=10)], now=now)
    assert (heat([_one(START, votes_for=100, votes_against=100)], now=now)
            < heat([_one(START, votes_for=100)], now=now))
    spread = [_one(START), _one(START + timedelta(days=5), reporter="b")]
    same_day = [_one(START), _one(START, reporter="b")]
    later = START + timedelta(days=6)
    assert heat(spread, now=later) > heat(same_day, now=later)
    assert heat([_one(START)], now=START + timedelta(days=365)) < one
    assert heat([_one(START)], now=START + timedelta(days=3650)) >= one / 2


def test_many_people_outrank_many_votes_on_one_message():
    now = START + timedelta(days=1)
    crowd = [_one(START, reporter=f"r{n}") for n in range(20)]
    famous = [_one(START, votes_for=2000)]
    assert heat(crowd, now=now) > heat(famous, now=now) > heat([_one(START, votes_for=5)], now=now)


@pytest.mark.parametrize("text,places", [
    ("A5区劳动东路魅力之城小区油烟扰民", {"劳动东路", "魅力之城"}),
    ("投诉伊景园滨河苑捆绑销售车位问题", {"伊景园", "滨河苑"}),
    ("A市万科魅力之城二期小区楼板开裂", {"万科魅力之城"}),
    ("A3区郝家坪小学何时改扩建？", {"郝家坪小学"}),
    ("请书记关注A市A4区58车贷案", {"58车贷"}),
    ("我们小区物业公司不作为，希望政府管一管", set()),
    ("小区门口的水泥路坏了，A市住房和城乡建设局", set()),
    ("A7县星沙街道星沙社区", set()),  # streets and communities are too coarse
])
def test_specific_places_are_read_from_the_text(text, places):
    assert extract_places(text) == places


@pytest.mark.parametrize("value,expected", [
    ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
    ("2017-06-08 17:31:20", datetime(2017, 6, 8, 17, 31, 20)),
    ("2019/12/3", datetime(2019, 12, 3)),
])
def test_message_times_are_read_in_either_format(value, expected):
    assert parse_time(value) == expected


def test_an_unreadable_time_is_refused():
    with pytest.raises(ValueError):
        parse_time("yesterday")


def test_a_group_is_described_by_its_place_and_words():
    groups = grouping.describe(group_items(matter_like())[:1])
    assert groups[0].place == "幸福小区"
    assert groups[0].terms and all(term not in "幸福小区" for term in groups[0].terms)
    assert groups[0].label.startswith("幸福小区 · ")
