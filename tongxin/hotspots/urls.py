from django.urls import path

from tongxin.hotspots import views

app_name = "hotspots"
urlpatterns = [
]
