from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from tongxin.core import audit
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.kernel.scope import scope_for
from tongxin.people.choices import Role


class PersonQuerySet(ScopedQuerySet):
    pass


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):
    use_in_migrations = True

    def create_user(self, username, password=None, **fields):
        person = self.model(username=username, **fields)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, username, password=None, **fields):
        """Create the site-wide superuser (``createsuperuser``); written to the audit log
        as ``tongxin superuser grant`` is."""
        fields.pop("is_staff", None)
        fields["is_superuser"] = True
        person = self.create_user(username, password, **fields)
        audit.record(audit.SUPERUSER_GRANTED, person, reason="createsuperuser")
        return person


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone Tongxin knows: a resident, a worker, an official. Also the sign-in account.

    Residents imported from a roster have no password until they are given one.
    Phone and ID-card numbers are personal data: pages show them through
    ``people.rules.contact_for`` which masks them unless the viewer needs them.
    """

    username = models.CharField(
        _("user name"), max_length=64, unique=True, null=True, blank=True,
        help_text=_("For signing in; people may also sign in with their phone number."),
    )
    full_name = models.CharField(_("full name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, unique=True, null=True, blank=True)
    id_number = models.CharField(
        _("ID-card number"), max_length=18, unique=True, null=True, blank=True
    )
    email = models.EmailField(_("e-mail"), blank=True)
    household = models.ForeignKey(
        "places.Place", verbose_name=_("household"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
        limit_choices_to={"kind": "household"},
    )
    is_household_head = models.BooleanField(_("head of household"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    elder_mode = models.BooleanField(
        _("elder mode"), default=False,
        help_text=_("Larger text and controls and a shorter menu, chosen by the person."),
    )
    elder_mode_offered = models.BooleanField(
        _("elder mode offered"), default=False,
        help_text=_("The person has answered the offer of the elder mode (or chosen it themselves)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Raised to end every live sign-in at once (sessions and API tokens): a lockout, an
    # administrator's "sign out everywhere". Mixed into the session hash below.
    sign_in_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = PersonManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "pk"]

    def __str__(self):
        return self.full_name

    @classmethod
    def scope_q(cls, scope, action="view"):
        """The people ``scope`` may see.

        Staff whose role sees people: everyone living, or holding a role, under the
        places where they hold it. Everyone: themselves, their household, and the
        colleagues of their organisations.
        """
        if scope.person_id is None:
            return None
        query = Q(pk=scope.person_id) | Q(
            pk__in=RoleAssignment.objects.filter(organisation_id__in=scope.organisation_ids)
            .values("person_id")
        )
        if scope.household_id:
            query |= Q(household_id=scope.household_id)
        if scope.people_roots:
            query |= subtrees_q(scope.people_roots, "household__code") | Q(
                pk__in=RoleAssignment.objects.filter(
                    subtrees_q(scope.people_roots, "place__code")
                ).values("person_id")
            )
        return query

    @property
    def is_staff(self):
        """Whether the person reaches the Django admin: the site-wide superuser, and a
        district's system administrators, who there see only what their ModelAdmins scope
        to the districts where they hold the role (deadlines.admin)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        # The request's cached scope holds the roles: no query of its own.
        return self.pk is not None and Role.SYSTEM_ADMIN in scope_for(self).roles

    def _get_session_auth_hash(self, secret=None):
        """Return Django's HMAC of the password, mixed with ``sign_in_generation``.

        Sessions (and API tokens, api.tokens) carry this hash: a new password or a raised
        generation makes every one of them stale. Generation 0 gives Django's own hash,
        so sessions from before the field existed stay valid.
        """
        value = self.password
        if self.sign_in_generation:
            value = f"{value}:{self.sign_in_generation}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value, secret=secret, algorithm="sha256",
        ).hexdigest()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name


class RoleAssignment(models.Model):
    """A role that a person holds at a place, for some roles on behalf of an organisation."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["place__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "role", "place"], name="role_unique_per_place"
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.place}"


class SignInLock(models.Model):
    """Failed sign-ins counted per account, to lock it after too many (people/auth.py).

    ``username`` is the key: ``person:<pk>`` for an account (whatever was typed to name
    it), ``name:<typed>`` for a name that belongs to nobody.
    """

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")

    def __str__(self):
        return self.username
