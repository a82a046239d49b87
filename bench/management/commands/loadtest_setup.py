"""A clinic of load-test patients for bench/loadtest.py. Safe to run again.

Creates (once) the clinic `loadtest`, a therapist and N patients `loadtest-NN`, each with an
approved plan of the handout's program that started two weeks ago, through the same services
the portal uses. With --reset, the sessions those patients logged in an earlier run are removed
and each patient gets a history like a patient's in their second week: sessions on most days
from the start up to five days ago, logged through `session_log` as on each day, so progression
and alerts have something to decide from. The load test logs only the last four days, so its
check ("every acknowledged session is in the database exactly once") starts from nothing for
those. It never touches another clinic.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Clinic
from exercises.models import ProgramTemplate
from exercises.services import shipped_programs_load
from patients.models import Alert, Patient, Plan, SessionLog
from patients.selectors import plan_exercises_up_to_week
from patients.services import (
    ExerciseEntry,
    patient_create,
    plan_approve,
    plan_create_from_template,
    session_log,
)

User = get_user_model()
CLINIC_SLUG = "loadtest"
THERAPIST = "loadtest-therapist"
DEFAULT_PASSWORD = "loadtest-backcare-pw"  # noqa: S105 (documented, local load-test logins only)


def patient_username(n: int) -> str:
    return f"loadtest-{n:02d}"


class Command(BaseCommand):
    help = "Create a clinic with N load-test patients on approved plans (for bench/loadtest.py)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=50)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument("--reset", action="store_true", help="remove the load-test patients' sessions")

    @transaction.atomic
    def handle(self, *args, patients, password, reset, **options):
        shipped_programs_load()
        template = ProgramTemplate.objects.get(slug="back-strengthening")
        clinic, _ = Clinic.objects.get_or_create(slug=CLINIC_SLUG, defaults={"name": "Load Test Clinic"})
        therapist = User.objects.filter(username=THERAPIST).first()
        if therapist is None:
            therapist = User.objects.create_user(
                username=THERAPIST,
                password=password,
                first_name="Load",
                last_name="Therapist",
                role=User.Role.THERAPIST,
                clinic=clinic,
            )
        created = 0
        for n in range(1, patients + 1):
            username = patient_username(n)
            patient = Patient.objects.filter(user__username=username, clinic=clinic).first()
            if patient is None:
                patient = patient_create(
                    therapist=therapist,
                    username=username,
                    first_name="Load",
                    last_name=f"Patient {n:02d}",
                    password=password,
                )
                created += 1
            if not Plan.objects.filter(patient=patient, status__in=Plan.LIVE_STATUSES).exists():
                plan = plan_create_from_template(
                    patient=patient,
                    template=template,
                    start_date=patient.local_date() - timedelta(days=14),
                    by=therapist,
                )
                plan_approve(plan=plan, by=therapist)
        removed = 0
        if reset:
            Alert.objects.filter(patient__clinic=clinic).delete()
            removed, _ = SessionLog.objects.filter(patient__clinic=clinic).delete()
            for patient in Patient.objects.filter(clinic=clinic, user__username__startswith="loadtest-"):
                _log_history(patient)
        self.stdout.write(
            f"Load-test clinic ready: {patients} patients ({created} new), "
            f"logins {patient_username(1)}..{patient_username(patients)}"
            + (f"; removed {removed} earlier rows" if reset else "")
        )


HISTORY_DAYS = range(14, 4, -1)  # from the plan's start up to five days ago


def _log_history(patient: Patient) -> None:
    """Sessions on three days of four, done at their targets, as the patient would have logged
    them on each day (so the engine moves them on as it would have)."""
    for days_ago in HISTORY_DAYS:
        if days_ago % 4 == 0:
            continue
        day = patient.local_date() - timedelta(days=days_ago)
        # Read again each day: the engine may have moved the patient on a week.
        plan = Plan.objects.get(patient=patient, status__in=Plan.LIVE_STATUSES)
        session_log(
            patient=patient,
            day=day,
            today=day,
            pain_before=3,
            pain_after=2,
            symptom_change="same",
            exercises=[
                ExerciseEntry.at_targets(item)
                for item in plan_exercises_up_to_week(plan=plan, week=plan.current_week)
            ],
        )
