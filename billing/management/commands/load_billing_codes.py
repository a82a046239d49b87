from django.core.management.base import BaseCommand

from billing.defaults import codes_load
from billing.models import BillingCode


class Command(BaseCommand):
    help = "Add the default RTM billing codes that are missing (edited codes are left as they are)."

    def handle(self, *args, **options):
        added = codes_load(BillingCode)
        self.stdout.write(f"{added} billing code(s) added.")
