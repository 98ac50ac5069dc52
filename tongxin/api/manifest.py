"""What the api app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""
from django.contrib.auth.signals import user_logged_out

from tongxin.api import personal_data  # noqa: F401  (registers the personal data sections)
from tongxin.api.tokens import revoke_tokens


def _signed_out(sender, request, user, **kwargs):
    """Signing out on the pages signs the person out of the API too (issue 16, item 30)."""
    if user is not None:
        revoke_tokens(user, by=user, reason="signed_out")


user_logged_out.connect(_signed_out, dispatch_uid="tongxin.api.revoke_tokens_on_sign_out")
