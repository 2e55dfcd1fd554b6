"""Messaging pages: the patient's thread, the staff view of a patient's thread, the therapist's inbox.

One template serves both sides (guidance/thread.html). Its partials: ``poller`` (asks for newer
messages every 15 s), ``new_messages`` (answers a poll: appended out of band, plus the next poller)
and ``compose`` (the form; after an htmx send it comes back empty, with the sent message appended).
Without JavaScript the form posts and redirects, and "Check for new messages" reloads the page.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from clinics.access import access_enrollment_as_staff
from clinics.roles import user_roles
from clinics.services import audit_log
from guidance import selectors
from guidance.forms import MessageForm
from guidance.models import Message, Thread
from guidance.services import MessageError, is_patient, is_therapist, message_send, thread_ensure, thread_mark_read
from modules.access import access_own_enrollment

TEMPLATE = "guidance/thread.html"
POLL_SECONDS = 15
# A page left open stops asking after this many polls (10 minutes), so polling does not keep an idle
# session alive past its limit; the "Check for new messages" link then reloads the page.
MAX_POLLS = 40


@dataclass(frozen=True)
class ThreadPage:
    thread: Thread
    viewer: object
    page_url: str
    poll_url: str
    can_write: bool
    is_patient: bool

    def context(self, **extra) -> dict:
        enrollment = self.thread.enrollment
        return {
            "thread": self.thread,
            "enrollment": enrollment,
            "clinic": enrollment.clinic,
            "page_url": self.page_url,
            "poll_url": self.poll_url,
            "can_write": self.can_write,
            "is_patient": self.is_patient,
            "viewer_id": self.viewer.pk,
            "poll_seconds": POLL_SECONDS,
            **extra,
        }


def _patient_page(request) -> ThreadPage:
    enrollment = access_own_enrollment(request.user)
    return ThreadPage(
        thread=thread_ensure(enrollment=enrollment),
        viewer=request.user,
        page_url=reverse("patient_messages"),
        poll_url=reverse("patient_messages_new"),
        can_write=True,
        is_patient=True,
    )


def _staff_page(request, code) -> ThreadPage:
    enrollment = access_enrollment_as_staff(request.user, code)
    thread = thread_ensure(enrollment=enrollment)
    # A clinic admin (who is not this patient's therapist in this clinic) may read, not write.
    can_write = (
        is_therapist(thread, request.user) and enrollment.clinic_id in user_roles(request.user).therapist_clinic_ids
    )
    return ThreadPage(
        thread=thread,
        viewer=request.user,
        page_url=reverse("staff_messages", args=[code]),
        poll_url=reverse("staff_messages_new", args=[code]),
        can_write=can_write,
        is_patient=False,
    )


@require_http_methods(["GET", "POST"])
def patient_thread(request):
    return _thread(request, _patient_page(request))


@require_http_methods(["GET", "POST"])
def staff_thread(request, code):
    return _thread(request, _staff_page(request, code))


@require_GET
def patient_new_messages(request):
    return _new_messages(request, _patient_page(request))


@require_GET
def staff_new_messages(request, code):
    return _new_messages(request, _staff_page(request, code))


def _thread(request, page: ThreadPage):
    form = MessageForm()
    if request.method == "POST":
        if not page.can_write:
            raise PermissionDenied("Clinic admins read this conversation; only the therapist replies.")
        form = MessageForm(request.POST)
        message = _send(request, page, form)
        if message is not None and request.htmx:
            return render(request, f"{TEMPLATE}#sent", page.context(form=MessageForm(), message=message, polls=0))
        if message is not None:
            return redirect(f"{page.page_url}#message-{message.code}")
        if request.htmx:  # refused: the form again with the reason next to the field (200, so htmx swaps it)
            return render(request, f"{TEMPLATE}#compose", page.context(form=form))
    _mark_read_and_audit(request, page)
    # Not "messages": that name is the messages framework's, which base.html shows as banners.
    items = list(selectors.thread_messages(page.thread))
    return render(
        request,
        TEMPLATE,
        page.context(form=form, thread_items=items, last=items[-1] if items else None, polls=0),
    )


def _send(request, page: ThreadPage, form: MessageForm) -> Message | None:
    if not form.is_valid():
        return None
    try:
        return message_send(thread=page.thread, sender=request.user, body=form.cleaned_data["body"], request=request)
    except MessageError as error:
        form.add_error("body", str(error))
        return None


def _mark_read_and_audit(request, page: ThreadPage) -> None:
    thread_mark_read(thread=page.thread, reader=request.user)  # does nothing for a clinic admin
    if not is_patient(page.thread, request.user):
        audit_log(
            actor=request.user,
            action="guidance.thread.viewed",
            enrollment=page.thread.enrollment,
            target=page.thread.enrollment,
            request=request,
        )


def _new_messages(request, page: ThreadPage):
    """Messages after ``?after=<code>`` (all, without it), marked read for their reader."""
    after = _after(page.thread, request.GET.get("after"))
    thread_mark_read(thread=page.thread, reader=request.user)
    items = list(selectors.thread_messages(page.thread, after=after))
    if items and not is_patient(page.thread, request.user):  # an empty poll shows no patient data: no row
        audit_log(
            actor=request.user,
            action="guidance.thread.viewed",
            enrollment=page.thread.enrollment,
            target=page.thread.enrollment,
            request=request,
        )
    last = items[-1] if items else after
    polls = 0 if items else _polls(request) + 1
    return render(
        request,
        f"{TEMPLATE}#new_messages",
        page.context(thread_items=items, last=last, polls=polls, stop_polling=polls >= MAX_POLLS),
    )


def _after(thread: Thread, code: str | None) -> Message | None:
    if not code:
        return None
    try:
        return Message.objects.only("id", "code").get(thread=thread, code=code)
    except (Message.DoesNotExist, ValidationError):
        raise Http404("No such message in this thread.") from None


def _polls(request) -> int:
    try:
        return max(0, int(request.GET.get("polls", "0")))
    except ValueError:
        return 0


@require_GET
def message_inbox(request):
    """The therapist's conversations, unread first."""
    if not user_roles(request.user).is_therapist:
        raise Http404("Not a therapist.")
    rows = list(selectors.inbox_rows(request.user))
    return render(request, "guidance/inbox.html", {"rows": rows})
