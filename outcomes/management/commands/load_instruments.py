import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outcomes.itemfile import ItemFileError
from outcomes.services import instrument_load, shipped_instruments_load


class Command(BaseCommand):
    help = (
        "Load the questionnaires that ship with BackCare (NPRS, PSFS) and the program's default "
        "schedule; with file paths, load a clinic's licensed item files (ODI, RMDQ, STarT Back; "
        "format in docs/outcomes.md). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="item files (JSON) to load")

    def handle(self, *args, files, **options):
        if not files:
            for instrument in shipped_instruments_load():
                self.stdout.write(f"Loaded questionnaire “{instrument.name}” (version {instrument.version}).")
            return
        for name in files:
            path = Path(name)
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except OSError as error:
                raise CommandError(f"{name}: cannot read the file ({error.strerror}).") from None
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise CommandError(f"{name}: not valid JSON ({error}).") from None
            try:
                instrument, what = instrument_load(data=data)
            except ItemFileError as error:
                raise CommandError(
                    f"{name} was not loaded:\n" + "\n".join(f"  - {problem}" for problem in error.problems)
                ) from None
            self.stdout.write(f"{name}: “{instrument.name}” {what} (version {instrument.version}).")
