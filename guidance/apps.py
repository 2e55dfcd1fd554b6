from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "guidance"
    verbose_name = "Guidance"

    def ready(self):
        from clinics.context_processors import register_nav_extension
        from guidance import checkins, dashboard, feedback, selectors, services
        from modules.home_panels import register_home_panel
        from notifications.registry import register_kind

        register_kind(
            services.NEW_MESSAGE_KIND, template="guidance/email/new_message", build_context=services.new_message_context
        )
        register_home_panel(
            "guidance-messages", template="guidance/_home_panel.html", context=selectors.home_panel_context, order=20
        )
        # Navigation order: To review, Messages, Check-ins / Availability, Your time.
        feedback.ready()
        register_nav_extension(selectors.nav_items)
        checkins.ready()
        dashboard.ready()
