from django.urls import path

from tongxin.places import views

app_name = "places"
urlpatterns = [
    path("", views.place_list, name="list"),
    path("<str:code>/", views.place_detail, name="detail"),
]
