from django.urls import path

from . import two_factor_views as views

urlpatterns = [
    path("", views.two_factor_manage, name="two_factor_manage"),
    path("code/", views.two_factor_verify, name="two_factor_verify"),
    path("recovery-codes/", views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
]
