from allauth.account.adapter import DefaultAccountAdapter

from accounts.signals import password_reset_requested

# allauth's "Successfully signed in as <e-mail>." after every sign-in tells people nothing new.
QUIET_MESSAGES = {"account/messages/logged_in.txt"}


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # No public sign-up. Accounts are made only by accepting a clinic's invitation
        # (clinics.views.invitation_*), which does not go through allauth's sign-up view.
        return False

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template in QUIET_MESSAGES:
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def pre_login(self, request, user, **kwargs):
        # A new session key once the password is accepted, before the authenticator step: a session
        # id known before sign-in (fixation) is worthless even while the second step is pending.
        # Django's login() changes the key again when the person is finally signed in.
        response = super().pre_login(request, user, **kwargs)
        if response is None:
            request.session.cycle_key()
        return response

    def send_password_reset_mail(self, user, email, context):
        password_reset_requested.send(sender=type(self), request=context.get("request"), user=user)
        super().send_password_reset_mail(user, email, context)
