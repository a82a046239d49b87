"""The message thread pages: the patient's own (/me/messages/) and a patient's in the portal
(/portal/patients/<pk>/messages/; patient detail shows the same thread with a reply form that
posts here). Who may read and write is decided in patients/access.py; the views parse, call
messaging.services and render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import patient_required, role_required
from patients.access import OutOfScope
from patients.models import Patient
from patients.selectors import patient_of_user

from .forms import MessageForm
from .services import message_send, thread_read


def _send(request, patient: Patient, form: MessageForm) -> bool:
    if not form.is_valid():
        return False
    try:
        message_send(
            patient=patient,
            by=request.user,
            body=form.cleaned_data["body"],
            base_url=request.build_absolute_uri("/"),
            submission=form.cleaned_data["submission"],
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(request, _("Message sent."))
    return True


@patient_required
@require_http_methods(["GET", "POST"])
def thread(request):
    """The patient's thread with their therapist, newest last, and a box to write in."""
    patient = patient_of_user(request.user)
    if patient is None:
        raise Http404
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _send(request, patient, form):
        return redirect(reverse("messaging:thread") + "#message-form")
    return render(
        request,
        "messaging/thread.html",
        {"patient": patient, "thread": thread_read(patient=patient, by=request.user), "form": form},
        status=400 if form.is_bound else 200,
    )


@role_required("therapist", "manager")
@require_http_methods(["GET", "POST"])
def patient_thread(request, pk: int):
    """A patient's thread in the portal: their therapist reads and answers; a clinic manager
    reads it only where the clinic allows it, and never writes."""
    patients = Patient.objects.messages_readable_by(request.user).select_related("user", "therapist")
    patient = patients.filter(pk=pk).first()
    if patient is None:
        raise Http404
    can_write = Patient.objects.messages_writable_by(request.user).filter(pk=pk).exists()
    if request.method == "POST" and not can_write:
        raise PermissionDenied
    form = MessageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _send(request, patient, form):
        return redirect(reverse("portal:patient_detail", kwargs={"pk": pk}) + "#messages")
    try:
        shown = thread_read(patient=patient, by=request.user)
    except OutOfScope:  # the patient moved to another therapist a moment ago
        raise Http404 from None
    return render(
        request,
        "messaging/patient_thread.html",
        {"patient": patient, "thread": shown, "form": form, "can_write": can_write},
        status=400 if form.is_bound else 200,
    )
