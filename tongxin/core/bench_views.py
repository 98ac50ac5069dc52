"""The floor of the load benchmark (bench/load.py): the cheapest view that writes.

It is routed only when the environment variable TONGXIN_BENCH is set (tongxin/urls.py
adds ``urlpatterns()``), which only bench/load.py does for the gunicorn it starts; a
normal deployment has no such URL.
"""

import os

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tongxin.core.models import Event

ENV_VAR = "TONGXIN_BENCH"


def enabled():
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


@csrf_exempt
@require_POST
def floor(request):
    """Insert one row (an audit event) and answer 201: what any write through the stack costs."""
    Event.objects.create(action="bench.floor",
                         subject_type=ContentType.objects.get_for_model(Event), subject_id="0")
    return HttpResponse(b"ok", status=201, content_type="text/plain")


def urlpatterns():
    """Return the floor's URL when TONGXIN_BENCH is set, else nothing."""
    return [path("bench/floor/", floor, name="bench_floor")] if enabled() else []
