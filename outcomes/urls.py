from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("me/questionnaires/<slug:code>/", views.answer, name="answer"),
    path(
        "portal/patients/<int:pk>/plans/<int:plan_pk>/questionnaires/",
        views.plan_outcome,
        name="plan_outcome",
    ),
]
