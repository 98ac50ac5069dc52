"""Group messages about the same problem in the same place and period, and rank the groups
by heat (热点问题).

Works on plain ``Item`` objects, so the same code groups the district's matters
(``services.matter_items``) and the shipped reference messages (``reference.py``).

How items are joined
--------------------
1. **Text.** Each item becomes a TF-IDF vector of character bigrams of its title (counted
   twice) and the start of its description; bigrams do not cross punctuation. Chinese has
   no spaces, and bigrams catch most paraphrases (电动车乱停 / 电动车乱停乱放) at a fraction
   of the cost of word segmentation. Similarity is the cosine of two vectors.
2. **Place.** An item's place keys are the places it was raised at (a matter's compound)
   plus the specific places its text names: compounds, estates, roads, schools, villages,
   companies (XX小区, XX花园, XX苑, XX路, XX学校 …; see ``extract_places``). Districts and
   streets (A市, A1区, XX街道, XX社区, XX镇) are too coarse and are left out. Two keys
   match when they are equal or one ends with the other (万科魅力之城 / 魅力之城).
3. **Period.** Two items are only joined when raised at most ``window_days`` apart.
4. **Edges.** Two items in the window are linked when
   - they share a place and their similarity is at least ``PLACE_SIMILARITY``, or
   - neither names a place and the similarity is at least ``TEXT_SIMILARITY``, or
   - they name different places and the texts are near copies (``COPY_SIMILARITY``).
   Pairs a person kept apart (a split group) are never linked.
5. **Groups.** Links are taken strongest first (single linkage, union-find); a link
   that would put two kept-apart items into one group is skipped. Then every member
   must still read like its group (cosine with the group's centroid at least
   ``CORE_SIMILARITY``); members that do not are set apart on their own.

Heat
----
For a group with ``n`` items from ``R`` distinct reporters, ``S`` supporters ("me too"),
``L`` votes for (点赞数) and ``D`` against (反对数), spread over ``days`` distinct days and
last raised ``age`` days before ``now``::

    people  = R + S + 0.25 * (n - R)           # repeated messages by one person count a quarter
    votes   = max(0, L - 0.5 * D)              # a vote against cancels half a vote for
    base    = people + 2 * ln(1 + votes)       # votes count, with diminishing returns
    spread  = 1 + 0.2 * ln(days)               # a problem raised on many days weighs more
    recency = 0.5 + 0.5 * 2 ** (-age / 90)     # halves the recent part every 90 days
    heat    = base * spread * recency

So one message with 2,000 votes (base ≈ 16) ranks with a group of about fifteen people,
and an old group keeps at least half its weight.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

WINDOW_DAYS = 60
PLACE_SIMILARITY = 0.15
TEXT_SIMILARITY = 0.5
COPY_SIMILARITY = 0.8
CORE_SIMILARITY = 0.2
TEXT_CHARS = 300  # of the description: the title and the opening say what the message is about
EXTRACT_CHARS = 600  # of the description, searched for place names
HALF_LIFE_DAYS = 90


# --- items and groups --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One message or matter to group. ``places`` are keys of the places it was raised at
    (extracted place names are added by ``group_items``); ``place_label`` names them."""

    key: object
    title: str
    text: str
    at: datetime
    reporter: object = None
    places: frozenset = frozenset()
    place_label: str = ""
    supporters: int = 0
    votes_for: int = 0
    votes_against: int = 0
    # The representative is the member with the highest priority, then the most typical.
    priority: object = 0


@dataclass
class Group:
    items: list  # representative first
    place: str
    terms: list = field(default_factory=list)
    heat: float = 0.0

    @property
    def representative(self):
        return self.items[0]

    @property
    def count(self):
        return len(self.items)

    @property
    def first(self):
        return min(item.at for item in self.items)

    @property
    def last(self):
        return max(item.at for item in self.items)

    @property
    def reporters(self):
        return len(_reporters(self.items))

    @property
    def supporters(self):
        return sum(item.supporters for item in self.items)

    @property
    def votes_for(self):
        return sum(item.votes_for for item in self.items)

    @property
    def votes_against(self):
        return sum(item.votes_against for item in self.items)

    @property
    def label(self):
        """Return a short name for the issue: the place and the words that set it apart."""
        words = "、".join(self.terms)
        if self.place and words:
            return f"{self.place} · {words}"
        return self.place or words or self.representative.title

    @property
    def keys(self):
        return [item.key for item in self.items]


def _reporters(items):
    return {item.reporter if item.reporter not in (None, "") else ("anonymous", item.key)
            for item in items}


def heat(items, *, now):
    """Return the heat of a group of items (formula in the module docstring)."""
    n = len(items)
    reporters = len(_reporters(items))
    supporters = sum(item.supporters for item in items)
    votes = max(0.0, sum(item.votes_for for item in items)
                - 0.5 * sum(item.votes_against for item in items))
    people = reporters + supporters + 0.25 * (n - reporters)
    base = people + 2 * math.log1p(votes)
    days = len({item.at.date() for item in items})
    spread = 1 + 0.2 * math.log(days)
    age = max(0.0, (now - max(item.at for item in items)).total_seconds() / 86400)
    recency = 0.5 + 0.5 * 2 ** (-age / HALF_LIFE_DAYS)
    return round(base * spread * recency, 1)


# --- reading times ---------------------------------------------------------------------------

_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_time(value):
    """Return a naive datetime from 2019/2/28 11:25:05, 2017-06-08 17:31:20 or 2019年2月28日."""
    match = _TIME.search(value or "")
    if not match:
        raise ValueError(value)
    y, m, d, hh, mm, ss = (int(g) if g else 0 for g in match.groups())
    return datetime(y, m, d, hh, mm, ss)


# --- place names in the text -------------------------------------------------------------------

# Anonymised or real administrative areas: too coarse to say two complaints are one.
_AREA = re.compile(r"[A-Z]\d*[市区县省]|西地省|[一-龥]{1,4}(?:省|自治区)")
_NOT_NAME = re.compile(r"[^一-龥A-Za-z0-9]+")
# Longest first where one suffix ends another; lookaheads drop common words (城市, 园区 …).
_SPECIFIC = (
    "小区|花园|家园|新村|新城|公馆|山庄|公寓|广场|大厦|名城|华府|华庭"
    "|国际(?![化贸航机友会学])"
    "|股份有限公司|有限责任公司|有限公司|公司|幼儿园|小学|中学|大学|学院|学校|医院|市场"
    "|大道|路(?![口段面灯况线费边过上])|街(?![道坊头])|巷|村(?![民委组级干里])"
    "|苑|府|庭(?![院审])|湾|城(?![市管区乡镇际建中投])|园(?![区林艺长所内])"
)
_COARSE = "街道|社区|镇|乡|村委会|居委会"
_SUFFIX = re.compile(r"(?P<coarse>" + _COARSE + r")|(?P<suffix>" + _SPECIFIC + r")")
MAX_NAME = 8  # characters before the suffix: longer runs are sentences, not names
# Words after which a place name starts (the name is trimmed up to the last of them).
_BREAK = re.compile("|".join("""
    我们 你们 他们 希望 请求 恳请 要求 建议 反映 投诉 举报 咨询 关于 位于 地处 座落 坐落
    属于 作为 进入 居住 入住 所在 附近 周边 周围 旁边 对面 整个 所有 全部 一些 部分 很多
    许多 多个 几个 一个 两个 其他 其它 现在 目前 如今 导致 影响 造成 严重 已经 没有 以及
    还是 或者 但是 而且 并且 就是 还有 只有 通过 经过 这个 那个 这条 那条 这所 那所 这家
    那家 一家 一所 一条 每个 各个 请问 为什么 怎么 是否 能否 可以 应该 纳入 发生 建设 修建
    新建 规划 开通 靠近 紧邻 临近 距离 隔壁 楼下 楼上 门口 门前 路过 经营 开发 销售 购买
    业主 有关 物业 安排 优先 进行 就读 入读 上学 晚上 白天 早上 每天 天天 经常 总是 堵住
    已 的 在 了 是 对 向 从 到 给 把 被 让 为 于 我 你 他 她 该 本 这 那 此 其 各 每 请 省
    市 区 县 个 些 及 与 或 但 而 因 就 都 也 还 将 没 不 无 至 往 即 距 离 们 会 堵 停 占
""".split()))
# Names that are a kind, not a place (我们小区, 物业公司, 水泥路 …): what precedes the suffix.
_GENERIC = frozenset("""
    新 老 旧 老旧 安置 拆迁 还建 保障 公租 廉租 商品 商品房 高档 普通 综合 专科 配套 公办
    民办 私立 公立 重点 示范 职业 技术 附属 物业 开发 建筑 房地产 投资 科技 有限 责任 物流
    快递 保险 自来水 燃气 电力 供电 公交 出租车 网约车 中介 培训 教育 装修 家政 保安 环卫
    垃圾 大型 小型 国家 政府 市政 人民政 区政 县政 当地 农村 城市 城乡 乡村 周边 附近 全 各
    某 某某 水泥 柏油 沥青 断头 十字 丁字 高速 主干 马 道 公 铁 城际铁 网 线 思 出 走 修 小
    大 家 法 开 县 省 满 进 古 主 校 母 花 校园 公共 开放式 封闭式 住宅 居民 村民 农贸 菜 房
    普惠 普惠性 普惠制 公益性 盈利性 营利性 非营利性 私营 托育 早教 双语 寄宿制 九年制 人才
    劳动力 二手 二手房 小产权 商住 养老 老年 残疾人 儿童 妇幼 精神病 私人 民营 国有
""".split())
_NOT_ROAD = tuple("铁公马道线网思走修条泥油青速干头字")  # 铁路, 公路, 马路, 水泥路 …
_DROP_SUFFIX_FOR_KEY = ("小区",)
MIN_TAIL = 3  # shortest tail of a longer name that still identifies a place (伊景园滨河苑 → 滨河苑)
_COUNTED = re.compile(r"^[0-9一二三四五六七八九十百千两几多]+[所个家条座栋号间片处]")
_PHASE = re.compile(r"(?:[一二三四五六七八九十0-9]+期|[东西南北][区苑]|[A-Za-z0-9]+[区栋])$")
# Names made of a number and words, such as 58车贷 (not 3号线, 20万元 or the 12345 hotline).
_BRAND = re.compile(r"(?<![A-Za-z0-9])([0-9][0-9A-Za-z]*)([一-龥]{2})")
_UNIT = frozenset("后前以年月日号栋路个万元户人岁天次期楼层米公千亿多余家所条辆位平套间分秒点时周届级区"
                  "克斤吨度座项批名台部篇张小倍成折")
_HOTLINES = frozenset({"12345", "110", "119", "120", "12315", "12333", "12369", "114"})


def extract_places(text):
    """Return the specific place names in ``text`` (XX小区 → XX; 金星北路; 砂子塘小学 …)."""
    text = _AREA.sub("，", text or "")
    found = set()
    for chunk in _NOT_NAME.split(text):
        start = 0  # where the next name may begin: after the last name or coarse area
        for match in _SUFFIX.finditer(chunk):
            name = chunk[max(start, match.start() - MAX_NAME):match.start()]
            breaks = list(_BREAK.finditer(name))
            if breaks:
                name = name[breaks[-1].end():]
            name = _COUNTED.sub("", name)
            if match.group("coarse"):
                start = match.end()
                continue
            suffix = match.group("suffix")
            name = _PHASE.sub("", name) if suffix in _DROP_SUFFIX_FOR_KEY else name
            if len(name) < 2 or name in _GENERIC or (
                    suffix.startswith(("路", "街", "大道")) and name.endswith(_NOT_ROAD)):
                continue  # a kind of place, or a suffix inside a longer name (城南路)
            start = match.end()
            found.add(name if suffix in _DROP_SUFFIX_FOR_KEY else name + suffix)
    for match in _BRAND.finditer(text):
        number, words = match.groups()
        if words[0] not in _UNIT and number not in _HOTLINES and len(number) <= 6:
            found.add(number + words)
    return frozenset(found)


def _tails(key):
    return [key[i:] for i in range(1, len(key) - MIN_TAIL + 1)]


# --- text vectors ---------------------------------------------------------------------------


def _bigrams(text):
    grams = []
    for chunk in _NOT_NAME.split(text.lower()):
        if len(chunk) == 1:
            grams.append(chunk)
        grams.extend(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return grams


def document(item):
    return f"{item.title}。{item.title}。{item.text[:TEXT_CHARS]}"


def vectorise(items):
    """Return the L2-normalised TF-IDF matrix of the items (one row each)."""
    # Imported here, not at the top: the URLconf imports this module, and scikit-learn
    # would cost every web worker ~90 MiB that only the hot-issue pages use.
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=_bigrams, sublinear_tf=True, min_df=1,
                                 max_df=0.5 if len(items) > 50 else 1.0, dtype=np.float32)
    try:
        return vectoriser.fit_transform([document(item) for item in items])
    except ValueError:  # no bigram at all (empty texts)
        return sparse.csr_matrix((len(items), 1), dtype=np.float32)


def _pair_similarity(matrix, left, right):
    if not len(left):
        return np.zeros(0, dtype=np.float32)
    return np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel()


# --- grouping ----------------------------------------------------------------------------------


class _Components:
    """Union-find that refuses a union joining two items kept apart."""

    def __init__(self, n, apart):
        self.parent = list(range(n))
        self.members = {i: {i} for i in range(n)}
        self.apart = apart  # index -> set of indexes

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i, j):
        a, b = self.find(i), self.find(j)
        if a == b:
            return
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        if self.apart and any(self.apart.get(m, set()) & self.members[a] for m in self.members[b]):
            return
        self.parent[b] = a
        self.members[a] |= self.members.pop(b)


def _candidate_pairs(given, named):
    """Return index pairs that share a place: the same given place, or a named place that
    is equal to or ends another (伊景园滨河苑 / 滨河苑)."""
    full, tail = defaultdict(set), defaultdict(set)
    for index, keys in enumerate(given):
        for key in keys:
            full[("given", key)].add(index)
    for index, keys in enumerate(named):
        for key in keys:
            full[key].add(index)
            for suffix in _tails(key):
                tail[suffix].add(index)
    pairs = set()
    for key, holders in full.items():
        others = holders | tail.get(key, set())
        for i in holders:
            for j in others:
                if i != j:
                    pairs.add((i, j) if i < j else (j, i))
    return pairs


def _high_pairs(matrix, days, threshold, window_days, chunk=500):
    """Return (i, j, similarity) for index pairs i < j at most ``window_days`` apart whose
    similarity reaches ``threshold``: X·Xᵀ in blocks of items close in time."""
    order = np.argsort(days, kind="stable")
    ordered_days = days[order]
    ordered = matrix[order]
    found = []
    for start in range(0, len(order), chunk):
        stop = min(start + chunk, len(order))
        # every item within the window of this block's items, in time order
        low = np.searchsorted(ordered_days, ordered_days[start] - window_days, side="left")
        high = np.searchsorted(ordered_days, ordered_days[stop - 1] + window_days, side="right")
        block = (ordered[start:stop] @ ordered[low:high].T).toarray()
        rows, cols = np.nonzero(block >= threshold)
        i, j = order[rows + start], order[cols + low]
        keep = i < j
        found.extend(zip(i[keep].tolist(), j[keep].tolist(), block[rows[keep], cols[keep]].tolist()))
    return found


def group_items(items, *, now=None, window_days=WINDOW_DAYS, kept_apart=(), extract=True):
    """Return the groups of ``items``, hottest first (every item is in exactly one group).

    ``kept_apart`` holds pairs of item keys that must not share a group. With
    ``extract`` the place names in each text are added to the item's place keys.
    """
    items = list(items)
    if not items:
        return []
    now = now or max(item.at for item in items)
    given = [frozenset(item.places) for item in items]
    named = [extract_places(f"{item.title}。{item.text[:EXTRACT_CHARS]}") if extract
             else frozenset() for item in items]
    matrix = vectorise(items)
    days = np.array([item.at.timestamp() / 86400 for item in items])
    index_of = {item.key: i for i, item in enumerate(items)}
    apart = defaultdict(set)
    for a, b in kept_apart:
        if a in index_of and b in index_of:
            apart[index_of[a]].add(index_of[b])
            apart[index_of[b]].add(index_of[a])

    def needed(i, j, shares_place):
        """Return the similarity two items in the window need to be linked."""
        if given[i] and given[j] and not given[i] & given[j]:
            return COPY_SIMILARITY  # raised in different compounds: only near copies
        if shares_place:
            return PLACE_SIMILARITY
        if (given[i] or named[i]) and (given[j] or named[j]):
            return COPY_SIMILARITY  # each names a place, and not the same one
        return TEXT_SIMILARITY

    shared = _candidate_pairs(given, named)
    edges = []
    if shared:
        left, right = map(np.array, zip(*sorted(shared)))
        scores = _pair_similarity(matrix, left, right)
        for i, j, score in zip(left.tolist(), right.tolist(), scores.tolist()):
            if abs(days[i] - days[j]) <= window_days and score >= needed(i, j, True):
                edges.append((score, i, j))
    for i, j, score in _high_pairs(matrix, days, TEXT_SIMILARITY, window_days):
        if (i, j) not in shared and abs(days[i] - days[j]) <= window_days \
                and score >= needed(i, j, False):
            edges.append((score, i, j))
    edges.sort(key=lambda e: (-e[0], e[1], e[2]))

    components = _Components(len(items), apart)
    for _score, i, j in edges:
        components.union(i, j)

    groups = []
    for members in components.members.values():
        for core, centrality in _cohere(sorted(members), matrix):
            groups.append(_build(items, core, centrality, named, now))
    groups.sort(key=lambda g: (-g.heat, -g.count, g.representative.at, str(g.representative.key)))
    return groups


def _cohere(members, matrix):
    """Split off members that do not read like their group: yield (members, centrality)."""
    if len(members) == 1:
        yield members, {members[0]: 1.0}
        return
    rows = matrix[members]
    centroid = np.asarray(rows.mean(axis=0)).ravel()
    centroid /= np.linalg.norm(centroid) or 1.0
    centrality = dict(zip(members, (rows @ centroid).tolist()))
    core = [m for m in members if centrality[m] >= CORE_SIMILARITY]
    if len(core) < 2:
        core = []
    if core:
        yield core, centrality
    for m in members:
        if m not in core:
            yield [m], {m: 1.0}


def _build(items, members, centrality, places, now):
    ordered = sorted(members, reverse=True, key=lambda i: (
        items[i].priority, centrality[i], -items[i].at.timestamp()))
    chosen = [items[i] for i in ordered]
    return Group(items=chosen, place=_place_of(chosen, [places[i] for i in ordered]),
                 heat=heat(chosen, now=now))


def _place_of(items, places):
    """Return the place the group is about: the given place most members share, else the
    named place most members mention in their titles, else in their texts (a longer name
    counts for the shorter one it ends with)."""
    labels = Counter(item.place_label for item in items if item.place_label)
    if labels:
        return labels.most_common(1)[0][0]
    in_titles = [extract_places(item.title) for item in items]
    return _most_shared(in_titles, len(items)) or _most_shared(places, len(items))


def _most_shared(places, size):
    counts = Counter()
    for keys in places:
        seen = set()
        for key in keys:
            seen.add(key)
            seen.update(_tails(key))
        counts.update(seen)
    named = {key for keys in places for key in keys}
    counts = {key: n for key, n in counts.items() if key in named}
    if not counts:
        return ""
    most = max(counts.values())
    if most < 2 and size > 1:
        return ""
    # The fullest name that most of those members use (伊景园滨河苑 rather than 滨河苑).
    return max((len(key), n, key) for key, n in counts.items() if n >= 0.6 * most)[2]


# --- describing a group ----------------------------------------------------------------------

_STOP_TERMS = frozenset("""
    问题 反映 关于 请求 希望 投诉 咨询 建议 市民 业主 情况 相关 部门 政府 领导 解决 严重 存在
    为何 什么 一下 能否 是否 我们 请问 要求 举报 处理 怎么 如何 为什么 何时 恳请 强烈 尊敬
    书记 市长 局长 呼吁 迫切 能不能 可否 申请 管理 有关 以及 进行 没有 还是 小区 社区 街道
    一系列 附近 周边 居民 群众 老百姓 网友
""".split())
_TERM = re.compile(r"^[一-龥]{2,}$")


def describe(groups, *, terms=3):
    """Fill in each group's ``terms``: the words its titles use most, weighted by rarity."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    for group in groups:
        titles = [_AREA.sub("，", item.title) for item in group.items[:30]]
        names = {group.place} | {key for title in titles for key in extract_places(title)}
        chosen = []
        for word in jieba.analyse.extract_tags("。".join(titles), topK=terms * 4):
            if (not _TERM.match(word) or word in _STOP_TERMS
                    or any(word in name or name and name in word for name in names)):
                continue
            chosen.append(word)
            if len(chosen) == terms:
                break
        group.terms = chosen
    return groups
