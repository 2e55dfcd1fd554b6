"""Being written (issue 5): the therapist dashboard. For now the old caseload list."""

from clinics.views import caseload  # noqa: F401
