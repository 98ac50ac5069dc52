from django.urls import path

from tongxin.matters import views_resident as views

# Names used elsewhere: matters:raise, matters:mine, matters:similar, matters:support,
# matters:rate, matters:reopen, matters:board, matters:inspect.
urlpatterns = [
]
