"""``manage.py export_fhir --clinic <slug> [--out FILE]``: a clinic's outcomes as a pseudonymised FHIR
R4 Bundle (see outcomes.fhir for what is in it and what is never in it)."""

from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from outcomes.fhir import bundle_json, clinic_bundle


class Command(BaseCommand):
    help = "Write a clinic's questionnaires and completed assessments as a pseudonymised FHIR R4 Bundle (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", required=True, help="The clinic's slug.")
        parser.add_argument("--out", help="Write to this file instead of standard output.")

    def handle(self, *args, clinic: str, out: str | None = None, **options):
        try:
            found = Clinic.objects.get(slug=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"No clinic has the slug {clinic!r}. Clinic slugs are listed in the admin.") from None
        bundle = clinic_bundle(found)
        text = bundle_json(bundle)
        if out is None:
            self.stdout.write(text, ending="")
            return
        Path(out).write_text(text, encoding="utf-8")
        counts = Counter(entry.resource.get_resource_type() for entry in bundle.entry or ())
        self.stderr.write(
            f"Wrote {counts['Questionnaire']} questionnaires and {counts['QuestionnaireResponse']} responses "
            f"for {found.slug} to {out}."
        )
