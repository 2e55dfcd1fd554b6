"""A kind may attach files, built at send time by the kind's own callable; the outbox stays domain-free."""

import pytest

from notifications.models import Notification
from notifications.services import dispatch_due
from tests.notifications.conftest import HELLO, hello_context
from tests.notifications.helpers import pending

pytestmark = pytest.mark.django_db


def calendar_file(notification):
    return [("invite.ics", f"BEGIN:VCALENDAR\r\nX-ID:{notification.pk}\r\nEND:VCALENDAR\r\n".encode(), "text/calendar")]


def test_the_kinds_attachments_go_out_with_the_mail(register, recipient, mailoutbox):
    register(HELLO, template="notifications/test/hello", build_context=hello_context, attachments=calendar_file)
    notification = pending(recipient)

    assert dispatch_due() == 1

    [mail] = mailoutbox
    [(filename, content, mimetype)] = mail.attachments
    assert filename == "invite.ics"
    assert mimetype == "text/calendar"
    assert f"X-ID:{notification.pk}" in content
    assert "invite.ics" in mail.message().as_string()


def test_a_kind_without_attachments_sends_none(hello_kind, recipient, mailoutbox):
    pending(recipient)
    dispatch_due()
    assert mailoutbox[0].attachments == []


def test_a_failing_attachment_builder_fails_the_row_and_sends_nothing(register, recipient, mailoutbox):
    def broken(notification):
        raise ValueError("no calendar")

    register(HELLO, template="notifications/test/hello", build_context=hello_context, attachments=broken)
    notification = pending(recipient)

    assert dispatch_due() == 0
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "ValueError" in notification.last_error


def test_registering_one_key_with_other_attachments_is_refused(register):
    register(HELLO, template="notifications/test/hello", attachments=calendar_file)
    with pytest.raises(ValueError, match="different definition"):
        register(HELLO, template="notifications/test/hello", attachments=lambda n: [])
