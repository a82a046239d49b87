from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from accounts.permissions import patient_required
from patients.views import _own_patient

from .forms import ReminderSettingsForm
from .links import BadUnsubscribeLink, patient_from_unsubscribe_token
from .services import (
    reminder_settings_change,
    reminder_settings_of,
    reminders_unsubscribe,
)


@patient_required
def reminder_settings(request):
    patient = _own_patient(request)
    settings = reminder_settings_of(patient)
    form = ReminderSettingsForm(request.POST or None, settings=settings)
    if request.method == "POST" and form.is_valid():
        reminder_settings_change(
            patient=patient,
            by=request.user,
            time=form.cleaned_data["time"],
            days=form.cleaned_data["days"],
            second_nudge=form.cleaned_data["second_nudge"],
        )
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("reminders:settings")
    return render(request, "reminders/settings.html", {"form": form, "zone": patient.timezone})


@login_not_required
@csrf_exempt  # the signed link is the permission; mail programs post to it (List-Unsubscribe-Post)
def unsubscribe(request, token):
    """The link in every reminder: no login. Opening it shows one button (so a mail scanner that
    follows links turns nothing off); pressing it, or the mail program's one-click, turns them off."""
    try:
        patient = patient_from_unsubscribe_token(token)
    except BadUnsubscribeLink:
        return render(request, "reminders/unsubscribe.html", {"bad_link": True}, status=400)
    if request.method == "POST":
        reminders_unsubscribe(patient=patient)
        return render(request, "reminders/unsubscribe.html", {"done": True})
    return render(request, "reminders/unsubscribe.html", {})
