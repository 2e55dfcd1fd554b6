"""Being written (issue 5): the therapist's view of one patient."""

from django.http import Http404

from clinics.views import enrollment_detail  # noqa: F401


def clinical_note_add(request, **kwargs):
    raise Http404("Not built yet.")


def contact_mode_change(request, **kwargs):
    raise Http404("Not built yet.")


def time_ledger(request, **kwargs):
    raise Http404("Not built yet.")


def time_entry_edit(request, **kwargs):
    raise Http404("Not built yet.")


def my_time(request, **kwargs):
    raise Http404("Not built yet.")
