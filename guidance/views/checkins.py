"""Being written (issue 5); replaced by the full views."""

from django.http import Http404


def patient_checkins(request, **kwargs):
    raise Http404("Not built yet.")


def checkin_book(request, **kwargs):
    raise Http404("Not built yet.")


def patient_checkin(request, **kwargs):
    raise Http404("Not built yet.")


def patient_checkin_reschedule(request, **kwargs):
    raise Http404("Not built yet.")


def patient_checkin_cancel(request, **kwargs):
    raise Http404("Not built yet.")


def patient_checkin_ics(request, **kwargs):
    raise Http404("Not built yet.")


def availability(request, **kwargs):
    raise Http404("Not built yet.")


def staff_checkins(request, **kwargs):
    raise Http404("Not built yet.")


def staff_checkin(request, **kwargs):
    raise Http404("Not built yet.")


def staff_checkin_ics(request, **kwargs):
    raise Http404("Not built yet.")
