"""A demo clinic so a first look shows everything working. Safe to run again."""

import random
from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import Clinic
from audit.models import AuditEvent
from billing.services import treatment_time_record
from demo.library import demo_library_create
from exercises.models import ProgramTemplate
from exercises.services import shipped_programs_load
from messaging.models import Message
from messaging.services import message_send, thread_read
from outcomes.models import Response
from outcomes.services import response_submit, shipped_instruments_load
from patients.models import Alert, Plan, ProgressionNotice, ProgressionOverride, SessionLog
from patients.progression_services import (
    plan_progression_decide,
    plan_progression_refresh,
    progression_override,
)
from patients.selectors import plan_exercises_up_to_week
from patients.services import (
    ExerciseEntry,
    patient_create,
    plan_approve,
    plan_create_from_template,
    session_log,
)
from reminders.services import reminder_settings_change

User = get_user_model()
DEMO_PASSWORD = "backcare-demo"  # noqa: S105 (documented demo password)

# (username, first, last, therapist, days on plan, behaviour)
#   steady: logs most days, pain easing;  patchy: logs about half the days;
#   lapsed: stopped logging five days ago; worsening: pain creeping up, reports "worse".
FIRST_CLINIC_PATIENTS = [
    ("patient", "Sam", "Taylor", "therapist", 10, "steady"),
    ("ada.okafor", "Ada", "Okafor", "therapist", 40, "steady"),
    ("ben.hughes", "Ben", "Hughes", "therapist", 32, "patchy"),
    ("carla.mendes", "Carla", "Mendes", "therapist", 25, "worsening"),
    ("david.kim", "David", "Kim", "therapist", 18, "steady"),
    ("ella.novak", "Ella", "Novak", "therapist", 36, "lapsed"),
    ("farid.haddad", "Farid", "Haddad", "therapist", 15, "patchy"),
    ("grace.lee", "Grace", "Lee", "therapist", 21, "steady"),
    ("hugo.martin", "Hugo", "Martin", "therapist", 28, "steady"),
    ("iris.walsh", "Iris", "Walsh", "therapist", 14, "patchy"),
    ("jonas.berg", "Jonas", "Berg", "therapist2", 42, "steady"),
    ("kira.patel", "Kira", "Patel", "therapist2", 30, "patchy"),
    ("liam.oconnor", "Liam", "O'Connor", "therapist2", 24, "steady"),
    ("maya.cohen", "Maya", "Cohen", "therapist2", 19, "lapsed"),
    ("nina.rossi", "Nina", "Rossi", "therapist2", 35, "steady"),
    ("omar.aziz", "Omar", "Aziz", "therapist2", 16, "steady"),
    ("paula.silva", "Paula", "Silva", "therapist2", 27, "patchy"),
    ("quinn.adams", "Quinn", "Adams", "therapist2", 22, "steady"),
    ("rosa.lopez", "Rosa", "Lopez", "therapist2", 33, "steady"),
    ("sven.larsen", "Sven", "Larsen", "therapist2", 17, "patchy"),
]
# Activities patients name on the PSFS at baseline (three each, chosen from these).
PSFS_ACTIVITIES = [
    "Putting on socks",
    "Sitting through a film",
    "Lifting a shopping bag",
    "Getting out of bed",
    "Gardening for an hour",
    "Picking up my child",
    "Driving to work",
    "Walking the dog",
]
# Rosa reads Spanish: her pages, printed program and mail are in Spanish, her activities in her words.
SPANISH_SPEAKERS = {"rosa.lopez"}
PSFS_ACTIVITIES_ES = [
    "Ponerme los calcetines",
    "Ver una película sentada",
    "Llevar la bolsa de la compra",
    "Levantarme de la cama",
    "Trabajar una hora en el huerto",
    "Coger a mi nieto en brazos",
]
# The demo patient (Sam) has not answered the questionnaires yet: Today shows them to answer.
QUESTIONNAIRES_WAITING = {"patient"}

SECOND_CLINIC_PATIENTS = [
    ("tara.nguyen", "Tara", "Nguyen", "other-therapist", 20, "steady"),
    ("umar.farouk", "Umar", "Farouk", "other-therapist", 26, "patchy"),
    ("vera.ivanova", "Vera", "Ivanova", "other-therapist", 12, "steady"),
]


class Command(BaseCommand):
    help = "Create the demo clinics, staff, patients and weeks of history (idempotent)."

    def handle(self, *args, **options):
        shipped_programs_load()
        shipped_instruments_load()  # the program asks for NPRS and PSFS by default
        if User.objects.filter(username="patient").exists():
            self.stdout.write("Demo clinic already loaded.")
            return
        with transaction.atomic():
            self._create()
        self.stdout.write(
            self.style.SUCCESS(f"Demo clinic loaded. Every demo login's password is {DEMO_PASSWORD!r}.")
        )

    def _create(self):
        template = ProgramTemplate.objects.get(slug="back-strengthening")
        first = Clinic.objects.create(
            name="Riverside Physiotherapy", slug="riverside", timezone="Europe/London"
        )
        second = Clinic.objects.create(
            name="Hillside Back Clinic", slug="hillside", timezone="America/New_York"
        )
        staff = {
            "therapist": self._staff("therapist", "Dana", "Reyes", first, User.Role.THERAPIST),
            "therapist2": self._staff("therapist2", "Marcus", "Bell", first, User.Role.THERAPIST),
            "manager": self._staff("manager", "Priya", "Shah", first, User.Role.MANAGER),
            "other-therapist": self._staff("other-therapist", "Lena", "Fischer", second, User.Role.THERAPIST),
        }
        for row in FIRST_CLINIC_PATIENTS + SECOND_CLINIC_PATIENTS:
            self._patient_with_history(template, staff, *row)
        demo_library_create(therapist=staff["therapist"])
        self._messages(staff["therapist"])

    @staticmethod
    def _messages(therapist) -> None:
        """Sam asked Dana a question yesterday and she answered (Sam has not read it yet); Carla
        wrote this morning and Dana has not opened it: the caseload shows it unread."""
        patients = {p.user.username: p for p in therapist.caseload.select_related("user")}
        sam, carla = patients["patient"], patients["carla.mendes"]
        base_url = "http://127.0.0.1:8000/"
        now = timezone.now()
        asked = message_send(
            patient=sam,
            by=sam.user,
            body="Is it all right to do the exercises in the evening instead of the morning?",
            base_url=base_url,
        )
        thread_read(patient=sam, by=therapist)
        answered = message_send(
            patient=sam,
            by=therapist,
            body=(
                "Yes, any time of day is fine. Pick a time you can keep to, and leave an hour "
                "after a big meal."
            ),
            base_url=base_url,
        )
        unread = message_send(
            patient=carla,
            by=carla.user,
            body="My back was sore after yesterday's session. Should I skip the bridge today?",
            base_url=base_url,
        )
        # Back-dated, as the rest of the history is; Dana read Sam's question an hour after it came.
        for message, ago in ((asked, 26), (answered, 22), (unread, 2)):
            sent = now - timedelta(hours=ago)
            Message.objects.filter(pk=message.pk).update(created_at=sent)
            AuditEvent.objects.filter(action="message.sent", object_id=str(message.pk)).update(
                created_at=sent
            )
        Message.objects.filter(pk=asked.pk).update(read_at=now - timedelta(hours=25))

    def _staff(self, username, first_name, last_name, clinic, role):
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            clinic=clinic,
            role=role,
            email=f"{username}@example.org",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def _patient_with_history(self, template, staff, username, first, last, therapist_name, days, behaviour):
        therapist = staff[therapist_name]
        rng = random.Random(username)
        pain = rng.choice([4, 5, 6])
        patient = patient_create(
            therapist=therapist,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.org",
            password=DEMO_PASSWORD,
            baseline_pain=pain,
            language="es" if username in SPANISH_SPEAKERS else None,
        )
        today = patient.local_date()
        start = today - timedelta(days=days)
        plan = plan_create_from_template(
            patient=patient, template=template, start_date=start, by=therapist, confirm_start_date=True
        )
        plan = plan_approve(plan=plan, by=therapist)
        # As it would have happened: drafted, approved the next day, started the day after; the
        # audit trail's rows say the same.
        approved_at = timezone.now() - timedelta(days=days + 1)
        drafted_at = approved_at - timedelta(days=1)
        Plan.objects.filter(pk=plan.pk).update(created_at=drafted_at, approved_at=approved_at)
        plan_events = AuditEvent.objects.filter(object_type="patients.plan", object_id=str(plan.pk))
        plan_events.filter(action="plan.created").update(created_at=drafted_at)
        plan_events.filter(action="plan.approved").update(created_at=approved_at)
        AuditEvent.objects.filter(action="patient.created", patient=patient).update(
            created_at=drafted_at - timedelta(hours=1)
        )
        week, review_from = 1, 7
        activities = rng.sample(PSFS_ACTIVITIES_ES if username in SPANISH_SPEAKERS else PSFS_ACTIVITIES, 3)
        ratings = [rng.choice([2, 3, 4]) for _ in activities]
        loading_since = timezone.now()
        notices = ProgressionNotice.objects.filter(plan=plan)
        for offset in range(days + 1):
            day = start + timedelta(days=offset)
            ago = timedelta(days=days - offset)
            # The history goes through the same services as real use: once a week could be
            # over, the engine decides each morning, and when it says "ready" the therapist
            # reviews the week and confirms.
            decision = plan_progression_decide(plan=plan, today=day) if offset >= review_from else None
            if decision and decision.state == Plan.ProgressionState.FINISHED:
                review_from = days + 1
            if decision and decision.state == Plan.ProgressionState.READY:
                override = progression_override(
                    plan=plan,
                    by=therapist,
                    action=ProgressionOverride.Action.ADVANCE,
                    reason="Reviewed the week's logs: doing well.",
                    effective_on=day,
                    today=day,
                )
                ProgressionOverride.objects.filter(pk=override.pk).update(created_at=timezone.now() - ago)
                week, review_from = override.to_week, offset + 7
                self._date_notices(notices, since=loading_since, ago=ago)
            if offset % 14 == 0 and username not in QUESTIONNAIRES_WAITING:
                ratings = self._questionnaires(patient, behaviour, rng, day, ago, pain, activities, ratings)
            if not self._logs_on(behaviour, rng, offset, days):
                continue
            if behaviour == "worsening":
                pain = min(7, pain + rng.choice([0, 0, 0, 1]))
                change = rng.choice(["worse", "worse", "same", "same", "better"])
            else:
                pain = max(1, pain - rng.choice([0, 0, 0, 1]))
                change = rng.choice(["better", "same", "same"])
            exercises = [
                ExerciseEntry.at_targets(
                    item,
                    done=rng.random() > 0.1,
                    hurt=behaviour == "worsening" and rng.random() < 0.05,
                )
                for item in plan_exercises_up_to_week(plan=plan, week=week)
            ]
            session, _ = session_log(
                patient=patient,
                day=day,
                today=day,
                pain_before=pain,
                pain_after=max(0, pain + (1 if behaviour == "worsening" else -1)),
                symptom_change=change,
                exercises=exercises,
                note=rng.choice(["", "", "Felt stiff in the morning.", "Easier than yesterday."]),
            )
            SessionLog.objects.filter(pk=session.pk).update(created_at=timezone.now() - ago)
            self._date_notices(notices, since=loading_since, ago=ago)
        self._treatment_time(patient, therapist, rng, start=start, today=today)
        # Today's state (and alerts about silence), as the portal and the patient will see it.
        plan_progression_refresh(plan=plan, today=today)
        if username == "patient":  # Sam: a reminder at 18:00 on weekdays
            reminder_settings_change(
                patient=patient, by=patient.user, time=time(18, 0), days=[0, 1, 2, 3, 4], second_nudge=False
            )
        Alert.objects.filter(plan=plan, session__isnull=False).update(
            created_at=Subquery(SessionLog.objects.filter(pk=OuterRef("session_id")).values("created_at")[:1])
        )
        return patient

    @staticmethod
    def _questionnaires(patient, behaviour, rng, day, ago, pain, activities, ratings) -> list[int]:
        """NPRS and PSFS answered on their due day (baseline, then every two weeks), through the
        same service as the patient's page; the activities get easier, or harder when worsening."""
        if behaviour == "lapsed" and day > patient.local_date() - timedelta(days=5):
            return ratings
        follow_up = day > patient.plans.get().start_date
        if follow_up and behaviour != "worsening":
            ratings = [min(10, rating + rng.choice([1, 1, 2])) for rating in ratings]
        elif follow_up:
            ratings = [max(0, rating - rng.choice([0, 1])) for rating in ratings]
        # The week's average pain: when worsening, as bad as after the sessions (pain + 1).
        average = min(10, pain + 1) if follow_up and behaviour == "worsening" else pain
        response_submit(patient=patient, code="nprs", answers=[average], today=day)
        response_submit(
            patient=patient,
            code="psfs",
            answers=[
                {"name": name, "rating": rating} for name, rating in zip(activities, ratings, strict=True)
            ],
            today=day,
        )
        Response.objects.filter(patient=patient, due_date=day).update(
            created_at=timezone.now() - ago, updated_at=timezone.now() - ago
        )
        return ratings

    @staticmethod
    def _treatment_time(patient, therapist, rng, *, start, today) -> None:
        """A review of the logs every week or so, some with a call (for the RTM report)."""
        day = start + timedelta(days=rng.randint(3, 6))
        while day <= today:
            called = rng.random() < 0.5
            what = "Reviewed the logged sessions and pain" + ("; phoned the patient." if called else ".")
            entry = treatment_time_record(
                patient=patient,
                by=therapist,
                day=day,
                minutes=rng.choice([6, 8, 10, 12, 15]) + (10 if called else 0),
                activity=what,
                interactive=called,
                by_assistant=False,
            )
            # Recorded that day, as it would have been; the audit trail says the same.
            when = timezone.now() - timedelta(days=(today - day).days)
            type(entry).objects.filter(pk=entry.pk).update(recorded_at=when)
            AuditEvent.objects.filter(action="rtm.time_recorded", object_id=str(entry.pk)).update(
                created_at=when
            )
            day += timedelta(days=rng.randint(6, 9))

    @staticmethod
    def _date_notices(notices, *, since, ago) -> None:
        """Progression notices opened or closed on this day of the history, dated that day."""
        notices.filter(opened_at__gte=since).update(opened_at=timezone.now() - ago)
        notices.filter(closed_at__gte=since).update(closed_at=timezone.now() - ago)

    @staticmethod
    def _logs_on(behaviour, rng, offset, days) -> bool:
        if behaviour == "lapsed" and offset > days - 5:
            return False
        if behaviour == "patchy":
            return rng.random() < 0.55
        return rng.random() < 0.9
