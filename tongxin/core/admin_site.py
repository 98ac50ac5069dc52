"""The admin site, with its sign-in under the per-address limit of failed sign-ins that the
sign-in page and the API's token endpoint share (core.ratelimit.limit_sign_in).

Installed as the default site by ``core.apps.AdminConfig`` (settings.INSTALLED_APPS), so
every ``admin.register`` lands here and the routes keep their names (``admin:login`` …).
"""

from django.contrib import admin
from django.db import transaction

from tongxin.core.models import record_event
from tongxin.core.ratelimit import limit_sign_in


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        return limit_sign_in(super().login)(request, extra_context)

    def password_change(self, request, extra_context=None):
        """Change one's own password in the admin, written to the record as the services'
        ``person.password_set`` is (the new password also ends the person's API tokens,
        which carry the old password's hash)."""
        with transaction.atomic():
            response = super().password_change(request, extra_context)
            if request.method == "POST" and response.status_code == 302:
                record_event("person.password_set", request.user, actor=request.user,
                             via="admin")
        return response
