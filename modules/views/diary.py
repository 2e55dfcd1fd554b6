"""The patient's pain diary: the last four weeks at a glance, and one day's entry."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from modules.access import access_own_enrollment
from modules.diary import (
    DiaryEntryForm,
    DiaryError,
    diary_entry_for,
    diary_entry_save,
    diary_overview,
    diary_refusal,
    earliest_editable,
)


@require_GET
def diary(request):
    enrollment = access_own_enrollment(request.user)
    overview = diary_overview(enrollment, timezone.localdate())
    return render(request, "modules/diary/diary.html", {"overview": overview})


@require_http_methods(["GET", "POST"])
def diary_entry(request, day):
    """Write (or read) the entry for ``day``, a date in the patient's own time zone.

    A day that can no longer be written shows its entry read-only, with the reason; a refused POST
    answers 200 with that reason and saves nothing, so nobody loses what they typed to an error page.
    """
    enrollment = access_own_enrollment(request.user)
    today = timezone.localdate()
    entry = diary_entry_for(enrollment, day)
    if request.method == "GET" and entry is None and day < earliest_editable(today):
        raise Http404("No entry for that day.")
    refusal = diary_refusal(enrollment=enrollment, day=day, today=today)
    form = None
    if refusal is None:
        data = request.POST if request.method == "POST" else None
        form = DiaryEntryForm(data, initial=DiaryEntryForm.initial_for(entry))
    if form is not None and form.is_bound and form.is_valid():
        try:
            diary_entry_save(enrollment=enrollment, day=day, today=today, request=request, **form.cleaned_data)
        except DiaryError as error:
            refusal, form = str(error), None
        else:
            messages.success(request, _("Your diary is saved."))
            return redirect("diary")
    return render(
        request,
        "modules/diary/entry.html",
        {
            "day": day,
            "is_today": day == today,
            "entry": entry,
            "form": form,
            "refusal": refusal,
            # A refused save is an error to fix; a day that is shown read-only is just information.
            "refusal_is_error": request.method == "POST",
        },
    )
