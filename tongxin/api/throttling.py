"""API rate limits on the database counters of tongxin.core.ratelimit (shared by all workers)."""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from tongxin.api.models import ApiKey
from tongxin.core.ratelimit import Limited, client_ip, hit


def api_client_key(request):
    """Identify the caller: the API key, else the signed-in person, else the address."""
    if isinstance(getattr(request, "auth", None), ApiKey):
        return f"k{request.auth.pk}"
    if request.user and request.user.is_authenticated:
        return f"p{request.user.pk}"
    return f"ip{client_ip(request)}"


class LimitThrottle(BaseThrottle):
    """Count each write against the limit ``limit_name`` of settings.TONGXIN_RATE_LIMITS."""

    limit_name = "api_write"
    retry_after = None

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        try:
            hit(self.limit_name, api_client_key(request))
        except Limited as error:
            self.retry_after = error.retry_after
            return False
        return True

    def wait(self):
        return self.retry_after


class WriteThrottle(LimitThrottle):
    limit_name = "api_write"


class SupportThrottle(LimitThrottle):
    limit_name = "support"
