"""What the privacy app declares to the kernel registry and which events it subscribes to
(docs/architecture.md). The kernel imports this module once at start-up."""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel import registry

registry.register("privacy", audited_reads={"my_data": _("all of one's own data")},
                  xlsx_exports=["privacy:export"])
