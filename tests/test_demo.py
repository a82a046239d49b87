from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Clinic, User
from patients.models import Patient, Plan, SessionLog
from reports import selectors

DEMO_LOGINS = ["therapist", "therapist2", "manager", "patient", "other-therapist"]


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def test_demo_logins_work_with_the_documented_password(demo, client):
    for username in DEMO_LOGINS:
        assert client.login(username=username, password="backcare-demo"), username
        client.logout()


def test_demo_clinic_has_history_and_a_second_clinic(demo):
    riverside = Clinic.objects.get(slug="riverside")
    assert Patient.objects.filter(clinic=riverside).count() >= 20
    assert Patient.objects.exclude(clinic=riverside).exists()
    assert User.objects.get(username="other-therapist").clinic != riverside
    # every demo patient follows an approved plan with weeks of history
    assert not Plan.objects.exclude(status=Plan.Status.APPROVED).exists()
    assert SessionLog.objects.filter(patient__clinic=riverside).count() > 200


def test_demo_patient_is_midway_through_week_two(demo):
    patient = Patient.objects.get(user__username="patient")
    plan = patient.plans.get(status=Plan.Status.APPROVED)
    assert patient.therapist.username == "therapist"
    assert plan.current_week == 2
    assert patient.sessions.exists()


def test_loading_the_demo_again_changes_nothing(demo):
    before = (Patient.objects.count(), SessionLog.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Patient.objects.count(), SessionLog.objects.count()) == before


def test_demo_plans_have_the_engines_week_periods(demo):
    for plan in Plan.objects.prefetch_related("periods", "patient__sessions"):
        periods = list(plan.periods.order_by("start"))
        assert periods[0].start == plan.start_date and periods[-1].end is None
        for before, after in zip(periods, periods[1:], strict=False):
            assert before.end + timedelta(days=1) == after.start  # no gap, no overlap
        for session in plan.patient.sessions.all():
            [period] = [
                p for p in periods if p.start <= session.date and (p.end is None or session.date <= p.end)
            ]
            assert period.week == session.week_number, (plan.patient, session.date)


def test_a_held_back_demo_patient_is_counted_in_the_week_she_was_shown(demo):
    manager = User.objects.get(username="manager")
    today = manager.clinic.local_date()
    rows = selectors.adherence_by_patient(
        user=manager, clinic=manager.clinic, start=today - timedelta(days=27), end=today
    )
    carla = next(row for row in rows if row.user.username == "carla.mendes")
    assert carla.plans.get().current_week == 1  # worsening symptoms: never moved on
    assert carla.exercises_prescribed == 3 * carla.prescribed_days  # week 1's three a day
    assert carla.exercise_pct > 70  # she does about nine in ten of what she is shown


def test_demo_plans_were_drafted_before_they_were_approved_and_the_trail_agrees(demo):
    from audit.models import AuditEvent
    from patients.models import Plan

    plans = Plan.objects.filter(approved_at__isnull=False)
    assert plans.exists()
    for plan in plans:
        assert plan.created_at < plan.approved_at, plan
        assert plan.approved_at <= timezone.now()
        events = {
            e.action: e.created_at
            for e in AuditEvent.objects.filter(object_type="patients.plan", object_id=str(plan.pk))
        }
        assert events["plan.created"] == plan.created_at
        assert events["plan.approved"] == plan.approved_at


def test_the_demo_clinic_has_its_own_exercise_with_a_picture_and_its_own_program(demo, client):
    from exercises.models import Exercise, ProgramTemplate

    riverside = Clinic.objects.get(slug="riverside")
    wall_sit = Exercise.objects.get(clinic=riverside, name="Wall sit")
    program = ProgramTemplate.objects.get(clinic=riverside)
    assert [list(w.exercises.values_list("exercise__name", flat=True)) for w in program.weeks.all()] == [
        ["Pelvic tilt", "Wall sit"],
        ["Bridge"],
    ]
    client.login(username="therapist", password="backcare-demo")
    assert client.get(wall_sit.picture_url()).status_code == 200
    client.logout()
    client.login(username="other-therapist", password="backcare-demo")
    assert client.get(wall_sit.picture_url()).status_code == 404


def test_demo_patients_answered_the_questionnaires_and_the_pages_show_the_change(demo, client):
    from outcomes.models import Response
    from outcomes.selectors import due_for
    from reports.outcomes import outcome_report

    ada = Patient.objects.get(user__username="ada.okafor")  # 40 days: baseline, weeks 2 and 4
    assert list(
        Response.objects.filter(patient=ada, instrument_code="nprs").values_list("due_date", flat=True)
    ) == [ada.plans.get().start_date + timedelta(days=n) for n in (0, 14, 28)]
    client.login(username="therapist", password="backcare-demo")
    page = client.get(f"/portal/patients/{ada.pk}/").content.decode()
    assert "Outcome measures" in page and "Meaningful change: 2 points or 30 % of the baseline." in page
    # Sam, the demo patient, has the baseline questionnaires waiting on Today.
    sam = Patient.objects.get(user__username="patient")
    assert [item.code for item in due_for(patient=sam)] == ["nprs", "psfs"]
    manager = User.objects.get(username="manager")
    today = manager.clinic.local_date()
    report = outcome_report(user=manager, start=today - timedelta(days=27), end=today)
    nprs = next(row for row in report.totals if row.code == "nprs")
    assert nprs.patients > 5 and 0 < nprs.improved < nprs.patients
    # Carla's pain rating went from 6 to 8: meaningfully worse, one safety alert for Dana.
    carla = Patient.objects.get(user__username="carla.mendes")
    assert [a.message for a in carla.alerts.filter(kind="outcome_worse")] == [
        "Pain rating (NPRS) is meaningfully worse than at the start: 6 → 8."
    ]


def test_sam_asked_a_question_and_dana_answered_and_carla_is_waiting(demo, client):
    from messaging.models import Message

    sam = User.objects.get(username="patient").patient
    thread = list(Message.objects.filter(patient=sam))
    assert [m.from_patient for m in thread] == [True, False]
    assert thread[0].read_at is not None and thread[1].read_at is None
    assert "evening" in thread[0].body and "any time of day" in thread[1].body
    client.force_login(User.objects.get(username="therapist"))
    assert "1 unread message" in client.get("/portal/").content.decode()  # Carla's
    client.force_login(sam.user)
    page = client.get("/me/messages/").content.decode()
    assert page.index("evening instead of the morning") < page.index("any time of day")


def test_sam_is_reminded_at_six_on_weekdays_unless_he_has_logged(demo):
    import datetime as dt

    from django.core import mail

    from reminders.services import reminders_send_due

    patient = Patient.objects.get(user__username="patient")
    settings = patient.reminder_settings
    assert (settings.time, settings.weekdays) == (dt.time(18), [0, 1, 2, 3, 4])
    today = patient.local_date()
    monday = today - dt.timedelta(days=today.weekday())  # this week's Monday, on his plan
    SessionLog.objects.filter(patient=patient, date=monday).delete()
    six = dt.datetime.combine(monday, dt.time(18, 5), tzinfo=patient.tzinfo)
    assert reminders_send_due(now=six) == 1  # a weekday he has not logged: one reminder
    assert mail.outbox[0].to == ["patient@example.org"]
    logged = SessionLog.objects.filter(patient=patient).exclude(date=monday).order_by("-date").first()
    mail.outbox.clear()
    at_six = dt.datetime.combine(logged.date, dt.time(18, 5), tzinfo=patient.tzinfo)
    assert reminders_send_due(now=at_six) == 0  # a logged day: none
    assert mail.outbox == []


def test_demo_rosa_reads_spanish(demo, client):
    rosa = User.objects.get(username="rosa.lopez")
    assert rosa.language == "es"
    client.login(username="rosa.lopez", password="backcare-demo")
    for url in ["/me/", "/me/log/", "/me/progress/"]:
        page = client.get(url).content.decode()
        assert '<html lang="es">' in page and "Cerrar sesión" in page, url
        assert "Log out" not in page and "Take it slow" not in page, url
