from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "tongxin.deadlines"
    verbose_name = _("Deadlines")

    def ready(self):
        from tongxin.deadlines import checks  # noqa: F401  (registers the deployment check)
