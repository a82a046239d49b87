"""Outcome measures' pages: the patient answers a due questionnaire; the therapist sets a draft
plan's questionnaires. Thin: parse, call `outcomes.services`, render. The patient's own record
comes with their login; plans come through `portal.access` (the access layer), so anything else
answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import patient_required, therapist_required
from patients.selectors import patient_of_user
from portal.access import patient_for

from .forms import PlanOutcomeForm
from .models import Response
from .scoring import PSFS_MAX_ACTIVITIES, RULES
from .selectors import due_for
from .services import plan_outcome_set, response_submit


def _whole_number(value: str) -> int | None:
    """A posted option or rating as a number, or None (unanswered) for anything else: "²" and "①"
    pass str.isdigit() but are no number, and a thousand digits are too many for int()."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _chosen(post, count: int) -> list:
    return [_whole_number(post.get(f"item-{number}", "")) for number in range(1, count + 1)]


def _activities(post) -> list[dict]:
    rows = []
    for number in range(1, PSFS_MAX_ACTIVITIES + 1):
        name = post.get(f"activity-{number}-name", "").strip()
        rating = post.get(f"activity-{number}-rating", "")
        if not name and not rating:
            continue
        rows.append({"name": name, "rating": _whole_number(rating)})
    return rows


@patient_required
def answer(request, code: str):
    """One page, one tap per question, one button: the questionnaire due now."""
    patient = patient_of_user(request.user)
    if patient is None or code not in RULES:
        raise Http404
    due = next((item for item in due_for(patient=patient) if item.code == code), None)
    if due is None:
        messages.info(request, _("Nothing to answer there now: you are up to date."))
        return redirect("patients:today")
    rule, instrument = RULES[code], due.instrument
    baseline = (
        Response.objects.filter(patient=patient, instrument_code=code, due_date__lt=due.due.due_date)
        .order_by("due_date")
        .values_list("answers", flat=True)
        .first()
        if rule.activities
        else None
    )
    named = baseline["activities_named"] if baseline else None
    error, chosen, typed = "", {}, []
    if request.method == "POST":
        if named:  # a follow-up: the baseline's activities rated again
            answers = [
                {"name": name, "rating": _rating(request.POST, number)}
                for number, name in enumerate(named, 1)
            ]
        elif rule.activities:
            answers = typed = _activities(request.POST)
        else:
            answers = _chosen(request.POST, len(rule.options))
            chosen = dict(enumerate(answers, start=1))
        try:
            response_submit(patient=patient, code=code, answers=answers)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("Thank you: your answers are saved for your therapist."))
            return redirect("patients:today")
    items = [
        {
            "number": n,
            "text": item["text"],
            "options": list(enumerate(item["options"])),
            "chosen": chosen.get(n),
        }
        for n, item in enumerate(instrument.items, start=1)
    ]
    if named:
        rows = [
            {"number": n, "name": name, "rating": _rating(request.POST, n)} for n, name in enumerate(named, 1)
        ]
    else:
        rows = [
            {"number": n, "name": row.get("name", ""), "rating": row.get("rating")}
            for n, row in enumerate(typed + [{}] * (PSFS_MAX_ACTIVITIES - len(typed)), start=1)
        ]
    return render(
        request,
        "outcomes/answer.html",
        {
            "due": due,
            "instrument": instrument,
            "rule": rule,
            "error": error,
            "items": items,
            "activity_rows": rows if rule.activities else [],
            "named": bool(named),
        },
    )


def _rating(post, number: int) -> int | None:
    return _whole_number(post.get(f"activity-{number}-rating", ""))


@therapist_required
@require_POST
def plan_outcome(request, pk: int, plan_pk: int):
    """Ask for a questionnaire in the draft plan, and when (or stop asking for it)."""
    patient = patient_for(request, pk, change=True)
    plan = patient.plans.filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    form = PlanOutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("portal:plan_detail", pk=patient.pk, plan_pk=plan.pk)
    try:
        plan_outcome_set(plan=plan, by=request.user, **form.cleaned_data)
    except ValidationError as problem:
        messages.error(request, " ".join(problem.messages))
    else:
        messages.success(request, _("The plan's questionnaires are saved."))
    return redirect(
        reverse("portal:plan_detail", kwargs={"pk": patient.pk, "plan_pk": plan.pk}) + "#questionnaires"
    )
