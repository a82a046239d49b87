from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("me/reminders/", views.reminder_settings, name="settings"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
