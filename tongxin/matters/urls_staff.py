from django.urls import path

from tongxin.matters.views import staff as views

# Names used elsewhere: matters:inbox, matters:list, matters:detail, matters:act,
# matters:record, matters:whistle_act, matters:photo.
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("record/", views.record, name="record"),
    path("record/places/", views.record_places, name="record_places"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.matter_act, name="act"),
    path("whistle/<int:pk>/<str:action>/", views.whistle_act, name="whistle_act"),
    path("photo/<int:pk>/", views.photo, name="photo"),
]
