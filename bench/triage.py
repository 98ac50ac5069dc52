#!/usr/bin/env python3
"""Benchmark the category suggester against the character TF-IDF floor.

    .venv/bin/python bench/triage.py [--folds 5] [--repeats 3] [--ideas] [--messages 500]

On the 2,796 labelled messages shipped in tongxin/triage/data (seven top-level kinds),
with the same repeated stratified k-fold splits for every model: macro-F1 and top-3
accuracy (mean ± sd over all folds), the paired difference to the floor, and the
calibration of the suggester's confidence; then the training time on all of the data
and the speed of suggesting one message at a time on one core. ``--ideas`` adds the
ablations bench/README.md reports (what helped and by how much). Prints figures,
asserts nothing. No network, no database.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

# One core for everything: the figure that matters is one web worker's.
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold  # noqa: E402

from tongxin.matters.categories import tree_rows  # noqa: E402
from tongxin.triage import corpus  # noqa: E402
from tongxin.triage import suggester as sg  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="repetitions with other seeds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ideas", action="store_true", help="also run the ablations")
    parser.add_argument("--messages", type=int, default=500,
                        help="unseen messages timed one at a time (default %(default)s)")
    return parser.parse_args()


# --- the models under test: fit(train texts, train kinds) -> scores over KINDS ------------


class Data:
    def __init__(self):
        self.texts, kinds = corpus.labelled()
        self.kinds = sorted(set(kinds))
        self.y = np.searchsorted(self.kinds, kinds)
        self.names, self.name_kinds = corpus.name_documents(tree_rows())
        self.unlabelled = None

    def unlabelled_texts(self):
        if self.unlabelled is None:
            self.unlabelled = corpus.unlabelled()
        return self.unlabelled


def on_kinds(model, scores, kinds):
    """Return the columns of ``scores`` for ``kinds``, in that order.

    A model that also knows kinds without labelled messages (from category names)
    may put one of them first: that counts as an error, so such kinds stay in the
    ranking (top-3) and in the argmax as columns no test message belongs to."""
    classes = list(model.classes_)
    own = [classes.index(k) for k in kinds]
    others = [i for i in range(len(classes)) if i not in own]
    return scores[:, own + others]


def floor(data, train, test):
    model = sg.Floor().fit([data.texts[i] for i in train], [data.kinds[k] for k in data.y[train]])
    return on_kinds(model, model.decision([data.texts[i] for i in test]), data.kinds)


def suggester(data, train, test, *, names=True, probabilities=False, unlabelled=False,
              **params):
    texts = [data.texts[i] for i in train]
    kinds = [data.kinds[k] for k in data.y[train]]
    counted = [True] * len(texts)
    if names:
        texts += data.names
        kinds += data.name_kinds
        counted += [False] * len(data.names)
    model = sg.Suggester(**params).fit(
        texts, kinds, counted=counted,
        vocabulary_texts=data.unlabelled_texts() if unlabelled else ())
    test_texts = [data.texts[i] for i in test]
    scores = model.proba(test_texts) if probabilities else model.decision(test_texts)
    return on_kinds(model, scores, data.kinds)


def self_training(data, train, test, threshold=1.0, weight=0.5):
    """Fit, label the unlabelled messages the model is sure of, fit again with them."""
    texts = [data.texts[i] for i in train] + data.names
    kinds = [data.kinds[k] for k in data.y[train]] + data.name_kinds
    counted = [True] * len(train) + [False] * len(data.names)
    first = sg.Suggester(calibration_folds=0).fit(texts, kinds, counted=counted)
    pool = data.unlabelled_texts()
    scores = first.decision(pool)
    top2 = np.sort(scores, axis=1)[:, -2:]
    sure = np.flatnonzero(top2[:, 1] - top2[:, 0] > threshold)
    texts += [pool[i] for i in sure]
    kinds += [str(first.classes_[j]) for j in scores[sure].argmax(1)]
    w = [1.0] * len(counted) + [weight] * len(sure)
    counted += [False] * len(sure)
    model = sg.Suggester(calibration_folds=0).fit(texts, kinds, counted=counted,
                                                  sample_weight=w)
    return on_kinds(model, model.decision([data.texts[i] for i in test]), data.kinds)


# --- measuring -----------------------------------------------------------------------------


def top3(scores, y):
    best = np.argsort(-scores, axis=1)[:, :3]
    return float(np.mean((best == y[:, None]).any(axis=1)))


def calibration(probabilities, y, bins=10):
    """Return (expected calibration error of the top-1 confidence, log loss, accuracy)."""
    p = probabilities / probabilities.sum(axis=1, keepdims=True)
    confidence, predicted = p.max(axis=1), p.argmax(axis=1)
    correct = predicted == y
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    loss = -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)))
    return ece, loss, correct.mean()


def cross_validate(data, splits, name, fit_score, keep=False):
    started = time.perf_counter()
    f1s, t3s, kept = [], [], []
    for train, test in splits:
        scores = fit_score(data, train, test)
        f1s.append(f1_score(data.y[test], scores.argmax(axis=1), average="macro",
                            labels=np.arange(len(data.kinds))))
        t3s.append(top3(scores, data.y[test]))
        if keep:
            kept.append((test, scores))
    seconds = time.perf_counter() - started
    row = {"name": name, "f1": np.array(f1s), "top3": np.array(t3s), "seconds": seconds,
           "kept": kept}
    print(f"{name:44s} {np.mean(f1s):.4f} ± {np.std(f1s, ddof=1):.4f}   "
          f"{np.mean(t3s):.4f} ± {np.std(t3s, ddof=1):.4f}   {seconds:6.1f} s", flush=True)
    return row


def paired(row, base):
    diff = row["f1"] - base["f1"]
    wins = int((diff > 0).sum())
    return (f"{np.mean(diff):+.4f} ± {np.std(diff, ddof=1):.4f} macro-F1 "
            f"(better in {wins} of {len(diff)} folds), top-3 "
            f"{np.mean(row['top3'] - base['top3']):+.4f}")


def speed(model, texts):
    """Time suggestions one message at a time, as a page or a raise does (cold jieba cache)."""
    sg._jieba_words.cache_clear()
    model.top(texts[0])  # warm: imports, jieba's dictionary
    times = []
    for text in texts[1:]:
        started = time.perf_counter()
        model.top(text)
        times.append(time.perf_counter() - started)
    times.sort()
    total = sum(times)
    return {"n": len(times), "per_s": len(times) / total, "mean": 1000 * total / len(times),
            "median": 1000 * statistics.median(times),
            "p95": 1000 * times[int(0.95 * (len(times) - 1))], "max": 1000 * times[-1]}


def main():
    args = parse_args()
    wall = time.perf_counter()
    data = Data()
    print(f"data:      {len(data.texts):,} labelled messages, {len(data.kinds)} kinds; "
          f"{len(data.names)} category-name documents over "
          f"{len(set(data.name_kinds))} top-level kinds")
    print(f"machine:   {platform.machine()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.2f}; Python {platform.python_version()}, one thread")
    cv = RepeatedStratifiedKFold(n_splits=args.folds, n_repeats=args.repeats,
                                 random_state=args.seed)
    splits = list(cv.split(data.texts, data.y))
    print(f"splits:    stratified {args.folds}-fold, repeated {args.repeats} times "
          f"({len(splits)} folds, the same for every model)\n")
    print(f"{'model':44s} {'macro-F1':15s}   {'top-3 accuracy':15s}   {'time':>8s}")
    base = cross_validate(data, splits, "floor: char 1-2 TF-IDF + linear SVM", floor)
    best = cross_validate(data, splits, "suggester (as deployed)",
                          lambda d, tr, te: suggester(d, tr, te, probabilities=True), keep=True)
    rows = [best]
    if args.ideas:
        print("\nideas (each on the same folds; the suggester without its calibration):")
        ideas = [
            ("char 1-2, sublinear tf, min_df 2", dict(features=("chars",), balanced=False,
                                                      names=False)),
            ("+ jieba words", dict(features=("chars", "words"), balanced=False, names=False)),
            ("+ head (first 40 chars)", dict(balanced=False, names=False)),
            ("+ balanced classes", dict(names=False)),
            ("+ category names (= the suggester)", dict()),
            ("  words only", dict(features=("words",), names=False)),
            ("  head of 25 chars", dict(head_chars=25)),
            ("  head of 60 chars", dict(head_chars=60)),
            ("  C = 0.5", dict(C=0.5)),
            ("  C = 2", dict(C=2.0)),
            ("  + unlabelled text in vocabulary and IDF", dict(unlabelled=True)),
        ]
        for label, params in ideas:
            rows.append(cross_validate(
                data, splits, label,
                lambda d, tr, te, p=params: suggester(d, tr, te, calibration_folds=0, **p)))
        rows.append(cross_validate(data, splits, "  + self-training on unlabelled (margin>1)",
                                   self_training))
    print("\npaired difference to the floor, per fold:")
    for row in rows:
        print(f"  {row['name']:42s} {paired(row, base)}")

    y = np.concatenate([data.y[test] for test, _ in best["kept"]])
    p = np.concatenate([scores for _, scores in best["kept"]])
    ece, loss, accuracy = calibration(p, y)
    print(f"\ncalibration of the suggester's top-1 confidence (all test folds): "
          f"ECE {ece:.3f}, log loss {loss:.3f}, mean confidence {p.max(1).mean():.3f} "
          f"vs accuracy {accuracy:.3f}")
    for lo, hi in ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01)):
        inside = (p.max(1) >= lo) & (p.max(1) < hi)
        if inside.any():
            print(f"  confidence {lo:.2f}-{min(hi, 1):.2f}: {inside.mean():6.1%} of messages, "
                  f"right {np.mean(p[inside].argmax(1) == y[inside]):6.1%}")

    texts = data.texts + data.names
    kinds = [data.kinds[k] for k in data.y] + data.name_kinds
    counted = [True] * len(data.texts) + [False] * len(data.names)
    sg._jieba_words.cache_clear()
    started = time.perf_counter()
    model = sg.Suggester().fit(texts, kinds, counted=counted)
    trained = time.perf_counter() - started
    started = time.perf_counter()
    sg.Suggester().fit(texts, kinds, counted=counted)
    retrained = time.perf_counter() - started
    print(f"\ntraining on all {len(data.texts):,} messages + names: {trained:.1f} s "
          f"({retrained:.1f} s again in the same process, jieba's words cached); "
          f"{model.n_features_:,} features, "
          f"{len(model.classes_)} kinds, temperature {model.temperature_:.3f}")
    unseen = corpus.unlabelled()[:args.messages + 1]
    s = speed(model, unseen)
    print(f"one message at a time ({s['n']} unseen messages, one core): {s['per_s']:.0f} "
          f"messages/s; mean {s['mean']:.2f} ms, median {s['median']:.2f} ms, "
          f"p95 {s['p95']:.2f} ms, max {s['max']:.2f} ms")
    started = time.perf_counter()
    model.proba(unseen)
    batch = time.perf_counter() - started
    print(f"in one batch of {len(unseen)}: {len(unseen) / batch:.0f} messages/s")
    print(f"\nwall time: {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
