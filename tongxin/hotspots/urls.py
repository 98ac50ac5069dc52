from django.urls import path

from tongxin.hotspots import views

app_name = "hotspots"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.export, name="export"),
    path("confirm/", views.confirm, name="confirm"),
    path("split/", views.split, name="split"),
    path("reference/", views.reference_table, name="reference"),
    path("reference.xlsx", views.reference_export, name="reference_export"),
]
