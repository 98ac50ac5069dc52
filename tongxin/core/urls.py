from django.urls import path

from tongxin.core import views

# tongxin/urls.py mounts these under the "core" namespace together with the portal's
# home page and audit log, which kept their names (core:home, core:audit).
app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
