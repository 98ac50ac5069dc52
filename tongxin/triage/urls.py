from django.urls import path

from tongxin.triage import views, views_routing

app_name = "triage"
urlpatterns = [
    # -- suggestions and routing --
    path("routing/", views_routing.routing_table, name="routing"),
    path("routing/<str:code>/add/", views_routing.add_rule, name="routing_add"),
    path("routing/<str:code>/retrain/", views_routing.retrain, name="retrain"),
    path("routing/rule/<int:pk>/", views_routing.edit_rule, name="routing_edit"),
    path("routing/rule/<int:pk>/delete/", views_routing.delete_rule, name="routing_delete"),
    path("suggest/", views_routing.raise_hint, name="raise_hint"),
    # -- reply check --
    path("replies/baseline/", views.reply_baseline, name="reply_baseline"),
    path("replies/check/<int:pk>/", views.reply_check, name="reply_check"),
]
