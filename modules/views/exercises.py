"""Saving and submitting a patient's answer to an exercise (the forms are in modules/exercise_forms.py).

Both views answer two ways. htmx autosave gets the small status partial, always with status 200
(htmx 2 swaps nothing on 4xx), and the new version swapped into the form's hidden input so the
next autosave builds on it. A plain POST (the Save and Submit buttons, with or without JavaScript)
is redirected back to the module page on success, or shown the exercise on its own with its errors.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from modules.access import access_open_item
from modules.exercise_forms import LOG_ENTRIES, form_for, summary_rows
from modules.exercises import ExerciseBlock, SaveConflict, response_save, response_submit
from modules.models import Exercise

STATUS = "modules/exercises/_status.html"


@require_POST
def exercise_save(request, module, exercise):
    return _answer(request, module, exercise, submit=False)


@require_POST
def exercise_submit(request, module, exercise):
    return _answer(request, module, exercise, submit=True)


def _open_exercise(user, module_slug: str, exercise_slug: str) -> tuple[Exercise, object]:
    """An exercise of a module open in the user's own plan, and that plan's enrolment; else 404."""
    item = access_open_item(user, module_slug)
    try:
        exercise = item.module.exercises.select_related("page").get(slug=exercise_slug)
    except Exercise.DoesNotExist:
        raise Http404("No such exercise in this module.") from None
    exercise.module = item.module
    return exercise, item.plan.enrollment


def _posted_version(post) -> int:
    """The version the form was built from. "Use my version" posts the stored one as use_version."""
    raw = post.get("use_version") or post.get("version") or ""
    # Garbage is no version at all: the save is refused as a conflict and overwrites nothing.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else -1


def module_page_url(exercise: Exercise) -> str:
    """The module page the exercise is on (pages are numbered from 1 in order of position)."""
    number = exercise.module.pages.filter(position__lt=exercise.page.position).count() + 1
    return reverse("module_page", args=[exercise.module.slug, number])


def _answer(request, module_slug, exercise_slug, *, submit: bool):
    exercise, enrollment = _open_exercise(request.user, module_slug, exercise_slug)
    base_version = _posted_version(request.POST)
    form = form_for(exercise, data=request.POST, complete=submit)
    if not form.is_valid():
        return _invalid(request, exercise, form, base_version)
    service = response_submit if submit else response_save
    try:
        response = service(
            enrollment=enrollment, exercise=exercise, data=form.to_data(), base_version=base_version, request=request
        )
    except SaveConflict as conflict:
        return _conflict(request, exercise, form, base_version, conflict.response, submit=submit)
    if request.htmx:
        context = {"exercise": exercise, "response": response, "version": response.version, "oob": "saved"}
        return render(request, STATUS, context)
    messages.success(request, _("Sent to your therapist.") if submit else _("Saved."))
    return redirect(module_page_url(exercise) + _fragment(exercise, response.data, request.POST))


def _fragment(exercise: Exercise, data: dict, post) -> str:
    entries = len(data.get("entries", []))
    if "add_entry" in post and entries < LOG_ENTRIES:
        return f"#{exercise.slug}-day-{entries + 1}"
    return f"#exercise-{exercise.slug}"


def _invalid(request, exercise, form, base_version):
    if request.htmx:
        errors = [(form.long_label(name), error) for name, errors in form.errors.items() for error in errors]
        return render(request, STATUS, {"exercise": exercise, "state": "invalid", "errors": errors})
    return _exercise_page(request, exercise, form, base_version)


def _conflict(request, exercise, form, base_version, stored, *, submit):
    conflict = {
        "version": stored.version,
        "saved_rows": summary_rows(exercise, stored.data),
        "mine_rows": summary_rows(exercise, form.to_data()),
        "action": reverse("exercise_submit" if submit else "exercise_save", args=[exercise.module.slug, exercise.slug]),
        # Another address than the page's own, so that following the link loads the page again.
        "keep_url": f"{module_page_url(exercise)}?kept={stored.version}#exercise-{exercise.slug}",
    }
    if request.htmx:
        context = {"exercise": exercise, "state": "conflict", "conflict": conflict, "oob": "conflict"}
        return render(request, STATUS, context)
    return _exercise_page(request, exercise, form, base_version, conflict=conflict, status=409)


def _exercise_page(request, exercise, form, base_version, *, conflict=None, status=200):
    """The exercise on a page of its own, as typed, with its errors or the conflict."""
    block = ExerciseBlock(exercise, response=None, form=form, version=max(base_version, 0))
    context = {
        "exercise_block": block,  # not "block": inside {% block %} that name is taken
        "module": exercise.module,
        "page": exercise.page,
        "conflict": conflict,
        "module_page_url": module_page_url(exercise),
    }
    return render(request, "modules/exercises/exercise_page.html", context, status=status)
