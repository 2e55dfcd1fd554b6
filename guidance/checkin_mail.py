"""What check-in e-mails and calendar files say, built at send time (or download time).

Calendar files have a stable UID, a SEQUENCE raised on every change, UTC times and METHOD REQUEST or
CANCEL. Neither they nor the e-mails hold health details or the video link: only a link to the
logged-in check-in page, where the join link is.
"""

from __future__ import annotations

import datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from guidance.models import CheckIn
from notifications.registry import NoLongerNeeded

UTC = datetime.UTC


# --- Calendar files --------------------------------------------------------------------------------


def checkin_page_path(checkin: CheckIn, user: User) -> str:
    """The logged-in page of the check-in for this person (the patient's own or the staff page)."""
    if user.pk == checkin.enrollment.patient_id:
        return reverse("patient_checkin", args=[checkin.code])
    return reverse("staff_checkin", args=[checkin.enrollment.code, checkin.code])


def checkin_ics(checkin: CheckIn, *, for_user: User) -> bytes:
    """An iCalendar file for the check-in: stable UID, SEQUENCE from the check-in, UTC times,
    METHOD REQUEST (or CANCEL). No health details and never the video link: only a link to the
    logged-in page, where the join link is."""
    cancelled = checkin.status == CheckIn.Status.CANCELLED
    is_patient = for_user.pk == checkin.enrollment.patient_id
    url = settings.STEADY_BASE_URL.rstrip("/") + checkin_page_path(checkin, for_user)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Steady//Check-ins//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"{checkin.code}@steady")
    event.add("sequence", checkin.sequence)
    event.add("dtstamp", (checkin.updated_at or timezone.now()).astimezone(UTC))
    event.add("dtstart", checkin.starts_at.astimezone(UTC))
    event.add("dtend", checkin.ends_at.astimezone(UTC))
    event.add("summary", _("Check-in with your therapist") if is_patient else _("Steady check-in"))
    event.add("description", _("Details and how to join: %(url)s") % {"url": url})
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}", parameters={"CN": "Steady"})
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(checkin: CheckIn) -> str:
    return f"steady-check-in-{checkin.starts_at.astimezone(UTC):%Y%m%d}.ics"


# --- E-mail contexts (the outbox calls these when it sends) ----------------------------------------


def _checkin_for(notification) -> CheckIn:
    checkin = (
        CheckIn.objects.select_related("enrollment__clinic", "enrollment__patient", "therapist")
        .filter(pk=notification.context["checkin_id"])
        .first()
    )
    if checkin is None:
        raise NoLongerNeeded("the check-in no longer exists")
    user_id = notification.user_id
    if user_id not in (checkin.enrollment.patient_id, checkin.therapist_id):
        raise NoLongerNeeded("the recipient is no longer part of this check-in")
    return checkin


def _mail_context(checkin: CheckIn, notification) -> dict:
    return {
        "checkin": checkin,
        "checkin_path": checkin_page_path(checkin, notification.user),
        "is_patient": notification.user_id == checkin.enrollment.patient_id,
    }


def confirmed_context(notification) -> dict:
    checkin = _checkin_for(notification)
    if checkin.sequence != notification.context["sequence"] or checkin.status != CheckIn.Status.BOOKED:
        raise NoLongerNeeded("the check-in has changed since")
    return {**_mail_context(checkin, notification), "changed": checkin.sequence > 0}


def cancelled_context(notification) -> dict:
    checkin = _checkin_for(notification)
    if checkin.sequence != notification.context["sequence"]:
        raise NoLongerNeeded("the check-in has changed since")
    return _mail_context(checkin, notification)


def reminder_context(notification) -> dict:
    checkin = _checkin_for(notification)
    if checkin.status != CheckIn.Status.BOOKED:
        raise NoLongerNeeded("the check-in is no longer booked")
    if checkin.sequence != notification.context["sequence"]:
        raise NoLongerNeeded("the check-in has been changed; a newer reminder replaces this one")
    if checkin.starts_at <= timezone.now():
        raise NoLongerNeeded("the check-in has started")
    return {**_mail_context(checkin, notification), "soon": notification.context.get("before") == "1h"}


def calendar_attachment(notification) -> list[tuple[str, bytes, str]]:
    checkin = _checkin_for(notification)
    method = "CANCEL" if checkin.status == CheckIn.Status.CANCELLED else "REQUEST"
    return [
        (ics_filename(checkin), checkin_ics(checkin, for_user=notification.user), f"text/calendar; method={method}")
    ]
