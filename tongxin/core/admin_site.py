"""The admin site, with its sign-in under the per-address limit of failed sign-ins that the
sign-in page and the API's token endpoint share (core.ratelimit.limit_sign_in).

Installed as the default site by ``core.apps.AdminConfig`` (settings.INSTALLED_APPS), so
every ``admin.register`` lands here and the routes keep their names (``admin:login`` …).
"""

from django.contrib import admin

from tongxin.core.ratelimit import limit_sign_in


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        return limit_sign_in(super().login)(request, extra_context)
