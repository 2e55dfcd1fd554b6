"""Weekly feedback pages: the therapist's "To review" queue, writing feedback, templates and the guide.

Writing is for the patient's current therapist only; everyone else gets 404 (a clinic admin reads
the patient's work and the thread elsewhere). Templates: therapists keep personal ones, clinic
admins keep the clinic's shared ones; the starter set is built in and read-only.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.models import Clinic
from clinics.roles import user_roles
from clinics.services import audit_log
from guidance import feedback as service
from guidance.feedback_forms import FeedbackForm, TemplateForm
from guidance.models import FeedbackTemplate
from guidance.services import MessageError
from modules.exercise_forms import summary_rows
from modules.models import Module

WRITE_TEMPLATE = "guidance/feedback/write.html"


def _staff_roles(request):
    roles = user_roles(request.user)
    if not (roles.is_therapist or roles.is_clinic_admin):
        raise Http404("Only staff have feedback pages.")
    return roles


@require_GET
def review_queue(request):
    if not user_roles(request.user).is_therapist:
        raise Http404("Only therapists have a review queue.")
    return render(
        request, "guidance/feedback/queue.html", {"rows": service.review_rows(request.user), "now": timezone.now()}
    )


@require_GET
def feedback_guide(request):
    _staff_roles(request)
    return render(request, "guidance/feedback/guide.html", {"placeholders": service.PLACEHOLDERS})


# --- Writing feedback -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback_write(request, code, module):
    enrollment = service.access_feedback_enrollment(request.user, code)
    module = Module.objects.filter(program_id=enrollment.program_id, slug=module).first()
    if module is None:
        raise Http404("No such module in this patient's programme.")
    responses = service.submitted_responses(enrollment, module)
    slug = request.GET.get("exercise", "")
    response = next((r for r in responses if r.exercise.slug == slug), None)
    earlier = service.module_feedback(enrollment, module)
    exercise = response.exercise if response else None
    values = service.placeholder_values(enrollment=enrollment, therapist=request.user, module=module, exercise=exercise)
    page_url = reverse("feedback_write", args=[enrollment.code, module.slug])
    if exercise:
        page_url += f"?exercise={exercise.slug}"
    context = {
        "enrollment": enrollment,
        "patient_first_name": values["first_name"],
        "module": module,
        "response": response,
        "exercise": exercise,
        "responses": [_response_view(r, response, earlier) for r in responses],
        "earlier": earlier,
        "page_url": page_url,
        "choices": service.templates_for_writing(request.user, enrollment, module),
        "placeholders": service.PLACEHOLDERS,
    }
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        sent = _send(request, form, enrollment, module, response, values)
        if sent is not None:
            return sent
        return render(request, WRITE_TEMPLATE, {**context, "form": form}, status=200)
    key = request.GET.get("template", "")
    text = service.template_text(request.user, enrollment, module, key) if key else None
    form = FeedbackForm(
        initial={
            "body": service.fill_placeholders(text, values) if text else "",
            "basis": service.response_basis(response, earlier),
        }
    )
    context.update(form=form, picked=key, template_missing=bool(key) and text is None)
    if request.htmx and key:
        return render(request, f"{WRITE_TEMPLATE}#compose", context)
    audit_log(
        actor=request.user, action="guidance.feedback.viewed", enrollment=enrollment, target=module, request=request
    )
    return render(request, WRITE_TEMPLATE, context)


def _response_view(response, current, earlier) -> dict:
    given = [f for f in earlier if f.response_id == response.pk and f.created_at >= response.submitted_at]
    return {
        "response": response,
        "rows": summary_rows(response.exercise, response.data),
        "current": current is not None and current.pk == response.pk,
        "awaiting": not given,
    }


def _send(request, form, enrollment, module, response, values):
    """Send the feedback; a redirect to the queue when it is sent, None to show the form again."""
    if not form.is_valid():
        return None
    # Placeholders typed by hand (or left from a template) are filled in too.
    body = service.fill_placeholders(form.cleaned_data["body"], values)
    try:
        service.feedback_give(
            enrollment=enrollment,
            module=module,
            response=response,
            author=request.user,
            body=body,
            basis=form.cleaned_data["basis"],
            request=request,
        )
    except service.FeedbackAlreadyGiven as error:
        if error.feedback is not None and error.feedback.message.body == body:
            # The same text sent twice (a double click, a retry): it went the first time.
            messages.success(request, _("Your feedback is sent."))
            return redirect("review_queue")
        form.add_error("body", str(error))
        return None
    except (service.FeedbackError, MessageError) as error:
        form.add_error("body", str(error))
        return None
    title = response.exercise.title if response else module.title
    messages.success(
        request,
        _("Your feedback on “%(title)s” is sent to %(name)s.") % {"title": title, "name": enrollment.patient.name},
    )
    return redirect("review_queue")


# --- Templates ------------------------------------------------------------------------------------


@require_GET
def template_list(request):
    roles = _staff_roles(request)
    templates = list(service.visible_templates(request.user, roles).select_related("clinic").order_by("title", "id"))
    modules = dict(service.template_module_choices(roles))
    for template in templates:
        template.module_title = modules.get(template.module_slug, template.module_slug)
    starters = [
        {"slug": slug, "title": modules.get(slug, slug), "templates": items}
        for slug, items in service.starter_templates().items()
        if slug in modules
    ]
    # Personal ones are the user's own; shared ones are changed by the clinic's admins.
    editable = {t.pk for t in templates if t.owner_id or t.clinic_id in roles.admin_clinic_ids}
    return render(
        request,
        "guidance/feedback/templates.html",
        {
            "personal": [t for t in templates if t.owner_id],
            "shared": [t for t in templates if not t.owner_id],
            "editable": editable,
            "modules": modules,
            "starters": starters,
            "roles": roles,
        },
    )


def _scope_choices(roles) -> list[tuple[str, str]]:
    clinic_ids = roles.therapist_clinic_ids | roles.admin_clinic_ids
    clinics = dict(Clinic.objects.filter(id__in=clinic_ids).values_list("id", "name"))
    many = len(clinics) > 1
    choices = []
    for clinic_id in sorted(roles.therapist_clinic_ids):
        label = _("Only me (%(clinic)s)") % {"clinic": clinics[clinic_id]} if many else _("Only me")
        choices.append((f"personal:{clinic_id}", label))
    for clinic_id in sorted(roles.admin_clinic_ids):
        choices.append((f"clinic:{clinic_id}", _("Everyone at %(clinic)s") % {"clinic": clinics[clinic_id]}))
    return choices


@require_http_methods(["GET", "POST"])
def template_new(request):
    roles = _staff_roles(request)
    module_choices = service.template_module_choices(roles)
    scope_choices = _scope_choices(roles)
    if request.method == "POST":
        form = TemplateForm(request.POST, module_choices=module_choices, scope_choices=scope_choices)
        if form.is_valid():
            kind, clinic_id = (form.cleaned_data.get("scope") or scope_choices[0][0]).split(":")
            template = service.template_save(
                user=request.user,
                template=None,
                clinic_id=int(clinic_id),
                personal=kind == "personal",
                values=_values(form),
                request=request,
            )
            messages.success(request, _("The template “%(title)s” is saved.") % {"title": template.title})
            return redirect("feedback_templates")
    else:
        starter = service.starter_by_key(request.GET.get("starter", ""))
        initial = {"title": starter.title, "module_slug": starter.module_slug, "body": starter.body} if starter else {}
        form = TemplateForm(initial=initial, module_choices=module_choices, scope_choices=scope_choices)
    return render(request, "guidance/feedback/template_form.html", {"form": form, "template": None})


@require_http_methods(["GET", "POST"])
def template_edit(request, code):
    roles = _staff_roles(request)
    template = _editable(request, code)
    module_choices = service.template_module_choices(roles)
    if request.method == "POST":
        form = TemplateForm(request.POST, module_choices=module_choices, scope_choices=None)
        if form.is_valid():
            service.template_save(
                user=request.user,
                template=template,
                clinic_id=template.clinic_id,
                personal=template.owner_id is not None,
                values=_values(form),
                request=request,
            )
            messages.success(request, _("The template “%(title)s” is saved.") % {"title": template.title})
            return redirect("feedback_templates")
    else:
        initial = {"title": template.title, "module_slug": template.module_slug, "body": template.body}
        form = TemplateForm(initial=initial, module_choices=module_choices, scope_choices=None)
    return render(request, "guidance/feedback/template_form.html", {"form": form, "template": template})


@require_POST
def template_delete(request, code):
    _staff_roles(request)
    template = _editable(request, code)
    title = template.title
    service.template_delete(user=request.user, template=template, request=request)
    messages.success(request, _("The template “%(title)s” is deleted.") % {"title": title})
    return redirect("feedback_templates")


def _editable(request, code) -> FeedbackTemplate:
    template = service.editable_templates(request.user).select_related("clinic").filter(code=code).first()
    if template is None:
        raise Http404("No such template.")
    return template


def _values(form) -> dict:
    return {name: form.cleaned_data[name] for name in ("title", "module_slug", "body")}
