"""A person's own logins: "Your devices", ending one, "log out everywhere", changing the password.

Thin views: accounts.services decides; the devices listed are `DeviceToken.objects.visible_to(user)`,
so another person's device is never shown and ending it answers 404.
"""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import DeviceToken
from .services import EndReason, device_end, end_all_sessions


def devices(request):
    return render(
        request,
        "accounts/devices.html",
        {"devices": DeviceToken.objects.visible_to(request.user).live().order_by("-last_used", "-created")},
    )


@require_POST
def device_end_view(request, pk: int):
    try:
        device_end(user=request.user, device_id=pk)
    except DeviceToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("That device is logged out. It needs the password to get back in."))
    return redirect("devices")


def log_out_everywhere(request):
    """GET asks to confirm; POST ends every API token and web session, this one too."""
    if request.method == "POST":
        end_all_sessions(user=request.user, by=request.user, reason=EndReason.LOG_OUT_EVERYWHERE)
        logout(request)
        messages.success(request, _("You are logged out everywhere: on this browser, others and every app."))
        return redirect("login")
    return render(request, "accounts/log_out_everywhere.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, ending every other login (web sessions and API devices) too;
    this browser stays logged in."""

    success_url = reverse_lazy("devices")

    def form_valid(self, form):
        with transaction.atomic():
            end_all_sessions(user=form.user, by=form.user, reason=EndReason.PASSWORD_CHANGED)
            response = super().form_valid(form)  # saves, then keeps this session (update_session_auth_hash)
        messages.success(
            self.request, _("Your password is changed. Every other browser and device is logged out.")
        )
        return response
