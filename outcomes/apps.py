from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self):
        from notifications.registry import register_kind
        from outcomes import schedule

        register_kind(
            schedule.OPEN_REMINDER_KIND,
            template="outcomes/email/questionnaire_open",
            build_context=schedule.reminder_context,
        )
        register_kind(
            schedule.DUE_REMINDER_KIND,
            template="outcomes/email/questionnaire_due",
            build_context=schedule.reminder_context,
        )
