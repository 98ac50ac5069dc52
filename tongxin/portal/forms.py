from django import forms
from django.utils.translation import gettext_lazy as _

from tongxin.core.widgets import DateInput


class AuditFilter(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False, choices=[
        ("", _("Everything")), ("sign_in", _("Sign-ins and sign-outs")),
        ("failed", _("Failed sign-ins")), ("export", _("Exports")),
        ("read", _("Reads of personal details")),
    ])
    day = forms.DateField(label=_("Day"), required=False,
                          widget=DateInput())
