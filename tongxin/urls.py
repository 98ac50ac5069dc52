from django.contrib import admin
from django.urls import include, path

from tongxin.core import urls as core_urls
from tongxin.portal import urls as portal_urls

urlpatterns = [
    # The portal's home page and audit log keep their names (core:home, core:audit)
    # beside core's healthz, and its place pages theirs (places:list, places:detail).
    path("", include((portal_urls.home_urlpatterns + core_urls.urlpatterns, "core"))),
    path("places/", include((portal_urls.place_urlpatterns, "places"))),
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

# Error pages in the site's layout and the user's language; JSON on the API and Open311.
handler400 = "tongxin.core.views.bad_request"
handler403 = "tongxin.core.views.permission_denied"
handler404 = "tongxin.core.views.page_not_found"
handler500 = "tongxin.core.views.server_error"
