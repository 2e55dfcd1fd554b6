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
        from clinics import support

        register_kind(
            support.SUPPORT_REQUEST_KIND,
            template="clinics/email/support_request",
            build_context=support.support_request_email_context,
        )
        register_kind(
            support.SUPPORT_UPDATE_KIND,
            template="clinics/email/support_update",
            build_context=support.support_update_email_context,
        )
        authenticator_added.connect(receivers.record_mfa_on_activation, dispatch_uid="steady_mfa_on_activation")
        from clinics import staff  # staff and caseloads: "your therapist has changed", "patients moved to you"

        staff.register_notification_kinds()
        from clinics import auth_audit  # sign-ins, MFA and password events in the audit trail

        auth_audit.connect()
