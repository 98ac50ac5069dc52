"""The roster upload form (people/roster.py does the import)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.people.roster import check_size
from tongxin.places.models import Place


class RootChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An Excel .xlsx file filled in from the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    root = RootChoiceField(queryset=Place.objects.none(), label=_("Import under"))

    def __init__(self, *args, roots, **kwargs):
        super().__init__(*args, **kwargs)
        self.roots = roots
        if len(roots) > 1:
            self.fields["root"].queryset = Place.objects.filter(pk__in=[r.pk for r in roots])
        else:
            # One place to import under: nothing to choose.
            del self.fields["root"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        check_size(upload.size)
        return upload

    def clean(self):
        if not self.roots:
            raise forms.ValidationError(_("You have no place to import a roster under."))
        return super().clean()

    def selected_root(self):
        return self.cleaned_data.get("root") or self.roots[0]
