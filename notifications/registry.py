"""Notification kinds, registered by the apps that cause them (in their ``AppConfig.ready``).

The outbox knows no domain: a higher app tells it, per kind, which templates render the e-mail and,
optionally, how to build extra context at send time::

    register_kind("clinics.invitation", template="clinics/email/invitation", build_context=_invitation_context)

The e-mail is rendered from ``templates/<template>_subject.txt`` (collapsed to one line),
``<template>.txt`` and, if it exists, ``<template>.html``. Plain-text templates should start with
``{% autoescape off %}``: Django escapes ``&`` and quotes otherwise.

``build_context(notification)`` runs inside the sender's transaction, in the recipient's language
and time zone, just before the mail goes out; if sending fails, what it wrote is rolled back. That
is where a single-use secret (an invitation token) is minted, so it is never stored in the outbox.

``attachments(notification)``, if given, returns files to attach at send time, as
``[(filename, content_bytes, mimetype), ...]`` (a calendar invitation, say). Like the context, they
are built when the mail goes out, never stored in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Notification

ContextBuilder = Callable[["Notification"], dict]
Attachment = tuple[str, bytes, str]  # filename, content, mimetype
AttachmentBuilder = Callable[["Notification"], list[Attachment]]

KIND_MAX_LENGTH = 64  # Notification.kind


class NoLongerNeeded(Exception):  # noqa: N818 - reads as the reason, not as an error
    """Raised by a kind's ``build_context`` when the message no longer applies at send time (a
    reminder for something already done). The row is cancelled, not failed, and nothing is sent."""


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True)
class NotificationKind:
    key: str
    template: str
    build_context: ContextBuilder | None = None
    attachments: AttachmentBuilder | None = None

    @property
    def subject_template(self) -> str:
        return f"{self.template}_subject.txt"

    @property
    def text_template(self) -> str:
        return f"{self.template}.txt"

    @property
    def html_template(self) -> str:
        return f"{self.template}.html"


_kinds: dict[str, NotificationKind] = {}


def register_kind(
    key: str,
    *,
    template: str,
    build_context: ContextBuilder | None = None,
    attachments: AttachmentBuilder | None = None,
) -> NotificationKind:
    if not key or len(key) > KIND_MAX_LENGTH:
        raise ValueError(f"A notification kind needs a key of 1 to {KIND_MAX_LENGTH} characters: {key!r}.")
    if not template or template.endswith((".txt", ".html")):
        raise ValueError(f"Give the template prefix without a suffix, like 'clinics/email/invitation': {template!r}.")
    kind = NotificationKind(key=key, template=template, build_context=build_context, attachments=attachments)
    existing = _kinds.get(key)
    # Registering the same definition twice is harmless (ready() can run twice in some test
    # set-ups); two different definitions under one key is a bug in the caller.
    if existing is not None and existing != kind:
        raise ValueError(f"Notification kind {key!r} is already registered with a different definition.")
    _kinds[key] = kind
    return kind


def unregister_kind(key: str) -> None:
    """For tests: forget a kind registered by the test itself."""
    _kinds.pop(key, None)


def registered_kinds() -> list[str]:
    return sorted(_kinds)


def get_kind(key: str) -> NotificationKind:
    try:
        return _kinds[key]
    except KeyError:
        known = ", ".join(sorted(_kinds)) or "none"
        raise UnknownKind(
            f"Notification kind {key!r} is not registered (known: {known}). "
            "Register it with notifications.registry.register_kind() in the owning app's AppConfig.ready()."
        ) from None
