"""Reads of a matter's reporter contact shown whole, recorded in the audit log (core.audit).

The matter page and the API's matter body both call ``record_reporter_read`` once per
response, with the reporter block they show (selectors.reporter_block).
"""

from tongxin.core import audit


def record_reporter_read(request, matter, reporter):
    """Note that ``request.user`` was shown the reporter's phone of ``matter`` whole."""
    if reporter and reporter["phone"] and not reporter["masked"] and not reporter["is_self"]:
        return audit.record_read(request, matter, what="reporter_contact", place=matter.place)
    return None
