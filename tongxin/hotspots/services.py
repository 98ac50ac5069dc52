"""The district's hot issues: group the matters a person may see, and the two writes staff
make on a group. Confirming merges the members into one matter (matters.services.merge,
which checks each matter's status and handler); splitting keeps members apart so the
grouping never joins them again. Both are atomic and leave events."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.masking import mask_contacts_in_text
from tongxin.core.models import record_event
from tongxin.hotspots import computing, grouping
from tongxin.hotspots.computing import LEFT_OUT, MAX_MATTERS
from tongxin.hotspots.models import HotGroup, HotGroupMember, HotIssueArea, KeptApart
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.matters import rules as matter_rules
from tongxin.matters import services as matter_services
from tongxin.matters.choices import OPEN_STATUSES
from tongxin.matters.models import Matter
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


@dataclass
class MatterGroup:
    """A group of matters, hottest first on the page; ``matters`` in the group's order."""

    group: grouping.Group
    matters: list
    rank: int = 0

    @property
    def representative(self):
        return self.matters[0]

    @property
    def mergeable(self):
        return len(self.matters) > 1

    @property
    def more(self):
        """How many matters of the group are not listed (a stored group lists its first)."""
        return max(0, self.group.count - len(self.matters))


@dataclass
class ConfirmResult:
    into: Matter
    merged: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (matter, why)


# --- reading ------------------------------------------------------------------------------------


def matters_for(user, *, days, now=None):
    """Return the matters ``user`` may see raised in the last ``days`` days, to be grouped."""
    now = now or timezone.now()
    return (Matter.objects.visible_to(user).exclude(status__in=LEFT_OUT)
            .filter(created_at__gte=now - timedelta(days=days)))


def _compounds(matters):
    """Return {code: name} of the compounds in the districts of ``matters``."""
    districts = {m.district.code for m in matters}
    if not districts:
        return {}
    return dict(Place.objects.filter(subtrees_q(districts, "code"), kind=PlaceKind.COMPOUND)
                .values_list("code", "name"))


def _compound_of(code, compounds):
    for n in range(len(code), 0, -1):
        if code[:n] in compounds:
            return code[:n]
    return None


def matter_items(matters):
    """Return grouping items for ``matters``: the compound is each one's given place."""
    compounds = _compounds(matters)
    items = []
    for matter in matters:
        compound = _compound_of(matter.place_code, compounds)
        reporter = computing.reporter_key(matter)
        items.append(grouping.Item(
            # Numbers are no part of an issue: labels, pages and exports never carry one.
            key=matter.pk, title=mask_contacts_in_text(matter.title),
            text=mask_contacts_in_text(matter.description),
            at=timezone.localtime(matter.created_at), reporter=reporter,
            places=frozenset({compound}) if compound else frozenset(),
            place_label=compounds[compound] if compound else matter.place.name,
            supporters=matter.supporter_count,
            # The representative, which the others merge into: the first one raised
            # that is still open.
            priority=(matter.status in OPEN_STATUSES, -matter.created_at.timestamp()),
        ))
    return items


@dataclass
class Stored:
    """What the page shows: the groups, and when the areas they come from were computed."""

    groups: list
    computed_at: object = None  # the oldest computation among the areas read
    pending: bool = False  # an area of the person's has not been computed yet


@dataclass
class StoredGroup:
    """A stored group as the page and the export show it (the figures of grouping.Group,
    counted over the whole group although only its first members are listed)."""

    items: list
    place: str
    terms: list
    heat: float
    count: int
    reporters: int
    supporters: int
    first: object
    last: object

    representative = grouping.Group.representative
    label = grouping.Group.label
    keys = grouping.Group.keys


def _stored_group(row, matters, partial, *, now):
    """Return a MatterGroup from a stored group and its (visible, listed) members."""
    items = [grouping.Item(key=m.pk, title=m.title_masked or mask_contacts_in_text(m.title),
                           text="", at=timezone.localtime(m.created_at),
                           reporter=computing.reporter_key(m), place_label=label,
                           supporters=m.supporter_count) for m, label in matters]
    if partial:  # only what the person sees: the figures, place and words of those alone
        seen = grouping.Group(items=items, place="")
        labels = Counter(label for _m, label in matters if label)
        group = StoredGroup(items=items, place=labels.most_common(1)[0][0] if labels else "",
                            terms=[], heat=grouping.heat(items, now=now), count=len(items),
                            reporters=seen.reporters, supporters=seen.supporters,
                            first=seen.first, last=seen.last)
    else:
        group = StoredGroup(items=items, place=row.place, terms=list(row.terms), heat=row.heat,
                            count=row.size, reporters=row.reporters, supporters=row.supporters,
                            first=timezone.localtime(row.first_at),
                            last=timezone.localtime(row.last_at))
    return MatterGroup(group=group, matters=[m for m, _label in matters])


def district_groups(user, *, days, limit=50, now=None):
    """Return the stored hot issues ``user`` may see (last ``days``), hottest first.

    Reads the groups computed in the background (computing.py) for the streets and
    districts where the person handles matters; where they see only part of a street
    (a community, a compound, a grid), only the groups with a matter they may see, and
    only those matters. Nothing is grouped here. An area never computed is queued."""
    scope = scope_for(user)
    full, partial = computing.areas_for_roots(
        scope.roots_for_roles(matter_rules.HANDLER_ROLES | matter_rules.ADMIN_ROLES),
        everything=scope.everything)
    codes = full + partial
    if not codes:
        return Stored(groups=[])
    states = list(HotIssueArea.objects.filter(code__in=codes)
                  .values_list("code", "computed_at"))
    computed = {code: at for code, at in states if at is not None}
    missing = [code for code in codes if code not in computed]
    if missing:
        computing.request(missing)
    if not computed:
        return Stored(groups=[], pending=True)
    visible = Matter.objects.visible_to(user).values("pk")
    query = Q(area__code__in=[c for c in full if c in computed])
    partial = [c for c in partial if c in computed]
    if partial:
        query |= Q(area__code__in=partial, pk__in=HotGroupMember.objects.filter(
            group__area__code__in=partial, group__days=days, matter__in=visible,
        ).values("group_id"))
    rows = list(HotGroup.objects.filter(query, days=days).select_related("area")
                .order_by("-heat", "area__code", "rank")[:limit])
    members = list(HotGroupMember.objects.filter(group__in=rows,
                                                 position__lt=computing.MEMBERS_SHOWN)
                   .select_related("matter__place", "matter__district",
                                   "matter__reporter__household")
                   .order_by("group_id", "position"))
    seen = None
    if partial:
        ids = [m.matter_id for m in members if m.group.area.code in partial]
        seen = set(Matter.objects.visible_to(user).filter(pk__in=ids)
                   .values_list("pk", flat=True))
    by_group = {}
    for member in members:
        by_group.setdefault(member.group_id, []).append(member)
    now = now or timezone.now()
    groups = []
    for row in rows:
        part = row.area.code in partial
        chosen = [(m.matter, m.place_label) for m in by_group.get(row.pk, [])
                  if m.matter.status not in LEFT_OUT and (not part or m.matter_id in seen)]
        if chosen:  # a member merged or rejected since: the figures of those left
            changed = len(chosen) < len(by_group[row.pk])
            groups.append(_stored_group(row, chosen, part or changed,
                                        now=computed[row.area.code]))
    groups.sort(key=lambda g: -g.group.heat)
    for rank, group in enumerate(groups, start=1):
        group.rank = rank
    return Stored(groups=groups, computed_at=min(computed.values()), pending=bool(missing))


def live_groups(user, *, days, limit=50, now=None):
    """Group the matters ``user`` may see now, inside the call (seconds at city scale):
    what the page did before the groups were stored; kept for comparisons (bench)."""
    now = now or timezone.now()
    queryset = matters_for(user, days=days, now=now)
    matters = list(queryset.select_related("place", "district", "reporter__household")
                   .order_by("-created_at", "-pk")[:MAX_MATTERS])
    if not matters:
        return []
    pairs = KeptApart.objects.among(queryset).values_list("first_id", "second_id")
    groups = grouping.group_items(matter_items(matters), now=now, kept_apart=list(pairs))
    groups = grouping.describe(groups[:limit])
    by_pk = {m.pk: m for m in matters}
    return [MatterGroup(group=g, matters=[by_pk[k] for k in g.keys], rank=rank)
            for rank, g in enumerate(groups, start=1)]


# --- writing -----------------------------------------------------------------------------------


@transaction.atomic
def confirm_group(*, into, members, by):
    """Merge ``members`` into ``into``: each one the merge service allows is merged; each
    one it refuses (its status, or not handled by ``by``) is reported with the reason."""
    members = sorted({m.pk: m for m in members if m.pk != into.pk}.values(), key=lambda m: m.pk)
    if not members:
        raise ServiceError("nothing_to_merge",
                           _("Choose at least one other matter of the group to merge."))
    into = Matter.objects.select_for_update().select_related("place").get(pk=into.pk)
    if not matter_rules.is_handler(by, into):
        raise PermissionDenied(
            "not_allowed", _("You do not handle matter %(number)s, so it cannot take the "
                             "others in.") % {"number": into.number})
    if into.status in LEFT_OUT:
        raise ServiceError(
            "bad_target", _("Matter %(number)s is “%(status)s”: choose another one to merge "
                            "into.") % {"number": into.number, "status": into.get_status_display()})
    result = ConfirmResult(into=into)
    for member in members:
        try:
            with transaction.atomic():
                matter_services.merge(member, into=into, by=by)
        except ServiceError as error:
            result.refused.append((member, " ".join(str(m) for m in error.messages)))
        else:
            result.merged.append(member)
    if result.merged:
        record_event("hotspots.group_confirmed", into, actor=by, place=into.place,
                     merged=[m.pk for m in result.merged],
                     refused=[m.pk for m, _why in result.refused])
        # The stored groups show it at once; the areas are computed again later.
        computing.take_out([m.pk for m in result.merged], also=[into.pk])
        computing.mark_dirty({into.place_code} | {m.place_code for m in result.merged})
    result.into.refresh_from_db()
    return result


@transaction.atomic
def split_group(*, members, remove, by):
    """Take ``remove`` out of the group ``members``: each is kept apart from the members
    that stay, so that grouping them again does not join them. Return the pairs added."""
    members = {m.pk: m for m in members}
    removed = {m.pk: m for m in remove}
    if not removed:
        raise ServiceError("nothing_to_split",
                           _("Choose the matters that are not about the same issue."))
    if not removed.keys() <= members.keys():
        raise ServiceError("not_in_group", _("Only matters of the group can be split off."))
    staying = sorted(members.keys() - removed.keys())
    if not staying:
        raise ServiceError("split_everything", _("Leave at least one matter in the group."))
    # As they are now (a matter may have moved up a level since the page was drawn).
    removed = Matter.objects.select_related("place").in_bulk(removed.keys())
    for matter in removed.values():
        if not matter_rules.is_handler(by, matter):
            raise PermissionDenied(
                "not_allowed", _("You do not handle matter %(number)s, so you cannot split "
                                 "it off.") % {"number": matter.number})
    pairs = [KeptApart(first_id=min(a, b), second_id=max(a, b), by=by)
             for a in sorted(removed) for b in staying]
    existing = set(KeptApart.objects.filter(first__in=members, second__in=members)
                   .values_list("first_id", "second_id"))
    new = [pair for pair in pairs if (pair.first_id, pair.second_id) not in existing]
    KeptApart.objects.bulk_create(new, ignore_conflicts=True)
    for _pk, matter in sorted(removed.items()):
        record_event("hotspots.kept_apart", matter, actor=by, place=matter.place,
                     apart_from=staying)
    computing.set_apart(sorted(removed))
    computing.mark_dirty({m.place_code for m in removed.values()})
    return len(new)
