from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import AuditedPasswordResetForm, LanguageForm, OwnEmailForm
from .middleware import activate_user_language
from .services import (
    EmailChangeLinkError,
    EndReason,
    email_change_confirm,
    email_change_for_link,
    email_change_request,
    end_all_sessions,
    password_reset_completed,
    user_language_set,
)


def home(request):
    """Send each person to their own home page after login."""
    user = request.user
    if user.is_therapist:
        return redirect("portal:caseload")
    if user.is_manager:
        return redirect("reports:index")
    if user.is_patient:
        return redirect("patients:today")
    if user.is_superuser:
        return redirect("admin:index")
    return redirect(reverse("login"))


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for on their own: the site's icon (a PNG) in static files."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.png"))


@login_not_required
def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): too many failed logins for this
    username from this address, from this address, or for this username (accounts/login_limits.py).
    429 with a page for people, JSON for the API."""
    from django.conf import settings
    from django.http import JsonResponse
    from django.shortcuts import render

    from accounts.login_limits import ACCOUNT, ADDRESS, lockout_reason

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    reason = lockout_reason(request)
    if reason == ADDRESS:
        detail = _(
            "Too many failed logins from this address. Logging in from it is locked for %(minutes)d minutes."
        )
    elif reason == ACCOUNT:
        detail = _("Too many failed logins for this account. It is locked for %(minutes)d minutes.")
    else:
        detail = _(
            "Too many failed logins. This account is locked for %(minutes)d minutes from this address."
        )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail % {"minutes": minutes}}, status=429)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT, "reason": reason},
        status=429,
    )


class PasswordResetAskView(auth_views.PasswordResetView):
    """ "Forgot your password?": Django's page, each link it mails recorded (AuditedPasswordResetForm)."""

    form_class = AuditedPasswordResetForm


class PasswordChooseView(auth_views.PasswordResetConfirmView):
    """Choosing a password from an invitation (or a reset) link.

    The page says which username the password is for, since the person logs in with both; once
    the password is saved they are logged in and taken to their home page (a patient: Today).
    Django's view is `login_not_required`; this one inherits that.
    """

    post_reset_login = True
    post_reset_login_backend = "accounts.backends.UserModelBackend"
    success_url = reverse_lazy("home")
    success_message = gettext_lazy("Your password is saved. Next time, log in as %(username)s with it.")

    def get_form_kwargs(self):
        # Reached only with a valid link: the page, its errors and the message in the language of
        # the person it is for (a therapist who set up a Spanish patient), not the browser's.
        activate_user_language(self.request, self.user)
        return super().get_form_kwargs()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context.get("validlink"):
            context["username"] = self.user.get_username()
        return context

    def form_valid(self, form):
        first_password = not self.user.has_usable_password()  # an invitation, not a reset
        # A new password ends every login the person had (a phone's token, another browser).
        with transaction.atomic():
            end_all_sessions(user=form.user, by=form.user, reason=EndReason.PASSWORD_RESET)
            response = super().form_valid(form)
            password_reset_completed(user=form.user, first_password=first_password)
        messages.success(self.request, self.success_message % {"username": form.user.get_username()})
        return response


def email_confirm(request, token):
    """The link mailed to a new address. Only the login's own person, logged in, confirms it
    (pressing the button: a mail scanner that opens links confirms nothing); anyone else, or a
    used or expired link, reads why not and nothing changes."""
    from django.shortcuts import render

    try:
        if request.method == "POST":
            user = email_change_confirm(token=token, by=request.user)
            messages.success(
                request,
                _("Your email address is now %(email)s.") % {"email": user.email},
            )
            return redirect("home")
        change = email_change_for_link(token=token, by=request.user)
    except EmailChangeLinkError as error:
        return render(
            request, "registration/email_change_confirm.html", {"problem": error.messages[0]}, status=400
        )
    return render(request, "registration/email_change_confirm.html", {"change": change})


def own_email(request):
    """Anyone logged in gives their own login a new address: it waits for them to confirm it
    from the link mailed to it, as when their therapist or a site operator sets one."""
    from django.shortcuts import render

    from .models import EmailChange

    form = OwnEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = email_change_request(
            user=request.user,
            new_email=form.cleaned_data["email"],
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        request.user.refresh_from_db(fields=["email"])
        if waiting is not None:
            messages.success(
                request,
                _(
                    "A confirmation link was sent to %(email)s. Open it while logged in to confirm; "
                    "your current address was told."
                )
                % {"email": waiting.new_email},
            )
        elif not request.user.email:
            messages.success(request, _("Your email address was removed."))
        else:
            messages.info(request, _("That is already your email address: nothing changed."))
        return redirect("own_email")
    waiting = EmailChange.objects.filter(user=request.user).first()
    return render(request, "registration/own_email.html", {"form": form, "waiting": waiting})


def own_language(request):
    """Anyone logged in chooses the language of their pages, e-mails and printed program."""
    from django.shortcuts import render

    form = LanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        user_language_set(user=request.user, language=form.cleaned_data["language"])
        with translation.override(request.user.language):  # said in the language just chosen
            messages.success(request, _("Your language was saved."))
        return redirect("own_language")
    return render(request, "accounts/language.html", {"form": form})
