from django.urls import path

from tongxin.people import roster_views, views

app_name = "people"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("", views.person_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("import/", roster_views.roster_import, name="roster_import"),
    path("import/template.xlsx", roster_views.roster_template, name="roster_template"),
]
