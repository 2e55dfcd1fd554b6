from django.apps import AppConfig


class ModulesConfig(AppConfig):
    name = "modules"
    verbose_name = "Modules"

    def ready(self):
        from modules import plans
        from notifications.registry import register_kind

        register_kind(plans.MODULE_READY_KIND, template="modules/email/module_ready")
