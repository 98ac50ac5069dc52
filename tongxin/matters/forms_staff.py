"""Forms of the staff pages: one small form per action on a matter, the list filters,
and recording a matter on a resident's behalf. Forms only parse; services decide."""

import re
import uuid

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from tongxin.core.widgets import DateInput
from tongxin.deadlines import policy
from tongxin.kernel import registry
from tongxin.kernel.errors import ServiceError
from tongxin.matters import held_photos as holding
from tongxin.matters.categories import category_label, category_options
from tongxin.matters.choices import (
    LEVEL_ORDER,
    Channel,
    Kind,
    Level,
    RejectReason,
    Status,
)
from tongxin.matters.fields import MultiplePhotoField
from tongxin.matters.models import Category, Matter
from tongxin.matters.selectors import MatterFilters, categories_for
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.people.models import Person
from tongxin.people.selectors import search_people
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

NOTE_MAX = 2000
RECORD_PLACE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)


class CategorySelect(forms.Select):
    """The category tree's select, its options from ``categories.category_options`` (built
    once per version of the tree) rather than one template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        options = category_options(self.choices.queryset, self.choices.field.empty_label)
        chosen = self.format_value(value)
        if chosen:  # as Django's Select: the empty option is the chosen one of an empty value
            picked = format_html('<option value="{}">', chosen[0])
            options = options.replace(picked, picked[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(dict(attrs, name=name))}>{options}</select>")


class CategoryField(forms.ModelChoiceField):
    """A district's category tree as one select, indented by depth."""

    widget = CategorySelect

    def label_from_instance(self, obj):
        return category_label(obj.depth, obj.name)


def categories_of(district):
    return categories_for(district).order_by("position", "depth", "name")


NOTE_LABEL = _("Note")


def note_field(label=NOTE_LABEL, required=False, max_length=NOTE_MAX):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": 3}))


class MatterActionForm(forms.Form):
    """A form acting on one matter, for one user."""

    def __init__(self, *args, matter, user, **kwargs):
        self.matter, self.user = matter, user
        super().__init__(*args, **kwargs)


# How a heard matter is handled (即办/待办/上报): 办理方式, never 类别, the category's word.
HANDLING_LABEL = pgettext_lazy("matter kind", "Handling")


class TriageForm(MatterActionForm):
    kind = forms.ChoiceField(label=HANDLING_LABEL, choices=Kind.choices, widget=forms.RadioSelect)
    category = CategoryField(label=_("Category"), queryset=Category.objects.none())
    emergency = forms.BooleanField(label=_("Emergency"), required=False)
    golden_reason = forms.CharField(
        label=_("Golden idea: why"), required=False, max_length=200,
        help_text=_("Fill in only if the suggestion is a golden idea (金点子); "
                    "the resident earns points."),
    )
    note = note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_of(self.matter.district)
        self.fields["category"].initial = self.matter.category_id
        self.fields["emergency"].initial = self.matter.emergency


class RejectForm(MatterActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=RejectReason.choices)
    note = note_field()


class EscalateForm(MatterActionForm):
    to_level = forms.ChoiceField(label=_("To"), required=False)
    reason = note_field(_("Why"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            current = LEVEL_ORDER.index(Level(self.matter.owner_level))
        except ValueError:
            current = 0
        self.fields["to_level"].choices = [("", _("The next level up"))] + [
            (level.value, level.label) for level in LEVEL_ORDER[current + 1:]
        ]


class ParkForm(MatterActionForm):
    date = forms.DateField(label=_("Deliberation day"), required=False,
                           widget=DateInput())
    note = note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = policy.next_deliberation_day(self.matter.district)

    def clean_date(self):
        return self.cleaned_data["date"] or policy.next_deliberation_day(self.matter.district)


class ResumeForm(MatterActionForm):
    note = note_field()


class IdsField(forms.ModelMultipleChoiceField):
    """Choose several by id; an id beyond the database's integers is an unknown choice,
    not a crash (SQLite cannot compare it: OverflowError)."""

    def _check_values(self, value):
        for pk in value or ():
            if str(pk).strip().lstrip("+-").isdecimal() and abs(int(pk)) >= 2**63:
                raise forms.ValidationError(self.error_messages["invalid_choice"],
                                            code="invalid_choice", params={"value": pk})
        return super()._check_values(value)


class WhistleForm(MatterActionForm):
    departments = IdsField(
        label=_("Departments"), queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = note_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        place = self.matter.place
        self.fields["departments"].queryset = Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT, place__code__in=[*place.ancestor_codes(), place.code],
        ).order_by("name")


class ResolveForm(MatterActionForm):
    """Record the result. The reply check (tongxin.triage.replies) runs first: if it warns,
    the form comes back with the warnings and a "publish anyway" box, and nothing is
    published until the handler fixes the text or ticks the box for those warnings.

    Photos chosen with a warned result are kept on the server (matters.held_photos) and
    named by the ``held_photos`` field, so the handler confirms without choosing them again;
    choosing photos again replaces them."""

    what_was_done = note_field(_("What was done"), required=True, max_length=5000)
    basis = note_field(_("On what basis"), required=True)
    standard = note_field(_("To what standard"), required=True)
    photos = MultiplePhotoField(label=_("Photos"))
    publish_anyway = forms.BooleanField(label=_("Publish anyway, despite the warnings above"),
                                        required=False, widget=forms.HiddenInput)
    warned = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    held_photos = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    findings = ()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        check = registry.hook("matters.reply_warnings")  # declared by triage
        self.findings = check(self.matter, what_was_done=data["what_was_done"],
                              basis=data["basis"], standard=data["standard"],
                              user=self.user) if check else ()
        codes = sorted({f.code for f in self.findings})
        confirmed = set(data.get("warned", "").split(","))
        if self.findings and not (data.get("publish_anyway") and set(codes) <= confirmed):
            self._ask_to_confirm(codes)
            problems = [_("Check the result before it is published: correct the text, or tick "
                          "“Publish anyway” below.")]
            problems += [f.message for f in self.findings]
            problems += self._hold_photos(data)
            raise forms.ValidationError(
                [forms.ValidationError(p, code="reply_check") for p in problems])
        if not data["photos"] and data.get("held_photos"):
            try:
                data["photos"] = holding.held_photos(data["held_photos"], by=self.user,
                                                         matter=self.matter)
            except ServiceError as error:
                self.data = self.data.copy()
                self.data.pop("held_photos", None)
                raise forms.ValidationError(error.messages[0], code=error.code) from None
        data["checks"] = [f.as_dict() for f in self.findings]
        return data

    def _ask_to_confirm(self, codes):
        self.fields["publish_anyway"].widget = forms.CheckboxInput()
        self.data = self.data.copy()
        self.data["warned"] = ",".join(codes)
        self.data.pop("publish_anyway", None)  # a new warning needs a new tick

    def _hold_photos(self, data):
        """Keep the photos chosen with the warned result (or those kept before) for the
        confirmation; return what to tell the handler about them."""
        token = data.get("held_photos", "")
        if data["photos"]:
            try:
                token = holding.hold_photos(data["photos"], by=self.user, matter=self.matter)
            except ServiceError as error:
                self.data.pop("held_photos", None)
                return list(error.messages)
        count = holding.held_count(token, by=self.user, matter=self.matter)
        if not count:
            self.data.pop("held_photos", None)
            return []
        self.data["held_photos"] = token
        return [ngettext("The photo you chose is kept and will be published with the result; "
                         "choosing photos again replaces it.",
                         "The %(n)d photos you chose are kept and will be published with the "
                         "result; choosing photos again replaces them.", count) % {"n": count}]

    def release(self):
        """Delete the photos kept for the confirmation, once the result is published."""
        if self.cleaned_data.get("held_photos"):
            holding.release_held(self.cleaned_data["held_photos"], by=self.user,
                                     matter=self.matter)


class CloseUnsolvedForm(MatterActionForm):
    reason = note_field(_("Why it cannot be solved"), required=True)


class MergeForm(MatterActionForm):
    into = forms.CharField(
        label=_("Merge into matter"), max_length=20,
        help_text=_("The number of the matter to keep, e.g. 2026-000123."),
    )

    def clean_into(self):
        raw = self.cleaned_data["into"].strip()
        match = re.fullmatch(r"(?:(\d{4})-)?0*(\d+)", raw)
        target = None
        if match:
            year, pk = match.group(1), int(match.group(2))
            target = Matter.objects.visible_to(self.user).filter(pk=pk).first()
            if target is not None and year and not target.number.startswith(f"{year}-"):
                target = None  # a number from another year is another matter
        if target is None:
            raise forms.ValidationError(_("No matter %(number)s that you can see."),
                                        code="no_matter", params={"number": raw})
        return target


class RecategoriseForm(MatterActionForm):
    category = CategoryField(label=_("Category"), queryset=Category.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories_of(self.matter.district)
        self.fields["category"].initial = self.matter.category_id


class FlagGoldenForm(MatterActionForm):
    reason = forms.CharField(label=_("Why it is a golden idea"), max_length=200)


class CloseForm(MatterActionForm):
    """Closing after inspection asks nothing more: the button is the confirmation."""


class ReportInForm(forms.Form):
    note = note_field()


class AnswerForm(forms.Form):
    answer = note_field(_("Answer"), required=True, max_length=5000)


# --- the staff matter list --------------------------------------------------------------------


class MatterFilterForm(forms.Form):
    q = forms.CharField(label=_("Title contains"), required=False, max_length=64)
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=HANDLING_LABEL, required=False)
    level = forms.ChoiceField(label=_("Owner level"), required=False)
    category = forms.ModelChoiceField(label=_("Category"), required=False,
                                      queryset=Category.objects.none())
    place = forms.RegexField(label=_("Place code starts with"), required=False, max_length=32,
                             regex=r"^\d+$")
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        any_ = [("", _("Any"))]
        self.fields["status"].choices = any_ + list(Status.choices)
        self.fields["kind"].choices = any_ + list(Kind.choices)
        self.fields["level"].choices = any_ + list(Level.choices)
        self.fields["category"].empty_label = _("Any")
        self.fields["category"].queryset = categories_for(user, top_level=True).order_by(
            "position", "name")

    def filters(self):
        """Return the valid filters (none while the form is unbound or invalid)."""
        if not self.is_valid():
            return MatterFilters()
        data = self.cleaned_data
        return MatterFilters(
            q=data["q"], status=data["status"], kind=data["kind"], level=data["level"],
            category=data["category"].pk if data["category"] else None,
            place=data["place"], overdue=data["overdue"])


# --- recording a matter on a resident's behalf ---------------------------------------------------


def residents_for(user):
    """Return the residents ``user`` may record a matter for (people with a household)."""
    return Person.objects.visible_to(user).filter(household__isnull=False, is_active=True)


def search_residents(user, term, limit=10):
    """Return the residents ``user`` may record for whose name, or phone as ``user`` sees it
    whole, contains ``term`` (people.selectors.search_people)."""
    if not (term or "").replace("\x00", "").strip():
        return []
    return list(
        search_people(user, residents_for(user), term)
        .select_related("household", "household__parent").order_by("full_name", "pk")[:limit]
    )


def recordable_places(user):
    """Return the compounds and buildings ``user`` may record a matter at."""
    return Place.objects.visible_to(user).filter(kind__in=RECORD_PLACE_KINDS)


def record_places(user, limit=300):
    """Return the compounds and buildings ``user`` may record at (for the suggestions list)."""
    return recordable_places(user).order_by("code")[:limit]


def place_labels(places):
    """Return {code: "红星社区 幸福小区 1号楼"} for ``places``: each named with its community
    and compound, since many compounds have a "1号楼". One query."""
    codes = {code for place in places for code in place.ancestor_codes()}
    above = dict(Place.objects.filter(
        code__in=codes, kind__in=(PlaceKind.COMMUNITY, PlaceKind.COMPOUND)).values_list("code", "name"))
    return {place.code: " ".join([*(above[c] for c in place.ancestor_codes() if c in above),
                                  place.name])
            for place in places}


def search_places(user, term, limit=20):
    """Return [(place, label)] of the compounds and buildings ``user`` may record at whose
    name, or whose compound's or community's name, holds every word of ``term``."""
    words = (term or "").replace("\x00", "").split()[:5]
    if not words:
        return []
    places = recordable_places(user)
    for word in words:
        word = word[:32]
        places = places.filter(Q(name__contains=word) | Q(parent__name__contains=word)
                               | Q(parent__parent__name__contains=word))
    places = list(places.order_by("code")[:limit])
    labels = place_labels(places)
    return [(place, labels[place.code]) for place in places]


def picked_place(user, code):
    """Return (place, label) for a picked code ``user`` may record at, or None."""
    code = (code or "").replace("\x00", "").strip()[:32]  # PostgreSQL refuses NUL
    place = recordable_places(user).filter(code=code).first() if code else None
    return (place, place_labels([place])[place.code]) if place else None


class RecordForm(forms.Form):
    q = forms.CharField(label=_("Find the resident"), required=False, max_length=64,
                        help_text=_("Name or phone number; leave empty for a walk-in "
                                    "or an anonymous caller."))
    reporter = forms.ModelChoiceField(label=_("Resident"), required=False,
                                      queryset=Person.objects.none(), widget=forms.HiddenInput)
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=64)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=20)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices,
                                initial=Channel.VISIT)
    level = forms.ChoiceField(
        label=_("Level"), initial=Level.GRID,
        choices=[(level.value, level.label)
                 for level in (Level.GRID, Level.COMPOUND, Level.COMMUNITY)],
    )
    place = forms.CharField(
        label=_("Place code"), required=False, max_length=32,
        help_text=_("A compound or building; empty means the resident's own building."),
        widget=forms.TextInput(attrs={"list": "record-places", "inputmode": "numeric"}),
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    category = CategoryField(label=_("Category"), queryset=Category.objects.none())
    emergency = forms.BooleanField(label=_("Emergency"), required=False)
    publish_consent = forms.BooleanField(
        label=_("The resident agrees that the result is published with their name"), required=False)
    photos = MultiplePhotoField(label=_("Photos"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["reporter"].queryset = residents_for(user)
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
        self.fields["category"].queryset = categories_for(user).order_by(
            "district", "position", "depth", "name")

    def clean_place(self):
        code = self.cleaned_data["place"].strip()
        if not code:
            return None
        place = recordable_places(self.user).filter(code=code).first()
        if place is None:
            raise forms.ValidationError(
                _("No compound or building %(code)s in your area."), code="bad_place",
                params={"code": code})
        return place

    def clean(self):
        data = super().clean()
        reporter = data.get("reporter")
        if "place" in data and data["place"] is None:
            if reporter is not None and reporter.household_id:
                data["place"] = reporter.household.parent
            else:
                self.add_error(
                    "place", _("Choose where the matter is (a compound or building code)."))
        return data
