"""`make bench`: adherence reports at clinic-chain scale, on the PostgreSQL of DATABASE_URL.

Fills the database once (a second run reuses the data) with one generated chain clinic —
10,000 patients, each on the handout's program for the last 90 days, moved on by their
therapist to week 2 on day 8 and week 3 on day 15 (the progression periods say so, as the
engine would have stored them), with a session every day and nine exercises a session —
then times the clinic report page, one therapist's report page, the daily CSV export and a
hand-written SQL aggregate over the same rows. Each patient also answered the pain rating (NPRS)
at baseline and every two weeks (added to a database generated before outcome measures existed),
and the outcome report page is timed with its query count.
Prints each figure, then one line of JSON.
"""

import json
import statistics
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Clinic, User
from exercises.models import ProgramTemplate
from exercises.services import shipped_programs_load
from outcomes.models import Instrument, Response, Score
from outcomes.scoring import RULES, change, score_nprs
from outcomes.services import shipped_instruments_load
from patients.models import (
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanPause,
    PlanWeek,
    ProgressionPeriod,
    SessionLog,
)
from reports import selectors

SLUG = "bench-chain"
DAYS = 90
BATCH = 5000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Command(BaseCommand):
    help = "Generate a clinic chain in PostgreSQL (once) and time the adherence reports."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument("--therapists", type=int, default=50)
        parser.add_argument("--repeat", type=int, default=3, help="timed runs per figure (median)")

    def handle(self, *args, patients, therapists, repeat, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
        clinic = Clinic.objects.filter(slug=SLUG).first()
        if clinic and Patient.objects.filter(clinic=clinic).count() == patients:
            self.stdout.write(f"Reusing the generated clinic chain ({patients} patients).")
        else:
            if clinic:
                raise CommandError(f"Clinic {SLUG!r} exists with another size; use a fresh database.")
            started = time.perf_counter()
            clinic = self.generate(patients=patients, therapists=therapists)
            self.stdout.write(f"Generated in {time.perf_counter() - started:.0f} s.")
        if not Response.objects.filter(patient__clinic=clinic).exists():
            self.generate_outcomes(clinic)
        self.measure(clinic, repeat)

    # --- Data -----------------------------------------------------------------------------

    @transaction.atomic
    def generate(self, *, patients: int, therapists: int) -> Clinic:
        shipped_programs_load()
        template = ProgramTemplate.objects.get(slug="back-strengthening")
        template_weeks = list(template.weeks.prefetch_related("exercises").order_by("number"))
        clinic = Clinic.objects.create(name="Bench Chain", slug=SLUG, timezone="Europe/London")
        password = make_password("bench-only")
        staff = User.objects.bulk_create(
            [
                User(
                    username=f"bench-t{i}",
                    first_name="Therapist",
                    last_name=f"{i:03d}",
                    role=User.Role.THERAPIST,
                    clinic=clinic,
                    password=password,
                )
                for i in range(therapists)
            ]
            + [User(username="bench-manager", role=User.Role.MANAGER, clinic=clinic, password=password)]
        )
        therapist_list, manager = staff[:-1], staff[-1]
        self.stdout.write("Users, patients and plans…")
        users = User.objects.bulk_create(
            (
                User(
                    username=f"bench-p{i}",
                    first_name="Patient",
                    last_name=f"{i:05d}",
                    role=User.Role.PATIENT,
                    clinic=clinic,
                    password=password,
                )
                for i in range(patients)
            ),
            batch_size=BATCH,
        )
        people = Patient.objects.bulk_create(
            (
                Patient(user=user, clinic=clinic, therapist=therapist_list[i % therapists], baseline_pain=4)
                for i, user in enumerate(users)
            ),
            batch_size=BATCH,
        )
        today = timezone.localdate()
        now = timezone.now()
        plans = Plan.objects.bulk_create(
            (
                Plan(
                    patient=p,
                    template=template,
                    program_name=template.name,
                    general_cautions=template.general_cautions,
                    status=Plan.Status.APPROVED,
                    start_date=today - timedelta(days=DAYS - 1),
                    created_by=p.therapist,
                    approved_by=p.therapist,
                    approved_at=now - timedelta(days=DAYS),
                    current_week=3,
                )
                for p in people
            ),
            batch_size=BATCH,
        )
        weeks = PlanWeek.objects.bulk_create(
            (
                PlanWeek(plan=plan, number=w.number, title=w.title, **w.rule_values())
                for plan in plans
                for w in template_weeks
            ),
            batch_size=BATCH,
        )
        by_number = {w.number: w for w in template_weeks}
        PlanExercise.objects.bulk_create(
            (
                PlanExercise.copied_from(
                    item, week=week, target_hold_seconds=item.hold_seconds_min, target_reps=item.reps_min
                )
                for week in weeks
                for item in by_number[week.number].exercises.all()
            ),
            batch_size=BATCH,
        )
        # The weeks the patients were in, as `patients.adherence.periods_store` writes them after
        # the therapist's two confirmations: week 1 for 7 days, week 2 for 7, then week 3 (open).
        per_day, running = {}, 0
        for w in template_weeks:
            running += w.exercises.count()
            per_day[w.number] = running
        start = today - timedelta(days=DAYS - 1)
        spans = (
            (1, start, start + timedelta(days=6)),
            (2, start + timedelta(days=7), start + timedelta(days=13)),
        )
        ProgressionPeriod.objects.bulk_create(
            (
                ProgressionPeriod(
                    plan=plan, week=week, start=first, end=last, exercises_per_day=per_day[week]
                )
                for plan in plans
                for week, first, last in (*spans, (3, start + timedelta(days=14), None))
            ),
            batch_size=BATCH,
        )
        # One plan in ten had a five-day pause a month ago; one patient in twenty has an alert open.
        PlanPause.objects.bulk_create(
            (
                PlanPause(
                    plan=plan,
                    paused_on=today - timedelta(days=30),
                    resumed_on=today - timedelta(days=25),
                    paused_by=plan.created_by,
                    resumed_by=plan.created_by,
                )
                for plan in plans[::10]
            ),
            batch_size=BATCH,
        )
        Alert.objects.bulk_create(
            (
                Alert(patient=plan.patient, plan=plan, kind="hurt", message="It hurt", cause_key="bench")
                for plan in plans[::20]
            ),
            batch_size=BATCH,
        )
        self.stdout.write("Sessions (INSERT … SELECT in the database)…")
        session, exercise = SessionLog._meta.db_table, "patients_sessionexercise"
        # A session's exercise is done when (session id + plan exercise id) % 10 < 8. Session
        # ids are drawn from the table's sequence first, so each session is written once with
        # its count of exercises done (SessionLog.exercises_done, as session_log stores it).
        done = "(g.id + pe.id) %% 10 < 8"
        with connection.cursor() as cursor:
            # Statistics for the tables just filled, in this same transaction: without them the
            # planner guesses the plan tables are tiny, and the count of exercises done per
            # session below (a lookup per row) ran for over 25 minutes on a fresh database.
            for model in (Patient, Plan, PlanWeek, PlanExercise, ProgressionPeriod, PlanPause):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
            cursor.execute(
                f"""
                INSERT INTO {session} (id, patient_id, plan_id, date, week_number, pain_before, pain_after,
                                       symptom_change, note, exercises_done, created_at, updated_at)
                SELECT g.id, g.patient_id, g.plan_id, g.start_date + g.n, LEAST(3, g.n / 7 + 1),
                       2 + (g.plan_id + g.n / 10) %% 5, 1 + (g.plan_id + g.n / 10) %% 5,
                       (ARRAY['better', 'same', 'worse'])[1 + (g.plan_id + g.n) %% 3], '',
                       (SELECT COUNT(*) FROM patients_planweek w
                        JOIN patients_planexercise pe ON pe.week_id = w.id
                        WHERE w.plan_id = g.plan_id AND {done}),
                       now(), now()
                FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id, pl.patient_id,
                             pl.id AS plan_id, pl.start_date, n
                      FROM patients_plan pl
                      JOIN patients_patient pt ON pt.id = pl.patient_id
                      CROSS JOIN generate_series(0, %s) AS n
                      WHERE pt.clinic_id = %s) AS g
                """,  # noqa: S608 (table names and a constant expression only)
                [session, DAYS - 1, clinic.pk],
            )
            self.stdout.write(f"  {cursor.rowcount} sessions; exercises…")
            cursor.execute(
                f"""
                INSERT INTO {exercise} (session_id, plan_exercise_id, done, reps, hold_seconds, hurt)
                SELECT g.id, pe.id, {done}, pe.target_reps, pe.target_hold_seconds, false
                FROM {session} g
                JOIN patients_patient pt ON pt.id = g.patient_id
                JOIN patients_planweek w ON w.plan_id = g.plan_id
                JOIN patients_planexercise pe ON pe.week_id = w.id
                WHERE pt.clinic_id = %s
                """,  # noqa: S608 (table names and a constant expression only)
                [clinic.pk],
            )
            self.stdout.write(f"  {cursor.rowcount} session exercises.")
        self.manager = manager
        return clinic

    @transaction.atomic
    def generate_outcomes(self, clinic: Clinic) -> None:
        """NPRS at each patient's plan start and every 14 days since: pain going down by 0 to 3
        points over the weeks, so some patients reach the meaningful improvement and some not."""
        self.stdout.write("Questionnaire answers (NPRS, baseline and every 2 weeks)…")
        shipped_instruments_load()
        nprs = Instrument.objects.current().get(code="nprs")
        rule = RULES["nprs"]
        plans = Plan.objects.filter(patient__clinic=clinic).values_list("pk", "patient_id", "start_date")
        today = timezone.localdate()
        responses, scores = [], []
        for plan_id, patient_id, start in plans:
            base = 5 + patient_id % 4
            for k, day in enumerate(start + timedelta(days=14 * n) for n in range(DAYS // 14 + 1)):
                if day > today:
                    break
                value = max(0, base - (k * (patient_id % 4)) // 3)
                responses.append(
                    Response(
                        patient_id=patient_id,
                        plan_id=plan_id,
                        instrument=nprs,
                        instrument_code="nprs",
                        due_date=day,
                        is_baseline=k == 0,
                        answered_on=day,
                        answers={"items": [value]},
                    )
                )
                moved = change(rule, baseline=score_nprs([base]), latest=score_nprs([value])) if k else None
                scores.append(
                    {
                        "value": value,
                        "change": moved.points if moved else None,
                        "meaningful": moved.meaningful if moved else "",
                    }
                )
        created = Response.objects.bulk_create(responses, batch_size=BATCH)
        Score.objects.bulk_create(
            (Score(response=response, **values) for response, values in zip(created, scores, strict=True)),
            batch_size=BATCH,
        )
        self.stdout.write(f"  {len(created)} answers.")

    # --- Timing ---------------------------------------------------------------------------

    def measure(self, clinic: Clinic, repeat: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE") if connection.get_autocommit() else None
        manager = User.objects.get(username="bench-manager")
        therapist = User.objects.get(username="bench-t0")
        sessions = SessionLog.objects.filter(patient__clinic=clinic).count()
        patient_count = Patient.objects.filter(clinic=clinic).count()
        host = {"HTTP_HOST": "localhost"}

        def page(user, url="/portal/reports/"):
            client = Client()
            client.force_login(user)
            times, queries = [], 0
            client.get(url, **host)  # warm-up, like the hand SQL
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.perf_counter()
                    response = client.get(url, **host)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
                queries = len(ctx.captured_queries)
            return statistics.median(times), queries, times

        clinic_s, clinic_q, clinic_all = page(manager)
        therapist_s, therapist_q, therapist_all = page(therapist)
        outcomes_s, outcomes_q, outcomes_all = page(manager, "/portal/reports/outcomes/")

        client = Client()
        client.force_login(manager)
        base_rss = rss_mb()
        peak, rows = base_rss, 0
        started = time.perf_counter()
        response = client.get("/portal/reports/daily.csv", **host)
        for _line in response.streaming_content:
            rows += 1
            if rows % 5000 == 0:
                peak = max(peak, rss_mb())
        csv_s = time.perf_counter() - started
        peak = max(peak, rss_mb())

        self.check_stored_counts(clinic)
        # Timed like the pages: a warm-up run, then the median of `repeat` runs.
        self.hand_sql(clinic)
        hand_all = [self.hand_sql(clinic) for _ in range(repeat)]
        self.check_same_figures(clinic, manager)
        hand_s = statistics.median(hand_all)
        result = {
            "patients": patient_count,
            "sessions": sessions,
            "clinic_report_s": round(clinic_s, 3),
            "therapist_report_s": round(therapist_s, 3),
            "csv_export_s": round(csv_s, 3),
            "hand_sql_s": round(hand_s, 3),
            "clinic_report_to_sql_ratio": round(clinic_s / hand_s, 2),
            "clinic_report_queries": clinic_q,
            "outcome_report_s": round(outcomes_s, 3),
            "outcome_report_queries": outcomes_q,
            "export_peak_rss_mb": round(peak, 1),
        }
        out = self.stdout.write
        out(f"patients {patient_count}, sessions {sessions} (range: the last 28 days, the page's default)")
        runs = [round(t, 3) for t in clinic_all]
        out(f"clinic report page:    {clinic_s:.3f} s (median of {runs}), {clinic_q} queries")
        runs = [round(t, 3) for t in therapist_all]
        out(f"therapist report page: {therapist_s:.3f} s (median of {runs}), {therapist_q} queries")
        runs = [round(t, 3) for t in outcomes_all]
        out(f"outcome report page:   {outcomes_s:.3f} s (median of {runs}), {outcomes_q} queries")
        out(f"daily CSV export:      {csv_s:.3f} s, {rows - 1} rows")
        out(f"  RSS {base_rss:.0f} MB before the export, peak {peak:.0f} MB during it")
        out(f"hand-written SQL:      {hand_s:.3f} s (median of {[round(t, 3) for t in hand_all]})")
        out(f"clinic report / hand SQL: {clinic_s / hand_s:.2f}x")
        out(json.dumps(result))

    def hand_sql(self, clinic: Clinic) -> float:
        """The report summary's figures written by hand in one query, over the same rows: the
        plans that count (from their start, or their approval for a revision; up to their end),
        prescribed days less pauses, sessions only on prescribed days and their exercises done,
        patients at 80% or better, and exercises prescribed (each progression period's exercises
        a day on its days within the plan's and the range's, less paused days: the week the
        patient was in, as `patients.adherence` counts them).

        Exercises done are added up from each session's stored count (SessionLog.exercises_done),
        as the report does: a hand-written query over this schema would read that column too,
        and timing it against a report that does not count rows keeps the comparison like for
        like. `check_stored_counts` shows, untimed, that the column agrees with the rows.
        Sessions on prescribed days are found the way the report finds them: a semi-join on the
        covering plans and an anti-join on their pauses, plus the few sessions in a pause of one
        plan that another plan covers, rather than a pause lookup per session."""
        today = timezone.localdate()
        start = today - timedelta(days=27)
        sql = """
            WITH pl AS NOT MATERIALIZED (
                SELECT p.id, p.patient_id, p.start_date AS sd,
                       GREATEST(%(start)s,
                                CASE WHEN p.previous_version_id IS NULL THEN p.start_date
                                     ELSE GREATEST(p.start_date,
                                                   (p.approved_at AT TIME ZONE %(tz)s)::date) END)
                           AS lo,
                       LEAST(%(stop)s::date,
                             CASE p.status WHEN 'superseded' THEN (p.ended_at AT TIME ZONE %(tz)s)::date
                                           WHEN 'completed' THEN (p.ended_at AT TIME ZONE %(tz)s)::date + 1
                             END) AS hi
                FROM patients_plan p JOIN patients_patient pt ON pt.id = p.patient_id
                WHERE pt.clinic_id = %(clinic)s AND p.approved_at IS NOT NULL
                  AND p.status IN ('approved', 'paused', 'completed', 'superseded')
            ),
            pa AS NOT MATERIALIZED (
                SELECT pa.plan_id, pa.paused_on AS a, COALESCE(pa.resumed_on, DATE '9999-12-31') AS b
                FROM patients_planpause pa JOIN pl ON pl.id = pa.plan_id
            ),
            days AS (
                SELECT pl.patient_id, SUM(GREATEST(0, pl.hi - pl.lo) - COALESCE((
                    SELECT SUM(GREATEST(0, LEAST(pa.b, pl.hi) - GREATEST(pa.a, pl.lo)))
                    FROM pa WHERE pa.plan_id = pl.id), 0)) AS prescribed
                FROM pl GROUP BY pl.patient_id
            ),
            pr AS NOT MATERIALIZED (  -- the weeks the patients were in, within the plans' days
                SELECT pr.plan_id, GREATEST(pl.lo, pr.start) AS a,
                       LEAST(pl.hi, COALESCE(pr."end" + 1, DATE '9999-12-31')) AS b,
                       pr.exercises_per_day AS k
                FROM patients_progressionperiod pr JOIN pl ON pl.id = pr.plan_id
            ),
            ex AS (
                SELECT SUM(pr.k * (GREATEST(0, pr.b - pr.a)
                                   - COALESCE((SELECT SUM(GREATEST(0, LEAST(pa.b, pr.b)
                                                                      - GREATEST(pa.a, pr.a)))
                                               FROM pa WHERE pa.plan_id = pr.plan_id), 0))) AS prescribed
                FROM pr
            ),
            paused_day AS NOT MATERIALIZED (  -- a pause of a plan covering the day covers it
                SELECT pl.id AS plan_id, pl.patient_id, GREATEST(pl.lo, pa.a) AS a, LEAST(pl.hi, pa.b) AS b
                FROM pa JOIN pl ON pl.id = pa.plan_id
            ),
            on_days AS (  -- sessions on prescribed days: none of the covering plans paused that day,
                          -- or (rare) paused in one but covered by another plan that is not
                SELECT s.patient_id, s.exercises_done
                FROM patients_sessionlog s
                WHERE s.date BETWEEN %(start)s AND %(end)s
                  AND EXISTS (SELECT 1 FROM pl WHERE pl.patient_id = s.patient_id
                                AND s.date >= pl.lo AND s.date < pl.hi)
                  AND NOT EXISTS (SELECT 1 FROM paused_day p WHERE p.patient_id = s.patient_id
                                    AND s.date >= p.a AND s.date < p.b)
                UNION ALL
                SELECT s.patient_id, s.exercises_done
                FROM patients_sessionlog s
                WHERE s.date BETWEEN %(start)s AND %(end)s
                  AND EXISTS (SELECT 1 FROM paused_day p WHERE p.patient_id = s.patient_id
                                AND s.date >= p.a AND s.date < p.b)
                  AND EXISTS (SELECT 1 FROM pl WHERE pl.patient_id = s.patient_id
                                AND s.date >= pl.lo AND s.date < pl.hi
                                AND NOT EXISTS (SELECT 1 FROM pa WHERE pa.plan_id = pl.id
                                                  AND s.date >= pa.a AND s.date < pa.b))
            ),
            logged AS (
                SELECT patient_id, COUNT(*) AS sessions, SUM(exercises_done) AS done
                FROM on_days GROUP BY patient_id
            )
            SELECT SUM(d.prescribed), SUM(l.sessions), SUM(l.done),
                   COUNT(*) FILTER (WHERE l.sessions * 5 >= d.prescribed * 4 AND d.prescribed > 0),
                   (SELECT prescribed FROM ex)
            FROM days d LEFT JOIN logged l ON l.patient_id = d.patient_id
        """
        params = {
            "start": start,
            "end": today,
            "stop": today + timedelta(days=1),
            "clinic": clinic.pk,
            "tz": clinic.timezone,
        }
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            row = cursor.fetchone()
            elapsed = time.perf_counter() - started
        self.hand_row = row
        self.stdout.write(
            f"  hand SQL: prescribed {row[0]}, sessions {row[1]}, done {row[2]}, 80%+ {row[3]}, "
            f"exercises prescribed {row[4]}"
        )
        return elapsed

    def check_same_figures(self, clinic: Clinic, manager: User) -> None:
        """Untimed: the report's summary (patients.adherence) equals the hand-written SQL's."""
        today = timezone.localdate()
        summary = selectors.adherence_summary(
            user=manager, clinic=clinic, start=today - timedelta(days=27), end=today
        )
        report = tuple(
            summary[key]
            for key in (
                "prescribed_days_total",
                "sessions_logged_total",
                "exercises_done_total",
                "adherent_patients",
                "exercises_prescribed_total",
            )
        )
        hand = tuple(int(value or 0) for value in self.hand_row)
        verdict = "agree" if report == hand else f"DISAGREE: report {report}, hand SQL {hand}"
        self.stdout.write(f"report summary and hand-written SQL: {verdict}")

    def check_stored_counts(self, clinic: Clinic) -> None:
        """Untimed: the report's 28 days' stored counts of exercises done equal the done rows."""
        today = timezone.localdate()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT (SELECT SUM(s.exercises_done) FROM patients_sessionlog s
                        JOIN patients_patient pt ON pt.id = s.patient_id
                        WHERE pt.clinic_id = %(clinic)s AND s.date BETWEEN %(start)s AND %(end)s),
                       (SELECT COUNT(*) FROM patients_sessionexercise se
                        JOIN patients_sessionlog s ON s.id = se.session_id
                        JOIN patients_patient pt ON pt.id = s.patient_id
                        WHERE pt.clinic_id = %(clinic)s AND s.date BETWEEN %(start)s AND %(end)s
                          AND se.done)
                """,
                {"clinic": clinic.pk, "start": today - timedelta(days=27), "end": today},
            )
            stored, rows = cursor.fetchone()
        verdict = "agree" if stored == rows else "DISAGREE"
        self.stdout.write(
            f"exercises done in the last 28 days: {stored} stored on the sessions, {rows} done rows"
            f" ({verdict}); the hand SQL, like the report, adds up the stored counts"
        )
