from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self):
        from modules.home_panels import register_home_panel
        from notifications.registry import register_kind
        from outcomes import alerts, answering, schedule

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
        register_kind(
            alerts.RAISED_KIND, template="outcomes/email/alert_raised", build_context=alerts.alert_email_context
        )
        register_kind(
            alerts.ESCALATED_KIND, template="outcomes/email/alert_escalated", build_context=alerts.alert_email_context
        )
        register_home_panel(
            "outcomes-questionnaires",
            template="outcomes/_home_panel.html",
            context=answering.home_panel_context,
            order=10,
        )
