"""`pont create-user`: add a user with a role (how a deployment gets its first administrator)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pont.accounts import services
from pont.accounts.models import Organisation
from pont.accounts.roles import Role
from pont.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = (
        "Create a user account with one role in one organisation. Prints a temporary "
        "password, once; the user must change it and set up an authenticator at first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--given-name", required=True)
        parser.add_argument("--family-name", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--organisation", required=True, help="Organisation's short name (slug)"
        )
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with the short name {options['organisation']!r}.")
        try:
            with transaction.atomic():
                user, initial = services.user_create(
                    actor=None,
                    username=options["username"],
                    given_name=options["given_name"],
                    family_name=options["family_name"],
                    email=options["email"],
                )
                services.membership_create(
                    actor=None, user=user, organisation=organisation, role=options["role"]
                )
        except ApplicationError as error:
            raise CommandError(f"{error.message} {error.extra}") from None
        self.stdout.write(
            f"Created {user.username} ({Role(options['role']).label}, {organisation.name})."
        )
        self.stdout.write(f"Temporary password (shown once): {initial}")
