from django.shortcuts import render

from accounts.permissions import patient_required

from .selectors import plan_exercises_up_to_week, plan_live_for


@patient_required
def today(request):
    patient = request.user.patient
    plan = plan_live_for(patient=patient)
    exercises = list(plan_exercises_up_to_week(plan=plan, week=plan.current_week)) if plan else []
    return render(
        request,
        "patients/today.html",
        {"patient": patient, "plan": plan, "exercises": exercises, "today": patient.local_date()},
    )
