"""Re-evaluate every live plan: progression state and safety alerts (silence too). For cron."""

from django.core.management.base import BaseCommand

from patients.models import Plan
from patients.progression_services import plans_evaluate_all


class Command(BaseCommand):
    help = (
        "Re-evaluate every approved or paused plan in its patient's time zone: store the week and "
        "progression state, and raise any new safety alerts (including no session for 3 days). "
        "Safe to run as often as you like, e.g. hourly from cron."
    )

    def handle(self, *args, **options):
        counts = plans_evaluate_all()
        states = ", ".join(
            f"{label.lower()}: {counts.get(value, 0)}" for value, label in Plan.ProgressionState.choices
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Evaluated {counts['plans']} plans; {counts['alerts']} new alerts. ({states})"
            )
        )
