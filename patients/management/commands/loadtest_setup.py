"""A clinic of load-test patients for scripts/loadtest.py. Safe to run again.

Creates (once) the clinic `loadtest`, a therapist and N patients `loadtest-NN`, each with an
approved plan of the handout's program that started two weeks ago, through the same services
the portal uses. With --reset, the sessions those patients logged in an earlier run are removed,
so the load test's check ("every acknowledged session is in the database exactly once") starts
from nothing. It never touches another clinic.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Clinic
from exercises.models import ProgramTemplate
from exercises.services import shipped_programs_load
from patients.models import Alert, Patient, Plan, SessionLog
from patients.services import patient_create, plan_approve, plan_create_from_template

User = get_user_model()
CLINIC_SLUG = "loadtest"
THERAPIST = "loadtest-therapist"
DEFAULT_PASSWORD = "loadtest-backcare-pw"  # noqa: S105 (documented, local load-test logins only)


def patient_username(n: int) -> str:
    return f"loadtest-{n:02d}"


class Command(BaseCommand):
    help = "Create a clinic with N load-test patients on approved plans (for scripts/loadtest.py)."

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
        self.stdout.write(
            f"Load-test clinic ready: {patients} patients ({created} new), "
            f"logins {patient_username(1)}..{patient_username(patients)}"
            + (f"; removed {removed} earlier rows" if reset else "")
        )
