from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tongxin.core"
    verbose_name = _("Core")


class AdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with Tongxin's site (core.admin_site: a rate-limited sign-in)."""

    default = False  # named in INSTALLED_APPS; CoreConfig stays this module's default
    default_site = "tongxin.core.admin_site.AdminSite"
