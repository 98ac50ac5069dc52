"""The site's URLs and error handlers, plus pages that fail on purpose (error page tests)."""

from django.db import OperationalError
from django.urls import path

from tongxin import urls


def crash(request):
    raise RuntimeError("a bug")


def database_locked(request):
    raise OperationalError("database is locked")


urlpatterns = [
    path("crash/", crash),
    path("api/v1/crash/", crash),
    path("database-locked/", database_locked),
    *urls.urlpatterns,
]
handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
