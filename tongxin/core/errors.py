"""Error answers in the site's layout and the user's language, or in an interface's format.

Pages get an HTML page that extends the site's layout and offers a way back. A path that
belongs to an interface with its own error format (the API's JSON body, Open311's error
list) is answered in that format: the app declares the hook ``core.error_response``
(``render(request, status, code, message)`` → a response, or None when the path is not
its own), so core knows no app above it.

A request that meets an unavailable database (``OperationalError``, ``InterfaceError``:
a restart, a dropped connection, SQLite's "database is locked" after its timeout) gets
503 with ``Retry-After``. The 500 and 503 pages never touch the database: they render
without the request's context processors (which read the signed-in person and the
unread notices), so they work when the database does not.
"""

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from tongxin.kernel import registry

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
ERROR_TEMPLATE = "core/error.html"

# SQLite says so in words: a lock held too long, or a file it cannot reach just now.
SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "disk i/o error",
                      "unable to open database file")
# PostgreSQL's SQLSTATEs for "not now": connection exceptions (class 08), shutting down or
# starting up (57P01-57P03), too many connections, and a transaction that lost a race
# (serialization failure, deadlock, lock not available).
POSTGRES_UNAVAILABLE = ("57P01", "57P02", "57P03", "53300", "40001", "40P01", "55P03")


def database_unavailable(exception):
    """Whether ``exception`` means the database cannot answer now (retrying may help).

    Only outages and lost races: an OperationalError that is a bug (SQLite's "no such
    column", a statement PostgreSQL refuses) stays a 500, logged with its traceback.
    """
    if isinstance(exception, InterfaceError):
        return True  # the connection is gone
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    state = getattr(cause, "sqlstate", None)
    if state is not None:
        return state.startswith("08") or state in POSTGRES_UNAVAILABLE
    message = str(exception).lower()
    if any(message.startswith(words) for words in SQLITE_UNAVAILABLE):
        return True
    # psycopg's connection failures carry no SQLSTATE: refused, reset, closed by the server.
    return cause is not None and type(cause).__module__.startswith("psycopg")


def retry_after():
    """Seconds a client should wait before retrying when the database is unavailable."""
    return settings.TONGXIN_UNAVAILABLE_RETRY_AFTER


def interface_response(request, status, code, message):
    """Return the answer of the interface that owns the request's path, or None."""
    for manifest in registry.manifests():
        render_error = manifest.hooks.get("core.error_response")
        if render_error is not None:
            response = render_error(request, status, code, message)
            if response is not None:
                return response
    return None


def _way_back(request):
    """Return the previous page of this site (the Referer), if there is one."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost: the very error being answered (400)
        return None
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host},
                                                   require_https=request.is_secure()):
        return referer
    return None


def _database_free(request, template, context, status):
    """Render ``template`` in the layout, without anything that reads the database."""
    context = {**context, "request": request, "csrf_token": get_token(request)}
    return HttpResponse(loader.get_template(template).render(context), status=status)


def error_page(request, status, *, title, message, code, template=ERROR_TEMPLATE,
               context=None, database=True):
    """Answer ``status``: in the interface's format on its paths, else an HTML page.

    With ``database`` the page shows the signed-in person's menu; if the database fails
    meanwhile, or without ``database``, it is rendered without touching the database.
    """
    response = interface_response(request, status, code, message)
    if response is not None:
        return response
    context = {"status": status, "title": title, "message": message,
               "back_url": _way_back(request), **(context or {})}
    if database:
        try:
            return render(request, template, context, status=status)
        except DatabaseError:
            pass
    return _database_free(request, template, context, status)


def unavailable(request):
    """Answer 503 with Retry-After: the database is busy or restarting."""
    seconds = retry_after()
    response = error_page(
        request, 503, code="unavailable", database=False,
        title=_("Briefly unavailable"),
        message=_("The database is busy or restarting. Please try again in %(seconds)d "
                  "seconds.") % {"seconds": seconds},
    )
    response["Retry-After"] = str(seconds)
    return response
