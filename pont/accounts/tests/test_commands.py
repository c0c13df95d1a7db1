"""Setting up a real deployment from the command line: organisations and the first administrator."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pont.accounts.models import Organisation, User
from pont.audit.models import AuditEvent


@pytest.mark.django_db
def test_a_deployment_starts_with_an_organisation_and_an_administrator(capsys):
    call_command(
        "create-organisation",
        "dpp",
        "Dyfed-Powys Police",
        "--kind",
        "force",
        "--welsh-name",
        "Heddlu Dyfed-Powys",
    )
    call_command(
        "create-organisation", "carms", "Carmarthenshire", "--kind", "area", "--parent", "dpp"
    )
    call_command(
        "create-user",
        "iwan",
        "--given-name",
        "Iwan",
        "--family-name",
        "Rees",
        "--email",
        "iwan@example.test",
        "--organisation",
        "dpp",
        "--role",
        "system_administrator",
    )
    out = capsys.readouterr().out
    password = out.split("Temporary password (shown once): ")[1].strip()
    user = User.objects.get(username="iwan")
    assert user.check_password(password)
    assert user.must_change_password
    assert user.has_perm("accounts.manage_users")
    assert Organisation.objects.get(slug="carms").parent.slug == "dpp"
    # Every step is in the audit log, by the system.
    assert set(AuditEvent.objects.values_list("actor_label", flat=True)) == {"system"}
    assert AuditEvent.objects.count() == 4


@pytest.mark.django_db
def test_setup_commands_refuse_bad_input_with_a_clear_error():
    with pytest.raises(CommandError, match="No organisation"):
        call_command(
            "create-organisation",
            "carms",
            "Carmarthenshire",
            "--kind",
            "area",
            "--parent",
            "nowhere",
        )
    call_command("create-organisation", "ddas", "DDAS", "--kind", "treatment_provider")
    with pytest.raises(CommandError, match="cannot be part of"):
        call_command(
            "create-organisation", "suite", "Suite", "--kind", "custody_suite", "--parent", "ddas"
        )
    with pytest.raises(CommandError, match="cannot be held"):
        call_command(
            "create-user",
            "x",
            "--given-name",
            "X",
            "--family-name",
            "Y",
            "--email",
            "x@example.test",
            "--organisation",
            "ddas",
            "--role",
            "custody_officer",
        )
    with pytest.raises(CommandError, match="slug"):
        call_command("create-organisation", "ddas", "Another DDAS", "--kind", "treatment_provider")
    # Nothing half-written: the user of the refused membership was not kept.
    assert not User.objects.filter(username="x").exists()
