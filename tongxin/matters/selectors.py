"""Every read of matters that the pages, the REST API and Open311 share (HackSoft's
selectors): a filter, a scope or a masking rule exists here once.

Each function takes the acting person (or a kernel Scope for public reads) and goes
through ``Matter.objects.visible_to(...)``; who may do what is asked of ``rules``. A
listing returns a queryset already joined with what its rows show, so a page of it
costs a fixed number of queries whatever the row count.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from tongxin.core.masking import mask_contacts_in_text, mask_phone, public_text
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import Scope, scope_for
from tongxin.matters import rules, services
from tongxin.matters.choices import ACTIVE_STATUSES, Status, Visibility, WhistleStatus
from tongxin.matters.lookups import contains_q, in_subquery_q
from tongxin.matters.models import (
    Category,
    Inspection,
    Matter,
    Photo,
    Resolution,
    Support,
    Whistle,
)
from tongxin.matters.presenters import cards, present_events
from tongxin.people.models import Person
from tongxin.people.rules import contact_for, whole_contact_q
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

# What a list row shows: its category, where it is and who owns it (and where its
# reporter lives: whether the viewer sees the title's numbers whole, text_as_seen).
LIST_RELATED = ("category", "owner_place", "place", "reporter__household")
DETAIL_RELATED = ("category", "category__parent", "owner_place", "place",
                  "reporter__household", "district", "merged_into")
# Matters not accepted are left out of public searches (asked for by id, they still answer).
HIDDEN_FROM_PUBLIC_SEARCH = (Status.REJECTED,)


# --- the staff list -------------------------------------------------------------------------


@dataclass(frozen=True)
class MatterFilters:
    """The list's filters, cleaned: the page's form and the API's query parameters both
    produce one (``MatterFilterForm.filters()``, ``MatterFilters.from_api``)."""

    q: str = ""
    status: str = ""
    kind: str = ""
    level: str = ""
    category: int | None = None  # a category id: matters in it or below it
    place: str = ""  # a place code: matters at or under it
    overdue: bool = False
    mine: bool = False  # only what the user raised or supported

    @classmethod
    def from_api(cls, data):
        """Return the filters of the API's validated query parameters."""
        return cls(q=data.get("q") or "", status=data.get("status") or "",
                   kind=data.get("kind") or "", level=data.get("owner_level") or "",
                   category=data.get("category"), place=data.get("place") or "",
                   overdue=bool(data.get("overdue")), mine=bool(data.get("mine")))


def _mine_q(user):
    return Q(reporter_id=user.pk) | Q(
        pk__in=Support.objects.filter(person_id=user.pk).values("matter_id"))


def sees_title_whole_q(user):
    """Return a Q for the matters whose title ``user`` reads as typed: the queryset twin of
    rules.sees_raiser_contacts (and so of text_as_seen): what they raised or recorded
    themselves, a registered reporter whose contacts they see whole, a walk-in's or an
    anonymous caller's matter they handle."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    query = Q(reporter_id__in=Person.objects.filter(whole_contact_q(user)).values("pk"))
    if user.pk is not None:
        query |= Q(reporter_id=user.pk) | Q(created_by_id=user.pk)
    handled = rules.handled_q(user)
    if handled is not None:
        query |= Q(reporter__isnull=True) & handled
    return query


def title_q(user, term):
    """Return a Q for titles containing ``term`` as ``user`` reads them.

    Where ``user`` sees the raiser's contacts masked (text_as_seen), the term is matched
    against the title as they see it (``title_masked``: 138****0135, however the number
    was typed), so no term can tell apart two titles that read alike; elsewhere against
    the title as typed.
    """
    if user is None:  # nobody in particular: the title as the public would read it
        return contains_q("title_masked", term)
    if scope_for(user).everything:
        return contains_q("title", term)
    return (sees_title_whole_q(user) & contains_q("title", term)) | contains_q(
        "title_masked", term)


def filter_matters(matters, filters, *, user=None, now=None):
    """Return ``matters`` narrowed by ``filters`` (the one definition of each filter)."""
    if filters.q and filters.q.strip():
        matters = matters.filter(title_q(user, filters.q.strip()))
    if filters.status:
        matters = matters.filter(status=filters.status)
    if filters.kind:
        matters = matters.filter(kind=filters.kind)
    if filters.level:
        matters = matters.filter(owner_level=filters.level)
    if filters.category:
        # A top-level category (the page's filter) is one indexed column; one further down
        # (the API may name any) is the ids of it and the categories under it.
        top = filters.category
        below = Category.objects.filter(Q(pk=top) | Q(parent_id=top)
                                        | Q(parent__parent_id=top)).values("pk")
        matters = matters.filter(Q(top_category_id=top) | in_subquery_q("category_id", below))
    if filters.place:
        matters = matters.filter(subtrees_q([filters.place], "place_code"))
    if filters.overdue:
        matters = matters.overdue(now or timezone.now())
    if filters.mine and user is not None:
        matters = matters.filter(_mine_q(user))
    return matters


def matter_list(user, *, filters=MatterFilters(), within=None, now=None):
    """Return the matters ``user`` may see, filtered, newest first.

    ``within`` (a place code) narrows further, e.g. to an API key's district.
    """
    matters = Matter.objects.visible_to(user)
    if within is not None:
        matters = matters.filter(subtrees_q([within], "place_code"))
    matters = filter_matters(matters, filters, user=user, now=now)
    return matters.select_related(*LIST_RELATED).order_by("-created_at", "-pk")


# --- counting and paging long lists (issue 12) ----------------------------------------------


def count_cap():
    """Lists count their rows up to this many and say "10,000+" beyond: an exact COUNT of a
    city's matters reads every visible row."""
    return getattr(settings, "TONGXIN_LIST_COUNT_CAP", 10_000)


@dataclass(frozen=True)
class CappedCount:
    count: int  # the rows, at most ``cap``
    cap: int
    more: bool  # there are more than ``cap``

    @property
    def cap_text(self):
        return f"{self.cap:,}"  # 10,000


def capped_count(matters, cap=None):
    """Count ``matters`` reading at most ``cap`` + 1 of them (SELECT COUNT(*) FROM (… LIMIT))."""
    cap = count_cap() if cap is None else cap
    found = matters.order_by().values("pk")[: cap + 1].count()
    return CappedCount(count=min(found, cap), cap=cap, more=found > cap)


class CappedPaginator(Paginator):
    """A Paginator whose count reads at most ``cap`` + 1 rows (``capped``: there are more
    than its pages show; the pages past the cap are not offered)."""

    def __init__(self, object_list, per_page, cap=None, counted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = count_cap() if cap is None else cap
        if counted is not None:  # counted already (the page shows the count too)
            self.__dict__["counted"] = counted

    @cached_property
    def counted(self):
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self):
        return self.counted.count

    @property
    def capped(self):
        return self.counted.more

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if not self.capped and top + self.orphans >= self.count:
            top = self.count
        # Capped: the last page offered is full, whatever lies beyond the cap.
        return self._get_page(self.object_list[bottom:top], number, self)


def encode_cursor(matter):
    """Return the keyset cursor of a row of the list: its (created_at, pk), as text."""
    stamp = matter.created_at.astimezone(dt.UTC)
    return f"{stamp:%Y%m%d%H%M%S%f}-{matter.pk}"


def decode_cursor(text):
    """Return the (created_at, pk) of a cursor, or None if ``text`` is not one."""
    stamp, _sep, pk = (text or "").partition("-")
    try:
        at = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=dt.UTC)
        return at, int(pk)
    except ValueError:
        return None


@dataclass
class KeysetPage:
    """One page of a list ordered newest first, found by its neighbour's (created_at, pk)
    rather than by an offset: as fast on the thousandth page as on the first, and a row
    raised meanwhile neither shifts a row onto the next page twice nor hides one."""

    object_list: list
    newer: str | None  # the cursor of the page before (newer rows), None on the first page
    older: str | None  # the cursor of the page after (older rows), None on the last page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self):
        return bool(self.newer or self.older)


def keyset_page(matters, *, after=None, before=None, size=50):
    """Return the KeysetPage of ``matters`` (ordered newest first) just older than cursor
    ``after``, or just newer than cursor ``before``, or the first page."""
    if before is not None:
        at, pk = before
        # The bound on created_at alone is what an index range scan can start from (an OR
        # of two comparisons is only a filter, read row by row from the newest).
        rows = list(matters.filter(created_at__gte=at)
                    .filter(Q(created_at__gt=at) | Q(pk__gt=pk))
                    .order_by("created_at", "pk")[: size + 1])
        if len(rows) <= size:  # back at the newest rows: the first page, full
            return keyset_page(matters, size=size)
        rows = rows[:size][::-1]
        return KeysetPage(rows, newer=encode_cursor(rows[0]), older=encode_cursor(rows[-1]))
    if after is not None:
        at, pk = after
        matters = matters.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(pk__lt=pk))
    rows = list(matters.order_by("-created_at", "-pk")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    newer = encode_cursor(rows[0]) if after is not None and rows else None
    return KeysetPage(rows, newer=newer, older=encode_cursor(rows[-1]) if more_older else None)


# The levels that tell one "1号楼" from another in a list: the community and the compound.
CONTEXT_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND)


def with_places(matters, *, separator=" · "):
    """Return ``matters`` (a page of them, loaded with ``place`` and ``owner_place``) as a
    list, each with ``where``: its place after its community and compound ("红星社区 ·
    幸福小区 · 1号楼"), and ``owner_where``: its owner the same way ("红星社区 · 幸福小区 ·
    第1网格"). The places above are found in one query by their codes, whatever the rows."""
    matters = list(matters)
    prefixes = {code for m in matters for place in (m.place, m.owner_place)
                for code in place.ancestor_codes()}
    names = dict(Place.objects.filter(code__in=prefixes, kind__in=CONTEXT_KINDS)
                 .values_list("code", "name")) if prefixes else {}

    def where(place):
        above = [names[code] for code in place.ancestor_codes() if code in names]
        return separator.join([*above, place.name])

    for matter in matters:
        matter.where, matter.owner_where = where(matter.place), where(matter.owner_place)
    return matters


def my_matters(user, *, limit=None):
    """Return the matters ``user`` raised or supported, newest first."""
    matters = (Matter.objects.visible_to(user).filter(_mine_q(user))
               .select_related("category", "place", "reporter__household")
               .order_by("-created_at", "-pk"))
    return matters[:limit] if limit is not None else matters


# --- the inbox (听事) and "my work" -----------------------------------------------------------


@dataclass
class Inbox:
    handles: bool  # whether the user handles matters at all (else only whistles)
    matters: object  # active matters their places own, overdue first (None if not handles)
    parked: object  # matters waiting for the deliberation day
    whistles: object  # whistles to their departments not yet answered


def _handled(user, statuses):
    query = rules.handled_q(user)
    if query is None:
        return Matter.objects.none()
    return (Matter.objects.visible_to(user).filter(query, status__in=statuses)
            .select_related(*LIST_RELATED))


def waiting_whistles(user):
    """Return the whistles to the user's departments on matters still whistled, not answered,
    the earliest deadline first."""
    department_ids = rules.department_ids(user)
    if not department_ids:
        return Whistle.objects.none()
    return (Whistle.objects.filter(department_id__in=department_ids,
                                   matter__status=Status.WHISTLED)
            .exclude(status=WhistleStatus.ANSWERED)
            .select_related("matter", "department", "matter__place", "matter__category",
                            "matter__reporter__household")
            .order_by("answer_due_at", "report_due_at", "pk"))


def inbox(user, *, now=None, parked_limit=50):
    """Return what waits for ``user``: active matters their places own, overdue first (then
    by due date), the parked ones, and the whistles waiting for their departments."""
    now = now or timezone.now()
    handles = rules.handles_matters(user)
    matters = parked = None
    if handles:
        matters = _handled(user, ACTIVE_STATUSES).annotate(
            overdue_rank=Case(When(due_at__lt=now, then=Value(0)), default=Value(1),
                              output_field=IntegerField()),
        ).order_by("overdue_rank", F("due_at").asc(nulls_last=True), "pk")
        parked = _handled(user, [Status.AWAITING_DELIBERATION]).order_by(
            "deliberation_on", "pk")[:parked_limit]
    return Inbox(handles=handles, matters=matters, parked=parked,
                 whistles=waiting_whistles(user))


def inbox_cards(matters, user, *, now=None):
    """Return the inbox's cards of ``matters`` as ``user`` reads them (presenters.Card)."""
    return cards(matters, lambda m: text_as_seen(m, user).title, now=now)


def work_summary(user, *, now=None):
    """Count the active matters owned where ``user`` handles them: open, new and overdue
    (None when they handle none)."""
    query = rules.handled_q(user)
    if query is None:
        return None
    owned = Matter.objects.visible_to(user).filter(query, status__in=ACTIVE_STATUSES)
    return owned.aggregate(
        open=Count("id"),
        new=Count("id", filter=Q(status=Status.NEW)),
        overdue=Count("id", filter=Q(due_at__lt=now or timezone.now())),
    )


def whistle_summary(user, *, now=None):
    """Count the whistles waiting for ``user``'s departments: all, those still to report
    in, and those past a deadline (None when they answer no whistles)."""
    if not rules.department_ids(user):
        return None
    now = now or timezone.now()
    return waiting_whistles(user).order_by().aggregate(
        waiting=Count("id"),
        to_report=Count("id", filter=Q(status=WhistleStatus.WHISTLED)),
        late=Count("id", filter=Q(status=WhistleStatus.WHISTLED, report_due_at__lt=now)
                   | Q(answer_due_at__lt=now)),
    )


def results_to_inspect(user):
    """Return the published results ``user`` inspects (验收) and has not inspected since
    they were last recorded, on the boards of their building or compound."""
    roots = scope_for(user).roots_for_roles(rules.INSPECTOR_ROLES)
    if not roots:
        return Matter.objects.none()
    mine = Inspection.objects.filter(inspector_id=user.pk, resolution__matter=OuterRef("pk"),
                                     created_at__gte=OuterRef("resolved_at"))
    return (Matter.objects.published_in_any(roots).filter(status=Status.RESOLVED)
            .exclude(Exists(mine)))


def results_to_rate(user):
    """Return the results of the matters ``user`` raised that wait for their rating (评事)."""
    return Matter.objects.visible_to(user).filter(reporter_id=user.pk, status=Status.RESOLVED)


def area_summary(user, *, now=None):
    """Count the open matters in the places where ``user`` sees matters without handling
    them (building heads, mediators, legal advisers, police): open and overdue (None for
    roles that see no matters by place)."""
    roots = scope_for(user).roots_for_roles(rules.MATTER_ROLES - rules.HANDLER_ROLES)
    if not roots:
        return None
    matters = Matter.objects.visible_to(user).filter(subtrees_q(roots, "place_code")).open()
    return matters.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(status__in=ACTIVE_STATUSES,
                                     due_at__lt=now or timezone.now())),
    )


# --- one matter -------------------------------------------------------------------------------


def matter_detail(user, pk, *, within=None):
    """Return the matter ``pk`` if ``user`` may see it (with what its page shows), else None."""
    matters = Matter.objects.visible_to(user).filter(pk=pk)
    if within is not None:
        matters = matters.filter(subtrees_q([within], "place_code"))
    return matters.select_related(*DETAIL_RELATED).first()


def whistles_of(matter):
    return list(matter.whistles.select_related("department").order_by("created_at", "pk"))


def timeline_events(matter, *, internal):
    """Return the matter's events, oldest first; internal ones only for its staff."""
    events = matter.events.select_related("actor").prefetch_related("photos")
    if not internal:
        events = events.filter(visibility=Visibility.PUBLIC)
    return events


def resolutions_of(matter):
    return list(Resolution.objects.filter(matter=matter).prefetch_related("inspections")
                .order_by("round"))


def _mask_for(matter, user):
    """Return what the free text of ``matter`` goes through for ``user``: phone and ID
    numbers masked unless they see the raiser's contacts whole (as text_as_seen)."""
    return mask_contacts_in_text if text_as_seen(matter, user).masked else _whole


def _whole(text):
    return text


def timeline_as_seen(matter, user, *, internal):
    """Return the EventViews of the matter's timeline (internal steps only if
    ``internal``) as ``user`` may read them: the notes and summaries people typed (results,
    rating comments, reopen, escalation and inspection reasons, replies) masked as the
    matter's own text is (text_as_seen). The pages and the API both read it here."""
    return present_events(timeline_events(matter, internal=internal),
                          mask=_mask_for(matter, user))


@dataclass(frozen=True)
class InspectionSeen:
    passed: bool
    note: str
    created_at: object


@dataclass(frozen=True)
class ResultSeen:
    """One round of a matter's result, its free text as a viewer may read it."""

    round: int
    created_at: object
    what_was_done: str
    basis: str
    standard: str
    inspections: list


def _result_seen(resolution, mask, inspections=()):
    return ResultSeen(
        round=resolution.round, created_at=resolution.created_at,
        what_was_done=mask(resolution.what_was_done), basis=mask(resolution.basis),
        standard=mask(resolution.standard),
        inspections=[InspectionSeen(i.passed, mask(i.note), i.created_at) for i in inspections])


def results_as_seen(matter, user):
    """Return the rounds of the matter's result, oldest first, as ``user`` may read them
    (masked as the matter's own text is, text_as_seen); the matter page and the API."""
    mask = _mask_for(matter, user)
    return [_result_seen(r, mask, r.inspections.all()) for r in resolutions_of(matter)]


def answer_as_seen(whistle, user):
    """Return a department's answer to a whistle as ``user`` may read it: masked as its
    matter's own text is (text_as_seen; a whistle of ``matter.whistles`` shares the matter
    loaded, so this reads nothing more)."""
    return _mask_for(whistle.matter, user)(whistle.answer)


def raiser_names(matter):
    """Return the names the matter's own text may contain: its reporter's and its contact's."""
    reporter = matter.reporter if matter.reporter_id else None
    return [name for name in (reporter and reporter.full_name, matter.contact_name) if name]


def public_title(matter):
    """Return the matter's title as the public (every resident of a compound) may read
    it: numbers, flats and names scrubbed (core.masking.public_text, as Open311)."""
    return public_text(matter.title, raiser_names(matter))


def public_result(matter, resolution):
    """Return a round of the result (or None) as the compound board shows it to everyone
    who may read it: numbers, flats and names scrubbed, whoever reads (as Open311)."""
    if resolution is None:
        return None
    names = raiser_names(matter)
    return _result_seen(resolution, lambda text: public_text(text, names))


def offered_actions(matter, user):
    """Return the actions to offer ``user`` on ``matter`` now (the transition table's allowed
    actions, less what the service would refuse anyway at the matter's level)."""
    return [action for action in services.allowed_actions(matter, user)
            if rules.is_offered(action, matter)]


def reporter_block(matter, user, *, staff=None):
    """Return what ``user`` sees of the matter's reporter, or None.

    The reporter sees themselves; staff of the matter see the reporter with the phone
    masked unless their role needs it (people.rules.contact_for), and a walk-in's
    contact in full only if they handle the matter; other people see nobody.
    """
    if matter.reporter_id and matter.reporter_id == user.pk:
        return {"name": matter.reporter.full_name, "phone": matter.reporter.phone or "",
                "masked": False, "is_self": True, "walk_in": False}
    if staff is None:
        staff = rules.sees_internal(user, matter, whistles_of(matter))
    if not staff:
        return None
    if matter.reporter is not None:
        contact = contact_for(user, matter.reporter)
        return {"name": matter.reporter.full_name, "phone": contact["phone"],
                "masked": contact["masked"], "is_self": False, "walk_in": False}
    if matter.contact_name or matter.contact_phone:
        handler = rules.is_handler(user, matter)
        return {"name": matter.contact_name or _("Walk-in"),
                "phone": matter.contact_phone if handler else mask_phone(matter.contact_phone),
                "masked": not handler, "is_self": False, "walk_in": True}
    return {"name": _("Anonymous"), "phone": "", "masked": False, "is_self": False,
            "walk_in": False}


@dataclass(frozen=True)
class MatterText:
    title: str
    description: str
    masked: bool


def text_as_seen(matter, user):
    """Return the matter's title and description as ``user`` may read them: with phone and
    ID numbers masked (however written, core.masking) unless they see the raiser's
    contacts whole (rules.sees_raiser_contacts). Kept on the matter for the request."""
    seen = matter.__dict__.setdefault("_text_as_seen", {})
    key = getattr(user, "pk", None)
    if key not in seen:
        if rules.sees_raiser_contacts(user, matter):
            seen[key] = MatterText(matter.title, matter.description, masked=False)
        else:
            seen[key] = MatterText(mask_contacts_in_text(matter.title),
                                   mask_contacts_in_text(matter.description), masked=True)
    return seen[key]


# --- the compound board (公示栏) --------------------------------------------------------------


def board(place, user):
    """Return the results published on the board of compound ``place`` (the newest first),
    each with its rounds of handling (``rounds``, latest first) and ``user``'s own
    inspection of each (``mine``); nothing if ``user`` may not see that board."""
    if not rules.may_see_board(user, place):
        return Matter.objects.none()
    mine = Inspection.objects.filter(inspector_id=user.pk) if user.pk else Inspection.objects.none()
    rounds = Resolution.objects.order_by("-round").prefetch_related(
        Prefetch("inspections", queryset=mine, to_attr="mine"))
    results = Photo.objects.filter(event__action="resolved").select_related("event").order_by(
        "pk")
    return (Matter.objects.published_in(place)
            .select_related("category", "reporter__household", "place")
            .prefetch_related(Prefetch("resolutions", queryset=rounds, to_attr="rounds"),
                              Prefetch("photos", queryset=results, to_attr="result_photos"))
            .order_by("-published_at", "-pk"))


def result_photos(matter, resolution):
    """Return the photos of ``resolution`` (a round) among a board row's result photos."""
    if resolution is None:
        return []
    return [p for p in getattr(matter, "result_photos", [])
            if (p.event.data or {}).get("round", 1) == resolution.round]


# --- categories -------------------------------------------------------------------------------


def categories_for(who, *, top_level=False):
    """Return the active categories ``who`` chooses from: a district's own (``who`` a Place),
    or those of the districts above or within a person's places (a resident: their own
    district; a superuser: all). ``top_level`` keeps the first level only (the list filter).
    """
    categories = Category.objects.filter(is_active=True)
    if top_level:
        categories = categories.filter(parent__isnull=True)
    if isinstance(who, Place):
        return categories.filter(district=who)
    scope = scope_for(who)
    if scope.everything:
        return categories
    return categories.filter(Q(district__code__in=scope.place_ancestors)
                             | subtrees_q(scope.place_roots, "district__code"))


# --- public reads (Open311) -------------------------------------------------------------------


def public_matters(scope, *, district):
    """Return every matter of ``district`` a public reader (``scope``: kernel.scope.PUBLIC)
    may know of, asked for by id or in the public timeline: all of the district's, the
    caller presenting only public fields (never the reporter). A signed-in scope reads
    the same rows within what it may see."""
    if not isinstance(scope, Scope):
        scope = scope_for(scope)
    matters = (Matter.objects.all() if scope.public or scope.everything
               else Matter.objects.visible_to(scope))
    return matters.filter(district=district)


def public_requests(scope, *, district, start=None, end=None, statuses=None, categories=None):
    """Return the matters of ``district`` a public search lists, newest first: those not
    accepted left out; ``start``/``end`` (raised between), ``statuses`` and ``categories``
    (ids: matters in them or directly below) narrow the list."""
    matters = public_matters(scope, district=district).exclude(
        status__in=HIDDEN_FROM_PUBLIC_SEARCH)
    if start is not None:
        matters = matters.filter(created_at__gte=start)
    if end is not None:
        matters = matters.filter(created_at__lte=end)
    if statuses:
        matters = matters.filter(status__in=statuses)
    if categories:
        matters = matters.filter(Q(category_id__in=categories)
                                 | Q(category__parent_id__in=categories))
    return matters.order_by("-created_at", "-pk")
