"""The patient's questionnaires: one instrument per page, progress saved as they go, the result after."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from modules.access import access_own_enrollment
from outcomes import answering
from outcomes.models import Assessment
from outcomes.schedule import open_assessments

TEMPLATE = "outcomes/answer/questionnaire.html"


@require_GET
def questionnaire_next(request):
    enrollment = access_own_enrollment(request.user)
    following = open_assessments(enrollment).only("code").first()
    if following is None:
        return render(request, "outcomes/answer/nothing.html")
    return redirect("questionnaire_answer", code=following.code)


@require_http_methods(["GET", "POST"])
def questionnaire_answer(request, code):
    enrollment = access_own_enrollment(request.user)
    assessment = answering.access_own_assessment(enrollment, code)
    instrument = answering.instrument_for(assessment)
    if assessment.status == Assessment.Status.COMPLETED:
        if request.htmx:  # an autosave from a tab left open after sending
            return render(request, f"{TEMPLATE}#status", {"state": "sent"})
        if request.method == "POST":  # sent twice (double click, second tab): nothing more is stored
            return redirect("questionnaire_answer", code=assessment.code)
        return _result(request, assessment, instrument)
    if request.method == "POST" and ("save" in request.POST or request.htmx):
        return _save(request, assessment, instrument)
    if request.method == "POST":
        return _submit(request, assessment, instrument)
    form = answering.AnswerForm(instrument, initial=assessment.progress)
    return _page(request, assessment, instrument, form)


def _save(request, assessment, instrument):
    progress = answering.valid_partial(instrument, request.POST)
    saved = answering.assessment_save_progress(assessment=assessment, progress=progress, request=request)
    if request.htmx:
        return render(request, f"{TEMPLATE}#status", {"state": "saved" if saved else "closed"})
    if saved:
        messages.success(request, _("Your answers are saved. You can come back and finish at any time."))
        return redirect("patient_home")
    return redirect("questionnaire_answer", code=assessment.code)


def _submit(request, assessment, instrument):
    form = answering.AnswerForm(instrument, data=request.POST)
    if not form.is_valid():
        # Keep what was chosen, so a reload or a later visit still has it.
        answering.assessment_save_progress(
            assessment=assessment, progress=answering.valid_partial(instrument, request.POST), request=request
        )
        return _page(request, assessment, instrument, form)
    try:
        answering.assessment_submit(assessment=assessment, answers=form.cleaned_data, by=request.user, request=request)
    except answering.AssessmentClosed:
        messages.error(request, _("This questionnaire closed before your answers arrived, so they were not saved."))
        return redirect("patient_home")
    except ValueError as error:
        form.add_error(None, _("Please check your answers: %(error)s.") % {"error": error})
        return _page(request, assessment, instrument, form)
    # Post/redirect/get: a reload shows the result, it does not send the answers again.
    return redirect("questionnaire_answer", code=assessment.code)


def _page(request, assessment, instrument, form):
    number, total = answering.occasion_position(assessment)
    return render(
        request,
        TEMPLATE,
        {
            "assessment": assessment,
            "instrument": instrument,
            "form": form,
            "number": number,
            "total": total,
        },
    )


def _result(request, assessment, instrument):
    enrollment = assessment.enrollment
    explanation = None
    if answering.shows_scores(enrollment):
        explanation = instrument.explain(answering.stored_score(assessment))
    return render(
        request,
        "outcomes/answer/result.html",
        {
            "assessment": assessment,
            "instrument": instrument,
            "enrollment": enrollment,
            "clinic": enrollment.clinic,
            "risk": "risk" in assessment.flags,
            "explanation": explanation,
            "has_next": open_assessments(enrollment).exists(),
        },
    )
