"""The reads the portal's pages share."""

from tongxin.core import audit
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.portal.rules import AUDITORS


def audit_entries(user):
    """Return the audit entries ``user`` may read: those filed under places they audit."""
    entries = audit.entries()
    scope = scope_for(user)
    if scope.everything:
        return entries
    roots = scope.roots_for_roles(AUDITORS)
    if not roots:
        return entries.none()
    return entries.filter(subtrees_q(roots, "place_code"))
