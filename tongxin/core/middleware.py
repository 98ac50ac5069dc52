"""Response headers that make the pages harder to abuse, and the answer to a request that
meets an unavailable database."""

import logging

from django.conf import settings

from tongxin.core.errors import database_unavailable, unavailable

logger = logging.getLogger(__name__)


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy: scripts, styles and images from this site only.

    The pages carry no inline scripts or styles (htmx's own indicator style is switched
    off in base.html), so the policy needs no 'unsafe-inline'. Django's admin uses
    inline style attributes, so it gets the same policy with inline styles allowed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith("/admin/")
            policy = settings.TONGXIN_CSP_ADMIN if admin else settings.TONGXIN_CSP
            response["Content-Security-Policy"] = policy
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when a view meets an unavailable database.

    A restart, a dropped connection or SQLite's lock timeout raises OperationalError or
    InterfaceError; the client should retry, not report a bug. The answer is a page in the
    site's layout, or the interface's own error body on the API and Open311 (core.errors).
    Errors raised outside a view (in another middleware) reach handler500, which answers
    the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_unavailable(exception):
            return None
        logger.warning("Database unavailable: %s %s: %s", request.method, request.path,
                       exception)
        return unavailable(request)
