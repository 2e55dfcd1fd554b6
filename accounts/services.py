from django.db import transaction

from accounts.models import User
from accounts.signals import profile_changed


@transaction.atomic
def user_update_profile(
    *, user: User, name: str, language: str, time_zone: str, reminder_hour: int, request=None
) -> User:
    user.name = name
    user.language = language
    user.time_zone = time_zone
    user.reminder_hour = reminder_hour
    user.save(update_fields=["name", "language", "time_zone", "reminder_hour"])
    # Inside the transaction: if the audit row cannot be written, the change is not kept either.
    profile_changed.send(sender=User, request=request, user=user)
    return user


def user_sessions_end(*, user: User) -> int:
    """Sign the person out everywhere, at once: every session allauth.usersessions has recorded for
    them is deleted from the session store. Returns how many were ended."""
    from allauth.usersessions.models import UserSession

    sessions = UserSession.objects.purge_and_list(user)
    for session in sessions:
        session.end()
    return len(sessions)
