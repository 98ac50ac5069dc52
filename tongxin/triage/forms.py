"""Forms of smart triage: a routing rule, and what a resident has typed so far."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.matters.choices import LEVEL_ORDER
from tongxin.matters.models import Category
from tongxin.orgs.choices import OrgKind
from tongxin.orgs.models import Organisation
from tongxin.places.models import Place
from tongxin.triage.services import NOTES_MAX, RULE_PLACE_KINDS

LEVEL_PREFIX, DEPARTMENT_PREFIX = "level:", "department:"


class IndentedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * obj.depth + obj.name


class PlaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return "\u3000" * max(obj.depth - 1, 0) + f"{obj.name}（{obj.get_kind_display()}）"


def handler_value(rule):
    if rule.department_id:
        return f"{DEPARTMENT_PREFIX}{rule.department_id}"
    return f"{LEVEL_PREFIX}{rule.level}"


class RoutingRuleForm(forms.Form):
    category = IndentedChoiceField(
        label=_("Category"), queryset=Category.objects.none(),
        help_text=_("The rule also covers the category's sub-categories."),
        error_messages={"required": _("Please choose a category.")},
    )
    place = PlaceChoiceField(
        label=_("Only within"), queryset=Place.objects.none(), required=False,
        empty_label=_("The whole district"),
    )
    handler = forms.ChoiceField(label=_("Handler"),
                                error_messages={"required": _("Please choose a handler.")})
    priority = forms.IntegerField(
        label=_("Priority"), initial=0, min_value=-100, max_value=100,
        help_text=_("Decides between two equally specific rules: the higher one wins."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=NOTES_MAX)

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.fields["category"].queryset = Category.objects.filter(
            district=district, is_active=True).order_by("position", "depth", "name")
        self.fields["place"].queryset = Place.objects.within(district, include_self=False).filter(
            kind__in=RULE_PLACE_KINDS).order_by("code")
        self.departments = {d.pk: d for d in Organisation.objects.filter(
            kind=OrgKind.DEPARTMENT,
            place__in=Place.objects.within(district)).order_by("name")}
        self.fields["handler"].choices = [
            ("", _("Choose a handler")),
            (_("Level"), [(f"{LEVEL_PREFIX}{level.value}", level.label) for level in LEVEL_ORDER]),
            (_("Department"), [(f"{DEPARTMENT_PREFIX}{pk}", d.name)
                                for pk, d in self.departments.items()]),
        ]

    def clean_handler(self):
        value = self.cleaned_data["handler"]
        if value.startswith(LEVEL_PREFIX):
            return {"level": value[len(LEVEL_PREFIX):], "department": None}
        department = self.departments.get(int(value[len(DEPARTMENT_PREFIX):]))
        return {"level": "", "department": department}

    def service_arguments(self):
        data = self.cleaned_data
        return {"category": data["category"], "place": data["place"],
                "priority": data["priority"] or 0, "notes": data["notes"], **data["handler"]}


class TypedForm(forms.Form):
    """What a resident has typed so far on the raise form; long text is cut short."""

    title = forms.CharField(required=False)
    description = forms.CharField(required=False)

    def text(self):
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["title"][:100], self.cleaned_data["description"][:1500]
