"""Calibrate the reply check on the shipped replies data set and print the figures.

    .venv/bin/python bench/reply_check.py            # measure, print, write the JSON
    .venv/bin/python bench/reply_check.py --dry-run  # measure and print only

Writes tongxin/triage/data/reply_calibration.json, which tongxin.triage.replies reads:

* relevance: the z-score of every real (question, reply) pair against mismatched pairs
  (each question with the reply of another message, a fixed derangement) and against
  hard mismatches (the reply of the most similar other question, near-duplicates
  excluded); ROC AUC of both, and the threshold that flags 5 % of the real, substantive
  replies. Short handler texts are simulated by cutting the real replies.
* basis: how often real replies name a rule (《…》, 第…条, a standard or document number,
  or a named 条例/办法/合同/决议 …) rather than "按相关规定".
* reply_time: the distribution of days from 留言时间 to 答复时间 (the district baseline).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

from sklearn.metrics import roc_auc_score  # noqa: E402

from tongxin.triage import replies  # noqa: E402
from tongxin.triage.datasets import rows  # noqa: E402

SEED = 20200425
FALSE_FLAG_TARGET = 0.05  # share of real, substantive replies the relevance warning may flag
MIN_CONTENT_CHARS = 4  # below this, "what was done" says nothing (after boilerplate)
NEAR_DUPLICATE = 0.6  # question cosine above which another message asks the same thing
CUTS = (20, 40, 80, 150)  # real replies cut to this many characters


def derangement(n, rng):
    order = list(range(n))
    rng.shuffle(order)
    return [order[i] if order[i] != i else order[(i + 1) % n] for i in range(n)]


def floor2(value):
    return float(np.floor(float(value) * 100) / 100)


def share(mask):
    return round(float(np.mean(mask)), 4)


def measure_relevance(pairs):
    stripped = [replies.strip_boilerplate(r["答复意见"]) for r in pairs]
    lengths = [replies.content_length(s) for s in stripped]
    keep = [i for i, n in enumerate(lengths) if n >= MIN_CONTENT_CHARS]
    questions = [replies.question_text(pairs[i]["留言主题"], pairs[i]["留言详情"]) for i in keep]
    answers = [stripped[i] for i in keep]
    n = len(keep)

    _cos, true_z = replies.relevance_scores(questions, answers)
    other = derangement(n, random.Random(SEED))
    _cos, random_z = replies.relevance_scores(questions, [answers[j] for j in other])

    vectors = replies.model().vectorizer.transform(questions)
    similar = (vectors @ vectors.T).toarray()
    np.fill_diagonal(similar, -1)
    similar[similar >= NEAR_DUPLICATE] = -1
    hard = similar.argmax(axis=1)
    _cos, hard_z = replies.relevance_scores(questions, [answers[j] for j in hard])

    # The largest value below which at most 5 % of the real replies fall.
    threshold = floor2(np.percentile(true_z, 100 * FALSE_FLAG_TARGET, method="lower"))
    y = np.r_[np.ones(n), np.zeros(n)]
    # Handlers write shorter texts than these official replies. Cutting a real reply to its
    # first N characters keeps mostly the scene-setting ("经现场核实，…"), so these rates are
    # a pessimistic bound for short texts, not a separate calibration: one threshold holds.
    by_length = []
    for cut in CUTS:
        _cos, cut_true = replies.relevance_scores(questions, [a[:cut] for a in answers])
        _cos, cut_random = replies.relevance_scores(questions, [answers[j][:cut] for j in other])
        cut_true, cut_random = np.nan_to_num(cut_true, nan=-99), np.nan_to_num(cut_random, nan=-99)
        by_length.append({
            "chars": cut,
            "auc_random": round(float(roc_auc_score(y, np.r_[cut_true, cut_random])), 4),
            "true_flagged": share(cut_true < threshold),
            "random_caught": share(cut_random < threshold)})
    flagged = true_z < threshold
    forwarded = [i for i in np.flatnonzero(flagged) if "转" in answers[i] and len(answers[i]) < 120]
    return {
        "method": "char-bigram TF-IDF (IDF from the data set's questions and stripped replies); "
                  "z-score of the question-reply cosine against the reply's cosine with "
                  "2,801 other questions (messages_unlabelled)",
        "min_content_chars": MIN_CONTENT_CHARS,
        "threshold": threshold,
        "pairs": len(pairs),
        "boilerplate_only": len(pairs) - n,
        "boilerplate_only_share": round((len(pairs) - n) / len(pairs), 4),
        "substantive_pairs": n,
        "auc_random": round(float(roc_auc_score(y, np.r_[true_z, random_z])), 4),
        "auc_hard": round(float(roc_auc_score(y, np.r_[true_z, hard_z])), 4),
        "true_flagged": share(flagged),
        "true_flagged_forwarded_only": round(len(forwarded) / max(1, int(flagged.sum())), 4),
        "all_true_flagged": round((len(pairs) - n + int(flagged.sum())) / len(pairs), 4),
        "random_caught": share(random_z < threshold),
        "hard_caught": share(hard_z < threshold),
        "true_z_percentiles": {str(p): round(float(np.percentile(true_z, p)), 3)
                               for p in (1, 5, 10, 25, 50)},
        "cut_replies": by_length,
    }


def measure_basis(pairs):
    texts = [replies.strip_boilerplate(r["答复意见"]) for r in pairs]
    texts = [t for t in texts if replies.content_length(t) >= MIN_CONTENT_CHARS]
    precise = [bool(replies._CITATION.search(t)) for t in texts]
    named = [replies.cites_rule(t) for t in texts]
    vague = [not c and any(w in t for w in ("规定", "依据", "根据", "按照", "政策", "依法"))
             for t, c in zip(texts, named)]
    return {"replies": len(texts), "cite_rule_share": share(named),
            "precise_citation_share": share(precise), "vague_only_share": share(vague)}


def measure_speed(pairs, calls=200):
    rng = random.Random(SEED)
    sample = rng.sample(list(pairs), calls)
    replies.check(SimpleNamespace(title="预热", description="预热", due_at=None, stage=""),
                  what_was_done="预热一下", basis="无", standard="无")
    timings = []
    for r in sample:
        matter = SimpleNamespace(title=r["留言主题"], description=r["留言详情"], due_at=None,
                                 stage="")
        start = time.perf_counter()
        replies.check(matter, what_was_done=r["答复意见"], basis="《物业管理条例》第四十五条",
                      standard="通道畅通")
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(0.95 * len(timings)) - 1], 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print only, write nothing")
    args = parser.parse_args()

    pairs = rows("messages_with_replies")
    start = time.perf_counter()
    replies.model()
    build_seconds = time.perf_counter() - start
    relevance = measure_relevance(pairs)
    result = {
        "data_set": "messages_with_replies (taidi2020), 2,816 messages with official replies",
        "generated_by": "bench/reply_check.py",
        "relevance": relevance,
        "basis": measure_basis(pairs),
        "reply_time": replies.reply_time_figures(replies.data_set_pairs()),
    }
    if not args.dry_run:
        replies.CALIBRATION_FILE.write_text(
            json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        replies.calibration.cache_clear()
    speed = measure_speed(pairs) if not args.dry_run else {}

    r, b, t = relevance, result["basis"], result["reply_time"]
    print(f"model built in {build_seconds:.2f} s (once per process)")
    print(f"pairs {r['pairs']}, boilerplate-only replies {r['boilerplate_only']} "
          f"({r['boilerplate_only_share']:.1%}), substantive {r['substantive_pairs']}")
    print(f"relevance AUC: true vs mismatched {r['auc_random']:.4f}, "
          f"true vs most-similar other question {r['auc_hard']:.4f}")
    print(f"threshold z < {r['threshold']:.2f}: flags {r['true_flagged']:.1%} of substantive "
          f"true replies ({r['true_flagged_forwarded_only']:.0%} of those are 'forwarded' "
          f"notes), {r['all_true_flagged']:.1%} of all true replies incl. boilerplate-only; "
          f"catches {r['random_caught']:.1%} of mismatched, {r['hard_caught']:.1%} of hard")
    print("real replies cut to their first N characters (pessimistic): " + "; ".join(
        f"{x['chars']}: flags {x['true_flagged']:.1%} of true, catches {x['random_caught']:.1%} "
        f"of mismatched (AUC {x['auc_random']:.3f})" for x in r["cut_replies"]))
    print(f"basis: {b['cite_rule_share']:.1%} of substantive replies name a rule "
          f"({b['precise_citation_share']:.1%} precisely: 《》, 第…条, standard or document "
          f"number); {b['vague_only_share']:.1%} only say 按规定/根据… without naming one")
    print(f"reply time over {t['count']} replies: median {t['median_days']} days, "
          f"p75 {t['p75_days']}, p90 {t['p90_days']}, mean {t['mean_days']}; "
          f"within {t['within_working_days']} working days {t['within_share']:.1%}")
    print("buckets: " + ", ".join(
        f"[{x['lower']},{x['upper'] or '∞'}) {x['count']}" for x in t["buckets"]))
    if speed:
        print(f"check(): median {speed['median_ms']} ms, p95 {speed['p95_ms']} ms per call")
    if not args.dry_run:
        print(f"wrote {replies.CALIBRATION_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
