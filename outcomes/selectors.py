"""Reads of outcome measures that pages, the API and the services share.

Every read starts from a patient the caller already reached through `patients.access` (or from
`visible_to(user)`), and takes a fixed number of queries whatever the number of patients.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from patients.models import Patient, Plan, PlanPause

from .models import Instrument, PlanOutcome, Response
from .schedule import Due, due_dates, due_now, is_overdue
from .scoring import RULES, Change, Rule, change, plain_number

# A completed plan's questionnaires stay answerable this long after completion.
AFTER_COMPLETION_DAYS = 14


def _paused_days(pauses: Iterable[PlanPause], *, today: date) -> frozenset[date]:
    days = set()
    for pause in pauses:
        end = pause.resumed_on - timedelta(days=1) if pause.resumed_on else today
        day = pause.paused_on
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def outcome_plan_q(today_utc_floor: date | None = None) -> Q:
    """Plans whose questionnaires can be due: live, or completed lately (for the completion one)."""
    q = Q(status__in=Plan.LIVE_STATUSES)
    if today_utc_floor is not None:
        q |= Q(status=Plan.Status.COMPLETED, ended_at__date__gte=today_utc_floor)
    return q


def plan_dues(
    plan: Plan, schedule: Iterable[PlanOutcome], pauses: Iterable[PlanPause], *, today: date
) -> list[Due]:
    """Every due date of the plan's questionnaires up to `today` (the patient's local day)."""
    completed_on = (
        plan.patient.local_date(plan.ended_at)
        if plan.status == Plan.Status.COMPLETED and plan.ended_at
        else None
    )
    paused = _paused_days(pauses, today=today)
    dues = []
    for row in schedule:
        dues += due_dates(
            code=row.instrument_code,
            start=plan.start_date,
            at_baseline=row.at_baseline,
            every_weeks=row.every_weeks,
            at_completion=row.at_completion,
            until=today,
            completed_on=completed_on,
            paused_days=paused,
        )
    return dues


@dataclass(frozen=True)
class DueQuestionnaire:
    due: Due
    instrument: Instrument
    overdue: bool

    @property
    def code(self) -> str:
        return self.due.code


def _open_dues(plan: Plan, *, today: date, answered: dict[str, set[date]]) -> list[Due]:
    by_code: dict[str, list[Due]] = defaultdict(list)
    for due in plan_dues(plan, plan.outcomes.all(), plan.patient_pauses, today=today):
        by_code[due.code].append(due)
    result = []
    for code, dues in by_code.items():
        open_due = due_now(dues, answered=answered.get(code, set()), today=today)
        if open_due is not None:
            result.append(open_due)
    return result


def _plans_for(patient_ids: list[int], *, today: date) -> list[Plan]:
    since = today - timedelta(days=AFTER_COMPLETION_DAYS + 1)
    plans = (
        Plan.objects.filter(outcome_plan_q(since), patient_id__in=patient_ids)
        .annotate(has_pauses=Exists(PlanPause.objects.filter(plan__patient_id=OuterRef("patient_id"))))
        .prefetch_related("outcomes")
        .order_by("patient_id", "-version")
    )
    newest = {}
    for plan in plans:  # the live plan, else the newest completed one
        if plan.patient_id not in newest or (plan.is_live and not newest[plan.patient_id].is_live):
            newest[plan.patient_id] = plan
    return list(newest.values())


def due_for_patients(
    patients: list[Patient], *, today: date | None = None
) -> dict[int, list[DueQuestionnaire]]:
    """The questionnaires open now for each patient (by id), with whether each is overdue.

    At most five queries whatever the number of patients: plans, their schedules, pauses (only
    when a plan has any), the answered due dates, and the current instruments (only when
    something is due). `today` (for tests) overrides each patient's own local day.
    """
    if not patients:
        return {}
    by_id = {patient.pk: patient for patient in patients}
    floor = min(today or patient.local_date() for patient in patients)
    plans = _plans_for(list(by_id), today=floor)
    if not plans:
        return {}
    pauses: dict[int, list[PlanPause]] = defaultdict(list)
    paused_patients = [plan.patient_id for plan in plans if plan.has_pauses]
    if paused_patients:
        for pause in PlanPause.objects.filter(plan__patient_id__in=paused_patients).annotate(
            for_patient=F("plan__patient_id")
        ):
            pauses[pause.for_patient].append(pause)
    answered: dict[int, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for patient_id, code, due in Response.objects.filter(
        patient_id__in=[p.patient_id for p in plans]
    ).values_list("patient_id", "instrument_code", "due_date"):
        answered[patient_id][code].add(due)
    open_dues: dict[int, list[tuple[Due, date]]] = {}
    for plan in plans:
        patient = by_id[plan.patient_id]
        plan.patient = patient
        plan.patient_pauses = pauses.get(patient.pk, [])
        local_today = today or patient.local_date()
        dues = _open_dues(plan, today=local_today, answered=answered[patient.pk])
        if dues:
            open_dues[patient.pk] = [(due, local_today) for due in dues]
    if not open_dues:
        return {}
    instruments = {i.code: i for i in Instrument.objects.current()}
    result: dict[int, list[DueQuestionnaire]] = {}
    for patient_id, dues in open_dues.items():
        items = [
            DueQuestionnaire(due, instruments[due.code], is_overdue(due, today=local_today))
            for due, local_today in dues
            if due.code in instruments
        ]
        if items:
            result[patient_id] = sorted(items, key=lambda item: (item.due.due_date, item.code))
    return result


def due_for(*, patient: Patient, today: date | None = None) -> list[DueQuestionnaire]:
    return due_for_patients([patient], today=today).get(patient.pk, [])


def outcome_plan_for(*, patient: Patient, today: date) -> Plan | None:
    plans = _plans_for([patient.pk], today=today)
    return plans[0] if plans else None


# --- The therapist's view -------------------------------------------------------------------


@dataclass
class Trend:
    """One questionnaire's results for a patient: baseline, latest, change, and every point."""

    code: str
    rule: Rule
    name: str
    points: list[Response] = field(default_factory=list)

    @property
    def baseline(self) -> Response | None:
        return self.points[0] if self.points else None

    @property
    def latest(self) -> Response | None:
        return self.points[-1] if len(self.points) > 1 else None

    @property
    def change(self) -> Change | None:
        if self.latest is None:
            return None
        return change(self.rule, baseline=self.baseline.score_value, latest=self.latest.score_value)

    @property
    def band(self) -> str:
        last = self.points[-1] if self.points else None
        return str(self.rule.bands.get(last.score.band, "")) if last and last.score.band else ""


def response_rows(queryset) -> list[Response]:
    rows = list(queryset.select_related("score", "instrument").order_by("due_date", "pk"))
    for row in rows:
        row.score_value = row.score.as_rule_score()
    return rows


def trends_for(*, patient: Patient, plan: Plan | None) -> list[Trend]:
    """Each questionnaire the patient answered since the plan's start, baseline first. Two queries."""
    if plan is None:
        return []
    rows = response_rows(Response.objects.filter(patient=patient, due_date__gte=plan.start_date))
    names = dict(Instrument.objects.current().values_list("code", "name"))
    trends: dict[str, Trend] = {}
    for row in rows:
        trend = trends.setdefault(
            row.instrument_code,
            Trend(
                row.instrument_code,
                RULES[row.instrument_code],
                names.get(row.instrument_code, row.instrument.name),
            ),
        )
        trend.points.append(row)
    return [trends[code] for code in RULES if code in trends]


def startback_band_for(*, patient: Patient) -> str:
    """The patient's latest STarT Back risk group in words, or "" if never answered."""
    band = (
        Response.objects.filter(patient=patient, instrument_code="startback")
        .order_by("-due_date")
        .values_list("score__band", flat=True)
        .first()
    )
    return str(RULES["startback"].bands.get(band, "")) if band else ""


@dataclass(frozen=True)
class Panel:
    """What the therapist reads for one questionnaire: the trend, its chart and its flag in words."""

    trend: Trend
    chart: object
    flag: str
    mcid: str


def mcid_words(rule: Rule) -> str:
    if rule.mcid_points is None:
        return str(_("no meaningful-change threshold (it sorts patients by risk)"))
    parts = [_("%(points)s points") % {"points": plain_number(rule.mcid_points)}]
    if rule.mcid_percent:
        parts.append(_("%(percent)s %% of the baseline") % {"percent": rule.mcid_percent})
    if rule.mcid_one_part:
        parts.append(_("%(points)s points on one activity") % {"points": plain_number(rule.mcid_one_part)})
    return str(_(" or ").join(str(part) for part in parts))


def outcome_panels(*, patient: Patient, plan: Plan | None) -> list[Panel]:
    """Each questionnaire's panel for the patient page: baseline, latest, change, chart, flag."""
    from .charts import trend_chart

    panels = []
    for trend in trends_for(patient=patient, plan=plan):
        moved = trend.change
        if moved is None:
            flag = _("Baseline only: the change shows after the first follow-up.")
        elif moved.meaningful == "better":
            flag = _("Meaningfully better: the change passes the meaningful threshold.")
        elif moved.meaningful == "worse":
            flag = _("Meaningfully worse: the change passes the meaningful threshold.")
        elif trend.rule.mcid_points is None:
            flag = ""
        else:
            flag = _("Not yet a meaningful change.")
        chart = trend_chart(
            [(row.due_date, row.score.value) for row in trend.points],
            low=trend.rule.score_min,
            high=trend.rule.score_max,
        )
        panels.append(Panel(trend=trend, chart=chart, flag=str(flag), mcid=mcid_words(trend.rule)))
    return panels


@dataclass(frozen=True)
class ScheduleRow:
    code: str
    name: str
    loaded: bool
    row: PlanOutcome | None

    @property
    def words(self) -> str:
        if self.row is None:
            return str(_("Not asked"))
        times = []
        if self.row.at_baseline:
            times.append(str(_("at the start")))
        if self.row.every_weeks:
            times.append(str(_("every %(weeks)s weeks") % {"weeks": self.row.every_weeks}))
        if self.row.at_completion:
            times.append(str(_("at completion")))
        return ", ".join(times)


def plan_schedule_rows(*, plan: Plan) -> list[ScheduleRow]:
    """Every questionnaire BackCare scores, with whether it is loaded and when this plan asks it."""
    rows = {row.instrument_code: row for row in plan.outcomes.all()}
    names = dict(Instrument.objects.current().values_list("code", "name"))
    return [
        ScheduleRow(code, names.get(code, rule.name), code in names, rows.get(code))
        for code, rule in RULES.items()
    ]
