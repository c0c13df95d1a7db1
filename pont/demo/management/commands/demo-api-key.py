"""`pont demo-api-key`: make an API client for a demo provider and print its key (demo only)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts import services as accounts
from pont.accounts.models import Organisation, User
from pont.accounts.otp import demo_tools_enabled


class Command(BaseCommand):
    help = "Create an API client with the referral scopes for a demo provider and print its key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", default="ddas", help="The provider's short name")

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo_tools_enabled():
            raise CommandError(
                "demo-api-key is disabled in this deployment (PONT_DEMO_TOOLS is off)."
            )
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        admin = User.objects.filter(username="admin").first()
        if organisation is None or admin is None:
            raise CommandError("Load the demo data first: pont demo")
        _client, key = accounts.api_client_create(
            actor=admin,
            organisation=organisation,
            name="Demo case management system",
            scopes=["referrals:read", "referrals:write"],
        )
        self.stdout.write(f"API key for {organisation.name} (shown once):\n  {key}\n")
        self.stdout.write("Try:")
        self.stdout.write(
            f'  curl -H "Authorization: Bearer {key}" http://127.0.0.1:8000/api/v1/referrals/'
        )
