"""What the people app declares to the kernel (docs/architecture.md)."""

from django.utils.translation import gettext_lazy as _

from tongxin.kernel import registry, scope
from tongxin.people import (
    audit,
    personal_data,  # noqa: F401  (registers its personal data)
)
from tongxin.people.scope import compute_scope

scope.set_provider(compute_scope)

registry.register(
    "people",
    # Audit entries about a person (sign-ins, reads of their contact) are filed under
    # their home (core.audit.home_code asks the registry).
    subjects={"people.person": registry.Subject(place_code=audit.home_code)},
    audited_reads={"contact": _("contact details")},
    xlsx_exports=["people:roster_template"],
)

audit.connect()
