"""Thin tasks: ids in, services do the work. Names are fixed (CELERY_BEAT_SCHEDULE uses them)."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver")
def deliver(notification_id: int) -> None:
    """The fast path for one new notification; the periodic dispatcher is the safety net."""
    notification = services.claim_one(notification_id)
    if notification is not None:  # another worker has it, or it is not due yet
        services.send_claimed(notification)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    return services.dispatch_due()


@shared_task(name="notifications.reap_stuck")
def reap_stuck() -> int:
    return services.reap_stuck()
