"""Matter pages: residents' (urls_resident.py) and staff's (urls_staff.py)."""

from tongxin.matters.urls_resident import urlpatterns as resident_urls
from tongxin.matters.urls_staff import urlpatterns as staff_urls

app_name = "matters"
urlpatterns = resident_urls + staff_urls
