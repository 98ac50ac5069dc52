"""What each app declares once, so that cross-cutting apps never list domains by hand.

Every app has a ``manifest.py`` that the kernel imports at start-up (apps.py). In it
the app calls ``register(...)`` with what the cross-cutting apps need of it:

- ``personal_data``: sections of a person's data, for export and erasure (privacy);
- ``notice_kinds``: the notices it sends, with their wording: kind → a lazy text
  formatted with the notice's params, or a callable params → text (notices);
- ``webhook_events``: event kinds partners may subscribe to, and the payload (webhooks);
- ``rates`` and ``counters``: the figures ledgers and dashboards show (ledgers);
- ``demo_seed``: how it fills the demo district (demo);
- ``audited_reads``: the kinds of reads and exports the audit log names (portal);
- ``subjects``: for each of its models people are told about, its link and place;
- ``xlsx_exports``: the views (URL names) that send an Excel workbook, which
  ``tongxin.core.xlsx.response`` alone sends and the export test fetches, each one.

The privacy, notices, webhooks, demo and portal apps iterate ``manifests()``; the kernel
itself knows no app.
"""

from dataclasses import dataclass, field

from django.apps import apps


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class PersonalData:
    """One section of a person's data (a sheet in the Excel export, a key in JSON).

    Export goes in ``order``; erasure in the reverse order, so that the person's own
    row (the profile, order 0) is erased last, after the sections that find their rows
    by the person's current account names. A section without ``export`` is erased but
    not exported (e.g. a sign-in token, a secret rather than information about them).
    """

    key: str
    title: str
    columns: tuple = ()  # of Column
    export: object = None  # export(person) → list of dicts keyed by the columns' keys
    erase: object = None  # erase(person, by=...) → None: anonymise within the transaction
    order: int = 100
    record: bool = False  # export(person) → one dict (the profile), shown as label/value rows
    covers: tuple = ()  # the "app_label.model.field" links to the person it accounts for


@dataclass(frozen=True)
class Subject:
    """How to point at one of the app's records: its page and the place it concerns."""

    url: object = None  # url(obj) → path, or None
    place_code: object = None  # place_code(obj) → str
    title: object = None  # title(obj) → short text, e.g. "诉求 2026-000001"
    link_text: object = None  # the words of a link to its page, e.g. _("Open the matter")


@dataclass(frozen=True)
class WebhookEvent:
    """An event kind partners may subscribe to: which kernel events it covers, the payload."""

    name: str  # the name partners subscribe to, e.g. "matter.resolved"
    label: str
    kinds: tuple  # kernel event kinds, e.g. ("matters.resolved",)
    payload: object  # payload(event) → dict (no personal data)


@dataclass(frozen=True)
class Figure:
    """A rate or a counter ledgers show: ``compute(scope, start, end)`` gives its parts."""

    key: str
    label: str
    compute: object
    description: str = ""


@dataclass
class Manifest:
    app_label: str
    personal_data: list = field(default_factory=list)
    notice_kinds: dict = field(default_factory=dict)
    webhook_events: list = field(default_factory=list)
    rates: list = field(default_factory=list)
    counters: list = field(default_factory=list)
    # demo_seed(district, *, stdout) → {"changed": rows added or changed, "line": optional
    # summary}; it adds only what is missing, so a second run changes nothing.
    demo_seed: object = None
    demo_order: int = 100
    # An extra seed runs after the district is committed, in `load_demo` only (tests that
    # build the district skip it): long work such as training a model.
    demo_extra: bool = False
    audited_reads: dict = field(default_factory=dict)
    subjects: dict = field(default_factory=dict)  # "app_label.model" → Subject
    # What happens when a deadline on one of the app's records passes:
    # "app_label.model" → handler(deadline) → {count key: n}, run by the deadline scan in
    # the transaction that stamps the breach; ``deadline_counts`` names the keys it reports.
    deadline_handlers: dict = field(default_factory=dict)
    deadline_counts: list = field(default_factory=list)
    # Extension points a lower app offers and a higher one fills: "hook name" → callable,
    # e.g. the matter page asks "matters.category_suggestions" without importing triage.
    hooks: dict = field(default_factory=dict)
    # Which input each of its error codes is about ("title_required" → "title"), so a
    # form or an API client shows the message beside that field (ServiceError.field).
    error_fields: dict = field(default_factory=dict)
    # The views ("app:url_name") that send an .xlsx (tongxin.core.xlsx.response refuses
    # any other), so the test of every export finds them all.
    xlsx_exports: list = field(default_factory=list)


_MANIFESTS: dict[str, Manifest] = {}
_ORDERED: list = []  # manifests() in INSTALLED_APPS order, kept until the next register()


def register(app_label, **declarations):
    """Declare what app ``app_label`` offers to the cross-cutting apps (at start-up).

    An app may call it more than once (one module per concern): lists are extended,
    dicts updated, single values replaced.
    """
    _ORDERED.clear()
    manifest = _MANIFESTS.setdefault(app_label, Manifest(app_label))
    for name, value in declarations.items():
        current = getattr(manifest, name)  # AttributeError: not a known declaration
        if isinstance(current, list):
            current.extend(v for v in value if v not in current)
        elif isinstance(current, dict):
            current.update(value)
        else:
            setattr(manifest, name, value)
    return manifest


def manifests():
    """Return every app's manifest, in INSTALLED_APPS order (sorted once: every published
    event and every error's field read it)."""
    if not _ORDERED:
        order = {config.label: n for n, config in enumerate(apps.get_app_configs())}
        _ORDERED.extend(sorted(_MANIFESTS.values(),
                               key=lambda m: order.get(m.app_label, len(order))))
    return list(_ORDERED)


def manifest(app_label):
    return _MANIFESTS.get(app_label) or Manifest(app_label)


def personal_data_sections():
    return sorted((s for m in manifests() for s in m.personal_data), key=lambda s: s.order)


def notice_kinds():
    return {kind: label for m in manifests() for kind, label in m.notice_kinds.items()}


def webhook_events():
    return [e for m in manifests() for e in m.webhook_events]


def rates():
    return [r for m in manifests() for r in m.rates]


def counters():
    return [c for m in manifests() for c in m.counters]


def audited_reads():
    return {what: label for m in manifests() for what, label in m.audited_reads.items()}


def xlsx_exports():
    return {view for m in manifests() for view in m.xlsx_exports}


def demo_seeds(extra=None):
    """Return [(app_label, seed)] in demo_order; only the extra ones, or none of them."""
    seeds = [(m.demo_order, m.app_label, m.demo_seed) for m in manifests()
             if m.demo_seed and extra in (None, m.demo_extra)]
    return [(label, seed) for _order, label, seed in sorted(seeds, key=lambda s: s[:2])]


def deadline_handler(label):
    for m in manifests():
        if label in m.deadline_handlers:
            return m.deadline_handlers[label]
    return None


def deadline_counts():
    return [key for m in manifests() for key in m.deadline_counts]


def error_field(code):
    for m in manifests():
        if code in m.error_fields:
            return m.error_fields[code]
    return None


def hook(name):
    """Return the callable some app declared for extension point ``name``, or None."""
    for m in manifests():
        if name in m.hooks:
            return m.hooks[name]
    return None


def subject(label):
    for m in manifests():
        if label in m.subjects:
            return m.subjects[label]
    return Subject()


def subject_url(obj):
    spec = subject(obj._meta.label_lower)
    return spec.url(obj) if spec.url else None


def subject_place_code(obj):
    spec = subject(obj._meta.label_lower)
    return spec.place_code(obj) if spec.place_code else ""
