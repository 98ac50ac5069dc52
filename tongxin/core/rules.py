import rules

from tongxin.core.audit import may_audit


@rules.predicate
def is_auditor(user):
    return may_audit(user)


rules.add_perm("core.view_audit", is_auditor)
