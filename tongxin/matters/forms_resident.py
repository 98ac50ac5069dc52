"""Forms of the residents' matter pages: raise (说事), rate (评事), reopen and inspect (验收).

The forms parse and check what the resident typed; the services (services.py) decide
and write. A ServiceError the service raises is put back on the form with
``add_service_error`` so that it shows next to the field it is about.
"""

import re
import uuid

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.errors import ServiceError
from tongxin.matters import photos as photo_rules
from tongxin.matters.categories import resident_kinds
from tongxin.matters.choices import Satisfaction
from tongxin.matters.fields import MultiplePhotoField
from tongxin.matters.models import Category
from tongxin.matters.services import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    clean_text,
    district_of,
    owner_for,
)
from tongxin.places.choices import PlaceKind


class ServiceErrorsMixin:
    def add_service_error(self, error):
        """Show a refused service call on the form: on its field if it has one here."""
        field = getattr(error, "field", None)
        self.add_error(field if field in self.fields else None, error)


def grouped_categories(district):
    """Return select choices for a district's active categories, grouped by top level.

    Second-level categories are offered as they are, each followed by its third-level
    ones as "second › third"; one query.
    """
    nodes = list(Category.objects.filter(district=district, is_active=True)
                 .order_by("depth", "position", "name").only("pk", "parent_id", "name", "depth"))
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    choices = [("", _("Choose a category"))]
    for top in children.get(None, []):
        options = []
        for middle in children.get(top.pk, []):
            options.append((middle.pk, middle.name))
            options += [(leaf.pk, f"{middle.name} › {leaf.name}")
                        for leaf in children.get(middle.pk, [])]
        if options:
            choices.append((top.name, options))
    return choices


class RaiseForm(ServiceErrorsMixin, forms.Form):
    """A resident raises a matter (说事) in their building or compound."""

    PLACE_BUILDING = "building"
    PLACE_COMPOUND = "compound"

    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX,
        error_messages={"required": _("Please give the matter a short title.")},
        help_text=_("In a few words: what is wrong, and where?"),
    )
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please describe the matter.")},
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(),
        error_messages={
            "required": _("Please choose a category."),
            "invalid_choice": _("Choose a category of your district."),
        },
    )
    place = forms.ChoiceField(label=_("Where"))
    photos = MultiplePhotoField(
        label=_("Photos"),
        help_text=_("Optional. Locations and other hidden data are removed from photos."),
    )
    publish_consent = forms.BooleanField(
        label=_("The compound board may show my name (masked, e.g. 张*明) with the result"),
        required=False, help_text=_("Your phone number is never shown."),
    )
    idempotency_key = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput,
        initial=lambda: uuid.uuid4().hex,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.building = user.household.parent
        self.compound = owner_for(self.building, PlaceKind.COMPOUND)
        district = district_of(self.building)
        category = self.fields["category"]
        # A dozen neighbourhood kinds, not the government's 500 categories; the API and
        # older pages may still send any category below the top level of the district.
        kinds = resident_kinds(district)
        category.queryset = Category.objects.filter(
            Q(depth__gt=0) | Q(pk__in=[k.category.pk for k in kinds if k.leave_it]),
            district=district, is_active=True)
        if kinds:
            category.choices = [("", _("Choose a category")),
                                *((k.category.pk, k.label) for k in kinds)]
        else:  # a district whose tree has no neighbourhood branch: its own tree
            category.choices = grouped_categories(district)
        self.fields["place"].choices = [
            (self.PLACE_BUILDING, _("My building: %(name)s") % {"name": self.building.name}),
            (self.PLACE_COMPOUND, _("The whole compound: %(name)s") % {"name": self.compound.name}),
        ]
        self.fields["place"].initial = self.PLACE_BUILDING
        similar = {
            "hx-get": reverse_lazy("matters:similar"),
            # "input", not "keyup": Chinese IMEs and pasting change the text without a keyup.
            "hx-trigger": "input changed delay:600ms",
            "hx-target": "#similar",
            "hx-include": "[name=title],[name=description]",
            "hx-params": "title,description",
        }
        # Voice input and the keyboard's suggestions stay on (no autocomplete="off"): many
        # residents speak rather than type.
        self.fields["title"].widget.attrs.update(similar, inputmode="text", enterkeyhint="next")
        self.fields["description"].widget.attrs.update(similar, inputmode="text")
        if user.elder_mode:  # 长辈版: say that speaking is allowed
            self.fields["description"].help_text = _(
                "You can press the microphone on the keyboard and speak.")
        self.fields["photos"].widget.attrs["data-max-bytes"] = photo_rules.max_bytes()
        self.fields["photos"].widget.attrs["data-max-count"] = photo_rules.max_photos()

    def clean_place(self):
        return self.compound if self.cleaned_data["place"] == self.PLACE_COMPOUND else self.building

    def service_arguments(self):
        """Return the keyword arguments of services.raise_matter for the cleaned form."""
        data = self.cleaned_data
        return {
            "title": data["title"], "description": data["description"],
            "category": data["category"], "place": data["place"], "photos": data["photos"],
            "publish_consent": data["publish_consent"],
            "idempotency_key": data["idempotency_key"] or None,
        }


class SimilarForm(forms.Form):
    """What the resident has typed so far (the "me too" search); long text is cut short."""

    title = forms.CharField(required=False)
    description = forms.CharField(required=False)

    def text(self):
        if not self.is_valid():
            return ""
        data = self.cleaned_data
        return f"{data['title'][:TITLE_MAX]} {data['description'][:1000]}".strip()


class RateForm(ServiceErrorsMixin, forms.Form):
    """The reporter rates the result (评事)."""

    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=[("", _("Choose a rating")), *Satisfaction.choices],
        error_messages={"required": _("Please choose a rating.")},
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you are unsatisfied: say what is still wrong."),
    )

    def clean(self):
        data = super().clean()
        if data.get("satisfaction") == Satisfaction.UNSATISFIED and not data.get("comment"):
            self.add_error("comment", forms.ValidationError(
                _("Please say what is still wrong when you are unsatisfied."),
                code="comment_required"))
        return data


class ReopenForm(ServiceErrorsMixin, forms.Form):
    """The reporter reopens a closed matter, saying why."""

    reason = forms.CharField(
        label=_("Why reopen it?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please say why the matter should be reopened.")},
    )


class InspectForm(ServiceErrorsMixin, forms.Form):
    """A resident representative inspects and accepts a result (验收), or fails it."""

    passed = forms.TypedChoiceField(
        label=_("Inspection result"),
        choices=[("", _("Choose")), ("yes", _("Passed: accept the result")),
                 ("no", _("Failed: send it back"))],
        coerce=lambda value: value == "yes",
        error_messages={"required": _("Please say whether the result passed.")},
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the result fails: say what must be put right."),
    )

    def clean(self):
        data = super().clean()
        if data.get("passed") is False and not data.get("note"):
            self.add_error("note", forms.ValidationError(
                _("Please say what must be put right when the result fails."),
                code="note_required"))
        return data


# --- the 长辈版 (elder mode): one step per screen ---------------------------------------------


class ElderRaiseStepForm(RaiseForm):
    """One screen of the elder mode's raise: the fields of ``step`` only, in plain words.

    The steps reuse the raise form's fields and checks; what each step accepted is kept on
    the server (views/elder.py) until the last screen sends it all to the service.
    """

    STEP_FIELDS = {"what": ("description",), "where": ("place",), "kind": ("category",),
                   "photos": ("photos",)}

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        for name in list(self.fields):
            if name not in self.STEP_FIELDS[step]:
                del self.fields[name]
        if "description" in self.fields:
            description = self.fields["description"]
            description.label = _("What is wrong? Say it in your own words.")
            description.error_messages["required"] = _("Please say what is wrong.")
            description.widget.attrs = {key: value for key, value in description.widget.attrs.items()
                                        if not key.startswith("hx-")}
            description.widget.attrs["enterkeyhint"] = "next"
        if "place" in self.fields:
            place = self.fields["place"]
            place.label = _("Where is it?")
            place.widget = forms.RadioSelect()
            place.choices = place.choices  # hand them to the new widget
            place.error_messages["required"] = _("Please choose where it is.")
            place.error_messages["invalid_choice"] = _("Please choose where it is.")
        if "photos" in self.fields:
            self.fields["photos"].label = _("Add a photo (you can skip this)")
            self.fields["photos"].help_text = _(
                "No photo? Just press Next. Locations and other hidden data are removed.")

    def clean_description(self):
        """What was told must hold something visible: it becomes the matter's title."""
        try:
            return clean_text(self.cleaned_data["description"], field="description",
                              max_length=DESCRIPTION_MAX)
        except ServiceError:
            raise forms.ValidationError(self.fields["description"].error_messages["required"],
                                        code="required") from None

    def clean_place(self):
        return self.cleaned_data["place"]  # the choice; the view turns it into a place

    def place_for(self, choice):
        """Return the place a kept choice of the "where" step stands for."""
        return self.compound if choice == self.PLACE_COMPOUND else self.building

    def place_label(self, choice):
        if choice == self.PLACE_COMPOUND:
            return _("The whole compound: %(name)s") % {"name": self.compound.name}
        return _("My building: %(name)s") % {"name": self.building.name}


def elder_title(description):
    """Return a title for a matter told in the elder mode: its first sentence, cut short."""
    first = re.split(r"[。！？!?；;\n]", description.strip(), maxsplit=1)[0]
    text = " ".join((first or description).split()).strip("，, ")
    limit = 30
    return text if len(text) <= limit else text[:limit - 1] + "…"


class ElderSendForm(ServiceErrorsMixin, forms.Form):
    """The last screen of the elder mode's raise: send what the steps kept."""


class ElderRateForm(RateForm):
    """The rating on a screen of its own (长辈版): big choices, an optional comment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        satisfaction = self.fields["satisfaction"]
        satisfaction.widget = forms.RadioSelect()
        satisfaction.choices = Satisfaction.choices
        satisfaction.label = _("Are you happy with how it was done?")
        self.fields["comment"].label = _("Anything to add? (you can skip this)")
        self.fields["comment"].help_text = _(
            "If you are not satisfied, please say what is still wrong. "
            "You can press the microphone on the keyboard and speak.")
