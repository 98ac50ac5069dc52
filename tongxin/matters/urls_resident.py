from django.urls import path

from tongxin.matters.views import resident as views

# Names used elsewhere: matters:raise, matters:mine, matters:similar, matters:support,
# matters:raise_step, matters:rate, matters:more, matters:reopen, matters:board, matters:boards, matters:inspect.
urlpatterns = [
    path("raise/", views.raise_matter, name="raise"),
    path("raise/step/<slug:step>/", views.raise_step, name="raise_step"),
    path("similar/", views.similar, name="similar"),
    path("mine/", views.mine, name="mine"),
    path("board/", views.boards, name="boards"),
    path("board/<str:code>/", views.board, name="board"),
    path("<int:pk>/support/", views.support, name="support"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/more/", views.more, name="more"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/inspect/", views.inspect, name="inspect"),
]
