from smtplib import SMTPRecipientsRefused

import pytest

from notifications.models import Notification
from notifications.services import dispatch_due
from tests.notifications.helpers import mail_server_raising, pending

pytestmark = pytest.mark.usefixtures("hello_kind")


def test_the_operator_sees_failed_notifications_and_cannot_edit_them(operator, login, recipient):
    notification = pending(recipient)
    with mail_server_raising(SMTPRecipientsRefused({recipient.email: (550, b"unknown user")})):
        dispatch_due()
    client = login(operator)

    listing = client.get("/admin/notifications/notification/?status=failed")
    detail = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    edit = client.post(f"/admin/notifications/notification/{notification.pk}/change/", {"status": "pending"})

    assert listing.status_code == 200
    assert "notifications.test.hello" in listing.text
    assert "SMTPRecipientsRefused: 550" in listing.text
    assert detail.status_code == 200
    assert "message:1" in detail.text
    assert '"thread"' not in detail.text  # the context is not shown
    assert 'name="_save"' not in detail.text
    assert edit.status_code == 403
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
