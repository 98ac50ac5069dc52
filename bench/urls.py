"""The app's URLs plus the benchmark's floor view (bench/views.py); bench/settings.py only."""

from django.urls import path

from bench.views import floor
from tongxin.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *app_urlpatterns]
