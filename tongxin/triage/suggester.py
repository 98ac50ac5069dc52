"""The category suggester: text in, calibrated top-level kinds out. Plain Python and
scikit-learn, no Django, so the bench (bench/triage.py) measures exactly what runs.

Features (each block TF-IDF, sublinear tf, l2-normalised, then side by side):

* ``chars``: single characters and character bigrams of the whole message;
* ``words``: jieba words (jieba ships its dictionary; nothing is downloaded);
* ``head``: characters and bigrams of the first ``head_chars`` characters, where the
  title is (the shipped messages mostly have the title glued onto the text).

A linear SVM (one-vs-rest, classes balanced) scores the kinds; a softmax with one
temperature, fitted on out-of-fold scores of the training set, turns the scores into
probabilities. bench/README.md says which of these choices helped and by how much.
"""

import logging
import re
import unicodedata
from functools import lru_cache

import numpy as np

# scikit-learn and scipy are imported where a model is fitted, not here: a web worker
# only predicts (numpy alone), and importing them would cost each worker ~90 MiB
# (bench/README.md, memory per worker).

MAX_CHARS = 800  # long messages say early what they are about; this bounds the cost (bench/README.md)
FEATURES = ("chars", "words", "head")
MAX_BALANCE = 3.0

_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# The shipped data anonymises places as A市, A3区, K8县 …: noise, not meaning.
_ANONYMISED = re.compile(r"[A-Z]\d*[市区县镇]")


def normalise(text):
    """Fold width variants, blank out anonymised place names and digits, collapse space."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS]
    text = _ANONYMISED.sub("□", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def char_grams(text):
    """Return the characters and character bigrams of ``text`` (already normalised)."""
    return [*text, *(text[i:i + 2] for i in range(len(text) - 1))]


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=32768)
def _jieba_words(text):
    return tuple(w for w in _jieba().lcut(text, HMM=False) if not w.isspace())


def words(text):
    return list(_jieba_words(text))


class HeadGrams:
    """Character grams of the first characters (a picklable analyzer)."""

    def __init__(self, head_chars):
        self.head_chars = head_chars

    def __call__(self, text):
        return char_grams(text[:self.head_chars])


def _softmax(scores, temperature):
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores, y):
    """Return the temperature that minimises the log loss of softmax(scores / T)."""
    best, best_loss = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.02), np.log(5.0), 60)):
        p = _softmax(scores, t)[np.arange(len(y)), y]
        loss = -np.mean(np.log(np.clip(p, 1e-12, None)))
        if loss < best_loss:
            best, best_loss = t, loss
    return float(best)


def balanced_weights(y, counted):
    """Return per-sample weights n / (k * n_class), counting only the ``counted`` rows.

    Category-name pseudo-documents are not counted, so a kind known only by its names
    is not blown up to the size of a kind with hundreds of messages; and no kind is
    weighted up more than ``MAX_BALANCE`` times (a district's own kind with a handful
    of records would otherwise be suggested for everything).
    """
    classes, counts = np.unique(y[counted], return_counts=True)
    factors = np.minimum(len(y[counted]) / (len(classes) * counts), MAX_BALANCE)
    per_class = dict(zip(classes, factors))
    return np.array([per_class.get(label, 1.0) for label in y])


class Suggester:
    """Fit on (text, kind) pairs; return the kinds with calibrated probabilities."""

    def __init__(self, *, C=1.0, features=FEATURES, head_chars=40, min_df=2,
                 balanced=True, calibration_folds=3, random_state=0):
        self.C = C
        self.features = tuple(features)
        self.head_chars = head_chars
        self.min_df = min_df
        self.balanced = balanced
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # --- features -------------------------------------------------------------------------

    def _analyzer(self, name):
        if name == "chars":
            return char_grams
        if name == "words":
            return words
        if name == "head":
            return HeadGrams(self.head_chars)
        raise ValueError(name)

    def _training_matrix(self, docs, vocabulary_docs=()):
        """Fit each block's vocabulary and IDF; return the training matrix. Afterwards the
        model keeps only plain data (vocabularies, IDF, coefficients): no function is
        pickled, so a stored model does not depend on this module's internals."""
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        blocks, matrices, offset = [], [], 0
        for name in self.features:
            v = TfidfVectorizer(analyzer=self._analyzer(name), sublinear_tf=True,
                                min_df=self.min_df, dtype=np.float32)
            v.fit(list(docs) + list(vocabulary_docs))
            matrices.append(v.transform(docs))
            blocks.append((name, v.vocabulary_, v.idf_.astype(np.float32), offset))
            offset += len(v.vocabulary_)
        self.blocks_ = blocks
        self.n_features_ = offset
        return sparse.hstack(matrices).tocsr()

    def _block(self, doc, name, vocabulary, idf):
        counts = {}
        for token in self._analyzer(name)(doc):
            j = vocabulary.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.fromiter(counts.keys(), np.int64, len(counts))
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        weights = (1.0 + np.log(tf)) * idf[idx]
        return idx, weights / np.sqrt(np.dot(weights, weights))

    def _row(self, doc):
        """Return (feature indices, values) of one normalised document: the same numbers
        as the fitted TfidfVectorizer's, without its per-call overhead (~1 ms a block)."""
        indices, values = [], []
        for name, vocabulary, idf, offset in self.blocks_:
            idx, weights = self._block(doc, name, vocabulary, idf)
            indices.append(idx + offset)
            values.append(weights)
        return np.concatenate(indices), np.concatenate(values)

    def char_vector(self, text):
        """Return the ``chars`` block of ``text`` as (indices, values), for similarity."""
        for name, vocabulary, idf, _offset in self.blocks_:
            if name == "chars":
                return self._block(normalise(text), name, vocabulary, idf)
        raise ValueError("this model has no character block")

    @property
    def char_features(self):
        return next(len(v) for name, v, _idf, _o in self.blocks_ if name == "chars")

    # --- training ---------------------------------------------------------------------------

    def fit(self, texts, labels, *, sample_weight=None, counted=None, vocabulary_texts=()):
        """Fit the model; ``counted`` marks the rows that count for class balance (all by
        default), ``vocabulary_texts`` unlabelled text the vocabulary and IDF also see."""
        from sklearn.svm import LinearSVC

        _jieba().initialize()
        labels = np.asarray(labels)
        self.classes_, y = np.unique(labels, return_inverse=True)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        counted = np.ones(len(y), bool) if counted is None else np.asarray(counted, bool)
        if self.balanced:
            weight = weight * balanced_weights(y, counted)
        X = self._training_matrix([normalise(t) for t in texts],
                                  [normalise(t) for t in vocabulary_texts])
        self._out_of_fold(X, y, weight, counted)
        self.temperature_ = (fit_temperature(self.oof_scores_, y[self.oof_index_])
                             if self.oof_scores_ is not None else 1.0)
        svm = LinearSVC(C=self.C, random_state=self.random_state).fit(X, y, sample_weight=weight)
        coef = svm.coef_ if len(self.classes_) > 2 else np.vstack([-svm.coef_, svm.coef_])
        intercept = (svm.intercept_ if len(self.classes_) > 2
                     else np.array([-svm.intercept_[0], svm.intercept_[0]]))
        # Kept as a dense float32 array: a few MB, and one matrix product per message.
        self.coef_ = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept_ = intercept.astype(np.float32)
        self.n_training_ = int(counted.sum())
        return self

    def _out_of_fold(self, X, y, weight, counted):
        """Score each counted training row by a model that did not see it: for the
        temperature, and for the cross-validated score of the training set.

        Rows of a kind with fewer counted rows than folds, and the pseudo-documents,
        always stay in training. Sets ``oof_index_`` and ``oof_scores_`` (None when too
        little is left to fold)."""
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        folds = self.calibration_folds
        present = np.bincount(y[counted], minlength=len(self.classes_))
        eligible = counted & (present[y] >= max(folds, 1))
        self.oof_index_ = self.oof_scores_ = None
        if folds < 2 or len(np.unique(y[eligible])) < 2:
            return
        index = np.flatnonzero(eligible)
        scores = np.zeros((len(index), len(self.classes_)), np.float32)
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for _train, test in splitter.split(index, y[index]):
            keep = np.ones(len(y), bool)
            keep[index[test]] = False
            svm = LinearSVC(C=self.C, random_state=self.random_state).fit(
                X[keep], y[keep], sample_weight=weight[keep])
            s = svm.decision_function(X[index[test]])
            s = s if s.ndim == 2 else np.c_[-s, s]
            # A kind missing from this fold's training rows scores far below the rest.
            full = np.full((len(test), len(self.classes_)), -10.0, np.float32)
            full[:, svm.classes_] = s
            scores[test] = full
        self.oof_index_, self.oof_scores_ = index, scores

    # --- use ---------------------------------------------------------------------------------

    def decision(self, texts):
        """Return the SVM scores (messages × kinds)."""
        scores = np.tile(self.intercept_, (len(texts), 1))
        for n, text in enumerate(texts):
            idx, val = self._row(normalise(text))
            if len(idx):
                scores[n] += val @ self.coef_[idx]
        return scores

    def proba(self, texts):
        return _softmax(self.decision(texts), self.temperature_)

    def top(self, text, k=3):
        """Return the ``k`` likeliest kinds of one message as (kind, probability) pairs."""
        p = self.proba([text])[0]
        order = np.argsort(-p)[:k]
        return [(str(self.classes_[i]), float(p[i])) for i in order]


class Floor:
    """The floor the bench compares against: character TF-IDF (1-2 grams) + linear SVM."""

    def fit(self, texts, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectoriser_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), dtype=np.float32)
        X = self.vectoriser_.fit_transform(texts)
        self.classes_, y = np.unique(np.asarray(labels), return_inverse=True)
        self.svm_ = LinearSVC(C=1.0, random_state=0).fit(X, y)
        return self

    def decision(self, texts):
        return self.svm_.decision_function(self.vectoriser_.transform(texts))
