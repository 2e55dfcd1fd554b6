import json
import os

from django.core.management.base import BaseCommand

from demo.seed import DEFAULT_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo clinics, staff and patients. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the demo accounts as JSON only.")

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        accounts = seed_demo(password=password)
        if options["json"]:
            self.stdout.write(json.dumps({"password": password, "accounts": accounts}, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo account's password: {password}"))
        for account in accounts:
            secret = f"  authenticator secret {account['totp_secret']}" if account["totp_secret"] else ""
            self.stdout.write(f"  {account['role']:<9} {account['clinic']:<10} {account['email']}{secret}")
        self.stdout.write(
            "Staff sign in with the password and a code from an authenticator app set up with the secret "
            "(or: .venv/bin/python manage.py demo_totp <email>)."
        )
