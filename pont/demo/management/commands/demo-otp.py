"""`pont demo-otp USERNAME`: print a demo persona's current second-factor code."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts.models import User
from pont.accounts.otp import confirmed_device_for, current_code, demo_tools_enabled


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (demo deployments only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_tools_enabled():
            raise CommandError("demo-otp is disabled in this deployment (PONT_DEMO_TOOLS is off).")
        user = User.objects.filter(username=options["username"]).first()
        device = confirmed_device_for(user) if user else None
        if device is None:
            raise CommandError(f"No enrolled account called {options['username']!r}.")
        self.stdout.write(current_code(device))
