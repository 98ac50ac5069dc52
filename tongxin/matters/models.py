from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.matters.choices import (
    ACTIVE_STATUSES,
    Channel,
    Kind,
    Level,
    RejectReason,
    Satisfaction,
    Status,
    Visibility,
    WhistleStatus,
)
from tongxin.matters.lookups import in_subquery_q
from tongxin.matters.rules import MATTER_ROLES, whole_compound_q
from tongxin.people.choices import Role

PERSON = settings.AUTH_USER_MODEL


class Category(models.Model):
    """A node of a district's configurable category tree (seeded from the taidi2020 taxonomy)."""

    district = models.ForeignKey(
        "places.Place", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=64)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["district", "depth", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "parent", "name"], name="category_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["district", "name"], condition=Q(parent__isnull=True),
                name="category_unique_top_level",
            ),
        ]

    def __str__(self):
        return self.name


class MatterQuerySet(ScopedQuerySet):
    def published_in(self, place):
        """Return the matters whose results are on the board of ``place`` (public)."""
        return self.filter(
            subtrees_q([place.code], "place_code"), published_at__isnull=False
        ).exclude(status__in=[Status.REJECTED, Status.MERGED])

    def published_in_any(self, codes):
        """Return the published results of matters at or under any of the place ``codes``."""
        return self.filter(subtrees_q(codes, "place_code"), published_at__isnull=False).exclude(
            status__in=[Status.REJECTED, Status.MERGED])

    def open(self):
        return self.exclude(status__in=[Status.CLOSED, Status.CLOSED_UNSOLVED, Status.REJECTED,
                                        Status.MERGED])

    def overdue(self, now=None):
        return self.filter(status__in=ACTIVE_STATUSES, due_at__lt=now or timezone.now())


def top_category_id(category_id, category=None):
    """Return the id of the top of the tree ``category_id`` is in (itself if top-level): no
    query for a top-level category already loaded, else one."""
    if category is not None and category.pk == category_id and category.parent_id is None:
        return category_id
    row = (Category.objects.filter(pk=category_id)
           .values_list("parent_id", "parent__parent_id", "parent__parent__parent_id").first())
    if row is None:
        return None
    return next((pk for pk in reversed(row) if pk is not None), category_id)


def matter_roots(scope):
    """Return the place codes under which a scope's roles see matters."""
    return scope.roots_for_roles(MATTER_ROLES)


class Matter(models.Model):
    """One thing a resident raised, followed from raising to the residents' judgement (六事闭环)."""

    district = models.ForeignKey(
        "places.Place", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="matters"
    )
    # A copy of place.code, so "matters under this place" is one indexed range query.
    place_code = models.CharField(_("place code"), max_length=32, db_index=True)
    # Where exactly, when a client gives it (Open311 lat/long and address_string).
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100)
    # The title as those who see the raiser's contacts masked read it (core.masking's
    # mask_contacts_in_text), kept so their search matches what they see and nothing more
    # (selectors.title_q). Written with the title, by the services that write one.
    title_masked = models.CharField(_("title as masked"), max_length=100, blank=True,
                                    editable=False)
    description = models.TextField(_("description"), max_length=5000)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="matters"
    )
    # The top of ``category``'s tree, kept by ``save`` whenever the category is set: the
    # list's category filter is then one indexed equality ("matter_top_category_time"),
    # not a join up two levels of parents.
    top_category = models.ForeignKey(
        Category, verbose_name=_("top-level category"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False, db_index=False,
    )
    reporter = models.ForeignKey(
        PERSON, verbose_name=_("reporter"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="matters_reported",
    )
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        PERSON, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices,
                               default=Channel.ONLINE)
    raised_level = models.CharField(_("level raised at"), max_length=12, choices=Level.choices,
                                    default=Level.GRID)
    publish_consent = models.BooleanField(
        _("may be published with my name"), default=False,
        help_text=_("Without consent the public board shows no name or phone number."),
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)

    status = models.CharField(_("status"), max_length=24, choices=Status.choices,
                              default=Status.NEW, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, blank=True)
    emergency = models.BooleanField(_("emergency"), default=False)
    owner_level = models.CharField(_("owner level"), max_length=12, choices=Level.choices)
    owner_place = models.ForeignKey(
        "places.Place", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    owner_code = models.CharField(max_length=32, db_index=True)
    stage = models.CharField(_("deadline stage"), max_length=24, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    golden_idea = models.BooleanField(_("golden idea"), default=False)
    golden_reason = models.CharField(_("why it is a golden idea"), max_length=200, blank=True)
    reject_reason = models.CharField(_("reason not accepted"), max_length=20,
                                     choices=RejectReason.choices, blank=True)
    # Parked for the monthly deliberation day; the meeting itself links here later.
    deliberation_on = models.DateField(_("deliberation day"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged",
    )
    supporter_count = models.PositiveIntegerField(_("supporters"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("rework"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    satisfaction = models.CharField(_("satisfaction"), max_length=12,
                                    choices=Satisfaction.choices, blank=True)

    created_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    heard_at = models.DateTimeField(_("heard at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = MatterQuerySet.as_manager()

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="matter_idempotent_submit"
            ),
        ]
        indexes = [
            models.Index(fields=["owner_code", "status", "due_at"], name="matter_inbox"),
            # Keyset pages of the list, newest first: ORDER BY created_at DESC, id DESC.
            models.Index(fields=["created_at", "id"], name="matter_recent"),
            # Visibility as index range scans (scope_q): what is under a place, and what a
            # place owns, each in time order.
            models.Index(fields=["place_code", "created_at"], name="matter_place_time"),
            models.Index(fields=["owner_code", "created_at"], name="matter_owner_time"),
            models.Index(fields=["top_category", "created_at"], name="matter_top_category_time"),
            # The open matters (a small part of all, once a city has years of them): the
            # inbox and the counts of open work read only these.
            models.Index(fields=["owner_code", "due_at"], name="matter_open_by_owner",
                         condition=Q(status__in=sorted(ACTIVE_STATUSES))),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Keep ``top_category`` the top of ``category``'s tree whenever the category is set
        (raised, re-categorised, or written by any other path)."""
        if self.category_id is not None and self.__dict__.get("_top_of") != self.category_id:
            loaded = self._meta.get_field("category").is_cached(self)
            self.top_category_id = top_category_id(self.category_id,
                                                   self.category if loaded else None)
            self.__dict__["_top_of"] = self.category_id
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "category" in update_fields:
                kwargs["update_fields"] = {*update_fields, "top_category"}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        matter = super().from_db(db, field_names, values)
        # Its top_category was kept for the category it was loaded with.
        matter.__dict__["_top_of"] = matter.__dict__.get("category_id")
        return matter

    @classmethod
    def scope_q(cls, scope, action="view"):
        """The matters ``scope`` may open.

        Staff see matters in the places their roles cover (where the matter is, or
        who owns it now), and grid workers what is raised for their whole compound;
        departments see what was whistled to them; everyone sees
        what they raised or supported. Published results on a compound's board are
        a separate, public view (``published_in``).
        """
        if scope.person_id is None:
            return None
        # Subqueries rather than joins: no duplicate rows, so no DISTINCT on long lists.
        # (in_subquery_q: the ids first, so that each condition is an index scan, OR-ed.)
        query = Q(reporter_id=scope.person_id) | Q(created_by_id=scope.person_id) | in_subquery_q(
            "pk", Support.objects.filter(person_id=scope.person_id).order_by().values("matter_id"))
        handling_roots = matter_roots(scope)
        if handling_roots:
            query |= subtrees_q(handling_roots, "place_code") | subtrees_q(
                handling_roots, "owner_code"
            )
        # A grid worker also sees what is raised for the whole compound their grid is in.
        grid_roots = scope.roots_for_roles({Role.GRID_WORKER})
        if grid_roots:
            query |= whole_compound_q(grid_roots)
        if scope.organisation_ids:
            query |= in_subquery_q("pk", Whistle.objects.filter(
                department_id__in=scope.organisation_ids).order_by().values("matter_id"))
        return query

    @property
    def is_overdue(self):
        return bool(self.status in ACTIVE_STATUSES and self.due_at and self.due_at < timezone.now())

    @property
    def number(self):
        """Return the number residents quote on the phone, e.g. 2026-000123."""
        return f"{timezone.localtime(self.created_at):%Y}-{self.pk:06d}"


class MatterEvent(models.Model):
    """One step on a matter's timeline: append-only."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        PERSON, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("matter event")
        verbose_name_plural = _("matter events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["matter", "at"], name="matter_event_timeline")]

    def __str__(self):
        return f"{self.matter_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("matter events are append-only")
        super().save(*args, **kwargs)


class Support(models.Model):
    """A resident's "me too" on a matter someone else raised."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey(PERSON, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["matter", "person"], name="support_once"),
        ]

    def __str__(self):
        return f"{self.person_id} → {self.matter_id}"


def photo_path(photo, filename):
    return f"matters/{timezone.now():%Y/%m}/{photo.sha256}.jpg"


class Photo(models.Model):
    """A photo attached to a matter or to one of its events: re-encoded, without EXIF."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(MatterEvent, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="photos")
    image = models.FileField(_("image"), upload_to=photo_path)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.matter_id}: {self.image.name}"


class Whistle(models.Model):
    """A department whistled to a matter (吹哨): it must report in, then answer, by deadlines."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="whistles")
    department = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("department"), on_delete=models.PROTECT,
        related_name="whistles",
    )
    status = models.CharField(_("status"), max_length=12, choices=WhistleStatus.choices,
                              default=WhistleStatus.WHISTLED)
    whistled_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    report_due_at = models.DateTimeField(_("report in by"))
    answer_due_at = models.DateTimeField(_("answer by"))
    reported_at = models.DateTimeField(_("reported in at"), null=True, blank=True)
    reported_by = models.ForeignKey(PERSON, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True, max_length=5000)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "department"],
                condition=~Q(status="answered"), name="whistle_one_open_per_department",
            ),
        ]

    def __str__(self):
        return f"{self.department} · {self.matter_id}"

    @property
    def reported_late(self):
        return (self.reported_at or timezone.now()) > self.report_due_at

    @property
    def answered_late(self):
        return (self.answered_at or timezone.now()) > self.answer_due_at


class Resolution(models.Model):
    """What the owner did, on what basis and to what standard (one per round of handling)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="resolutions")
    round = models.PositiveSmallIntegerField(default=1)
    what_was_done = models.TextField(_("what was done"), max_length=5000)
    basis = models.TextField(_("on what basis"), max_length=2000)
    standard = models.TextField(_("to what standard"), max_length=2000)
    resolved_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "round"], name="resolution_round_once"),
        ]

    def __str__(self):
        return f"{self.matter_id} #{self.round}"


class Inspection(models.Model):
    """Resident representatives inspect and accept (验收) a resolution, or fail it."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE,
                                   related_name="inspections")
    inspector = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField()
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "inspector"], name="inspect_once"),
        ]

    def __str__(self):
        return f"{self.resolution_id} {self.passed}"


class Rating(models.Model):
    """The reporter's judgement of a resolution (评事)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.CharField(max_length=12, choices=Satisfaction.choices)
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resolution", "rater"], name="rate_once"),
        ]

    def __str__(self):
        return f"{self.resolution_id} {self.satisfaction}"
