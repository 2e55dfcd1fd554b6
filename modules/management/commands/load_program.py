from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.content import ContentError, load_program


class Command(BaseCommand):
    help = "Load or update a program from its folder (see modules/content/README.md). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            report = load_program(folder)
        except ContentError as error:
            raise CommandError(f"Nothing was changed. {error}") from None
        self.stdout.write(self.style.SUCCESS(str(report)))
