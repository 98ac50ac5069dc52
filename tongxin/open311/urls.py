"""Open311 GeoReport v2 at /open311/v2/: every resource ends in .xml or .json."""

from django.urls import re_path

from tongxin.open311 import views

FMT = r"\.(?P<fmt>xml|json)$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/.]+)" + FMT, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + FMT, views.token, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.service_request_updates,
            name="servicerequestupdates"),
]
