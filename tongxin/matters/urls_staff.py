from django.urls import path

from tongxin.matters import views_staff as views

# Names used elsewhere: matters:inbox, matters:list, matters:detail, matters:act,
# matters:record, matters:whistle_act.
urlpatterns = [
]
