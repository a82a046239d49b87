"""Keep cached patient pages (patients.page_cache) in step with every write.

Receivers rather than calls in each service: the admin and management commands write these
models too, and a cached page must never outlive a change it shows.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.login_cache import login_changed
from exercises.models import Exercise, ProgramTemplate

from .models import Alert, Patient, Plan, PlanExercise, PlanPause, PlanWeek, ProgressionOverride, SessionLog
from .page_cache import all_patient_pages_changed, patient_pages_changed


@receiver([post_save, post_delete], sender=Patient)
def _patient_changed(sender, instance: Patient, **kwargs) -> None:
    patient_pages_changed(instance.pk)
    login_changed(instance.user_id)  # the record is read with the login (accounts.backends)


@receiver([post_save, post_delete], sender=Plan)
@receiver([post_save, post_delete], sender=SessionLog)
@receiver([post_save, post_delete], sender=Alert)
def _patient_row_changed(sender, instance, **kwargs) -> None:
    patient_pages_changed(instance.patient_id)


def _patient_id_of_plan(plan_id, instance):
    # The plan is usually at hand (a row made with `plan=...`): then no query.
    if type(instance).plan.is_cached(instance):
        return instance.plan.patient_id
    return Plan.objects.filter(pk=plan_id).values_list("patient_id", flat=True).first()


@receiver([post_save, post_delete], sender=PlanPause)
@receiver([post_save, post_delete], sender=PlanWeek)
@receiver([post_save, post_delete], sender=ProgressionOverride)
def _plan_row_changed(sender, instance, **kwargs) -> None:
    patient_id = _patient_id_of_plan(instance.plan_id, instance)
    if patient_id is not None:
        patient_pages_changed(patient_id)


@receiver([post_save, post_delete], sender=PlanExercise)
def _plan_exercise_changed(sender, instance: PlanExercise, **kwargs) -> None:
    if PlanExercise.week.is_cached(instance):
        patient_id = _patient_id_of_plan(instance.week.plan_id, instance.week)
    else:
        patient_id = (
            PlanWeek.objects.filter(pk=instance.week_id).values_list("plan__patient_id", flat=True).first()
        )
    if patient_id is not None:
        patient_pages_changed(patient_id)


@receiver([post_save, post_delete], sender=Exercise)
@receiver([post_save, post_delete], sender=ProgramTemplate)  # its general cautions are shown
def _library_changed(sender, instance, **kwargs) -> None:
    all_patient_pages_changed()


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def _staff_changed(sender, instance, update_fields=None, **kwargs) -> None:
    # A patient's page names their therapist; a login alone (last_login) changes nothing shown.
    if instance.role != "patient" and set(update_fields or ()) != {"last_login"}:
        all_patient_pages_changed()
