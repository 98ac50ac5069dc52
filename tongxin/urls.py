from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("tongxin.core.urls")),
    path("places/", include("tongxin.places.urls")),
    path("people/", include("tongxin.people.urls")),
    path("matters/", include("tongxin.matters.urls")),
    path("notices/", include("tongxin.notices.urls")),
    path("triage/", include("tongxin.triage.urls")),
    path("hotspots/", include("tongxin.hotspots.urls")),
    path("privacy/", include("tongxin.privacy.urls")),
    path("api/v1/", include("tongxin.api.urls")),
    path("open311/v2/", include("tongxin.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
