"""The patient's own pages (/me/): today's exercises, the session log and progress.

The patient's own record is read with their login; every other object comes through
`visible_to(request.user)`, so another patient's data is never found (404). Rules live in
`patients.services`; these views parse, call and render.
"""

import json
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.permissions import patient_required
from backcare.charts import PainPoint, pain_chart
from outcomes.selectors import due_for

from .adherence import adherence_this_week
from .forms import FORM_FIELD, SessionLogForm
from .models import Patient, Plan, SessionLog
from .progression_selectors import patient_safety_messages
from .progression_services import plan_progression_refresh_if_stale
from .selectors import (
    exercises_hurt_last_session,
    patient_of_user,
    plan_exercises_up_to_week,
    plan_live_for,
    plan_week_current,
    session_for_day,
    session_history,
    session_logged_on,
    session_streak,
)
from .services import session_day_window, session_log


def _own_patient(request) -> Patient:
    patient = patient_of_user(request.user)
    if patient is None:
        raise Http404
    return patient


def _plan_state(plan: Plan | None, today: date) -> str:
    """What the patient's plan allows today: none, paused, not_started or active."""
    if plan is None:
        return "none"
    if plan.status == Plan.Status.PAUSED:
        return "paused"
    if plan.start_date > today:
        return "not_started"
    return "active"


def day_label(day: date, today: date, *, short: bool = False) -> str:
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    return formats.date_format(day, "l" if short else _("l j F"))


@patient_required
def today(request):
    patient = _own_patient(request)
    return render(request, "patients/today.html", _today_context(patient, patient.local_date()))


def _today_context(patient: Patient, local_today: date) -> dict:
    plan = plan_live_for(patient=patient)
    context = {
        "patient": patient,
        "plan": plan,
        "state": _plan_state(plan, local_today),
        "today": local_today,
        "safety_messages": patient_safety_messages(patient=patient),
        "questionnaires": due_for(patient=patient, today=local_today),
    }
    if plan is not None:
        plan.patient = patient
        plan = plan_progression_refresh_if_stale(plan=plan, today=local_today)
        items = list(
            plan_exercises_up_to_week(plan=plan, week=plan.current_week).prefetch_related(
                "exercise__illustrations"  # the drawings, start and hold
            )
        )
        # The week came with its exercises; read it only when it adds none of its own.
        week = next((item.week for item in items if item.week.number == plan.current_week), None)
        hurt = exercises_hurt_last_session(patient=patient)
        context.update(
            week=week or plan_week_current(plan=plan),
            exercises=[
                {"item": item, "steps": item.exercise.steps(), "hurt_last_time": item.exercise_id in hurt}
                for item in items
            ],
            today_session=session_logged_on(patient=patient, day=local_today),
        )
    return context


def _errors_onto_form(form: SessionLogForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        field = {"date": "day"}.get(field, field)
        for item in errors:
            # An exercise's problem says which exercise and which of its fields.
            params = item.params or {}
            if "plan_exercise" in params:
                name = f"ex{params['plan_exercise']}-{FORM_FIELD.get(params['field'], params['field'])}"
                if name in form.fields:
                    form.add_error(name, item)
                    continue
            form.add_error(field if field in form.fields else None, item)


def _day_choices(patient: Patient, plan: Plan, local_today: date) -> list[date]:
    earliest, latest = session_day_window(patient=patient, plan=plan, today=local_today)
    return [latest - timedelta(days=n) for n in range((latest - earliest).days + 1)]


@patient_required
def log_session(request):
    patient = _own_patient(request)
    plan = plan_live_for(patient=patient)
    local_today = patient.local_date()
    state = _plan_state(plan, local_today)
    if state != "active":
        return render(
            request,
            "patients/log_session.html",
            {"patient": patient, "plan": plan, "state": state, "today": local_today},
        )
    days = _day_choices(patient, plan, local_today)
    plan_exercises = list(plan_exercises_up_to_week(plan=plan, week=plan.current_week))

    if request.method == "POST":
        form = SessionLogForm(request.POST, plan_exercises=plan_exercises)
        day = form.data.get("day")
        if form.is_valid():
            day = form.cleaned_data["day"]
            try:
                session, created = session_log(
                    patient=patient,
                    day=day,
                    pain_before=form.cleaned_data["pain_before"],
                    pain_after=form.cleaned_data["pain_after"],
                    symptom_change=form.cleaned_data["symptom_change"],
                    note=form.cleaned_data["note"],
                    exercises=form.entries(),
                    as_prescribed=form.as_prescribed,
                    today=local_today,
                )
            except ValidationError as error:
                _errors_onto_form(form, error)
            else:
                label = day_label(session.date, local_today)
                if created:
                    saved = _("Saved: your session for %(day)s. Well done!")
                else:
                    saved = _("Updated: your session for %(day)s.")
                messages.success(request, saved % {"day": label})
                if not session.exercises_done:
                    messages.info(
                        request,
                        _(
                            "No exercise was marked as done. If you did some, open this day again "
                            "and tick them."
                        ),
                    )
                if any(entry.hurt for entry in form.entries()):
                    messages.warning(
                        request,
                        _(
                            "You said an exercise hurt. Do not repeat that exercise until you have "
                            "talked to your therapist."
                        ),
                    )
                return redirect(reverse("patients:progress") + "#history")
        try:
            day = date.fromisoformat(day) if isinstance(day, str) else day
        except ValueError:
            day = None
        session = None
    else:
        day = local_today
        requested = request.GET.get("day")
        if requested:
            try:
                day = date.fromisoformat(requested)
            except ValueError:
                day = None
            if day not in days:
                messages.warning(
                    request,
                    _("You can log today and up to %(count)s days back, from the day your plan started.")
                    % {"count": len(days) - 1 if len(days) > 1 else 0},
                )
                day = local_today
        session = session_for_day(patient=patient, day=day)
        form = SessionLogForm(
            initial=SessionLogForm.initial_from_session(session, day), plan_exercises=plan_exercises
        )
    return render(
        request,
        "patients/log_session.html",
        {
            "patient": patient,
            "plan": plan,
            "state": state,
            "today": local_today,
            "form": form,
            "day": day,
            "day_label": day_label(day, local_today) if day else "",
            "day_choices": [{"day": d, "label": day_label(d, local_today, short=True)} for d in days],
            "session": session,
        },
    )


@patient_required
def progress(request):
    patient = _own_patient(request)
    plan = plan_live_for(patient=patient)
    local_today = patient.local_date()
    history = list(session_history(patient=patient))
    recent = [s for s in history if s.date > local_today - timedelta(days=28)]
    chart = pain_chart([PainPoint(s.date, s.pain_before, s.pain_after) for s in recent])
    context = {
        "patient": patient,
        "plan": plan,
        "today": local_today,
        "history": history,
        "chart": chart,
        "chart_rows": sorted(recent, key=lambda s: s.date),
        "streak": session_streak(days_logged={s.date for s in history}, today=local_today),
        "logged_today": bool(history) and history[0].date == local_today,
        "adherence": adherence_this_week(patient=patient, plan=plan, today=local_today)
        if plan is not None and plan.start_date <= local_today
        else None,
    }
    return render(request, "patients/progress.html", context)


@patient_required
def session_detail(request, pk: int):
    session = get_object_or_404(
        SessionLog.objects.visible_to(request.user).select_related("plan", "patient"), pk=pk
    )
    patient = session.patient
    local_today = patient.local_date()
    plan = plan_live_for(patient=patient)
    can_edit = (
        plan is not None
        and _plan_state(plan, local_today) == "active"
        and session.date in _day_choices(patient, plan, local_today)
    )
    reported = session.exercises.select_related("plan_exercise__exercise").order_by(
        "plan_exercise__week__number", "plan_exercise__order"
    )
    return render(
        request,
        "patients/session_detail.html",
        {
            "session": session,
            "reported": reported,
            "day_label": day_label(session.date, local_today),
            "can_edit": can_edit,
        },
    )


@login_not_required  # answers "logged out" itself, as JSON, instead of a redirect to the login page
@require_GET
@never_cache
def log_token(request):
    """A fresh CSRF token for sending a session kept on the phone (patients/static/patients/
    offline_log.js), and whose login it is, so a session is only ever sent by the patient who
    logged it. A login that has ended answers 401: the script keeps the session and asks to log in.
    """
    user = request.user
    if not user.is_authenticated or user.role != "patient":
        return JsonResponse({"logged_in": False}, status=401)
    return JsonResponse({"logged_in": True, "user": user.pk, "csrf_token": get_token(request)})


ICON_SIZES = (192, 512)


@login_not_required  # browsers fetch a manifest without the login cookie
@require_GET
def manifest(request):
    """The web app manifest: the patient pages install to the home screen and open at /me/."""
    icons = [
        {"src": static(f"patients/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in ICON_SIZES
    ]
    icons += [
        {
            "src": static("patients/icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
        {"src": static("patients/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
    ]
    data = {
        "name": _("BackCare: my exercises"),
        "short_name": _("BackCare"),
        "description": _("Your home exercises for back pain, and your session log."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("patients:today"),
        "scope": reverse("patients:today"),
        "display": "standalone",
        "theme_color": "#0b5563",
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


SERVICE_WORKER = Path(__file__).parent / "static" / "patients" / "sw.js"


@login_not_required  # the browser fetches and updates the worker without asking for a login
@require_GET
def service_worker(request):
    """The patient pages' service worker (patients/static/patients/sw.js), served from /me/ so its
    scope is the patient pages, never revalidated from a stale copy, with STATIC_URL written in."""
    source = SERVICE_WORKER.read_text(encoding="utf-8")
    source = source.replace('"__STATIC_URL__"', json.dumps(settings.STATIC_URL), 1)
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
