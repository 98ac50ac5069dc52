from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The pages that bring the domains together: home, places and the audit log.

    It sits above the domain apps (docs/architecture.md), so it may read any of them;
    core and the domains know nothing of it.
    """

    name = "tongxin.portal"
    verbose_name = _("Portal")
