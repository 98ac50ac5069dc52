"""Who may read the audit log."""

import rules

from tongxin.kernel.scope import scope_for
from tongxin.people.choices import Role

AUDITORS = {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}


@rules.predicate
def is_auditor(user):
    scope = scope_for(user)
    return scope.everything or bool(scope.roots_for_roles(AUDITORS))


# The permission keeps the name it had when the audit log was a core page.
rules.add_perm("core.view_audit", is_auditor)
