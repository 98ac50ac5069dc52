"""Masks for personal data shown to people who do not need it in full.

Free text is masked after normalising how a number may be written: NFKC (full-width
１３８, circled ①, no-break and ideographic spaces), Chinese numerals (一三八, 幺, 两, 〇,
formal 壹叁捌), separators between groups of digits (spaces, a line break, hyphens, dots,
slashes, commas, 、 · _ ~) and the +86 / 0086 country prefix. So 138 0010 0001,
138/0010/0001, １３８００１０００１, 一三八零零一零零零零一 and 壹叁捌零零壹零零零零壹 are all
masked as 138****0001.
"""

import re
import unicodedata


def mask_phone(phone):
    """Return 138****0000 for 13800000000; short or empty numbers are masked whole."""
    if not phone:
        return ""
    phone = str(phone)
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number):
    """Return 110***********1234: the province and the last four digits only."""
    if not id_number:
        return ""
    id_number = str(id_number)
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name):
    """Return 张*明 for 张小明 and 张* for 张三: for public boards without consent."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- numbers in free text ---------------------------------------------------------------------

# Every way of writing one digit, each one character long (so positions map one to one).
# Full-width (１), circled (①) and other compatibility forms are read through NFKC first
# (_as_read); Chinese numerals, everyday and formal (壹贰叁, used on cheques), are listed.
_DIGIT_VALUES = {
    **{str(n): str(n) for n in range(10)},
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
    "壹": "1", "贰": "2", "貳": "2", "叁": "3", "叄": "3", "參": "3", "肆": "4", "伍": "5",
    "陆": "6", "陸": "6", "柒": "7", "捌": "8", "玖": "9",
}
_D = "".join(_DIGIT_VALUES) + "".join(chr(0xFF10 + n) for n in range(10))  # and ０-９
_CHECK_X = "Xx"  # the ID number's last character may be X (ten)
# A group: digits written any way, maybe ending in an ID number's X.
_GROUP = re.compile(f"[{_D}]+(?:[{_CHECK_X}](?![{_D}]))?")
# What may stand between two groups of one number: one to three spaces (any width, as read
# through NFKC), tabs, a single line break, hyphens, dots, slashes, commas, 、 · _ ~.
_SEPARATOR = re.compile("[ \t\r\n\\-.‐‑‒–—―−/,、，·•・_~〜～。]{1,3}")


class _AsRead(dict):
    """str.translate table: each character as NFKC reads it when that is one character
    (so positions in the text read and the text written stay the same), else itself."""

    def __missing__(self, code):
        char = chr(code)
        read = unicodedata.normalize("NFKC", char)
        if len(read) != 1:
            read = char
        elif read.isdecimal():
            read = str(unicodedata.decimal(read))  # other scripts' digits
        self[code] = read
        return read


_AS_READ = _AsRead()
_MOBILE = re.compile(r"(?:86|0086)?(1[3-9][0-9]{9})")
_ID_NUMBER = re.compile(
    r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]")
# How long a number can be: a mobile (11), with 86 (13) or 0086 (15), an ID number (18).
_LENGTHS = (11, 13, 15, 18)


def _normalise(group):
    """Return the ASCII digits (and X) a group (as read) stands for."""
    return "".join(_DIGIT_VALUES.get(c, "X") for c in group)


def _joins(read, start, end):
    """Whether ``read[start:end]`` separates two groups of one number (one line break at most)."""
    return (_SEPARATOR.fullmatch(read, start, end) is not None
            and read.count("\n", start, end) <= 1)


def _runs(read):
    """Yield lists of groups (match objects) that separators join into one written number."""
    run = []
    for match in _GROUP.finditer(read):
        if run and not _joins(read, run[-1].end(), match.start()):
            yield run
            run = []
        run.append(match)
    if run:
        yield run


def _masked(text, groups, digits):
    """Return the masked form of ``groups`` (which spell ``digits``) read as one number,
    or None if it is not a mobile or ID number."""
    if _ID_NUMBER.fullmatch(digits):
        return mask_id_number(digits)
    phone = _MOBILE.fullmatch(digits)
    if phone is None:
        return None
    prefix_length = phone.start(1)
    if not prefix_length:
        return mask_phone(phone.group(1))
    # Keep the country prefix as written (+86 , 0086-): find where its last digit is.
    seen, start = 0, groups[0].start()
    for group in groups:
        if seen + len(group.group()) > prefix_length:
            start = group.start() + prefix_length - seen
            break
        seen += len(group.group())
        start = group.end()
    return text[groups[0].start():start] + mask_phone(phone.group(1))


def mask_contacts_in_text(text):
    """Return ``text`` with every mobile phone and ID-card number masked, however written.

    The text is read through NFKC character by character (full-width and circled digits,
    no-break and ideographic spaces); a number is one group of digits or several joined
    by one to three separators (spaces, one line break, - . / , 、 · _ ~); the longest
    mobile (138****0001, +86 kept) or ID number (110***********002X) a run of groups
    spells is masked; an X after eleven digits that make no ID number is a letter that
    follows a mobile (13800100001xiaoli). Dates, amounts, room and matter numbers are
    left alone; the rest of the text is kept as written.
    """
    text = str(text or "")
    read = text.translate(_AS_READ)
    pieces, done = [], 0
    for run in _runs(read):
        spelt = "".join(_normalise(group.group()) for group in run)
        # starts[k]: where group k begins in ``spelt``; ends: where a group ends (or ends
        # but for its trailing X) -> (its index, how many characters to leave out).
        starts, ends, length = [], {}, 0
        for k, group in enumerate(run):
            starts.append(length)
            length += len(group.group())
            if spelt[length - 1] == "X":
                ends[length - 1] = (k, 1)
            ends[length] = (k, 0)
        i = 0
        while i < len(run):
            best = None
            for size in _LENGTHS:  # the longest number found wins
                end = ends.get(starts[i] + size)
                if end is not None:
                    digits = spelt[starts[i]:starts[i] + size]
                    masked = _masked(text, run[i:end[0] + 1], digits)
                    if masked is not None:
                        best = (end, masked)
            if best is None:
                i += 1
                continue
            (j, cut), masked = best
            pieces += [text[done:run[i].start()], masked]
            done = run[j].end() - cut
            i = j + 1
    pieces.append(text[done:])
    return "".join(pieces)


# --- flats and names, for text the public may read ----------------------------------------------

_FLATS = [
    # 1单元301(室), 一单元三零一
    re.compile(f"(?<![{_D}])[{_D}]{{1,3}}\\s*单元\\s*[{_D}]{{1,4}}(?![{_D}])"),
    # 301室, 1201房, 502号房
    re.compile(f"(?<![{_D}])[{_D}]{{3,4}}\\s*(?=室|房|号房|户)"),
    # 3号楼502, 5栋1201
    re.compile(f"(?:(?<=号楼)|(?<=[栋幢座]))\\s*[{_D}]{{3,4}}(?![{_D}年月日元块米%％])"),
    # 5-2-301 (building-unit-flat)
    re.compile(r"(?<![\d０-９])[\d０-９]{1,3}[-－][\d０-９]{1,2}[-－][\d０-９]{3,4}(?![\d０-９])"),
]
_ANY_DIGIT = re.compile(f"[{_D}]")


def mask_flats_in_text(text):
    """Return ``text`` with the digits of flat numbers (1单元301, 302室, 5-2-301) starred.

    Buildings (3号楼), units without a flat (3单元门口), dates and amounts are kept.
    """
    text = str(text or "")
    for pattern in _FLATS:
        text = pattern.sub(lambda m: _ANY_DIGIT.sub("*", m.group()), text)
    return text


# Common surnames; those that are also common words (和, 于, 路, 师 …) are left out.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔汤温康施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍喻祁蒲滕屈饶牟"
    "艾尤穆卓吉缪简项芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋刁荣"
    "巫寇桑郎甄丛仲虞敖巩佘池麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "慕容", "东方", "皇甫", "令狐", "夏侯",
                      "尉迟", "公孙", "长孙", "端木", "司徒")
# Characters that end a name: what usually follows one in a sentence.
_AFTER_NAME = set("住在是的家电手联今昨前反想要说和与跟从我你他她们了啊呢吧因所就也都还又"
                  "楼号单室区业主这那请给对向被把已多次")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_INTRODUCTION = re.compile("(我叫|我的名字是|我名叫|我是|本人|我姓)")
_HONORIFICS = ("先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "大娘", "奶奶", "爷爷",
               "叔叔", "大姐", "大哥")
_HONORIFIC = re.compile(f"([\u4e00-\u9fff])(?={'|'.join(_HONORIFICS)})")


def _name_at(text, start, *, needs_surname, surname_only=False):
    """Return the length of a name written at ``start`` (0 if none): a surname (unless
    ``needs_surname`` is false) and one or two given-name characters."""
    surname = next((s for s in _COMPOUND_SURNAMES if text.startswith(s, start)), None)
    if surname is None and start < len(text) and text[start] in _SURNAMES:
        surname = text[start]
    if surname is None:
        if needs_surname:
            return 0
        surname = text[start:start + 1]
        if not surname or not _HAN.match(surname) or surname in _AFTER_NAME:
            return 0
    if surname_only:
        return len(surname)
    length = len(surname)
    while length < len(surname) + 2:
        index = start + length
        if index >= len(text) or not _HAN.match(text[index]) or text[index] in _AFTER_NAME:
            break
        length += 1
    return length if length > len(surname) else 0


def mask_names_in_text(text, names=()):
    """Return ``text`` with people's names starred: the ``names`` given (the reporter's,
    a contact's) wherever they appear, a name a writer introduces (我叫…, 我是…, 本人…)
    and a surname before a form of address (王师傅, 陈女士)."""
    text = str(text or "")
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len,
                       reverse=True):
        text = text.replace(name, "*" * len(name))
    spans = []
    for match in _INTRODUCTION.finditer(text):
        start = match.end()
        kind = match.group()
        length = _name_at(text, start, needs_surname=kind not in ("我叫", "我名叫", "我的名字是"),
                          surname_only=kind == "我姓")
        if length:
            spans.append((start, start + length))
    for match in _HONORIFIC.finditer(text):
        if match.group(1) in _SURNAMES:
            spans.append((match.start(1), match.end(1)))
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "*" * (end - start)
    return "".join(chars)
