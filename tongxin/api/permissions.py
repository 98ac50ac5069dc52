"""Jurisdiction: a request signed with an API key reads and files only in the key's district.

Every queryset the API serves goes through the model's ``visible_to(user)`` first (the
key's account is the user), then through ``within_jurisdiction`` here; every filing
checks the place with ``check_jurisdiction``.
"""

from tongxin.api.exceptions import OutOfJurisdiction
from tongxin.api.models import ApiKey
from tongxin.kernel.paths import subtree_q


def api_key(request):
    """Return the ApiKey the request is signed with, or None (a token or a session)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiKey) else None


def jurisdiction_code(request):
    """Return the code of the district the request is limited to, or None."""
    key = api_key(request)
    return key.district.code if key is not None else None


def within_jurisdiction(queryset, request, field="place_code"):
    """Limit ``queryset`` to rows whose place code ``field`` lies in the key's district."""
    code = jurisdiction_code(request)
    if code is None:
        return queryset
    return queryset.filter(subtree_q(code, field))


def in_jurisdiction(request, code):
    district = jurisdiction_code(request)
    return district is None or (code or "").startswith(district)


def check_jurisdiction(request, place):
    """Refuse (403 out_of_jurisdiction) to act at ``place`` outside the key's district."""
    if place is not None and not in_jurisdiction(request, place.code):
        raise OutOfJurisdiction()
