"""The health check and the error pages (tongxin/urls.py names them handler400 … 500)."""

import sys

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token

from tongxin.core.errors import database_unavailable, error_page, unavailable


@never_cache
def healthz(request):
    """Answer 200 when the app and its database respond (for load balancers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@requires_csrf_token
def bad_request(request, exception=None):
    """400: a request Django refused to read (a bad Host header, a malformed body …)."""
    return error_page(request, 400, code="bad_request", database=False,
                      title=_("Bad request"),
                      message=_("The request could not be understood. Please check the "
                                "address and try again."))


@requires_csrf_token
def permission_denied(request, exception=None):
    """403, with the reason the code gave when it gave one (translated where raised)."""
    reason = str(exception or "")
    return error_page(request, 403, code="permission_denied",
                      title=_("Not allowed"),
                      message=reason or _("You are not allowed to open this page."))


@requires_csrf_token
def page_not_found(request, exception=None):
    """404: no such page, or one outside what the person may see (the same answer)."""
    return error_page(request, 404, code="not_found",
                      title=_("Page not found"),
                      message=_("This page does not exist, or it is not open to you."))


@requires_csrf_token
def server_error(request):
    """500, or 503 when the error was an unavailable database; never reads the database."""
    if database_unavailable(sys.exception()):
        return unavailable(request)
    return error_page(request, 500, code="server_error", database=False,
                      title=_("Something went wrong"),
                      message=_("The server could not answer. The error has been recorded; "
                                "please try again later."))


def csrf_failure(request, reason=""):
    """403 for a form sent without a valid security token (settings.CSRF_FAILURE_VIEW)."""
    return error_page(request, 403, code="csrf_failed",
                      title=_("The form has expired"),
                      message=_("The form could not be sent because its security token is "
                                "missing or out of date. Go back, reload the page and send "
                                "it again."))
