from django.db import transaction

from accounts.models import User


@transaction.atomic
def user_update_profile(*, user: User, name: str, language: str, time_zone: str) -> User:
    user.name = name
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["name", "language", "time_zone"])
    return user
