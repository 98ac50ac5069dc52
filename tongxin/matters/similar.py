"""Find matters that say the same thing in other words: character-bigram TF-IDF cosine.

Chinese has no spaces, so words are approximated by overlapping character pairs;
common pairs (小区, 问题, 我们 …) weigh little because they occur everywhere.

The "me too" search asks this on every pause in typing, over up to 500 open matters of
a compound, so the work per request is kept to arithmetic on arrays: each text's
bigrams are counted once per process (``_encoded``, keyed by the text itself, so an
edited or erased text is simply a new entry) and the request only weighs them with the
inverse document frequencies of this candidate set. The scores are those of the plain
formula: log-scaled term frequency times smoothed IDF, L2-normalised, dot product.
"""

import math
import re
import threading
from collections import Counter

import numpy as np

from tongxin.core.masking import mask_contacts_in_text

_NOT_TEXT = re.compile(r"[^\w]|[_\d]", re.UNICODE)
THRESHOLD = 0.12  # 40 real paraphrases vs 150 unrelated messages: no miss, no false match


def bigrams(text):
    # Numbers are no words; masking first also turns 一三八… into digits, so that a
    # phone number typed in Chinese numerals cannot find the matter that holds it.
    text = _NOT_TEXT.sub(" ", mask_contacts_in_text(text).lower())
    grams = Counter()
    for chunk in text.split():
        if len(chunk) == 1:
            grams[chunk] += 1
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    return grams


# --- each text's bigrams, counted once per process ----------------------------------------------

CACHE_TEXTS = 20_000  # ~1-2 KiB each; both tables start afresh beyond this
CACHE_BIGRAMS = 400_000
_lock = threading.Lock()
_columns = {}  # bigram -> column number in this process
_texts = {}  # (hash, length) of a text -> (columns, 1 + log(count)) of its bigrams


def _encode(grams):
    """Return (columns, log-scaled counts) of a Counter of bigrams; the caller holds _lock."""
    columns = np.fromiter((_columns.setdefault(g, len(_columns)) for g in grams),
                          dtype=np.int64, count=len(grams))
    counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
    return columns, 1.0 + np.log(counts)


def _encoded(texts):
    """Return [(columns, log-scaled counts)] of each text's bigrams, from the cache if seen."""
    keys = [(hash(t), len(t)) for t in texts]
    with _lock:
        missing = [i for i, key in enumerate(keys) if key not in _texts]
        if len(_texts) + len(missing) > CACHE_TEXTS or len(_columns) > CACHE_BIGRAMS:
            _texts.clear()
            _columns.clear()
            missing = range(len(keys))
        for i in missing:
            _texts[keys[i]] = _encode(bigrams(texts[i]))
        return [_texts[key] for key in keys]


def rank_texts(text, documents, limit=5, threshold=THRESHOLD):
    """Return [(index, score)] of the ``documents`` (strings) most like ``text``, best first:
    at most ``limit``, each scoring at least ``threshold`` (rounded to three places)."""
    query = bigrams(text)
    if not query or not documents:
        return []
    with _lock:
        query_columns, query_tf = _encode(query)
    encoded = _encoded(documents)
    lengths = np.fromiter((len(c) for c, _tf in encoded), dtype=np.int64, count=len(encoded))
    columns = np.concatenate([c for c, _tf in encoded])
    tf = np.concatenate([t for _c, t in encoded])
    width = int(max(columns.max(initial=0), query_columns.max())) + 1
    # Document frequency over the candidates and the query (each text's bigrams are distinct).
    frequency = np.bincount(columns, minlength=width) + np.bincount(query_columns, minlength=width)
    total = len(documents) + 1
    idf = np.log((1 + total) / (1 + frequency)) + 1
    weights = tf * idf[columns]
    owner = np.repeat(np.arange(len(documents)), lengths)
    norms = np.sqrt(np.bincount(owner, weights=weights * weights, minlength=len(documents)))
    norms[norms == 0] = 1.0  # a text without a single bigram scores 0
    target = np.zeros(width)
    query_weights = query_tf * idf[query_columns]
    target[query_columns] = query_weights / (math.sqrt(float(query_weights @ query_weights))
                                             or 1.0)
    scores = np.bincount(owner, weights=weights * target[columns],
                         minlength=len(documents)) / norms
    found = [(int(i), round(float(scores[i]), 3)) for i in np.flatnonzero(scores >= threshold)]
    found.sort(key=lambda pair: pair[1], reverse=True)  # stable: ties keep the candidates' order
    return found[:limit]


def rank_similar(text, candidates, limit=5, threshold=THRESHOLD):
    """Return up to ``limit`` candidates (objects with title and description) most like ``text``."""
    candidates = list(candidates)
    if not candidates:
        return []
    ranked = rank_texts(text, [f"{c.title} {c.description}" for c in candidates], limit,
                        threshold)
    for i, score in ranked:
        candidates[i].similarity = score
    return [candidates[i] for i, _score in ranked]
