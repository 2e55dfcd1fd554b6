from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_update_profile(*, user: User, name: str, language: str, time_zone: str, reminder_hour: int) -> User:
    user.name = name
    user.language = language
    user.time_zone = time_zone
    user.reminder_hour = reminder_hour
    user.save(update_fields=["name", "language", "time_zone", "reminder_hour"])
    return user
