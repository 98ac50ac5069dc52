"""/api/v1/: the REST API, its OpenAPI document and its reference page."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from tongxin.api import views
from tongxin.api.exceptions import error_body
from tongxin.api.reference import reference
from tongxin.api.serializers import ACTION_SERIALIZERS

app_name = "api"


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Answer any other path under /api/v1/ with the API's error body, not an HTML page."""
    return JsonResponse(error_body("not_found", _("Not found.")), status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", reference, name="docs"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("places/", views.PlaceList.as_view(), name="places"),
    re_path(r"^places/(?P<code>[0-9]{1,32})/$", views.PlaceDetail.as_view(), name="place"),
    path("people/", views.PersonList.as_view(), name="people"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="person"),
    path("categories/", views.CategoryList.as_view(), name="categories"),
    path("matters/", views.MatterListCreate.as_view(), name="matters"),
    path("matters/<int:pk>/", views.MatterDetail.as_view(), name="matter"),
    path("matters/<int:pk>/support/", views.MatterSupport.as_view(), name="matter-support"),
    *[path(f"matters/<int:pk>/actions/{name}/", views.action_view(name).as_view(),
           name=f"matter-{name}") for name in ACTION_SERIALIZERS],
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("whistles/", views.WhistleList.as_view(), name="whistles"),
    path("whistles/<int:pk>/report-in/", views.WhistleReportIn.as_view(),
         name="whistle-report-in"),
    path("whistles/<int:pk>/answer/", views.WhistleAnswer.as_view(), name="whistle-answer"),
    path("notices/", views.NoticeList.as_view(), name="notices"),
    path("notices/read-all/", views.NoticeReadAll.as_view(), name="notices-read-all"),
    path("notices/<int:pk>/read/", views.NoticeRead.as_view(), name="notice-read"),
    re_path(r"", not_found),
]
