"""Who may see hot issues and act on them.

The district's own hot issues list matters and offer to merge them, so they are for the
roles that handle matters (matters.rules.HANDLER_ROLES: the ``merge`` transition's
"handler"), whose scope gives them matters to group; the merge service still checks each
matter. The reference table is published open data: any staff member may read it.
Residents see neither.
"""

import rules

from tongxin.kernel.scope import scope_for
from tongxin.matters.rules import ADMIN_ROLES, HANDLER_ROLES
from tongxin.people.rules import is_staff_member


@rules.predicate
def handles_matters(user):
    scope = scope_for(user)
    return scope.everything or bool(scope.roots_for_roles(HANDLER_ROLES | ADMIN_ROLES))


rules.add_perm("hotspots.view_hot_issues", handles_matters)
rules.add_perm("hotspots.act_on_hot_issues", handles_matters)
rules.add_perm("hotspots.view_reference", is_staff_member)
