from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Sign in with a user name or a phone number; says so when the account is locked."""

    username = forms.CharField(
        label=_("User name or phone"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is wrong."),
        "locked": _(
            "Too many failed sign-ins: this account is locked for %(minutes)d minutes."
        ),
    }

    def add_error(self, field, error):
        """Mark both inputs invalid when the pair is refused, so screen readers say so."""
        super().add_error(field, error)
        if field is None:
            for name in ("username", "password"):
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "tongxin_locked", False):
                from django.conf import settings

                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked",
                    params={"minutes": settings.TONGXIN_LOGIN_LOCKOUT_MINUTES},
                ) from None
            raise


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=64)
