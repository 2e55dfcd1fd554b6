from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.receivers import record_session

        user_logged_in.connect(record_session, dispatch_uid="accounts.record_session")
