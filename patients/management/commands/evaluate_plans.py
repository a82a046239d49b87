"""Re-evaluate every live plan: progression state and safety alerts (silence too). For cron.

Also stores the week periods adherence counts (`patients.adherence`) for every approved plan
that has none yet: run it once after `migrate` on a database from before migration
0005_progression_periods, so the reports count the weeks the patients were really in.
"""

from django.core.management.base import BaseCommand

from patients.models import Plan
from patients.progression_services import periods_fill, plans_evaluate_all


class Command(BaseCommand):
    help = (
        "Re-evaluate every approved or paused plan in its patient's time zone: store the week and "
        "progression state, and raise any new safety alerts (including no session for 3 days). "
        "Also stores the week periods adherence figures count for any approved, paused, completed "
        "or superseded plan that has none yet (plans from before migration 0005_progression_periods), "
        "ended plans as of the day they ended. Safe to run as often as you like, e.g. hourly from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all-periods",
            action="store_true",
            help="Recompute the week periods of every counted plan, not only those that have none.",
        )

    def handle(self, *args, all_periods=False, **options):
        filled = periods_fill(missing_only=not all_periods)
        counts = plans_evaluate_all()
        states = ", ".join(
            f"{label.lower()}: {counts.get(value, 0)}" for value, label in Plan.ProgressionState.choices
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Evaluated {counts['plans']} plans; {counts['alerts']} new alerts. ({states}) "
                f"Week periods stored for {filled} plans."
            )
        )
