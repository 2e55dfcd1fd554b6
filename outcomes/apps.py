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
        register_licence_gated_instruments()
        register_home_panel(
            "outcomes-questionnaires",
            template="outcomes/_home_panel.html",
            context=answering.home_panel_context,
            order=10,
        )


def register_licence_gated_instruments():
    """Tell the clinic settings page which questionnaires need a licence, and whether each one's
    wording is installed (clinics may not import outcomes, so it asks through this callback)."""
    from clinics.licences import register_gated_instrument
    from outcomes.instruments import REGISTRY, get_instrument

    for instrument in REGISTRY.values():
        if instrument.licence_gated:
            register_gated_instrument(
                instrument.key,
                instrument.title,
                instrument.licence,
                wording_installed=lambda key=instrument.key: get_instrument(key).available,
            )
