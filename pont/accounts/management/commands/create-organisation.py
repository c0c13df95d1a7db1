"""`pont create-organisation`: add an organisation (for setting up a deployment)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pont.accounts import services
from pont.accounts.models import Organisation
from pont.core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create an organisation: force, area, custody suite, provider, OPCC, panel, partner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="Short unique name, e.g. custody-llanelli")
        parser.add_argument("name", help="Name in English")
        parser.add_argument("--welsh-name", default="", help="Name in Welsh")
        parser.add_argument("--kind", required=True, choices=Organisation.Kind.values)
        parser.add_argument("--parent", default="", help="Slug of the organisation it is part of")

    def handle(self, *args: Any, **options: Any) -> None:
        parent = None
        if options["parent"]:
            parent = Organisation.objects.filter(slug=options["parent"]).first()
            if parent is None:
                raise CommandError(f"No organisation with the short name {options['parent']!r}.")
        try:
            organisation = services.organisation_create(
                actor=None,
                name=options["name"],
                name_cy=options["welsh_name"],
                slug=options["slug"],
                kind=options["kind"],
                parent=parent,
            )
        except ApplicationError as error:
            raise CommandError(f"{error.message} {error.extra}") from None
        except ValidationError as error:  # from full_clean: names the field, e.g. a taken slug
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        self.stdout.write(f"Created {organisation.get_kind_display()}: {organisation.name}")
