"""Masking phone and ID numbers in free text, however they are written."""

import pytest

from tongxin.core.masking import mask_contacts_in_text, mask_flats_in_text, mask_names_in_text

PHONE = "138****0001"
ID_NUMBER = "110***********002X"


@pytest.mark.parametrize(("text", "shown"), [
    ("13800100001", PHONE),
    ("+86 13800100001", "+86 " + PHONE),
    ("+8613800100001", "+86" + PHONE),
    ("0086 13800100001", "0086 " + PHONE),
    ("008613800100001", "0086" + PHONE),
    ("＋86 13800100001", "＋86 " + PHONE),
    ("138 0010 0001", PHONE),
    ("138-0010-0001", PHONE),
    ("138.0010.0001", PHONE),
    ("138 - 0010 - 0001", PHONE),
    ("１３８００１００００１", PHONE),
    ("１３８ ００１０ ０００１", PHONE),
    ("一三八零零一零零零零一", PHONE),
    ("幺三八〇〇幺〇〇〇〇幺", PHONE),
    ("一三八 两两两两 零零零一", "138****0001"),
    ("电话：138 0010 0001，请联系", "电话：" + PHONE + "，请联系"),
    ("打13800100001或13900100002", "打" + PHONE + "或139****0002"),
    ("13800100001 13900100002", PHONE + " 139****0002"),
    ("301 13800100001", "301 " + PHONE),
    # Issue 16, item 29, second round: spaces of every width, newlines, other separators,
    # a Latin letter right after the number, formal numerals.
    ("138\u00a00010\u00a00001", PHONE),
    ("138\u30000010\u30000001", PHONE),
    ("138\u202f0010\u20090001", PHONE),
    ("138\n0010\n0001", PHONE),
    ("138\r\n0010\r\n0001", PHONE),
    ("138/0010/0001", PHONE),
    ("138／0010／0001", PHONE),
    ("138、0010、0001", PHONE),
    ("138,0010,0001", PHONE),
    ("138，0010，0001", PHONE),
    ("138·0010·0001", PHONE),
    ("138_0010_0001", PHONE),
    ("138~0010~0001", PHONE),
    ("138 / 0010 / 0001", PHONE),
    ("电话13800100001xiaoli", "电话" + PHONE + "xiaoli"),
    ("电话13800100001X先生", "电话" + PHONE + "X先生"),
    ("壹叁捌零零壹零零零零壹", PHONE),
    ("壹叁捌 零零壹零 零零零壹", PHONE),
    ("①③⑧⓪⓪①⓪⓪⓪⓪①", PHONE),
])
def test_a_phone_number_is_masked_however_it_is_written(text, shown):
    assert mask_contacts_in_text(text) == shown


def test_ten_digits_are_not_a_mobile_number_however_they_are_written():
    # The full-width example has ten digits (１３８ ００１ ０００１): not a mobile.
    assert mask_contacts_in_text("１３８００１０００１") == "１３８００１０００１"


@pytest.mark.parametrize(("text", "shown"), [
    ("110105194912310021", "110***********0021"),
    ("110105 19491231 002X", ID_NUMBER),
    ("110105-19491231-002x", ID_NUMBER),
    ("身份证11010519491231002X号", "身份证" + ID_NUMBER + "号"),
    ("１１０１０５１９４９１２３１００２Ｘ", ID_NUMBER),
    ("幺幺零幺零五幺九四九幺二三幺零零二X", ID_NUMBER),
])
def test_an_id_number_keeps_its_first_three_and_last_four(text, shown):
    assert mask_contacts_in_text(text) == shown


@pytest.mark.parametrize("text", [
    "2026-12-06",
    "2026-12-06 14:30",
    "2026.12.06",
    "诉求 2026-000043：办理中。",
    "2026-000043 2026-000044",
    "维修费 1380 元，押金 10001 元",
    "3号楼1单元301室",
    "订单号 2026112312345678901234",
    "12345678901",  # eleven digits, but no mobile number starts with 12
    "110105199913450021",  # no 13th month: not an ID number
    "第一二三四五六七八九十条",
    "2026/12/06",
    "2026、12、06",
    "2026-000043\n2026-000044",
    "3号楼 1单元 301室",
    "维修费 1,380.00 元",
    "房号 1201、1202、1203",
    "壹仟叁佰捌拾元整",
    "138\n\n0010\n\n0001",  # a blank line ends a number
    "貳叁捌零零壹零零零零壹",  # no mobile starts with 2
    "",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask_contacts_in_text(text) == text


def test_none_reads_as_empty_text():
    assert mask_contacts_in_text(None) == ""


@pytest.mark.parametrize(("text", "shown"), [
    ("我叫梁萍霞住1单元301", "我叫梁萍霞住*单元***"),
    ("3号楼2单元502室漏水", "3号楼*单元***室漏水"),
    ("1号楼1单元101室 张三家", "1号楼*单元***室 张三家"),
    ("１号楼１单元１０１室", "１号楼*单元***室"),
    ("住在5-2-301，楼上", "住在*-*-***，楼上"),
    ("我家302室门口", "我家***室门口"),
    ("2026-12-06 路灯不亮，3号楼门口", "2026-12-06 路灯不亮，3号楼门口"),
    ("诉求 2026-000043 在3单元门口", "诉求 2026-000043 在3单元门口"),
])
def test_flat_numbers_are_masked_but_buildings_and_dates_are_not(text, shown):
    assert mask_flats_in_text(text) == shown


@pytest.mark.parametrize(("text", "names", "shown"), [
    ("我叫梁萍霞住1单元301", (), "我叫***住1单元301"),
    ("我叫梁萍霞，电话见上", (), "我叫***，电话见上"),
    ("我是张小明。", (), "我是***。"),
    ("本人王五反映", (), "本人**反映"),
    ("我是欧阳小明", (), "我是****"),
    ("楼上的李四总是吵", ["李四"], "楼上的**总是吵"),
    ("找物业王师傅和陈女士", (), "找物业*师傅和*女士"),
    # Ordinary words after 我是 or 本人 are not names.
    ("我是业主，路灯坏了", (), "我是业主，路灯坏了"),
    ("我是这个小区的", (), "我是这个小区的"),
    ("本人已多次反映", (), "本人已多次反映"),
    ("请老师傅来看看", (), "请老师傅来看看"),
])
def test_names_are_masked_where_a_resident_introduces_themselves_or_is_named(text, names, shown):
    assert mask_names_in_text(text, names) == shown


@pytest.mark.parametrize("text", ["1 " * 2500, "1" * 5000, "一 " * 2500, "1单元" * 1600,
                                  "1-" * 2500, "我是王" * 1600, "1\u00a0" * 2500,
                                  "1x" * 2500, "壹、" * 2500, "1/\n" * 1700])
def test_masking_a_long_hostile_text_stays_cheap(text):
    import time

    started = time.perf_counter()
    mask_names_in_text(mask_flats_in_text(mask_contacts_in_text(text)))
    assert time.perf_counter() - started < 1.0  # about 10 ms on an idle machine
