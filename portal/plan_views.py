"""The therapist portal's plan pages: draft a plan from a template, change it, approve it, and
pause, resume, complete or revise the plan a patient follows. Thin views over patients.services;
each reaches its patient through `portal.access.patient_for` (404 for anyone else's)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import therapist_required
from outcomes.selectors import plan_schedule_rows, startback_band_for
from patients import services
from patients.models import Plan, PlanExercise, PlanWeek
from patients.selectors import plan_with_weeks

from .access import patient_for
from .errors import add_errors, error_message
from .forms import (
    ExerciseAddForm,
    PauseForm,
    PlanCreateForm,
    PlanDetailsForm,
    TargetForm,
    WeekRuleForm,
)


@therapist_required
def plan_create(request, pk):
    patient = patient_for(request, pk, change=True)
    form = PlanCreateForm(
        request.POST or None, initial={"start_date": patient.local_date()}, user=request.user
    )
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
            add_errors(form, error)
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
            "questionnaires": plan_schedule_rows(plan=plan),
            "startback_band": startback_band_for(patient=plan.patient),
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
        add_form = ExerciseAddForm(data if action == "add" else None, plan=plan, user=request.user)
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
        add_errors(form, error)
        return False
    return True


def _posted_id(request, name: str) -> int:
    """The object id a button posts, or 404 as for an unknown id: a missing or malformed one ("",
    "²", thousands of digits) would otherwise reach the query and fail there."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise Http404
    return int(value)


@therapist_required
@require_POST
def plan_exercise_remove(request, pk, plan_pk):
    patient = patient_for(request, pk, change=True)
    plan = get_object_or_404(patient.plans, pk=plan_pk)
    item = get_object_or_404(
        PlanExercise.objects.select_related("exercise", "week__plan"),
        week__plan=plan,
        pk=_posted_id(request, "plan_exercise"),
    )
    try:
        services.plan_exercise_remove(plan_exercise=item, by=request.user)
    except ValidationError as error:
        error_message(request, error)
    else:
        messages.success(request, _("%(exercise)s removed from the plan.") % {"exercise": item.exercise.name})
    return redirect("portal:plan_detail", pk=patient.pk, plan_pk=plan.pk)


def _plan_action(request, pk, plan_pk, action, success, **kwargs):
    patient = patient_for(request, pk, change=True)
    plan = get_object_or_404(patient.plans, pk=plan_pk)
    try:
        result = action(plan=plan, by=request.user, **kwargs)
    except ValidationError as error:
        error_message(request, error)
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
    return _plan_page(
        request,
        plan,
        forms=forms,
        add_form=ExerciseAddForm(None, plan=plan, user=request.user),
        failed="approve",
    )


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
