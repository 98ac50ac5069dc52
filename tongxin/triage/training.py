"""Train a district's category suggester, score it, and swap it in only if it is no worse.

Training data:

* the 2,796 labelled messages shipped in data/ (seven top-level kinds), mapped onto the
  district's top-level categories of the same name;
* one pseudo-message per category of the district's tree (its name after its parent's),
  so a kind without messages can still be suggested when its words appear;
* the district's own records: every matter a grid worker has heard (its category was
  confirmed then) or whose category staff corrected (a ``recategorised`` event, from
  the hear form or later). Corrections weigh most.

One district record in five (a stable hash of the matter id) is never trained on: it is
the held-out set on which the new model and the one in use are both scored. A new model
is activated only when it is right at least as often there, and when its
cross-validated macro-F1 on the shipped messages is no lower than the current model's
(less a tolerance for fold noise).
"""

import hashlib
import io
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tongxin.core.models import record_event
from tongxin.matters.choices import Status
from tongxin.matters.models import Category, Matter, MatterEvent
from tongxin.places.models import Place
from tongxin.triage import corpus
from tongxin.triage.models import TriageModel
from tongxin.triage.suggester import Suggester

logger = logging.getLogger(__name__)

FORMAT = 1
SHIPPED_WEIGHT = 1.0
NAME_WEIGHT = 1.0
DISTRICT_WEIGHT = 2.0  # a matter heard here: the district's own words and kinds
CORRECTION_WEIGHT = 4.0  # a grid worker said the suggester's world was wrong
HELD_OUT_ONE_IN = 5
MIN_HELD_OUT = 5  # fewer held-out records than this say nothing; the CV score decides
CV_TOLERANCE = 0.005  # the shipped CV score moves this much between identical fits
LEAF_NAME_WEIGHT = 1.0


def held_out(matter_id):
    """Whether a district record belongs to the held-out set (stable across trainings)."""
    digest = hashlib.sha256(f"triage-held-out:{matter_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % HELD_OUT_ONE_IN == 0


@dataclass
class Example:
    matter_id: int
    text: str
    category_id: int
    kind_id: int
    corrected: bool


@dataclass
class Bundle:
    """What a model file holds: the suggester (labels are top-level category ids as
    strings) and, per top-level category, its sub-categories' character profiles."""

    suggester: Suggester
    leaves: dict = field(default_factory=dict)  # kind id -> (category ids, csr profiles)
    format: int = FORMAT


class Tree:
    """A district's categories, read once: top-level kind and path of each."""

    def __init__(self, district):
        self.nodes = {c.pk: c for c in Category.objects.filter(district=district)}

    def kind_of(self, category_id):
        node = self.nodes[category_id]
        while node.parent_id is not None:
            node = self.nodes[node.parent_id]
        return node.pk

    def tops(self):
        return {c.name: c.pk for c in self.nodes.values() if c.parent_id is None}

    def path_names(self, category_id):
        names, node = [], self.nodes[category_id]
        while node is not None:
            names.append(node.name)
            node = self.nodes.get(node.parent_id)
        return names[::-1]

    def name_documents(self):
        """Return (text, kind id) per active category below the top level."""
        docs = []
        for c in self.nodes.values():
            if c.parent_id is None or not c.is_active or c.name == "其他":
                continue
            docs.append((" ".join(self.path_names(c.pk)[1:]), self.kind_of(c.pk)))
        return docs


def district_examples(district, tree=None):
    """Return the district's labelled records: matters heard here, and corrected ones."""
    tree = tree or Tree(district)
    corrected = set(MatterEvent.objects.filter(
        matter__district=district, action="recategorised").values_list("matter_id", flat=True))
    matters = (Matter.objects.filter(district=district)
               .filter(Q(heard_at__isnull=False) | Q(pk__in=corrected))
               .exclude(status=Status.REJECTED)
               .values_list("pk", "title", "description", "category_id").order_by("pk"))
    return [Example(pk, corpus.message_text(title, description), category_id,
                    tree.kind_of(category_id), pk in corrected)
            for pk, title, description, category_id in matters]


@dataclass
class TrainingSet:
    texts: list
    labels: list
    weights: list
    counted: list
    shipped: np.ndarray  # positions of the shipped messages
    shipped_kinds: list
    district: list  # examples trained on
    held: list  # examples held out


def training_set(district, tree=None):
    tree = tree or Tree(district)
    tops = tree.tops()
    texts, kinds = corpus.labelled()
    rows = [(t, str(tops[k])) for t, k in zip(texts, kinds) if k in tops]
    out = TrainingSet([t for t, _ in rows], [k for _, k in rows], [SHIPPED_WEIGHT] * len(rows),
                      [True] * len(rows), np.arange(len(rows)),
                      sorted({str(tops[k]) for k in kinds if k in tops}), [], [])
    for text, kind in tree.name_documents():
        out.texts.append(text)
        out.labels.append(str(kind))
        out.weights.append(NAME_WEIGHT)
        out.counted.append(False)
    for example in district_examples(district, tree):
        if held_out(example.matter_id):
            out.held.append(example)
            continue
        out.district.append(example)
        out.texts.append(example.text)
        out.labels.append(str(example.kind_id))
        out.weights.append(CORRECTION_WEIGHT if example.corrected else DISTRICT_WEIGHT)
        out.counted.append(True)
    return out


def leaf_profiles(suggester, tree, examples):
    """Return {kind id: (category ids, profiles)}: per sub-category, the character
    vector of its names plus the mean of the district records filed under it."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    if "chars" not in suggester.features:
        return {}
    width = suggester.char_features
    by_category = {}
    for example in examples:
        node = tree.nodes[example.category_id]
        while node is not None and node.parent_id is not None:
            by_category.setdefault(node.pk, []).append(example.text)
            node = tree.nodes.get(node.parent_id)
    leaves = {}
    for c in tree.nodes.values():
        if c.parent_id is None or not c.is_active:
            continue
        name_idx, name_val = suggester.char_vector(" ".join(tree.path_names(c.pk)[1:]))
        vector = np.zeros(width, np.float32)
        vector[name_idx] += LEAF_NAME_WEIGHT * name_val
        texts = by_category.get(c.pk, [])
        for text in texts:
            idx, val = suggester.char_vector(text)
            vector[idx] += val / len(texts)
        ids, rows = leaves.setdefault(tree.kind_of(c.pk), ([], []))
        ids.append(c.pk)
        rows.append(sparse.csr_matrix(vector))
    return {kind: (np.array(ids), normalize(sparse.vstack(rows).tocsr()))
            for kind, (ids, rows) in leaves.items()}


def _scores(probabilities, classes, labels):
    """Return (accuracy, top-3 accuracy) of probability rows against kind-id labels."""
    if not len(labels):
        return None, None
    index = {label: i for i, label in enumerate(classes)}
    y = np.array([index.get(label, -1) for label in labels])
    best = np.argsort(-probabilities, axis=1)[:, :3]
    return float(np.mean(best[:, 0] == y)), float(np.mean((best == y[:, None]).any(axis=1)))


def shipped_cv(suggester, data):
    """Return the (macro-F1, top-3) of the suggester's out-of-fold scores on the shipped rows."""
    from sklearn.metrics import f1_score

    if suggester.oof_index_ is None:
        return None, None
    position = {int(p): n for n, p in enumerate(suggester.oof_index_)}
    rows = [position[int(p)] for p in data.shipped if int(p) in position]
    scores = suggester.oof_scores_[rows]
    classes = list(suggester.classes_)
    y = np.array([classes.index(data.labels[int(p)]) for p in data.shipped if int(p) in position])
    kinds = [classes.index(k) for k in data.shipped_kinds]
    f1 = f1_score(y, scores.argmax(axis=1), labels=kinds, average="macro")
    best = np.argsort(-scores, axis=1)[:, :3]
    return float(f1), float(np.mean((best == y[:, None]).any(axis=1)))


def held_out_scores(bundle, examples):
    if bundle is None or not examples:
        return None, None
    s = bundle.suggester
    return _scores(s.proba([e.text for e in examples]), list(s.classes_),
                   [str(e.kind_id) for e in examples])


def serialise(bundle):
    import joblib

    buffer = io.BytesIO()
    joblib.dump(bundle, buffer, compress=3)
    return buffer.getvalue()


def libraries():
    import jieba
    import numpy
    import sklearn

    return {"scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "jieba": jieba.__version__}


def decide(candidate, current, current_held):
    """Return (activate, reason, figures) for the swap rule."""
    figures = {
        "new": {"cv_macro_f1": candidate["cv_macro_f1"], "held_out_accuracy": candidate["held_acc"],
                "held_out_top3": candidate["held_top3"]},
        "held_out": candidate["held"],
    }
    if current is None:
        return True, "first_model", figures
    if current_held is False:
        return True, "current_unreadable", figures
    figures["current"] = {"version": current.version, "cv_macro_f1": current.cv_macro_f1,
                          "held_out_accuracy": current_held[0], "held_out_top3": current_held[1]}
    if (current.cv_macro_f1 is not None and candidate["cv_macro_f1"] is not None
            and candidate["cv_macro_f1"] < current.cv_macro_f1 - CV_TOLERANCE):
        return False, "worse_cross_validated", figures
    if candidate["held"] >= MIN_HELD_OUT and current_held[0] is not None:
        if candidate["held_acc"] < current_held[0]:
            return False, "worse_held_out", figures
        return True, "no_worse", figures
    return True, "no_worse_too_few_held_out", figures


def train(district, *, by=None, params=None):
    """Train a model for ``district``, store it, and activate it if it is no worse than
    the one in use. Return the new TriageModel (``is_active`` says whether it won)."""
    from tongxin.triage import runtime

    started = time.perf_counter()
    tree = Tree(district)
    data = training_set(district, tree)
    suggester = Suggester(**(params or {})).fit(
        data.texts, data.labels, sample_weight=data.weights, counted=data.counted)
    bundle = Bundle(suggester, leaf_profiles(suggester, tree, data.district))
    cv_f1, cv_top3 = shipped_cv(suggester, data)
    held_acc, held_top3 = held_out_scores(bundle, data.held)
    suggester.oof_index_ = suggester.oof_scores_ = None  # not needed to suggest
    blob = serialise(bundle)
    seconds = time.perf_counter() - started

    current = TriageModel.objects.filter(district=district, is_active=True).first()
    current_held = None
    if current is not None:
        loaded = runtime.cached(district.pk, current.sha256) or runtime.load(current)
        current_held = held_out_scores(loaded, data.held) if loaded is not None else False
    candidate = {"cv_macro_f1": cv_f1, "held_acc": held_acc, "held_top3": held_top3,
                 "held": len(data.held)}
    activate, reason, figures = decide(candidate, current, current_held)
    figures["reason"] = reason

    digest = hashlib.sha256(blob).hexdigest()
    name = f"triage/models/{digest}.joblib"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(blob))
    with transaction.atomic():
        Place.objects.select_for_update().get(pk=district.pk)  # one training writes at a time
        last = TriageModel.objects.filter(district=district).order_by("-version").first()
        record = TriageModel(
            district=district, version=(last.version + 1) if last else 1,
            trained_by=by if getattr(by, "pk", None) else None, sha256=digest, size=len(blob),
            libraries=libraries(), shipped_examples=len(data.shipped),
            district_examples=len(data.district),
            corrections=sum(e.corrected for e in data.district), held_out=len(data.held),
            cv_macro_f1=cv_f1, cv_top3=cv_top3, held_out_accuracy=held_acc,
            held_out_top3=held_top3, seconds=round(seconds, 2), comparison=figures,
        )
        record.file.name = name
        record.save()
        if activate:
            _activate(record, by=by, previous=TriageModel.objects.select_for_update().filter(
                district=district, is_active=True).first())
            runtime.remember(district.pk, digest, bundle)
        record_event("triage.model_trained", record, actor=by, place=district,
                     version=record.version, activated=activate, reason=reason,
                     cv_macro_f1=cv_f1, held_out_accuracy=held_acc, held_out=len(data.held),
                     district_examples=len(data.district), corrections=record.corrections,
                     seconds=record.seconds)
    logger.info("triage model v%s for district %s: %s (%s), %.1f s", record.version,
                district.code, "activated" if activate else "kept the current one", reason,
                seconds)
    return record


def _activate(record, *, by, previous):
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    record.is_active, record.activated_at = True, timezone.now()
    record.save(update_fields=["is_active", "activated_at"])
    record_event("triage.model_activated", record, actor=by, place=record.district,
                 version=record.version,
                 previous_version=previous.version if previous is not None else None)
