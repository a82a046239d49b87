from django.core.management.base import BaseCommand

from reminders.services import reminders_send_due


class Command(BaseCommand):
    help = "Sends the reminders due now. Run every few minutes; safe to run twice at once."

    def handle(self, *args, **options):
        sent = reminders_send_due()
        self.stdout.write(f"{sent} reminder(s) sent")
