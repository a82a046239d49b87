"""Reminder e-mails: when they go out, when they do not, once a day, and the unsubscribe link."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core import mail
from django.db import connection, connections
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import Plan, PlanPause, SessionLog
from reminders.links import unsubscribe_token
from reminders.models import ReminderSent
from reminders.services import reminder_settings_change, reminders_send_due

EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def at(zone: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


@pytest.fixture
def reminded(active_plan):
    """The patient with an active plan since 2026-01-01, a reminder at 18:00 every day."""
    Plan.objects.filter(pk=active_plan.pk).update(start_date=dt.date(2026, 1, 1))
    patient = active_plan.patient
    patient.user.email = "sam@example.org"
    patient.user.save(update_fields=["email"])
    reminder_settings_change(
        patient=patient, by=patient.user, time=dt.time(18), days=EVERY_DAY, second_nudge=False
    )
    return patient


def set_zone(patient, zone):
    patient.timezone = zone
    patient.save(update_fields=["timezone"])


def log_on(patient, day):
    SessionLog.objects.create(
        patient=patient,
        plan=patient.plans.get(),
        date=day,
        pain_before=3,
        pain_after=2,
        symptom_change="same",
    )


@pytest.mark.parametrize("zone", ["Australia/Sydney", "America/Los_Angeles"])
def test_the_reminder_goes_at_the_patients_own_time_in_their_zone(reminded, zone):
    set_zone(reminded, zone)
    assert reminders_send_due(now=at(zone, 2026, 6, 10, 17, 59)) == 0
    assert reminders_send_due(now=at(zone, 2026, 6, 10, 18, 0)) == 1
    assert ReminderSent.objects.get().local_date == dt.date(2026, 6, 10)
    assert mail.outbox[0].to == ["sam@example.org"]


def test_only_on_the_chosen_days(reminded):
    reminder_settings_change(
        patient=reminded, by=reminded.user, time=dt.time(18), days=[0], second_nudge=False
    )
    set_zone(reminded, "Europe/London")
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 9, 19)) == 0  # a Tuesday
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 8, 19)) == 1  # a Monday


@pytest.mark.parametrize(
    ("chosen", "before", "due"),
    [
        # Spring forward: 02:30 does not exist on 8 March; it fires at 03:00 EDT (07:00 UTC).
        (
            dt.time(2, 30),
            dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC),
        ),
        (
            dt.time(18),
            dt.datetime(2026, 3, 8, 21, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 8, 22, 0, tzinfo=dt.UTC),
        ),
        # Fall back: 01:30 happens twice on 1 November; the first one (EDT, 05:30 UTC) fires.
        (
            dt.time(1, 30),
            dt.datetime(2026, 11, 1, 5, 29, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC),
        ),
        (
            dt.time(18),
            dt.datetime(2026, 11, 1, 22, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 1, 23, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_daylight_saving_days_in_new_york(reminded, chosen, before, due):
    set_zone(reminded, "America/New_York")
    reminder_settings_change(
        patient=reminded, by=reminded.user, time=chosen, days=EVERY_DAY, second_nudge=False
    )
    assert reminders_send_due(now=before) == 0
    assert reminders_send_due(now=due) == 1
    # The repeated hour (and every later run that day) sends nothing more.
    assert reminders_send_due(now=due + dt.timedelta(hours=1)) == 0
    assert reminders_send_due(now=due + dt.timedelta(hours=1, minutes=5)) == 0
    assert len(mail.outbox) == 1


def test_none_on_a_day_already_logged(reminded):
    set_zone(reminded, "Europe/London")
    log_on(reminded, dt.date(2026, 6, 10))
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 10, 19)) == 0
    assert mail.outbox == []


def test_none_while_the_plan_is_paused_or_after_it_ends(reminded):
    set_zone(reminded, "Europe/London")
    plan = reminded.plans.get()
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.PAUSED)
    PlanPause.objects.create(plan=plan, paused_on=dt.date(2026, 6, 1), paused_by=reminded.therapist)
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 10, 19)) == 0
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.COMPLETED)
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 11, 19)) == 0
    assert mail.outbox == []


def test_once_a_day_however_often_the_command_runs(reminded):
    set_zone(reminded, "Europe/London")
    for minute in range(0, 60, 5):
        reminders_send_due(now=at("Europe/London", 2026, 6, 10, 18, minute))
    assert len(mail.outbox) == 1
    reminders_send_due(now=at("Europe/London", 2026, 6, 11, 18, 5))
    assert len(mail.outbox) == 2


def test_the_second_nudge_after_two_missed_days_once(reminded):
    set_zone(reminded, "Europe/London")
    reminder_settings_change(
        patient=reminded, by=reminded.user, time=dt.time(18), days=EVERY_DAY, second_nudge=True
    )
    log_on(reminded, dt.date(2026, 6, 7))
    reminders_send_due(now=at("Europe/London", 2026, 6, 8, 18))  # 1 day missed: the usual one
    reminders_send_due(now=at("Europe/London", 2026, 6, 9, 18))  # 8th missed, 1 day only...
    reminders_send_due(now=at("Europe/London", 2026, 6, 10, 18))  # 8th and 9th missed: the nudge
    reminders_send_due(now=at("Europe/London", 2026, 6, 11, 18))  # still not logged: no second nudge
    kinds = list(ReminderSent.objects.order_by("local_date").values_list("local_date", "kind"))
    assert kinds == [
        (dt.date(2026, 6, 8), "daily"),
        (dt.date(2026, 6, 9), "daily"),
        (dt.date(2026, 6, 10), "missed"),
        (dt.date(2026, 6, 11), "daily"),
    ]
    # The nudge says no more than a daily reminder: nothing of the missed days.
    assert mail.outbox[2].subject == mail.outbox[0].subject
    assert (
        mail.outbox[2].body.split("\n")[0] == mail.outbox[0].body.split("\n")[0] == "Time for your exercises."
    )


def test_no_nudge_for_a_patient_who_did_not_ask_for_it(reminded):
    set_zone(reminded, "Europe/London")
    reminders_send_due(now=at("Europe/London", 2026, 6, 10, 18))
    assert ReminderSent.objects.get().kind == "daily"


def test_the_email_says_nothing_about_health(reminded):
    set_zone(reminded, "Europe/London")
    reminders_send_due(now=at("Europe/London", 2026, 6, 10, 18))
    message = mail.outbox[0]
    text = (message.subject + message.body).lower()
    for word in ("pain", "back", "plan", "alert", "therapist", "week", "knee", "session", "symptom"):
        assert word not in text, word
    assert "time for your exercises" in text
    assert "/me/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_unsubscribe_link_turns_reminders_off_without_a_login(reminded, client):
    url = reverse("reminders:unsubscribe", args=[unsubscribe_token(reminded)])
    page = client.get(url)
    assert page.status_code == 200 and "Turn reminders off" in page.content.decode()
    reminded.reminder_settings.refresh_from_db()
    assert reminded.reminder_settings.is_on  # opening the link (a mail scanner) changes nothing
    done = client.post(url)
    assert "Reminders are off" in done.content.decode()
    reminded.reminder_settings.refresh_from_db()
    assert not reminded.reminder_settings.is_on
    event = AuditEvent.objects.filter(action="reminders.turned_off").get()
    assert event.data["via"] == "unsubscribe"
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 10, 23)) == 0


def test_a_tampered_unsubscribe_link_changes_nothing(reminded, client):
    token = unsubscribe_token(reminded)
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = client.post(reverse("reminders:unsubscribe", args=[bad]))
    assert answer.status_code == 400
    assert "not valid" in answer.content.decode()
    reminded.reminder_settings.refresh_from_db()
    assert reminded.reminder_settings.is_on


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_email(reminded):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write, so two runs can never race; "
            "run with DATABASE_URL=postgres://..."
        )
    set_zone(reminded, "Europe/London")
    now = at("Europe/London", 2026, 6, 10, 18, 1)
    barrier = threading.Barrier(2)
    counts, failures = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            counts.append(reminders_send_due(now=now))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(counts) == [0, 1]
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.count() == 1


def test_no_reminder_to_a_deactivated_login(reminded):
    set_zone(reminded, "Europe/London")
    reminded.user.is_active = False
    reminded.user.save(update_fields=["is_active"])
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 10, 19)) == 0


def test_the_command_sends_what_is_due(reminded):
    from django.core.management import call_command

    # Midnight every day: whatever the real clock says, a reminder is due today.
    reminder_settings_change(
        patient=reminded, by=reminded.user, time=dt.time(0), days=EVERY_DAY, second_nudge=False
    )
    SessionLog.objects.filter(patient=reminded).delete()
    call_command("send_reminders", verbosity=0)
    call_command("send_reminders", verbosity=0)
    assert len(mail.outbox) == ReminderSent.objects.count() == 1


def test_the_reminder_is_in_the_patients_language(reminded):
    reminded.user.language = "es"
    reminded.user.save(update_fields=["language"])
    assert reminders_send_due(now=at("Europe/London", 2026, 6, 10, 18, 30)) == 1
    (email,) = mail.outbox
    assert email.subject == "Es hora de sus ejercicios"
    assert "Para dejar de recibir estos recordatorios" in email.body
