"""The portal's pages, under the URL names they had before the portal existed.

tongxin/urls.py mounts ``home_urlpatterns`` in the ``core`` namespace beside core's
healthz (core:home, core:audit) and ``place_urlpatterns`` in ``places`` (places:list,
places:detail), so no link or test had to change.
"""

from django.urls import path

from tongxin.portal import views

home_urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit"),
]
place_urlpatterns = [
    path("", views.place_list, name="list"),
    path("<str:code>/", views.place_detail, name="detail"),
]
