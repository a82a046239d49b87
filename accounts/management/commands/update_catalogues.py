"""Bring locale/<lang>/LC_MESSAGES/django.po up to date with the code: Django's makemessages over
the project (GNU gettext's xgettext needed), with the folders that are not the product left out.
New strings arrive empty: translate them (docs/development.md, "Translations") before committing,
or tests/test_translations.py fails."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Not the product: the virtualenv, npm's folder, the tests, benchmarks and generated files.
IGNORE = [".venv", "node_modules", "tests", "bench", "staticfiles", "media", "test-artifacts", "scripts"]
# Only the file in each entry's reference: line numbers would change the catalogue with every edit.
MAKEMESSAGES_OPTIONS = {
    "ignore_patterns": IGNORE,
    "add_location": "file",
    "no_obsolete": True,
    "verbosity": 0,
}


def shipped_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != "en"]


class Command(BaseCommand):
    help = "Update the translation catalogues (locale/*/LC_MESSAGES/django.po) from the code."

    def handle(self, *args, **options):
        call_command("makemessages", locale=shipped_languages(), **MAKEMESSAGES_OPTIONS)
        for language in shipped_languages():
            self.stdout.write(f"updated locale/{language}/LC_MESSAGES/django.po")
