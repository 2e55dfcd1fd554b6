from allauth.account.adapter import DefaultAccountAdapter

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
