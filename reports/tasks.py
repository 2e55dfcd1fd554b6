from celery import shared_task

from reports.jobs import RENDER_SOFT_TIME_LIMIT, RENDER_TIME_LIMIT


@shared_task(name="reports.render_export", soft_time_limit=RENDER_SOFT_TIME_LIMIT, time_limit=RENDER_TIME_LIMIT)
def render_export(export_id: int) -> None:
    from reports.jobs import export_render

    export_render(export_id)


@shared_task(name="reports.resume_exports")
def resume_exports() -> int:
    from reports.jobs import export_resume

    return export_resume()
