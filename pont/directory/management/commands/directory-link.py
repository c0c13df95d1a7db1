"""`pont directory-link`: say which Pont organisation a directory organisation is.

Until a directory organisation (from an HSDS import) is linked to a Pont
organisation, none of its services can take referrals through Pont. Once it is,
the provider's managers choose which of its services do, on their "Your
services" page. `--list` shows the directory organisations and their links.
"""

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts.models import Organisation
from pont.core.exceptions import ApplicationError
from pont.directory import services
from pont.directory.models import DirectoryOrganization


class Command(BaseCommand):
    help = (
        "Link a directory organisation (by its id) to a Pont organisation (by its short name), "
        "or unlink it with --none; --list shows them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory_organisation", nargs="?", help="Its id (a UUID)")
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--organisation", default="", help="Short name of the Pont organisation"
        )
        target.add_argument(
            "--none",
            action="store_true",
            help="Unlink: its services stop taking referrals through Pont at once",
        )
        parser.add_argument("--list", action="store_true", help="List directory organisations")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if not options["directory_organisation"]:
            raise CommandError("Give the directory organisation's id, or --list.")
        if not options["organisation"] and not options["none"]:
            raise CommandError("Give --organisation SHORT_NAME, or --none to unlink.")
        try:
            organization_id = uuid.UUID(options["directory_organisation"])
        except ValueError:
            raise CommandError(
                f"directory_organisation: {options['directory_organisation']!r} is not an id "
                "(a UUID; see --list)."
            ) from None
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(slug=options["organisation"]).first()
            if organisation is None:
                raise CommandError(
                    f"--organisation: no organisation with the short name "
                    f"{options['organisation']!r}."
                )
        try:
            linked = services.directory_organization_link(
                actor=None, organization_id=organization_id, pont_organisation=organisation
            )
        except ApplicationError as error:
            refused = error.extra.get("fields", {})
            where = "--organisation" if "pont_organisation" in refused else "directory_organisation"
            raise CommandError(f"{where}: {error.message}") from None
        if organisation is None:
            self.stdout.write(f"{linked.name} is not linked to any Pont organisation.")
        else:
            self.stdout.write(f"{linked.name} is linked to {organisation.name}.")

    def _list(self) -> None:
        rows = DirectoryOrganization.objects.select_related("pont_organisation").order_by("name")
        for row in rows:
            link = row.pont_organisation.slug if row.pont_organisation else "-"
            self.stdout.write(f"{row.pk}  {row.name}  ->  {link}")
        if not rows:
            self.stdout.write("The directory is empty: import it first (pont import-hsds).")
