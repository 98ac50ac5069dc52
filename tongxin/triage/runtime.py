"""Suggesting at run time: the district's active model, loaded once per process and
swapped when another one is activated (one indexed query per suggestion checks that).

Nothing here may break a page or a raise: without a model, or when its file cannot be
read, suggestions are simply empty (and a training is queued, in the background)."""

import logging
import os
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.core.files.storage import default_storage
from django.db import transaction

from tongxin.matters.models import Category
from tongxin.triage.models import TriageModel

logger = logging.getLogger(__name__)

TOP = 3
MIN_CONFIDENCE = 0.02  # below this a second or third kind is noise, not a suggestion
LEAF_MIN = 0.12  # cosine of message and sub-category profile below which the kind itself is offered
RETRAIN_EVERY = 600  # seconds between two queued trainings from one process

_lock = threading.Lock()
_loaded = {}  # district id -> (model file sha256, Bundle or None when unreadable)
_queued = {}  # district id -> monotonic time a training was queued
_loading = {}  # district id -> the thread loading its model


@dataclass(frozen=True)
class Suggested:
    category: Category  # the sub-category offered (or the kind itself)
    kind: Category  # its top-level category, which the confidence is about
    confidence: float  # calibrated probability of the kind

    @property
    def percent(self):
        """Return the confidence in whole percent, never shown as certain (1-99)."""
        return min(99, max(1, round(100 * self.confidence)))

    @property
    def label(self):
        """Return the path from the kind down, e.g. "社区治理 › 停车管理 › 乱停乱放"."""
        names, node = [], self.category
        while node is not None:
            names.append(node.name)
            node = node.parent if node.parent_id else None
        return " › ".join(reversed(names))


def load(record):
    """Return the Bundle stored for ``record``, or None if its file is missing or altered."""
    import hashlib

    import joblib

    from tongxin.triage.training import FORMAT

    try:
        with default_storage.open(record.file.name, "rb") as handle:
            blob = handle.read()
        if hashlib.sha256(blob).hexdigest() != record.sha256:
            logger.error("triage model %s: file does not match its checksum", record.pk)
            return None
        import io

        bundle = joblib.load(io.BytesIO(blob))
        if getattr(bundle, "format", None) != FORMAT:
            logger.error("triage model %s: unknown format", record.pk)
            return None
        logger.info("triage model %s (%s) loaded in process %s", record.pk, record.sha256[:12],
                    os.getpid())
        return bundle
    except Exception:  # a missing file, a library that cannot read an old pickle …
        logger.exception("triage model %s could not be loaded", record.pk)
        return None


def active_bundle(district_id, *, wait=True):
    """Return the (TriageModel pk, Bundle) in use for the district, or (None, None).

    The file's checksum identifies what is loaded, so a model activated by another
    process (or a backup restored under other ids) is picked up at the next call.
    Loading takes a second or more (the model file, jieba's dictionary); with
    ``wait=False`` (a raise) it happens in a background thread and the bundle is None
    until it is there."""
    row = (TriageModel.objects.filter(district_id=district_id, is_active=True)
           .values_list("pk", "sha256").first())
    if row is None:
        return None, None
    pk, digest = row
    hit = _loaded.get(district_id)
    if hit is not None and hit[0] == digest:
        return pk, hit[1]
    if not wait:
        _load_in_background(district_id, pk, digest)
        return pk, None
    with _lock:
        hit = _loaded.get(district_id)
        if hit is None or hit[0] != digest:
            hit = _loaded[district_id] = (digest, _warm(load(TriageModel.objects.get(pk=pk))))
    return pk, hit[1]


def preload():
    """Load every district's active model (and jieba's dictionary) in this process.

    The gunicorn master calls it before it forks a worker (tongxin/gunicorn_conf.py), so
    the workers share these pages instead of each loading its own copy. It closes its
    database connections: a forked worker must not inherit the master's socket. Never
    raises; a model that cannot be loaded is loaded (or not) by the workers as before."""
    from django.db import connections

    try:
        for district_id in (TriageModel.objects.filter(is_active=True)
                            .values_list("district_id", flat=True)):
            active_bundle(district_id, wait=True)
    except Exception:
        logger.exception("triage models could not be preloaded")
    finally:
        connections.close_all()


def _warm(bundle):
    if bundle is not None:
        bundle.suggester.top("预热")  # loads jieba's dictionary now, not on a user's time
    return bundle


def _load_in_background(district_id, pk, digest):
    with _lock:
        if district_id in _loading:
            return
        record = TriageModel.objects.only("pk", "file", "sha256").get(pk=pk)

        def work():
            try:
                bundle = _warm(load(record))
                with _lock:
                    _loaded[district_id] = (digest, bundle)
            finally:
                with _lock:
                    _loading.pop(district_id, None)

        thread = _loading[district_id] = threading.Thread(target=work, daemon=True,
                                                          name="triage-load")
        thread.start()


def wait_for_loading(timeout=30):
    """Wait until background loads are done (tests, and the demo's first request)."""
    for thread in list(_loading.values()):
        thread.join(timeout)


def remember(district_id, digest, bundle):
    """Keep a bundle this process has just trained, so it need not read it back."""
    with _lock:
        _loaded[district_id] = (digest, bundle)


def cached(district_id, digest):
    hit = _loaded.get(district_id)
    return hit[1] if hit is not None and hit[0] == digest else None


def forget():
    """Drop the loaded models (tests; a process picks up new ones by itself)."""
    wait_for_loading()
    _loaded.clear()
    _queued.clear()


def request_training(district_id):
    """Queue a training for a district without a model: at most once per process every
    RETRAIN_EVERY seconds, and never inline (with the immediate backend it would run
    inside the request that asked for a suggestion)."""
    from django_tasks.backends.immediate import ImmediateBackend

    from tongxin.triage.tasks import train_triage_task

    now = time.monotonic()
    if now - _queued.get(district_id, -RETRAIN_EVERY) < RETRAIN_EVERY:
        return False
    if isinstance(train_triage_task.get_backend(), ImmediateBackend):
        return False
    _queued[district_id] = now
    transaction.on_commit(lambda: train_triage_task.enqueue(district_id, reason="no_model"))
    return True


def rank(bundle, text, k=TOP):
    """Return [(category id, kind id, probability)] for ``text``: the ``k`` likeliest
    kinds, each with its best-matching sub-category when one matches well enough."""
    suggester = bundle.suggester
    probabilities = suggester.proba([text])[0]
    order = np.argsort(-probabilities)[:k]
    from scipy import sparse

    idx = val = message = ()
    if bundle.leaves:
        idx, val = suggester.char_vector(text)
        message = sparse.csr_matrix((val, idx, [0, len(idx)]), shape=(1, suggester.char_features))
    ranked = []
    for n, i in enumerate(order):
        if n and probabilities[i] < MIN_CONFIDENCE:
            break
        kind = int(suggester.classes_[i])
        chosen = kind
        leaves = bundle.leaves.get(kind)
        if leaves is not None and len(idx):
            ids, profiles = leaves
            similarity = (profiles @ message.T).toarray().ravel()
            best = int(np.argmax(similarity))
            if similarity[best] >= LEAF_MIN:
                chosen = int(ids[best])
        ranked.append((chosen, kind, float(probabilities[i])))
    return ranked


def suggest(district_id, title, description, *, k=TOP, leaves_only=False):
    """Return up to ``k`` Suggested categories for a message, best first; [] without a model.

    ``leaves_only`` drops suggestions that are a top-level kind (residents choose below it).
    """
    return suggest_with_model(district_id, title, description, k=k, leaves_only=leaves_only)[1]


def suggest_with_model(district_id, title, description, *, k=TOP, leaves_only=False,
                       wait=True):
    """Return (the TriageModel pk in use or None, the Suggested categories)."""
    from tongxin.triage.corpus import message_text

    try:
        pk, bundle = active_bundle(district_id, wait=wait)
        if bundle is None:
            if pk is None:
                request_training(district_id)
            return None, []
        ranked = rank(bundle, message_text(title, description), k=k)
        wanted = {c for c, _kind, _p in ranked} | {kind for _c, kind, _p in ranked}
        categories = (Category.objects.filter(pk__in=wanted, is_active=True)
                      .select_related("parent__parent").in_bulk())
        out = []
        for category_id, kind_id, probability in ranked:
            category, kind = categories.get(category_id), categories.get(kind_id)
            if category is None or kind is None or (leaves_only and category.parent_id is None):
                continue
            out.append(Suggested(category, kind, probability))
        return pk, out
    except Exception:
        logger.exception("triage suggestion failed for district %s", district_id)
        return None, []
