from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # No public sign-up. Accounts are made only by accepting a clinic's invitation
        # (clinics.views.invitation_*), which does not go through allauth's sign-up view.
        return False
