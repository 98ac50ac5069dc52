"""Check a result before it is published (issue 5, part 3): does the reply address what the
resident asked, does it say on what basis and to what standard, and is it late?

The check warns; it never refuses. Relevance is measured on the shipped taidi2020 replies
(``bench/reply_check.py`` writes ``data/reply_calibration.json``):

* Text is cut into character bigrams (Chinese needs no word segmenter for this) and
  weighted by TF-IDF, with the IDF learnt from the 2,816 questions and replies of
  ``messages_with_replies``. Greetings, thanks and "现将有关情况答复如下" are stripped
  first: they are in every reply and say nothing about the question.
* A raw cosine between question and reply favours long, generic replies, so the score is
  a z-score: how many standard deviations the reply is closer to *this* question than to
  2,801 other residents' questions (``messages_unlabelled``). A reply about school
  enrolment is close to school questions, not to a parking complaint.
* The threshold flags 5 % of real, substantive replies (mostly "已转相关部门" answers
  that indeed do not address the question).
"""

import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import cache

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tongxin.core.masking import mask_contacts_in_text
from tongxin.matters.selectors import text_as_seen
from tongxin.triage.datasets import DATA, rows

CALIBRATION_FILE = DATA / "reply_calibration.json"
WARNING = "warning"  # holds publishing on the page until the handler confirms

# --- boilerplate ---------------------------------------------------------------------------------

_SENTENCES = re.compile(r"(?<=[。！!？?；;\n])")
# "……现将有关情况答复如下：" – everything up to the last such lead-in near the start.
_LEAD_IN = re.compile(r"^.{0,300}(答复|回复|说明|反馈|回告|函复|通报)(如下|于下)[：:。，,]?", re.S)
_SALUTATION = re.compile(r"^\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(尊敬的)?"
                         r"[^：:，,！!。\n]{0,24}?[：:，,]?\s*(您好|你好)[！!，,。：:\s]*")
_BOILERPLATE = re.compile(
    r"收悉|感谢(您|你)|谢谢(您|你)|此复|特此(回复|答复|函复)|如有(疑问|问题|不明)"
    r"|欢迎(您|你)?(继续|再次)|祝(您|你)|^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*。?\s*$"
)
_BOILERPLATE_MAX = 80  # a longer sentence with "收悉" in it usually carries content too


def strip_boilerplate(text):
    """Return ``text`` without salutations, "答复如下" lead-ins, thanks and sign-offs."""
    text = (text or "").strip()
    for _round in range(3):
        before = text
        text = _SALUTATION.sub("", text, count=1)
        lead = _LEAD_IN.match(text)
        if lead:
            text = text[lead.end():]
        if text == before:
            break
    kept = [s for s in _SENTENCES.split(text)
            if s.strip() and not (len(s) < _BOILERPLATE_MAX and _BOILERPLATE.search(s))]
    return "".join(kept).strip()


_WORD_RUNS = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")


def content_length(text):
    """Return how many letters, digits and Chinese characters ``text`` has."""
    return sum(len(run) for run in _WORD_RUNS.findall(text or ""))


def bigrams(text):
    """Return the character bigrams of ``text`` within runs of letters, digits and hanzi."""
    grams = []
    for run in _WORD_RUNS.findall((text or "").lower()):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def question_text(title, description):
    return f"{title or ''}。{description or ''}"


# --- the relevance model -------------------------------------------------------------------------

_SHIFT = np.uint64(21)  # Unicode code points fit in 21 bits: a bigram is one 42-bit code


def _is_word(chars):
    return (((chars >= 0x3400) & (chars <= 0x9FFF)) | ((chars >= 0x61) & (chars <= 0x7A))
            | ((chars >= 0x30) & (chars <= 0x39)))


def _term_counts(texts):
    """Return (document, term code, count) arrays of the character bigrams of ``texts``
    (as ``bigrams`` cuts them), sorted by document then code. Vectorised with numpy: the
    model is built from 8,400 texts in a fraction of a second."""
    joined = "\x00".join(str(t or "").replace("\x00", " ").lower() for t in texts) + "\x00"
    chars = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    word = _is_word(chars)
    separator = chars == 0
    doc = (np.cumsum(separator) - separator).astype(np.uint64)  # a separator ends its text
    pair = word[:-1] & word[1:]
    codes = (chars[:-1] << _SHIFT) | chars[1:]
    before = np.r_[False, word[:-1]]
    after = np.r_[word[1:], False]
    single = word & ~before & ~after  # a one-character run counts as itself
    keys = np.r_[(doc[:-1][pair] << np.uint64(42)) | codes[pair],
                 (doc[single] << np.uint64(42)) | (chars[single] << _SHIFT)]
    keys, counts = np.unique(keys, return_counts=True)
    return (keys >> np.uint64(42)).astype(np.intp), keys & np.uint64((1 << 42) - 1), counts


class BigramTfidf:
    """Character-bigram TF-IDF (sublinear tf, smooth idf, L2 rows), like scikit-learn's
    TfidfVectorizer(analyzer=bigrams, sublinear_tf=True) but built with numpy alone."""

    def __init__(self, texts):
        _docs, codes, _counts = _term_counts(texts)
        self.codes, df = np.unique(codes, return_counts=True)
        self.idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)

    def transform(self, texts):
        from scipy.sparse import csr_matrix

        docs, codes, counts = _term_counts(texts)
        columns = np.searchsorted(self.codes, codes)
        known = columns < len(self.codes)
        known[known] = self.codes[columns[known]] == codes[known]
        docs, columns, counts = docs[known], columns[known], counts[known]
        weights = (1 + np.log(counts)).astype(np.float32) * self.idf[columns]
        norms = np.sqrt(np.bincount(docs, weights=weights ** 2, minlength=len(texts)))
        weights /= np.where(norms > 0, norms, 1)[docs]
        indptr = np.r_[0, np.cumsum(np.bincount(docs, minlength=len(texts)))]
        return csr_matrix((weights, columns, indptr), shape=(len(texts), len(self.codes)))


@dataclass(frozen=True)
class Model:
    vectorizer: BigramTfidf
    background: object  # transposed TF-IDF rows of other residents' questions (terms × questions)


@cache
def model():
    """Build the TF-IDF model from the shipped data (well under a second, once per process)."""
    pairs = rows("messages_with_replies")
    docs = [question_text(r["留言主题"], r["留言详情"]) for r in pairs]
    docs += [strip_boilerplate(r["答复意见"]) for r in pairs]
    vectorizer = BigramTfidf(docs)
    background = vectorizer.transform(
        [question_text(r["留言主题"], r["留言详情"]) for r in rows("messages_unlabelled")])
    return Model(vectorizer, background.T.tocsr())


def relevance_scores(questions, replies):
    """Return (cosine, z) arrays for pairs of question and reply texts (replies already
    stripped of boilerplate). z is NaN for a reply with no words."""
    m = model()
    q = m.vectorizer.transform(questions)
    r = m.vectorizer.transform(replies)
    cosine = np.asarray(q.multiply(r).sum(axis=1)).ravel()
    others = (r @ m.background).toarray()
    spread = others.std(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (cosine - others.mean(axis=1)) / spread
    z[(spread == 0) | (r.getnnz(axis=1) == 0)] = np.nan
    return cosine, z


# --- basis and standard --------------------------------------------------------------------------

# A rule named precisely: a title in 《》, an article number, a national or local standard
# number, or a document number such as 〔2019〕2号.
_CITATION = re.compile(
    r"《[^》]{2,60}》|第[一二三四五六七八九十百千零〇两\d]+[条款章项节]"
    r"|(GB|CJJ|CJ|JGJ|DB)\s*/?\s*T?\s*\d|[〔\[［（(【]\s*(19|20)\d\d\s*[〕\]］）)】]\s*\d+\s*号"
)
# A rule named in words: "物业服务合同", "党群议事会决议", "消防法".
_RULE_WORD = re.compile(
    r"条例|办法|规定|细则|规范|标准|公约|章程|决议|决定|纪要|合同|协议|法典"
    r"|(?<![方无做依执违合非说想设司立守办手看写用算])法(?![律规院定人治制官])"
)
_TRIGGER = re.compile(r".*(按照|根据|依据|依照|遵照|参照|遵循|经过|经|按|据|依)")
_VAGUE = re.compile(r"^(相关|有关|上级|国家|法律|政策|现行|各项|具体|明确|研究|会议|文件|要求"
                    r"|的|等|及)+|(相关|有关|的|等|及)+$")
_EMPTY_WORDS = frozenset({
    "无", "暂无", "没有", "略", "同上", "见上", "见上文", "如上", "同前", "不详", "待定", "其他",
    "其它",
    "按规定", "按相关规定", "按有关规定", "根据规定", "根据相关规定", "依据相关规定", "相关规定",
    "有关规定", "按要求", "按照要求", "按上级要求", "依法", "依规", "依法依规", "已处理", "已完成",
    "已解决", "已办结", "处理完毕", "完成", "合格", "达标", "好", "是", "否", "ok", "na", "none",
})


def cites_rule(text):
    """Return whether ``text`` names a rule, standard, contract or decision (not just
    "按相关规定")."""
    text = text or ""
    if _CITATION.search(text):
        return True
    for match in _RULE_WORD.finditer(text):
        before = re.findall(r"[\u3400-\u9fffA-Za-z0-9]*$", text[:match.start()])[0][-12:]
        name = _TRIGGER.sub("", before)[-8:]
        previous = None
        while name != previous:
            previous, name = name, _VAGUE.sub("", name)
        if content_length(name) >= 2:
            return True
    return False


def is_boilerplate(text):
    """Return whether ``text`` is empty or a stock phrase that says nothing ("无", "按规定")."""
    words = "".join(_WORD_RUNS.findall((text or "").lower()))
    return len(words) < 2 or words in _EMPTY_WORDS


# --- calibration ---------------------------------------------------------------------------------


@cache
def calibration():
    """Return the figures ``bench/reply_check.py`` measured (thresholds, baseline)."""
    with open(CALIBRATION_FILE, encoding="utf-8") as f:
        return json.load(f)


# --- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing to look at before publishing: a stable code, a translated message."""

    code: str
    severity: str
    message: str
    score: float | None = None

    def as_dict(self):
        return asdict(self)


def _rounded(value):
    return None if value is None or math.isnan(value) else round(float(value), 2)


def _duration(delta):
    hours = max(1, math.ceil(delta.total_seconds() / 3600))
    if hours < 24:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = math.ceil(hours / 24)
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _stage_label(stage):
    from tongxin.deadlines.choices import Stage

    try:
        return str(Stage(stage).label)
    except ValueError:
        return str(Stage.HANDLE.label)


def _relevance(matter, what_was_done, standard, user=None):
    content = strip_boilerplate(what_was_done)
    settings = calibration()["relevance"]
    if content_length(content) < settings["min_content_chars"]:
        return Finding("reply_empty", WARNING, _(
            "“What was done” is empty or only greetings and thanks. Describe what was "
            "actually done about the matter."), content_length(content))
    # The standard says what the result is ("消防通道畅通"); the basis names a rule, whose
    # title may share words with any question on its subject, so it does not count here.
    reply = "。".join([content, standard or ""])
    question = question_text(matter.title, matter.description)
    _cosine, z = relevance_scores([question], [reply])
    score = _rounded(z[0])
    if score is None or score < settings["threshold"]:
        # The worker reads what seems missing in the matter's own words; the score stays
        # in the finding (and the event's data), never in the message.
        return Finding("low_relevance", WARNING, _relevance_message(matter, reply, user), score)
    return None


def _title_as_seen(matter, user):
    """Return the title as ``user`` may read it (matters.selectors.text_as_seen); with no
    reader known, with its phone and ID numbers masked."""
    if user is None:
        return mask_contacts_in_text(matter.title)
    return text_as_seen(matter, user).title


def _relevance_message(matter, reply, user=None):
    terms = missing_terms(matter, reply)
    if terms:
        return _("The reply does not say what was done about %(terms)s, which the resident "
                 "raised. Say what was done about it and how it turned out.") % {
                     "terms": "、".join(f"“{term}”" for term in terms)}
    return _("The reply does not seem to answer what the resident raised: “%(title)s”. "
             "Say what was done about it and how it turned out.") % {
                 "title": _title_as_seen(matter, user)}


# Words of almost every message that say nothing about this one ("问题", "小区", "希望").
_STOP_TERMS = frozenset("""
    问题 反映 关于 请求 希望 投诉 咨询 建议 市民 业主 情况 相关 部门 政府 领导 解决 严重 存在
    为何 什么 一下 能否 是否 我们 请问 要求 举报 处理 怎么 如何 为什么 何时 恳请 强烈 尊敬
    呼吁 迫切 能不能 可否 申请 管理 有关 以及 进行 没有 还是 小区 社区 街道 附近 周边 居民
    群众 老百姓 网友 已经 一直 现在 每天 天天 晚上 每天晚上 白天 时候 星期 一个 多月 经常
    非常 导致 困难 麻烦 影响 物业 业委会 网格员
""".split())
_TERM = re.compile(r"^[\u3400-\u9fff]{2,}$")
# Nouns, names, verbal nouns and set phrases: what a matter is about, not how it is told.
_KEY_POS = ("n", "nr", "ns", "nt", "nz", "vn", "nw", "an", "l", "i")


def missing_terms(matter, reply, limit=3):
    """Return up to ``limit`` key words of the matter that ``reply`` does not use, most
    telling first, e.g. ["路灯", "灯不亮"]: the nouns and set phrases jieba ranks highest
    by TF-IDF in its title and description (jieba ships its dictionary)."""
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    reply = reply or ""
    terms = []
    text = question_text(matter.title, matter.description)
    for term in jieba.analyse.extract_tags(text, topK=limit * 5, allowPOS=_KEY_POS):
        if (not _TERM.match(term) or term in _STOP_TERMS or term in reply
                or any(term in kept or kept in term for kept in terms)):
            continue
        terms.append(term)
        if len(terms) == limit:
            break
    return terms


def _basis_and_standard(basis, standard):
    findings = []
    if is_boilerplate(basis):
        findings.append(Finding("basis_missing", WARNING, _(
            "The basis is empty or a stock phrase (“%(text)s”). Name the rule, decision or "
            "agreement the result rests on.") % {"text": (basis or "").strip()[:40]}))
    elif not cites_rule(basis) and not cites_rule(standard):
        findings.append(Finding("basis_no_rule", WARNING, _(
            "The basis names no rule: give the regulation, standard, contract or meeting "
            "decision, e.g. 《…条例》第…条 or “党群议事会决议”.")))
    if is_boilerplate(standard):
        findings.append(Finding("standard_missing", WARNING, _(
            "The standard is empty or a stock phrase (“%(text)s”). Say what the result must "
            "meet, so that the inspectors can check it.")
            % {"text": (standard or "").strip()[:40]}))
    return findings


def _lateness(matter, now):
    due = getattr(matter, "due_at", None)
    if not due or now <= due:
        return None
    late = now - due
    return Finding("late", WARNING, _(
        "Late: the deadline to “%(stage)s” was %(due)s; the result comes %(late)s after it. "
        "Say in the reply why it took longer.") % {
            "stage": _stage_label(getattr(matter, "stage", "")),
            "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
            "late": _duration(late)}, round(late.total_seconds() / 86400, 2))


def check(matter, *, what_was_done, basis, standard, now=None, user=None):
    """Return the findings about a result before it is published (an empty list if none).

    ``matter`` needs ``title``, ``description``, ``due_at`` and ``stage``; nothing is
    written. Run it before ``services.resolve``, which clears the deadline. A message
    that quotes the matter quotes it as ``user`` (who records the result) may read it."""
    findings = [_relevance(matter, what_was_done, standard, user),
                *_basis_and_standard(basis, standard),
                _lateness(matter, now or timezone.now())]
    return [f for f in findings if f is not None]


def warnings_in(findings):
    return [f for f in findings if f.severity == WARNING]


# --- reply times ---------------------------------------------------------------------------------

# Histogram buckets in days: [lower, upper), the last one open.
BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 15), (15, 30), (30, 60), (60, 90), (90, 180), (180, None))
WORKING_DAYS_TARGET = 15


def parse_time(value):
    """Parse the data set's "2019/4/25 9:32:09" (also "2019-04-08 08:37:20", "2018/4/24")."""
    value = value.strip().replace("-", "/")
    for pattern in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise ValueError(value)


def reply_time_figures(pairs):
    """Return the distribution of reply times for (asked, answered) datetime pairs.

    Working days are Monday to Friday (the data set's public holidays are not known)."""
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None and b >= a]
    count = len(pairs)
    figures = {"count": count, "median_days": None, "p75_days": None, "p90_days": None,
               "mean_days": None, "within_working_days": WORKING_DAYS_TARGET,
               "within_share": None, "buckets": []}
    days = np.array([(b - a) / timedelta(days=1) for a, b in pairs], dtype=float)
    for lower, upper in BUCKETS:
        n = int(((days >= lower) & (days < (upper if upper is not None else np.inf))).sum())
        figures["buckets"].append({"lower": lower, "upper": upper, "count": n,
                                   "share": round(n / count, 4) if count else None})
    if not count:
        return figures
    working = np.busday_count([a.date() for a, _b in pairs], [b.date() for _a, b in pairs])
    p50, p75, p90 = np.percentile(days, [50, 75, 90])
    figures.update(median_days=round(float(p50), 2), p75_days=round(float(p75), 2),
                   p90_days=round(float(p90), 2), mean_days=round(float(days.mean()), 2),
                   within_share=round(float((working <= WORKING_DAYS_TARGET).mean()), 4))
    return figures


def data_set_pairs():
    """Return (asked, answered) naive datetimes of the shipped replies data set."""
    return [(parse_time(r["留言时间"]), parse_time(r["答复时间"]))
            for r in rows("messages_with_replies")]
