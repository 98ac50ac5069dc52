"""The floor of the load benchmark (bench/load.py): the cheapest view that writes.

It is routed only by the benchmark's own URLconf (bench/urls.py), which only the
benchmark's settings (bench/settings.py) name; the app's URLconf never routes it, so
no deployment has this CSRF-exempt URL.
"""

from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tongxin.core.models import Event


@csrf_exempt
@require_POST
def floor(request):
    """Insert one row (an audit event) and answer 201: what any write through the stack costs."""
    Event.objects.create(action="bench.floor",
                         subject_type=ContentType.objects.get_for_model(Event), subject_id="0")
    return HttpResponse(b"ok", status=201, content_type="text/plain")
