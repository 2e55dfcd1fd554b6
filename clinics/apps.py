from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "clinics"
    verbose_name = "Clinics"

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from clinics import receivers, services
        from notifications.registry import register_kind

        register_kind(
            services.INVITATION_KIND,
            template="clinics/email/invitation",
            build_context=services.invitation_email_context,
        )
        authenticator_added.connect(receivers.record_mfa_on_activation, dispatch_uid="steady_mfa_on_activation")
