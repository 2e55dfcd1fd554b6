from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """What reads across the whole domain: clinic and cohort reports, the research export, a
    patient's "download my data", and erasure (which has to reach every app's rows)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self):
        from reports import renderers  # noqa: F401  (registers each kind of file with reports.jobs)
