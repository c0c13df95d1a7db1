"""people.change_contact_routes: a capability of its own for keeping contact details current.

Only the permission's declaration changes (Django creates its row after migrating). No data
migration: Pont grants nobody a stored permission (groups and per-user permissions are ignored
by RoleCapabilityBackend); roles carry capabilities in pont/accounts/roles.py, so the new split
takes effect with the code.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="person",
            options={
                "default_permissions": ("add", "change", "view"),
                "ordering": ["family_name", "given_name", "date_of_birth"],
                "permissions": [
                    (
                        "change_contact_routes",
                        "Add and end a person's contact details and set their preferred language",
                    )
                ],
                "verbose_name": "person",
                "verbose_name_plural": "people",
            },
        ),
    ]
