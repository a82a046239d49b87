"""The therapist portal: the caseload, patients and their alerts (plans: portal.plan_views).
Views are thin: parse a form, call a service or selector, render.

Every view is for therapists only (403 otherwise), except the patient detail page, which a
clinic manager may read (for the patients of their own clinic, without any action). Every
view reaches a patient through `portal.access.patient_for`, so a patient the user may not
see answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import EmailChange
from accounts.permissions import role_required, therapist_required
from backcare.charts import WIDE, PainPoint, pain_chart
from billing.selectors import treatment_times_for
from messaging.forms import MessageForm
from messaging.models import Message
from messaging.services import thread_read
from outcomes.selectors import due_for_patients, outcome_panels
from patients import services
from patients.access import OutOfScope
from patients.adherence import plan_week_rows
from patients.choices import ALERT_COMMENT_MAX_LENGTH
from patients.filters import AlertFilter
from patients.models import Plan
from patients.progression_selectors import progression_notice_open_for
from patients.progression_services import plan_progression_refresh_if_stale
from patients.selectors import plan_exercises_up_to_week
from reminders.selectors import reminder_summary

from . import selectors
from .access import may_change, may_export_record, patient_for
from .errors import add_errors, error_message, form_errors_message
from .forms import (
    AcknowledgeForm,
    AlertsAcknowledgeForm,
    PatientAddForm,
    PatientEmailForm,
    PauseForm,
)
from .triage import questionnaires_overdue, triage_line, unread_messages_phrase

INVITATION_SESSION_KEY = "portal_invitations"


# --- Caseload -----------------------------------------------------------------------------


@therapist_required
def caseload(request):
    query = request.GET
    sort = query.get("sort", "triage")
    if sort.lstrip("-") not in selectors.CASELOAD_SORTS:
        sort = "triage"
    search = query.get("q", "").strip()
    status = query.get("status", "")
    status = status if status in selectors.STATUS_FILTERS else ""
    attention = query.get("attention") == "1"
    progression = query.get("progression", "")
    progression = progression if progression in selectors.PROGRESSION_FILTERS else ""
    today = selectors.clinic_today(request.user)
    patients = selectors.caseload_for(
        user=request.user,
        today=today,
        search=search,
        status=status,
        needs_attention=attention,
        progression=progression,
        sort=sort,
    )
    page = Paginator(patients, selectors.PAGE_SIZE).get_page(query.get("page"))
    groups = {
        selectors.Triage.ALERTS: _("Safety alerts"),
        selectors.Triage.PROGRESSION: _("Progression: waiting for you"),
        selectors.Triage.MESSAGES: _("Messages waiting for you"),
        selectors.Triage.QUIET: _("Quiet or reported worse"),
        selectors.Triage.REST: _("Everyone else"),
    }
    rows = []
    due = due_for_patients(list(page))  # one batch for the page: questionnaires overdue
    for patient in page:
        line = triage_line(patient, today=today)
        patient.questionnaires_overdue = questionnaires_overdue(due.get(patient.pk, []), today=today)
        # The badge beside another reason; in the messages group the messages are the reason.
        patient.unread_messages_phrase = (
            "" if line.group == selectors.Triage.MESSAGES else unread_messages_phrase(patient)
        )
        rows.append((patient, line, groups[line.group]))

    def link(**changes) -> str:
        params = query.copy()
        for key, value in changes.items():
            params.pop(key, None)
            if value:
                params[key] = value
        return "?" + params.urlencode() if params else "?"

    columns = [
        ("name", _("Patient")),
        ("status", _("Plan")),
        ("week", _("Week and progression")),
        ("last_session", _("Last session")),
        ("adherence", _("Sessions, last 14 days")),
        ("alerts", _("Open alerts")),
    ]
    headers = []
    for key, label in columns:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        headers.append(
            {
                "key": key,
                "label": label,
                "url": link(sort=f"-{key}" if active and not descending else key, page=None),
                "aria_sort": ("descending" if descending else "ascending") if active else None,
            }
        )
    status_choices = [
        ("", _("All")),
        ("approved", _("Approved")),
        ("paused", _("Paused")),
        ("draft", _("Waiting for approval")),
        ("completed", _("Completed")),
        ("none", _("No plan yet")),
    ]
    progression_choices = [
        ("", _("Any")),
        ("ready", _("Ready to move on (waiting for your confirmation)")),
        ("held", _("Held back")),
    ]
    sort_choices = [("triage", _("Today's triage: what needs you first"))]
    for key, label in columns:
        sort_choices += [
            (key, _("%(column)s, ascending") % {"column": label}),
            (f"-{key}", _("%(column)s, descending") % {"column": label}),
        ]
    sort_choices.append(("progression", _("Progression: held back, then ready to move on")))
    return render(
        request,
        "portal/caseload.html",
        {
            "page": page,
            "rows": rows,
            "triage": sort == "triage",
            "headers": headers,
            "search": search,
            "status": status,
            "status_choices": status_choices,
            "sort_choices": sort_choices,
            "attention": attention,
            "progression": progression,
            "progression_choices": progression_choices,
            "sort": sort,
            "today": today,
            "filtered": bool(search or status or attention or progression),
            "page_links": {
                "previous": link(page=page.previous_page_number()) if page.has_previous() else None,
                "next": link(page=page.next_page_number()) if page.has_next() else None,
            },
        },
    )


# --- Patients -----------------------------------------------------------------------------


def _remember_invitation(request, patient) -> None:
    uidb64, token = services.patient_invitation(patient=patient, by=request.user)
    link = request.build_absolute_uri(
        reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    )
    invitations = request.session.get(INVITATION_SESSION_KEY, {})
    invitations[str(patient.pk)] = link
    request.session[INVITATION_SESSION_KEY] = invitations


@therapist_required
def patient_add(request):
    form = PatientAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            patient = services.patient_create(
                therapist=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"] or None,
                baseline_pain=data["baseline_pain"],
                language=data["language"] or None,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if data["access"] == PatientAddForm.INVITE:
                _remember_invitation(request, patient)
            return redirect("portal:patient_welcome", pk=patient.pk)
    return render(request, "portal/patient_add.html", {"form": form})


@therapist_required
def patient_welcome(request, pk):
    """Right after adding a patient: how they get in. An invitation link is shown once only."""
    patient = patient_for(request, pk, change=True)
    invitations = request.session.get(INVITATION_SESSION_KEY, {})
    link = invitations.pop(str(patient.pk), None)
    if link is not None:
        request.session[INVITATION_SESSION_KEY] = invitations
    return render(request, "portal/patient_welcome.html", {"patient": patient, "invitation_link": link})


@therapist_required
@require_POST
def patient_invite(request, pk):
    """A fresh one-time link for a patient who has not set a password yet."""
    patient = patient_for(request, pk, change=True)
    if patient.user.has_usable_password():
        messages.error(request, _("This patient has already set a password."))
        return redirect("portal:patient_detail", pk=patient.pk)
    _remember_invitation(request, patient)
    return redirect("portal:patient_welcome", pk=patient.pk)


@therapist_required
def patient_email(request, pk):
    """The therapist gives a patient a new email address: it waits for the patient to confirm it
    (patients.services.patient_update, accounts.services.email_change_request)."""
    patient = patient_for(request, pk, change=True)
    form = PatientEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_update(
                patient=patient,
                by=request.user,
                base_url=request.build_absolute_uri("/"),
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            waiting = EmailChange.objects.filter(user=patient.user).first()
            if waiting is not None:
                messages.success(
                    request,
                    _(
                        "A confirmation link was sent to %(email)s. The address changes once the patient, "
                        "logged in, confirms it; their current address was told."
                    )
                    % {"email": waiting.new_email},
                )
            elif not patient.user.email:
                messages.success(request, _("The patient's email address was removed."))
            else:
                messages.info(request, _("That is already the patient's email address: nothing changed."))
            return redirect("portal:patient_detail", pk=patient.pk)
    return render(request, "portal/patient_email.html", {"patient": patient, "form": form})


@role_required("therapist", "manager")
def patient_detail(request, pk):
    """The patient at a glance. Their therapist acts here; a clinic manager only reads."""
    patient = patient_for(request, pk, change=False)
    can_change = may_change(request, patient)
    today = patient.local_date()
    versions = list(selectors.plan_versions_for(patient=patient))
    live = next((plan for plan in versions if plan.is_live), None)
    draft = next((plan for plan in versions if plan.status == Plan.Status.DRAFT), None)
    live_weeks = []
    if live:
        live.patient = patient
        # "When pages ask", as the patient's own page does: at most once a local day.
        live = plan_progression_refresh_if_stale(plan=live, today=today)
        live_weeks = list(live.weeks.order_by("number").only("number", "title"))
    exercises = list(plan_exercises_up_to_week(plan=live, week=live.current_week)) if live else []
    points = selectors.pain_points_for(patient=patient)
    alert_groups = selectors.alert_groups_for(patient=patient)
    sessions = Paginator(selectors.sessions_for(patient=patient), 10).get_page(request.GET.get("page"))
    # The message thread, where the viewer may read it (opening the page marks it read).
    unread_messages = (
        Message.objects.filter(patient=patient, from_patient=True, read_at__isnull=True).count()
        if can_change
        else 0
    )
    try:
        thread = thread_read(patient=patient, by=request.user)
    except OutOfScope:  # a clinic manager, where the clinic keeps messages from managers
        thread = None
    return render(
        request,
        "portal/patient_detail.html",
        {
            "patient": patient,
            "can_change": can_change,
            "can_export_record": may_export_record(request, patient),
            "reminders": reminder_summary(patient),
            "today": today,
            "live": live,
            "live_weeks": live_weeks,
            "live_week": next((w for w in live_weeks if live and w.number == live.current_week), None),
            "draft": draft,
            "versions": versions,
            "exercises": exercises,
            "alert_groups": alert_groups,
            "open_alert_count": sum(group.count for group in alert_groups),
            "comment_limit": ALERT_COMMENT_MAX_LENGTH,
            "progression_notice": progression_notice_open_for(plan=live),
            "acknowledge_form": AcknowledgeForm(),
            "pause_form": PauseForm(),
            "chart": pain_chart(
                [PainPoint(day, before, after) for day, before, after, _change in points], frame=WIDE
            ),
            "points": points,
            "weeks": plan_week_rows(patient=patient, today=today),
            "sessions": sessions,
            "outcome_panels": outcome_panels(
                patient=patient,
                plan=live or next((p for p in versions if p.status != Plan.Status.DRAFT), None),
            ),
            "treatment_times": treatment_times_for(patient=patient),
            "thread": thread,
            "unread_messages": unread_messages,
            "can_write_messages": can_change,
            "message_form": MessageForm(),
        },
    )


@therapist_required
@require_POST
def alert_acknowledge(request, pk, alert_pk):
    patient = patient_for(request, pk, change=True)
    alert = get_object_or_404(patient.alerts, pk=alert_pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
    else:
        try:
            services.alert_acknowledge(alert=alert, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            error_message(request, error)
        else:
            messages.success(request, _("Alert acknowledged: %(kind)s.") % {"kind": alert.get_kind_display()})
    return redirect(reverse("portal:patient_detail", kwargs={"pk": patient.pk}) + "#alerts")


@therapist_required
@require_POST
def alerts_acknowledge(request, pk):
    """Acknowledge several of a patient's open alerts (ticked, one kind, or all) with one comment."""
    patient = patient_for(request, pk, change=True)
    form = AlertsAcknowledgeForm(request.POST, patient=patient)
    if not form.is_valid():
        form_errors_message(request, form)
    else:
        try:
            done = services.alerts_acknowledge(
                alerts=form.cleaned_data["chosen"], by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            error_message(request, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s alert acknowledged.", "%(count)s alerts acknowledged.", len(done))
                % {"count": len(done)},
            )
    return redirect(reverse("portal:patient_detail", kwargs={"pk": patient.pk}) + "#alerts")


@role_required("therapist", "manager")
def alert_list(request):
    """Every alert the user may read (a therapist's patients', a manager's clinic's), filterable."""
    alert_filter = AlertFilter(
        request.GET, queryset=selectors.alerts_for_list(user=request.user), request=request
    )
    page = Paginator(alert_filter.qs, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return render(
        request,
        "portal/alert_list.html",
        {
            "filter": alert_filter,
            "page": page,
            "today": selectors.clinic_today(request.user),
            "filtered": bool(query),
            "page_links": {
                "previous": f"?{query}&page={page.previous_page_number()}" if page.has_previous() else None,
                "next": f"?{query}&page={page.next_page_number()}" if page.has_next() else None,
            },
        },
    )
