"""Reads of notices that the inbox page and other readers share."""

from collections import defaultdict

from django.apps import apps

from tongxin.kernel import registry
from tongxin.notices.models import Notice

LIST_FIELDS = ("pk", "kind", "params", "subject_type", "subject_id", "created_at", "read_at")


def inbox(user):
    """Return the user's own notices, newest first, with the fields a list shows."""
    return Notice.objects.visible_to(user).only(*LIST_FIELDS)


def unread_count(user):
    return Notice.objects.visible_to(user).unread().count()


def with_links(notices):
    """Return ``notices`` as a list, each with ``link`` (its subject's page, or None) and
    ``link_text``; one query per kind of subject, whatever the number of notices.

    The page and its words are the subject app's (registry ``subjects``); a subject
    that is gone, or that declares no page, gets no link.
    """
    notices = list(notices)
    wanted = defaultdict(set)
    for notice in notices:
        if notice.subject_type:
            wanted[notice.subject_type].add(notice.subject_id)
    subjects = {}
    for label, ids in wanted.items():
        if registry.subject(label).url is None:
            continue
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue  # a model that no longer exists
        for pk, obj in model._default_manager.in_bulk(sorted(ids)).items():
            subjects[label, str(pk)] = obj
    for notice in notices:
        obj = subjects.get((notice.subject_type, notice.subject_id))
        notice.link = registry.subject_url(obj) if obj is not None else None
        notice.link_text = _link_text(obj) if notice.link else None
    return notices


def _link_text(obj):
    spec = registry.subject(obj._meta.label_lower)
    if spec.link_text:
        return spec.link_text
    return spec.title(obj) if spec.title else str(obj)
