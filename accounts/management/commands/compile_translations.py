"""Compile the translation catalogues (locale/<lang>/LC_MESSAGES/*.po) into the .mo files Django
reads, in pure Python (polib): no GNU gettext needed on a laptop or in the image. The repository
holds only the .po files; `make install`, the Dockerfile and the test set-up run this."""

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    return sorted(po for base in settings.LOCALE_PATHS for po in Path(base).glob("*/LC_MESSAGES/*.po"))


def compile_catalogues(*, force: bool = False) -> list[Path]:
    """Write each catalogue's .mo beside it when missing or older than the .po; return those written."""
    written = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            catalogue = polib.pofile(str(po_path), check_for_duplicates=True)
        except (OSError, ValueError) as error:
            raise CommandError(f"{po_path}: {error}") from error
        # Written beside it, then moved into place: parallel test workers may compile at once.
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.partial")
        catalogue.save_as_mofile(str(partial))
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (pure Python, no gettext tools needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even the up-to-date ones.")

    def handle(self, *args, force=False, **options):
        for mo_path in compile_catalogues(force=force):
            self.stdout.write(f"compiled {mo_path}")
