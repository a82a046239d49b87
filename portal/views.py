"""The therapist portal. Views are thin: parse a form, call a service or selector, render.

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
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import role_required, therapist_required
from patients import services
from patients.adherence import plan_week_rows
from patients.choices import ALERT_COMMENT_MAX_LENGTH
from patients.filters import AlertFilter
from patients.models import Plan, PlanExercise, PlanWeek
from patients.progression_selectors import progression_notice_open_for
from patients.progression_services import plan_progression_refresh_if_stale
from patients.selectors import plan_exercises_up_to_week, plan_with_weeks

from . import selectors
from .access import may_change, patient_for
from .charts import pain_chart
from .forms import (
    AcknowledgeForm,
    AlertsAcknowledgeForm,
    ExerciseAddForm,
    PatientAddForm,
    PauseForm,
    PlanCreateForm,
    PlanDetailsForm,
    TargetForm,
    WeekRuleForm,
)
from .triage import triage_line

INVITATION_SESSION_KEY = "portal_invitations"


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():  # kept as errors: their codes too
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _error_message(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def _form_errors_message(request, form) -> None:
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


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
        selectors.Triage.QUIET: _("Quiet or reported worse"),
        selectors.Triage.REST: _("Everyone else"),
    }
    rows = []
    for patient in page:
        line = triage_line(patient, today=today)
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
            )
        except ValidationError as error:
            _add_errors(form, error)
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
    return render(
        request,
        "portal/patient_detail.html",
        {
            "patient": patient,
            "can_change": can_change,
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
            "chart": pain_chart(points),
            "points": points,
            "weeks": plan_week_rows(patient=patient, today=today),
            "sessions": sessions,
        },
    )


@therapist_required
@require_POST
def alert_acknowledge(request, pk, alert_pk):
    patient = patient_for(request, pk, change=True)
    alert = get_object_or_404(patient.alerts, pk=alert_pk)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        _form_errors_message(request, form)
    else:
        try:
            services.alert_acknowledge(alert=alert, by=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            _error_message(request, error)
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
        _form_errors_message(request, form)
    else:
        try:
            done = services.alerts_acknowledge(
                alerts=form.cleaned_data["chosen"], by=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            _error_message(request, error)
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


# --- Plans --------------------------------------------------------------------------------


@therapist_required
def plan_create(request, pk):
    patient = patient_for(request, pk, change=True)
    form = PlanCreateForm(request.POST or None, initial={"start_date": patient.local_date()})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create_from_template(
                patient=patient,
                template=form.cleaned_data["template"],
                start_date=form.cleaned_data["start_date"],
                confirm_start_date=form.cleaned_data["confirm_start_date"],
                note_to_patient=form.cleaned_data["note_to_patient"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Draft plan made. Adjust it for the patient, then approve it."))
            return redirect("portal:plan_detail", pk=patient.pk, plan_pk=plan.pk)
    ask = form.is_bound and (
        form.has_error("start_date", "start_date_unconfirmed") or form["confirm_start_date"].value()
    )
    return render(
        request,
        "portal/plan_create.html",
        {"patient": patient, "form": form, "ask_start_confirmation": ask},
    )


def _plan_for(request, pk, plan_pk, *, change: bool) -> Plan:
    patient = patient_for(request, pk, change=change)
    plan = get_object_or_404(patient.plans.only("pk"), pk=plan_pk)
    return plan_with_weeks(plan_id=plan.pk)


def _plan_forms(plan: Plan, data) -> dict:
    """The draft editor's forms, bound to `data` (the page's fields as posted) or unbound."""
    weeks = list(plan.weeks.all())
    return {
        "details_form": PlanDetailsForm(
            data, initial={"start_date": plan.start_date, "note_to_patient": plan.note_to_patient}
        ),
        "target_forms": {
            item.pk: TargetForm(data, plan_exercise=item) for week in weeks for item in week.exercises.all()
        },
        # Week 1 is where the plan starts: its rule (for moving on *to* it) is never used.
        "rule_forms": {week.pk: WeekRuleForm(data, week=week) for week in weeks if week.number > 1},
    }


def _plan_page(request, plan: Plan, *, forms: dict | None, add_form=None, failed: str = ""):
    """The plan page; `failed` ("save" or "approve") says a POST was refused and nothing stored."""
    target_forms = forms["target_forms"] if forms else {}
    rule_forms = forms["rule_forms"] if forms else {}
    details_form = forms["details_form"] if forms else None
    weeks = [
        {
            "week": week,
            "rows": [(item, target_forms.get(item.pk)) for item in week.exercises.all()],
            "rule_form": rule_forms.get(week.pk),
            "rule_rows": _rule_rows(week) if week.number > 1 else None,
        }
        for week in plan.weeks.all()
    ]
    return render(
        request,
        "portal/plan_detail.html",
        {
            "patient": plan.patient,
            "plan": plan,
            "weeks": weeks,
            "editable": forms is not None,
            "details_form": details_form,
            "ask_start_confirmation": bool(
                details_form
                and (
                    details_form.has_error("start_date", "start_date_unconfirmed")
                    or details_form["confirm_start_date"].value()
                )
            ),
            "add_form": add_form,
            "pause_form": PauseForm(),
            "failed": failed,
            "newer": Plan.objects.filter(previous_version=plan).only("pk", "version").first(),
        },
    )


@therapist_required
def plan_detail(request, pk, plan_pk):
    """One version of a plan. A draft is edited here: targets, note, start date, exercises."""
    plan = _plan_for(request, pk, plan_pk, change=request.method == "POST")
    editable = plan.status == Plan.Status.DRAFT
    data = request.POST if request.method == "POST" else None
    action = request.POST.get("action") if data is not None else None
    forms = add_form = None
    if editable:
        forms = _plan_forms(plan, data if action == "save" else None)
        add_form = ExerciseAddForm(data if action == "add" else None, plan=plan)
    if data is not None:
        if not editable:
            messages.error(
                request, _("This plan version is approved and frozen. Make a new version to change it.")
            )
            return redirect("portal:plan_detail", pk=pk, plan_pk=plan.pk)
        if action == "save" and _save_plan(request, plan, forms):
            messages.success(request, _("Changes saved."))
            return redirect("portal:plan_detail", pk=pk, plan_pk=plan.pk)
        if action == "add" and _add_exercise(request, plan, add_form):
            messages.success(
                request, _("%(exercise)s added.") % {"exercise": add_form.cleaned_data["exercise"].name}
            )
            return redirect(reverse("portal:plan_detail", kwargs={"pk": pk, "plan_pk": plan.pk}) + "#add")
    # Reaching here after a POST means it was refused: nothing was stored.
    return _plan_page(
        request, plan, forms=forms, add_form=add_form, failed="save" if action == "save" else ""
    )


def _rule_rows(week: PlanWeek) -> list[tuple[str, str]]:
    """A week's rule as (label, value) rows for reading, "off" where a condition is off."""
    off = _("Off")
    shown = {
        "min_days_in_previous_week": week.min_days_in_previous_week or _("No minimum"),
        "min_sessions_in_previous_week": week.min_sessions_in_previous_week,
        "no_worse_in_last_sessions": week.no_worse_in_last_sessions or off,
        "pain_rise_limit": week.pain_rise_limit or off,
        "pain_ceiling": off if week.pain_ceiling is None else week.pain_ceiling,
        "requires_therapist_confirmation": _("Yes") if week.requires_therapist_confirmation else _("No"),
        "on_not_met": week.get_on_not_met_display(),
    }
    return [
        (capfirst(PlanWeek._meta.get_field(name).verbose_name), shown[name]) for name in PlanWeek.RULE_FIELDS
    ]


def _plan_changes(forms: dict) -> dict | None:
    """The draft editor's input as `plan_edit` takes it, or None when a form is invalid."""
    details_form, target_forms, rule_forms = forms["details_form"], forms["target_forms"], forms["rule_forms"]
    # Validate every form (no short-circuit) so each shows its own errors.
    results = (
        [details_form.is_valid()]
        + [form.is_valid() for form in target_forms.values()]
        + [form.is_valid() for form in rule_forms.values()]
    )
    if not all(results):
        return None
    return {
        "start_date": details_form.cleaned_data["start_date"],
        "confirm_start_date": details_form.cleaned_data["confirm_start_date"],
        "note_to_patient": details_form.cleaned_data["note_to_patient"],
        "targets": [
            {"exercise": form.plan_exercise.exercise.slug, **form.cleaned_data}
            for form in target_forms.values()
            if form.has_changed()
        ],
        "rules": {form.week.number: form.cleaned_data for form in rule_forms.values() if form.has_changed()},
    }


def _save_plan(request, plan, forms) -> bool:
    """Save note, start date, every changed target and week rule in one go; all or nothing."""
    changes = _plan_changes(forms)
    if changes is None:
        return False
    try:
        services.plan_edit(plan=plan, by=request.user, **changes)
    except ValidationError as error:
        _plan_errors_onto_forms(error, **forms)
        return False
    return True


def _plan_errors_onto_forms(error: ValidationError, *, details_form, target_forms, rule_forms) -> None:
    """Put plan_edit's refusals on the form of the exercise or week each names, on its field."""
    if not hasattr(error, "error_dict"):
        details_form.add_error(None, error)
        return
    by_slug = {form.plan_exercise.exercise.slug: form for form in target_forms.values()}
    by_week = {form.week.number: form for form in rule_forms.values()}
    for key, items in error.error_dict.items():
        for item in items:
            params = item.params or {}
            if key == "targets":
                form = by_slug.get(params.get("slug"), details_form)
            elif key == "rules":
                form = by_week.get(params.get("week"), details_form)
            else:
                form = details_form
            field = params.get("field", key)
            form.add_error(field if field in form.fields else None, item)


def _add_exercise(request, plan, form) -> bool:
    if not form.is_valid():
        return False
    week = next(week for week in plan.weeks.all() if week.number == form.cleaned_data["week"])
    try:
        services.plan_exercise_add(
            week=week,
            exercise=form.cleaned_data["exercise"],
            by=request.user,
            target_hold_seconds=form.cleaned_data["target_hold_seconds"],
            target_reps=form.cleaned_data["target_reps"],
            out_of_range_reason=form.cleaned_data["out_of_range_reason"],
        )
    except ValidationError as error:
        _add_errors(form, error)
        return False
    return True


@therapist_required
@require_POST
def plan_exercise_remove(request, pk, plan_pk):
    patient = patient_for(request, pk, change=True)
    plan = get_object_or_404(patient.plans, pk=plan_pk)
    item = get_object_or_404(
        PlanExercise.objects.select_related("exercise", "week__plan"),
        week__plan=plan,
        pk=request.POST.get("plan_exercise"),
    )
    try:
        services.plan_exercise_remove(plan_exercise=item, by=request.user)
    except ValidationError as error:
        _error_message(request, error)
    else:
        messages.success(request, _("%(exercise)s removed from the plan.") % {"exercise": item.exercise.name})
    return redirect("portal:plan_detail", pk=patient.pk, plan_pk=plan.pk)


def _plan_action(request, pk, plan_pk, action, success, **kwargs):
    patient = patient_for(request, pk, change=True)
    plan = get_object_or_404(patient.plans, pk=plan_pk)
    try:
        result = action(plan=plan, by=request.user, **kwargs)
    except ValidationError as error:
        _error_message(request, error)
        return redirect("portal:plan_detail", pk=patient.pk, plan_pk=plan.pk)
    messages.success(request, success % {"version": result.version})
    return redirect("portal:plan_detail", pk=patient.pk, plan_pk=result.pk)


@therapist_required
@require_POST
def plan_approve(request, pk, plan_pk):
    """Approve a draft. Posted from the plan page, it carries the page's fields: changes not
    saved yet are saved and approved together, or (refused) nothing is, and they stay on screen."""
    if request.POST.get("action") != "save":  # from a page without the editor: approve as saved
        return _plan_action(
            request,
            pk,
            plan_pk,
            services.plan_approve,
            _("Version %(version)s approved: the patient sees it now."),
        )
    plan = _plan_for(request, pk, plan_pk, change=True)
    if plan.status != Plan.Status.DRAFT:
        messages.error(request, _("Only a draft plan can be approved."))
        return redirect("portal:plan_detail", pk=pk, plan_pk=plan.pk)
    forms = _plan_forms(plan, request.POST)
    changes = _plan_changes(forms)
    if changes is not None:
        changed = any(
            form.has_changed() for group in ("target_forms", "rule_forms") for form in forms[group].values()
        )
        changed = changed or forms["details_form"].has_changed()
        try:
            plan = services.plan_edit_and_approve(plan=plan, by=request.user, **changes)
        except ValidationError as error:
            _plan_errors_onto_forms(error, **forms)
        else:
            if changed:
                message = _(
                    "Your changes were saved and version %(version)s approved: the patient sees it now."
                )
            else:
                message = _("Version %(version)s approved: the patient sees it now.")
            messages.success(request, message % {"version": plan.version})
            return redirect("portal:plan_detail", pk=pk, plan_pk=plan.pk)
    return _plan_page(request, plan, forms=forms, add_form=ExerciseAddForm(None, plan=plan), failed="approve")


@therapist_required
@require_POST
def plan_revise(request, pk, plan_pk):
    return _plan_action(
        request,
        pk,
        plan_pk,
        services.plan_revise,
        _(
            "Version %(version)s drafted. The patient keeps following the approved version "
            "until you approve this one."
        ),
    )


@therapist_required
@require_POST
def plan_pause(request, pk, plan_pk):
    form = PauseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _plan_action(
        request, pk, plan_pk, services.plan_pause, _("Version %(version)s paused."), reason=reason
    )


@therapist_required
@require_POST
def plan_resume(request, pk, plan_pk):
    return _plan_action(request, pk, plan_pk, services.plan_resume, _("Version %(version)s resumed."))


@therapist_required
@require_POST
def plan_complete(request, pk, plan_pk):
    return _plan_action(request, pk, plan_pk, services.plan_complete, _("Version %(version)s completed."))
