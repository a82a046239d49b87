from django.core.management.base import BaseCommand

from exercises.services import shipped_programs_load


class Command(BaseCommand):
    help = "Load (or update) the program templates that ship with BackCare. Safe to run again."

    def handle(self, *args, **options):
        for template in shipped_programs_load():
            weeks = template.weeks.count()
            self.stdout.write(f"Loaded program “{template.name}” ({weeks} weeks).")
