"""The suggester itself (no database): features, calibration, and the swap rule's arithmetic."""

import os
import subprocess
import sys
from types import SimpleNamespace

import joblib
import numpy as np
import pytest

from tongxin.triage import corpus, training
from tongxin.triage.suggester import Suggester, balanced_weights, normalise


@pytest.fixture(scope="module")
def small():
    texts, kinds = corpus.labelled()
    keep = [i for i, k in enumerate(kinds) if k in ("教育文体", "卫生计生", "环境保护")][:450]
    return [texts[i] for i in keep], [kinds[i] for i in keep]


def test_one_message_is_featurised_exactly_as_the_training_matrix(small):
    texts, _kinds = small
    model = Suggester()
    docs = [normalise(t) for t in texts[:60]]
    matrix = model._training_matrix(docs)
    for n, doc in enumerate(docs[:20]):
        idx, val = model._row(doc)
        row = np.zeros(matrix.shape[1], np.float32)
        row[idx] = val
        assert np.allclose(row, matrix[n].toarray().ravel(), atol=1e-6)


def test_probabilities_are_calibrated_on_out_of_fold_scores(small):
    texts, kinds = small
    model = Suggester().fit(texts, kinds)
    assert model.oof_scores_.shape == (len(texts), 3) and model.temperature_ != 1.0
    p = model.proba(["学校食堂的饭菜不卫生，孩子吃了拉肚子"])[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    top = model.top("小学老师在校外办补习班收费", k=2)
    assert top[0][0] == "教育文体" and top[0][1] > top[1][1]


def test_anonymised_places_and_digits_are_folded():
    assert normalise("Ａ市A3区K8县 2019年5月") == "□□□ 0年0月"


def test_kinds_known_only_by_name_are_not_weighted_up():
    y = np.array([0] * 9 + [1, 2])
    counted = np.array([True] * 10 + [False])
    weights = balanced_weights(y, counted)
    assert weights[10] == 1.0  # a name document
    assert weights[9] == 3.0  # one record of a kind: capped at 3, not 10 / (2 * 1) = 5
    assert weights[0] == pytest.approx(10 / (2 * 9))


def test_one_record_in_five_is_held_out_and_always_the_same():
    held = [pk for pk in range(1, 2001) if training.held_out(pk)]
    assert 330 < len(held) < 470
    assert held == [pk for pk in range(1, 2001) if training.held_out(pk)]


def current(cv, version=1):
    return SimpleNamespace(version=version, cv_macro_f1=cv)


@pytest.mark.parametrize("candidate, now, held_now, expected", [
    ({"cv_macro_f1": 0.90, "held_acc": None, "held_top3": None, "held": 0}, None, None,
     (True, "first_model")),
    ({"cv_macro_f1": 0.90, "held_acc": 0.8, "held_top3": 1, "held": 10}, current(0.90), False,
     (True, "current_unreadable")),
    ({"cv_macro_f1": 0.88, "held_acc": 0.9, "held_top3": 1, "held": 10}, current(0.90), (0.5, 1),
     (False, "worse_cross_validated")),
    ({"cv_macro_f1": 0.897, "held_acc": 0.7, "held_top3": 1, "held": 10}, current(0.90),
     (0.8, 1), (False, "worse_held_out")),
    ({"cv_macro_f1": 0.897, "held_acc": 0.8, "held_top3": 1, "held": 10}, current(0.90),
     (0.8, 1), (True, "no_worse")),
    ({"cv_macro_f1": 0.91, "held_acc": 0.0, "held_top3": 0, "held": 3}, current(0.90), (1.0, 1),
     (True, "no_worse_too_few_held_out")),
])
def test_a_new_model_is_activated_only_when_it_is_no_worse(candidate, now, held_now, expected):
    activate, reason, figures = training.decide(candidate, now, held_now)
    assert (activate, reason) == expected
    assert figures["new"]["cv_macro_f1"] == candidate["cv_macro_f1"]


def test_a_web_worker_predicts_without_importing_scikit_learn(tmp_path):
    # Fitting needs scikit-learn; loading the URLconf and predicting must not import it
    # (it would add ~90 MiB to every gunicorn worker: bench/README.md, memory).
    model = Suggester(calibration_folds=0).fit(["学校食堂卫生差", "河道污水排放"] * 3,
                                               ["教育文体", "环境保护"] * 3)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    script = (
        "import sys, django, joblib; django.setup(); import tongxin.urls; "
        f"print(joblib.load({str(path)!r}).top('学校食堂')[0][0]); "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tongxin.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["教育文体", "[]"]
