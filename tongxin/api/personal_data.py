"""What the api app holds about a person: their sign-in tokens for the REST API.

Registered from manifest.py. A token is erased with the person but never exported: it is
a secret that signs in as them, not information about them, and a downloaded file that
carried it would be a password lying around.
"""

from django.utils.translation import gettext_lazy as _

from tongxin.api.models import AccessToken
from tongxin.kernel.registry import PersonalData, register


def erase_tokens(person, *, by):
    AccessToken.objects.filter(person=person).delete()


register("api", personal_data=[
    PersonalData("api_tokens", _("API tokens"), erase=erase_tokens, order=90,
                 covers=("api.accesstoken.person",)),
])
