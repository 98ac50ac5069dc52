from django.urls import path

from tongxin.notices import views

app_name = "notices"
# Names used elsewhere: notices:inbox, notices:read.
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.read, name="read"),
]
