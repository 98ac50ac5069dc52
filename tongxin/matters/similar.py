"""Find matters that say the same thing in other words: character-bigram TF-IDF cosine.

Chinese has no spaces, so words are approximated by overlapping character pairs;
common pairs (小区, 问题, 我们 …) weigh little because they occur everywhere.
"""

import math
import re
from collections import Counter

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


def _vector(grams, idf):
    weights = {g: (1 + math.log(n)) * idf.get(g, idf_default(idf)) for g, n in grams.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items()}


def idf_default(idf):
    return max(idf.values(), default=1.0)


def rank_similar(text, candidates, limit=5, threshold=THRESHOLD):
    """Return up to ``limit`` candidates (objects with title and description) most like ``text``."""
    candidates = list(candidates)
    query = bigrams(text)
    if not query or not candidates:
        return []
    documents = [bigrams(f"{c.title} {c.description}") for c in candidates]
    frequency = Counter(g for doc in documents + [query] for g in doc)
    total = len(documents) + 1
    idf = {g: math.log((1 + total) / (1 + n)) + 1 for g, n in frequency.items()}
    target = _vector(query, idf)
    scored = []
    for candidate, doc in zip(candidates, documents):
        vector = _vector(doc, idf)
        score = sum(w * vector.get(g, 0.0) for g, w in target.items())
        if score >= threshold:
            candidate.similarity = round(score, 3)
            scored.append(candidate)
    scored.sort(key=lambda c: c.similarity, reverse=True)
    return scored[:limit]
