"""Technical support: a patient reports a problem to the clinic's admins (never the therapist).

A description is not meant to hold health data, but a patient may write some anyway, so it is
treated like health data: it is never logged and never put in an e-mail or a notification's
context. E-mails say only that there is something to look at, with a link.
"""

import datetime
import uuid

from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Enrollment, Membership, SupportRequest
from clinics.services import audit_log
from notifications.registry import NoLongerNeeded
from notifications.services import notify

SUPPORT_REQUEST_KIND = "clinics.support_request"  # to each admin: a patient reported a problem
SUPPORT_UPDATE_KIND = "clinics.support_update"  # to the patient: there is an update on their report

DESCRIPTION_MAX_CHARS = 2000
REPLY_MAX_CHARS = 2000
DEVICE_MAX_CHARS = 300
# The same report sent again within this time (a double click, a reload after sending) is kept once.
DUPLICATE_WINDOW = datetime.timedelta(minutes=1)
PATIENT_REPORTS_SHOWN = 10


class SupportError(Exception):
    """The report or update cannot be saved; the message is safe to show next to ``field``."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Writes -----------------------------------------------------------------------------------------


def clinic_admin_users(clinic: Clinic) -> QuerySet[User]:
    return User.objects.filter(
        memberships__clinic=clinic,
        memberships__role=Membership.Role.ADMIN,
        memberships__is_active=True,
        is_active=True,
    ).distinct()


@transaction.atomic
def support_request_create(
    *, enrollment: Enrollment, reporter: User, category: str, description: str, device: str = "", request=None
) -> tuple[SupportRequest, bool]:
    """Save the report and tell each of the clinic's admins; returns (report, created).

    An identical report from the same person within a minute is the same report sent twice: the
    first is returned and nothing new is written or sent.
    """
    description = description.strip()
    if category not in SupportRequest.Category.values:
        raise SupportError("Choose what the problem is about.", field="category")
    if not description:
        raise SupportError("Tell us what went wrong.", field="description")
    if len(description) > DESCRIPTION_MAX_CHARS:
        raise SupportError("Keep your description to 2,000 characters or fewer.", field="description")
    # Lock the reporter's row, so two copies of one report sent at the same moment are checked one
    # after the other and the second one finds the first.
    User.objects.select_for_update().only("pk").get(pk=reporter.pk)
    duplicate = SupportRequest.objects.filter(
        reporter=reporter,
        enrollment=enrollment,
        category=category,
        description=description,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    ).first()
    if duplicate is not None:
        return duplicate, False
    support = SupportRequest.objects.create(
        clinic=enrollment.clinic,
        enrollment=enrollment,
        reporter=reporter,
        category=category,
        description=description,
        device=device[:DEVICE_MAX_CHARS],
    )
    for admin in clinic_admin_users(enrollment.clinic):
        notify(
            user=admin,
            kind=SUPPORT_REQUEST_KIND,
            dedupe_key=f"{SUPPORT_REQUEST_KIND}:{support.code}:{admin.pk}",
            context={"support_request_code": str(support.code)},
        )
    audit_log(
        actor=reporter, action="clinics.support_request.created", enrollment=enrollment, target=support, request=request
    )
    return support, True


@transaction.atomic
def support_request_update(
    *, support_request: SupportRequest, by: User, status: str, reply: str, request=None
) -> SupportRequest:
    """An admin sets the status and the reply the patient sees. The patient gets an e-mail (with
    no content) when the problem is solved or the reply changes; saving nothing new does nothing."""
    if status not in SupportRequest.Status.values:
        raise SupportError("Choose a status.", field="status")
    reply = reply.strip()
    if len(reply) > REPLY_MAX_CHARS:
        raise SupportError("Keep your reply to 2,000 characters or fewer.", field="reply")
    support = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    now_resolved = status == SupportRequest.Status.RESOLVED and support.status != status
    new_reply = bool(reply) and reply != support.reply
    if status == support.status and reply == support.reply:
        return support
    now = timezone.now()
    support.status = status
    support.reply = reply
    support.handled_by = by
    support.updated_at = now
    if now_resolved:
        support.resolved_at = now
    elif status != SupportRequest.Status.RESOLVED:
        support.resolved_at = None
    support.save(update_fields=["status", "reply", "handled_by", "updated_at", "resolved_at"])
    if now_resolved or new_reply:
        notify(
            user=support.reporter,
            kind=SUPPORT_UPDATE_KIND,
            dedupe_key=f"{SUPPORT_UPDATE_KIND}:{support.code}:{now.timestamp():.6f}",
            context={"support_request_code": str(support.code)},
        )
    audit_log(
        actor=by,
        action="clinics.support_request.updated",
        clinic=support.clinic,
        enrollment=support.enrollment,
        target=support,
        request=request,
    )
    return support


# --- E-mails (built when the outbox sends them) ------------------------------------------------------


def _support_for(notification) -> SupportRequest:
    try:
        code = uuid.UUID(notification.context["support_request_code"])
        return SupportRequest.objects.select_related("clinic").get(code=code)
    except (KeyError, ValueError, SupportRequest.DoesNotExist):
        raise NoLongerNeeded("the report no longer exists") from None


def support_request_email_context(notification) -> dict:
    support = _support_for(notification)
    if not clinic_admin_users(support.clinic).filter(pk=notification.user_id).exists():
        raise NoLongerNeeded("the recipient is no longer an admin of the clinic")
    return {"detail_path": reverse("support_detail", args=[support.clinic.slug, support.code])}


def support_update_email_context(notification) -> dict:
    _support_for(notification)
    return {"help_path": reverse("help") + "#your-reports"}


# --- Reads ------------------------------------------------------------------------------------------


def clinic_support_requests(clinic: Clinic, status: str | None = None) -> QuerySet[SupportRequest]:
    requests = SupportRequest.objects.filter(clinic=clinic).select_related("reporter")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-created_at", "-pk")


def support_status_counts(clinic: Clinic) -> dict[str, int]:
    """How many reports the clinic has in each status, and in all (one query)."""
    rows = SupportRequest.objects.filter(clinic=clinic).values_list("status").annotate(n=Count("pk")).order_by()
    counts = {status: 0 for status in SupportRequest.Status.values}
    counts.update(dict(rows))
    counts["all"] = sum(counts.values())
    return counts


def patient_support_requests(user: User) -> list[SupportRequest]:
    """The patient's own latest reports, newest first."""
    if not user.is_authenticated:
        return []
    return list(SupportRequest.objects.filter(reporter=user).order_by("-created_at", "-pk")[:PATIENT_REPORTS_SHOWN])


def access_support_request_as_admin(clinic: Clinic, code) -> SupportRequest:
    """A report of the admin's clinic (the caller got ``clinic`` through access_clinic_as_admin)."""
    try:
        return SupportRequest.objects.select_related("reporter", "enrollment", "handled_by", "clinic").get(
            clinic=clinic, code=code
        )
    except SupportRequest.DoesNotExist:
        raise Http404("No such support request.") from None
