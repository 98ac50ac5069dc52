from django.urls import path

from tongxin.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.home, name="home"),
    path("export.<str:fmt>", views.export, name="export"),
    path("delete/", views.delete, name="delete"),
]
