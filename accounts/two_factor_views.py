"""Pages of two-factor login: the code step after the password, the staff member's own settings
(enrolment, recovery codes, turning it off), the clinic's requirement, and a manager's reset of a
staff member's two-factor login. The rules are in
accounts.two_factor; the middleware (accounts.middleware.TwoFactorMiddleware) sends people here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import two_factor
from accounts.models import User
from accounts.permissions import role_required
from accounts.services import clinic_setting_set

from .two_factor_forms import ClinicTwoFactorForm, CodeForm

PENDING_KEY = "two_factor_pending_key"  # the secret being set up, until it is confirmed
NEW_CODES = "two_factor_new_codes"  # recovery codes to show once


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of a login: a code from the app or a recovery code."""
    if two_factor.pending_step(request.user) != two_factor.VERIFY:
        return redirect(_next_url(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_code(user=request.user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorLocked as locked:
            form.add_error("code", str(locked))
            status = 429
        else:
            if device is None:
                form.add_error("code", two_factor.wrong_code_message(request.user))
            else:
                request.session.cycle_key()
                otp_login(request, device)
                if isinstance(device, StaticDevice):
                    left = two_factor.recovery_codes_left(request.user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code: %(left)d is left. "
                            "Make new ones under Two-factor login.",
                            "You used a recovery code: %(left)d are left. "
                            "Make new ones under Two-factor login.",
                            left,
                        )
                        % {"left": left},
                    )
                return redirect(_next_url(request))
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@role_required("therapist", "manager")
@require_http_methods(["GET", "POST"])
def two_factor_manage(request):
    """A staff member's two-factor login: set it up, or (once on) new recovery codes or turn it off."""
    user = request.user
    if two_factor.has_two_factor(user):
        return _manage_on(request)
    key = request.session.get(PENDING_KEY) or two_factor.new_secret()
    request.session[PENDING_KEY] = key
    form = CodeForm(request.POST if request.method == "POST" else None, recovery=False)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = two_factor.two_factor_enable(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            del request.session[PENDING_KEY]
            request.session.cycle_key()
            otp_login(request, enrolment.device)
            request.session[NEW_CODES] = enrolment.recovery_codes
            messages.success(
                request, _("Two-factor login is on. From now on you give a code after your password.")
            )
            return redirect(f"{_recovery_codes_url()}?{urlencode({'next': _next_url(request)})}")
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(
                two_factor.config_url(user, key), title=_("QR code to add BackCare to your authenticator app")
            ),
            "secret": two_factor.secret_for_people(key),
            "otpauth_url": two_factor.config_url(user, key),
            "required": user.clinic.require_two_factor,
            "next": _next_url(request),
        },
    )


def _recovery_codes_url() -> str:
    from django.urls import reverse

    return reverse("two_factor_recovery_codes")


def _manage_on(request):
    user = request.user
    form = CodeForm(request.POST if request.POST.get("action") == "disable" else None)
    if request.method == "POST" and request.POST.get("action") == "renew":
        request.session[NEW_CODES] = two_factor.recovery_codes_renew(user=user)
        messages.success(request, _("New recovery codes are made; the old ones no longer work."))
        return redirect(_recovery_codes_url())
    if request.method == "POST" and request.POST.get("action") == "disable" and form.is_valid():
        try:
            two_factor.two_factor_disable(user=user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorLocked as locked:
            form.add_error("code", str(locked))
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("Two-factor login is off. You log in with your password only."))
            return redirect("two_factor_manage")
    return render(
        request,
        "accounts/two_factor_manage.html",
        {
            "form": form,
            "codes_left": two_factor.recovery_codes_left(user),
            "required": user.clinic.require_two_factor,
        },
    )


@role_required("therapist", "manager")
def two_factor_recovery_codes(request):
    """The new recovery codes, shown once (they are not shown again: new ones can be made)."""
    codes = request.session.pop(NEW_CODES, None)
    if not codes:
        messages.info(request, _("Recovery codes are shown only once. If you lost yours, make new ones."))
        return redirect("two_factor_manage")
    return render(
        request, "accounts/two_factor_recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


@role_required("manager")
@require_http_methods(["GET", "POST"])
def clinic_settings(request):
    """The clinic's settings its manager changes: whether staff must use two-factor login, and
    whether managers may read patients' messages."""
    clinic = request.user.clinic
    form = ClinicTwoFactorForm(
        request.POST if request.method == "POST" else None,
        initial={
            "require_two_factor": clinic.require_two_factor,
            "managers_read_messages": clinic.managers_read_messages,
        },
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        allowed = form.cleaned_data["managers_read_messages"]
        changed = False
        if clinic_setting_set(clinic=clinic, setting="require_two_factor", value=required, by=request.user):
            changed = True
            if required:
                messages.success(request, _("Two-factor login is now required for the clinic's staff."))
            else:
                messages.success(
                    request, _("Two-factor login is no longer required; staff may still use it.")
                )
        if clinic_setting_set(
            clinic=clinic, setting="managers_read_messages", value=allowed, by=request.user
        ):
            changed = True
            if allowed:
                messages.success(request, _("The clinic's managers may now read patients' messages."))
            else:
                messages.success(request, _("Only patients and their therapists read their messages now."))
        if not changed:
            messages.info(request, _("Nothing changed."))
        return redirect("clinic_settings")
    return render(
        request,
        "accounts/clinic_settings.html",
        {
            "form": form,
            "clinic": clinic,
            "own_two_factor": two_factor.has_two_factor(request.user),
            "staff": two_factor.clinic_staff_two_factor(clinic),
        },
    )


@role_required("manager")
@require_http_methods(["GET", "POST"])
def two_factor_reset(request, pk):
    """A manager turns off two-factor login for a staff member who lost their phone and their
    recovery codes: a page that says what happens, then the button."""
    person = get_object_or_404(User.objects.staff_managed_by(request.user), pk=pk)
    if request.method == "POST":
        try:
            two_factor.two_factor_reset(person_pk=person.pk, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Two-factor login is reset for %(person)s. "
                    "They were logged out everywhere and told by e-mail."
                )
                % {"person": person},
            )
        return redirect("clinic_settings")
    return render(
        request,
        "accounts/two_factor_reset.html",
        {
            "person": person,
            "has_two_factor": two_factor.has_two_factor(person),
            "required": request.user.clinic.require_two_factor,
        },
    )
