from django.urls import path

from . import views

app_name = "library"

program = "programs/<int:pk>/"

urlpatterns = [
    path("", views.exercise_list, name="exercise_list"),
    path("exercises/add/", views.exercise_add, name="exercise_add"),
    path("exercises/<int:pk>/", views.exercise_detail, name="exercise_detail"),
    path("exercises/<int:pk>/edit/", views.exercise_edit, name="exercise_edit"),
    path("exercises/<int:pk>/copy/", views.exercise_copy, name="exercise_copy"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/add/", views.program_add, name="program_add"),
    path(program, views.program_detail, name="program_detail"),
    path(program + "edit/", views.program_edit, name="program_edit"),
    path(program + "copy/", views.program_copy, name="program_copy"),
    path(program + "weeks/add/", views.program_week_add, name="program_week_add"),
    path(program + "weeks/remove-last/", views.program_week_remove, name="program_week_remove"),
    path(program + "weeks/<int:week_pk>/", views.program_week_edit, name="program_week_edit"),
    path(
        program + "weeks/<int:week_pk>/exercises/add/",
        views.program_exercise_add,
        name="program_exercise_add",
    ),
    path(
        program + "exercises/<int:item_pk>/remove/",
        views.program_exercise_remove,
        name="program_exercise_remove",
    ),
]
