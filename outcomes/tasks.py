from celery import shared_task

from outcomes import schedule
from outcomes.reports import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT


@shared_task(name="outcomes.reconcile_schedules")
def reconcile_schedules() -> int:
    return schedule.schedule_reconcile()


@shared_task(name="outcomes.open_due")
def open_due() -> int:
    return schedule.open_due()


@shared_task(name="outcomes.remind_due")
def remind_due() -> int:
    return schedule.remind_due()


@shared_task(name="outcomes.expire_due")
def expire_due() -> int:
    return schedule.expire_due()


@shared_task(name="outcomes.escalate_alerts")
def escalate_alerts() -> int:
    from outcomes.alerts import escalate_due

    return escalate_due()


@shared_task(name="outcomes.flag_overdue")
def flag_overdue() -> int:
    from outcomes.alerts import flag_overdue as flag

    return flag()


@shared_task(name="outcomes.render_export", soft_time_limit=RENDER_SOFT_TIME_LIMIT, time_limit=RENDER_TIME_LIMIT)
def render_export(export_id: int) -> None:
    from outcomes.reports import render_export as render

    render(export_id)


@shared_task(name="outcomes.resume_exports")
def resume_exports() -> int:
    from outcomes.reports import export_resume

    return export_resume()
