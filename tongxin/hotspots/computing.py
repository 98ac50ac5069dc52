"""The stored hot issues: computed in the background per street and per district (an
*area*) for every period the page offers, and read by the page and the export.

Grouping a few thousand matters costs seconds of CPU (grouping.py), far too much for a
request. So:

- ``compute_area`` groups the area's matters of the last year once (the most recent
  ``MAX_MATTERS``), then each shorter period from the same items, and replaces the
  area's ``HotGroup`` rows in one short transaction. The area's ``computed_at`` says when.
- A change to a matter (any ``matters.*`` kernel event) marks the matter's street and
  district *dirty* (``mark_dirty``) and queues one refresh for the task worker, run
  ``DEBOUNCE`` later, so a burst of changes costs one computation per touched area
  (``refresh_dirty``): only the areas touched are computed again.
- ``tongxin refresh-hot-issues --every 600`` (core.periodic) refreshes what is dirty, and
  areas computed more than ``STALE_AFTER`` ago (periods move on, heat fades).
- Confirming and splitting a group (services.py) change the stored groups themselves
  (``take_out``), so their effect shows on the very next page; the area is refreshed later.

With the immediate task backend (tests, ``make demo`` without a worker) nothing is queued
from a request: it would run the grouping inside it. The periodic refresh or an explicit
``refresh_dirty`` / ``compute_area`` computes then.
"""

import logging
import time
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tongxin.hotspots import grouping
from tongxin.hotspots.models import HotGroup, HotGroupMember, HotIssueArea, KeptApart
from tongxin.kernel.paths import subtree_q
from tongxin.matters.choices import Status
from tongxin.matters.models import Matter
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

logger = logging.getLogger(__name__)

# The periods the page offers, in days (views.PERIODS labels them).
PERIOD_DAYS = (30, 90, 180, 365)
DEFAULT_DAYS = 90
# Merged matters live on in the matter they joined; rejected ones are not an issue.
LEFT_OUT = (Status.MERGED, Status.REJECTED)
MAX_MATTERS = 5000  # the most recent of an area: one computation stays within seconds
STORED_GROUPS = 500  # per area and period, hottest first (the export shows 200)
MEMBERS_SHOWN = 30  # of a group, on the page and in the export: its first, the rest counted
DEBOUNCE = timedelta(seconds=60)
QUEUE_EXPIRES = timedelta(minutes=15)  # a queued refresh that never ran is queued again
STALE_AFTER = timedelta(hours=6)
AREA_KINDS = (PlaceKind.STREET, PlaceKind.DISTRICT)


# --- which areas ------------------------------------------------------------------------------


def areas_for_roots(roots, *, everything=False):
    """Return (full, partial) area codes for a person whose matter roles are held at
    ``roots``: the areas whose every matter is under one of their roots (a district
    officer's district, a street officer's street) and the streets they see in part
    (a community or compound secretary, a grid worker: their matters are filtered)."""
    if everything:
        return sorted(Place.objects.filter(kind=PlaceKind.DISTRICT)
                      .values_list("code", flat=True)), []
    if not roots:
        return [], []
    prefixes = {root[:n] for root in roots for n in range(1, len(root) + 1)}
    query = Q(kind__in=AREA_KINDS, code__in=prefixes)
    for root in roots:  # districts below a city- or province-level role
        query |= Q(kind=PlaceKind.DISTRICT) & subtree_q(root)
    places = list(Place.objects.filter(query).values_list("code", "kind"))
    full, partial = set(), set()
    for root in roots:
        covered = {code for code, _kind in places if code.startswith(root)}
        if covered:
            full |= {code for code, kind in places
                     if code in covered and (kind == PlaceKind.DISTRICT or root == code)}
            continue
        streets = [code for code, kind in places
                   if kind == PlaceKind.STREET and root.startswith(code)]
        if streets:
            partial.add(streets[0])
            continue
        full |= {code for code, kind in places
                 if kind == PlaceKind.DISTRICT and root.startswith(code)}
    # A street inside a district already read in full adds nothing.
    full = {code for code in full if not any(code != o and code.startswith(o) for o in full)}
    partial = {code for code in partial if not any(code.startswith(o) for o in full)}
    return sorted(full), sorted(partial)


# --- computing -------------------------------------------------------------------------------


def _area_matters(area, now):
    since = now - timedelta(days=max(PERIOD_DAYS))
    return (Matter.objects.exclude(status__in=LEFT_OUT)
            .filter(subtree_q(area.code, "place_code"), created_at__gte=since))


def group_area(area, *, now):
    """Return {days: [grouping.Group]} for ``area`` (the clustering; no writes)."""
    from tongxin.hotspots.services import matter_items

    queryset = _area_matters(area, now)
    matters = list(queryset.select_related("place", "district")
                   .order_by("-created_at", "-pk")[:MAX_MATTERS])
    items = matter_items(matters)
    pairs = list(KeptApart.objects.among(queryset).values_list("first_id", "second_id"))
    found = {}
    for days in PERIOD_DAYS:
        since = now - timedelta(days=days)
        chosen = [item for matter, item in zip(matters, items, strict=True)
                  if matter.created_at >= since]
        groups = grouping.group_items(chosen, now=now, kept_apart=pairs)[:STORED_GROUPS]
        found[days] = grouping.describe(groups)
    return found


def _state(area):
    state, _created = HotIssueArea.objects.get_or_create(place=area, defaults={"code": area.code})
    return state


def compute_area(area, *, now=None):
    """Group the matters of ``area`` (a street or district place) for every period and
    store the groups; return the number stored. A change made while it computed keeps
    the area dirty; matters merged or rejected meanwhile are left out all the same."""
    now = now or timezone.now()
    started = timezone.now()
    found = group_area(area, now=now)
    with transaction.atomic():
        state = _state(area)
        state = HotIssueArea.objects.select_for_update().get(pk=state.pk)
        changed = state.dirty_at is not None and state.dirty_at > started
        gone = set()
        if changed:  # e.g. a confirm between reading and writing: its merged stay out
            keys = {item.key for groups in found.values() for g in groups for item in g.items}
            gone = set(Matter.objects.filter(pk__in=keys, status__in=LEFT_OUT)
                       .values_list("pk", flat=True))
        HotGroup.objects.filter(area=state).delete()
        rows, members = [], []
        for days, groups in found.items():
            for rank, group in enumerate(groups, start=1):
                items = [item for item in group.items if item.key not in gone]
                if not items:
                    continue
                row = HotGroup(area=state, days=days, rank=rank, heat=group.heat,
                               place=group.place[:200], terms=group.terms, size=len(items),
                               reporters=group.reporters, supporters=group.supporters,
                               first_at=group.first, last_at=group.last)
                rows.append(row)
                members.append((row, items))
        HotGroup.objects.bulk_create(rows, batch_size=500)
        HotGroupMember.objects.bulk_create(
            [HotGroupMember(group=row, matter_id=item.key, position=n,
                            place_label=item.place_label[:200])
             for row, items in members for n, item in enumerate(items)], batch_size=1000)
        state.computed_at = now
        state.dirty_at = state.dirty_at if changed else None
        state.save(update_fields=["computed_at", "dirty_at"])
    return len(rows)


def refresh_dirty(*, stale_after=None, now=None):
    """Compute again every dirty area, every area never computed (and, with
    ``stale_after``, every area computed longer ago than that); return
    {"areas": n, "groups": n, "seconds": s}."""
    now = now or timezone.now()
    began = time.monotonic()
    missing = (Place.objects.filter(kind__in=AREA_KINDS)
               .exclude(pk__in=HotIssueArea.objects.values("place_id")))
    HotIssueArea.objects.bulk_create([HotIssueArea(place=p, code=p.code) for p in missing],
                                     ignore_conflicts=True)  # a new street: computed now
    query = Q(dirty_at__isnull=False) | Q(computed_at__isnull=True)
    if stale_after is not None:
        query |= Q(computed_at__lt=now - stale_after)
    states = list(HotIssueArea.objects.filter(query).select_related("place").order_by("code"))
    HotIssueArea.objects.filter(pk__in=[s.pk for s in states]).update(queued_at=None)
    groups = 0
    for state in states:
        groups += compute_area(state.place, now=now)
    return {"areas": len(states), "groups": groups,
            "seconds": round(time.monotonic() - began, 2)}


def compute_all(*, now=None, district=None):
    """Compute every street and district (of ``district`` only, if given): the first
    computation of a site, the demo district, a benchmark."""
    areas = Place.objects.filter(kind__in=AREA_KINDS)
    if district is not None:
        areas = areas.filter(subtree_q(district.code))
    return sum(compute_area(area, now=now) for area in areas.order_by("code"))


# --- marking what changed --------------------------------------------------------------------


def _defers():
    from tongxin.hotspots.tasks import refresh_hot_issues_task

    return refresh_hot_issues_task.get_backend().supports_defer


def mark_dirty(codes, *, now=None):
    """Mark the streets and districts above the place ``codes`` for computing again, and
    queue one refresh, DEBOUNCE from now, unless one is already queued. Two queries: an
    area never computed has no state yet, and the next refresh computes it anyway."""
    now = now or timezone.now()
    prefixes = {code[:n] for code in codes for n in range(1, len(code) + 1)}
    HotIssueArea.objects.filter(code__in=prefixes, dirty_at__isnull=True).update(dirty_at=now)
    return queue_refresh(now=now)


def request(codes, *, now=None):
    """Ask for the first computation of the areas ``codes`` (a page found none): their
    state rows say so, and a refresh is queued for the task worker."""
    now = now or timezone.now()
    for area in Place.objects.filter(code__in=codes, kind__in=AREA_KINDS):
        HotIssueArea.objects.get_or_create(place=area, defaults={"code": area.code,
                                                                  "dirty_at": now})
    return queue_refresh(now=now)


def queue_refresh(*, now=None):
    """Queue one refresh of the dirty areas for the task worker, DEBOUNCE from now, if
    none is queued; never with a backend that would run it at once (in a request)."""
    now = now or timezone.now()
    if not _defers():
        return False
    claimed = (HotIssueArea.objects.filter(Q(dirty_at__isnull=False) | Q(computed_at__isnull=True))
               .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUE_EXPIRES))
               .update(queued_at=now))
    if not claimed:
        return False
    from tongxin.hotspots.tasks import refresh_hot_issues_task

    task = refresh_hot_issues_task.using(run_after=now + DEBOUNCE)
    transaction.on_commit(task.enqueue)
    return True


def matter_changed(event):
    """Kernel subscriber: a matter was raised, merged, moved, supported … (``matters.*``)."""
    if event.subject_type != Matter._meta.label_lower:
        return
    # The publishing request hands its own record over (no query); the sweep reads it.
    matter = event.subject
    if matter is not None and matter.place_code:
        mark_dirty({matter.place_code})


# --- changing the stored groups at once --------------------------------------------------------


def take_out(matter_ids, *, also=(), now=None):
    """Take ``matter_ids`` out of every stored group (a confirm merged them) and recompute
    the heat of the groups they left and of the groups of ``also``; return their ids."""
    now = now or timezone.now()
    left = set(HotGroupMember.objects.filter(matter_id__in=matter_ids)
               .values_list("group_id", flat=True))
    HotGroupMember.objects.filter(matter_id__in=matter_ids).delete()
    left |= set(HotGroupMember.objects.filter(matter_id__in=also)
                .values_list("group_id", flat=True))  # the matter they joined: more support
    _restate(left, now=now)
    return left


def set_apart(matter_ids, *, now=None):
    """Move ``matter_ids`` out of their stored groups, each into a group of its own."""
    now = now or timezone.now()
    moved = list(HotGroupMember.objects.filter(matter_id__in=matter_ids)
                 .select_related("group"))
    left = {member.group_id for member in moved}
    HotGroupMember.objects.filter(pk__in=[m.pk for m in moved]).delete()
    for member in moved:
        alone = HotGroup.objects.create(area_id=member.group.area_id, days=member.group.days,
                                        rank=0, heat=0, place=member.place_label)
        HotGroupMember.objects.create(group=alone, matter_id=member.matter_id, position=0,
                                      place_label=member.place_label)
        left.add(alone.pk)
    _restate(left, now=now)


def _restate(group_ids, *, now):
    """Recompute the heat and place of stored groups from their members; drop empty ones."""
    groups = HotGroup.objects.filter(pk__in=group_ids).prefetch_related("members__matter")
    for group in groups:
        members = list(group.members.all())
        if not members:
            group.delete()
            continue
        items = [grouping.Item(key=m.matter_id, title="", text="",
                               at=timezone.localtime(m.matter.created_at),
                               reporter=reporter_key(m.matter),
                               supporters=m.matter.supporter_count) for m in members]
        whole = grouping.Group(items=items, place="")
        group.heat = grouping.heat(items, now=now)
        group.size, group.reporters, group.supporters = len(items), whole.reporters, \
            whole.supporters
        group.first_at, group.last_at = whole.first, whole.last
        labels = Counter(m.place_label for m in members if m.place_label)
        group.place = labels.most_common(1)[0][0] if labels else group.place
        if len(members) == 1:
            group.terms = []
        group.save(update_fields=["heat", "place", "terms", "size", "reporters", "supporters",
                                  "first_at", "last_at"])
        renumbered = [m for n, m in enumerate(members) if m.position != n]
        for n, member in enumerate(members):
            member.position = n
        HotGroupMember.objects.bulk_update(renumbered, ["position"])


def reporter_key(matter):
    """Who raised a matter, as grouping counts reporters (a walk-in by their phone)."""
    return matter.reporter_id or (
        ("walk-in", matter.contact_phone) if matter.contact_phone else None)
