from celery import shared_task


@shared_task(name="reports.render_export", soft_time_limit=600, time_limit=660)
def render_export(export_id: int) -> None:
    from reports.jobs import export_render

    export_render(export_id)
