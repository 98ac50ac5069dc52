from django.urls import path

from tongxin.triage import views

app_name = "triage"
urlpatterns = [
    # -- suggestions and routing --
    # -- reply check --
]
